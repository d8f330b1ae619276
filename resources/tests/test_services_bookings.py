"""Bookings: requests and every refusal with its message, decisions, cancellation, access by
agreement, several resources booked together, tenancy."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agreements.tests.factories import AgreementFactory, AgreementPartyFactory
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import services
from resources.services import bookings as booking_services
from resources.models import BookedResource, Booking, Resource
from resources.tests.conftest import at, next_weekday, with_weekday_hours
from resources.tests.factories import BookedResourceFactory, BookingFactory, ClosedDateFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def items(booking):
    return list(BookedResource.objects.for_cluster(booking.cluster).filter(booking=booking)
                .order_by("resource_id").values_list("resource_id", "status"))


def status_of(booking):
    booking.refresh_from_db()
    return booking.status


# --- Requests ------------------------------------------------------------------------------

def test_a_request_books_the_resource_for_the_organization(cluster, org_admin, school, lab, monday, make_booking):
    booking = make_booking()
    booking.refresh_from_db()
    assert (booking.requester, booking.requested_by, booking.status, booking.participants) == (
        school, org_admin, "requested", 15)
    assert (booking.period.lower, booking.period.upper) == (at(monday, "10:00"), at(monday, "12:00"))
    assert booking.period.bounds == "[)"
    item = booking.items.get()
    assert (item.resource, item.status, item.period, item.cluster) == (lab, "requested", booking.period, cluster)


def test_school_staff_and_coordinators_may_request_for_the_school(school_staff, coordinator, make_booking):
    assert make_booking(actor=school_staff).requested_by == school_staff
    assert make_booking(actor=coordinator).requested_by == coordinator


@pytest.mark.parametrize("who", ["uni_admin", "authority", "expert", "outsider"])
def test_others_may_not_request_for_the_school(request, cluster, make_booking, who):
    with pytest.raises(PermissionDenied):
        make_booking(actor=request.getfixturevalue(who))
    assert not Booking.objects.for_cluster(cluster).exists()


def test_a_start_in_the_past_is_refused(make_booking):
    start = timezone.now() - datetime.timedelta(hours=1)
    errors = refusal(lambda: make_booking(start=start, end=start + datetime.timedelta(hours=2)))
    assert errors == {"start": [f"The start ({timezone.localtime(start):%Y-%m-%d %H:%M}) is in the past."]}


def test_an_end_not_after_the_start_is_refused(make_booking, monday):
    assert refusal(lambda: make_booking(start=at(monday, "12:00"), end=at(monday, "12:00"))) == {
        "end": ["The end must be after the start."]}
    assert refusal(lambda: make_booking(start=at(monday, "12:00"), end=at(monday, "11:00"))) == {
        "end": ["The end must be after the start."]}


def test_missing_times_are_named(cluster, org_admin, school, lab):
    assert refusal(lambda: services.booking_request(
        cluster=cluster, actor=org_admin, requester_id=school.pk, resource_ids=[lab.pk], start=None, end="",
        purpose="Lesson", participants=5)) == {
        "start": ["Give the start of the booking."], "end": ["Give the end of the booking."]}


def test_outside_opening_hours_says_the_hours_of_that_day(cluster, uni_admin, lab, make_booking, monday):
    services.opening_hours_set(cluster=cluster, actor=uni_admin, resource_id=lab.pk, hours=[
        {"weekday": 0, "opens": "09:00", "closes": "13:00"}, {"weekday": 0, "opens": "14:00", "closes": "18:00"}])
    errors = refusal(lambda: make_booking(start=at(monday, "12:00"), end=at(monday, "15:00")))
    assert errors == {"period": [
        "The booking is outside the opening hours of Chemistry laboratory: on Monday it is open "
        "09:00–13:00, 14:00–18:00."]}
    errors = refusal(lambda: make_booking(start=at(monday, "08:00"), end=at(monday, "10:00")))
    assert "period" in errors
    assert make_booking(start=at(monday, "14:00"), end=at(monday, "18:00")).status == "requested"


def test_a_day_without_hours_is_named(make_booking):
    saturday = next_weekday(5)
    assert refusal(lambda: make_booking(start=at(saturday, "10:00"), end=at(saturday, "11:00"))) == {
        "period": ["Chemistry laboratory is not open on Saturday."]}


def test_a_resource_without_opening_hours_cannot_be_booked(university, make_booking):
    bare = ResourceFactory(owner=university, name="Robotics kit", kind="equipment")
    assert refusal(lambda: make_booking(resources=[bare])) == {
        "resources": ["Robotics kit has no opening hours yet, so it cannot be booked."]}


def test_several_days_only_for_round_the_clock_resources(university, make_booking, monday):
    start, end = at(monday, "10:00"), at(monday + datetime.timedelta(days=1), "12:00")
    assert refusal(lambda: make_booking(start=start, end=end)) == {"period": [
        "Chemistry laboratory can be booked within one day's opening hours only; bookings over several days are "
        "for resources open round the clock."]}
    dormitory = ResourceFactory(owner=university, name="Dormitory B", kind="dormitory", capacity=40, always_open=True)
    booking = make_booking(resources=[dormitory], start=start, end=end + datetime.timedelta(days=3))
    assert booking.status == "requested"


def test_a_closed_date_is_named_with_its_reason(lab, make_booking, monday):
    ClosedDateFactory(resource=lab, date=monday, reason="Teachers' day")
    assert refusal(lambda: make_booking()) == {
        "period": [f"Chemistry laboratory is closed on {monday.isoformat()}: Teachers' day."]}


def test_participants_above_capacity_say_the_capacity(make_booking):
    assert refusal(lambda: make_booking(participants=21)) == {
        "participants": ["Chemistry laboratory takes at most 20 people."]}
    assert make_booking(participants=20).participants == 20


@pytest.mark.parametrize("participants", [0, -3, "many", None])
def test_participants_must_be_a_positive_number(make_booking, participants):
    assert refusal(lambda: make_booking(participants=participants)) == {
        "participants": ["Give the number of participants, at least 1."]}


def test_a_purpose_is_required(make_booking):
    assert refusal(lambda: make_booking(purpose="  ")) == {"purpose": ["Say what the booking is for."]}


def test_an_overlap_with_an_approved_booking_says_its_time(cluster, uni_admin, make_booking, monday):
    first = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=first.pk)
    expected = {"period": [
        f"The booking overlaps an approved booking of Chemistry laboratory at {monday.isoformat()} 10:00–12:00."]}
    assert refusal(lambda: make_booking(start=at(monday, "11:00"), end=at(monday, "13:00"))) == expected
    assert refusal(lambda: make_booking(start=at(monday, "09:00"), end=at(monday, "18:00"))) == expected


def test_requests_may_compete_until_one_is_approved(make_booking):
    first, second = make_booking(), make_booking()
    assert (first.status, second.status) == ("requested", "requested")


def test_adjacent_bookings_are_allowed(cluster, uni_admin, make_booking, monday):
    morning = make_booking(start=at(monday, "09:00"), end=at(monday, "10:00"))
    middle = make_booking(start=at(monday, "10:00"), end=at(monday, "12:00"))
    afternoon = make_booking(start=at(monday, "12:00"), end=at(monday, "14:00"))
    for booking in (middle, morning, afternoon):
        services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    assert [status_of(b) for b in (morning, middle, afternoon)] == ["approved"] * 3


def test_an_archived_resource_cannot_be_booked(cluster, uni_admin, lab, make_booking):
    services.resource_archive(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    assert refusal(lambda: make_booking()) == {"resources": ["Chemistry laboratory is archived and cannot be booked."]}


def test_resources_of_different_owners_cannot_be_booked_together(cluster, lab, make_booking):
    college = OrganizationFactory(cluster=cluster, kind="college", name="Chirchik College")
    workshop = with_weekday_hours(ResourceFactory(owner=college, name="Welding workshop"))
    assert refusal(lambda: make_booking(resources=[lab, workshop])) == {
        "resources": ["Resources booked together must belong to one organization."]}
    assert not Booking.objects.for_cluster(cluster).exists()


def test_no_resource_is_refused(make_booking):
    assert refusal(lambda: make_booking(resource_ids=[])) == {"resources": ["Choose at least one resource."]}


# --- Tenancy of a request ----------------------------------------------------------------------

def test_another_clusters_resource_is_refused(cluster, other_cluster, make_booking):
    foreign = with_weekday_hours(ResourceFactory(owner__cluster=other_cluster, name="Samarkand lab"))
    assert refusal(lambda: make_booking(resource_ids=[foreign.pk])) == {
        "resources": ["Choose resources of this cluster."]}
    assert refusal(lambda: make_booking(resource_ids=[foreign.pk + 1000])) == {
        "resources": ["Choose resources of this cluster."]}
    assert not Booking.objects.for_cluster(cluster).exists()


def test_another_clusters_organization_cannot_request(cluster, coordinator, other_school, make_booking):
    assert refusal(lambda: make_booking(actor=coordinator, requester_id=other_school.pk)) == {
        "requester": ["Choose an organization of this cluster."]}
    assert not Booking.objects.for_cluster(cluster).exists()


def test_a_withdrawn_member_cannot_request(cluster, coordinator, school, make_booking):
    school.status = "withdrawn"
    school.save()
    assert refusal(lambda: make_booking(actor=coordinator)) == {
        "requester": ["School No. 1 is not an active member of the cluster."]}


# --- The agreement a booking serves ------------------------------------------------------------

def agreement_between(cluster, *organizations, kind="resource_sharing", status="active"):
    agreement = AgreementFactory(cluster=cluster, kind=kind, status=status)
    for organization in organizations:
        AgreementPartyFactory(agreement=agreement, organization=organization)
    return agreement


def test_a_booking_may_name_an_agreement_the_requester_is_party_to(cluster, school, university, make_booking):
    agreement = agreement_between(cluster, school, university, kind="network_programme")
    assert make_booking(agreement_id=agreement.pk).agreement == agreement


def test_an_agreement_the_requester_is_not_party_to_is_refused(cluster, other_cluster, university, make_booking):
    others = agreement_between(cluster, university, OrganizationFactory(cluster=cluster))
    foreign = agreement_between(other_cluster, OrganizationFactory(cluster=other_cluster))
    for agreement_id in (others.pk, foreign.pk, 999999):
        assert refusal(lambda: make_booking(agreement_id=agreement_id)) == {
            "agreement": ["Choose an agreement of this cluster that School No. 1 is party to."]}


# --- Access that follows the agreements --------------------------------------------------------

@pytest.fixture
def shared_lab(lab):
    lab.access = Resource.Access.AGREEMENT
    lab.save()
    return lab


ACCESS_REFUSED = {"requester": [
    "Chemistry laboratory is open only to members with an active resource-sharing agreement with TSPU."]}


def test_without_a_sharing_agreement_the_request_is_refused(cluster, shared_lab, make_booking):
    assert refusal(lambda: make_booking()) == ACCESS_REFUSED
    assert not Booking.objects.for_cluster(cluster).exists()


def test_an_active_resource_sharing_agreement_opens_the_resource(cluster, school, university, shared_lab, make_booking):
    agreement_between(cluster, school, university)
    assert make_booking().status == "requested"


@pytest.mark.parametrize("kind, status", [
    ("resource_sharing", "draft"), ("resource_sharing", "negotiation"), ("resource_sharing", "signed"),
    ("resource_sharing", "expired"), ("resource_sharing", "suspended"), ("resource_sharing", "terminated"),
    ("memorandum", "active"), ("network_programme", "active"),
])
def test_other_agreements_do_not_open_it(cluster, school, university, shared_lab, make_booking, kind, status):
    agreement_between(cluster, school, university, kind=kind, status=status)
    assert refusal(lambda: make_booking()) == ACCESS_REFUSED


def test_an_agreement_with_someone_else_does_not_open_it(cluster, school, university, shared_lab, make_booking):
    agreement_between(cluster, school, OrganizationFactory(cluster=cluster))
    agreement_between(cluster, university, OrganizationFactory(cluster=cluster))
    assert refusal(lambda: make_booking()) == ACCESS_REFUSED


def test_the_owner_books_its_own_resource_without_an_agreement(cluster, uni_admin, university, shared_lab,
                                                               make_booking):
    assert make_booking(actor=uni_admin, requester_id=university.pk).requester == university


def test_approval_checks_the_access_again(cluster, school, university, uni_admin, shared_lab, make_booking):
    agreement = agreement_between(cluster, school, university)
    booking = make_booking()
    agreement.status = "suspended"
    agreement.save()
    assert refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)) == \
        ACCESS_REFUSED
    assert status_of(booking) == "requested"


# --- Decisions -----------------------------------------------------------------------------------

def test_the_owner_admin_approves(cluster, uni_admin, lab, make_booking):
    booking = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by) == ("approved", uni_admin)
    assert booking.decided_at is not None
    assert items(booking) == [(lab.pk, "approved")]


def test_the_requester_and_unnamed_staff_may_not_decide(cluster, org_admin, uni_staff, make_booking):
    booking = make_booking()
    for actor in (org_admin, uni_staff):
        with pytest.raises(PermissionDenied):
            services.booking_approve(cluster=cluster, actor=actor, booking_id=booking.pk)
        with pytest.raises(PermissionDenied):
            services.booking_decline(cluster=cluster, actor=actor, booking_id=booking.pk, reason="no")
    assert status_of(booking) == "requested"
    assert items(booking)[0][1] == "requested"


def test_a_named_manager_and_a_coordinator_decide(cluster, uni_admin, uni_staff, coordinator, lab, make_booking):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    first, second = make_booking(), make_booking(start=at(next_weekday(1), "10:00"), end=at(next_weekday(1), "11:00"))
    services.booking_approve(cluster=cluster, actor=uni_staff, booking_id=first.pk)
    services.booking_decline(cluster=cluster, actor=coordinator, booking_id=second.pk, reason="Exams that week")
    assert (status_of(first), status_of(second)) == ("approved", "declined")


def test_a_manager_of_one_resource_cannot_decide_a_booking_of_two(cluster, uni_admin, uni_staff, lab, microscope,
                                                                  make_booking):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    booking = make_booking(resources=[lab, microscope], participants=10)
    with pytest.raises(PermissionDenied):
        services.booking_approve(cluster=cluster, actor=uni_staff, booking_id=booking.pk)
    assert status_of(booking) == "requested"


def test_a_person_of_an_unrelated_organization_does_not_see_the_booking(cluster, make_booking):
    stranger = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster),
                                       user=UserFactory(username="stranger"), role="admin").user
    booking = make_booking()
    for call in (
        lambda: services.booking_approve(cluster=cluster, actor=stranger, booking_id=booking.pk),
        lambda: services.booking_cancel(cluster=cluster, actor=stranger, booking_id=booking.pk),
    ):
        with pytest.raises(Booking.DoesNotExist):
            call()
    assert status_of(booking) == "requested"


def test_decline_needs_a_reason(cluster, uni_admin, lab, make_booking):
    booking = make_booking()
    assert refusal(lambda: services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=booking.pk,
                                                    reason=" ")) == {
        "reason": ["Give the reason for declining the booking."]}
    services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=booking.pk, reason="Renovation")
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason, booking.decided_by) == ("declined", "Renovation", uni_admin)
    assert items(booking) == [(lab.pk, "declined")]


def test_only_requested_bookings_are_decided(cluster, uni_admin, make_booking):
    booking = make_booking()
    services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=booking.pk, reason="Full")
    assert refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)) == {
        "status": ["Only a requested booking can be approved; this one is declined."]}
    assert refusal(lambda: services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=booking.pk,
                                                    reason="again")) == {
        "status": ["Only a requested booking can be declined; this one is declined."]}


@pytest.mark.parametrize("change, field", [
    ("capacity", "participants"), ("closed", "period"), ("hours", "period"), ("archived", "resources")])
def test_approval_checks_every_rule_again(cluster, uni_admin, lab, make_booking, monday, change, field):
    booking = make_booking()
    if change == "capacity":
        services.resource_update(cluster=cluster, actor=uni_admin, resource_id=lab.pk, capacity=10)
    elif change == "closed":
        services.closed_date_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk, date=monday, reason="Repairs")
    elif change == "hours":
        services.opening_hours_set(cluster=cluster, actor=uni_admin, resource_id=lab.pk, hours=[
            {"weekday": 0, "opens": "14:00", "closes": "18:00"}])
    else:
        services.resource_archive(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    errors = refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk))
    assert list(errors) == [field]
    assert status_of(booking) == "requested"
    assert items(booking) == [(lab.pk, "requested")]


def test_a_request_whose_time_has_come_can_no_longer_be_approved(cluster, uni_admin, school, lab):
    start = timezone.now() - datetime.timedelta(minutes=5)
    booking = BookingFactory(cluster=cluster, requester=school,
                             period=period(start, start + datetime.timedelta(hours=1)))
    BookedResourceFactory(booking=booking, resource=lab)
    errors = refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk))
    assert list(errors) == ["start"]
    assert "can no longer be approved" in errors["start"][0]


def test_an_approval_overlapping_an_approved_booking_is_refused_with_its_time(cluster, uni_admin, make_booking, monday):
    first = make_booking()
    second = make_booking(start=at(monday, "11:30"), end=at(monday, "13:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=first.pk)
    assert refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=second.pk)) == {
        "period": [
            f"The booking overlaps an approved booking of Chemistry laboratory at {monday.isoformat()} 10:00–12:00."]}
    assert status_of(second) == "requested"


# --- Several resources together: all or nothing ------------------------------------------------

def test_several_resources_are_approved_together(cluster, uni_admin, lab, microscope, make_booking):
    booking = make_booking(resources=[lab, microscope], participants=12)
    assert items(booking) == [(lab.pk, "requested"), (microscope.pk, "requested")]
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    assert items(booking) == [(lab.pk, "approved"), (microscope.pk, "approved")]


def test_capacity_is_checked_for_each_resource(make_booking, lab, microscope):
    assert refusal(lambda: make_booking(resources=[lab, microscope], participants=15)) == {
        "participants": ["Microscope set takes at most 12 people."]}


def test_one_conflicting_item_refuses_the_whole_approval(cluster, uni_admin, lab, microscope, make_booking, monday):
    both = make_booking(resources=[lab, microscope], participants=10)
    microscope_only = make_booking(resources=[microscope], start=at(monday, "11:00"), end=at(monday, "12:30"),
                                   participants=5)
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=microscope_only.pk)
    assert refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=both.pk)) == {
        "period": [f"The booking overlaps an approved booking of Microscope set at {monday.isoformat()} 11:00–12:30."]}
    both.refresh_from_db()
    assert (both.status, both.decided_by, both.decided_at) == ("requested", None, None)
    assert items(both) == [(lab.pk, "requested"), (microscope.pk, "requested")]


def test_the_constraint_alone_refuses_the_whole_approval_with_the_same_message(
        cluster, uni_admin, lab, microscope, make_booking, monday, monkeypatch):
    """With the checks before it switched off (as when another approval commits between the
    checks and the write), the exclusion constraint refuses, the first item's change is rolled
    back, and the message names the conflicting booking's time."""
    both = make_booking(resources=[lab, microscope], participants=10)
    microscope_only = make_booking(resources=[microscope], start=at(monday, "11:00"), end=at(monday, "12:30"),
                                   participants=5)
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=microscope_only.pk)
    monkeypatch.setattr(booking_services, "_check_booking", lambda *args, **kwargs: None)
    assert refusal(lambda: services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=both.pk)) == {
        "period": [f"The booking overlaps an approved booking of Microscope set at {monday.isoformat()} 11:00–12:30."]}
    assert status_of(both) == "requested"
    assert items(both) == [(lab.pk, "requested"), (microscope.pk, "requested")]


# --- Cancelling ------------------------------------------------------------------------------------

def test_the_requester_admin_cancels_a_request(cluster, org_admin, lab, make_booking):
    booking = make_booking()
    services.booking_cancel(cluster=cluster, actor=org_admin, booking_id=booking.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == ("cancelled", org_admin)
    assert booking.cancelled_at is not None
    assert items(booking) == [(lab.pk, "cancelled")]


def test_the_person_who_requested_cancels_but_other_staff_may_not(cluster, school, school_staff, make_booking):
    colleague = OrganizationRoleFactory(organization=school, user=UserFactory(username="colleague"), role="staff").user
    booking = make_booking(actor=school_staff)
    with pytest.raises(PermissionDenied):
        services.booking_cancel(cluster=cluster, actor=colleague, booking_id=booking.pk)
    services.booking_cancel(cluster=cluster, actor=school_staff, booking_id=booking.pk)
    assert status_of(booking) == "cancelled"


def test_the_owner_may_not_cancel_the_requesters_booking(cluster, uni_admin, make_booking):
    booking = make_booking()
    with pytest.raises(PermissionDenied):
        services.booking_cancel(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    assert status_of(booking) == "requested"


def test_cancelling_an_approved_booking_frees_its_time(cluster, org_admin, uni_admin, make_booking):
    first = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=first.pk)
    services.booking_cancel(cluster=cluster, actor=org_admin, booking_id=first.pk)
    second = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=second.pk)
    assert (status_of(first), status_of(second)) == ("cancelled", "approved")


def test_an_approved_booking_that_has_begun_cannot_be_cancelled(cluster, org_admin, school, lab):
    start = timezone.now() - datetime.timedelta(minutes=30)
    booking = BookingFactory(cluster=cluster, requester=school, status="approved",
                             period=period(start, start + datetime.timedelta(hours=2)))
    BookedResourceFactory(booking=booking, resource=lab)
    assert refusal(lambda: services.booking_cancel(cluster=cluster, actor=org_admin, booking_id=booking.pk)) == {
        "status": ["An approved booking can be cancelled only before it begins."]}
    assert status_of(booking) == "approved"


@pytest.mark.parametrize("status", ["declined", "cancelled", "completed"])
def test_finished_bookings_cannot_be_cancelled(cluster, org_admin, school, lab, monday, status):
    booking = BookingFactory(cluster=cluster, requester=school, status=status,
                             period=period(at(monday, "10:00"), at(monday, "11:00")))
    BookedResourceFactory(booking=booking, resource=lab)
    assert refusal(lambda: services.booking_cancel(cluster=cluster, actor=org_admin, booking_id=booking.pk)) == {
        "status": [f"A booking that is {status} cannot be cancelled."]}


# --- Tenancy of decisions -------------------------------------------------------------------------

def test_another_clusters_booking_does_not_exist(other_cluster, outsider, make_booking):
    booking = make_booking()
    for call in (
        lambda: services.booking_approve(cluster=other_cluster, actor=outsider, booking_id=booking.pk),
        lambda: services.booking_decline(cluster=other_cluster, actor=outsider, booking_id=booking.pk, reason="x"),
        lambda: services.booking_cancel(cluster=other_cluster, actor=outsider, booking_id=booking.pk),
    ):
        with pytest.raises(Booking.DoesNotExist):
            call()
    assert status_of(booking) == "requested"


def test_the_audit_records_who_approved(cluster, uni_admin, make_booking):
    import pghistory.models

    booking = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    event = pghistory.models.Events.objects.filter(
        pgh_obj_model="resources.Booking", pgh_obj_id=str(booking.pk), pgh_label="update").get()
    assert event.pgh_context["user"] == uni_admin.pk
    assert event.pgh_context["service"] == "booking_approve"
