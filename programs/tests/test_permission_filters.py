"""The enrolment lists narrowed to what a user may read (permissions.enrollment_scope): the
lead organization's admins read their programmes' enrolments, an organization's admins their
own people's, a person their own.

Each list is checked as tests/query_shape.py says.
"""

from __future__ import annotations

import pytest

from cluster_platform.tenancy import roles_for
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from programs import selectors
from programs.tests.factories import EnrollmentFactory, ProgramFactory
from tests.query_shape import (
    ANY_OF,
    api,
    api_ids,
    assert_costs_like_the_coordinator,
    assert_one_statement_filter,
    captured,
)


@pytest.fixture
def lyceum(cluster):
    return OrganizationFactory(cluster=cluster, name="Lyceum No. 3")


@pytest.fixture
def university(cluster):
    return OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Pedagogical University")


@pytest.fixture
def teacher(cluster, lyceum):
    """A teacher of the lyceum with an account: a staff role there, and their person record."""
    user = OrganizationRoleFactory(organization=lyceum, user=UserFactory(username="teacher"), role="staff").user
    PersonFactory(organization=lyceum, user=user, full_name="Teacher With Account")
    return user


class Rows:
    """The school's teachers in the institute's programme (read by the school's admins and the
    institute's), and the lyceum's teachers in the university's programme (read by neither)."""

    def __init__(self, institute, university, school, lyceum):
        self.program = ProgramFactory(lead_organization=institute, capacity=500)
        self.other_program = ProgramFactory(lead_organization=university, capacity=500)
        self.school, self.lyceum = school, lyceum
        self.visible, self.hidden = [], []

    def add(self, visible: int, hidden: int = 2):
        self.visible += [EnrollmentFactory(program=self.program, person=PersonFactory(organization=self.school))
                         for _ in range(visible)]
        self.hidden += [EnrollmentFactory(program=self.other_program, person=PersonFactory(organization=self.lyceum))
                        for _ in range(hidden)]


@pytest.fixture
def rows(institute, university, school, lyceum):
    return Rows(institute, university, school, lyceum)


def pks(objects) -> set[int]:
    return {obj.pk for obj in objects}


# --- (a) who reads what -------------------------------------------------------------------------

def test_admins_read_their_programmes_and_their_people_and_no_others(cluster, rows, org_admin, institute_admin,
                                                                     coordinator, authority):
    rows.add(3)
    path = f"/api/v1/c/{cluster.slug}/enrollments/"
    assert api_ids(org_admin, path) == pks(rows.visible)
    assert api_ids(institute_admin, path) == pks(rows.visible)
    assert api_ids(coordinator, path) == api_ids(authority, path) == pks(rows.visible + rows.hidden)


def test_a_person_reads_their_own_enrolments_only(cluster, rows, teacher):
    rows.add(3)
    own = EnrollmentFactory(program=rows.other_program, person=selectors.person_for_user(cluster=cluster, user=teacher))
    path = f"/api/v1/c/{cluster.slug}/enrollments/"
    assert api_ids(teacher, path) == {own.pk}
    assert api_ids(teacher, path, mine="true") == {own.pk}
    assert pks(selectors.enrollment_list(cluster=cluster, roles=roles_for(teacher, cluster))) == {own.pk}


def test_an_expert_without_a_person_record_reads_no_enrolment(cluster, rows, expert):
    rows.add(3)
    assert not selectors.enrollment_list(cluster=cluster, roles=roles_for(expert, cluster)).exists()


# --- (b) statements that do not grow, (c) the filter is a subquery of the list's statement ---

@pytest.mark.parametrize("reader", ["org_admin", "institute_admin"])
def test_the_enrolment_list_costs_what_the_coordinators_costs(request, cluster, rows, coordinator, reader):
    path = f"/api/v1/c/{cluster.slug}/enrollments/"
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for who in ("coordinator", reader):
            user = request.getfixturevalue(who)
            api_client = api(user)
            response, statements = captured(lambda: api_client.get(path))
            assert response.status_code == 200
            counts["coordinator" if who == "coordinator" else "reader", len(rows.visible)] = len(statements)
            if who != "coordinator":
                assert_one_statement_filter(statements, "programs_enrollment", subquery=ANY_OF)
    assert_costs_like_the_coordinator(counts)


def test_a_programmes_enrolment_page_costs_what_the_coordinators_costs(client, cluster, rows, coordinator,
                                                                        org_admin):
    path = f"/c/{cluster.slug}/programs/{rows.program.pk}/enrollments/"
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for who, user in (("coordinator", coordinator), ("reader", org_admin)):
            client.force_login(user)
            response, statements = captured(lambda: client.get(path))
            assert response.status_code == 200
            counts[who, len(rows.visible)] = len(statements)
            if who == "reader":
                assert_one_statement_filter(statements, "programs_enrollment", subquery=ANY_OF)
    assert_costs_like_the_coordinator(counts)
