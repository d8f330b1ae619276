"""Sessions of a programme (add, with a booking of a shared resource; change; remove) and the
bookings a cancelled programme gives back: who may, which field a refusal names, and that a
refusal leaves nothing written half-way."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from programs import services
from programs.models import Attendance, Enrollment, Program, Session
from programs.tests.factories import EnrollmentFactory, SessionFactory
from resources import services as resource_services
from resources.models import BookedResource, Booking
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    OpeningHoursFactory,
    ResourceFactory,
    period,
)

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm)))


def hm(hhmm: str) -> datetime.time:
    return datetime.time.fromisoformat(hhmm)


def snapshot(cluster) -> dict:
    """Every row these services write, to show a refusal wrote nothing."""
    return {
        "programs": list(Program.objects.for_cluster(cluster).order_by("pk").values_list(
            "pk", "status", "cancellation_reason", "updated_at")),
        "sessions": list(Session.objects.for_cluster(cluster).order_by("pk").values_list(
            "pk", "date", "start_time", "end_time", "venue", "topic", "booking_id")),
        "bookings": list(Booking.objects.for_cluster(cluster).order_by("pk").values_list(
            "pk", "status", "cancelled_by_id", "updated_at")),
        "items": list(BookedResource.objects.for_cluster(cluster).order_by("pk").values_list("pk", "status")),
        "enrollments": list(Enrollment.objects.for_cluster(cluster).order_by("pk").values_list(
            "pk", "status", "waitlist_position")),
    }


def message(excinfo, field):
    return excinfo.value.message_dict[field]


@pytest.fixture
def monday(program) -> datetime.date:
    """The first Monday within the programme's dates (it runs over 11 days)."""
    day = program.start_date + datetime.timedelta(days=(0 - program.start_date.weekday()) % 7)
    assert program.start_date <= day <= program.end_date
    return day


@pytest.fixture
def university(cluster):
    return OrganizationFactory(cluster=cluster, kind="pedagogical_university",
                               name="Tashkent State Pedagogical University")


@pytest.fixture
def uni_admin(university):
    return OrganizationRoleFactory(organization=university, user=UserFactory(username="uniadmin"), role="admin").user


@pytest.fixture
def lab(university):
    """A laboratory of the university open to the whole cluster, Monday to Friday 09:00-18:00, 20 people."""
    lab = ResourceFactory(owner=university, name="Chemistry laboratory", capacity=20, location="Building 2, room 214")
    for weekday in range(5):
        OpeningHoursFactory(resource=lab, weekday=weekday, opens=hm("09:00"), closes=hm("18:00"))
    return lab


def add(cluster, actor, program, day, start="10:00", end="12:00", **kwargs):
    return services.session_add(cluster=cluster, actor=actor, program_id=program.pk, date=day,
                                start_time=hm(start), end_time=hm(end), **kwargs)


# --- session_add -------------------------------------------------------------------------------

def test_the_lead_admin_adds_a_session(cluster, institute_admin, program, monday):
    session = add(cluster, institute_admin, program, monday, venue="  Room 4 ", topic=" Feedback that works ")
    session.refresh_from_db()
    assert (session.program_id, session.date, session.start_time, session.end_time) == (
        program.pk, monday, hm("10:00"), hm("12:00"))
    assert session.venue == "Room 4" and session.topic == "Feedback that works" and session.booking is None


def test_a_partner_admin_may_not_add_a_session_and_nothing_is_written(cluster, org_admin, program, monday, lab):
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        add(cluster, org_admin, program, monday, resource_ids=[lab.pk])
    assert snapshot(cluster) == before


def test_a_session_outside_the_dates_and_backwards_names_each_field(cluster, institute_admin, program):
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, institute_admin, program, program.end_date + datetime.timedelta(days=1), start="12:00",
            end="09:00")
    assert message(excinfo, "date") == [
        f"The session must be within the programme's dates ({program.start_date.isoformat()} – "
        f"{program.end_date.isoformat()})."]
    assert message(excinfo, "end_time") == ["The end time must be after the start time."]
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(cluster=cluster, actor=institute_admin, program_id=program.pk, date=None,
                             start_time=None, end_time=None)
    assert excinfo.value.message_dict == {"date": ["Give the date of the session."],
                                          "start_time": ["Give the start time."],
                                          "end_time": ["Give the end time."]}
    assert snapshot(cluster) == before


def test_an_ended_programme_takes_no_session(cluster, institute_admin, program, monday):
    Program.objects.for_cluster(cluster).filter(pk=program.pk).update(status="completed")
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, institute_admin, program, monday)
    assert message(excinfo, "program") == ["The programme is completed: its sessions cannot change."]
    assert snapshot(cluster) == before


def test_a_session_books_a_shared_resource_for_the_lead_organization(cluster, institute, institute_admin, program,
                                                                     monday, lab):
    session = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk], topic="Titration")
    booking = Booking.objects.for_cluster(cluster).get()
    assert session.booking == booking
    assert booking.status == "requested" and booking.requester == institute and booking.requested_by == institute_admin
    assert (booking.period.lower, booking.period.upper) == (at(monday, "10:00"), at(monday, "12:00"))
    assert booking.participants == program.capacity
    assert booking.purpose == "Programme session: Inclusive classroom practice"
    assert list(booking.items.values_list("resource_id", "status")) == [(lab.pk, "requested")]
    # No venue given: the booked resource is the venue.
    assert session.venue == "Chemistry laboratory, Building 2, room 214"


def test_a_given_venue_is_kept_beside_the_booking(cluster, institute_admin, program, monday, lab):
    session = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk], venue="Lab 2, with goggles")
    assert session.venue == "Lab 2, with goggles" and session.booking_id is not None


def test_the_booked_resource_can_then_be_approved_by_its_owner(cluster, institute_admin, uni_admin, program, monday,
                                                               lab):
    session = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk])
    resource_services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=session.booking_id)
    assert Booking.objects.for_cluster(cluster).get(pk=session.booking_id).status == "approved"


@pytest.mark.parametrize("case", ["closed", "hours", "capacity", "agreement", "overlap", "foreign"])
def test_a_booking_the_rules_refuse_refuses_the_session_and_writes_nothing(
        case, cluster, other_cluster, institute, institute_admin, program, monday, lab):
    expected = {
        "closed": ("period", f"Chemistry laboratory is closed on {monday.isoformat()}: Inspection."),
        "hours": ("period", "The booking is outside the opening hours of Chemistry laboratory: on Monday it is "
                            "open 09:00–18:00."),
        "capacity": ("participants", "Chemistry laboratory takes at most 2 people."),
        "agreement": ("requester", "Chemistry laboratory is open only to members with an active resource-sharing "
                                   "agreement with Tashkent State Pedagogical University."),
        "overlap": ("period", None),
        "foreign": ("resources", "Choose resources of this cluster."),
    }[case]
    resource_ids = [lab.pk]
    start, end = "10:00", "12:00"
    if case == "closed":
        ClosedDateFactory(resource=lab, date=monday, reason="Inspection")
    elif case == "hours":
        start, end = "18:00", "20:00"
    elif case == "capacity":
        lab.capacity = 2
        lab.save()
    elif case == "agreement":
        lab.access = "agreement"
        lab.save()
    elif case == "overlap":
        other = BookingFactory(requester=OrganizationFactory(cluster=cluster), status="approved",
                               period=period(at(monday, "11:00"), at(monday, "13:00")))
        BookedResourceFactory(booking=other, resource=lab)
    elif case == "foreign":
        resource_ids = [ResourceFactory(owner=OrganizationFactory(cluster=other_cluster)).pk]
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, institute_admin, program, monday, start=start, end=end, resource_ids=resource_ids)
    field, text = expected
    if text is None:
        assert message(excinfo, field)[0].startswith("The booking overlaps an approved booking of Chemistry laboratory")
    else:
        assert message(excinfo, field) == [text]
    assert snapshot(cluster) == before


# --- session_update ----------------------------------------------------------------------------

@pytest.fixture
def session(program):
    return program.sessions.get()


def test_the_lead_admin_changes_a_session(cluster, institute_admin, program, session):
    day = program.start_date + datetime.timedelta(days=2)
    services.session_update(cluster=cluster, actor=institute_admin, session_id=session.pk, date=day,
                            start_time=hm("14:00"), end_time=hm("16:30"), venue=" Hall ", topic=" Inclusion ")
    session.refresh_from_db()
    assert (session.date, session.start_time, session.end_time, session.venue, session.topic) == (
        day, hm("14:00"), hm("16:30"), "Hall", "Inclusion")


def test_a_partner_admin_may_not_change_a_session_and_nothing_changes(cluster, org_admin, authority, session):
    before = snapshot(cluster)
    for who in (org_admin, authority):
        with pytest.raises(PermissionDenied):
            services.session_update(cluster=cluster, actor=who, session_id=session.pk, topic="Mine")
    assert snapshot(cluster) == before


def test_a_change_the_rules_refuse_names_the_field_and_changes_nothing(cluster, institute_admin, program, session):
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.session_update(cluster=cluster, actor=institute_admin, session_id=session.pk, topic="New topic",
                                end_time=hm("08:00"))
    assert excinfo.value.message_dict == {"end_time": ["The end time must be after the start time."]}
    with pytest.raises(ValidationError) as excinfo:
        services.session_update(cluster=cluster, actor=institute_admin, session_id=session.pk,
                                date=program.start_date - datetime.timedelta(days=1))
    assert list(excinfo.value.message_dict) == ["date"]
    with pytest.raises(TypeError):
        services.session_update(cluster=cluster, actor=institute_admin, session_id=session.pk, booking=None)
    assert snapshot(cluster) == before


def test_a_session_of_an_ended_programme_does_not_change(cluster, institute_admin, program, session):
    Program.objects.for_cluster(cluster).filter(pk=program.pk).update(status="cancelled")
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.session_update(cluster=cluster, actor=institute_admin, session_id=session.pk, topic="Late")
    assert message(excinfo, "program") == ["The programme is cancelled: its sessions cannot change."]
    assert snapshot(cluster) == before


def test_a_session_holding_a_booking_keeps_its_time_but_not_its_topic(cluster, institute_admin, program, monday,
                                                                      lab):
    booked = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk])
    before = snapshot(cluster)
    for change in ({"date": monday + datetime.timedelta(days=1)}, {"start_time": hm("10:30")},
                   {"end_time": hm("13:00")}):
        with pytest.raises(ValidationError) as excinfo:
            services.session_update(cluster=cluster, actor=institute_admin, session_id=booked.pk, topic="Moved",
                                    **change)
        assert message(excinfo, "date") == [
            "This session holds a booking: remove the session and add it again to book another time."]
    assert snapshot(cluster) == before
    services.session_update(cluster=cluster, actor=institute_admin, session_id=booked.pk, topic="Titration")
    booked.refresh_from_db()
    assert booked.topic == "Titration" and booked.date == monday
    # Once the booking is cancelled the session may move (it holds no resource any more).
    resource_services.booking_cancel(cluster=cluster, actor=institute_admin, booking_id=booked.booking_id)
    services.session_update(cluster=cluster, actor=institute_admin, session_id=booked.pk,
                            date=monday + datetime.timedelta(days=1))
    booked.refresh_from_db()
    assert booked.date == monday + datetime.timedelta(days=1)


def test_another_clusters_session_does_not_exist(cluster, other_cluster, coordinator):
    foreign = SessionFactory(program__lead_organization__cluster=other_cluster, topic="Theirs")
    with pytest.raises(Session.DoesNotExist):
        services.session_update(cluster=cluster, actor=coordinator, session_id=foreign.pk, topic="Ours")
    with pytest.raises(Session.DoesNotExist):
        services.session_remove(cluster=cluster, actor=coordinator, session_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.topic == "Theirs"


# --- session_remove ----------------------------------------------------------------------------

def test_the_lead_admin_removes_a_session(cluster, institute_admin, program, session):
    extra = SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=1))
    services.session_remove(cluster=cluster, actor=institute_admin, session_id=extra.pk)
    assert list(Session.objects.for_cluster(cluster).values_list("pk", flat=True)) == [session.pk]


def test_a_partner_admin_may_not_remove_a_session(cluster, org_admin, program, session):
    SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=1))
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        services.session_remove(cluster=cluster, actor=org_admin, session_id=session.pk)
    assert snapshot(cluster) == before


def test_an_open_programme_keeps_its_last_session_a_planned_one_does_not(cluster, institute_admin, program, session):
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.session_remove(cluster=cluster, actor=institute_admin, session_id=session.pk)
    assert message(excinfo, "session") == ["The programme is open for enrolment: it keeps at least one session."]
    assert snapshot(cluster) == before
    Program.objects.for_cluster(cluster).filter(pk=program.pk).update(status="planned")
    services.session_remove(cluster=cluster, actor=institute_admin, session_id=session.pk)
    assert not Session.objects.for_cluster(cluster).exists()


def test_a_session_with_recorded_attendance_stays(cluster, institute_admin, program, session, school):
    SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=1))
    enrollment = EnrollmentFactory(program=program, person__organization=school)
    Attendance.objects.create(cluster=cluster, enrollment=enrollment, session=session, present=True)
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.session_remove(cluster=cluster, actor=institute_admin, session_id=session.pk)
    assert message(excinfo, "session") == ["Attendance has been recorded for this session: it cannot be removed."]
    assert snapshot(cluster) == before


def test_a_session_of_an_ended_programme_is_not_removed(cluster, institute_admin, program, session):
    SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=1))
    Program.objects.for_cluster(cluster).filter(pk=program.pk).update(status="completed")
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.session_remove(cluster=cluster, actor=institute_admin, session_id=session.pk)
    assert message(excinfo, "program") == ["The programme is completed: its sessions cannot change."]
    assert snapshot(cluster) == before


def test_removing_a_session_cancels_its_booking(cluster, institute_admin, uni_admin, program, monday, lab):
    booked = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk])
    resource_services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booked.booking_id)
    services.session_remove(cluster=cluster, actor=institute_admin, session_id=booked.pk)
    booking = Booking.objects.for_cluster(cluster).get(pk=booked.booking_id)
    assert booking.status == "cancelled" and booking.cancelled_by == institute_admin
    assert set(booking.items.values_list("status", flat=True)) == {"cancelled"}
    assert not Session.objects.for_cluster(cluster).filter(pk=booked.pk).exists()


def begun_booking(cluster, requester, lab) -> Booking:
    """An approved booking of the lab that began an hour ago (written directly: the service
    refuses a start in the past)."""
    now = timezone.now()
    booking = BookingFactory(requester=requester, status="approved",
                             period=period(now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1)))
    BookedResourceFactory(booking=booking, resource=lab)
    return booking


def test_a_begun_booking_outlives_its_removed_session(cluster, institute, institute_admin, program, lab):
    booking = begun_booking(cluster, institute, lab)
    booked = SessionFactory(program=program, date=program.start_date, booking=booking)
    services.session_remove(cluster=cluster, actor=institute_admin, session_id=booked.pk)
    booking.refresh_from_db()
    assert booking.status == "approved" and not Session.objects.for_cluster(cluster).filter(pk=booked.pk).exists()


# --- Cancelling a programme gives its bookings back ---------------------------------------------

@pytest.fixture
def booked_program(cluster, institute, institute_admin, uni_admin, program, monday, lab):
    """The programme with a requested booking (Monday), an approved one (Tuesday), one that has
    begun, and one already declined; Teachers 00-03 enrolled (three places, one waiting)."""
    requested = add(cluster, institute_admin, program, monday, resource_ids=[lab.pk]).booking
    approved = add(cluster, institute_admin, program, monday + datetime.timedelta(days=1), resource_ids=[lab.pk]).booking
    resource_services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=approved.pk)
    declined = add(cluster, institute_admin, program, monday + datetime.timedelta(days=2), resource_ids=[lab.pk]).booking
    resource_services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=declined.pk, reason="Repairs")
    begun = begun_booking(cluster, institute, lab)
    SessionFactory(program=program, booking=begun)
    return {"requested": requested, "approved": approved, "declined": declined, "begun": begun}


def booking_statuses(cluster, bookings) -> dict:
    got = dict(Booking.objects.for_cluster(cluster).filter(pk__in=[b.pk for b in bookings.values()])
               .values_list("pk", "status"))
    return {name: got[booking.pk] for name, booking in bookings.items()}


def test_cancelling_the_programme_cancels_the_bookings_still_to_come(cluster, institute_admin, org_admin, program,
                                                                     booked_program, teachers):
    for teacher in teachers[:4]:
        services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teacher.pk)
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                to_status="cancelled", reason="The trainer is ill")
    assert booking_statuses(cluster, booked_program) == {
        "requested": "cancelled", "approved": "cancelled", "declined": "declined", "begun": "approved"}
    cancelled = Booking.objects.for_cluster(cluster).filter(status="cancelled")
    assert set(cancelled.values_list("cancelled_by_id", flat=True)) == {institute_admin.pk}
    assert set(BookedResource.objects.for_cluster(cluster).filter(booking__in=cancelled).values_list(
        "status", flat=True)) == {"cancelled"}
    assert set(Enrollment.objects.for_cluster(cluster).filter(program=program).values_list(
        "status", "waitlist_position")) == {("withdrawn", None)}
    # The sessions stay on the cancelled programme's page, with their bookings' history.
    assert Session.objects.for_cluster(cluster).filter(program=program, booking__isnull=False).count() == 4


def test_a_refused_cancellation_leaves_the_bookings_and_enrolments_alone(cluster, org_admin, program, booked_program,
                                                                         teachers):
    services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teachers[0].pk)
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        services.program_transition(cluster=cluster, actor=org_admin, program_id=program.pk,
                                    to_status="cancelled", reason="Not mine to cancel")
    assert snapshot(cluster) == before


def test_a_cancellation_without_a_reason_leaves_everything_alone(cluster, institute_admin, program, booked_program):
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                    to_status="cancelled", reason="  ")
    assert message(excinfo, "reason") == ["Give the reason for cancelling the programme."]
    assert snapshot(cluster) == before


def test_a_booking_the_canceller_may_not_cancel_stays_for_its_owner(cluster, institute_admin, program, monday, lab,
                                                                    school, org_admin):
    """A session holding a booking another organization requested: the lead's admin may not
    cancel it, so it stays as it is (its requester still sees it) and the programme is cancelled."""
    theirs = resource_services.booking_request(
        cluster=cluster, actor=org_admin, requester_id=school.pk, resource_ids=[lab.pk], start=at(monday, "10:00"),
        end=at(monday, "12:00"), purpose="Joint lesson", participants=3)
    SessionFactory(program=program, date=monday, booking=theirs)
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                to_status="cancelled", reason="Merged into another course")
    theirs.refresh_from_db()
    assert theirs.status == "requested" and theirs.cancelled_by is None
    assert Program.objects.for_cluster(cluster).get(pk=program.pk).status == "cancelled"
