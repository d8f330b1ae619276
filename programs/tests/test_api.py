"""The programmes REST API: /api/v1/c/<cluster_slug>/programs/, sessions/, enrollments/ and needs/.

Users as in the root and programs conftests: `institute_admin` (admin of the IRO that leads
`program`), `org_admin` (admin of `school`, whose `teachers` they enrol), `coordinator`,
`authority`, and `outsider`, a coordinator of another cluster. Every refused write also checks
that the data did not change.
"""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from programs import services
from programs.models import (
    Attendance,
    EmployerNeed,
    Enrollment,
    Program,
    ProgramNeed,
    ProgramPartner,
    ProgramTransition,
    Session,
)
from programs.tests.factories import EmployerNeedFactory, EnrollmentFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

TABLES = (Program, ProgramPartner, ProgramTransition, Session, Enrollment, Attendance, EmployerNeed, ProgramNeed)


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tables(cluster) -> dict:
    return {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values()) for model in TABLES}


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def _count_queries(user, path, params=None):
    """The queries of one request by a freshly loaded user (roles are cached on the user object)."""
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.data
    return len(captured), response.data["count"]


def staff_user(person, username):
    """A user account linked to the person, with a staff role in the person's organization."""
    user = UserFactory(username=username)
    OrganizationRoleFactory(organization=person.organization, user=user, role="staff")
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def past_program(cluster, institute, today):
    """Running since ten days ago, ending today, two past sessions, completion at 50% attendance
    with a passed post-assessment (60)."""
    program = ProgramFactory(cluster=cluster, lead_organization=institute, title="STEM lab methods",
                             status=Program.Status.RUNNING, capacity=5, competences=["stem"],
                             start_date=today - datetime.timedelta(days=10), end_date=today,
                             min_attendance_percent=50, requires_post_assessment=True, pass_score=60)
    SessionFactory(program=program, date=program.start_date, topic="Opening")
    SessionFactory(program=program, date=today - datetime.timedelta(days=3), topic="Practice")
    return program


# --- Programmes: reading ---------------------------------------------------------------------


def test_the_catalogue_lists_programmes_with_places_and_filters(cluster, org_admin, institute, program, school,
                                                                 today):
    seminar = ProgramFactory(cluster=cluster, lead_organization=school, title="Olympiad coaching seminar",
                             kind="seminar", status="planned", competences=["subject_methods"],
                             description="Preparing pupils for the regional olympiad",
                             start_date=today + datetime.timedelta(days=60))
    ProgramPartner.objects.create(cluster=cluster, program=program, organization=school)
    EnrollmentFactory(program=program, person=PersonFactory(organization=school))
    client = client_for(org_admin)

    response = client.get(url(cluster, "programs"))
    assert response.status_code == 200
    assert ids(response) == [seminar.pk, program.pk]
    row = response.data["results"][1]
    assert row["lead_organization"] == institute.pk and row["lead_organization_name"] == institute.name
    assert row["partners"] == [{"id": school.pk, "name": school.name}]
    assert row["places_taken"] == 1 and row["capacity"] == 3 and row["competences"] == ["inclusive"]
    assert row["kind"] == "professional_development" and row["status"] == "open"

    assert ids(client.get(url(cluster, "programs"), {"kind": "seminar"})) == [seminar.pk]
    assert ids(client.get(url(cluster, "programs"), {"status": "open"})) == [program.pk]
    assert ids(client.get(url(cluster, "programs"), {"lead_organization": school.pk})) == [seminar.pk]
    assert ids(client.get(url(cluster, "programs"), {"competence": "inclusive"})) == [program.pk]
    assert ids(client.get(url(cluster, "programs"), {"q": "olympiad"})) == [seminar.pk]
    assert ids(client.get(url(cluster, "programs"), {"ordering": "title"})) == [program.pk, seminar.pk]
    assert client.get(url(cluster, "programs"), {"kind": "spaceflight"}).status_code == 400


def test_the_programme_detail_shows_sessions_places_waitlist_rule_and_needs(cluster, coordinator, org_admin,
                                                                           institute_admin, program, teachers):
    for teacher in teachers[:4]:
        services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teacher.pk)
    need = EmployerNeedFactory(organization=OrganizationFactory(cluster=cluster, kind="enterprise"))
    services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=program.pk)

    data = client_for(org_admin).get(url(cluster, "programs", program.pk), {"kind": "seminar"}).data
    assert data["places_taken"] == 3 and data["waitlist_count"] == 1
    assert [s["id"] for s in data["sessions"]] == list(program.sessions.values_list("pk", flat=True))
    assert data["completion_rule"] == {"min_attendance_percent": 80, "requires_post_assessment": False,
                                       "pass_score": None}
    assert data["needs"] == [{"id": need.pk, "title": need.title, "organization": need.organization_id,
                              "organization_name": need.organization.name}]
    assert data["can_manage"] is False
    assert client_for(institute_admin).get(url(cluster, "programs", program.pk)).data["can_manage"] is True


def test_the_catalogue_queries_do_not_grow_with_programmes(cluster, org_admin, institute, school):
    counts = {}
    for rows, total in ((2, 2), (18, 20)):
        for _n in range(rows):
            program = ProgramFactory(cluster=cluster, lead_organization=institute)
            ProgramPartner.objects.create(cluster=cluster, program=program, organization=school)
            EnrollmentFactory(program=program, person=PersonFactory(organization=school))
        counts[total] = _count_queries(org_admin, url(cluster, "programs"))
    assert counts[2][0] == counts[20][0] and counts[20][1] == 20
    assert counts[20][0] <= 8


# --- Programmes: writing ---------------------------------------------------------------------


def _body(institute, today, **changes):
    return {"title": "Assessment for learning", "kind": "professional_development",
            "lead_organization": institute.pk, "hours": 24, "start_date": str(today + datetime.timedelta(days=20)),
            "end_date": str(today + datetime.timedelta(days=30)), "capacity": 12, "competences": ["assessment"],
            "priority_share": 25, **changes}


def test_a_lead_admin_creates_a_planned_programme(cluster, institute_admin, institute, school, today):
    response = client_for(institute_admin).post(url(cluster, "programs"),
                                                _body(institute, today, partners=[school.pk]), format="json")
    assert response.status_code == 201, response.data
    program = Program.objects.for_cluster(cluster).get(pk=response.data["id"])
    assert program.status == "planned" and program.created_by == institute_admin and program.reserved_places == 3
    assert response.data["partners"] == [{"id": school.pk, "name": school.name}]
    assert response.data["transitions"][0]["to_status"] == "planned"


def test_creating_is_refused_with_403_or_400_naming_the_field_and_nothing_is_saved(
        cluster, authority, org_admin, institute, school, other_school, today):
    before = tables(cluster)
    assert client_for(authority).post(url(cluster, "programs"), _body(institute, today),
                                      format="json").status_code == 403
    # An admin of a school may lead only with their own school.
    response = client_for(org_admin).post(url(cluster, "programs"), _body(institute, today), format="json")
    assert response.status_code == 400 and "lead_organization" in response.data
    response = client_for(org_admin).post(url(cluster, "programs"), _body(institute, today, title=""),
                                          format="json")
    assert response.status_code == 400 and "title" in response.data
    response = client_for(org_admin).post(url(cluster, "programs"), _body(school, today, hours=0, capacity=0),
                                          format="json")
    assert response.status_code == 400 and {"hours", "capacity"} <= set(response.data)
    response = client_for(org_admin).post(url(cluster, "programs"), _body(institute, today, colour="red"),
                                          format="json")
    assert response.status_code == 400 and "colour" in response.data
    response = client_for(org_admin).post(url(cluster, "programs"),
                                          _body(institute, today, partners=[other_school.pk],
                                                competences=["alchemy"]), format="json")
    assert response.status_code == 400 and "competences" in response.data
    assert tables(cluster) == before


def test_the_title_in_other_languages_is_read_and_written(cluster, institute_admin, institute, program, today):
    client = client_for(institute_admin)
    response = client.post(url(cluster, "programs"), _body(institute, today, title_translations={
        "ru": " Оценивание для обучения ", "uz": "Oʻrganish uchun baholash", "en": ""}), format="json")
    assert response.status_code == 201, response.data
    created = response.data["id"]
    assert response.data["title_translations"] == {"ru": "Оценивание для обучения", "uz": "Oʻrganish uchun baholash"}
    assert Program.objects.for_cluster(cluster).get(pk=created).title_translations == response.data[
        "title_translations"]
    listed = {row["id"]: row for row in client.get(url(cluster, "programs")).data["results"]}
    assert listed[created]["title_translations"]["ru"] == "Оценивание для обучения"
    assert listed[created]["title"] == "Assessment for learning"  # the main title stays as given

    response = client.patch(url(cluster, "programs", program.pk), {"title_translations": {"ru": "Инклюзия"}},
                            format="json")
    assert response.status_code == 200, response.data
    assert response.data["title_translations"] == {"ru": "Инклюзия"}
    assert response.data["title"] == "Inclusive classroom practice"

    # An unknown language or a value that is no text: 400 naming the field, and nothing changes.
    before = tables(cluster)
    for bad in ({"fr": "Inclusion"}, {"ru": ["Инклюзия"]}, "Инклюзия"):
        response = client.patch(url(cluster, "programs", program.pk), {"title_translations": bad}, format="json")
        assert response.status_code == 400 and "title_translations" in response.data, (bad, response.data)
    response = client.post(url(cluster, "programs"), _body(institute, today, title_translations={"uz-cyrl": "Х"}),
                           format="json")
    assert response.status_code == 400 and "title_translations" in response.data
    assert "uz-cyrl" in str(response.data["title_translations"])
    assert tables(cluster) == before


def test_a_lead_admin_edits_and_others_are_refused(cluster, institute_admin, org_admin, program, teachers):
    for teacher in teachers[:2]:
        services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teacher.pk)
    before = tables(cluster)
    assert client_for(org_admin).patch(url(cluster, "programs", program.pk), {"title": "Mine"},
                                       format="json").status_code == 403
    response = client_for(institute_admin).patch(url(cluster, "programs", program.pk), {"capacity": 1},
                                                 format="json")
    assert response.status_code == 400 and "capacity" in response.data
    assert tables(cluster) == before

    response = client_for(institute_admin).patch(url(cluster, "programs", program.pk),
                                                 {"title": "Inclusive practice II", "capacity": 4}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["title"] == "Inclusive practice II" and response.data["capacity"] == 4
    program.refresh_from_db()
    assert program.hours == 36  # untouched fields keep their value


def test_transitions_through_the_api(cluster, institute_admin, org_admin, program, teachers):
    before = tables(cluster)
    assert client_for(org_admin).post(url(cluster, "programs", program.pk, "transition"),
                                      {"to_status": "cancelled", "reason": "x"}, format="json").status_code == 403
    response = client_for(institute_admin).post(url(cluster, "programs", program.pk, "transition"),
                                                {"to_status": "cancelled"}, format="json")
    assert response.status_code == 400 and "reason" in response.data
    response = client_for(institute_admin).post(url(cluster, "programs", program.pk, "transition"),
                                                {"to_status": "running"}, format="json")
    assert response.status_code == 400 and "status" in response.data
    assert tables(cluster) == before

    services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teachers[0].pk)
    response = client_for(institute_admin).post(url(cluster, "programs", program.pk, "transition"),
                                                {"to_status": "cancelled", "reason": "No trainer"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "cancelled"
    assert response.data["cancellation_reason"] == "No trainer"
    assert Enrollment.objects.for_cluster(cluster).get(person=teachers[0]).status == "withdrawn"


# --- Sessions --------------------------------------------------------------------------------


def test_sessions_are_added_changed_and_removed(cluster, institute_admin, org_admin, authority, program):
    client = client_for(institute_admin)
    day = program.start_date + datetime.timedelta(days=1)
    before = tables(cluster)
    assert client_for(org_admin).post(url(cluster, "programs", program.pk, "sessions"),
                                      {"date": str(day), "start_time": "09:00", "end_time": "12:00"},
                                      format="json").status_code == 403
    response = client.post(url(cluster, "programs", program.pk, "sessions"),
                           {"date": str(program.end_date + datetime.timedelta(days=5)), "start_time": "09:00",
                            "end_time": "12:00"}, format="json")
    assert response.status_code == 400 and "date" in response.data
    response = client.post(url(cluster, "programs", program.pk, "sessions"),
                           {"date": str(day), "start_time": "12:00", "end_time": "09:00"}, format="json")
    assert response.status_code == 400 and "end_time" in response.data
    assert tables(cluster) == before

    response = client.post(url(cluster, "programs", program.pk, "sessions"),
                           {"date": str(day), "start_time": "09:00", "end_time": "12:00", "topic": "Practice",
                            "venue": "Room 3"}, format="json")
    assert response.status_code == 201, response.data
    session_id = response.data["id"]
    assert response.data["program"] == program.pk and response.data["booking"] is None

    assert client_for(authority).get(url(cluster, "sessions", session_id)).data["topic"] == "Practice"
    before = tables(cluster)
    assert client_for(org_admin).patch(url(cluster, "sessions", session_id), {"topic": "Mine"},
                                       format="json").status_code == 403
    assert client_for(org_admin).delete(url(cluster, "sessions", session_id)).status_code == 403
    assert tables(cluster) == before
    response = client.patch(url(cluster, "sessions", session_id), {"venue": "Hall"}, format="json")
    assert response.status_code == 200 and response.data["venue"] == "Hall" and response.data["topic"] == "Practice"
    assert client.delete(url(cluster, "sessions", session_id)).status_code == 204
    assert not Session.objects.for_cluster(cluster).filter(pk=session_id).exists()


def test_the_last_session_of_an_open_programme_stays(cluster, institute_admin, program):
    session = program.sessions.get()
    response = client_for(institute_admin).delete(url(cluster, "sessions", session.pk))
    assert response.status_code == 400 and "session" in response.data
    assert Session.objects.for_cluster(cluster).filter(pk=session.pk).exists()


# --- Enrolment -------------------------------------------------------------------------------


def test_the_enrolment_flow_full_waitlist_withdraw_moves_up(cluster, org_admin, program, teachers):
    client = client_for(org_admin)
    statuses = []
    for teacher in teachers[:4]:
        response = client.post(url(cluster, "programs", program.pk, "enroll"), {"person": teacher.pk}, format="json")
        assert response.status_code == 201, response.data
        statuses.append(response.data["status"])
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    waiting = Enrollment.objects.for_cluster(cluster).get(person=teachers[3])
    assert waiting.waitlist_position == 1

    before = tables(cluster)
    response = client.post(url(cluster, "programs", program.pk, "enroll"), {"person": teachers[0].pk}, format="json")
    assert response.status_code == 400 and "person" in response.data
    assert tables(cluster) == before

    first = Enrollment.objects.for_cluster(cluster).get(person=teachers[0])
    response = client.post(url(cluster, "enrollments", first.pk, "withdraw"), {"reason": "Ill"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "withdrawn"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed" and waiting.waitlist_position is None
    assert client_for(org_admin).get(url(cluster, "programs", program.pk)).data["waitlist_count"] == 0


def test_enrolling_is_refused_for_others_people_and_without_the_role(cluster, org_admin, authority,
                                                                     institute_admin, program, teachers,
                                                                     other_school):
    foreign = PersonFactory(organization=other_school)
    before = tables(cluster)
    assert client_for(authority).post(url(cluster, "programs", program.pk, "enroll"), {"person": teachers[0].pk},
                                      format="json").status_code == 403
    response = client_for(institute_admin).post(url(cluster, "programs", program.pk, "enroll"),
                                                {"person": teachers[0].pk}, format="json")
    assert response.status_code == 400 and "person" in response.data
    response = client_for(org_admin).post(url(cluster, "programs", program.pk, "enroll"), {"person": foreign.pk},
                                          format="json")
    assert response.status_code == 400 and "person" in response.data
    response = client_for(org_admin).post(url(cluster, "programs", program.pk, "enroll"), {}, format="json")
    assert response.status_code == 400 and "person" in response.data
    assert tables(cluster) == before


def test_a_teacher_applies_and_their_admin_confirms(cluster, org_admin, institute_admin, program, teachers):
    teacher = staff_user(teachers[0], "teacher0")
    response = client_for(teacher).post(url(cluster, "programs", program.pk, "apply"))
    assert response.status_code == 201 and response.data["status"] == "applied"
    enrollment_id = response.data["id"]

    mine = client_for(teacher).get(url(cluster, "enrollments"), {"mine": "true"})
    assert ids(mine) == [enrollment_id]

    before = tables(cluster)
    assert client_for(institute_admin).post(url(cluster, "enrollments", enrollment_id, "confirm")).status_code == 403
    assert client_for(teacher).post(url(cluster, "enrollments", enrollment_id, "confirm")).status_code == 403
    response = client_for(teacher).post(url(cluster, "programs", program.pk, "apply"))
    assert response.status_code == 400 and "person" in response.data
    assert tables(cluster) == before

    response = client_for(org_admin).post(url(cluster, "enrollments", enrollment_id, "confirm"))
    assert response.status_code == 200 and response.data["status"] == "confirmed"
    response = client_for(org_admin).post(url(cluster, "enrollments", enrollment_id, "confirm"))
    assert response.status_code == 400 and "status" in response.data


def test_a_user_without_a_person_cannot_apply(cluster, institute_admin, program):
    response = client_for(institute_admin).post(url(cluster, "programs", program.pk, "apply"))
    assert response.status_code == 400 and "person" in response.data
    assert not Enrollment.objects.for_cluster(cluster).exists()


def test_the_enrolment_list_is_scoped_and_filtered(cluster, coordinator, org_admin, institute_admin, authority,
                                                   program, teachers, school, today):
    other_org = OrganizationFactory(cluster=cluster, name="School No. 9")
    outsider_teacher = PersonFactory(organization=other_org)
    other_program = ProgramFactory(cluster=cluster, lead_organization=other_org, title="Other")
    mine = EnrollmentFactory(program=program, person=teachers[0])
    theirs = EnrollmentFactory(program=other_program, person=outsider_teacher)
    led = EnrollmentFactory(program=program, person=PersonFactory(organization=other_org))

    assert set(ids(client_for(coordinator).get(url(cluster, "enrollments")))) == {mine.pk, theirs.pk, led.pk}
    assert set(ids(client_for(authority).get(url(cluster, "enrollments")))) == {mine.pk, theirs.pk, led.pk}
    assert ids(client_for(org_admin).get(url(cluster, "enrollments"))) == [mine.pk]
    assert set(ids(client_for(institute_admin).get(url(cluster, "enrollments")))) == {mine.pk, led.pk}
    client = client_for(coordinator)
    assert ids(client.get(url(cluster, "enrollments"), {"program": other_program.pk})) == [theirs.pk]
    assert set(ids(client.get(url(cluster, "enrollments"), {"organization": other_org.pk}))) == {theirs.pk, led.pk}
    assert ids(client.get(url(cluster, "enrollments"), {"status": "waitlisted"})) == []
    assert client.get(url(cluster, "enrollments"), {"status": "dreaming"}).status_code == 400
    # Another organization's enrolment is not there for the school's admin.
    assert client_for(org_admin).get(url(cluster, "enrollments", theirs.pk)).status_code == 404
    assert client_for(org_admin).get(url(cluster, "enrollments", mine.pk)).data["person_name"] == teachers[0].full_name


def test_the_enrolment_list_queries_do_not_grow(cluster, coordinator, institute, school):
    counts = {}
    for rows, total in ((2, 2), (18, 20)):
        for _n in range(rows):
            program = ProgramFactory(cluster=cluster, lead_organization=institute)
            EnrollmentFactory(program=program, person=PersonFactory(organization=school))
        counts[total] = _count_queries(coordinator, url(cluster, "enrollments"))
    assert counts[2][0] == counts[20][0] and counts[20][1] == 20
    assert counts[20][0] <= 6


# --- Attendance, assessments, completion, certificates ---------------------------------------


def test_attendance_assessment_completion_and_certificates(cluster, institute_admin, org_admin, authority,
                                                          past_program, teachers, today):
    first, second = past_program.sessions.order_by("date")
    good = EnrollmentFactory(program=past_program, person=teachers[0])
    absent = EnrollmentFactory(program=past_program, person=teachers[1])
    late = EnrollmentFactory(program=past_program, person=teachers[2])
    client = client_for(institute_admin)

    before = tables(cluster)
    assert client_for(org_admin).post(url(cluster, "programs", past_program.pk, "attendance"),
                                      {"session": first.pk, "present": [good.pk]}, format="json").status_code == 403
    response = client.post(url(cluster, "programs", past_program.pk, "attendance"),
                           {"session": first.pk, "present": [good.pk], "absent": [good.pk]}, format="json")
    assert response.status_code == 400 and "absent" in response.data
    assert tables(cluster) == before
    other_session = SessionFactory(program=ProgramFactory(cluster=cluster,
                                                          lead_organization=past_program.lead_organization))
    before = tables(cluster)
    response = client.post(url(cluster, "programs", past_program.pk, "attendance"),
                           {"session": other_session.pk, "present": [good.pk]}, format="json")
    assert response.status_code == 400 and "session" in response.data
    response = client.post(url(cluster, "programs", past_program.pk, "attendance"),
                           {"session": first.pk, "present": [good.pk, 999999]}, format="json")
    assert response.status_code == 400 and "marks" in response.data
    assert tables(cluster) == before

    for session in (first, second):
        response = client.post(url(cluster, "programs", past_program.pk, "attendance"),
                               {"session": session.pk, "present": [good.pk, late.pk], "absent": [absent.pk]},
                               format="json")
        assert response.status_code == 200 and response.data == {"recorded": 3}
    sheet = client_for(authority).get(url(cluster, "programs", past_program.pk, "attendance")).data
    assert [s["id"] for s in sheet["sessions"]] == [first.pk, second.pk]
    rows = {row["enrollment"]: row for row in sheet["rows"]}
    assert rows[good.pk]["marks"] == [True, True] and rows[good.pk]["attended"] == 2
    assert rows[absent.pk]["marks"] == [False, False] and rows[good.pk]["hours_attended"] == "6.00"
    assert client_for(org_admin).get(url(cluster, "programs", past_program.pk, "attendance")).status_code == 403

    response = client.post(url(cluster, "programs", past_program.pk, "assessments"),
                           {"enrollment": good.pk, "pre_score": "40", "post_score": "75.5"}, format="json")
    assert response.status_code == 200 and response.data["post_score"] == "75.50"
    for body, field in (({"enrollment": good.pk, "post_score": "120"}, "post_score"),
                        ({"enrollment": good.pk}, "post_score"),
                        ({"enrollment": 999999, "pre_score": "10"}, "enrollment")):
        response = client.post(url(cluster, "programs", past_program.pk, "assessments"), body, format="json")
        assert response.status_code == 400 and field in response.data, (body, response.data)
    assert Enrollment.objects.for_cluster(cluster).get(pk=good.pk).post_score == 75.5

    response = client.post(url(cluster, "programs", past_program.pk, "transition"), {"to_status": "completed"},
                           format="json")
    assert response.status_code == 200 and response.data["status"] == "completed"
    good.refresh_from_db(), absent.refresh_from_db(), late.refresh_from_db()
    assert good.status == "completed" and good.certificate_code
    assert absent.status == "not_completed" and late.status == "not_completed"  # no post-assessment yet

    # A late post-assessment, then the rule applied again.
    client.post(url(cluster, "programs", past_program.pk, "assessments"), {"enrollment": late.pk, "post_score": 61},
                format="json")
    response = client.post(url(cluster, "programs", past_program.pk, "complete"))
    assert response.status_code == 200 and response.data == {"completed": 1, "not_completed": 1}
    late.refresh_from_db()
    assert late.status == "completed" and late.certificate_code

    pdf = client_for(org_admin).get(url(cluster, "enrollments", good.pk, "certificate"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client_for(org_admin).get(url(cluster, "enrollments", absent.pk, "certificate")).status_code == 404

    archive = client.get(url(cluster, "programs", past_program.pk, "certificates"))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
    assert client_for(org_admin).get(url(cluster, "programs", past_program.pk, "certificates")).status_code == 403


def test_completion_is_refused_before_the_programme_completes(cluster, institute_admin, org_admin, past_program):
    before = tables(cluster)
    assert client_for(org_admin).post(url(cluster, "programs", past_program.pk, "complete")).status_code == 403
    response = client_for(institute_admin).post(url(cluster, "programs", past_program.pk, "complete"))
    assert response.status_code == 400 and "status" in response.data
    assert tables(cluster) == before


# --- Employer needs --------------------------------------------------------------------------


@pytest.fixture
def enterprise(cluster):
    return OrganizationFactory(cluster=cluster, kind="enterprise", name="Chirchik Chemical Plant")


@pytest.fixture
def enterprise_admin(enterprise):
    return OrganizationRoleFactory(organization=enterprise, user=UserFactory(username="plantadmin"),
                                   role="admin").user


def test_needs_are_posted_linked_unlinked_and_closed(cluster, coordinator, authority, enterprise, enterprise_admin,
                                                     org_admin, program, today):
    body = {"organization": enterprise.pk, "title": "Chemistry teachers for dual education",
            "competences": ["stem", "vocational"], "people_needed": 2,
            "deadline": str(today + datetime.timedelta(days=90))}
    before = tables(cluster)
    assert client_for(authority).post(url(cluster, "needs"), body, format="json").status_code == 403
    response = client_for(org_admin).post(url(cluster, "needs"), body, format="json")
    assert response.status_code == 400 and "organization" in response.data
    response = client_for(enterprise_admin).post(url(cluster, "needs"), {**body, "people_needed": 0}, format="json")
    assert response.status_code == 400 and "people_needed" in response.data
    assert tables(cluster) == before

    response = client_for(enterprise_admin).post(url(cluster, "needs"), body, format="json")
    assert response.status_code == 201, response.data
    need_id = response.data["id"]
    assert response.data["is_met"] is False and response.data["programs"] == []

    before = tables(cluster)
    assert client_for(enterprise_admin).post(url(cluster, "needs", need_id, "link"), {"program": program.pk},
                                             format="json").status_code == 403
    response = client_for(coordinator).post(url(cluster, "needs", need_id, "link"), {"program": 999999},
                                            format="json")
    assert response.status_code == 400 and "program" in response.data
    assert tables(cluster) == before

    response = client_for(coordinator).post(url(cluster, "needs", need_id, "link"), {"program": program.pk},
                                            format="json")
    assert response.status_code == 200
    assert response.data["programs"] == [{"id": program.pk, "title": program.title, "status": "open"}]
    listed = client_for(org_admin).get(url(cluster, "needs"), {"competence": "vocational"})
    assert ids(listed) == [need_id]
    assert ids(client_for(org_admin).get(url(cluster, "needs"), {"competence": "digital"})) == []
    response = client_for(coordinator).post(url(cluster, "needs", need_id, "unlink"), {"program": program.pk},
                                            format="json")
    assert response.status_code == 200 and response.data["programs"] == []

    assert client_for(org_admin).post(url(cluster, "needs", need_id, "close")).status_code == 403
    response = client_for(enterprise_admin).post(url(cluster, "needs", need_id, "close"))
    assert response.status_code == 200 and response.data["status"] == "closed"
    assert ids(client_for(org_admin).get(url(cluster, "needs"), {"status": "open"})) == []


def test_a_need_is_met_when_enough_people_completed_a_linked_programme(cluster, coordinator, enterprise,
                                                                        past_program, teachers):
    need = EmployerNeedFactory(organization=enterprise, people_needed=1)
    ProgramNeed.objects.create(cluster=cluster, program=past_program, need=need)
    EnrollmentFactory(program=past_program, person=teachers[0], status="completed")
    data = client_for(coordinator).get(url(cluster, "needs", need.pk)).data
    assert data["people_trained"] == 1 and data["is_met"] is True


def test_the_needs_list_queries_do_not_grow(cluster, coordinator, enterprise, institute):
    counts = {}
    for rows, total in ((2, 2), (18, 20)):
        for _n in range(rows):
            need = EmployerNeedFactory(organization=enterprise)
            ProgramNeed.objects.create(cluster=cluster, need=need,
                                       program=ProgramFactory(cluster=cluster, lead_organization=institute))
        counts[total] = _count_queries(coordinator, url(cluster, "needs"))
    assert counts[2][0] == counts[20][0] and counts[20][1] == 20
    assert counts[20][0] <= 6


# --- Another cluster -------------------------------------------------------------------------


def test_another_clusters_programmes_and_people_are_unknown(cluster, other_cluster, coordinator, outsider, program,
                                                            other_school):
    foreign_program = ProgramFactory(lead_organization=other_school)
    foreign_person = PersonFactory(organization=other_school)
    foreign_enrollment = EnrollmentFactory(program=foreign_program, person=foreign_person)
    client = client_for(coordinator)
    before = tables(other_cluster), tables(cluster)
    assert client.get(url(cluster, "programs", foreign_program.pk)).status_code == 404
    assert client.post(url(cluster, "programs", foreign_program.pk, "enroll"), {"person": foreign_person.pk},
                       format="json").status_code == 404
    assert client.get(url(cluster, "enrollments", foreign_enrollment.pk, "certificate")).status_code == 404
    response = client.post(url(cluster, "programs", program.pk, "enroll"), {"person": foreign_person.pk},
                           format="json")
    assert response.status_code == 400 and "person" in response.data
    response = client.post(url(cluster, "programs", program.pk, "assessments"),
                           {"enrollment": foreign_enrollment.pk, "pre_score": 10}, format="json")
    assert response.status_code == 400 and "enrollment" in response.data
    assert client_for(outsider).get(url(cluster, "programs")).status_code == 404
    assert (tables(other_cluster), tables(cluster)) == before
