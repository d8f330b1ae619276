"""The agreements REST API: /api/v1/c/<cluster_slug>/agreements/ and .../obligations/.

Users as in the root conftest: a coordinator, an authority, an expert and the admin of
`school` in cluster A (`cluster`), and `outsider`, a coordinator of cluster B. `make_agreement`
(agreements/tests/conftest.py) creates a draft between `university` and `school`. Every
refused write also checks that the data did not change.
"""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agreements import services
from agreements.models import Agreement, AgreementDocument, AgreementParty, AgreementTransition, Obligation
from agreements.tests.factories import AgreementDocumentFactory
from agreements.tests.test_documents import make_docx, make_pdf, make_png
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

S = Agreement.Status
AGREEMENT_TABLES = (Agreement, AgreementParty, AgreementTransition, Obligation, AgreementDocument)


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def tables(cluster) -> dict:
    """Every agreements row of a cluster, to assert that nothing changed."""
    return {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values())
            for model in AGREEMENT_TABLES}


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


@pytest.fixture
def college(cluster):
    return OrganizationFactory(cluster=cluster, kind="college", name="Chirchik College")


@pytest.fixture
def college_admin(college):
    """An organization admin whose organization is party to none of the agreements."""
    return OrganizationRoleFactory(organization=college, user=UserFactory(username="collegeadmin"), role="admin").user


@pytest.fixture
def agreement(make_agreement):
    return make_agreement()


@pytest.fixture
def negotiated(cluster, coordinator, agreement):
    return services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                         to_status=S.NEGOTIATION)


def party_of(agreement, organization) -> AgreementParty:
    return AgreementParty.objects.for_cluster(agreement.cluster).get(agreement=agreement, organization=organization)


def create_body(*organizations, **overrides) -> dict:
    body = {
        "title": "Dual education in mathematics",
        "kind": "dual_education",
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        "description": "Shared lessons",
        "parties": [{"organization": org.pk, "role": "partner"} for org in organizations],
    }
    body.update(overrides)
    return body


# --- Reading --------------------------------------------------------------------------------


class TestList:
    @pytest.mark.parametrize("role", ["coordinator", "authority", "org_admin"])
    def test_coordinators_authorities_and_party_admins_see_the_agreement(self, role, request, cluster, agreement,
                                                                          university, school):
        response = client_for(request.getfixturevalue(role)).get(url(cluster, "agreements"))
        assert response.status_code == 200
        assert response.data["count"] == 1 and ids(response) == [agreement.pk]
        row = response.data["results"][0]
        assert row["number"] == agreement.number and row["status"] == "draft" and row["kind"] == "internship"
        assert [(p["organization"], p["organization_name"], p["role"]) for p in row["parties"]] == [
            (university.pk, university.name, "initiator"), (school.pk, school.name, "partner"),
        ]

    @pytest.mark.parametrize("role", ["expert", "college_admin"])
    def test_experts_and_admins_of_non_party_organizations_see_nothing(self, role, request, cluster, agreement):
        response = client_for(request.getfixturevalue(role)).get(url(cluster, "agreements"))
        assert response.status_code == 200
        assert response.data["count"] == 0

    def test_filters(self, cluster, coordinator, make_agreement, university, school, college):
        memo = make_agreement(kind="memorandum", parties=[{"organization_id": university.pk},
                                                          {"organization_id": college.pk}])
        internship = make_agreement()
        services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=internship.pk,
                                      to_status=S.NEGOTIATION)
        client = client_for(coordinator)

        def listed(**params):
            response = client.get(url(cluster, "agreements"), params)
            assert response.status_code == 200, response.data
            return sorted(ids(response))

        assert listed(kind="memorandum") == [memo.pk]
        assert listed(status="negotiation") == [internship.pk]
        assert listed(party=college.pk) == [memo.pk]
        assert listed(party=school.pk) == [internship.pk]
        assert listed(party=university.pk) == sorted([memo.pk, internship.pk])

    def test_expiring_within_lists_active_agreements_ending_soon(self, cluster, coordinator, make_agreement):
        today = timezone.localdate()
        start = today - datetime.timedelta(days=30)
        soon = make_agreement(start_date=start, end_date=today + datetime.timedelta(days=10))
        later = make_agreement(start_date=start, end_date=today + datetime.timedelta(days=90))
        Agreement.objects.for_cluster(cluster).filter(pk__in=[soon.pk, later.pk]).update(status=S.ACTIVE)
        response = client_for(coordinator).get(url(cluster, "agreements"), {"expiring_within": 30})
        assert ids(response) == [soon.pk]

    def test_an_organization_of_another_cluster_matches_nothing(self, cluster, coordinator, agreement, other_school):
        response = client_for(coordinator).get(url(cluster, "agreements"), {"party": other_school.pk})
        assert response.status_code == 200 and response.data["count"] == 0

    def test_an_invalid_filter_value_names_the_filter(self, cluster, coordinator):
        response = client_for(coordinator).get(url(cluster, "agreements"), {"status": "lost", "party": "x"})
        assert response.status_code == 400
        assert set(response.data) == {"status", "party"}

    def test_ordering_with_the_id_breaking_ties(self, cluster, coordinator, make_agreement):
        first, second, third = (make_agreement() for _ in range(3))
        client = client_for(coordinator)
        assert ids(client.get(url(cluster, "agreements"))) == [third.pk, second.pk, first.pk]
        assert ids(client.get(url(cluster, "agreements"), {"ordering": "number"})) == [first.pk, second.pk, third.pk]
        # Every start date is the same: the id decides, page after page.
        assert ids(client.get(url(cluster, "agreements"), {"ordering": "start_date"})) == [
            first.pk, second.pk, third.pk]
        page = client.get(url(cluster, "agreements"), {"ordering": "-end_date", "page_size": 2, "page": 2})
        assert page.data["count"] == 3 and ids(page) == [third.pk]


class TestRetrieve:
    def test_it_shows_parties_obligations_and_the_timeline(self, cluster, coordinator, negotiated, school):
        party = party_of(negotiated, school)
        obligation = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                             party_id=party.pk, description="Host two groups",
                                             due_date=datetime.date(2026, 6, 1))
        response = client_for(coordinator).get(url(cluster, "agreements", negotiated.pk))
        assert response.status_code == 200
        data = response.data
        assert data["status"] == "negotiation"
        school_party = next(p for p in data["parties"] if p["organization"] == school.pk)
        assert school_party == {
            "id": party.pk, "organization": school.pk, "organization_name": school.name, "role": "partner",
            "signatory": None, "signatory_name": None, "signed_on": None, "signed_by_name": "",
            "representatives": [],
        }
        assert [(o["id"], o["party"], o["description"], o["due_date"], o["status"]) for o in data["obligations"]] == [
            (obligation.pk, party.pk, "Host two groups", "2026-06-01", "open")]
        assert [(t["from_status"], t["to_status"], t["actor_username"]) for t in data["transitions"]] == [
            ("", "draft", "coord"), ("draft", "negotiation", "coord")]

    @pytest.mark.parametrize("role", ["expert", "college_admin", "outsider"])
    def test_those_who_may_not_see_it_get_404(self, role, request, cluster, agreement):
        response = client_for(request.getfixturevalue(role)).get(url(cluster, "agreements", agreement.pk))
        assert response.status_code == 404

    def test_another_clusters_id_is_404_through_ones_own_cluster(self, cluster, other_cluster, outsider, agreement):
        assert client_for(outsider).get(url(other_cluster, "agreements", agreement.pk)).status_code == 404


# --- Creating -------------------------------------------------------------------------------


class TestCreate:
    def test_a_coordinator_proposes_a_numbered_draft(self, cluster, coordinator, school, college):
        person = PersonFactory(organization=school)
        body = create_body(school, college)
        body["parties"][0].update(role="initiator", signatory=person.pk)
        response = client_for(coordinator).post(url(cluster, "agreements"), body, format="json")
        assert response.status_code == 201, response.data
        agreement = Agreement.objects.for_cluster(cluster).get(pk=response.data["id"])
        assert (agreement.title, agreement.kind, agreement.status) == ("Dual education in mathematics",
                                                                      "dual_education", S.DRAFT)
        assert response.data["number"] == agreement.number
        assert [(p["organization"], p["role"], p["signatory"]) for p in response.data["parties"]] == [
            (school.pk, "initiator", person.pk), (college.pk, "partner", None)]
        assert [t["to_status"] for t in response.data["transitions"]] == ["draft"]

    def test_an_organization_admin_proposes_with_its_own_organization(self, cluster, org_admin, school, college):
        response = client_for(org_admin).post(url(cluster, "agreements"), create_body(school, college), format="json")
        assert response.status_code == 201, response.data

    def test_an_organization_admin_cannot_propose_for_others(self, cluster, org_admin, university, college):
        before = tables(cluster)
        response = client_for(org_admin).post(url(cluster, "agreements"), create_body(university, college),
                                              format="json")
        assert response.status_code == 403
        assert tables(cluster) == before

    @pytest.mark.parametrize("role", ["authority", "expert"])
    def test_read_only_roles_are_refused_before_the_body_is_read(self, role, request, cluster, school, college):
        response = client_for(request.getfixturevalue(role)).post(url(cluster, "agreements"), {}, format="json")
        assert response.status_code == 403
        response = client_for(request.getfixturevalue(role)).post(url(cluster, "agreements"),
                                                                  create_body(school, college), format="json")
        assert response.status_code == 403
        assert not Agreement.objects.for_cluster(cluster).exists()

    def test_an_organization_of_another_cluster_is_refused_on_parties_and_nothing_is_saved(
            self, cluster, other_cluster, coordinator, school, other_school):
        response = client_for(coordinator).post(url(cluster, "agreements"), create_body(school, other_school),
                                                format="json")
        assert response.status_code == 400
        assert list(response.data) == ["parties"]
        assert not Agreement.objects.for_cluster(cluster).exists()
        assert not AgreementParty.objects.for_cluster(cluster).exists()
        assert not Agreement.objects.for_cluster(other_cluster).exists()

    def test_bad_input_names_the_fields(self, cluster, coordinator, school, college):
        client = client_for(coordinator)
        response = client.post(url(cluster, "agreements"), {"kind": "friendship", "start_date": "soon",
                                                            "parties": [{"role": "boss"}]}, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"title", "kind", "start_date", "end_date", "parties"}
        assert set(response.data["parties"][0]) == {"organization", "role"}

        response = client.post(url(cluster, "agreements"), create_body(school, college, end_date="2026-01-01"),
                               format="json")
        assert response.status_code == 400 and list(response.data) == ["end_date"]
        response = client.post(url(cluster, "agreements"), create_body(school), format="json")
        assert response.status_code == 400 and list(response.data) == ["parties"]
        response = client.post(url(cluster, "agreements"), {**create_body(school, college), "status": "active"},
                               format="json")
        assert response.status_code == 400 and list(response.data) == ["status"]
        assert not Agreement.objects.for_cluster(cluster).exists()


# --- Actions --------------------------------------------------------------------------------


class TestTransition:
    def test_a_party_admin_moves_a_draft_to_negotiation(self, cluster, org_admin, agreement):
        response = client_for(org_admin).post(url(cluster, "agreements", agreement.pk, "transition"),
                                              {"to_status": "negotiation", "comment": "Ready"}, format="json")
        assert response.status_code == 200, response.data
        assert response.data["status"] == "negotiation"
        assert response.data["transitions"][-1]["comment"] == "Ready"
        assert Agreement.objects.for_cluster(cluster).get(pk=agreement.pk).status == S.NEGOTIATION

    def test_a_coordinator_terminates_with_a_reason(self, cluster, coordinator, agreement):
        client = client_for(coordinator)
        path = url(cluster, "agreements", agreement.pk, "transition")
        response = client.post(path, {"to_status": "terminated"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["reason"]
        response = client.post(path, {"to_status": "terminated", "reason": "Programme closed"}, format="json")
        assert response.status_code == 200
        assert Agreement.objects.for_cluster(cluster).get(pk=agreement.pk).termination_reason == "Programme closed"

    def test_an_impossible_move_names_the_status(self, cluster, coordinator, agreement):
        before = tables(cluster)
        response = client_for(coordinator).post(url(cluster, "agreements", agreement.pk, "transition"),
                                                {"to_status": "active"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["status"]
        response = client_for(coordinator).post(url(cluster, "agreements", agreement.pk, "transition"),
                                                {"to_status": "lost"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["to_status"]
        assert tables(cluster) == before

    def test_a_party_admin_may_not_suspend_or_terminate(self, cluster, org_admin, agreement):
        before = tables(cluster)
        response = client_for(org_admin).post(url(cluster, "agreements", agreement.pk, "transition"),
                                              {"to_status": "terminated", "reason": "x"}, format="json")
        assert response.status_code == 403
        assert tables(cluster) == before


class TestSign:
    def test_a_party_admin_signs_for_its_own_party(self, cluster, org_admin, negotiated, school):
        party = party_of(negotiated, school)
        today = timezone.localdate()
        response = client_for(org_admin).post(url(cluster, "agreements", negotiated.pk, "sign"), {
            "party": party.pk, "signed_on": today.isoformat(), "signed_by_name": "Director Karimova",
        }, format="json")
        assert response.status_code == 200, response.data
        signed = next(p for p in response.data["parties"] if p["id"] == party.pk)
        assert (signed["signed_on"], signed["signed_by_name"]) == (today.isoformat(), "Director Karimova")

    def test_a_party_admin_may_not_sign_for_another_party(self, cluster, org_admin, negotiated, university):
        before = tables(cluster)
        response = client_for(org_admin).post(url(cluster, "agreements", negotiated.pk, "sign"), {
            "party": party_of(negotiated, university).pk, "signed_on": "2026-01-10", "signed_by_name": "Rector",
        }, format="json")
        assert response.status_code == 403
        assert tables(cluster) == before

    def test_bad_input_names_the_field(self, cluster, coordinator, negotiated, school, university):
        client = client_for(coordinator)
        path = url(cluster, "agreements", negotiated.pk, "sign")
        response = client.post(path, {"party": "one", "signed_on": "yesterday"}, format="json")
        assert response.status_code == 400 and set(response.data) == {"party", "signed_on"}
        future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
        response = client.post(path, {"party": party_of(negotiated, school).pk, "signed_on": future,
                                      "signed_by_name": "X"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["signed_on"]
        stranger = PersonFactory(organization=university)
        response = client.post(path, {"party": party_of(negotiated, school).pk, "signatory": stranger.pk,
                                      "signed_on": timezone.localdate().isoformat()}, format="json")
        assert response.status_code == 400 and list(response.data) == ["signatory"]
        assert not AgreementParty.objects.for_cluster(cluster).filter(signed_on__isnull=False).exists()


class TestRenew:
    def test_a_signed_agreement_is_renewed_as_a_new_draft(self, cluster, coordinator, negotiated):
        Agreement.objects.for_cluster(cluster).filter(pk=negotiated.pk).update(status=S.ACTIVE)
        response = client_for(coordinator).post(url(cluster, "agreements", negotiated.pk, "renew"),
                                                {"start_date": "2027-03-01", "end_date": "2028-02-29"},
                                                format="json")
        assert response.status_code == 201, response.data
        assert response.data["id"] != negotiated.pk
        assert (response.data["status"], response.data["renewal_of"]) == ("draft", negotiated.pk)
        assert len(response.data["parties"]) == 2

    def test_a_draft_cannot_be_renewed(self, cluster, coordinator, agreement):
        response = client_for(coordinator).post(url(cluster, "agreements", agreement.pk, "renew"),
                                                {"start_date": "2027-03-01", "end_date": "2028-02-29"},
                                                format="json")
        assert response.status_code == 400 and list(response.data) == ["status"]
        assert Agreement.objects.for_cluster(cluster).count() == 1

    def test_dates_are_named(self, cluster, coordinator, agreement):
        response = client_for(coordinator).post(url(cluster, "agreements", agreement.pk, "renew"), {},
                                                format="json")
        assert response.status_code == 400 and set(response.data) == {"start_date", "end_date"}


class TestObligations:
    def test_a_party_admin_adds_one_while_negotiating(self, cluster, org_admin, negotiated, school):
        party = party_of(negotiated, school)
        response = client_for(org_admin).post(url(cluster, "agreements", negotiated.pk, "obligations"), {
            "party": party.pk, "description": "Host two internship groups", "due_date": "2026-06-01",
        }, format="json")
        assert response.status_code == 201, response.data
        assert (response.data["party"], response.data["organization"], response.data["status"]) == (
            party.pk, school.pk, "open")
        assert Obligation.objects.for_cluster(cluster).get().description == "Host two internship groups"

    def test_bad_input_names_the_field(self, cluster, coordinator, negotiated, other_cluster):
        client = client_for(coordinator)
        path = url(cluster, "agreements", negotiated.pk, "obligations")
        response = client.post(path, {"due_date": "June"}, format="json")
        assert response.status_code == 400 and set(response.data) == {"party", "description", "due_date"}
        response = client.post(path, {"party": 999999, "description": "x", "due_date": "2026-06-01"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["party"]
        assert not Obligation.objects.for_cluster(cluster).exists()

    def test_the_list_is_filtered_and_follows_visibility(self, cluster, coordinator, org_admin, expert,
                                                         college_admin, negotiated, school, university):
        ours = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                       party_id=party_of(negotiated, school).pk, description="Ours",
                                       due_date=datetime.date(2026, 6, 1))
        theirs = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                         party_id=party_of(negotiated, university).pk, description="Theirs",
                                         due_date=datetime.date(2026, 5, 1))
        client = client_for(coordinator)
        assert ids(client.get(url(cluster, "obligations"))) == [theirs.pk, ours.pk]
        assert ids(client.get(url(cluster, "obligations"), {"organization": school.pk})) == [ours.pk]
        assert ids(client.get(url(cluster, "obligations"), {"agreement": negotiated.pk, "status": "open"})) == [
            theirs.pk, ours.pk]
        assert ids(client.get(url(cluster, "obligations"), {"status": "done"})) == []
        assert client.get(url(cluster, "obligations"), {"status": "lost"}).status_code == 400
        assert client_for(org_admin).get(url(cluster, "obligations")).data["count"] == 2
        assert client_for(expert).get(url(cluster, "obligations")).data["count"] == 0
        assert client_for(college_admin).get(url(cluster, "obligations")).data["count"] == 0

    def test_the_responsible_party_completes_its_own(self, cluster, coordinator, org_admin, negotiated, school,
                                                    university):
        ours = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                       party_id=party_of(negotiated, school).pk, description="Ours",
                                       due_date=datetime.date(2026, 6, 1))
        theirs = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                         party_id=party_of(negotiated, university).pk, description="Theirs",
                                         due_date=datetime.date(2026, 5, 1))
        client = client_for(org_admin)
        response = client.post(url(cluster, "obligations", ours.pk, "complete"))
        assert response.status_code == 200 and response.data["status"] == "done"
        response = client.post(url(cluster, "obligations", ours.pk, "complete"))
        assert response.status_code == 400 and list(response.data) == ["status"]
        before = tables(cluster)
        assert client.post(url(cluster, "obligations", theirs.pk, "complete")).status_code == 403
        assert tables(cluster) == before


# --- Refusals -------------------------------------------------------------------------------


def _every_write(cluster, agreement, party, obligation):
    return [
        (url(cluster, "agreements"), {"title": "Planted", "kind": "research", "start_date": "2026-01-01",
                                      "end_date": "2026-12-31", "parties": []}),
        (url(cluster, "agreements", agreement.pk, "transition"), {"to_status": "terminated", "reason": "x"}),
        (url(cluster, "agreements", agreement.pk, "sign"), {"party": party.pk, "signed_on": "2026-01-10",
                                                            "signed_by_name": "X"}),
        (url(cluster, "agreements", agreement.pk, "renew"), {"start_date": "2027-01-01", "end_date": "2027-12-31"}),
        (url(cluster, "agreements", agreement.pk, "obligations"), {"party": party.pk, "description": "x",
                                                                   "due_date": "2026-06-01"}),
        (url(cluster, "obligations", obligation.pk, "complete"), {}),
        (url(cluster, "agreements", agreement.pk, "documents"), {"kind": "draft"}),
    ]


@pytest.fixture
def obligation(cluster, coordinator, negotiated, school):
    return services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=negotiated.pk,
                                   party_id=party_of(negotiated, school).pk, description="Host",
                                   due_date=datetime.date(2026, 6, 1))


def test_an_authority_reads_everything_but_every_write_is_403_and_changes_nothing(
        cluster, authority, negotiated, school, obligation):
    client = client_for(authority)
    assert client.get(url(cluster, "agreements", negotiated.pk)).status_code == 200
    assert client.get(url(cluster, "obligations")).data["count"] == 1
    before = tables(cluster)
    for path, body in _every_write(cluster, negotiated, party_of(negotiated, school), obligation):
        response = client.post(path, body, format="json")
        assert response.status_code == 403, (path, response.data)
    assert tables(cluster) == before


def test_a_non_party_admin_and_an_expert_get_404_on_every_object_and_change_nothing(
        cluster, expert, college_admin, negotiated, school, obligation):
    before = tables(cluster)
    for user in (expert, college_admin):
        client = client_for(user)
        for path, body in _every_write(cluster, negotiated, party_of(negotiated, school), obligation)[1:]:
            response = client.post(path, body, format="json")
            assert response.status_code == 404, (user.username, path, response.data)
    assert tables(cluster) == before


def test_an_outsider_gets_404_everywhere_and_changes_nothing(
        cluster, other_cluster, outsider, negotiated, school, obligation):
    before = tables(cluster)
    client = client_for(outsider)
    assert client.get(url(cluster, "agreements")).status_code == 404
    assert client.get(url(cluster, "obligations")).status_code == 404
    assert client.get(url(other_cluster, "agreements", negotiated.pk)).status_code == 404
    party = party_of(negotiated, school)
    for target in (cluster, other_cluster):
        for path, body in _every_write(target, negotiated, party, obligation)[1:]:
            response = client.post(path, body, format="json")
            assert response.status_code == 404, (path, response.data)
    assert client.post(url(cluster, "agreements"), create_body(school, school), format="json").status_code == 404
    assert tables(cluster) == before


# --- Query counts ---------------------------------------------------------------------------

# Token (1), the cluster with the caller's roles (1, tenancy.find_cluster), and the page (1), which
# counts its list (pagination.count_in_query) and reads its parties (api_output.json_rows) too.
AGREEMENT_LIST_QUERIES = 3
OBLIGATION_LIST_QUERIES = 3


def _make_rows(cluster, coordinator, make_agreement, school, rows: int):
    for n in range(rows):
        agreement = make_agreement(title=f"Agreement {n}")
        party = party_of(agreement, school)
        person = PersonFactory(organization=school)
        AgreementParty.objects.for_cluster(cluster).filter(pk=party.pk).update(signatory=person)
        services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=agreement.pk, party_id=party.pk,
                                description=f"Duty {n}", due_date=datetime.date(2026, 6, 1))


def _count_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 500})
    assert response.status_code == 200
    return len(queries), response.data["count"]


@pytest.mark.parametrize("user", ["coordinator", "org_admin"])
def test_list_queries_are_the_same_for_3_and_20_agreements(user, request, cluster, coordinator, make_agreement,
                                                             school):
    client = token_client(request.getfixturevalue(user))
    counts = {}
    for rows, total in ((3, 3), (17, 20)):
        _make_rows(cluster, coordinator, make_agreement, school, rows)
        counts[total] = (_count_queries(client, url(cluster, "agreements")),
                         _count_queries(client, url(cluster, "obligations")))
    assert counts[3][0] == (AGREEMENT_LIST_QUERIES, 3) and counts[20][0] == (AGREEMENT_LIST_QUERIES, 20)
    assert counts[3][1] == (OBLIGATION_LIST_QUERIES, 3) and counts[20][1] == (OBLIGATION_LIST_QUERIES, 20)


def test_the_browsable_api_renders_and_options_offers_actions_to_those_allowed(cluster, coordinator, authority,
                                                                                agreement):
    client = APIClient()
    client.force_login(coordinator)
    for path in (url(cluster, "agreements"), url(cluster, "agreements", agreement.pk), url(cluster, "obligations"),
                 documents_url(cluster, agreement)):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
    sign = client_for(coordinator).options(url(cluster, "agreements", agreement.pk, "sign"))
    assert set(sign.data["actions"]["POST"]) == {"party", "signed_on", "signatory", "signed_by_name"}
    assert client_for(authority).options(url(cluster, "agreements")).data.get("actions", {}) == {}
    upload_options = client_for(coordinator).options(documents_url(cluster, agreement))
    assert set(upload_options.data["actions"]["POST"]) == {"kind", "file"}
    assert client_for(authority).options(documents_url(cluster, agreement)).data.get("actions", {}) == {}


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_lists_the_agreements_paths():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    expected = {
        "/api/v1/c/{cluster_slug}/agreements/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/transition/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/sign/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/renew/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/obligations/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/documents/",
        "/api/v1/c/{cluster_slug}/agreements/{id}/documents/{document_pk}/download/",
        "/api/v1/c/{cluster_slug}/obligations/",
        "/api/v1/c/{cluster_slug}/obligations/{id}/complete/",
    }
    assert expected <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/c/{cluster_slug}/agreements/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/c/{cluster_slug}/obligations/"]) == {"get"}
    documents = schema["paths"]["/api/v1/c/{cluster_slug}/agreements/{id}/documents/"]
    assert set(documents) == {"get", "post"}
    assert set(documents["post"]["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"kind", "page", "page_size"} <= {parameter["name"] for parameter in documents["get"]["parameters"]}


# --- Documents --------------------------------------------------------------------------------


def upload(cluster, actor, agreement, content=None, name="Draft.pdf", kind="draft"):
    return services.document_upload(cluster=cluster, actor=actor, agreement_id=agreement.pk, kind=kind,
                                    upload=SimpleUploadedFile(name, make_pdf() if content is None else content))


def stored_files(root) -> list[Path]:
    return sorted(path for path in Path(root).rglob("*") if path.is_file()) if Path(root).exists() else []


def documents_url(cluster, agreement) -> str:
    return url(cluster, "agreements", agreement.pk, "documents")


def download_url(cluster, agreement, document) -> str:
    return url(cluster, "agreements", agreement.pk, "documents", document.pk, "download")


def post_file(client, path, *, kind="draft", name="Draft.pdf", content=None, **extra):
    body = {"kind": kind, "file": SimpleUploadedFile(name, make_pdf() if content is None else content), **extra}
    return client.post(path, body, format="multipart")


class TestDocuments:
    def test_the_detail_lists_every_version_with_its_download_route(self, cluster, coordinator, agreement):
        first = upload(cluster, coordinator, agreement, name="Memo.pdf")
        scan = upload(cluster, coordinator, agreement, make_png(), name="scan.png", kind="signed_scan")
        second = upload(cluster, coordinator, agreement, make_docx(), name="Memo.docx")
        client = client_for(coordinator)
        data = client.get(url(cluster, "agreements", agreement.pk)).data
        assert [(d["id"], d["kind"], d["version"]) for d in data["documents"]] == [
            (second.pk, "draft", 2), (first.pk, "draft", 1), (scan.pk, "signed_scan", 1)]
        assert data["documents"][2] == {
            "id": scan.pk, "kind": "signed_scan", "version": 1, "display_name": "scan.png",
            "content_type": "image/png", "size": scan.size, "sha256": scan.sha256, "uploaded_by": coordinator.pk,
            "uploaded_by_username": "coord", "uploaded_at": data["documents"][2]["uploaded_at"],
            "download_url": download_url(cluster, agreement, scan),
        }
        response = client.get(data["documents"][2]["download_url"])
        assert response.status_code == 200 and b"".join(response.streaming_content) == make_png()

    def test_the_list_is_paginated_and_filtered_by_kind(self, cluster, coordinator, authority, agreement):
        draft = upload(cluster, coordinator, agreement)
        scan = upload(cluster, coordinator, agreement, kind="signed_scan")
        client = client_for(authority)
        response = client.get(documents_url(cluster, agreement))
        assert response.status_code == 200
        assert response.data["count"] == 2 and ids(response) == [draft.pk, scan.pk]
        assert ids(client.get(documents_url(cluster, agreement), {"kind": "signed_scan"})) == [scan.pk]
        page = client.get(documents_url(cluster, agreement), {"page_size": 1, "page": 2})
        assert ids(page) == [scan.pk] and page.data["previous"]
        bad = client.get(documents_url(cluster, agreement), {"kind": "invoice"})
        assert bad.status_code == 400 and list(bad.data) == ["kind"]

    def test_the_agreements_own_filters_do_not_hide_the_agreement(self, cluster, coordinator, agreement):
        upload(cluster, coordinator, agreement)
        response = client_for(coordinator).get(documents_url(cluster, agreement), {"status": "active"})
        assert response.status_code == 200 and response.data["count"] == 1

    def test_a_party_admin_uploads_a_new_version(self, cluster, coordinator, org_admin, agreement, media_root):
        upload(cluster, coordinator, agreement)
        content = make_docx()
        response = post_file(client_for(org_admin), documents_url(cluster, agreement), name="Draft v2.docx",
                             content=content)
        assert response.status_code == 201, response.data
        document = AgreementDocument.objects.for_cluster(cluster).get(pk=response.data["id"])
        assert response.data["version"] == document.version == 2
        assert response.data["display_name"] == "Draft v2.docx"
        assert response.data["sha256"] == hashlib.sha256(content).hexdigest()
        assert response.data["uploaded_by_username"] == "schooladmin"
        assert response.data["download_url"] == download_url(cluster, agreement, document)
        assert (Path(media_root) / document.file.name).read_bytes() == content

    @pytest.mark.parametrize(("body", "field"), [
        ({"kind": "draft", "name": "scan.pdf", "content": b"MZ\x90\x00" + b"\x00" * 300}, "file"),
        ({"kind": "invoice"}, "kind"),
        ({"kind": "draft", "content": b""}, "file"),
        ({"kind": "draft", "status": "active"}, "status"),  # an unknown key
    ])
    def test_a_refused_upload_names_the_field_and_saves_nothing(self, cluster, coordinator, agreement, media_root,
                                                                body, field):
        before = tables(cluster)
        response = post_file(client_for(coordinator), documents_url(cluster, agreement), **body)
        assert response.status_code == 400 and field in response.data, response.data
        assert tables(cluster) == before and stored_files(media_root) == []

    def test_a_file_is_required(self, cluster, coordinator, agreement):
        response = client_for(coordinator).post(documents_url(cluster, agreement), {"kind": "draft"},
                                                format="multipart")
        assert response.status_code == 400 and list(response.data) == ["file"]

    def test_an_oversize_file_is_refused(self, settings, cluster, coordinator, agreement, media_root):
        settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
        content = make_pdf().replace(b"%%EOF", b"%" + b"x" * 2048 + b"\n%%EOF")
        response = post_file(client_for(coordinator), documents_url(cluster, agreement), content=content)
        assert response.status_code == 400 and "too large" in response.data["file"][0]
        assert stored_files(media_root) == []

    @pytest.mark.parametrize(("role", "expected"), [("authority", 403), ("expert", 404), ("college_admin", 404),
                                                    ("outsider", 404)])
    def test_those_who_may_not_upload_are_refused_and_nothing_changes(self, role, expected, request, cluster,
                                                                       agreement, media_root):
        before = tables(cluster)
        response = post_file(client_for(request.getfixturevalue(role)), documents_url(cluster, agreement))
        assert response.status_code == expected
        assert tables(cluster) == before and stored_files(media_root) == []

    def test_party_staff_may_read_and_download_but_not_upload(self, cluster, coordinator, school, agreement):
        staff = OrganizationRoleFactory(organization=school, user=UserFactory(username="teacher"), role="staff").user
        document = upload(cluster, coordinator, agreement)
        client = client_for(staff)
        assert ids(client.get(documents_url(cluster, agreement))) == [document.pk]
        assert client.get(download_url(cluster, agreement, document)).status_code == 200
        assert post_file(client, documents_url(cluster, agreement)).status_code == 403

    def test_the_download_streams_the_file_with_safe_headers(self, cluster, coordinator, org_admin, agreement):
        content = make_pdf()
        document = upload(cluster, coordinator, agreement, content, name="Signed memo.pdf", kind="signed_scan")
        client = token_client(org_admin)
        for accept in ("application/json", "application/pdf", "*/*"):
            response = client.get(download_url(cluster, agreement, document), HTTP_ACCEPT=accept)
            assert response.status_code == 200, accept
            assert b"".join(response.streaming_content) == content
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == 'attachment; filename="Signed memo.pdf"'
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Security-Policy"].startswith("sandbox")

    @pytest.mark.parametrize("role", ["expert", "college_admin", "outsider"])
    def test_those_who_may_not_read_the_agreement_get_404_on_the_download(self, role, request, cluster,
                                                                           coordinator, agreement):
        document = upload(cluster, coordinator, agreement)
        client = client_for(request.getfixturevalue(role))
        assert client.get(download_url(cluster, agreement, document)).status_code == 404
        assert client.get(documents_url(cluster, agreement)).status_code == 404

    def test_another_clusters_document_is_404_through_ones_own_cluster(self, cluster, other_cluster, coordinator,
                                                                       outsider, agreement):
        document = upload(cluster, coordinator, agreement)
        client = client_for(outsider)
        assert client.get(download_url(other_cluster, agreement, document)).status_code == 404
        assert client.get(documents_url(other_cluster, agreement)).status_code == 404

    def test_a_document_answers_only_under_its_own_agreement(self, cluster, coordinator, make_agreement, agreement):
        other = make_agreement(title="Another")
        document = upload(cluster, coordinator, agreement)
        client = client_for(coordinator)
        response = client.get(download_url(cluster, other, document), HTTP_ACCEPT="application/pdf")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert client.get(documents_url(cluster, other)).data["count"] == 0

    def test_a_file_missing_from_the_storage_is_404(self, cluster, coordinator, agreement, media_root):
        document = upload(cluster, coordinator, agreement)
        (Path(media_root) / document.file.name).unlink()
        assert client_for(coordinator).get(download_url(cluster, agreement, document)).status_code == 404

    def test_the_upload_runs_outside_any_request_transaction(self, cluster, agreement):
        view = resolve(documents_url(cluster, agreement)).func
        assert "default" in getattr(view, "_non_atomic_requests", set())

    def test_the_other_routes_are_one_transaction_each(self, cluster, agreement):
        # Only the upload leaves ATOMIC_REQUESTS (ClusterScopedViewSet.non_atomic_actions).
        for path in (f"/api/v1/c/{cluster.slug}/agreements/", f"/api/v1/c/{cluster.slug}/agreements/{agreement.pk}/"):
            assert not getattr(resolve(path).func, "_non_atomic_requests", set()), path

    def test_the_download_is_get_only(self, cluster, coordinator, agreement):
        document = upload(cluster, coordinator, agreement)
        before = tables(cluster)
        assert client_for(coordinator).post(download_url(cluster, agreement, document)).status_code == 405
        assert tables(cluster) == before


# Token (1), the cluster with the roles (1), the agreement and its parties (2), the page with its count (1).
DOCUMENT_LIST_QUERIES = 5


@pytest.mark.parametrize("user", ["coordinator", "org_admin"])
def test_document_list_queries_are_the_same_for_2_and_20_documents(user, request, cluster, coordinator, agreement):
    client = token_client(request.getfixturevalue(user))
    counts = {}
    for rows, total in ((2, 2), (18, 20)):
        for n in range(rows):
            AgreementDocumentFactory(agreement=agreement, kind="draft" if n % 2 else "signed_scan",
                                     uploaded_by=UserFactory(username=f"uploader-{total}-{n}"))
        counts[total] = _count_queries(client, documents_url(cluster, agreement))
    assert counts == {2: (DOCUMENT_LIST_QUERIES, 2), 20: (DOCUMENT_LIST_QUERIES, 20)}


def test_the_detail_queries_do_not_grow_with_documents(cluster, coordinator, agreement):
    client = token_client(coordinator)
    path = url(cluster, "agreements", agreement.pk)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    AgreementDocumentFactory(agreement=agreement, uploaded_by=coordinator)
    with_one = count()
    for n in range(10):
        AgreementDocumentFactory(agreement=agreement, uploaded_by=UserFactory(username=f"uploader{n}"))
    assert count() == with_one
