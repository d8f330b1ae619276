"""Reads: the catalogue with its filters (free_between in SQL), free slots, booking lists and
who sees which booking; query counts that do not grow with rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cluster_platform.tenancy import Roles, forget_roles, roles_for
from members.models import OrganizationRole
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import selectors, services
from resources.models import Booking, Resource, ResourcePhoto
from resources.tests.conftest import at, with_weekday_hours
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    OpeningHoursFactory,
    ResourceFactory,
    period,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


def approved(resource, start, end, status="approved"):
    booking = BookingFactory(cluster=resource.cluster, requester__cluster=resource.cluster,
                             period=period(start, end), status=status)
    BookedResourceFactory(booking=booking, resource=resource)
    return booking


def names(resources):
    return sorted(resource.name for resource in resources)


# --- free_slots ------------------------------------------------------------------------------

def test_free_slots_are_the_opening_hours_less_approved_bookings(cluster, lab, monday):
    approved(lab, at(monday, "10:00"), at(monday, "12:00"))
    approved(lab, at(monday, "13:00"), at(monday, "14:00"), status="requested")  # takes no time yet
    approved(lab, at(monday, "15:00"), at(monday, "16:00"), status="cancelled")
    slots = selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"),
                                 end=at(monday + ONE_DAY, "00:00"))
    assert slots == [(at(monday, "09:00"), at(monday, "10:00")), (at(monday, "12:00"), at(monday, "18:00"))]


def test_free_slots_are_clipped_to_the_range(cluster, lab, monday):
    approved(lab, at(monday, "10:00"), at(monday, "12:00"))
    assert selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "11:00"), end=at(monday, "15:00")) == [
        (at(monday, "12:00"), at(monday, "15:00"))]


def test_adjacent_bookings_leave_no_sliver(cluster, lab, monday):
    approved(lab, at(monday, "10:00"), at(monday, "12:00"))
    approved(lab, at(monday, "12:00"), at(monday, "14:00"), status="completed")
    assert selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"), end=at(monday, "23:00")) == [
        (at(monday, "09:00"), at(monday, "10:00")), (at(monday, "14:00"), at(monday, "18:00"))]


def test_free_slots_skip_closed_dates_and_days_without_hours(cluster, lab, monday):
    tuesday, wednesday = monday + ONE_DAY, monday + 2 * ONE_DAY
    ClosedDateFactory(resource=lab, date=tuesday)
    OpeningHoursFactory(resource=lab, weekday=0, opens=datetime.time(19), closes=datetime.time(21))
    saturday = monday + 5 * ONE_DAY
    slots = selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"), end=at(wednesday, "12:00"))
    assert slots == [(at(monday, "09:00"), at(monday, "18:00")), (at(monday, "19:00"), at(monday, "21:00")),
                     (at(wednesday, "09:00"), at(wednesday, "12:00"))]
    assert selectors.free_slots(cluster=cluster, resource=lab, start=at(saturday, "00:00"),
                                end=at(saturday + ONE_DAY, "23:00")) == []


def test_a_round_the_clock_resource_is_free_across_midnight(cluster, university, monday):
    dormitory = ResourceFactory(owner=university, name="Dormitory", kind="dormitory", always_open=True)
    approved(dormitory, at(monday, "20:00"), at(monday + ONE_DAY, "08:00"))
    slots = selectors.free_slots(cluster=cluster, resource=dormitory, start=at(monday, "10:00"),
                                 end=at(monday + 2 * ONE_DAY, "10:00"))
    assert slots == [(at(monday, "10:00"), at(monday, "20:00")),
                     (at(monday + ONE_DAY, "08:00"), at(monday + 2 * ONE_DAY, "10:00"))]
    assert all(start.tzinfo is not None for start, _ in slots)


def test_an_archived_resource_or_an_empty_range_has_no_slots(cluster, lab, monday):
    assert selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "12:00"), end=at(monday, "12:00")) == []
    lab.is_active = False
    assert selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"), end=at(monday, "23:00")) == []


def test_free_slots_take_three_queries_whatever_the_range(cluster, lab, monday, django_assert_num_queries):
    for week in range(4):
        approved(lab, at(monday + 7 * week * ONE_DAY, "10:00"), at(monday + 7 * week * ONE_DAY, "11:00"))
    with django_assert_num_queries(3):
        one_day = selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"),
                                       end=at(monday, "23:00"))
    with django_assert_num_queries(3):
        month = selectors.free_slots(cluster=cluster, resource=lab, start=at(monday, "00:00"),
                                     end=at(monday + 30 * ONE_DAY, "00:00"))
    assert len(one_day) == 2 and len(month) > 20


def test_free_slots_read_only_this_clusters_bookings(cluster, other_cluster, lab, monday):
    assert selectors.free_slots(cluster=other_cluster, resource=lab, start=at(monday, "00:00"),
                                end=at(monday, "23:00")) == []  # the hours are not found under another cluster


# --- The catalogue -----------------------------------------------------------------------------

@pytest.fixture
def catalogue(cluster, university, lab, microscope, monday):
    hall = ResourceFactory(owner=university, name="Assembly hall", kind="hall", capacity=300, terms="cost_recovery",
                           price=500000, price_unit="per_day", description="Stage and projector")
    OpeningHoursFactory(resource=hall, weekday=0, opens=datetime.time(9), closes=datetime.time(13))
    dormitory = ResourceFactory(owner=university, name="Dormitory", kind="dormitory", always_open=True)
    closed = with_weekday_hours(ResourceFactory(owner=university, name="Library"))
    ClosedDateFactory(resource=closed, date=monday)
    archived = with_weekday_hours(ResourceFactory(owner=university, name="Old workshop", is_active=False))
    approved(microscope, at(monday, "10:00"), at(monday, "12:00"))
    return {"hall": hall, "dormitory": dormitory, "closed": closed, "archived": archived}


def test_free_between_keeps_what_is_open_unbooked_and_not_closed(cluster, catalogue, monday):
    def free(start, end):
        return names(selectors.resource_list(cluster=cluster, filters={"free_between": (start, end)}))

    assert free(at(monday, "10:00"), at(monday, "11:00")) == ["Assembly hall", "Chemistry laboratory", "Dormitory"]
    assert free(at(monday, "12:00"), at(monday, "13:00")) == [
        "Assembly hall", "Chemistry laboratory", "Dormitory", "Microscope set"]  # adjacent to the booking
    assert free(at(monday, "14:00"), at(monday, "15:00")) == ["Chemistry laboratory", "Dormitory", "Microscope set"]
    assert free(at(monday, "17:00"), at(monday, "19:00")) == ["Dormitory"]
    assert free(at(monday + ONE_DAY, "10:00"), at(monday + ONE_DAY, "11:00")) == [
        "Chemistry laboratory", "Dormitory", "Library", "Microscope set"]
    assert free(at(monday, "10:00"), at(monday + ONE_DAY, "10:00")) == ["Dormitory"]  # several days
    assert free(at(monday, "11:00"), at(monday, "10:00")) == []


def test_free_between_agrees_with_booking_request(cluster, catalogue, monday, coordinator, school):
    """Whatever free_between offers for a window can be requested for it, and the rest is refused."""
    start, end = at(monday, "10:00"), at(monday, "11:00")
    free = {r.pk for r in selectors.resource_list(cluster=cluster, filters={"free_between": (start, end)})}
    for resource in Resource.objects.for_cluster(cluster):
        try:
            services.booking_request(cluster=cluster, actor=coordinator, requester_id=school.pk,
                                     resource_ids=[resource.pk], start=start, end=end, purpose="Visit", participants=1)
            accepted = True
        except Exception:
            accepted = False
        assert accepted == (resource.pk in free), resource.name


def test_catalogue_filters(cluster, catalogue, university):
    def listed(**filters):
        return names(selectors.resource_list(cluster=cluster, filters=filters))

    assert listed() == ["Assembly hall", "Chemistry laboratory", "Dormitory", "Library", "Microscope set"]
    assert "Old workshop" in listed(include_archived=True)
    assert listed(kind="hall") == ["Assembly hall"]
    assert listed(terms="paid") == ["Assembly hall"]
    assert "Assembly hall" not in listed(terms="free")
    assert listed(terms="nonsense") == []
    assert listed(q="projector") == ["Assembly hall"]
    assert listed(q="CHEMISTRY") == ["Chemistry laboratory"]
    assert listed(owner=OrganizationFactory(cluster=cluster).pk) == []
    assert len(listed(owner=university.pk)) == 5


def test_the_catalogue_holds_only_this_clusters_resources(cluster, other_cluster, lab):
    with_weekday_hours(ResourceFactory(owner__cluster=other_cluster, name="Samarkand lab"))
    assert names(selectors.resource_list(cluster=cluster)) == ["Chemistry laboratory"]
    with pytest.raises(Resource.DoesNotExist):
        selectors.resource_get(cluster=other_cluster, pk=lab.pk)


def test_resource_list_queries_do_not_grow_with_rows(cluster, university, monday):
    def count():
        with CaptureQueriesContext(connection) as queries:
            for resource in selectors.resource_list(cluster=cluster):
                resource.owner.name, list(resource.opening_hours.all()), list(resource.photos.all())
        return len(queries)

    def add(n):
        for _ in range(n):
            resource = with_weekday_hours(ResourceFactory(owner=OrganizationFactory(cluster=cluster)))
            ResourcePhoto.objects.create(cluster=cluster, resource=resource, image="resources/x.png",
                                         content_type="image/png", size=1)

    add(2)
    few = count()
    add(8)
    assert count() == few <= 3


def test_resource_get_brings_upcoming_closed_dates(cluster, lab, monday):
    ClosedDateFactory(resource=lab, date=monday)
    ClosedDateFactory(resource=lab, date=datetime.date(2020, 1, 1))
    resource = selectors.resource_get(cluster=cluster, pk=lab.pk)
    assert [c.date for c in resource.closed_dates.all()] == [monday]


# --- Bookings ----------------------------------------------------------------------------------

@pytest.fixture
def bookings(cluster, uni_admin, lab, microscope, make_booking, monday):
    lab_only = make_booking()
    both = make_booking(resources=[lab, microscope], participants=5, start=at(monday, "14:00"),
                        end=at(monday, "15:00"))
    decided = make_booking(start=at(monday, "16:00"), end=at(monday, "17:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=decided.pk)
    return {"lab_only": lab_only, "both": both, "decided": decided}


def ids(queryset):
    return {booking.pk for booking in queryset}


def test_my_requests_are_the_bookings_of_my_organizations(cluster, org_admin, uni_admin, bookings):
    mine = selectors.booking_list(cluster=cluster, roles=roles_for(org_admin, cluster), filters={"view": "mine"})
    assert ids(mine) == {b.pk for b in bookings.values()}
    assert ids(selectors.booking_list(cluster=cluster, roles=roles_for(uni_admin, cluster),
                                      filters={"view": "mine"})) == set()


def test_to_approve_holds_the_requested_bookings_of_what_i_manage(cluster, uni_admin, uni_staff, coordinator, org_admin,
                                                                   lab, bookings):
    def to_approve(user):
        forget_roles(user)
        return ids(selectors.booking_list(cluster=cluster, roles=roles_for(user, cluster),
                                          filters={"view": "to_approve"}))

    requested = {bookings["lab_only"].pk, bookings["both"].pk}
    assert to_approve(uni_admin) == requested
    assert to_approve(coordinator) == requested
    assert to_approve(org_admin) == set()
    assert to_approve(uni_staff) == set()
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    assert to_approve(uni_staff) == {bookings["lab_only"].pk}  # not the one that also books the microscope
    OrganizationRole.objects.for_cluster(cluster).filter(user=uni_staff).delete()
    assert to_approve(uni_staff) == set()  # a stale grant gives nothing


def test_who_sees_which_booking(cluster, authority, uni_staff, school_staff, bookings):
    stranger = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster),
                                       user=UserFactory(username="stranger"), role="admin").user
    everything = {b.pk for b in bookings.values()}
    for user, expected in ((authority, everything), (uni_staff, everything), (school_staff, everything),
                           (stranger, set())):
        roles = roles_for(user, cluster)
        assert ids(selectors.booking_list(cluster=cluster, roles=roles)) == expected
        for booking in bookings.values():
            if expected:
                assert selectors.booking_get(cluster=cluster, roles=roles, pk=booking.pk) == booking
            else:
                with pytest.raises(Booking.DoesNotExist):
                    selectors.booking_get(cluster=cluster, roles=roles, pk=booking.pk)


def test_another_clusters_booking_is_not_found(other_cluster, outsider, bookings):
    roles = roles_for(outsider, other_cluster)
    assert ids(selectors.booking_list(cluster=other_cluster, roles=roles)) == set()
    with pytest.raises(Booking.DoesNotExist):
        selectors.booking_get(cluster=other_cluster, roles=roles, pk=bookings["lab_only"].pk)


def test_booking_filters(cluster, coordinator, microscope, bookings):
    roles = roles_for(coordinator, cluster)
    assert ids(selectors.booking_list(cluster=cluster, roles=roles, filters={"status": "approved"})) == {
        bookings["decided"].pk}
    assert ids(selectors.booking_list(cluster=cluster, roles=roles, filters={"resource": microscope.pk})) == {
        bookings["both"].pk}
    someone_else = OrganizationFactory(cluster=cluster)
    assert ids(selectors.booking_list(cluster=cluster, roles=roles, filters={"requester": someone_else.pk})) == set()


def test_booking_list_queries_do_not_grow_with_rows(cluster, coordinator, school, lab, microscope, monday):
    roles = roles_for(coordinator, cluster)

    def count():
        with CaptureQueriesContext(connection) as queries:
            for booking in selectors.booking_list(cluster=cluster, roles=roles):
                booking.requester.name, booking.requested_by, booking.agreement
                [item.resource.owner.name for item in booking.items.all()]
        return len(queries)

    def add(n):
        for hour in range(n):
            booking = BookingFactory(cluster=cluster, requester=school,
                                     period=period(at(monday, "09:00"), at(monday, "10:00")))
            BookedResourceFactory(booking=booking, resource=lab)
            BookedResourceFactory(booking=booking, resource=microscope)

    add(2)
    few = count()
    add(10)
    assert count() == few <= 2


def test_empty_roles_see_nothing(cluster, bookings):
    assert ids(selectors.booking_list(cluster=cluster, roles=Roles())) == set()
    assert ids(selectors.booking_list(cluster=cluster, roles=Roles(), filters={"view": "to_approve"})) == set()
