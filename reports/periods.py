"""Report periods: a calendar month, quarter or year, as local dates with both ends included
(the convention of every indicator of the platform: resources.indicators, innovations.flow).

    period_of("quarter", date(2026, 5, 14))   -> Period("quarter", 2026-04-01, 2026-06-30)
    parse_period("quarter", "2026-Q2")        -> the same; "2026-05-14" and a date work too
    period.previous()                         -> Period("quarter", 2026-01-01, 2026-03-31)
    period.code, period.label                 -> "2026-Q2", "Q2 2026" (translated)

Bad input raises a ValidationError that names the field ("kind" or "period"), as services do.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
_MONTHS = {MONTH: 1, QUARTER: 3, YEAR: 12}
# The earliest and latest years a report can be about: a typo ("0226") is refused, not computed.
MIN_YEAR, MAX_YEAR = 2000, 2100

_PATTERNS = {
    YEAR: re.compile(r"^(?P<year>\d{4})$"),
    QUARTER: re.compile(r"^(?P<year>\d{4})-?Q(?P<quarter>[1-4])$", re.IGNORECASE),
    MONTH: re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$"),
}


def _month_start(year: int, month: int) -> datetime.date:
    """The first day of the month `month` (1-based, may run past 12 or below 1) of `year`."""
    index = year * 12 + month - 1
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def code(self) -> str:
        """A stable, untranslated name: 2026, 2026-Q2, 2026-05."""
        if self.kind == YEAR:
            return f"{self.start.year}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{self.quarter}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        """For people, in the active language: 2026, Q2 2026, May 2026."""
        if self.kind == YEAR:
            return str(self.start.year)
        if self.kind == QUARTER:
            return quarter_label(self.start)
        return date_format(self.start, "YEAR_MONTH_FORMAT")

    def previous(self) -> Period:
        return period_of(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.kind, self.end + datetime.timedelta(days=1))

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def has_ended(self, today: datetime.date) -> bool:
        return self.end < today

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(), "code": self.code}


def quarter_label(day: datetime.date) -> str:
    return _("Q%(quarter)d %(year)d") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


def check_kind(kind) -> str:
    if kind not in KINDS:
        raise ValidationError({"kind": _("Choose a month, a quarter or a year.")})
    return kind


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"period": _("Give a year from %(first)d to %(last)d.") % {
            "first": MIN_YEAR, "last": MAX_YEAR}})


def period_of(kind: str, day: datetime.date) -> Period:
    """The month, quarter or year that contains `day`."""
    check_kind(kind)
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ValidationError({"period": _("Give a date inside the period.")})
    _check_year(day.year)
    months = _MONTHS[kind]
    first_month = (day.month - 1) // months * months + 1
    start = datetime.date(day.year, first_month, 1)
    end = _month_start(day.year, first_month + months) - datetime.timedelta(days=1)
    return Period(kind, start, end)


def parse_period(kind: str, value) -> Period:
    """The period of `kind` named by `value`: a date inside it (a date or "YYYY-MM-DD"), or its
    code ("2026" for a year, "2026-Q2" for a quarter, "2026-05" for a month)."""
    check_kind(kind)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return period_of(kind, value)
    text = str(value or "").strip()
    try:
        return period_of(kind, datetime.date.fromisoformat(text))
    except ValueError:
        pass
    match = _PATTERNS[kind].match(text)
    if match is None:
        raise ValidationError({"period": _("Give a date inside the period, or the period as %(example)s.") % {
            "example": {YEAR: "2026", QUARTER: "2026-Q2", MONTH: "2026-05"}[kind]}})
    year = int(match["year"])
    _check_year(year)
    if kind == YEAR:
        return period_of(kind, datetime.date(year, 1, 1))
    if kind == QUARTER:
        return period_of(kind, datetime.date(year, (int(match["quarter"]) - 1) * 3 + 1, 1))
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise ValidationError({"period": _("Give a month from 1 to 12.")})
    return period_of(kind, datetime.date(year, month, 1))


def validate_period(kind: str, start: datetime.date, end: datetime.date) -> Period:
    """Refuse a start and end that are not exactly one month, quarter or year of `kind`."""
    period = period_of(kind, start)
    if (period.start, period.end) != (start, end):
        raise ValidationError({"period": _("%(start)s to %(end)s is not a whole %(kind)s.") % {
            "start": start.isoformat(), "end": end.isoformat(),
            "kind": {MONTH: _("month"), QUARTER: _("quarter"), YEAR: _("year")}[kind]}})
    return period


def require_started(period: Period, today: datetime.date) -> Period:
    """A period that has not begun has nothing to report (a running one can be, in part)."""
    if period.start > today:
        raise ValidationError({"period": _("This period has not begun yet.")})
    return period


def last_ended(kind: str, today: datetime.date) -> Period:
    """The latest period of `kind` that ended before `today`: what the schedule reports on."""
    return period_of(kind, today).previous()


def kind_of(start: datetime.date, end: datetime.date) -> str | None:
    """The kind whose whole period start..end is, or None for any other span of dates."""
    for kind in KINDS:
        period = period_of(kind, start)
        if (period.start, period.end) == (start, end):
            return kind
    return None


def previous_span(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The span to compare start..end with: the previous month, quarter or year when the span is
    one, otherwise as many days just before it."""
    kind = kind_of(start, end)
    if kind is not None:
        previous = period_of(kind, start).previous()
        return previous.start, previous.end
    days = (end - start).days + 1
    return start - datetime.timedelta(days=days), start - datetime.timedelta(days=1)
