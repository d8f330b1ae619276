"""Enrolments racing from several database connections at once: the programme row lock keeps
its places and the one-active-enrolment rule, whatever the interleaving."""

import pytest
from django.core.exceptions import ValidationError

from members.tests.factories import PersonFactory
from programs import services
from programs.models import Enrollment
from programs.tests.factories import ProgramFactory
from tests.concurrency import race

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_never_exceed_the_places(cluster, school, org_admin):
    program = ProgramFactory(cluster=cluster, capacity=3, lead_organization__cluster=cluster)
    people = [PersonFactory(organization=school) for _ in range(THREADS)]
    outcomes = race([
        (lambda person=person: services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk,
                                               person_id=person.pk))
        for person in people
    ])
    assert all(isinstance(o, Enrollment) for o in outcomes), outcomes
    enrollments = Enrollment.objects.for_cluster(cluster).filter(program=program)
    assert enrollments.filter(status="confirmed").count() == 3
    assert sorted(enrollments.filter(status="waitlisted").values_list("waitlist_position", flat=True)) == [
        1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_enrolment_makes_one(cluster, school, org_admin):
    program = ProgramFactory(cluster=cluster, capacity=3, lead_organization__cluster=cluster)
    person = PersonFactory(organization=school, full_name="Aziz Karimov")
    outcomes = race([
        (lambda: services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=person.pk))
        for _ in range(THREADS)
    ])
    made = [o for o in outcomes if isinstance(o, Enrollment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(made) == 1 and len(refused) == THREADS - 1, outcomes
    assert all(e.message_dict["person"][0].startswith("Aziz Karimov is already enrolled") for e in refused)
    assert Enrollment.objects.for_cluster(cluster).filter(program=program).count() == 1
