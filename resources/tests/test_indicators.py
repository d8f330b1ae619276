"""indicators.utilization: figures computed by hand on a small week, and a query count that
does not grow with the bookings.

The week of Monday 4 March 2030 (Tashkent time). Open:
- the university's laboratory, Monday-Friday 09-18, closed on Wednesday: 4 x 9 = 36 h;
- the university's microscope set, Monday-Friday 09-18: 5 x 9 = 45 h;
- the college's dormitory, round the clock: 7 x 24 = 168 h;
- an archived laboratory: not counted.
Booked (approved or completed):
- lab, school, Mon 10-12: 2 h;  lab + microscope, college, Tue 09-11: 2 + 2 h (one booking);
- lab, school, Fri 14-18: 4 h;
- dormitory, school, Sun 3 March 22:00 - Mon 03:00: 3 h inside the week (local midnight, not UTC's);
- dormitory, IRO, Wed 22:00 - Thu 02:00 (across midnight): 4 h;
- dormitory, IRO, Sun 10 March 21:00 - Mon 11 March 09:00: 3 h inside the week.
Not counted: declined, cancelled and requested bookings, the archived laboratory's booking,
a booking the week before, and another cluster's laboratory and booking.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from members.tests.factories import OrganizationFactory
from resources.indicators import utilization
from resources.models import BookedResource, Booking
from resources.tests.conftest import at, with_weekday_hours
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    ResourceFactory,
    period,
)

MONDAY = datetime.date(2030, 3, 4)
SUNDAY = MONDAY + datetime.timedelta(days=6)


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


def book(resources, requester, start, end, status):
    booking = BookingFactory(requester=requester, cluster=requester.cluster, period=period(start, end), status=status)
    for resource in resources:
        BookedResourceFactory(booking=booking, resource=resource)
    return booking


@pytest.fixture
def week(cluster, school, university, lab, microscope, other_cluster):
    college = OrganizationFactory(cluster=cluster, kind="college", name="Chirchik Chemical Technical School")
    iro = OrganizationFactory(cluster=cluster, kind="iro", name="Tashkent Region IRO")
    dormitory = ResourceFactory(owner=college, name="Dormitory", kind="dormitory", capacity=80, always_open=True)
    archived = with_weekday_hours(ResourceFactory(owner=university, name="Old laboratory", is_active=False))
    ClosedDateFactory(resource=lab, date=day(2), reason="Sanitary day")
    ClosedDateFactory(resource=lab, date=day(14), reason="Outside the week")

    done, approved = Booking.Status.COMPLETED, Booking.Status.APPROVED
    book([lab], school, at(day(0), "10:00"), at(day(0), "12:00"), done)
    book([lab, microscope], college, at(day(1), "09:00"), at(day(1), "11:00"), approved)
    book([lab], school, at(day(4), "14:00"), at(day(4), "18:00"), approved)
    book([dormitory], school, at(day(-1), "22:00"), at(day(0), "03:00"), done)
    book([dormitory], iro, at(day(2), "22:00"), at(day(3), "02:00"), approved)
    book([dormitory], iro, at(day(6), "21:00"), at(day(7), "09:00"), approved)

    book([lab], school, at(day(3), "10:00"), at(day(3), "12:00"), Booking.Status.DECLINED)
    book([lab], school, at(day(3), "13:00"), at(day(3), "15:00"), Booking.Status.CANCELLED)
    book([microscope], iro, at(day(0), "14:00"), at(day(0), "16:00"), Booking.Status.REQUESTED)
    book([archived], school, at(day(0), "10:00"), at(day(0), "12:00"), done)
    book([lab], school, at(day(-7), "10:00"), at(day(-7), "12:00"), done)

    elsewhere = OrganizationFactory(cluster=other_cluster, kind="pedagogical_university", name="SamSU")
    their_school = OrganizationFactory(cluster=other_cluster, name="Samarkand School No. 5")
    their_lab = with_weekday_hours(ResourceFactory(owner=elsewhere, name="Physics laboratory"))
    book([their_lab], their_school, at(day(0), "10:00"), at(day(0), "12:00"), done)
    return {"college": college, "iro": iro, "dormitory": dormitory}


def H(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def test_it_counts_the_hours_open_and_booked_by_owner_kind(cluster, week):
    report = utilization(cluster=cluster, start=MONDAY, end=SUNDAY)
    assert report["start"] == MONDAY and report["end"] == SUNDAY
    assert report["by_owner_kind"] == [
        {"kind": "pedagogical_university", "label": "Pedagogical university", "resources": 2,
         "hours_open": H(81), "hours_booked": H(10), "utilization": Decimal("0.1235"), "bookings": 3},
        {"kind": "college", "label": "Vocational college", "resources": 1,
         "hours_open": H(168), "hours_booked": H(10), "utilization": Decimal("0.0595"), "bookings": 3},
    ]
    assert report["total"] == {"resources": 3, "hours_open": H(249), "hours_booked": H(20),
                               "utilization": Decimal("0.0803"), "bookings": 6}


def test_it_counts_the_hours_booked_by_borrower_kind_and_owner_by_borrower(cluster, week):
    report = utilization(cluster=cluster, start=MONDAY, end=SUNDAY)
    assert report["by_borrower_kind"] == [
        {"kind": "iro", "label": "Teacher-training institute (IRO)", "hours_booked": H(7), "bookings": 2},
        {"kind": "school", "label": "School", "hours_booked": H(9), "bookings": 3},
        {"kind": "college", "label": "Vocational college", "hours_booked": H(4), "bookings": 1},
    ]
    cells = {(row["owner_kind"], row["borrower_kind"]): (row["hours_booked"], row["bookings"])
             for row in report["cross"]}
    assert cells == {
        ("pedagogical_university", "school"): (H(6), 2),
        ("pedagogical_university", "college"): (H(4), 1),
        ("college", "iro"): (H(7), 2),
        ("college", "school"): (H(3), 1),
    }
    assert all(row["owner_label"] and row["borrower_label"] for row in report["cross"])


def test_the_end_date_is_included(cluster, week):
    """One day, Friday: the lab and the microscope 9 h each, the dormitory 24 h; the lab's 4 h."""
    friday = day(4)
    report = utilization(cluster=cluster, start=friday, end=friday)
    assert report["total"]["hours_open"] == H(42)
    assert report["total"]["hours_booked"] == H(4)
    assert report["total"]["bookings"] == 1


def test_another_cluster_sees_only_its_own(other_cluster, week):
    report = utilization(cluster=other_cluster, start=MONDAY, end=SUNDAY)
    assert report["total"] == {"resources": 1, "hours_open": H(45), "hours_booked": H(2),
                               "utilization": Decimal("0.0444"), "bookings": 1}
    assert [row["kind"] for row in report["by_borrower_kind"]] == ["school"]


def test_an_empty_cluster_reports_zeros(db):
    from members.tests.factories import ClusterFactory

    report = utilization(cluster=ClusterFactory(), start=MONDAY, end=SUNDAY)
    assert report["total"] == {"resources": 0, "hours_open": H(0), "hours_booked": H(0),
                               "utilization": None, "bookings": 0}
    assert report["by_owner_kind"] == report["by_borrower_kind"] == report["cross"] == []


def test_it_refuses_a_period_that_ends_before_it_starts(cluster):
    with pytest.raises(ValidationError) as caught:
        utilization(cluster=cluster, start=SUNDAY, end=MONDAY)
    assert "end" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        utilization(cluster=cluster, start=None, end=MONDAY)
    assert "start" in caught.value.message_dict


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_day_with_a_daylight_saving_change_counts_its_real_length(cluster, university):
    """Sunday 31 March 2030 has 23 hours in Berlin: a room open round the clock is open 23 h,
    and a booking over the whole day books 23 h."""
    room = ResourceFactory(owner=university, name="Guest room", kind="dormitory", capacity=2, always_open=True)
    sunday = datetime.date(2030, 3, 31)
    book([room], university, at(sunday - datetime.timedelta(days=1), "12:00"),
         at(sunday + datetime.timedelta(days=1), "00:00"), Booking.Status.COMPLETED)
    report = utilization(cluster=cluster, start=sunday, end=sunday)
    assert report["total"]["hours_open"] == H(23)
    assert report["total"]["hours_booked"] == H(23)


def _bulk_bookings(cluster, requester, resource, count):
    """`count` adjacent half-hour completed bookings of the resource, written in two queries."""
    start = at(MONDAY, "00:00")
    half_hour = datetime.timedelta(minutes=30)
    bookings = Booking.objects.bulk_create([
        Booking(cluster=cluster, requester=requester, purpose="Stay", participants=1, status=Booking.Status.COMPLETED,
                period=period(start + n * half_hour, start + (n + 1) * half_hour))
        for n in range(count)
    ])
    BookedResource.objects.bulk_create([
        BookedResource(cluster=cluster, booking=booking, resource=resource, period=booking.period,
                       status=booking.status)
        for booking in bookings
    ])


@pytest.mark.parametrize("count", [3, 300])
def test_the_query_count_does_not_grow_with_the_bookings(cluster, school, university, count,
                                                         django_assert_num_queries):
    dormitory = ResourceFactory(owner=university, name="Dormitory", kind="dormitory", capacity=80, always_open=True)
    _bulk_bookings(cluster, school, dormitory, count)
    with django_assert_num_queries(2):
        report = utilization(cluster=cluster, start=MONDAY, end=MONDAY + datetime.timedelta(days=30))
    assert report["total"]["bookings"] == count
    assert report["total"]["hours_booked"] == H(Decimal(count) / 2)
