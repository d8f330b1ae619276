"""Time arithmetic of bookings, on data already loaded: local days, opening intervals, free
slots, and the wording of times in messages. No queries here.

Opening hours are local times (settings.TIME_ZONE, Asia/Tashkent). The rule for a booking of a
resource with weekly hours: the booking lies within one local day and inside one opening
interval of that weekday. A booking over several days (or across midnight) is possible only for
a resource that is open round the clock (`always_open`). selectors.resource_list(free_between)
applies the same rule in SQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

ONE_DAY = datetime.timedelta(days=1)
TINY = datetime.timedelta(microseconds=1)
# The instants a request may name. Far dates mean nothing for a booking and break the day
# arithmetic (there is no year 0 or 10000); a time outside is refused, not computed.
EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
LATEST = datetime.datetime(3000, 1, 1, tzinfo=datetime.timezone.utc)


def local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value)


def aware(value: datetime.datetime) -> datetime.datetime:
    """Naive datetimes (a form's input) are read as local time."""
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def in_range(value: datetime.datetime) -> bool:
    """Whether an aware datetime lies in [EARLIEST, LATEST)."""
    return EARLIEST <= value < LATEST


def range_message() -> str:
    return _("Give a date and time from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST.date().isoformat(), "latest": (LATEST - ONE_DAY).date().isoformat()}


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def day_start(day: datetime.date) -> datetime.datetime:
    return at(day, datetime.time.min)


def local_dates(start: datetime.datetime, end: datetime.datetime) -> list[datetime.date]:
    """The local dates that [start, end) touches."""
    first, last = local(start).date(), local(end - TINY).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def within_one_day(start: datetime.datetime, end: datetime.datetime) -> bool:
    return local(start).date() == local(end).date()


def covered_by_hours(start, end, intervals: Iterable[tuple[datetime.time, datetime.time]]) -> bool:
    """Whether [start, end) lies inside one of the weekday's (opens, closes) intervals."""
    if not within_one_day(start, end):
        return False
    start_time, end_time = local(start).time(), local(end).time()
    return any(opens <= start_time and end_time <= closes for opens, closes in intervals)


def weekday_name(weekday: int) -> str:
    return str(WEEKDAYS[weekday])


def hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def format_intervals(intervals: Iterable[tuple[datetime.time, datetime.time]]) -> str:
    return ", ".join(f"{hhmm(opens)}–{hhmm(closes)}" for opens, closes in intervals)


def format_moment(value: datetime.datetime) -> str:
    return local(value).strftime("%Y-%m-%d %H:%M")


def format_period(start: datetime.datetime, end: datetime.datetime) -> str:
    """"2026-05-04 10:00–12:00" within a day, else "2026-05-04 10:00 – 2026-05-06 09:00"."""
    if within_one_day(start, end):
        return f"{format_moment(start)}–{local(end):%H:%M}"
    return f"{format_moment(start)} – {format_moment(end)}"


def _merge(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def open_intervals(start, end, *, always_open: bool, hours_by_weekday: dict, closed: set) -> list:
    """The resource's opening time in [start, end) as merged aware (start, end) pairs: every
    local day touched, less the closed dates, clipped to the range."""
    pieces = []
    for day in local_dates(start, end):
        if day in closed:
            continue
        if always_open:
            pieces.append((day_start(day), day_start(day + ONE_DAY)))
        else:
            pieces.extend((at(day, opens), at(day, closes))
                          for opens, closes in hours_by_weekday.get(day.weekday(), ()))
    clipped = [(max(a, start), min(b, end)) for a, b in pieces]
    return _merge([(a, b) for a, b in clipped if a < b])


def subtract(intervals: list, taken: Iterable[tuple]) -> list:
    """`intervals` (merged, sorted) less every (start, end) in `taken`."""
    result = []
    taken = _merge(taken)
    for start, end in intervals:
        cursor = start
        for busy_start, busy_end in taken:
            if busy_end <= cursor or busy_start >= end:
                continue
            if busy_start > cursor:
                result.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result
