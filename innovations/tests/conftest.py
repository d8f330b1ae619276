import pytest

from members.tests.factories import (
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)


@pytest.fixture
def origin(cluster):
    return OrganizationFactory(cluster=cluster, name="School No. 7", kind="school")


@pytest.fixture
def origin_admin(origin):
    return OrganizationRoleFactory(organization=origin, user=UserFactory(username="originadmin"), role="admin").user


@pytest.fixture
def author(origin):
    """A teacher of the origin school with a user account (staff role)."""
    user = UserFactory(username="author")
    OrganizationRoleFactory(organization=origin, user=user, role="staff")
    return PersonFactory(organization=origin, full_name="Dilnoza Karimova", user=user)


@pytest.fixture
def experts(cluster):
    """Three experts of the cluster, from a university that is not the origin."""
    university = OrganizationFactory(cluster=cluster, name="Tashkent State Pedagogical University",
                                     kind="pedagogical_university")
    users = []
    for n in range(3):
        user = UserFactory(username=f"expert{n}")
        ClusterRoleFactory(cluster=cluster, user=user, role="expert")
        PersonFactory(organization=university, full_name=f"Expert {n}", user=user)
        users.append(user)
    return users
