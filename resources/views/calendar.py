"""The week and month calendars of one resource: days in local time (TIME_ZONE), each with the
pieces of the bookings that fall on it. A booking across midnight shows on both days, each
piece with the times of that day. One query, whatever the number of bookings."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import availability, selectors
from ..models import Booking

ONE_DAY = datetime.timedelta(days=1)
VIEWS = ("week", "month")


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def parse_date(value, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except (TypeError, ValueError):
        return default


def _add_months(first: datetime.date, months: int) -> datetime.date:
    month = first.month - 1 + months
    return datetime.date(first.year + month // 12, month % 12 + 1, 1)


def _pieces(items, days, roles):
    """{date: [piece, ...]} for the days shown."""
    by_day = {day: [] for day in days}
    own = set(roles.organization_roles)
    for item in items:
        booking = item.booking
        start, end = item.period.lower, item.period.upper
        for day in availability.local_dates(start, end):
            if day not in by_day:
                continue
            day_begins, day_ends = availability.day_start(day), availability.day_start(day + ONE_DAY)
            piece_start, piece_end = max(start, day_begins), min(end, day_ends)
            by_day[day].append({
                "booking": booking,
                "start": availability.local(piece_start).strftime("%H:%M"),
                "end": "24:00" if piece_end == day_ends else availability.local(piece_end).strftime("%H:%M"),
                "from_day_before": start < day_begins,
                "into_next_day": end > day_ends,
                "period": availability.format_period(start, end),
                "requester": booking.requester.name,
                "pending": item.status == Booking.Status.REQUESTED,
                "own": booking.requester_id in own,
                "status": item.status,
            })
    return by_day


def calendar_context(*, cluster, roles, resource, view: str, date: datetime.date, base_url: str) -> dict:
    today = timezone.localdate()
    view = view if view in VIEWS else "week"
    if view == "week":
        first = week_start(date)
        days = [first + datetime.timedelta(days=n) for n in range(7)]
        previous, following = first - datetime.timedelta(days=7), first + datetime.timedelta(days=7)
        month_first = None
    else:
        month_first = date.replace(day=1)
        next_month = _add_months(month_first, 1)
        grid_first = week_start(month_first)
        grid_last = week_start(next_month - ONE_DAY) + datetime.timedelta(days=6)
        days = [grid_first + datetime.timedelta(days=n) for n in range((grid_last - grid_first).days + 1)]
        previous, following = _add_months(month_first, -1), next_month
    items = list(selectors.resource_calendar(
        cluster=cluster, roles=roles, resource=resource,
        start=availability.day_start(days[0]), end=availability.day_start(days[-1] + ONE_DAY)))
    by_day = _pieces(items, days, roles)
    cells = [{"date": day, "pieces": by_day[day], "is_today": day == today,
              "in_month": month_first is None or day.month == month_first.month} for day in days]

    def link(**params):
        return f"{base_url}?{urlencode(params)}#calendar"

    return {
        "view": view,
        "date": date,
        "days": cells,
        "weeks": [cells[n:n + 7] for n in range(0, len(cells), 7)],
        "first": days[0],
        "last": days[-1],
        "month": month_first,
        "weekday_names": [availability.weekday_name(n) for n in range(7)],
        "previous_url": link(view=view, date=previous.isoformat()),
        "next_url": link(view=view, date=following.isoformat()),
        "today_url": link(view=view, date=today.isoformat()),
        "week_url": link(view="week", date=date.isoformat()),
        "month_url": link(view="month", date=date.isoformat()),
        "previous_label": _("Previous week") if view == "week" else _("Previous month"),
        "next_label": _("Next week") if view == "week" else _("Next month"),
        "count": len(items),
    }
