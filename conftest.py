"""Fixtures shared by every test: two clusters and the three kinds of user in each test
(a coordinator and an organization admin of cluster A, and an outsider from cluster B)."""

import pytest

from members.tests.factories import (
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    UserFactory,
)


@pytest.fixture
def cluster(db):
    return ClusterFactory(slug="tashkent-test", name="Tashkent test cluster")


@pytest.fixture
def other_cluster(db):
    return ClusterFactory(slug="samarkand-test", name="Samarkand test cluster")


@pytest.fixture
def coordinator(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord"), role="coordinator").user


@pytest.fixture
def authority(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="auth"), role="authority").user


@pytest.fixture
def expert(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="exp"), role="expert").user


@pytest.fixture
def school(cluster):
    return OrganizationFactory(cluster=cluster, name="School No. 1", tax_id="100000001")


@pytest.fixture
def org_admin(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schooladmin"), role="admin").user


@pytest.fixture
def outsider(other_cluster):
    """A coordinator, but of the other cluster."""
    return ClusterRoleFactory(cluster=other_cluster, user=UserFactory(username="outsider"), role="coordinator").user


@pytest.fixture
def other_school(other_cluster):
    return OrganizationFactory(cluster=other_cluster, name="Samarkand School No. 7", tax_id="200000007")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
