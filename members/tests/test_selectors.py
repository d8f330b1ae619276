import datetime

import pytest

from members import selectors, services
from members.tests.factories import ClusterRoleFactory, OrganizationFactory, OrganizationRoleFactory

pytestmark = pytest.mark.django_db


def test_organization_list_filters_within_the_cluster(cluster, other_cluster):
    OrganizationFactory(cluster=cluster, name="Angren school 3", district="Angren")
    OrganizationFactory(cluster=cluster, name="Chirchik college", kind="college", district="Chirchik")
    OrganizationFactory(cluster=other_cluster, name="Angren lookalike", district="Angren")
    names = lambda **f: sorted(o.name for o in selectors.organization_list(cluster=cluster, filters=f))  # noqa: E731
    assert names(district="Angren") == ["Angren school 3"]
    assert names(kind="college") == ["Chirchik college"]
    assert names(q="angren") == ["Angren school 3"]
    assert names() == ["Angren school 3", "Chirchik college"]


def test_rating_filter_uses_the_latest_rating(cluster, coordinator, school):
    services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                  period=datetime.date(2025, 3, 1), colour="red", score=30)
    services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                  period=datetime.date(2025, 9, 1), colour="yellow", score=60)
    assert list(selectors.organization_list(cluster=cluster, filters={"rating": "yellow"})) == [school]
    assert list(selectors.organization_list(cluster=cluster, filters={"rating": "red"})) == []
    assert selectors.rating_counts(cluster=cluster) == {"yellow": 1}


def test_user_clusters_lists_every_cluster_with_a_role(cluster, other_cluster, org_admin):
    ClusterRoleFactory(cluster=other_cluster, user=org_admin, role="expert")
    assert list(selectors.user_clusters(user=org_admin)) == sorted([cluster, other_cluster], key=lambda c: c.name)


def test_roles_of_a_withdrawn_organization_give_no_access(cluster, school, org_admin, coordinator):
    services.organization_withdraw(cluster=cluster, actor=coordinator, organization_id=school.pk, reason="Closed")
    assert not selectors.user_roles(user=org_admin, cluster=cluster).any


def test_members_by_kind_and_status_is_one_aggregate(cluster, django_assert_num_queries):
    for _ in range(3):
        OrganizationFactory(cluster=cluster)
    OrganizationFactory(cluster=cluster, kind="enterprise", status="suspended")
    with django_assert_num_queries(1):
        rows = selectors.members_by_kind_and_status(cluster=cluster)
    assert {(r["kind"], r["status"], r["count"]) for r in rows} == {
        ("school", "active", 3), ("enterprise", "suspended", 1)}


def test_organization_detail_loads_its_page_in_a_fixed_number_of_queries(cluster, school,
                                                                          django_assert_num_queries):
    for _ in range(4):
        OrganizationRoleFactory(organization=school, role="staff")
    with django_assert_num_queries(5):
        org = selectors.organization_detail(cluster=cluster, pk=school.pk)
        [role.user.username for role in org.roles.all()]
        list(org.people.all()), list(org.ratings.all()), list(org.status_changes.all())
