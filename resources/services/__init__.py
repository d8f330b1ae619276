"""Every state change of the resources app: one function per use case.

Each loads the rows with the cluster in the query (another cluster's id is DoesNotExist, like
one that does not exist), checks permission (permissions.py), validates (a ValidationError that
names the field and says which rule refused), writes in one transaction and leaves the audit
trail (pghistory events carry the acting user and the service).

Bookings: a request books one or more resources of one owner together; the managers approve or
decline it as a whole; the requester cancels it; the hourly task completes approved bookings
that have ended. Approval copies the status onto the booking's BookedResource rows, where the
exclusion constraint "booked_resource_no_overlap" keeps two approved bookings of one resource
from overlapping even when approvals race: the loser's violation becomes the same message the
checks before it give.
"""

from .bookings import (
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_request,
    bookings_complete,
)
from .catalogue import (
    RESOURCE_FIELDS,
    closed_date_add,
    closed_date_remove,
    manager_grant,
    manager_revoke,
    opening_hours_set,
    photo_add,
    photo_remove,
    resource_archive,
    resource_create,
    resource_restore,
    resource_update,
)
from .calendars import feed_create, feed_revoke, feed_touch

__all__ = [
    "RESOURCE_FIELDS",
    "booking_approve",
    "booking_cancel",
    "booking_decline",
    "booking_request",
    "bookings_complete",
    "closed_date_add",
    "closed_date_remove",
    "manager_grant",
    "manager_revoke",
    "opening_hours_set",
    "photo_add",
    "photo_remove",
    "resource_archive",
    "resource_create",
    "resource_restore",
    "resource_update",
    "feed_create",
    "feed_revoke",
    "feed_touch",
]
