"""The browser pages of programmes: who sees what, the flows from a new programme to its
certificates, and query counts that do not grow with the rows."""

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from programs.models import Attendance, EmployerNeed, Enrollment, Program, ProgramNeed, ProgramPartner, Session
from programs.tests.factories import EmployerNeedFactory, EnrollmentFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher_user(school):
    """A teacher of School No. 1 with a user account (staff role) linked to her staff record."""
    user = UserFactory(username="dilnoza")
    OrganizationRoleFactory(organization=school, user=user, role="staff")
    PersonFactory(organization=school, user=user, full_name="Dilnoza Karimova")
    return user


@pytest.fixture
def teacher(teacher_user, cluster):
    return teacher_user.people.get(cluster=cluster)


@pytest.fixture
def partner_school(cluster):
    return OrganizationFactory(cluster=cluster, name="School No. 9")


@pytest.fixture
def partner_admin(partner_school):
    return OrganizationRoleFactory(organization=partner_school, user=UserFactory(username="partneradmin"),
                                   role="admin").user


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def login(client, user):
    client.force_login(user)
    return client


def count_queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


# --- The catalogue ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["coordinator", "institute_admin", "org_admin", "teacher_user", "authority",
                                 "expert", "partner_admin"])
def test_everyone_with_a_role_reads_the_catalogue_and_the_programme_page(client, request, cluster, program, who):
    login(client, request.getfixturevalue(who))
    response = client.get(url("program_list", cluster))
    assert response.status_code == 200
    assert "Inclusive classroom practice" in response.text
    assert client.get(url("program_detail", cluster, program.pk)).status_code == 200


def test_an_outsider_gets_404_for_the_catalogue_and_the_programme(client, cluster, program, outsider):
    login(client, outsider)
    assert client.get(url("program_list", cluster)).status_code == 404
    assert client.get(url("program_detail", cluster, program.pk)).status_code == 404
    assert client.get(url("program_enrollments", cluster, program.pk)).status_code == 404


def test_another_clusters_programme_is_404_in_ones_own_cluster(client, cluster, other_cluster, coordinator):
    foreign = ProgramFactory(lead_organization=OrganizationFactory(cluster=other_cluster))
    login(client, coordinator)
    assert client.get(url("program_detail", cluster, foreign.pk)).status_code == 404
    assert client.post(url("program_transition", cluster, foreign.pk), {"to_status": "cancelled"}).status_code == 404


@pytest.mark.parametrize("who,offered", [("coordinator", True), ("institute_admin", True), ("org_admin", True),
                                         ("teacher_user", False), ("authority", False), ("expert", False)])
def test_new_programme_is_offered_to_whoever_may_create(client, request, cluster, institute, who, offered):
    login(client, request.getfixturevalue(who))
    response = client.get(url("program_list", cluster))
    assert ("New programme" in response.text) is offered
    assert client.get(url("program_create", cluster)).status_code == (200 if offered else 403)


def test_the_catalogue_filters_searches_and_answers_htmx_with_the_results_only(client, cluster, coordinator,
                                                                             institute):
    ProgramFactory(lead_organization=institute, title="Robotics for STEM teachers", kind="seminar",
                   competences=["stem"])
    ProgramFactory(lead_organization=institute, title="Inclusive lessons", competences=["inclusive"])
    login(client, coordinator)
    response = client.get(url("program_list", cluster), {"q": "robotics"})
    assert "Robotics for STEM teachers" in response.text and "Inclusive lessons" not in response.text
    response = client.get(url("program_list", cluster), {"competence": "inclusive"})
    assert "Inclusive lessons" in response.text and "Robotics" not in response.text
    response = client.get(url("program_list", cluster), {"kind": "seminar", "sort": "-title"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="program-results")
    assert "<html" not in response.text and "Robotics for STEM teachers" in response.text
    assert "1 programme matches the filters" in response.text
    empty = client.get(url("program_list", cluster), {"q": "nothing like this"})
    assert "No programme matches these filters." in empty.text


def test_the_catalogue_shows_places_left_and_the_waiting_list(client, cluster, coordinator, program, teachers):
    for person in teachers[:3]:
        EnrollmentFactory(program=program, person=person)
    EnrollmentFactory(program=program, person=teachers[3], status="waitlisted", waitlist_position=1)
    login(client, coordinator)
    response = client.get(url("program_list", cluster))
    assert "0 of 3 left" in response.text and "1 waiting" in response.text


def _programmes(cluster, institute, n):
    partner = OrganizationFactory(cluster=cluster, name=f"Partner {n}")
    for i in range(n):
        program = ProgramFactory(lead_organization=institute)
        ProgramPartner.objects.create(cluster=cluster, program=program, organization=partner)
        EnrollmentFactory(program=program, person=PersonFactory(organization=partner))


def test_the_catalogue_query_count_does_not_grow_with_programmes(client, cluster, coordinator, institute):
    login(client, coordinator)
    _programmes(cluster, institute, 2)
    few = count_queries(client, url("program_list", cluster))
    _programmes(cluster, institute, 12)
    assert count_queries(client, url("program_list", cluster)) == few


# --- Create, sessions, status ----------------------------------------------------------------

def program_data(lead, **changes):
    data = {"title": "Formative assessment in practice", "kind": "professional_development",
            "lead_organization": lead.pk, "audience": "Secondary teachers", "competences": ["assessment"],
            "hours": "24", "start_date": "2031-03-01", "end_date": "2031-03-20", "capacity": "20",
            "priority_share": "10", "min_attendance_percent": "80"}
    data.update(changes)
    return data


def test_a_coordinator_creates_a_programme_adds_a_session_and_opens_it(client, cluster, coordinator, institute,
                                                                     school):
    login(client, coordinator)
    response = client.post(url("program_create", cluster), program_data(institute, partners=[school.pk]))
    program = Program.objects.for_cluster(cluster).get(title="Formative assessment in practice")
    assert response.status_code == 302 and response["Location"] == url("program_detail", cluster, program.pk)
    assert program.status == "planned" and program.competences == ["assessment"]
    assert list(ProgramPartner.objects.for_cluster(cluster).values_list("organization_id", flat=True)) == [school.pk]

    response = client.post(url("session_create", cluster, program.pk), {
        "topic": "Feedback that works", "date": "2031-03-02", "start_time": "09:00", "end_time": "12:00",
        "venue": "Room 4"})
    assert response.status_code == 302
    session = Session.objects.for_cluster(cluster).get(program=program)
    response = client.post(url("session_edit", cluster, session.pk), {
        "topic": "Feedback that works", "date": "2031-03-03", "start_time": "09:00", "end_time": "12:00",
        "venue": "Room 5"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.venue == "Room 5" and session.date == datetime.date(2031, 3, 3)

    assert client.post(url("program_transition", cluster, program.pk), {"to_status": "open"}).status_code == 302
    program.refresh_from_db()
    assert program.status == "open"
    page = client.get(url("program_detail", cluster, program.pk)).text
    assert "Feedback that works" in page and "Room 5" in page and "School No. 1" in page


def test_a_session_outside_the_dates_is_refused_beside_the_date(client, cluster, institute_admin, program):
    login(client, institute_admin)
    response = client.post(url("session_create", cluster, program.pk), {
        "date": "2001-01-01", "start_time": "09:00", "end_time": "12:00"})
    assert response.status_code == 422
    assert "within the programme" in response.context["form"].errors["date"][0]
    assert Session.objects.for_cluster(cluster).filter(program=program).count() == 1


def test_a_session_is_removed_after_confirmation(client, cluster, institute_admin, program):
    extra = SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=1))
    login(client, institute_admin)
    assert client.get(url("session_delete", cluster, extra.pk)).status_code == 200
    assert client.post(url("session_delete", cluster, extra.pk)).status_code == 302
    assert not Session.objects.for_cluster(cluster).filter(pk=extra.pk).exists()


def test_an_admin_cannot_lead_with_another_organization(client, cluster, org_admin, institute):
    login(client, org_admin)
    response = client.post(url("program_create", cluster), program_data(institute))
    assert response.status_code == 422
    assert response.context["form"].errors["lead_organization"]
    assert not Program.objects.for_cluster(cluster).exists()


def test_a_partner_admin_may_not_edit_or_add_sessions_and_nothing_changes(client, cluster, org_admin, program):
    login(client, org_admin)
    assert client.get(url("program_edit", cluster, program.pk)).status_code == 403
    assert client.post(url("program_edit", cluster, program.pk), program_data(program.lead_organization)
                       ).status_code == 403
    assert client.post(url("session_create", cluster, program.pk), {
        "date": program.start_date.isoformat(), "start_time": "09:00", "end_time": "10:00"}).status_code == 403
    assert client.post(url("program_transition", cluster, program.pk), {"to_status": "planned"}).status_code == 403
    program.refresh_from_db()
    assert program.title == "Inclusive classroom practice" and program.status == "open"
    assert Session.objects.for_cluster(cluster).filter(program=program).count() == 1


def test_cancelling_asks_for_the_reason_first(client, cluster, institute_admin, program):
    login(client, institute_admin)
    page = client.get(url("program_transition", cluster, program.pk), {"to": "cancelled"})
    assert "are you sure" in page.text
    response = client.post(url("program_transition", cluster, program.pk), {"to_status": "cancelled"})
    assert response.status_code == 422 and response.context["form"].errors["reason"]
    response = client.post(url("program_transition", cluster, program.pk),
                           {"to_status": "cancelled", "reason": "The trainer fell ill."})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.status == "cancelled" and program.cancellation_reason == "The trainer fell ill."


# --- Enrolment -------------------------------------------------------------------------------

def test_an_org_admin_enrols_staff_and_a_full_programme_puts_people_on_the_waiting_list(
        client, cluster, org_admin, program, teachers):
    login(client, org_admin)
    page = client.get(url("program_detail", cluster, program.pk)).text
    assert "Enrol a person" in page and "Teacher 00" in page
    for person in teachers[:4]:
        assert client.post(url("program_enroll", cluster, program.pk), {"person": person.pk}).status_code == 302
    statuses = dict(Enrollment.objects.for_cluster(cluster).values_list("person__full_name", "status"))
    assert statuses == {"Teacher 00": "confirmed", "Teacher 01": "confirmed", "Teacher 02": "confirmed",
                        "Teacher 03": "waitlisted"}
    detail = client.get(url("program_detail", cluster, program.pk)).text
    assert "3 of 3 places taken, 0 left" in detail and "1 person on the waiting list" in detail


def test_enrolling_twice_or_someone_elses_staff_is_refused_beside_the_person(
        client, cluster, org_admin, program, teachers, partner_school):
    login(client, org_admin)
    client.post(url("program_enroll", cluster, program.pk), {"person": teachers[0].pk})
    response = client.post(url("program_enroll", cluster, program.pk), {"person": teachers[0].pk})
    assert response.status_code == 422 and "already enrolled" in response.context["form"].errors["person"][0]
    stranger = PersonFactory(organization=partner_school)
    response = client.post(url("program_enroll", cluster, program.pk), {"person": stranger.pk})
    assert response.status_code == 422 and "organizations you administer" in response.context["form"].errors[
        "person"][0]
    assert Enrollment.objects.for_cluster(cluster).count() == 1


def test_a_teacher_applies_and_her_admin_confirms_with_htmx(client, cluster, program, teacher_user, org_admin):
    login(client, teacher_user)
    page = client.get(url("program_detail", cluster, program.pk)).text
    assert "Apply" in page
    assert client.post(url("program_apply", cluster, program.pk)).status_code == 302
    enrollment = Enrollment.objects.for_cluster(cluster).get()
    assert enrollment.status == "applied"
    assert "Applied, awaiting confirmation" in client.get(url("program_detail", cluster, program.pk)).text
    # A teacher neither manages the enrolments nor confirms her own application.
    assert client.get(url("program_enrollments", cluster, program.pk)).status_code == 403
    assert client.post(url("enrollment_confirm", cluster, enrollment.pk)).status_code == 403

    login(client, org_admin)
    page = client.get(url("program_enrollments", cluster, program.pk)).text
    assert "Dilnoza Karimova" in page and "Confirm" in page
    response = client.post(url("enrollment_confirm", cluster, enrollment.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="enrollment-{enrollment.pk}" tabindex="-1" autofocus' in response.text and "Confirmed" in response.text
    assert "autofocus" not in page  # the new row takes the focus of the button it replaced; the page gives none
    assert "has a place in the programme" in response.text  # the announcement
    enrollment.refresh_from_db()
    assert enrollment.status == "confirmed"
    # Confirming again is refused, in the row (htmx) or on the page (plain post), with 422.
    again = client.post(url("enrollment_confirm", cluster, enrollment.pk), HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "Only an application awaiting confirmation" in again.text
    plain = client.post(url("enrollment_confirm", cluster, enrollment.pk))
    assert plain.status_code == 422 and "Only an application awaiting confirmation" in plain.text


def test_the_plain_confirm_post_redirects_back(client, cluster, program, teacher, org_admin):
    enrollment = EnrollmentFactory(program=program, person=teacher, status="applied")
    login(client, org_admin)
    response = client.post(url("enrollment_confirm", cluster, enrollment.pk))
    assert response.status_code == 302 and response["Location"] == url("program_enrollments", cluster, program.pk)


def test_withdrawing_moves_the_first_on_the_waiting_list_up(client, cluster, org_admin, program, teachers):
    login(client, org_admin)
    for person in teachers[:5]:
        client.post(url("program_enroll", cluster, program.pk), {"person": person.pk})
    first = Enrollment.objects.for_cluster(cluster).get(person=teachers[0])
    page = client.get(url("program_enrollments", cluster, program.pk)).text
    assert page.index("Teacher 03") < page.index("Teacher 04")  # in the order of the list
    assert "Withdraw Teacher 00" in client.get(url("enrollment_withdraw", cluster, first.pk)).text
    response = client.post(url("enrollment_withdraw", cluster, first.pk), {"reason": "Moved to another school"})
    assert response.status_code == 302
    statuses = dict(Enrollment.objects.for_cluster(cluster).values_list("person__full_name", "status"))
    assert statuses["Teacher 00"] == "withdrawn" and statuses["Teacher 03"] == "confirmed"
    assert statuses["Teacher 04"] == "waitlisted"
    page = client.get(url("program_enrollments", cluster, program.pk)).text
    confirmed = page[page.index('id="enrollments-confirmed"'):page.index('id="enrollments-waitlisted"')]
    assert "Teacher 03" in confirmed
    waiting = page[page.index('id="enrollments-waitlisted"'):]
    assert "Teacher 04" in waiting and "Teacher 03" not in waiting


def test_a_teacher_withdraws_herself_after_confirmation(client, cluster, program, teacher, teacher_user):
    enrollment = EnrollmentFactory(program=program, person=teacher)
    login(client, teacher_user)
    page = client.get(url("enrollment_withdraw", cluster, enrollment.pk))
    assert page.status_code == 200 and "Withdraw Dilnoza Karimova" in page.text
    assert client.post(url("enrollment_withdraw", cluster, enrollment.pk)).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "withdrawn"


def test_an_org_admin_sees_only_their_people_and_the_lead_sees_everyone(
        client, cluster, program, teachers, partner_school, partner_admin, institute_admin, authority):
    EnrollmentFactory(program=program, person=teachers[0])
    EnrollmentFactory(program=program, person=PersonFactory(organization=partner_school, full_name="Anvar Usmonov"))
    login(client, partner_admin)
    page = client.get(url("program_enrollments", cluster, program.pk)).text
    assert "Anvar Usmonov" in page and "Teacher 00" not in page
    for who in (institute_admin, authority):
        login(client, who)
        page = client.get(url("program_enrollments", cluster, program.pk)).text
        assert "Anvar Usmonov" in page and "Teacher 00" in page
    assert "Withdraw" not in page  # the authority reads only


def test_an_expert_may_not_open_the_enrolments(client, cluster, program, expert):
    login(client, expert)
    assert client.get(url("program_enrollments", cluster, program.pk)).status_code == 403


def test_the_enrolment_list_query_count_does_not_grow(client, cluster, institute_admin, institute, school):
    program = ProgramFactory(lead_organization=institute, capacity=50)
    login(client, institute_admin)
    for _ in range(2):
        EnrollmentFactory(program=program, person=PersonFactory(organization=school))
    few = count_queries(client, url("program_enrollments", cluster, program.pk))
    for i in range(15):
        EnrollmentFactory(program=program, person=PersonFactory(organization=OrganizationFactory(cluster=cluster)),
                          status="waitlisted" if i % 2 else "applied", waitlist_position=i if i % 2 else None)
    assert count_queries(client, url("program_enrollments", cluster, program.pk)) == few


# --- Attendance, completion, certificates ------------------------------------------------------

@pytest.fixture
def today_program(cluster, institute, today):
    """Open, one day long (today), two sessions today, post-assessment required."""
    program = ProgramFactory(lead_organization=institute, title="Assessment literacy day", start_date=today,
                             end_date=today, capacity=5, requires_post_assessment=True, pass_score=60,
                             min_attendance_percent=50)
    SessionFactory(program=program, date=today, start_time=datetime.time(9), end_time=datetime.time(12))
    SessionFactory(program=program, date=today, start_time=datetime.time(13), end_time=datetime.time(15))
    return program


def test_from_attendance_to_certificate(client, cluster, today_program, institute_admin, org_admin, teacher,
                                        teacher_user, teachers, authority):
    program = today_program
    login(client, org_admin)
    client.post(url("program_enroll", cluster, program.pk), {"person": teacher.pk})
    client.post(url("program_enroll", cluster, program.pk), {"person": teachers[0].pk})
    dilnoza, other = (Enrollment.objects.for_cluster(cluster).get(person=p) for p in (teacher, teachers[0]))
    assert client.get(url("program_attendance", cluster, program.pk)).status_code == 403  # not the lead

    login(client, institute_admin)
    assert client.post(url("program_transition", cluster, program.pk), {"to_status": "running"}).status_code == 302
    sheet = client.get(url("program_attendance", cluster, program.pk))
    assert sheet.status_code == 200
    assert "Present: Dilnoza Karimova" in sheet.text and 'scope="col"' in sheet.text
    first, second = Session.objects.for_cluster(cluster).filter(program=program).order_by("start_time")
    response = client.post(url("program_attendance", cluster, program.pk), {
        f"present-{first.pk}-{dilnoza.pk}": "on", f"present-{second.pk}-{dilnoza.pk}": "on",
        f"present-{first.pk}-{other.pk}": "on",
        f"pre_score-{dilnoza.pk}": "40", f"post_score-{dilnoza.pk}": "75",
        f"pre_score-{other.pk}": "", f"post_score-{other.pk}": "55",
    })
    assert response.status_code == 302
    dilnoza.refresh_from_db()
    assert dilnoza.hours_attended == 5 and dilnoza.post_score == 75
    assert Attendance.objects.for_cluster(cluster).filter(present=True).count() == 3

    response = client.post(url("program_transition", cluster, program.pk), {"to_status": "completed"})
    assert response.status_code == 302
    dilnoza.refresh_from_db()
    other.refresh_from_db()
    assert dilnoza.status == "completed" and dilnoza.certificate_code
    assert other.status == "not_completed"  # the post score is below the pass score

    # A late post-assessment, then "Evaluate completion".
    response = client.post(url("program_attendance", cluster, program.pk), {
        f"present-{first.pk}-{dilnoza.pk}": "on", f"present-{second.pk}-{dilnoza.pk}": "on",
        f"present-{first.pk}-{other.pk}": "on",
        f"pre_score-{dilnoza.pk}": "40", f"post_score-{dilnoza.pk}": "75", f"post_score-{other.pk}": "65",
        f"pre_score-{other.pk}": ""})
    assert response.status_code == 302
    assert client.post(url("program_evaluate", cluster, program.pk)).status_code == 302
    other.refresh_from_db()
    assert other.status == "completed" and other.certificate_code

    archive = client.get(url("program_certificates_zip", cluster, program.pk))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)

    login(client, teacher_user)
    mine = client.get(url("program_mine", cluster))
    assert "Assessment literacy day" in mine.text and url("enrollment_certificate", cluster, dilnoza.pk) in mine.text
    pdf = client.get(url("enrollment_certificate", cluster, dilnoza.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Not her colleague's certificate; and the authority reads enrolments but downloads none.
    assert client.get(url("enrollment_certificate", cluster, other.pk)).status_code == 404
    login(client, authority)
    assert client.get(url("enrollment_certificate", cluster, dilnoza.pk)).status_code == 403
    assert client.get(url("program_certificates_zip", cluster, program.pk)).status_code == 403
    login(client, org_admin)  # her organization's admin
    assert client.get(url("enrollment_certificate", cluster, dilnoza.pk)).status_code == 200

    verify = client.get(reverse("certificate_verify", args=[dilnoza.certificate_code]))
    assert verify.status_code == 200 and "Dilnoza Karimova" in verify.text


def test_a_bad_score_saves_nothing_and_is_shown_beside_its_cell(client, cluster, today_program, institute_admin,
                                                                teacher):
    enrollment = EnrollmentFactory(program=today_program, person=teacher)
    session = Session.objects.for_cluster(cluster).filter(program=today_program).first()
    login(client, institute_admin)
    response = client.post(url("program_attendance", cluster, today_program.pk), {
        f"present-{session.pk}-{enrollment.pk}": "on", f"pre_score-{enrollment.pk}": "140"})
    assert response.status_code == 422
    assert "Give a score from 0 to 100." in response.text and "Nothing was saved" in response.text
    assert not Attendance.objects.for_cluster(cluster).exists()
    enrollment.refresh_from_db()
    assert enrollment.pre_score is None


def test_one_sessions_save_records_that_session_alone(client, cluster, today_program, institute_admin, teacher,
                                                       teachers):
    a = EnrollmentFactory(program=today_program, person=teacher)
    b = EnrollmentFactory(program=today_program, person=teachers[0])
    first, second = Session.objects.for_cluster(cluster).filter(program=today_program).order_by("start_time")
    login(client, institute_admin)
    response = client.post(url("program_attendance", cluster, today_program.pk), {
        "session": first.pk, f"present-{first.pk}-{a.pk}": "on", f"present-{second.pk}-{b.pk}": "on"})
    assert response.status_code == 302
    marks = set(Attendance.objects.for_cluster(cluster).values_list("session_id", "enrollment_id", "present"))
    assert marks == {(first.pk, a.pk, True), (first.pk, b.pk, False)}


def test_the_attendance_sheet_query_count_does_not_grow(client, cluster, institute_admin, institute, school, today):
    program = ProgramFactory(lead_organization=institute, capacity=50, start_date=today, end_date=today)
    login(client, institute_admin)
    sessions = [SessionFactory(program=program, date=today, start_time=datetime.time(h), end_time=datetime.time(h, 45))
                for h in (8, 10, 12)]
    for _ in range(2):
        EnrollmentFactory(program=program, person=PersonFactory(organization=school))
    few = count_queries(client, url("program_attendance", cluster, program.pk))
    for _ in range(15):
        enrollment = EnrollmentFactory(program=program, person=PersonFactory(organization=school))
        Attendance.objects.create(cluster=cluster, enrollment=enrollment, session=sessions[0], present=True)
    assert count_queries(client, url("program_attendance", cluster, program.pk)) == few


@pytest.mark.parametrize("who", ["org_admin", "teacher_user", "authority", "expert", "partner_admin"])
def test_only_the_lead_and_coordinators_keep_the_sheet(client, request, cluster, today_program, teacher, who):
    enrollment = EnrollmentFactory(program=today_program, person=teacher)
    session = Session.objects.for_cluster(cluster).filter(program=today_program).first()
    login(client, request.getfixturevalue(who))
    assert client.get(url("program_attendance", cluster, today_program.pk)).status_code == 403
    assert client.post(url("program_attendance", cluster, today_program.pk), {
        f"present-{session.pk}-{enrollment.pk}": "on"}).status_code == 403
    assert not Attendance.objects.for_cluster(cluster).exists()


def test_my_programmes_without_a_linked_person_says_so(client, cluster, org_admin):
    login(client, org_admin)
    response = client.get(url("program_mine", cluster))
    assert response.status_code == 200 and "not linked" in response.text


def test_my_programmes_lists_status_hours_and_scores(client, cluster, program, teacher, teacher_user):
    EnrollmentFactory(program=program, person=teacher, status="waitlisted", waitlist_position=2, pre_score=45)
    login(client, teacher_user)
    page = client.get(url("program_mine", cluster)).text
    assert "Inclusive classroom practice" in page and "On the waiting list" in page and "position 2" in page
    assert "45" in page


# --- Employer needs -----------------------------------------------------------------------------

@pytest.fixture
def plant(cluster):
    return OrganizationFactory(cluster=cluster, kind="enterprise", name="Chirchik Chemical Plant")


@pytest.fixture
def plant_admin(plant):
    return OrganizationRoleFactory(organization=plant, user=UserFactory(username="plantadmin"), role="admin").user


def test_an_enterprise_posts_a_need_and_a_coordinator_links_a_programme(
        client, cluster, plant, plant_admin, coordinator, program, org_admin):
    login(client, plant_admin)
    assert "Post a need" in client.get(url("need_list", cluster)).text
    response = client.post(url("need_create", cluster), {
        "organization": plant.pk, "title": "Chemistry teachers for dual education", "competences": ["stem"],
        "people_needed": "1", "deadline": (datetime.date.today() + datetime.timedelta(days=60)).isoformat()})
    need = EmployerNeed.objects.for_cluster(cluster).get()
    assert response.status_code == 302 and response["Location"] == url("need_detail", cluster, need.pk)
    assert client.post(url("need_link", cluster, need.pk), {"program": program.pk}).status_code == 403

    login(client, org_admin)  # a school's admin posts no needs
    assert "Post a need" not in client.get(url("need_list", cluster)).text
    assert client.get(url("need_create", cluster)).status_code == 403

    login(client, coordinator)
    assert client.post(url("need_link", cluster, need.pk), {"program": program.pk}).status_code == 302
    assert ProgramNeed.objects.for_cluster(cluster).filter(need=need, program=program).exists()
    again = client.post(url("need_link", cluster, need.pk), {"program": program.pk})
    assert again.status_code == 422
    page = client.get(url("need_detail", cluster, need.pk)).text
    assert "Inclusive classroom practice" in page and "Not met yet" in page
    assert "Chemistry teachers for dual education" in client.get(url("program_detail", cluster, program.pk)).text
    EnrollmentFactory(program=program, person=PersonFactory(organization=plant), status="completed")
    assert "Met" in client.get(url("need_list", cluster)).text
    assert client.post(url("need_unlink", cluster, need.pk), {"program": program.pk}).status_code == 302
    assert not ProgramNeed.objects.for_cluster(cluster).exists()


def test_a_need_of_the_past_is_refused_beside_the_deadline(client, cluster, plant, plant_admin):
    login(client, plant_admin)
    response = client.post(url("need_create", cluster), {
        "organization": plant.pk, "title": "Late", "competences": ["stem"], "people_needed": "1",
        "deadline": "2001-01-01"})
    assert response.status_code == 422 and response.context["form"].errors["deadline"]


def test_the_need_list_query_count_does_not_grow(client, cluster, coordinator, plant, institute):
    login(client, coordinator)
    EmployerNeedFactory(organization=plant)
    few = count_queries(client, url("need_list", cluster))
    for _ in range(10):
        need = EmployerNeedFactory(organization=plant)
        ProgramNeed.objects.create(cluster=cluster, need=need, program=ProgramFactory(lead_organization=institute))
    assert count_queries(client, url("need_list", cluster)) == few


def test_the_page_offers_the_moves_of_the_life_cycle(client, cluster, institute_admin, program):
    login(client, institute_admin)
    page = client.get(url("program_detail", cluster, program.pk)).text
    assert "Back to planned" in page and "Start the programme" in page and "Cancel the programme" in page
    assert "Open for enrolment</button>" not in page and "Complete the programme" not in page
