"""The innovation lists narrowed to what a user may see: permissions.visible_innovations (the
co-authors' django-guardian grants, pilot sites, assigned experts), visible_innovation_filter
(pilots and adoptions of those innovations), review_scope (whose reviews a reader sees) and
selectors.my_innovations.

Each list is checked as tests/query_shape.py says.
"""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from cluster_platform.tenancy import Roles, roles_for
from innovations import permissions, selectors
from innovations.models import Innovation, Pilot
from innovations.tests.factories import AdoptionFactory, ExpertReviewFactory, InnovationFactory, PilotFactory
from members.tests.factories import ClusterRoleFactory, OrganizationFactory, OrganizationRoleFactory, UserFactory
from tests.query_shape import (
    api,
    EXISTS,
    ANY_OF,
    assert_costs_like_the_coordinator,
    assert_one_statement_filter,
    captured,
)

Stage = Innovation.Stage


@pytest.fixture
def lyceum(cluster):
    return OrganizationFactory(cluster=cluster, name="Lyceum No. 3")


@pytest.fixture
def coauthor(lyceum):
    """A teacher of the lyceum who co-authors some of the origin school's innovations: they see
    those by the grant alone."""
    return OrganizationRoleFactory(organization=lyceum, user=UserFactory(username="coauthor"), role="staff").user


@pytest.fixture
def other_expert(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="otherexpert"), role="expert").user


class Rows:
    """Innovations of the origin school under revision (seen by its people only): those the
    co-author holds the grant on and the expert reviewed, and as many again seen by neither.
    Each with a pilot, an adoption and a submitted review of its decided round."""

    def __init__(self, origin, lyceum, coauthor, expert, other_expert):
        self.origin, self.lyceum, self.coauthor = origin, lyceum, coauthor
        self.expert, self.other_expert = expert, other_expert
        self.visible, self.hidden = [], []

    def _innovation(self, reviewer):
        innovation = InnovationFactory(origin_organization=self.origin, stage=Stage.REVISION_REQUESTED)
        PilotFactory(innovation=innovation)
        AdoptionFactory(innovation=innovation)
        ExpertReviewFactory(innovation=innovation, expert=reviewer, scores=4)
        return innovation

    def add(self, visible: int, hidden: int = 2):
        for _ in range(visible):
            innovation = self._innovation(self.expert)
            assign_perm(permissions.AUTHOR, self.coauthor, innovation)
            self.visible.append(innovation)
        self.hidden += [self._innovation(self.other_expert) for _ in range(hidden)]


@pytest.fixture
def rows(origin, lyceum, coauthor, expert, other_expert):
    return Rows(origin, lyceum, coauthor, expert, other_expert)


def api_rows(user, path, **params) -> list[dict]:
    response = api(user).get(path, {"page_size": 500, **params})
    assert response.status_code == 200
    return response.data["results"]


def pks(objects) -> set[int]:
    return {obj.pk for obj in objects}


# --- (a) who sees what --------------------------------------------------------------------------

def test_a_coauthor_sees_the_innovations_of_their_grants_and_no_others(cluster, rows, coauthor):
    rows.add(3)
    roles = roles_for(coauthor, cluster)
    assert pks(permissions.visible_innovations(cluster, roles)) == pks(rows.visible)
    assert pks(selectors.my_innovations(cluster, roles)) == pks(rows.visible)
    base = f"/api/v1/c/{cluster.slug}"
    assert {row["id"] for row in api_rows(coauthor, f"{base}/innovations/")} == pks(rows.visible)
    for name in ("pilots", "adoptions"):
        assert {row["innovation"] for row in api_rows(coauthor, f"{base}/{name}/")} == pks(rows.visible)
    # The authors' side reads the decided round's reviews of their innovations only.
    assert {row["innovation"] for row in api_rows(coauthor, f"{base}/reviews/")} == pks(rows.visible)


def test_the_origins_people_see_every_innovation_of_theirs(cluster, rows, origin_admin):
    rows.add(3)
    assert pks(permissions.visible_innovations(cluster, roles_for(origin_admin, cluster))) \
        == pks(rows.visible + rows.hidden)


def test_an_expert_sees_the_innovations_and_reviews_assigned_to_them(cluster, rows, expert):
    rows.add(3)
    roles = roles_for(expert, cluster)
    assert pks(permissions.visible_innovations(cluster, roles)) == pks(rows.visible)
    reviews = api_rows(expert, f"/api/v1/c/{cluster.slug}/reviews/")
    assert {row["innovation"] for row in reviews} == pks(rows.visible) and len(reviews) == 3


def test_a_pilot_site_sees_the_innovation_and_its_pilots(cluster, rows, lyceum):
    rows.add(1)
    site_admin = OrganizationRoleFactory(organization=lyceum, user=UserFactory(username="siteadmin"), role="admin").user
    pilot = PilotFactory(innovation=rows.hidden[0], organization=lyceum)
    roles = roles_for(site_admin, cluster)
    assert pks(permissions.visible_innovations(cluster, roles)) == {rows.hidden[0].pk}
    pilots = api_rows(site_admin, f"/api/v1/c/{cluster.slug}/pilots/")
    assert pilot.pk in {row["id"] for row in pilots}
    assert {row["innovation"] for row in pilots} == {rows.hidden[0].pk}


def test_someone_with_no_role_sees_nothing(cluster, rows):
    rows.add(1)
    assert not permissions.visible_innovations(cluster, Roles()).exists()
    pilots = Pilot.objects.for_cluster(cluster).filter(permissions.visible_innovation_filter(cluster, Roles()))
    assert not pilots.exists()


# --- (b) statements that do not grow, (c) the filter is a subquery of the list's statement ---

LISTS = {
    # name: (path, the table of its rows, the non-coordinator reader, the subquery that narrows
    # the list: the grants are an arm of an OR on innovations and reviews, the condition itself
    # on pilots and adoptions, and an expert's peers are found with an EXISTS)
    "browser-list": ("/c/{slug}/innovations/", "innovations_innovation", "coauthor", ANY_OF),
    "browser-mine": ("/c/{slug}/innovations/mine/", "innovations_innovation", "coauthor", ANY_OF),
    "api-innovations": ("/api/v1/c/{slug}/innovations/", "innovations_innovation", "coauthor", ANY_OF),
    "api-pilots": ("/api/v1/c/{slug}/pilots/", "innovations_pilot", "coauthor", EXISTS),
    "api-adoptions": ("/api/v1/c/{slug}/adoptions/", "innovations_adoption", "coauthor", EXISTS),
    "api-reviews-authors": ("/api/v1/c/{slug}/reviews/", "innovations_expertreview", "coauthor", ANY_OF),
    "api-reviews-expert": ("/api/v1/c/{slug}/reviews/", "innovations_expertreview", "expert", EXISTS),
}


@pytest.mark.parametrize("name", LISTS)
def test_the_filtered_list_costs_what_the_coordinators_costs(request, client, cluster, rows, coordinator, name):
    path, table, reader, subquery = LISTS[name]
    path = path.format(slug=cluster.slug)
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for who in ("coordinator", reader):
            user = request.getfixturevalue(who)
            if name.startswith("browser"):
                client.force_login(user)
                response, statements = captured(lambda: client.get(path))
            else:
                api_client = api(user)
                response, statements = captured(lambda: api_client.get(path))
            assert response.status_code == 200
            counts["coordinator" if who == "coordinator" else "reader", len(rows.visible)] = len(statements)
            if who != "coordinator":
                assert_one_statement_filter(statements, table, subquery=subquery)
    assert_costs_like_the_coordinator(counts)
