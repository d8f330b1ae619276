"""Positions on the waiting list are 1..n without gaps after every change, in the list's order:
joining it, leaving it for a place (the head, or a priority teacher from the middle), withdrawing
from it, more places, the reserve released when the programme runs."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from members.tests.factories import OrganizationRoleFactory, PersonFactory, UserFactory
from programs import services
from programs.models import Enrollment
from programs.services.enrolments import renumber_waitlist
from programs.tests.factories import EnrollmentFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def enrol(cluster, actor, program, person):
    return services.enroll(cluster=cluster, actor=actor, program_id=program.pk, person_id=person.pk)


def waiting(cluster, program) -> list[tuple[str, int]]:
    """The waiting list as (name, position), in its order."""
    return list(
        Enrollment.objects.for_cluster(cluster).filter(program=program, status="waitlisted")
        .order_by("waitlist_position", "id").values_list("person__full_name", "waitlist_position")
    )


@pytest.fixture
def full(cluster, org_admin, program, teachers):
    """The 3 places of the programme taken by Teachers 00-02; Teachers 03, 04, 05 wait."""
    made = [enrol(cluster, org_admin, program, t) for t in teachers[:6]]
    assert waiting(cluster, program) == [("Teacher 03", 1), ("Teacher 04", 2), ("Teacher 05", 3)]
    return made


def test_the_second_withdraws_from_the_list_and_the_third_becomes_second(cluster, org_admin, program, full):
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=full[4].pk)
    assert waiting(cluster, program) == [("Teacher 03", 1), ("Teacher 05", 2)]
    # Nobody else changed: the places are as they were.
    assert Enrollment.objects.for_cluster(cluster).filter(program=program, status="confirmed").count() == 3


def test_a_freed_place_moves_the_head_up_and_the_rest_close_up(cluster, org_admin, program, full):
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=full[0].pk)
    head = Enrollment.objects.for_cluster(cluster).get(pk=full[3].pk)
    assert head.status == "confirmed" and head.waitlist_position is None
    assert waiting(cluster, program) == [("Teacher 04", 1), ("Teacher 05", 2)]


def test_a_new_person_joins_the_end_of_a_renumbered_list(cluster, org_admin, program, full, teachers):
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=full[3].pk)
    late = enrol(cluster, org_admin, program, teachers[6])
    assert late.status == "waitlisted" and late.waitlist_position == 3
    assert waiting(cluster, program) == [("Teacher 04", 1), ("Teacher 05", 2), ("Teacher 06", 3)]


def test_a_priority_teacher_moving_up_from_the_middle_keeps_the_list_contiguous_and_in_order(
        cluster, school, org_admin, red_school, red_admin, institute):
    # 4 places, 50 % reserved for priority teachers (School No. 44 is red).
    program = ProgramFactory(cluster=cluster, lead_organization=institute, capacity=4, priority_share=50)
    regular = [PersonFactory(organization=school, full_name=f"Regular {n}") for n in range(5)]
    priority = [PersonFactory(organization=red_school, full_name=f"Priority {n}") for n in range(3)]
    made = {p.full_name: enrol(cluster, org_admin, program, p) for p in regular[:2]}
    made.update({p.full_name: enrol(cluster, red_admin, program, p) for p in priority[:2]})  # the reserve
    made.update({p.full_name: enrol(cluster, org_admin, program, p) for p in regular[2:4]})
    made["Priority 2"] = enrol(cluster, red_admin, program, priority[2])
    made["Regular 4"] = enrol(cluster, org_admin, program, regular[4])
    assert waiting(cluster, program) == [("Regular 2", 1), ("Regular 3", 2), ("Priority 2", 3), ("Regular 4", 4)]

    # A priority teacher leaves: the reserve is unfilled, so Priority 2 moves ahead of the head.
    services.withdraw(cluster=cluster, actor=red_admin, enrollment_id=made["Priority 0"].pk)
    assert Enrollment.objects.for_cluster(cluster).get(pk=made["Priority 2"].pk).status == "confirmed"
    assert waiting(cluster, program) == [("Regular 2", 1), ("Regular 3", 2), ("Regular 4", 3)]

    # A regular teacher leaves: an unreserved place, the head moves up and the rest close up.
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=made["Regular 0"].pk)
    assert waiting(cluster, program) == [("Regular 3", 1), ("Regular 4", 2)]


def test_a_confirmed_application_joins_the_end_of_the_list(cluster, school, org_admin, program, full):
    user = UserFactory(username="malika")
    OrganizationRoleFactory(organization=school, user=user, role="staff")
    PersonFactory(organization=school, user=user, full_name="Malika Yusupova")
    application = services.apply(cluster=cluster, actor=user, program_id=program.pk)
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=full[3].pk)
    confirmed = services.confirm_application(cluster=cluster, actor=org_admin, enrollment_id=application.pk)
    assert confirmed.status == "waitlisted" and confirmed.waitlist_position == 3
    assert waiting(cluster, program) == [("Teacher 04", 1), ("Teacher 05", 2), ("Malika Yusupova", 3)]


def test_more_places_move_people_up_and_the_rest_close_up(cluster, institute_admin, program, full):
    services.program_update(cluster=cluster, actor=institute_admin, program_id=program.pk, capacity=5)
    assert waiting(cluster, program) == [("Teacher 05", 1)]


def test_the_reserve_released_at_the_start_renumbers_the_rest(cluster, org_admin, institute, institute_admin,
                                                               teachers):
    today = datetime.date.today()
    program = ProgramFactory(cluster=cluster, lead_organization=institute, capacity=2, priority_share=50,
                             start_date=today, end_date=today)
    SessionFactory(program=program)
    [enrol(cluster, org_admin, program, t) for t in teachers[:4]]
    assert waiting(cluster, program) == [("Teacher 01", 1), ("Teacher 02", 2), ("Teacher 03", 3)]
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk, to_status="running")
    assert waiting(cluster, program) == [("Teacher 02", 1), ("Teacher 03", 2)]


def test_cancelling_the_programme_clears_every_position(cluster, institute_admin, program, full):
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                to_status="cancelled", reason="The trainer is ill")
    assert waiting(cluster, program) == []
    assert not Enrollment.objects.for_cluster(cluster).filter(waitlist_position__isnull=False).exists()


def test_a_list_with_gaps_is_healed_in_its_order_on_the_next_change(cluster, org_admin, program, school):
    """Rows written before positions were kept contiguous (or by hand) close up at the next change,
    in their order: position first, then who came first."""
    for n in range(3):
        EnrollmentFactory(program=program, person=PersonFactory(organization=school, full_name=f"Holder {n}"))
    people = {name: PersonFactory(organization=school, full_name=name) for name in ("Ali", "Bobur", "Kamola", "Dina")}
    rows = {name: EnrollmentFactory(program=program, person=person, status="waitlisted", waitlist_position=position)
            for (name, person), position in zip(people.items(), (4, 9, 9, 2), strict=True)}
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=rows["Ali"].pk)
    assert waiting(cluster, program) == [("Dina", 1), ("Bobur", 2), ("Kamola", 3)]


def test_renumbering_is_one_statement_that_touches_only_this_programme(
        cluster, other_cluster, program, school, institute, django_assert_num_queries):
    other_program = ProgramFactory(cluster=cluster, lead_organization=institute)
    foreign = EnrollmentFactory(program__lead_organization__cluster=other_cluster, status="waitlisted",
                                waitlist_position=7)
    for position in (3, 5, 8):
        EnrollmentFactory(program=program, person=PersonFactory(organization=school), status="waitlisted",
                          waitlist_position=position)
    elsewhere = EnrollmentFactory(program=other_program, person=PersonFactory(organization=school),
                                  status="waitlisted", waitlist_position=4)
    with django_assert_num_queries(1):
        changed = renumber_waitlist(cluster=cluster, program=program)
    assert sorted(changed.values()) == [1, 2, 3]
    assert [p for _, p in waiting(cluster, program)] == [1, 2, 3]
    elsewhere.refresh_from_db()
    foreign.refresh_from_db()
    assert elsewhere.waitlist_position == 4 and foreign.waitlist_position == 7
    # Already contiguous: nothing to write.
    assert renumber_waitlist(cluster=cluster, program=program) == {}


def test_a_refused_withdrawal_leaves_the_positions_alone(cluster, program, full, authority, institute_admin):
    # Both read the enrolment; neither acts for the person.
    for reader in (authority, institute_admin):
        with pytest.raises(PermissionDenied):
            services.withdraw(cluster=cluster, actor=reader, enrollment_id=full[3].pk)
    assert waiting(cluster, program) == [("Teacher 03", 1), ("Teacher 04", 2), ("Teacher 05", 3)]


def test_the_enrolments_page_shows_the_closed_up_positions(client, cluster, org_admin, institute_admin, program,
                                                           full):
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=full[3].pk)
    client.force_login(institute_admin)
    page = client.get(reverse("program_enrollments", args=[cluster.slug, program.pk]))
    waiting_rows = [row["enrollment"] for section in page.context["sections"] if section["status"] == "waitlisted"
                    for row in section["rows"]]
    assert [(e.person.full_name, e.waitlist_position) for e in waiting_rows] == [("Teacher 04", 1),
                                                                                 ("Teacher 05", 2)]
