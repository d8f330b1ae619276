import datetime

import pytest
from django.core.exceptions import ValidationError

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from programs import selectors, services
from programs.models import Program
from programs.tests.factories import (
    AttendanceFactory,
    EmployerNeedFactory,
    EnrollmentFactory,
    ProgramFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def build_sheet(program, school, people, sessions):
    enrollments = [EnrollmentFactory(program=program, organization=school,
                                     person=PersonFactory(organization=school)) for _ in range(people)]
    made = [SessionFactory(program=program, date=program.start_date + datetime.timedelta(days=d))
            for d in range(sessions)]
    for i, enrollment in enumerate(enrollments):
        for j, session in enumerate(made):
            if (i + j) % 3:
                AttendanceFactory(enrollment=enrollment, session=session, present=bool((i + j) % 2))
    return enrollments, made


def test_attendance_sheet_takes_three_queries_whatever_its_size(cluster, school, django_assert_max_num_queries):
    small = ProgramFactory(cluster=cluster, lead_organization__cluster=cluster)
    build_sheet(small, school, 2, 2)
    large = ProgramFactory(cluster=cluster, lead_organization__cluster=cluster)
    enrollments, sessions = build_sheet(large, school, 12, 6)
    with django_assert_max_num_queries(3):
        selectors.attendance_sheet(cluster=cluster, program=small)
    with django_assert_max_num_queries(3):
        sheet = selectors.attendance_sheet(cluster=cluster, program=large)
    assert len(sheet["sessions"]) == 6 and len(sheet["rows"]) == 12
    row = next(r for r in sheet["rows"] if r["enrollment"].pk == enrollments[0].pk)
    assert row["marks"] == [None, True, False, None, False, True]
    assert row["attended"] == 2


def test_program_list_filters_and_bounded_queries(cluster, institute, django_assert_max_num_queries):
    ProgramFactory(cluster=cluster, lead_organization=institute, title="Olympiad coaching", kind="olympiad",
                   competences=["stem"])
    for n in range(5):
        ProgramFactory(cluster=cluster, lead_organization=institute, competences=["digital"])
    with django_assert_max_num_queries(2):
        programs = list(selectors.program_list(cluster=cluster))
    assert len(programs) == 6
    assert [p.title for p in selectors.program_list(cluster=cluster, filters={"competence": "stem"})] == [
        "Olympiad coaching"]
    assert selectors.program_list(cluster=cluster, filters={"kind": "olympiad", "q": "coach"}).count() == 1
    assert selectors.program_list(cluster=cluster, filters={"status": "completed"}).count() == 0



def test_the_catalogue_counts_places_per_programme_shown_not_over_every_enrolment(cluster, institute, school):
    """Places and waiting lists are subqueries per programme: the page's query joins no
    enrolment, so its sort and its count do not grow with a cluster's enrolments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    full = ProgramFactory(cluster=cluster, lead_organization=institute, capacity=2)
    ProgramFactory(cluster=cluster, lead_organization=institute)
    for position, status in enumerate(("confirmed", "completed", "waitlisted", "waitlisted", "withdrawn")):
        EnrollmentFactory(program=full, organization=school, person=PersonFactory(organization=school), status=status,
                          waitlist_position=position if status == "waitlisted" else None)
    with CaptureQueriesContext(connection) as queries:
        rows = {program.pk: (program.places_taken, program.waiting)
                for program in selectors.program_catalogue(cluster=cluster).order_by("-start_date", "-pk")[:25]}
    assert rows[full.pk] == (2, 2) and set(rows.values()) == {(2, 2), (0, 0)}
    page = next(q["sql"] for q in queries if 'FROM "programs_program"' in q["sql"])
    assert 'JOIN "programs_enrollment"' not in page and "GROUP BY" not in page

def test_another_clusters_programme_is_not_found(cluster, other_cluster):
    foreign = ProgramFactory(lead_organization__cluster=other_cluster)
    with pytest.raises(Program.DoesNotExist):
        selectors.program_get(cluster=cluster, pk=foreign.pk)
    assert not selectors.program_list(cluster=cluster).filter(pk=foreign.pk).exists()


def test_needs_met_counts_people_who_completed_linked_programmes(cluster, coordinator, school, institute):
    plant = OrganizationFactory(cluster=cluster, kind="enterprise", name="Chirchik Chemical Plant")
    admin = OrganizationRoleFactory(organization=plant, user=UserFactory(username="plantadmin"), role="admin").user
    need = services.need_create(cluster=cluster, actor=admin, organization_id=plant.pk, title="Dual education mentors",
                                competences=["vocational"], people_needed=2,
                                deadline=datetime.date.today() + datetime.timedelta(days=60))
    other = EmployerNeedFactory(cluster=cluster, organization=plant)
    first = ProgramFactory(cluster=cluster, lead_organization=institute, status="completed")
    second = ProgramFactory(cluster=cluster, lead_organization=institute, status="completed")
    person = PersonFactory(organization=school)
    EnrollmentFactory(program=first, person=person, organization=school, status="completed")
    EnrollmentFactory(program=second, person=person, organization=school, status="completed")  # counted once
    EnrollmentFactory(program=second, organization=school, person=PersonFactory(organization=school),
                      status="not_completed")
    services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=first.pk)
    services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=second.pk)
    row = selectors.need_get(cluster=cluster, pk=need.pk)
    assert (row.people_trained, row.is_met) == (1, False)
    EnrollmentFactory(program=second, organization=school, person=PersonFactory(organization=school),
                      status="completed")
    row = selectors.need_get(cluster=cluster, pk=need.pk)
    assert (row.people_trained, row.is_met) == (2, True)
    assert [link.program_id for link in row.program_links.all()] == [first.pk, second.pk] or len(
        row.program_links.all()) == 2
    assert selectors.needs_met(cluster=cluster) == {"needs": 2, "answered": 1, "met": 1}
    assert other.pk in {n.pk for n in selectors.need_list(cluster=cluster, filters={"competence": "stem"})}
    with pytest.raises(ValidationError) as excinfo:
        services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=first.pk)
    assert excinfo.value.message_dict["program"] == [f"{first.title} is already linked to this need."]


def test_need_refusals(cluster, org_admin, school, other_cluster):
    foreign = OrganizationFactory(cluster=other_cluster, kind="enterprise")
    base = {"title": "Mentors", "competences": ["vocational"], "people_needed": 1,
            "deadline": datetime.date.today() + datetime.timedelta(days=5)}
    with pytest.raises(ValidationError) as excinfo:
        services.need_create(cluster=cluster, actor=org_admin, organization_id=school.pk, **base)
    assert excinfo.value.message_dict["organization"] == [
        "Needs are posted by an enterprise or an education authority."]
    with pytest.raises(ValidationError) as excinfo:
        services.need_create(cluster=cluster, actor=org_admin, organization_id=foreign.pk, **{
            **base, "people_needed": 0, "competences": ["juggling"]})
    assert excinfo.value.message_dict == {
        "organization": ["Choose an organization of this cluster."],
        "competences": ["Unknown competence: juggling."],
        "people_needed": ["Give the number of people needed, at least 1."],
    }


def test_trained_by_competence(cluster, institute, school):
    both = ProgramFactory(cluster=cluster, lead_organization=institute, competences=["digital", "stem"])
    EnrollmentFactory(program=both, organization=school, person=PersonFactory(organization=school),
                      status="completed")
    EnrollmentFactory(program=both, organization=school, person=PersonFactory(organization=school),
                      status="withdrawn")
    assert selectors.trained_by_competence(cluster=cluster) == {"digital": 1, "stem": 1}
