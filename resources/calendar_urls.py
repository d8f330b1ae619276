"""Calendar links (iCalendar feeds): the management pages under /c/<slug:cluster_slug>/calendars/."""

urlpatterns = []
