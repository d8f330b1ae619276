"""Row-level security, the database's own fence around each cluster (cluster_platform/rls.py).

These queries skip the ORM's cluster filter on purpose (raw SQL, the base manager): what they
still cannot see is what the database itself keeps from them."""

import pytest
from celery import shared_task
from django.apps import apps
from django.db import IntegrityError, ProgrammingError, connection, transaction

from cluster_platform import rls
from cluster_platform.celery import cluster_argument
from cluster_platform.tenancy import find_cluster
from members.models import Organization
from members.tests.factories import ClusterRoleFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def names():
    return {name for (name,) in rows("SELECT name FROM members_organization")}


def setting(name):
    return rows("SELECT coalesce(current_setting(%s, true), '')", [name])[0][0]


@pytest.fixture
def two(cluster, other_cluster):
    return OrganizationFactory(cluster=cluster, name="Ours"), OrganizationFactory(cluster=other_cluster, name="Theirs")


def test_the_platform_connects_as_a_role_that_row_level_security_holds():
    ((user, superuser, bypass),) = rows(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert not superuser and not bypass
    assert user == rls.app_role()
    owned = rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user")
    assert owned == []


def test_every_table_with_a_cluster_key_has_the_policy():
    with connection.cursor() as cursor:
        tables = set(rls.tenant_tables(cursor))
    protected = {name for (name,) in rows(
        "SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
        "AND p.schemaname = current_schema() AND p.policyname = %s "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relrowsecurity", [rls.POLICY])}
    assert tables <= protected
    # Every tenant model's table is among them, audit events and per-object grants included.
    models = {model._meta.db_table for model in apps.get_models() if any(
        field.name == "cluster" and field.is_relation for field in model._meta.concrete_fields)}
    assert models <= tables
    assert {"members_organization", "members_organizationevent", "innovations_innovationusergrant"} <= tables


def test_an_unscoped_query_in_a_cluster_sees_and_changes_only_that_cluster(cluster, two):
    ours, theirs = two
    with rls.cluster_scope(cluster.pk):
        assert names() == {"Ours"}
        assert {o.name for o in Organization._base_manager.all()} == {"Ours"}  # no ORM filter either
        assert rows("SELECT count(*) FROM members_organization WHERE id = %s", [theirs.pk]) == [(0,)]
        with connection.cursor() as cursor:
            cursor.execute("UPDATE members_organization SET name = 'Taken' WHERE id = %s", [theirs.pk])
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM members_organization WHERE id = %s", [theirs.pk])
            assert cursor.rowcount == 0
        # A row may not be written into another cluster either.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            rows("UPDATE members_organization SET cluster_id = %s WHERE id = %s", [theirs.cluster_id, ours.pk])
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_with_no_cluster_set_no_tenant_row_is_visible(two):
    with connection.cursor() as cursor:
        tables = rls.tenant_tables(cursor)
    assert rows("SELECT count(*) FROM members_organization")[0][0] >= 2  # the tests' platform scope
    with rls.cluster_scope(None):
        for table in tables:
            assert rows(f'SELECT count(*) FROM "{table}"') == [(0,)], table
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            OrganizationFactory(cluster=two[0].cluster)


def test_scopes_nest_and_put_the_previous_one_back(cluster, other_cluster, two):
    with rls.cluster_scope(cluster.pk):
        with rls.platform_scope():
            assert names() == {"Ours", "Theirs"}
        assert names() == {"Ours"}
        with rls.cluster_scope(other_cluster.pk):
            assert names() == {"Theirs"}
        assert (setting(rls.CLUSTER), setting(rls.PLATFORM)) == (str(cluster.pk), "")
    assert setting(rls.PLATFORM) == "on"


def test_unscoped_querysets_are_the_platform_path(cluster, two):
    with rls.cluster_scope(cluster.pk):
        assert set(Organization.objects.unscoped().values_list("name", flat=True)) == {"Ours", "Theirs"}
        assert Organization.objects.unscoped().count() == 2
        assert sorted(o.name for o in Organization.objects.unscoped().order_by("name").iterator()) == ["Ours", "Theirs"]
        assert names() == {"Ours"}  # and only for their own evaluation


@pytest.mark.django_db(transaction=True)
def test_a_request_transaction_sets_its_cluster_and_it_ends_with_the_transaction(cluster, other_cluster):
    OrganizationFactory(cluster=cluster, name="Ours")
    OrganizationFactory(cluster=other_cluster, name="Theirs")
    with rls.cluster_scope(None):
        with transaction.atomic():
            assert find_cluster(cluster.slug) == cluster
            assert names() == {"Ours"}
        assert setting(rls.CLUSTER) == ""  # committed: nothing left on the connection
        assert names() == set()
        assert find_cluster("no-such-cluster") is None


@pytest.mark.django_db(transaction=True)
def test_a_real_request_sees_its_cluster_only_and_leaves_nothing_behind(client, cluster, other_cluster):
    """No test transaction around it: the request is its own transaction (ATOMIC_REQUESTS)."""
    both = UserFactory(username="both-clusters")
    ClusterRoleFactory(cluster=cluster, user=both, role="coordinator")
    ClusterRoleFactory(cluster=other_cluster, user=both, role="coordinator")
    OrganizationFactory(cluster=cluster, name="Ours")
    OrganizationFactory(cluster=other_cluster, name="Theirs")
    client.force_login(both)
    page = client.get(f"/c/{cluster.slug}/organizations/")
    assert page.status_code == 200
    assert b"Ours" in page.content and b"Theirs" not in page.content
    # The home page lists both clusters before either is chosen (members_user_cluster_ids).
    home = client.get("/")
    assert cluster.name.encode() in home.content and other_cluster.name.encode() in home.content


@shared_task(name="tests.rls_probe")
def probe(cluster_id=None):
    return sorted(Organization._base_manager.values_list("name", flat=True))


def test_a_task_sees_the_cluster_it_was_given_and_no_other(cluster, other_cluster, two):
    assert probe.apply(kwargs={"cluster_id": cluster.pk}).get() == ["Ours"]
    assert probe.apply(args=[other_cluster.pk]).get() == ["Theirs"]
    assert probe.apply().get() == []  # no cluster: nothing, until the task opens a scope itself
    assert names() == {"Ours", "Theirs"}  # and the caller's scope is back


def test_the_cluster_argument_is_found_by_name_or_position():
    assert cluster_argument(probe, (), {"cluster_id": 7}) == 7
    assert cluster_argument(probe, (8,), {}) == 8
    assert cluster_argument(probe, (), {}) is None


def test_the_beat_goes_over_the_clusters_one_scope_at_a_time(cluster, other_cluster, two):
    seen = {c.slug: names() for c in rls.active_clusters()}
    assert seen[cluster.slug] == {"Ours"} and seen[other_cluster.slug] == {"Theirs"}


def test_a_duplicate_in_another_cluster_is_still_caught_by_the_constraints(cluster, other_cluster):
    """Row-level security hides rows, not uniqueness: constraints still see every row."""
    OrganizationFactory(cluster=other_cluster, tax_id="300000001")
    with rls.cluster_scope(cluster.pk):
        OrganizationFactory(cluster=cluster, tax_id="300000001")  # per-cluster uniqueness: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFactory(cluster=other_cluster, tax_id="300000001")
