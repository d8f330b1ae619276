"""The public iCalendar feeds, under /calendars/: reached by their secret token alone."""

urlpatterns = []
