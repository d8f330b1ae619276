"""Browser pages of shared resources and bookings.

Every resource is loaded through selectors.resource_get (its own page: resource_page) with the
cluster, and every booking through selectors.booking_get with the cluster and the user's roles,
so another cluster's object and one the user may not read answer alike (404). Every write is a
service call, whose PermissionDenied answers 403 and whose ValidationError is shown beside the
field it names with 422.
"""

from .bookings import (
    BookingAgreementOptionsView,
    BookingApproveView,
    BookingCancelView,
    BookingDeclineView,
    BookingDetailView,
    BookingRequestView,
    BookingsToApproveView,
    MyBookingsView,
)
from .catalogue import PhotoView, ResourceDetailView, ResourceListView
from .manage import (
    ClosedDateDeleteView,
    ClosedDatesView,
    ManagersView,
    OpeningHoursView,
    PhotoDeleteView,
    PhotoUploadView,
    ResourceArchiveView,
    ResourceCreateView,
    ResourceEditView,
    ResourceRestoreView,
)

__all__ = [
    "BookingAgreementOptionsView",
    "BookingApproveView",
    "BookingCancelView",
    "BookingDeclineView",
    "BookingDetailView",
    "BookingRequestView",
    "BookingsToApproveView",
    "ClosedDateDeleteView",
    "ClosedDatesView",
    "ManagersView",
    "MyBookingsView",
    "OpeningHoursView",
    "PhotoDeleteView",
    "PhotoUploadView",
    "PhotoView",
    "ResourceArchiveView",
    "ResourceCreateView",
    "ResourceDetailView",
    "ResourceEditView",
    "ResourceListView",
    "ResourceRestoreView",
]
