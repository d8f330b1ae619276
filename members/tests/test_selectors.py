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


class TestPersonSearch:
    """selectors.person_search: the term anywhere in four columns or the organization's name."""

    @pytest.fixture
    def staff(self, cluster, school):
        from members.tests.factories import PersonFactory

        return {
            "name": PersonFactory(cluster=cluster, organization=school, full_name="Dilnoza Karimova"),
            "position": PersonFactory(cluster=cluster, organization=school, full_name="A", position="Deputy HEAD"),
            "subject": PersonFactory(cluster=cluster, organization=school, full_name="B", subject="Chemistry"),
            "email": PersonFactory(cluster=cluster, organization=school, full_name="C", email="c.teacher@maktab.uz"),
            "literal": PersonFactory(cluster=cluster, organization=school, full_name="100% ready_set"),
        }

    def found(self, cluster, term):
        from members.models import Person

        return set(selectors.person_search(Person.objects.for_cluster(cluster), term).values_list("pk", flat=True))

    def test_each_column_matches_in_any_case(self, cluster, staff):
        assert self.found(cluster, "karimov") == {staff["name"].pk}
        assert self.found(cluster, "deputy head") == {staff["position"].pk}
        assert self.found(cluster, "CHEMI") == {staff["subject"].pk}
        assert self.found(cluster, "@maktab") == {staff["email"].pk}

    def test_the_organization_name_matches_its_people(self, cluster, school, staff):
        assert self.found(cluster, school.name.upper()) == {person.pk for person in staff.values()}

    def test_the_search_function_answers_for_the_current_cluster_alone(self, cluster, other_cluster, staff):
        from django.db import connection

        from cluster_platform import rls
        from members.tests.factories import OrganizationFactory, PersonFactory

        PersonFactory(cluster=other_cluster, organization=OrganizationFactory(cluster=other_cluster),
                      full_name="Dilnoza Karimova")
        assert self.found(cluster, "karimov") == {staff["name"].pk}
        # Migration 0015's function reads past the policy: it applies the policy's condition itself.
        matched = ("SELECT id FROM members_person WHERE ctid = ANY(ARRAY("
                   "SELECT members_person_match_tids(%s, %s, '{}')))")
        with rls.cluster_scope(cluster.pk), connection.cursor() as cursor:
            cursor.execute("SELECT members_person_match_tids(%s, %s, '{}')", [other_cluster.pk, "%karimov%"])
            assert cursor.fetchall() == []
            cursor.execute(matched, [cluster.pk, "%KARIMOV%"])
            assert cursor.fetchall() == [(staff["name"].pk,)]
        with rls.platform_scope(), connection.cursor() as cursor:
            cursor.execute(matched, [other_cluster.pk, "%karimov%"])
            assert len(cursor.fetchall()) == 1  # the platform's own reads: any cluster

    def test_wildcards_in_the_term_are_literal(self, cluster, staff):
        assert self.found(cluster, "0% r") == {staff["literal"].pk}
        assert self.found(cluster, "y_s") == {staff["literal"].pk}
        assert self.found(cluster, "%") == {staff["literal"].pk}
        assert self.found(cluster, "_") == {staff["literal"].pk}
