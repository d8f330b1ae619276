import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reports import periods
from reports.periods import Period

D = datetime.date


@pytest.mark.parametrize("kind, day, start, end", [
    ("month", D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
    ("month", D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),
    ("month", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
    ("quarter", D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31)),
    ("quarter", D(2026, 5, 14), D(2026, 4, 1), D(2026, 6, 30)),
    ("quarter", D(2026, 9, 30), D(2026, 7, 1), D(2026, 9, 30)),
    ("quarter", D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)),
    ("year", D(2026, 7, 4), D(2026, 1, 1), D(2026, 12, 31)),
])
def test_it_finds_the_period_that_contains_a_date(kind, day, start, end):
    assert periods.period_of(kind, day) == Period(kind, start, end)


@pytest.mark.parametrize("kind, value, start", [
    ("year", "2026", D(2026, 1, 1)),
    ("quarter", "2026-Q2", D(2026, 4, 1)),
    ("quarter", "2026q4", D(2026, 10, 1)),
    ("month", "2026-05", D(2026, 5, 1)),
    ("month", "2026-5", D(2026, 5, 1)),
    ("month", "2026-05-31", D(2026, 5, 1)),
    ("quarter", " 2026-08-15 ", D(2026, 7, 1)),
    ("year", D(2025, 3, 3), D(2025, 1, 1)),
])
def test_it_parses_a_code_or_a_date_inside_the_period(kind, value, start):
    assert periods.parse_period(kind, value).start == start


@pytest.mark.parametrize("kind, value, field", [
    ("week", "2026-05", "kind"),
    ("", "2026", "kind"),
    ("month", "2026-13", "period"),
    ("month", "2026-00", "period"),
    ("quarter", "2026-Q5", "period"),
    ("quarter", "2026", "period"),
    ("year", "26", "period"),
    ("year", "0226", "period"),
    ("year", "", "period"),
    ("year", None, "period"),
    ("month", "2026-02-30", "period"),
    ("month", datetime.datetime(2026, 2, 1, 12, 0), "period"),
])
def test_it_refuses_what_is_not_a_period_and_names_the_field(kind, value, field):
    with pytest.raises(ValidationError) as error:
        periods.parse_period(kind, value)
    assert field in error.value.message_dict


def test_previous_and_next_cross_the_year():
    q1 = periods.parse_period("quarter", "2026-Q1")
    assert q1.previous() == Period("quarter", D(2025, 10, 1), D(2025, 12, 31))
    assert q1.previous().next() == q1
    january = periods.parse_period("month", "2026-01")
    assert january.previous() == Period("month", D(2025, 12, 1), D(2025, 12, 31))
    assert periods.parse_period("year", "2026").previous() == Period("year", D(2025, 1, 1), D(2025, 12, 31))
    march = periods.parse_period("month", "2026-03")
    assert march.previous() == Period("month", D(2026, 2, 1), D(2026, 2, 28))


def test_codes_and_labels():
    assert periods.parse_period("year", "2026").code == "2026"
    assert periods.parse_period("quarter", "2026-11-02").code == "2026-Q4"
    assert periods.parse_period("month", "2026-03-09").code == "2026-03"
    with translation.override("en"):
        assert periods.parse_period("quarter", "2026-Q3").label == "Q3 2026"
        assert periods.parse_period("month", "2026-03").label == "March 2026"
        assert periods.parse_period("year", "2026").label == "2026"
    assert periods.parse_period("quarter", "2026-Q3").as_dict() == {
        "kind": "quarter", "start": "2026-07-01", "end": "2026-09-30", "code": "2026-Q3"}


def test_validate_period_accepts_only_a_whole_period_of_the_kind():
    assert periods.validate_period("quarter", D(2026, 4, 1), D(2026, 6, 30)).code == "2026-Q2"
    for kind, start, end in [("quarter", D(2026, 4, 1), D(2026, 6, 29)),
                             ("quarter", D(2026, 4, 2), D(2026, 6, 30)),
                             ("month", D(2026, 4, 1), D(2026, 6, 30)),
                             ("year", D(2026, 1, 1), D(2026, 6, 30))]:
        with pytest.raises(ValidationError) as error:
            periods.validate_period(kind, start, end)
        assert "period" in error.value.message_dict


def test_a_period_that_has_not_begun_is_refused_a_running_one_is_not():
    today = D(2026, 5, 14)
    assert periods.require_started(periods.period_of("quarter", today), today).code == "2026-Q2"
    with pytest.raises(ValidationError):
        periods.require_started(periods.parse_period("quarter", "2026-Q3"), today)


def test_last_ended_is_what_the_schedule_reports_on():
    assert periods.last_ended("quarter", D(2026, 4, 1)).code == "2026-Q1"
    assert periods.last_ended("quarter", D(2026, 3, 31)).code == "2025-Q4"
    assert periods.last_ended("year", D(2026, 1, 1)).code == "2025"
    assert periods.last_ended("month", D(2026, 3, 1)).code == "2026-02"


def test_kind_of_and_previous_span():
    assert periods.kind_of(D(2026, 1, 1), D(2026, 12, 31)) == "year"
    assert periods.kind_of(D(2026, 1, 1), D(2026, 3, 31)) == "quarter"
    assert periods.kind_of(D(2026, 2, 1), D(2026, 2, 28)) == "month"
    assert periods.kind_of(D(2026, 2, 3), D(2026, 2, 28)) is None
    assert periods.previous_span(D(2026, 4, 1), D(2026, 6, 30)) == (D(2026, 1, 1), D(2026, 3, 31))
    assert periods.previous_span(D(2026, 3, 1), D(2026, 3, 31)) == (D(2026, 2, 1), D(2026, 2, 28))
    # Any other span: as many days just before it.
    assert periods.previous_span(D(2026, 2, 11), D(2026, 2, 20)) == (D(2026, 2, 1), D(2026, 2, 10))
