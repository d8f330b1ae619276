import pytest
from django.http import Http404

from cluster_platform.tenancy import UnscopedQueryError, resolve_cluster, roles_for
from members.models import Organization, Person
from members.tests.factories import OrganizationFactory, PersonFactory


def test_an_unscoped_tenant_query_raises(school):
    with pytest.raises(UnscopedQueryError):
        list(Organization.objects.all())
    with pytest.raises(UnscopedQueryError):
        Organization.objects.filter(name="School No. 1").count()
    with pytest.raises(UnscopedQueryError):
        Organization.objects.filter(pk=school.pk).update(name="x")
    with pytest.raises(UnscopedQueryError):
        Organization.objects.exists()


def test_a_scoped_query_returns_only_its_cluster(school, other_school, cluster):
    assert list(Organization.objects.for_cluster(cluster)) == [school]


def test_for_cluster_without_a_cluster_raises(db):
    with pytest.raises(UnscopedQueryError):
        Organization.objects.for_cluster(None)


def test_related_querysets_of_a_loaded_object_are_scoped_by_it(school):
    PersonFactory(organization=school)
    assert school.people.count() == 1
    loaded = Organization.objects.for_cluster(school.cluster).prefetch_related("people").get(pk=school.pk)
    assert len(loaded.people.all()) == 1


def test_unscoped_is_the_explicit_platform_path(school, other_school):
    assert Organization.objects.unscoped().count() == 2


def test_an_or_filter_does_not_count_as_scoping(school, other_school, cluster):
    from django.db.models import Q

    with pytest.raises(UnscopedQueryError):
        list(Organization.objects.filter(Q(cluster=cluster) | Q(name="x")))


def test_resolve_cluster_answers_404_without_a_role(cluster, other_cluster, coordinator, outsider):
    assert resolve_cluster(coordinator, cluster.slug)[0] == cluster
    with pytest.raises(Http404):
        resolve_cluster(outsider, cluster.slug)
    with pytest.raises(Http404):
        resolve_cluster(coordinator, "no-such-cluster")


def test_organization_admins_have_a_role_in_their_cluster(cluster, school, org_admin):
    roles = roles_for(org_admin, cluster)
    assert roles.any and roles.is_org_admin(school.pk) and not roles.is_coordinator
