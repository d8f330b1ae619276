import pytest
from django.http import Http404

from cluster_platform.tenancy import UnscopedQueryError, resolve_cluster, roles_for
from members.models import Organization
from members.tests.factories import PersonFactory


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


def test_a_users_roles_across_clusters_are_not_scoped_by_the_user(school, org_admin, other_school):
    from members.tests.factories import OrganizationRoleFactory

    OrganizationRoleFactory(organization=other_school, user=org_admin, role="staff")
    with pytest.raises(UnscopedQueryError):
        list(org_admin.organization_roles.all())
    assert org_admin.organization_roles.for_cluster(school.cluster).count() == 1


def test_the_admin_site_is_for_platform_superusers_only(client, school, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("staffer", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client.force_login(staff)
    assert client.get("/admin/members/organization/").status_code == 302
    admin_user = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    response = client.get("/admin/members/organization/")
    assert response.status_code == 200 and school.name in response.content.decode()
    assert client.get(f"/admin/members/organization/{school.pk}/delete/").status_code == 403


def test_a_superuser_creates_a_cluster_in_the_admin_and_invites_its_coordinator(
        client, django_user_model, django_capture_on_commit_callbacks, mailoutbox):
    from members.models import Cluster, Invitation

    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/members/cluster/add/", {
            "name": "Fergana valley cluster", "slug": "fergana-region", "region": "Fergana region",
            "goals": "", "languages": "uz,ru", "is_active": "on", "coordinator_email": "head@fergana.example.org",
        })
    assert response.status_code == 302
    cluster = Cluster.objects.get(slug="fergana-region")
    assert Invitation.objects.for_cluster(cluster).get().cluster_role == "coordinator"
    assert mailoutbox[0].to == ["head@fergana.example.org"]


def test_the_cluster_query_is_built_once_and_read_for_each_slug_and_user(
        cluster, other_cluster, coordinator, org_admin, school, django_assert_num_queries):
    """find_cluster runs one query, built once per shape (a PreparedQuery) and given the slug
    and the user each time: every caller gets its own cluster, roles and switcher."""
    from django.contrib.auth.models import AnonymousUser

    from cluster_platform import tenancy
    from members.tests.factories import ClusterRoleFactory

    ClusterRoleFactory(cluster=other_cluster, user=coordinator, role="coordinator")
    found = tenancy.find_cluster(cluster.slug, coordinator)
    built = len(tenancy._CLUSTER_QUERY._compiled)
    with django_assert_num_queries(1):
        again = tenancy.find_cluster(other_cluster.slug, org_admin)
    assert len(tenancy._CLUSTER_QUERY._compiled) == built
    assert found == cluster and roles_for(coordinator, cluster).is_coordinator
    assert found.user_clusters == sorted([cluster, other_cluster], key=lambda row: row.name)
    assert again == other_cluster and not roles_for(org_admin, other_cluster).any
    assert [c.slug for c in again.user_clusters] == [cluster.slug]
    assert tenancy.find_cluster(cluster.slug, AnonymousUser()) == cluster
    assert tenancy.find_cluster("no-such-cluster", coordinator) is None
