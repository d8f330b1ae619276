"""The members REST API: /api/v1/auth/token/, /api/v1/schema/, /api/v1/docs/ and the
cluster-scoped routes under /api/v1/c/<cluster_slug>/.

Users as in conftest: a coordinator, an authority, an expert and an organization admin of
cluster A (`cluster`), and `outsider`, a coordinator of cluster B (`other_cluster`). Every
refused write also checks that the data did not change.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from members import services
from members.api import serializers as api_serializers
from members.api.views import TokenObtainView
from members.models import (
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)
from members.tests.factories import (
    ApplicationFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # members.tests.factories.UserFactory
READ_ONLY_ROLES = ["authority", "expert"]
CLUSTER_ROLES = ["coordinator", "authority", "expert"]
EVERY_ROLE = CLUSTER_ROLES + ["org_admin"]


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    """A client that authenticates like a real one: the token is looked up on every request."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def table(model, cluster) -> list[dict]:
    """Every row of a tenant table in one cluster, to assert that nothing changed."""
    return list(model.objects.for_cluster(cluster).order_by("pk").values())


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


@pytest.fixture
def staff(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


@pytest.fixture
def college(cluster):
    return OrganizationFactory(cluster=cluster, kind=Organization.Kind.COLLEGE, name="Chirchik College",
                               tax_id="100000002", district="Yangiyul")


# --- Authentication ---------------------------------------------------------------------------


class TestToken:
    endpoint = "/api/v1/auth/token/"

    def test_it_issues_a_token_that_authenticates_later_requests(self, cluster, coordinator, school):
        response = APIClient().post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        token = response.data["token"]
        assert token == Token.objects.get(user=coordinator).key

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        listing = client.get(url(cluster, "organizations"))
        assert listing.status_code == 200
        assert ids(listing) == [school.pk]

    def test_it_returns_the_same_token_on_a_second_login(self, coordinator):
        first = APIClient().post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        second = APIClient().post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        assert first.data["token"] == second.data["token"]

    def test_a_wrong_password_is_a_400_with_a_clear_message(self, coordinator):
        response = APIClient().post(self.endpoint, {"username": "coord", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.data["non_field_errors"] == ["Unable to log in with provided credentials."]
        assert not Token.objects.filter(user=coordinator).exists()

    def test_missing_credentials_name_the_fields(self, db):
        response = APIClient().post(self.endpoint, {}, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"username", "password"}

    def test_an_inactive_account_gets_no_token(self, coordinator):
        coordinator.is_active = False
        coordinator.save(update_fields=["is_active"])
        response = APIClient().post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert not Token.objects.filter(user=coordinator).exists()

    def test_a_stale_token_header_does_not_block_logging_in(self, coordinator):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
        response = client.post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        assert response.status_code == 200

    def test_it_is_throttled_with_the_token_scope(self, coordinator, monkeypatch):
        assert TokenObtainView.throttle_scope == "token"
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
        cache.clear()
        client = APIClient()
        codes = [
            client.post(self.endpoint, {"username": "coord", "password": "wrong"}, format="json").status_code
            for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        # The good password does not get through either until the window has passed.
        response = client.post(self.endpoint, {"username": "coord", "password": PASSWORD}, format="json")
        assert response.status_code == 429
        assert not Token.objects.filter(user=coordinator).exists()

    def test_a_forged_forwarded_for_header_does_not_dodge_the_throttle(self, coordinator, monkeypatch):
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
        cache.clear()
        client = APIClient()
        codes = [
            client.post(self.endpoint, {"username": "coord", "password": "wrong"}, format="json",
                        HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
            for n in range(3)
        ]
        assert codes == [400, 400, 429]


class TestAuthentication:
    @pytest.mark.parametrize("route", ["organizations", "applications", "people", "school-ratings"])
    def test_anonymous_requests_are_refused_with_401(self, route, cluster, school):
        client = APIClient()
        response = client.get(url(cluster, route))
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert client.get(url(cluster, route, 1)).status_code == 401
        assert client.post(url(cluster, route), {"name": "X", "kind": "school"}, format="json").status_code == 401
        assert table(Organization, cluster) == [Organization.objects.for_cluster(cluster).values().get()]

    def test_anonymous_requests_to_an_unknown_cluster_get_401_too(self, db):
        assert APIClient().get("/api/v1/c/no-such-cluster/organizations/").status_code == 401

    def test_an_unknown_cluster_is_404(self, coordinator):
        response = client_for(coordinator).get("/api/v1/c/no-such-cluster/organizations/")
        assert response.status_code == 404

    def test_an_inactive_cluster_is_404(self, cluster, coordinator):
        cluster.is_active = False
        cluster.save(update_fields=["is_active"])
        assert client_for(coordinator).get(url(cluster, "organizations")).status_code == 404

    def test_a_malformed_token_header_is_401_with_a_clear_message_and_changes_nothing(self, cluster, coordinator):
        before = table(Organization, cluster)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token")
        response = client.post(url(cluster, "organizations"), {"name": "X", "kind": "school"}, format="json")
        assert response.status_code == 401
        assert "Invalid token header" in str(response.data["detail"])
        assert table(Organization, cluster) == before

    def test_a_token_header_with_spaces_is_401(self, cluster, coordinator):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token two parts")
        response = client.get(url(cluster, "organizations"))
        assert response.status_code == 401
        assert "should not contain spaces" in str(response.data["detail"])

    def test_an_unknown_token_is_401(self, cluster, coordinator):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
        response = client.get(url(cluster, "organizations"))
        assert response.status_code == 401
        assert response.data["detail"] == "Invalid token."

    def test_a_demo_accounts_token_stops_working_outside_demo_mode(self, cluster, coordinator, school, settings):
        from django.contrib.auth.models import Group

        from cluster_platform.auth_backends import DEMO_GROUP

        coordinator.groups.add(Group.objects.create(name=DEMO_GROUP))
        client = token_client(coordinator)
        settings.DEMO_MODE = True
        assert client.get(url(cluster, "organizations")).status_code == 200
        settings.DEMO_MODE = False
        response = client.get(url(cluster, "organizations"))
        assert response.status_code == 401 and response.data["detail"] == "Invalid token."

    def test_a_token_of_a_deactivated_account_is_401(self, cluster, coordinator):
        client = token_client(coordinator)
        coordinator.is_active = False
        coordinator.save(update_fields=["is_active"])
        assert client.get(url(cluster, "organizations")).status_code == 401

    def test_session_authentication_works(self, cluster, coordinator, school):
        client = APIClient()
        client.force_login(coordinator)
        response = client.get(url(cluster, "organizations"))
        assert response.status_code == 200
        assert ids(response) == [school.pk]


# --- Isolation between clusters -----------------------------------------------------------------


class TestOutsider:
    """`outsider` coordinates cluster B: cluster A's data is invisible and untouchable."""

    @pytest.mark.parametrize("route", ["organizations", "applications", "people", "school-ratings"])
    def test_another_clusters_lists_are_404(self, cluster, outsider, route):
        assert client_for(outsider).get(url(cluster, route)).status_code == 404

    def test_another_clusters_objects_are_404_under_its_own_url(self, cluster, outsider, school):
        assert client_for(outsider).get(url(cluster, "organizations", school.pk)).status_code == 404

    def test_another_clusters_objects_are_404_through_ones_own_cluster(
        self, cluster, other_cluster, outsider, school, coordinator,
    ):
        person = PersonFactory(organization=school)
        application = ApplicationFactory(cluster=cluster)
        rating = services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                               period=datetime.date(2025, 9, 1), colour="red", score=40)
        client = client_for(outsider)
        for path in [
            url(other_cluster, "organizations", school.pk),
            url(other_cluster, "people", person.pk),
            url(other_cluster, "applications", application.pk),
            url(other_cluster, "school-ratings", rating.pk),
        ]:
            assert client.get(path).status_code == 404, path

    def test_writes_on_another_clusters_objects_are_404_and_change_nothing(
        self, cluster, other_cluster, outsider, school,
    ):
        person = PersonFactory(organization=school, full_name="Aziza Rahimova")
        application = ApplicationFactory(cluster=cluster)
        before = {model: table(model, cluster)
                  for model in (Organization, Person, MembershipApplication, MembershipStatusChange)}
        client = client_for(outsider)
        attempts = [
            ("patch", url(other_cluster, "organizations", school.pk), {"name": "Taken"}),
            ("put", url(other_cluster, "organizations", school.pk), {"name": "Taken", "kind": "school"}),
            ("post", url(other_cluster, "organizations", school.pk, "suspend"), {"reason": "x"}),
            ("post", url(other_cluster, "organizations", school.pk, "withdraw"), {"reason": "x"}),
            ("patch", url(other_cluster, "people", person.pk), {"full_name": "Taken"}),
            ("post", url(other_cluster, "applications", application.pk, "approve"), {}),
            ("post", url(other_cluster, "applications", application.pk, "reject"), {"reason": "x"}),
            ("patch", url(cluster, "organizations", school.pk), {"name": "Taken"}),
            ("post", url(cluster, "organizations"), {"name": "Planted", "kind": "school"}),
            ("post", url(cluster, "applications", application.pk, "approve"), {}),
        ]
        for method, path, body in attempts:
            response = getattr(client, method)(path, body, format="json")
            assert response.status_code == 404, (method, path, response.data)
        for model, rows in before.items():
            assert table(model, cluster) == rows, model

    def test_an_organization_id_of_another_cluster_is_refused_as_unknown(
        self, cluster, other_cluster, outsider, school,
    ):
        client = client_for(outsider)
        response = client.post(url(other_cluster, "people"), {"organization": school.pk, "full_name": "Spy"},
                               format="json")
        assert response.status_code == 400
        assert response.data["organization"] == [f"Organization {school.pk} does not exist."]

        response = client.post(url(other_cluster, "school-ratings"), {
            "organization": school.pk, "period": "2025-09-01", "colour": "green", "score": "90",
        }, format="json")
        assert response.status_code == 400
        assert "organization" in response.data
        assert not Person.objects.for_cluster(cluster).exists()
        assert not Person.objects.for_cluster(other_cluster).exists()
        assert not SchoolRating.objects.for_cluster(cluster).exists()
        assert Organization.objects.for_cluster(cluster).get(pk=school.pk).current_rating == ""

    def test_an_organization_id_of_another_cluster_matches_nothing_in_filters(
        self, cluster, other_cluster, outsider, other_school, school,
    ):
        PersonFactory(organization=school)
        response = client_for(outsider).get(url(other_cluster, "people"), {"organization": school.pk})
        assert response.status_code == 200
        assert response.data["count"] == 0


# --- Organizations ---------------------------------------------------------------------------------


class TestOrganizationsRead:
    @pytest.mark.parametrize("role", EVERY_ROLE + ["staff"])
    def test_every_role_in_the_cluster_reads_the_registry(self, role, request, cluster, school, other_school):
        client = client_for(request.getfixturevalue(role))
        response = client.get(url(cluster, "organizations"))
        assert response.status_code == 200
        assert response.data["count"] == 1
        row = response.data["results"][0]
        assert row["id"] == school.pk and row["name"] == "School No. 1" and row["tax_id"] == "100000001"
        detail = client.get(url(cluster, "organizations", school.pk))
        assert detail.status_code == 200
        assert detail.data == row

    def test_an_unknown_id_is_404(self, cluster, coordinator):
        assert client_for(coordinator).get(url(cluster, "organizations", 987654321)).status_code == 404

    def test_a_non_numeric_id_is_404(self, cluster, coordinator):
        assert client_for(coordinator).get(url(cluster, "organizations", "abc")).status_code == 404

    def test_filters(self, cluster, coordinator, school, college):
        lyceum = OrganizationFactory(cluster=cluster, name="Presidential Lyceum", short_name="PL",
                                     tax_id="305000123", district="Yangiyul", current_rating="green",
                                     cluster_role=Organization.ClusterRoleKind.ASSOCIATE,
                                     status=Organization.Status.SUSPENDED)
        school.current_rating = "red"
        school.save(update_fields=["current_rating"])
        client = client_for(coordinator)

        def found(**params):
            response = client.get(url(cluster, "organizations"), params)
            assert response.status_code == 200, response.data
            return set(ids(response))

        assert found(kind="college") == {college.pk}
        assert found(kind="school") == {school.pk, lyceum.pk}
        assert found(district="Yangiyul") == {college.pk, lyceum.pk}
        assert found(status="suspended") == {lyceum.pk}
        assert found(rating="red") == {school.pk}
        assert found(rating="green", kind="school") == {lyceum.pk}
        assert found(cluster_role="associate") == {lyceum.pk}
        assert found(cluster_role="member") == {school.pk, college.pk}
        assert found(q="lyceum") == {lyceum.pk}
        assert found(q="PL") == {lyceum.pk}
        assert found(q="305") == {lyceum.pk}
        assert found(q="10000000") == {school.pk, college.pk}
        # One search with the browser (selectors.organization_search): the college's name and
        # the school's district both match.
        assert found(q="Chirchik") == {school.pk, college.pk}

    def test_an_invalid_filter_value_names_the_filter(self, cluster, coordinator):
        response = client_for(coordinator).get(url(cluster, "organizations"), {"status": "gone"})
        assert response.status_code == 400
        assert "status" in response.data

    def test_ordering(self, cluster, coordinator, school, college):
        beta = OrganizationFactory(cluster=cluster, name="Beta school", joined_on=datetime.date(2020, 1, 1))
        client = client_for(coordinator)
        assert ids(client.get(url(cluster, "organizations"))) == [beta.pk, college.pk, school.pk]
        assert ids(client.get(url(cluster, "organizations"), {"ordering": "-name"})) == [school.pk, college.pk, beta.pk]
        assert ids(client.get(url(cluster, "organizations"), {"ordering": "kind,-name"})) == [
            college.pk, school.pk, beta.pk,
        ]
        assert ids(client.get(url(cluster, "organizations"), {"ordering": "joined_on"}))[0] == beta.pk

    def test_ties_are_broken_by_id_so_deep_pages_are_stable(self, cluster, coordinator):
        twins = [OrganizationFactory(cluster=cluster, name="Same name", district="Same") for _ in range(7)]
        client = client_for(coordinator)
        for ordering in ("name", "-name", "district", "status", "joined_on"):
            seen = []
            for page in (1, 2, 3):
                response = client.get(url(cluster, "organizations"),
                                      {"ordering": ordering, "page_size": 3, "page": page})
                seen += ids(response)
            assert seen == sorted(twin.pk for twin in twins), ordering

    def test_pagination_carries_count_and_results_and_caps_the_page_size_at_500(self, cluster, coordinator):
        Organization.objects.bulk_create(
            Organization(cluster=cluster, kind="school", name=f"School {n:04}") for n in range(502)
        )
        client = client_for(coordinator)
        default = client.get(url(cluster, "organizations"))
        assert set(default.data) == {"count", "count_is_estimate", "next", "previous", "results"}
        assert default.data["count"] == 502 and len(default.data["results"]) == 50
        assert default.data["count_is_estimate"] is False

        full = client.get(url(cluster, "organizations"), {"page_size": 500})
        assert full.status_code == 200 and len(full.data["results"]) == 500
        capped = client.get(url(cluster, "organizations"), {"page_size": 10_000})
        assert capped.status_code == 200 and len(capped.data["results"]) == 500
        last = client.get(url(cluster, "organizations"), {"page_size": 500, "page": 2})
        assert len(last.data["results"]) == 2 and last.data["next"] is None
        assert set(ids(full)) | set(ids(last)) == set(
            Organization.objects.for_cluster(cluster).values_list("pk", flat=True)
        )

    def test_a_page_past_the_end_is_404(self, cluster, coordinator, school):
        response = client_for(coordinator).get(url(cluster, "organizations"), {"page": 9})
        assert response.status_code == 404


class TestOrganizationsWrite:
    def test_a_coordinator_creates_an_active_member(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"), {
            "name": "School No. 12", "kind": "school", "tax_id": "123456789", "district": "Chirchik",
            "latitude": "41.468500", "website": "https://school12.example.org", "cluster_role": "member",
        }, format="json")
        assert response.status_code == 201, response.data
        organization = Organization.objects.for_cluster(cluster).get(pk=response.data["id"])
        assert organization.name == "School No. 12" and organization.tax_id == "123456789"
        assert organization.status == Organization.Status.ACTIVE and organization.joined_on is not None
        assert organization.latitude == Decimal("41.468500")
        assert response.data["status"] == "active" and response.data["latitude"] == "41.468500"

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["org_admin"])
    def test_other_roles_cannot_create(self, role, request, cluster, school):
        before = table(Organization, cluster)
        response = client_for(request.getfixturevalue(role)).post(
            url(cluster, "organizations"), {"name": "X", "kind": "school"}, format="json")
        assert response.status_code == 403
        assert table(Organization, cluster) == before

    def test_a_read_only_role_is_refused_before_its_body_is_read(self, cluster, authority):
        response = client_for(authority).post(url(cluster, "organizations"), {"kind": "castle"}, format="json")
        assert response.status_code == 403

    def test_a_bad_tax_id_names_the_field_and_saves_nothing(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"),
                                                {"name": "School", "kind": "school", "tax_id": "12ab"}, format="json")
        assert response.status_code == 400
        assert list(response.data) == ["tax_id"]
        assert response.data["tax_id"] == ["A tax id (INN) has 9 digits."]
        assert not Organization.objects.for_cluster(cluster).exists()

    def test_a_duplicate_tax_id_is_refused_and_saves_nothing(self, cluster, coordinator, school):
        before = table(Organization, cluster)
        response = client_for(coordinator).post(url(cluster, "organizations"),
                                                {"name": "Twin", "kind": "school", "tax_id": school.tax_id},
                                                format="json")
        assert response.status_code == 400
        assert response.data == {"tax_id": ["An organization with this tax id is already in the cluster."]}
        assert table(Organization, cluster) == before

    def test_missing_and_malformed_fields_are_named(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"), {
            "kind": "castle", "website": "not a url", "latitude": "north", "email": "nobody",
        }, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"name", "kind", "website", "latitude", "email"}
        assert not Organization.objects.for_cluster(cluster).exists()

    def test_a_coordinate_out_of_range_is_refused_by_the_service(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"),
                                                {"name": "X", "kind": "school", "latitude": "95"}, format="json")
        assert response.status_code == 400
        assert "latitude" in response.data

    def test_fields_that_are_not_input_are_refused_by_name(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"), {
            "name": "X", "kind": "school", "status": "suspended", "cluster": 99, "current_rating": "green",
        }, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"status", "cluster", "current_rating"}
        assert not Organization.objects.for_cluster(cluster).exists()

    def test_the_cluster_comes_from_the_url_not_the_body(self, cluster, other_cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"),
                                                {"name": "X", "kind": "school", "cluster": other_cluster.pk},
                                                format="json")
        assert response.status_code == 400
        assert not Organization.objects.for_cluster(other_cluster).exists()

    def test_form_encoded_bodies_work_too(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "organizations"),
                                                {"name": "Form school", "kind": "school"})
        assert response.status_code == 201
        assert Organization.objects.for_cluster(cluster).get().latitude is None

    def test_a_coordinator_changes_any_field_but_the_status(self, cluster, coordinator, school):
        response = client_for(coordinator).patch(url(cluster, "organizations", school.pk),
                                                 {"kind": "college", "cluster_role": "associate", "short_name": "S1"},
                                                 format="json")
        assert response.status_code == 200, response.data
        school.refresh_from_db()
        assert (school.kind, school.cluster_role, school.short_name) == ("college", "associate", "S1")
        assert response.data["kind"] == "college"

    def test_an_organization_admin_edits_its_own_profile(self, cluster, org_admin, school):
        client = client_for(org_admin)
        response = client.patch(url(cluster, "organizations", school.pk), {"phone": "+998 71 200 00 00"},
                                format="json")
        assert response.status_code == 200, response.data
        school.refresh_from_db()
        assert school.phone == "+998 71 200 00 00"

        response = client.put(url(cluster, "organizations", school.pk),
                              {"name": "School No. 1 named after Navoi", "district": "Chirchik"}, format="json")
        assert response.status_code == 200, response.data
        school.refresh_from_db()
        assert school.name == "School No. 1 named after Navoi" and school.phone == ""
        assert school.kind == "school"

    def test_an_organization_admin_cannot_change_the_kind_or_cluster_role(self, cluster, org_admin, school):
        before = table(Organization, cluster)
        response = client_for(org_admin).patch(url(cluster, "organizations", school.pk),
                                               {"kind": "university", "cluster_role": "centre", "name": "U"},
                                               format="json")
        assert response.status_code == 400
        assert set(response.data) == {"kind", "cluster_role"}
        assert table(Organization, cluster) == before

    def test_an_organization_admin_cannot_edit_another_organization(self, cluster, org_admin, college):
        before = table(Organization, cluster)
        response = client_for(org_admin).patch(url(cluster, "organizations", college.pk), {"name": "Mine"},
                                               format="json")
        assert response.status_code == 403
        assert table(Organization, cluster) == before

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["staff"])
    def test_read_only_roles_cannot_edit(self, role, request, cluster, school):
        before = table(Organization, cluster)
        client = client_for(request.getfixturevalue(role))
        assert client.patch(url(cluster, "organizations", school.pk), {"name": "X"}, format="json").status_code == 403
        assert client.put(url(cluster, "organizations", school.pk), {"name": "X", "kind": "school"},
                          format="json").status_code == 403
        assert table(Organization, cluster) == before

    def test_a_put_needs_the_required_fields(self, cluster, coordinator, school):
        response = client_for(coordinator).put(url(cluster, "organizations", school.pk), {"name": "X"}, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"kind"}

    def test_a_bad_tax_id_on_update_names_the_field(self, cluster, coordinator, school):
        before = table(Organization, cluster)
        response = client_for(coordinator).patch(url(cluster, "organizations", school.pk), {"tax_id": "12ab"},
                                                 format="json")
        assert response.status_code == 400 and list(response.data) == ["tax_id"]
        assert table(Organization, cluster) == before


class TestOrganizationStatus:
    def test_suspend_withdraw_and_reinstate(self, cluster, coordinator, school):
        client = client_for(coordinator)
        response = client.post(url(cluster, "organizations", school.pk, "suspend"),
                               {"reason": "No report for two terms", "effective_on": "2025-10-01"}, format="json")
        assert response.status_code == 200, response.data
        assert response.data["status"] == "suspended" and response.data["suspended_on"] == "2025-10-01"
        assert response.data["status_reason"] == "No report for two terms"

        response = client.post(url(cluster, "organizations", school.pk, "reinstate"), {}, format="json")
        assert response.status_code == 200 and response.data["status"] == "active"

        response = client.post(url(cluster, "organizations", school.pk, "withdraw"), {"reason": "Left the region"},
                               format="json")
        assert response.status_code == 200 and response.data["status"] == "withdrawn"
        assert response.data["withdrawn_on"] is not None

        changes = MembershipStatusChange.objects.for_cluster(cluster).filter(organization=school).order_by("pk")
        assert [(c.from_status, c.to_status, c.actor_id) for c in changes] == [
            ("active", "suspended", coordinator.pk),
            ("suspended", "active", coordinator.pk),
            ("active", "withdrawn", coordinator.pk),
        ]
        assert changes[0].effective_on == datetime.date(2025, 10, 1)

    def test_a_suspension_needs_a_reason(self, cluster, coordinator, school):
        before = table(Organization, cluster)
        response = client_for(coordinator).post(url(cluster, "organizations", school.pk, "suspend"), {}, format="json")
        assert response.status_code == 400
        assert list(response.data) == ["reason"]
        assert table(Organization, cluster) == before
        assert not MembershipStatusChange.objects.for_cluster(cluster).exists()

    def test_an_impossible_move_names_the_status(self, cluster, coordinator, school):
        response = client_for(coordinator).post(url(cluster, "organizations", school.pk, "reinstate"), {},
                                                format="json")
        assert response.status_code == 400
        assert list(response.data) == ["status"]

    def test_a_malformed_date_names_the_field(self, cluster, coordinator, school):
        response = client_for(coordinator).post(url(cluster, "organizations", school.pk, "suspend"),
                                                {"reason": "x", "effective_on": "soon"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["effective_on"]
        school.refresh_from_db()
        assert school.status == "active"

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["org_admin"])
    @pytest.mark.parametrize("move", ["suspend", "withdraw", "reinstate"])
    def test_only_coordinators_change_a_status(self, role, move, request, cluster, school):
        before = table(Organization, cluster)
        response = client_for(request.getfixturevalue(role)).post(
            url(cluster, "organizations", school.pk, move), {"reason": "Because"}, format="json")
        assert response.status_code == 403
        assert table(Organization, cluster) == before
        assert not MembershipStatusChange.objects.for_cluster(cluster).exists()


# --- Membership applications -------------------------------------------------------------------------


class TestApplications:
    def test_a_coordinator_lists_filters_and_reads_applications(self, cluster, other_cluster, coordinator):
        waiting = ApplicationFactory(cluster=cluster, organization_name="School No. 40")
        decided = ApplicationFactory(cluster=cluster, status=MembershipApplication.Status.REJECTED,
                                     decided_by=coordinator, rejection_reason="Outside the region")
        ApplicationFactory(cluster=other_cluster)
        client = client_for(coordinator)

        response = client.get(url(cluster, "applications"))
        assert response.status_code == 200
        assert set(ids(response)) == {waiting.pk, decided.pk}
        assert ids(client.get(url(cluster, "applications"), {"status": "submitted"})) == [waiting.pk]

        detail = client.get(url(cluster, "applications", decided.pk))
        assert detail.status_code == 200
        assert detail.data["decided_by_username"] == "coord"
        assert detail.data["rejection_reason"] == "Outside the region"
        assert detail.data["reference"] == decided.reference

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["org_admin"])
    def test_other_roles_cannot_read_applications(self, role, request, cluster):
        application = ApplicationFactory(cluster=cluster)
        client = client_for(request.getfixturevalue(role))
        assert client.get(url(cluster, "applications")).status_code == 403
        assert client.get(url(cluster, "applications", application.pk)).status_code == 403

    def test_there_is_no_anonymous_or_api_submission(self, cluster, coordinator):
        response = client_for(coordinator).post(url(cluster, "applications"),
                                                {"organization_name": "X", "kind": "school"}, format="json")
        assert response.status_code == 405
        assert APIClient().post(url(cluster, "applications"), {}, format="json").status_code == 401
        assert not MembershipApplication.objects.for_cluster(cluster).exists()

    def test_approving_makes_an_active_member_and_invites_its_contact(
        self, cluster, coordinator, django_capture_on_commit_callbacks,
    ):
        application = ApplicationFactory(cluster=cluster, organization_name="School No. 41", tax_id="411111111")
        with django_capture_on_commit_callbacks() as callbacks:
            response = client_for(coordinator).post(url(cluster, "applications", application.pk, "approve"),
                                                    format="json")
        assert response.status_code == 200, response.data
        assert response.data["status"] == "approved" and response.data["decided_by"] == coordinator.pk
        organization = Organization.objects.for_cluster(cluster).get(pk=response.data["organization"])
        assert organization.name == "School No. 41" and organization.status == "active"
        assert Person.objects.for_cluster(cluster).filter(organization=organization,
                                                          full_name="Dilnoza Karimova").exists()
        assert len(callbacks) == 1  # the invitation email, sent after commit

    def test_an_application_is_decided_once(self, cluster, coordinator):
        application = ApplicationFactory(cluster=cluster)
        client = client_for(coordinator)
        assert client.post(url(cluster, "applications", application.pk, "approve")).status_code == 200
        before = table(Organization, cluster)
        response = client.post(url(cluster, "applications", application.pk, "approve"))
        assert response.status_code == 400 and list(response.data) == ["status"]
        response = client.post(url(cluster, "applications", application.pk, "reject"), {"reason": "x"},
                               format="json")
        assert response.status_code == 400 and list(response.data) == ["status"]
        assert table(Organization, cluster) == before

    def test_rejecting_keeps_the_reason_and_tells_the_applicant(
        self, cluster, coordinator, django_capture_on_commit_callbacks,
    ):
        application = ApplicationFactory(cluster=cluster, contact_email="head@school41.example.org")
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(coordinator).post(url(cluster, "applications", application.pk, "reject"),
                                                    {"reason": "The school is in another region."}, format="json")
        assert response.status_code == 200, response.data
        application.refresh_from_db()
        assert application.status == "rejected"
        assert application.rejection_reason == "The school is in another region."
        assert not Organization.objects.for_cluster(cluster).exists()
        assert [message.to for message in mail.outbox] == [["head@school41.example.org"]]

    def test_a_rejection_needs_a_reason(self, cluster, coordinator):
        application = ApplicationFactory(cluster=cluster)
        before = table(MembershipApplication, cluster)
        response = client_for(coordinator).post(url(cluster, "applications", application.pk, "reject"),
                                                {"reason": "  "}, format="json")
        assert response.status_code == 400 and list(response.data) == ["reason"]
        assert table(MembershipApplication, cluster) == before

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["org_admin"])
    @pytest.mark.parametrize("decision", ["approve", "reject"])
    def test_other_roles_cannot_decide(self, role, decision, request, cluster):
        client = client_for(request.getfixturevalue(role))  # before the snapshot: it may create a school
        application = ApplicationFactory(cluster=cluster)
        before = {model: table(model, cluster) for model in (MembershipApplication, Organization, Person)}
        response = client.post(url(cluster, "applications", application.pk, decision), {"reason": "No"},
                               format="json")
        assert response.status_code == 403
        for model, rows in before.items():
            assert table(model, cluster) == rows


# --- People ---------------------------------------------------------------------------------------------


class TestPeople:
    @pytest.fixture
    def teachers(self, school, college):
        return {
            "school": PersonFactory(organization=school, full_name="Aziza Rahimova", subject="Mathematics"),
            "college": PersonFactory(organization=college, full_name="Bobur Aliyev", subject="Physics",
                                     is_active=False),
        }

    @pytest.mark.parametrize("role", ["coordinator", "authority"])
    def test_coordinators_and_authorities_read_everyone(self, role, request, cluster, teachers):
        client = client_for(request.getfixturevalue(role))
        response = client.get(url(cluster, "people"))
        assert response.status_code == 200
        assert ids(response) == [teachers["school"].pk, teachers["college"].pk]
        assert response.data["results"][0]["organization_name"] == "School No. 1"
        assert client.get(url(cluster, "people", teachers["college"].pk)).status_code == 200

    @pytest.mark.parametrize("role", ["org_admin", "staff"])
    def test_organization_roles_read_their_own_people_only(self, role, request, cluster, teachers):
        client = client_for(request.getfixturevalue(role))
        response = client.get(url(cluster, "people"))
        assert response.status_code == 200
        assert ids(response) == [teachers["school"].pk]
        assert client.get(url(cluster, "people", teachers["school"].pk)).status_code == 200
        assert client.get(url(cluster, "people", teachers["college"].pk)).status_code == 404

    def test_filters_and_ordering(self, cluster, coordinator, school, teachers):
        client = client_for(coordinator)
        account = UserFactory(username="aziza")
        teachers["school"].user = account
        teachers["school"].save(update_fields=["user"])

        def found(**params):
            response = client.get(url(cluster, "people"), params)
            assert response.status_code == 200, response.data
            return ids(response)

        assert found(organization=school.pk) == [teachers["school"].pk]
        assert found(is_active="false") == [teachers["college"].pk]
        assert found(q="physics") == [teachers["college"].pk]
        assert found(q="rahim") == [teachers["school"].pk]
        assert found(ordering="-full_name") == [teachers["college"].pk, teachers["school"].pk]
        row = client.get(url(cluster, "people", teachers["school"].pk)).data
        assert row["username"] == "aziza" and row["user"] == account.pk

    def test_an_organization_admin_adds_staff_to_its_own_organization(self, cluster, org_admin, school):
        response = client_for(org_admin).post(url(cluster, "people"), {
            "organization": school.pk, "full_name": "Kamola Yusupova", "position": "Deputy head",
            "email": "kamola@school1.example.org",
        }, format="json")
        assert response.status_code == 201, response.data
        person = Person.objects.for_cluster(cluster).get(pk=response.data["id"])
        assert person.organization == school and person.cluster == cluster and person.is_active
        assert response.data["organization_name"] == "School No. 1"

    def test_an_inactive_flag_is_kept_and_a_missing_one_defaults_to_active_in_forms(self, cluster, coordinator, school):
        client = client_for(coordinator)
        response = client.post(url(cluster, "people"), {"organization": school.pk, "full_name": "Form teacher"})
        assert response.status_code == 201 and response.data["is_active"] is True
        response = client.post(url(cluster, "people"),
                               {"organization": school.pk, "full_name": "Retired", "is_active": False}, format="json")
        assert response.status_code == 201 and response.data["is_active"] is False

    def test_a_coordinator_adds_people_to_any_organization(self, cluster, coordinator, college):
        response = client_for(coordinator).post(url(cluster, "people"),
                                                {"organization": college.pk, "full_name": "Nodira Saidova"},
                                                format="json")
        assert response.status_code == 201

    def test_an_organization_admin_cannot_add_people_elsewhere(self, cluster, org_admin, college):
        response = client_for(org_admin).post(url(cluster, "people"),
                                              {"organization": college.pk, "full_name": "Intruder"}, format="json")
        assert response.status_code == 403
        assert not Person.objects.for_cluster(cluster).exists()

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["staff"])
    def test_read_only_roles_cannot_add_people(self, role, request, cluster, school):
        response = client_for(request.getfixturevalue(role)).post(
            url(cluster, "people"), {"organization": school.pk, "full_name": "X"}, format="json")
        assert response.status_code == 403
        assert not Person.objects.for_cluster(cluster).exists()

    def test_bad_input_names_the_fields_and_saves_nothing(self, cluster, coordinator):
        client = client_for(coordinator)
        response = client.post(url(cluster, "people"), {"full_name": "", "email": "nobody"}, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"organization", "full_name", "email"}
        response = client.post(url(cluster, "people"), {"organization": "abc", "full_name": "X"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["organization"]
        response = client.post(url(cluster, "people"), {"organization": 987654321, "full_name": "X"}, format="json")
        assert response.status_code == 400
        assert response.data == {"organization": ["Organization 987654321 does not exist."]}
        assert not Person.objects.for_cluster(cluster).exists()

    def test_an_organization_admin_updates_its_people(self, cluster, org_admin, teachers):
        person = teachers["school"]
        response = client_for(org_admin).patch(url(cluster, "people", person.pk),
                                               {"position": "Head of mathematics", "is_active": False},
                                               format="json")
        assert response.status_code == 200, response.data
        person.refresh_from_db()
        assert person.position == "Head of mathematics" and person.is_active is False
        assert response.data["position"] == "Head of mathematics"

    def test_the_organization_of_a_person_does_not_change(self, cluster, coordinator, teachers, college):
        before = table(Person, cluster)
        response = client_for(coordinator).patch(url(cluster, "people", teachers["school"].pk),
                                                 {"organization": college.pk}, format="json")
        assert response.status_code == 400 and list(response.data) == ["organization"]
        assert table(Person, cluster) == before

    def test_experts_read_no_ones_details(self, cluster, expert, teachers):
        client = client_for(expert)
        assert client.get(url(cluster, "people")).data["count"] == 0
        assert client.get(url(cluster, "people", teachers["school"].pk)).status_code == 404

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["staff"])
    def test_read_only_roles_cannot_update_people(self, role, request, cluster, teachers):
        before = table(Person, cluster)
        response = client_for(request.getfixturevalue(role)).patch(
            url(cluster, "people", teachers["school"].pk), {"full_name": "Changed"}, format="json")
        assert response.status_code in (403, 404)
        assert table(Person, cluster) == before

    def test_an_organization_admin_cannot_see_or_update_other_peoples_staff(self, cluster, org_admin, teachers):
        before = table(Person, cluster)
        response = client_for(org_admin).patch(url(cluster, "people", teachers["college"].pk),
                                               {"full_name": "Changed"}, format="json")
        assert response.status_code == 404
        assert table(Person, cluster) == before

    def test_people_have_no_put_or_delete(self, cluster, coordinator, teachers):
        client = client_for(coordinator)
        path = url(cluster, "people", teachers["school"].pk)
        assert client.put(path, {"full_name": "X"}, format="json").status_code == 405
        assert client.delete(path).status_code == 405
        assert Person.objects.for_cluster(cluster).count() == 2


# --- School ratings ----------------------------------------------------------------------------------------


class TestSchoolRatings:
    @pytest.fixture
    def ratings(self, cluster, coordinator, school):
        second = OrganizationFactory(cluster=cluster, name="School No. 2", tax_id="100000003")
        record = services.school_rating_record
        return [
            record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                   period=datetime.date(2024, 9, 1), colour="red", score=35),
            record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                   period=datetime.date(2025, 9, 1), colour="yellow", score=61),
            record(cluster=cluster, actor=coordinator, organization_id=second.pk,
                   period=datetime.date(2025, 9, 1), colour="green", score="88.5"),
        ]

    @pytest.mark.parametrize("role", EVERY_ROLE)
    def test_every_role_reads_the_ratings(self, role, request, cluster, ratings):
        response = client_for(request.getfixturevalue(role)).get(url(cluster, "school-ratings"))
        assert response.status_code == 200
        # Latest period first; ties by id.
        assert ids(response) == [ratings[1].pk, ratings[2].pk, ratings[0].pk]
        row = response.data["results"][1]
        assert row["organization_name"] == "School No. 2" and row["score"] == "88.50" and row["colour"] == "green"

    def test_filters(self, cluster, coordinator, school, ratings):
        client = client_for(coordinator)

        def found(**params):
            response = client.get(url(cluster, "school-ratings"), params)
            assert response.status_code == 200, response.data
            return set(ids(response))

        assert found(organization=school.pk) == {ratings[0].pk, ratings[1].pk}
        assert found(colour="green") == {ratings[2].pk}
        assert found(period="2025-09-01") == {ratings[1].pk, ratings[2].pk}
        assert found(period_after="2025-01-01") == {ratings[1].pk, ratings[2].pk}
        assert found(period_before="2025-01-01") == {ratings[0].pk}
        assert found(period_after="2024-01-01", period_before="2024-12-31", colour="red") == {ratings[0].pk}
        response = client.get(url(cluster, "school-ratings"), {"period_after": "last year"})
        assert response.status_code == 400 and "period_after" in response.data

    def test_a_coordinator_records_a_rating_and_the_school_shows_it(self, cluster, coordinator, school):
        response = client_for(coordinator).post(url(cluster, "school-ratings"), {
            "organization": school.pk, "period": "2025-09-01", "colour": "yellow", "score": "64.25",
            "note": "Mathematics improved",
        }, format="json")
        assert response.status_code == 201, response.data
        rating = SchoolRating.objects.for_cluster(cluster).get(pk=response.data["id"])
        assert (rating.colour, rating.score, rating.recorded_by) == ("yellow", Decimal("64.25"), coordinator)
        school.refresh_from_db()
        assert school.current_rating == "yellow"

    @pytest.mark.parametrize("role", READ_ONLY_ROLES + ["org_admin"])
    def test_other_roles_cannot_record_ratings(self, role, request, cluster, school):
        before = table(Organization, cluster)
        response = client_for(request.getfixturevalue(role)).post(url(cluster, "school-ratings"), {
            "organization": school.pk, "period": "2025-09-01", "colour": "green", "score": "95",
        }, format="json")
        assert response.status_code == 403
        assert not SchoolRating.objects.for_cluster(cluster).exists()
        assert table(Organization, cluster) == before

    def test_only_schools_are_rated(self, cluster, coordinator, college):
        response = client_for(coordinator).post(url(cluster, "school-ratings"), {
            "organization": college.pk, "period": "2025-09-01", "colour": "green", "score": "95",
        }, format="json")
        assert response.status_code == 400 and list(response.data) == ["organization"]
        assert not SchoolRating.objects.for_cluster(cluster).exists()

    def test_one_rating_per_school_and_period(self, cluster, coordinator, school, ratings):
        before = table(SchoolRating, cluster)
        response = client_for(coordinator).post(url(cluster, "school-ratings"), {
            "organization": school.pk, "period": "2025-09-01", "colour": "green", "score": "95",
        }, format="json")
        assert response.status_code == 400
        assert response.data == {"period": ["This school already has a rating for that period."]}
        assert table(SchoolRating, cluster) == before

    def test_bad_input_names_the_fields(self, cluster, coordinator, school):
        client = client_for(coordinator)
        response = client.post(url(cluster, "school-ratings"), {
            "organization": school.pk, "period": "September", "colour": "blue", "score": "lots",
        }, format="json")
        assert response.status_code == 400
        assert set(response.data) == {"period", "colour", "score"}
        response = client.post(url(cluster, "school-ratings"), {
            "organization": school.pk, "period": "2025-09-01", "colour": "green", "score": "101",
        }, format="json")
        assert response.status_code == 400 and list(response.data) == ["score"]
        assert not SchoolRating.objects.for_cluster(cluster).exists()


# --- Query counts ---------------------------------------------------------------------------------------------

# Token lookup (1), the cluster (1), the caller's roles (2), the count (1) and the page (1).
LIST_QUERY_BOUND = 6


def _make_rows(cluster, coordinator, kind: str, rows: int):
    organizations = [
        OrganizationFactory(cluster=cluster, name=f"Member {n:02}", tax_id=f"{300000000 + n}")
        for n in range(rows)
    ]
    if kind == "people":
        for n, organization in enumerate(organizations):
            PersonFactory(organization=organization, user=UserFactory(username=f"teacher{n}"))
    elif kind == "school-ratings":
        for n, organization in enumerate(organizations):
            SchoolRating.objects.create(cluster=cluster, organization=organization, period=datetime.date(2025, 9, 1),
                                        colour="green", score=80 + n % 10, recorded_by=coordinator)
    elif kind == "applications":
        for n, organization in enumerate(organizations):
            ApplicationFactory(cluster=cluster, status=MembershipApplication.Status.APPROVED,
                               decided_by=UserFactory(username=f"decider{n}"), organization=organization)


@pytest.mark.parametrize("rows", [5, 40])
@pytest.mark.parametrize("route", ["organizations", "applications", "people", "school-ratings"])
def test_list_queries_do_not_grow_with_the_rows(route, rows, cluster, coordinator, django_assert_max_num_queries):
    _make_rows(cluster, coordinator, route, rows)
    client = token_client(coordinator)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(url(cluster, route), {"page_size": 500})
    assert response.status_code == 200
    assert response.data["count"] == rows == len(response.data["results"])


@pytest.mark.parametrize("rows", [5, 40])
def test_an_organization_admins_people_list_does_not_grow_with_the_rows(
    rows, cluster, school, org_admin, django_assert_max_num_queries,
):
    for n in range(rows):
        PersonFactory(organization=school, user=UserFactory(username=f"teacher{n}"))
    client = token_client(org_admin)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(url(cluster, "people"), {"page_size": 500})
    assert response.data["count"] == rows


# --- Contract guards ------------------------------------------------------------------------------------------


def test_input_serializers_accept_exactly_the_fields_the_services_allow():
    # The services decide which fields each role may write; the API offers the same sets.
    assert set(api_serializers.OrganizationIn().fields) == set(services.COORDINATOR_FIELDS)
    assert set(api_serializers.OrganizationProfileIn().fields) == set(services.PROFILE_FIELDS)
    assert set(api_serializers.PersonUpdateIn().fields) == set(services.PERSON_FIELDS)
    assert set(api_serializers.PersonCreateIn().fields) == set(services.PERSON_FIELDS) | {"organization"}


def test_a_viewset_cannot_take_over_the_queryset_gate():
    from cluster_platform.api import ClusterScopedViewSet

    with pytest.raises(TypeError):
        type("Leaky", (ClusterScopedViewSet,), {"get_queryset": lambda self: None})
    with pytest.raises(TypeError):
        type("Leaky", (ClusterScopedViewSet,), {"get_object": lambda self: None})


def test_an_organization_role_in_a_pending_member_gives_no_access(cluster, school):
    """Roles in applicant organizations do not count (members.selectors.user_roles)."""
    applicant = OrganizationFactory(cluster=cluster, status=Organization.Status.APPLICANT, tax_id="100000009")
    user = OrganizationRoleFactory(organization=applicant, role=OrganizationRole.Role.ADMIN).user
    assert client_for(user).get(url(cluster, "organizations")).status_code == 404


# --- OPTIONS and the browsable API --------------------------------------------------------------------------


class TestDescribingTheApi:
    def test_options_offers_a_write_only_to_roles_that_may_make_it(self, cluster, school, coordinator, authority,
                                                                   org_admin, college):
        def offered(user, *parts):
            response = client_for(user).options(url(cluster, *parts))
            assert response.status_code == 200
            return response.data.get("actions", {})

        create = offered(coordinator, "organizations")
        assert set(create) == {"POST"}
        assert create["POST"]["tax_id"]["read_only"] is False
        assert "status" not in create["POST"]
        assert offered(authority, "organizations") == {}
        assert offered(org_admin, "organizations") == {}

        # An organization admin may replace its own profile, but not its kind, nor another's.
        own = offered(org_admin, "organizations", school.pk)
        assert set(own) == {"PUT"} and "kind" not in own["PUT"] and "name" in own["PUT"]
        assert offered(org_admin, "organizations", college.pk) == {}
        assert "kind" in offered(coordinator, "organizations", school.pk)["PUT"]

        people = offered(org_admin, "people")
        assert set(people["POST"]) >= {"organization", "full_name", "is_active"}
        assert offered(authority, "school-ratings") == {}
        assert set(offered(coordinator, "school-ratings")["POST"]) == {
            "organization", "period", "colour", "score", "note",
        }

    @pytest.mark.parametrize("route", ["organizations", "applications", "people", "school-ratings"])
    def test_the_browsable_api_renders_lists_and_objects(self, route, cluster, coordinator, school):
        person = PersonFactory(organization=school)
        application = ApplicationFactory(cluster=cluster)
        rating = services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                               period=datetime.date(2025, 9, 1), colour="red", score=40)
        pk = {"organizations": school.pk, "applications": application.pk, "people": person.pk,
              "school-ratings": rating.pk}[route]
        client = APIClient()
        client.force_login(coordinator)
        for path in (url(cluster, route), url(cluster, route, pk)):
            response = client.get(path, HTTP_ACCEPT="text/html")
            assert response.status_code == 200, path
            assert response["Content-Type"].startswith("text/html")


# --- Schema and docs ------------------------------------------------------------------------------------------


class TestSchema:
    def test_the_schema_is_openapi_3_and_lists_the_members_paths(self, db):
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        expected = {
            "/api/v1/auth/token/",
            "/api/v1/c/{cluster_slug}/organizations/",
            "/api/v1/c/{cluster_slug}/organizations/{id}/",
            "/api/v1/c/{cluster_slug}/organizations/{id}/suspend/",
            "/api/v1/c/{cluster_slug}/organizations/{id}/withdraw/",
            "/api/v1/c/{cluster_slug}/organizations/{id}/reinstate/",
            "/api/v1/c/{cluster_slug}/applications/",
            "/api/v1/c/{cluster_slug}/applications/{id}/",
            "/api/v1/c/{cluster_slug}/applications/{id}/approve/",
            "/api/v1/c/{cluster_slug}/applications/{id}/reject/",
            "/api/v1/c/{cluster_slug}/people/",
            "/api/v1/c/{cluster_slug}/people/{id}/",
            "/api/v1/c/{cluster_slug}/school-ratings/",
            "/api/v1/c/{cluster_slug}/school-ratings/{id}/",
        }
        assert expected <= set(schema["paths"])
        assert "post" not in schema["paths"]["/api/v1/c/{cluster_slug}/applications/"]
        person_methods = set(schema["paths"]["/api/v1/c/{cluster_slug}/people/{id}/"])
        assert {"get", "patch"} <= person_methods and not {"put", "delete"} & person_methods

    def test_the_schema_generates_without_warnings(self, db, tmp_path):
        target = tmp_path / "schema.yaml"
        # --fail-on-warn raises on any warning or error; --validate checks it against the OpenAPI spec.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
        assert target.read_text().startswith("openapi: 3.")

    def test_the_docs_page_loads_everything_from_the_site_itself(self, db):
        response = APIClient().get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui" in html
        assert not re.search(r"https?://", html), "the docs page must not reference another host"
        references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        assert references, "the page should load Swagger UI's files"
        for reference in references:
            assert reference.startswith("/") and not reference.startswith("//"), reference
        assets = [ref for ref in references if ref.startswith("/static/")]
        assert any(ref.endswith("swagger-ui-bundle.js") for ref in assets)
        for asset in assets:
            assert finders.find(asset.removeprefix("/static/")), f"{asset} is not served by staticfiles"
