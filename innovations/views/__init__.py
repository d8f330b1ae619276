"""Browser pages of innovations, in four parts that each keep their own routes:
core (the catalogue, the pipeline board, the innovation page, proposing and editing,
attachments, "my innovations", stage moves), reviews (assigning experts, the expert's queue and
review form, the consensus step, the review policy), pilots (pilot sites, measures and results,
adoptions and the spread graph) and flow (the flow figures and charts).

Objects are loaded through the cluster and the reader's visibility (permissions), so another
cluster's object and one the user may not see answer alike (404); every write is a service
call, whose PermissionDenied answers 403 and whose ValidationError is shown beside the field it
names with 422."""
