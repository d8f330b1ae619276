"""any_of: an arm of an OR that narrows a list by a subquery of the same statement."""

from __future__ import annotations

from django.db.models import Q

from cluster_platform.permission_filters import any_of
from members.models import Organization, Person
from members.tests.factories import OrganizationFactory, PersonFactory
from tests.query_shape import ANY_OF, captured


def test_it_keeps_the_rows_the_subquery_names_in_one_statement(cluster, other_cluster):
    with_people = [OrganizationFactory(cluster=cluster) for _ in range(3)]
    without = OrganizationFactory(cluster=cluster, name="Lyceum No. 3")
    for organization in with_people:
        PersonFactory(organization=organization)
    PersonFactory(organization=OrganizationFactory(cluster=other_cluster))
    people = Person.objects.for_cluster(cluster).values("organization_id")
    organizations = Organization.objects.for_cluster(cluster).filter(any_of("pk", people))
    rows, statements = captured(lambda: {organization.pk for organization in organizations})
    assert rows == {organization.pk for organization in with_people}
    assert len(statements) == 1 and ANY_OF in statements[0]
    # An arm of an OR, the way the permission filters use it.
    either = Organization.objects.for_cluster(cluster).filter(Q(name=without.name) | any_of("pk", people))
    assert {organization.pk for organization in either} == rows | {without.pk}


def test_an_empty_subquery_keeps_nothing(cluster):
    OrganizationFactory(cluster=cluster)
    nobody = Person.objects.for_cluster(cluster).filter(full_name="Nobody").values("organization_id")
    assert not Organization.objects.for_cluster(cluster).filter(any_of("pk", nobody)).exists()
