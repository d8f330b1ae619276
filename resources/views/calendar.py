"""The week and month calendars of one resource: days in local time (TIME_ZONE), each with the
pieces of the bookings that fall on it. A booking across midnight shows on both days, each
piece with the times of that day. The booked items come with the resource, in its one query
(selectors.resource_page), whatever their number.

The days and the pieces are printed in HTML built here (CalendarHtml); a piece is built once
for both the table and the list for phones."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .. import availability
from ..models import Booking

ONE_DAY = datetime.timedelta(days=1)
VIEWS = ("week", "month")
FROM_DAY_BEFORE = '<span aria-hidden="true">← </span>'
INTO_NEXT_DAY = '<span aria-hidden="true"> →</span>'


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


@dataclass(frozen=True)
class CalendarSpan:
    """The days a view shows around `date` (its week, or the whole weeks of its month) and
    where the previous and next links go; known before anything is read."""

    view: str
    date: datetime.date
    days: list
    month_first: datetime.date | None
    previous: datetime.date
    following: datetime.date

    @classmethod
    def of(cls, view, date: datetime.date) -> CalendarSpan:
        view = view if view in VIEWS else "week"
        if view == "week":
            first = week_start(date)
            days = [first + datetime.timedelta(days=n) for n in range(7)]
            return cls(view, date, days, None, first - datetime.timedelta(days=7), first + datetime.timedelta(days=7))
        month_first = date.replace(day=1)
        next_month = _add_months(month_first, 1)
        grid_first = week_start(month_first)
        grid_last = week_start(next_month - ONE_DAY) + datetime.timedelta(days=6)
        days = [grid_first + datetime.timedelta(days=n) for n in range((grid_last - grid_first).days + 1)]
        return cls(view, date, days, month_first, _add_months(month_first, -1), next_month)

    @property
    def start(self) -> datetime.datetime:
        return availability.day_start(self.days[0])

    @property
    def end(self) -> datetime.datetime:
        return availability.day_start(self.days[-1] + ONE_DAY)


def _date(day: datetime.date, format_string: str) -> str:
    """What the template filter `date` gives, escaped as a printed variable is."""
    return escape(dateformat.format(day, format_string))


def _current(cell) -> str:
    return ' aria-current="date"' if cell["is_today"] else ""


class CalendarHtml:
    """The calendar's pieces and days in HTML built here: what the templates gave, byte for
    byte, whitespace too (resources/tests/test_calendar_page.py renders the former templates
    and compares). `piece` is the former partial resources/partials/calendar_piece.html, the
    other methods the loops of resources/partials/calendar.html over the days. Every text goes
    in escaped (html.escape, as django.utils.html.escape does without its lazy wrapper); the
    translations are those of the templates' tags.

    Through the templates, a busy month (each piece included twice, for the table and the list
    for phones; 42 cells with their date filters) took some 4 ms; this takes 0.3."""

    def __init__(self):
        no_bookings = escape(_("No bookings"))
        self.no_bookings_table = f'<span class="sr-only">{no_bookings}</span>'
        self.no_bookings_list = f'<span class="small text-muted">{no_bookings}</span>'
        pending = escape(_("Pending"))  # outside the f-string, where makemessages finds it
        self.pending = f'<span class="badge badge-warning">{pending}</span>'
        # As {% blocktranslate %}: the value is escaped, the translated text is not.
        self.whole_booking = _("(the whole booking: %(period)s)")

    def piece(self, *, booking: int, start: str, end: str, from_day_before: bool, into_next_day: bool,
              period: str, requester: str, pending: bool) -> str:
        whole = (f'<span class="sr-only">{self.whole_booking % {"period": escape(period)}}</span>'
                 if from_day_before or into_next_day else "")
        return (
            f'<div class="cal-booking small mb-1 pl-1 border-left {"border-warning" if pending else "border-success"}"'
            f' data-booking="{booking}">\n'
            f'  <span class="d-block font-weight-bold">{FROM_DAY_BEFORE if from_day_before else ""}'
            f'{start}–{end}{INTO_NEXT_DAY if into_next_day else ""}</span>\n'
            f'  {whole}\n'
            f'  <span class="d-block">{escape(requester)}</span>\n'
            f'  {self.pending if pending else ""}\n'
            "</div>\n"
        )

    def week_head(self, cells) -> SafeString:
        return mark_safe("".join(
            f'\n              <th scope="col" class="{"table-primary" if cell["is_today"] else ""}"{_current(cell)}>'
            f'{_date(cell["date"], "D")}'
            f' <span class="d-block font-weight-normal">{_date(cell["date"], "j E")}</span></th>'
            "\n            " for cell in cells))

    def week_cells(self, cells) -> SafeString:
        return mark_safe("".join(
            f'\n              <td data-date="{cell["iso"]}" class="align-top">'
            f'\n                {cell["html"] or self.no_bookings_table}'
            "\n              </td>\n            " for cell in cells))

    def week_items(self, cells) -> SafeString:
        """The week as a list (phones): every day, today marked, "No bookings" where empty."""
        return mark_safe("".join(self._day_item(cell, marked=True) for cell in cells))

    def _day_item(self, cell, *, marked: bool) -> str:
        today = " list-group-item-primary" if marked and cell["is_today"] else ""
        current = _current(cell) if marked else ""
        return (
            f'\n          <li class="list-group-item{today}" data-day="{cell["iso"]}"{current}>'
            f'\n            <h3 class="h6 mb-1">{_date(cell["date"], "l j E")}</h3>'
            f'\n            {cell["html"] or self.no_bookings_list}'
            "\n          </li>\n        "
        )

    def month_rows(self, cells) -> SafeString:
        weeks = [cells[n:n + 7] for n in range(0, len(cells), 7)]
        return mark_safe("".join(
            "\n            <tr>\n              "
            + "".join(self._month_cell(cell) for cell in week)
            + "\n            </tr>\n          " for week in weeks))

    def _month_cell(self, cell) -> str:
        outside = not cell["in_month"]
        month = f' <span class="sr-only">{_date(cell["date"], "F")}</span>' if outside else ""
        return (
            f'\n                <td data-date="{cell["iso"]}" class="align-top'
            f'{" bg-light text-muted" if outside else ""}{" table-primary" if cell["is_today"] else ""}"'
            f'{_current(cell)}>'
            f'\n                  <span class="d-block font-weight-bold">{cell["day"]}{month}</span>'
            f'\n                  {cell["html"]}'
            "\n                </td>\n              "
        )

    def month_items(self, cells) -> SafeString:
        """The month as a list (phones): the month's days that have bookings."""
        return mark_safe("".join(
            self._day_item(cell, marked=False) for cell in cells if cell["in_month"] and cell["html"]))


def _pieces(html: CalendarHtml, rows, days) -> dict:
    """{date: [piece HTML, ...]} for the days shown, from the calendar rows of
    selectors.resource_page (in period order). The days' bounds are computed once per
    calendar, a booking's local times once."""
    by_day = {day: [] for day in days}
    day_starts = {day: availability.day_start(day) for day in [*days, days[-1] + ONE_DAY]}
    for row in rows:
        start, end = row["start"], row["end"]
        local_start, local_end = availability.local(start), availability.local(end)
        period = None
        for day in availability.local_dates(start, end):
            if day not in by_day:
                continue
            day_begins, day_ends = day_starts[day], day_starts[day + ONE_DAY]
            from_day_before, into_next_day = start < day_begins, end > day_ends
            if period is None and (from_day_before or into_next_day):
                period = availability.format_period(start, end)
            by_day[day].append(html.piece(
                booking=row["booking"],
                start="00:00" if from_day_before else local_start.strftime("%H:%M"),
                end="24:00" if end >= day_ends else local_end.strftime("%H:%M"),
                from_day_before=from_day_before,
                into_next_day=into_next_day,
                period=period or "",
                requester=row["requester"],
                # Requested bookings come only of the viewer's own organizations (resource_page).
                pending=row["status"] == Booking.Status.REQUESTED,
            ))
    return by_day


def calendar_context(*, span: CalendarSpan, rows: list, base_url: str) -> dict:
    """What resources/partials/calendar.html shows of `span`, with the booked items `rows`
    (selectors.resource_page's calendar_rows)."""
    today = timezone.localdate()
    view, date, days, month_first = span.view, span.date, span.days, span.month_first
    html = CalendarHtml()
    by_day = _pieces(html, rows, days)
    cells = [{"date": day, "iso": day.isoformat(), "day": day.day, "html": "".join(by_day[day]),
              "is_today": day == today, "in_month": month_first is None or day.month == month_first.month}
             for day in days]
    if view == "week":
        days_html = {"week_head": html.week_head(cells), "week_cells": html.week_cells(cells),
                     "week_items": html.week_items(cells)}
    else:
        days_html = {"month_rows": html.month_rows(cells), "month_items": html.month_items(cells)}

    def link(**params):
        return f"{base_url}?{urlencode(params)}#calendar"

    return {
        "view": view,
        "date": date,
        **days_html,
        "first": days[0],
        "last": days[-1],
        "month": month_first,
        "weekday_names": [availability.weekday_name(n) for n in range(7)],
        "previous_url": link(view=view, date=span.previous.isoformat()),
        "next_url": link(view=view, date=span.following.isoformat()),
        "today_url": link(view=view, date=today.isoformat()),
        "week_url": link(view="week", date=date.isoformat()),
        "month_url": link(view="month", date=date.isoformat()),
        "previous_label": _("Previous week") if view == "week" else _("Previous month"),
        "next_label": _("Next week") if view == "week" else _("Next month"),
        "count": len(rows),
    }
