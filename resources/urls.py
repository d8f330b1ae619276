"""Browser URLs of shared resources and bookings, included under /c/<slug:cluster_slug>/resources/."""

urlpatterns = []
