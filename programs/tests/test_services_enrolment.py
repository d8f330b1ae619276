import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.tests.factories import OrganizationRoleFactory, PersonFactory, UserFactory
from programs import selectors, services
from programs.models import Enrollment
from programs.tests.conftest import rate
from programs.tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def enrol(cluster, actor, program, person):
    return services.enroll(cluster=cluster, actor=actor, program_id=program.pk, person_id=person.pk)


def statuses(cluster, program):
    return {e.person.full_name: (e.status, e.waitlist_position)
            for e in Enrollment.objects.for_cluster(cluster).filter(program=program).select_related("person")}


def test_admin_enrols_staff_until_full_then_the_waiting_list(cluster, org_admin, program, teachers):
    made = [enrol(cluster, org_admin, program, t) for t in teachers[:5]]
    assert [e.status for e in made] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [e.waitlist_position for e in made[3:]] == [1, 2]
    assert made[0].enrolled_by == org_admin and made[0].organization_id == teachers[0].organization_id


def test_withdrawal_moves_the_head_of_the_waiting_list_up(cluster, org_admin, program, teachers):
    made = [enrol(cluster, org_admin, program, t) for t in teachers[:5]]
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=made[1].pk, reason="Ill")
    assert statuses(cluster, program) == {
        "Teacher 00": ("confirmed", None), "Teacher 01": ("withdrawn", None), "Teacher 02": ("confirmed", None),
        "Teacher 03": ("confirmed", None), "Teacher 04": ("waitlisted", 1)}
    # Leaving the waiting list frees no place: nobody moves.
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=made[4].pk)
    assert Enrollment.objects.for_cluster(cluster).filter(program=program, status="confirmed").count() == 3


def test_withdrawn_person_can_enrol_again(cluster, org_admin, program, teachers):
    first = enrol(cluster, org_admin, program, teachers[0])
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=first.pk)
    assert enrol(cluster, org_admin, program, teachers[0]).status == "confirmed"


def test_reserved_places_go_to_priority_teachers(cluster, school, org_admin, red_school, red_admin, institute):
    # 4 places, 50 % reserved: 2 for teachers of red or yellow schools (School No. 44 is red in
    # the latest period).
    program = ProgramFactory(cluster=cluster, lead_organization=institute, capacity=4, priority_share=50)
    regular = [PersonFactory(organization=school, full_name=f"Regular {n}") for n in range(4)]
    priority = [PersonFactory(organization=red_school, full_name=f"Priority {n}") for n in range(3)]
    made = {p.full_name: enrol(cluster, org_admin, program, p) for p in regular}
    # Two unreserved places for the first two; the other two wait although two places are free.
    assert [made[f"Regular {n}"].status for n in range(4)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert not any(e.priority for e in made.values())
    made.update({p.full_name: enrol(cluster, red_admin, program, p) for p in priority})
    assert made["Priority 0"].priority and made["Priority 0"].status == "confirmed"
    assert made["Priority 1"].status == "confirmed"
    assert made["Priority 2"].status == "waitlisted" and made["Priority 2"].waitlist_position == 3
    # A priority teacher leaves: the reserved place goes to the next priority teacher, though two
    # others are ahead of her on the list.
    services.withdraw(cluster=cluster, actor=red_admin, enrollment_id=made["Priority 0"].pk)
    got = statuses(cluster, program)
    assert got["Priority 2"] == ("confirmed", None)
    assert got["Regular 2"] == ("waitlisted", 1) and got["Regular 3"] == ("waitlisted", 2)
    # A regular teacher leaves: an unreserved place, so the head of the list moves up.
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=made["Regular 0"].pk)
    got = statuses(cluster, program)
    assert got["Regular 2"] == ("confirmed", None) and got["Regular 3"] == ("waitlisted", 1)


def test_reserve_is_released_when_the_programme_starts(cluster, org_admin, institute, institute_admin, teachers):
    program = ProgramFactory(cluster=cluster, lead_organization=institute, capacity=2, priority_share=50,
                             start_date=datetime.date.today(), end_date=datetime.date.today())
    from programs.tests.factories import SessionFactory

    SessionFactory(program=program)
    made = [enrol(cluster, org_admin, program, t) for t in teachers[:2]]
    assert [e.status for e in made] == ["confirmed", "waitlisted"]
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk, to_status="running")
    made[1].refresh_from_db()
    assert made[1].status == "confirmed" and made[1].waitlist_position is None


def test_only_the_latest_rating_period_makes_a_priority(cluster, org_admin, school, red_school, program, teachers):
    rate(school, datetime.date(2025, 1, 1), "red")  # an older period: not a priority any more
    rate(school, datetime.date(2025, 9, 1), "green")
    assert not enrol(cluster, org_admin, program, teachers[0]).priority
    assert selectors.is_priority_organization(cluster=cluster, organization_id=red_school.pk)


def test_person_applies_and_admin_confirms(cluster, org_admin, school, program):
    user = UserFactory(username="teacher")
    OrganizationRoleFactory(organization=school, user=user, role="staff")
    person = PersonFactory(organization=school, user=user, full_name="Malika Yusupova")
    application = services.apply(cluster=cluster, actor=user, program_id=program.pk)
    assert application.status == "applied" and application.person == person
    confirmed = services.confirm_application(cluster=cluster, actor=org_admin, enrollment_id=application.pk)
    assert confirmed.status == "confirmed" and confirmed.confirmed_at
    assert list(selectors.my_enrollments(cluster=cluster, user=user)) == [application]
    # The person withdraws themself.
    services.withdraw(cluster=cluster, actor=user, enrollment_id=application.pk)
    assert Enrollment.objects.for_cluster(cluster).get(pk=application.pk).status == "withdrawn"


def test_staff_cannot_confirm_their_own_application(cluster, school, program):
    user = UserFactory(username="teacher")
    OrganizationRoleFactory(organization=school, user=user, role="staff")
    PersonFactory(organization=school, user=user)
    application = services.apply(cluster=cluster, actor=user, program_id=program.pk)
    with pytest.raises(PermissionDenied):
        services.confirm_application(cluster=cluster, actor=user, enrollment_id=application.pk)
    assert Enrollment.objects.for_cluster(cluster).get(pk=application.pk).status == "applied"


def message(excinfo, field):
    return excinfo.value.message_dict[field]


def test_double_enrolment_is_refused(cluster, org_admin, program, teachers):
    enrol(cluster, org_admin, program, teachers[0])
    with pytest.raises(ValidationError) as excinfo:
        enrol(cluster, org_admin, program, teachers[0])
    assert message(excinfo, "person") == ["Teacher 00 is already enrolled in this programme (confirmed)."]


def test_person_of_another_organization_is_refused(cluster, org_admin, program, red_school):
    stranger = PersonFactory(organization=red_school)
    with pytest.raises(ValidationError) as excinfo:
        enrol(cluster, org_admin, program, stranger)
    assert message(excinfo, "person") == ["You can enrol only people of the organizations you administer."]
    assert not Enrollment.objects.for_cluster(cluster).exists()


def test_person_of_another_cluster_is_unknown(cluster, coordinator, program, other_school):
    stranger = PersonFactory(organization=other_school)
    with pytest.raises(ValidationError) as excinfo:
        enrol(cluster, coordinator, program, stranger)
    assert message(excinfo, "person") == ["Unknown person: choose a person of this cluster."]


def test_programme_not_open_is_refused(cluster, org_admin, institute, teachers):
    planned = ProgramFactory(cluster=cluster, lead_organization=institute, status="planned")
    with pytest.raises(ValidationError) as excinfo:
        enrol(cluster, org_admin, planned, teachers[0])
    assert message(excinfo, "program") == ["The programme is not open for enrolment (it is planned)."]


def test_account_without_a_person_cannot_apply(cluster, org_admin, program):
    with pytest.raises(ValidationError) as excinfo:
        services.apply(cluster=cluster, actor=org_admin, program_id=program.pk)
    assert message(excinfo, "person") == ["Your account is not linked to a person of this cluster."]


def test_confirming_twice_is_refused(cluster, org_admin, program, teachers):
    enrollment = enrol(cluster, org_admin, program, teachers[0])
    with pytest.raises(ValidationError) as excinfo:
        services.confirm_application(cluster=cluster, actor=org_admin, enrollment_id=enrollment.pk)
    assert message(excinfo, "status") == [
        "Only an application awaiting confirmation can be confirmed; this enrolment is confirmed."]


def test_withdrawing_twice_is_refused(cluster, org_admin, program, teachers):
    enrollment = enrol(cluster, org_admin, program, teachers[0])
    services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=enrollment.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.withdraw(cluster=cluster, actor=org_admin, enrollment_id=enrollment.pk)
    assert message(excinfo, "status") == ["An enrolment that is withdrawn cannot be withdrawn."]


def test_staff_cannot_enrol(cluster, school, program, teachers):
    staff = OrganizationRoleFactory(organization=school, user=UserFactory(username="staff1"), role="staff").user
    with pytest.raises(PermissionDenied):
        enrol(cluster, staff, program, teachers[0])


def test_another_clusters_programme_does_not_exist(cluster, other_cluster, coordinator, teachers):
    foreign = ProgramFactory(lead_organization__cluster=other_cluster)
    with pytest.raises(Enrollment.program.field.related_model.DoesNotExist):
        enrol(cluster, coordinator, foreign, teachers[0])


def test_another_clusters_enrollment_does_not_exist(cluster, other_cluster, coordinator):
    from programs.tests.factories import EnrollmentFactory

    foreign = EnrollmentFactory(program__lead_organization__cluster=other_cluster)
    with pytest.raises(Enrollment.DoesNotExist):
        services.withdraw(cluster=cluster, actor=coordinator, enrollment_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.status == "confirmed"
