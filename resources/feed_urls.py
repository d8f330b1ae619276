"""The public iCalendar feeds, under /calendars/: reached by their secret token alone."""

from django.urls import re_path

from . import calendar_views

urlpatterns = [
    # secrets.token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; anything else is no feed.
    re_path(r"^(?P<token>[A-Za-z0-9_-]{20,128})\.ics$", calendar_views.calendar_feed, name="calendar_feed"),
]
