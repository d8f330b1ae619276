"""The people lists narrowed to whose details a user may read (selectors.person_list_visible):
coordinators and authorities read everyone, organization admins and staff their colleagues,
experts no one.

The narrowing is `organization_id IN (...)` over the user's own organizations, taken from the
roles already loaded: a handful of ids that do not grow with the data, so no EXISTS is needed.
What holds it to one statement is checked as for the other permission-filtered lists: the right
rows, as many statements as the coordinator's list or one more whatever the number of rows,
and no long list of literal ids.
"""

from __future__ import annotations

import pytest

from cluster_platform.tenancy import roles_for
from members import selectors
from members.tests.factories import OrganizationFactory, PersonFactory
from tests.query_shape import api, api_ids, assert_costs_like_the_coordinator, assert_one_statement_filter, captured


@pytest.fixture
def lyceum(cluster):
    return OrganizationFactory(cluster=cluster, name="Lyceum No. 3")


class Rows:
    def __init__(self, school, lyceum):
        self.school, self.lyceum = school, lyceum
        self.visible, self.hidden = [], []

    def add(self, visible: int, hidden: int = 2):
        self.visible += [PersonFactory(organization=self.school) for _ in range(visible)]
        self.hidden += [PersonFactory(organization=self.lyceum) for _ in range(hidden)]


@pytest.fixture
def rows(school, lyceum):
    return Rows(school, lyceum)


def pks(objects) -> set[int]:
    return {obj.pk for obj in objects}


def test_an_admin_reads_their_colleagues_and_no_one_else(cluster, rows, org_admin, coordinator, authority, expert):
    rows.add(3)
    path = f"/api/v1/c/{cluster.slug}/people/"
    assert api_ids(org_admin, path) == pks(rows.visible)
    assert api_ids(coordinator, path) == api_ids(authority, path) == pks(rows.visible + rows.hidden)
    assert api_ids(expert, path) == set()
    assert not selectors.person_list_visible(cluster=cluster, roles=roles_for(expert, cluster)).exists()


@pytest.mark.parametrize("path", ["/c/{slug}/people/", "/api/v1/c/{slug}/people/"])
def test_the_people_list_costs_what_the_coordinators_costs(client, cluster, rows, coordinator, org_admin, path):
    path = path.format(slug=cluster.slug)
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for who, user in (("coordinator", coordinator), ("reader", org_admin)):
            if path.startswith("/api/"):
                api_client = api(user)
                response, statements = captured(lambda: api_client.get(path))
            else:
                client.force_login(user)
                response, statements = captured(lambda: client.get(path))
            assert response.status_code == 200
            counts[who, len(rows.visible)] = len(statements)
            if who == "reader":
                assert_one_statement_filter(statements, "members_person", subquery=None)
    assert_costs_like_the_coordinator(counts)
