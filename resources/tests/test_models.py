"""The database's own guarantees: the exclusion constraint, the price rule, and guardian's
direct permission tables."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from resources.models import Resource, ResourceGroupObjectPermission, ResourceUserObjectPermission
from resources.tests.conftest import at
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db


def booked(resource, start, end, status="approved"):
    booking = BookingFactory(cluster=resource.cluster, requester__cluster=resource.cluster,
                             period=period(start, end), status=status)
    return BookedResourceFactory(booking=booking, resource=resource)


def test_the_constraint_refuses_an_overlapping_approved_row_written_directly(lab, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        booked(lab, at(monday, "11:00"), at(monday, "13:00"))
    assert "booked_resource_no_overlap" in str(refused.value)


def test_a_completed_booking_holds_its_time_too(lab, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"), status="completed")
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(lab, at(monday, "09:00"), at(monday, "10:30"))


def test_adjacent_approved_rows_are_allowed(lab, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))
    booked(lab, at(monday, "12:00"), at(monday, "14:00"))
    booked(lab, at(monday, "09:00"), at(monday, "10:00"))
    assert lab.booked_items.count() == 3


def test_requested_declined_and_cancelled_rows_may_overlap(lab, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))
    for status in ("requested", "declined", "cancelled"):
        booked(lab, at(monday, "10:00"), at(monday, "12:00"), status=status)
    assert lab.booked_items.count() == 4


def test_another_resource_may_be_approved_at_the_same_time(lab, microscope, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))
    booked(microscope, at(monday, "10:00"), at(monday, "12:00"))


def test_a_period_must_be_half_open_and_bounded(lab, monday):
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    for bad in (DateTimeTZRange(at(monday, "10:00"), None, "[)"),
                DateTimeTZRange(at(monday, "10:00"), at(monday, "12:00"), "[]")):
        with pytest.raises(IntegrityError), transaction.atomic():
            BookingFactory(cluster=lab.cluster, requester__cluster=lab.cluster, period=bad)


@pytest.mark.parametrize("terms, price, unit", [
    ("free", 1000, "per_hour"),
    ("cost_recovery", None, "per_hour"),
    ("cost_recovery", 0, "per_hour"),
    ("cost_recovery", 1000, ""),
])
def test_the_price_matches_the_terms_in_the_database(university, terms, price, unit):
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceFactory(owner=university, terms=terms, price=price, price_unit=unit)


def test_guardian_picks_the_direct_tables_and_the_grant_carries_the_cluster(lab, uni_staff):
    assert get_user_obj_perms_model(lab) is ResourceUserObjectPermission
    assert get_group_obj_perms_model(lab) is ResourceGroupObjectPermission
    grant = assign_perm("manage_resource", uni_staff, lab)
    assert isinstance(grant, ResourceUserObjectPermission)
    grant.refresh_from_db()
    assert (grant.cluster_id, grant.content_object_id, grant.user_id) == (lab.cluster_id, lab.pk, uni_staff.pk)
    assert Resource._meta.permissions == [("manage_resource", "Manage the resource and its bookings")]


def test_weekday_hours_must_close_after_they_open(lab):
    from resources.tests.factories import OpeningHoursFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHoursFactory(resource=lab, opens=datetime.time(12), closes=datetime.time(9))


# --- Overlap edge cases: the constraint compares instants, whatever the zone they are written in --

@pytest.mark.parametrize(("start", "end"), [
    ("10:00", "12:00"),  # the same range
    ("10:30", "11:30"),  # contained in the approved one
    ("09:00", "13:00"),  # containing it
    ("11:59", "12:30"),  # overlapping by one minute at the end
    ("09:00", "10:01"),  # overlapping by one minute at the start
])
def test_every_kind_of_overlap_is_refused(lab, monday, start, end):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(lab, at(monday, start), at(monday, end))


def test_the_same_instants_written_in_another_zone_overlap(lab, monday):
    booked(lab, at(monday, "10:00"), at(monday, "12:00"))  # Asia/Tashkent, UTC+5
    utc = datetime.timezone.utc
    start = datetime.datetime.combine(monday, datetime.time(5, 30), tzinfo=utc)  # 10:30 in Tashkent
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(lab, start, start + datetime.timedelta(hours=1))
    # 07:00-08:00 UTC is 12:00-13:00 in Tashkent: adjacent, allowed.
    adjacent = datetime.datetime.combine(monday, datetime.time(7, 0), tzinfo=utc)
    booked(lab, adjacent, adjacent + datetime.timedelta(hours=1))


def test_daylight_saving_rules_do_not_confuse_the_constraint(lab):
    """In a zone with daylight saving, 02:30 happens twice on the autumn night the clocks go
    back: the two 02:30-02:45 are different instants and do not overlap, and a booking of the
    whole night overlaps both."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    night = datetime.date(2030, 10, 27)  # the last Sunday of October 2030
    first = datetime.datetime.combine(night, datetime.time(2, 30), tzinfo=berlin)
    second = first.replace(fold=1)
    assert (second - first) == datetime.timedelta(0) and second.utcoffset() != first.utcoffset()
    booked(lab, first, first + datetime.timedelta(minutes=15))
    booked(lab, second.astimezone(datetime.timezone.utc),
           second.astimezone(datetime.timezone.utc) + datetime.timedelta(minutes=15))
    whole_night = datetime.datetime.combine(night, datetime.time(1, 0), tzinfo=berlin)
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(lab, whole_night, datetime.datetime.combine(night, datetime.time(4, 0), tzinfo=berlin))
