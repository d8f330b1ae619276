"""Browser URLs of shared resources and bookings, included under /c/<slug:cluster_slug>/resources/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.ResourceListView.as_view(), name="resource_list"),
    path("new/", views.ResourceCreateView.as_view(), name="resource_create"),
    path("<int:pk>/", views.ResourceDetailView.as_view(), name="resource_detail"),
    path("<int:pk>/edit/", views.ResourceEditView.as_view(), name="resource_edit"),
    path("<int:pk>/hours/", views.OpeningHoursView.as_view(), name="resource_hours"),
    path("<int:pk>/closed-dates/", views.ClosedDatesView.as_view(), name="resource_closed_dates"),
    path("<int:pk>/closed-dates/<int:closed_pk>/delete/", views.ClosedDateDeleteView.as_view(),
         name="resource_closed_date_delete"),
    path("<int:pk>/photos/new/", views.PhotoUploadView.as_view(), name="resource_photo_upload"),
    path("<int:pk>/photos/<int:photo_pk>/", views.PhotoView.as_view(), name="resource_photo"),
    path("<int:pk>/photos/<int:photo_pk>/delete/", views.PhotoDeleteView.as_view(), name="resource_photo_delete"),
    path("<int:pk>/managers/", views.ManagersView.as_view(), name="resource_managers"),
    path("<int:pk>/archive/", views.ResourceArchiveView.as_view(), name="resource_archive"),
    path("<int:pk>/restore/", views.ResourceRestoreView.as_view(), name="resource_restore"),
    path("<int:pk>/book/", views.BookingRequestView.as_view(), name="booking_request"),
    path("<int:pk>/book/agreements/", views.BookingAgreementOptionsView.as_view(), name="booking_request_agreements"),
    path("bookings/mine/", views.MyBookingsView.as_view(), name="booking_mine"),
    path("bookings/to-approve/", views.BookingsToApproveView.as_view(), name="booking_to_approve"),
    path("bookings/<int:pk>/", views.BookingDetailView.as_view(), name="booking_detail"),
    path("bookings/<int:pk>/approve/", views.BookingApproveView.as_view(), name="booking_approve"),
    path("bookings/<int:pk>/decline/", views.BookingDeclineView.as_view(), name="booking_decline"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="booking_cancel"),
]
