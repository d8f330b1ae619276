"""Calendar links (iCalendar feeds): the management pages under /c/<slug:cluster_slug>/calendars/."""

from django.urls import path

from . import calendar_views

urlpatterns = [
    path("", calendar_views.CalendarLinksView.as_view(), name="calendar_links"),
    path("new/", calendar_views.CalendarLinkCreateView.as_view(), name="calendar_link_create"),
    path("<int:feed_pk>/revoke/", calendar_views.CalendarLinkRevokeView.as_view(), name="calendar_link_revoke"),
]
