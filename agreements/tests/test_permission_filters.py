"""The agreements lists narrowed to what a user may read (permissions.visible_agreement_filter).

Each list is checked as tests/query_shape.py says.
"""

from __future__ import annotations

import pytest

from agreements import permissions, selectors
from agreements.tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    AgreementPartyFactory,
    ObligationFactory,
)
from cluster_platform.tenancy import roles_for
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from tests.query_shape import api, api_ids, assert_costs_like_the_coordinator, assert_one_statement_filter, captured


@pytest.fixture
def university(cluster):
    return OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Pedagogical University")


@pytest.fixture
def lyceum(cluster):
    return OrganizationFactory(cluster=cluster, name="Lyceum No. 3")


@pytest.fixture
def staff(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


class Rows:
    """Agreements the school is party to (seen by its people) and agreements between two other
    members (not seen by them), each with an obligation of its first party."""

    def __init__(self, cluster, school, university, lyceum):
        self.cluster, self.school, self.university, self.lyceum = cluster, school, university, lyceum
        self.visible, self.hidden = [], []

    def _agreement(self, first, second):
        agreement = AgreementFactory(cluster=self.cluster)
        party = AgreementPartyFactory(agreement=agreement, organization=first)
        AgreementPartyFactory(agreement=agreement, organization=second)
        ObligationFactory(party=party)
        return agreement

    def add(self, visible: int, hidden: int = 2):
        self.visible += [self._agreement(self.school, self.university) for _ in range(visible)]
        self.hidden += [self._agreement(self.university, self.lyceum) for _ in range(hidden)]


@pytest.fixture
def rows(cluster, school, university, lyceum):
    return Rows(cluster, school, university, lyceum)


# --- (a) who sees what --------------------------------------------------------------------------

@pytest.mark.parametrize("reader", ["org_admin", "staff"])
def test_the_people_of_a_party_see_its_agreements_and_obligations_and_no_others(request, cluster, rows, reader):
    rows.add(3)
    user = request.getfixturevalue(reader)
    visible = {a.pk for a in rows.visible}
    assert {a.pk for a in selectors.agreement_list(cluster=cluster, roles=roles_for(user, cluster))} == visible
    assert api_ids(user, f"/api/v1/c/{cluster.slug}/agreements/") == visible
    obligations = api(user).get(f"/api/v1/c/{cluster.slug}/obligations/", {"page_size": 500}).data["results"]
    assert {row["agreement"] for row in obligations} == visible and len(obligations) == 3


def test_coordinators_and_authorities_see_every_agreement(cluster, rows, coordinator, authority):
    rows.add(3)
    every = {a.pk for a in rows.visible + rows.hidden}
    for user in (coordinator, authority):
        assert api_ids(user, f"/api/v1/c/{cluster.slug}/agreements/") == every
        assert len(api_ids(user, f"/api/v1/c/{cluster.slug}/obligations/")) == len(every)


def test_an_expert_without_an_organization_sees_no_agreement(cluster, rows, expert):
    rows.add(3)
    assert not selectors.agreement_list(cluster=cluster, roles=roles_for(expert, cluster)).exists()
    assert not permissions.visible_agreements(cluster, roles_for(expert, cluster)).exists()


def test_the_party_filter_keeps_to_the_visible_agreements(cluster, rows, org_admin, university):
    rows.add(3)
    path = f"/api/v1/c/{cluster.slug}/agreements/?party={university.pk}"
    # The university is party to the hidden agreements too: the filter does not reveal them.
    assert api_ids(org_admin, path) == {a.pk for a in rows.visible}


def test_documents_of_an_agreement_the_reader_may_not_see_are_not_listed(cluster, rows, org_admin, media_root):
    rows.add(1, hidden=1)
    AgreementDocumentFactory(agreement=rows.hidden[0])
    document = AgreementDocumentFactory(agreement=rows.visible[0])
    roles = roles_for(org_admin, cluster)
    assert not selectors.document_list(cluster=cluster, roles=roles, agreement_id=rows.hidden[0].pk).exists()
    assert [d.pk for d in selectors.document_list(cluster=cluster, roles=roles, agreement_id=rows.visible[0].pk)] \
        == [document.pk]


# --- (b) statements that do not grow, (c) the filter is a subquery of the list's statement ---

LISTS = {
    "browser": ("/c/{slug}/agreements/", "agreements_agreement"),
    "api-agreements": ("/api/v1/c/{slug}/agreements/", "agreements_agreement"),
    "api-obligations": ("/api/v1/c/{slug}/obligations/", "agreements_obligation"),
}


@pytest.mark.parametrize("name", LISTS)
def test_the_filtered_list_costs_what_the_coordinators_costs(request, client, cluster, rows, coordinator, org_admin,
                                                              name):
    path, table = LISTS[name]
    path = path.format(slug=cluster.slug)
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for reader in ("coordinator", "org_admin"):
            user = request.getfixturevalue(reader)
            if name == "browser":
                client.force_login(user)
                response, statements = captured(lambda: client.get(path))
            else:
                api_client = api(user)
                response, statements = captured(lambda: api_client.get(path))
            assert response.status_code == 200
            counts[reader, len(rows.visible)] = len(statements)
            if reader == "org_admin":
                assert_one_statement_filter(statements, table)
    assert_costs_like_the_coordinator(counts)


def test_the_document_list_costs_what_the_coordinators_costs(request, cluster, rows, coordinator, org_admin,
                                                             media_root):
    rows.add(1)
    agreement = rows.visible[0]
    path = f"/api/v1/c/{cluster.slug}/agreements/{agreement.pk}/documents/"
    counts = {}
    for added in (3, 27):
        for _ in range(added):
            AgreementDocumentFactory(agreement=agreement)
        for reader in ("coordinator", "org_admin"):
            user = request.getfixturevalue(reader)
            api_client = api(user)
            response, statements = captured(lambda: api_client.get(path))
            assert response.status_code == 200
            counts[reader, agreement.documents.count()] = len(statements)
            if reader == "org_admin":
                assert_one_statement_filter(statements, "agreements_agreementdocument")
    assert_costs_like_the_coordinator(counts)
