"""The isolation walker: every cluster route, browser and API, generated from the URL
configuration. A user of cluster A gets 404 for cluster B's URLs and objects, whatever the
method, and nothing changes; anonymous callers are sent to log in (401 for the API).

A new route under /c/<slug>/ or /api/v1/c/<slug>/ with an object id needs a sample in
SAMPLES below, or this test fails and says which.
"""

import datetime
import re

import pytest
from django.apps import apps
from django.urls import URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from agreements.tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    AgreementPartyFactory,
    ObligationFactory,
)
from cluster_platform.tenancy import TenantModel
from innovations.models import Innovation, InnovationAttachment
from innovations.tests.factories import (
    AdoptionFactory,
    ExpertReviewFactory,
    InnovationFactory,
    PilotFactory,
    PilotMeasureFactory,
)
from members.models import SchoolRating
from reports.models import Report
from members.tests.factories import (
    ApplicationFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from programs.tests.factories import EmployerNeedFactory, EnrollmentFactory, ProgramFactory, SessionFactory
from resources.models import CalendarFeed, ResourcePhoto
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    OpeningHoursFactory,
    ResourceFactory,
    period,
)

pytestmark = pytest.mark.django_db

# Every tenant table, so a new model is snapshotted without being listed here.
TENANT_MODELS = sorted((model for model in apps.get_models() if issubclass(model, TenantModel)),
                       key=lambda model: model._meta.label)

# (path segment before the id, URL keyword) -> the key of the sample object to put there.
SAMPLES = {
    ("organizations", "pk"): "organization",
    ("applications", "pk"): "application",
    ("people", "pk"): "person",
    ("school-ratings", "pk"): "rating",
    ("roles", "pk"): "cluster_role",
    ("roles", "role_pk"): "organization_role",
    ("agreements", "pk"): "agreement",
    ("parties", "party_pk"): "party",
    ("obligations", "obligation_pk"): "obligation",
    ("obligations", "pk"): "obligation",
    ("documents", "document_pk"): "document",
    # resources (browser pages and API)
    ("resources", "pk"): "resource",
    ("resources", "resource_pk"): "resource",
    ("bookings", "pk"): "booking",
    ("photos", "photo_pk"): "photo",
    ("closed-dates", "closed_pk"): "closed_date",
    # resources: calendar links
    ("calendars", "feed_pk"): "feed",
    # programmes (browser pages and API), their attendance sheet, its import and template included
    ("programs", "pk"): "program",
    ("programs", "program_pk"): "program",
    ("sessions", "session_pk"): "session",
    ("sessions", "pk"): "session",
    ("enrollments", "pk"): "enrollment",
    ("enrollments", "enrollment_pk"): "enrollment",
    ("needs", "pk"): "need",
    # innovations (browser pages and API)
    ("innovations", "pk"): "innovation",
    ("reviews", "pk"): "review",
    ("pilots", "pk"): "pilot",
    ("measures", "pk"): "measure",
    ("adoptions", "pk"): "adoption",
    ("attachments", "pk"): "attachment",
    # reports
    ("reports", "pk"): "report",
}

# Bodies that would change something if a check were missing.
HOSTILE_BODY = {
    "name": "Taken over", "kind": "school", "full_name": "Intruder", "reason": "intrusion",
    "status": "suspended", "colour": "red", "score": "1", "period": "2020-01-01", "email": "x@example.org",
    "cluster_role": "coordinator", "organization_role": "admin", "role": "coordinator", "district": "Nowhere",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name


# Routes that carry a cluster slug and are public on purpose.
PUBLIC_ROUTES = {"application_apply"}


def cluster_routes():
    """(route, name) for every non-public route that carries a cluster slug."""
    return sorted({(route, name) for route, name in _walk(get_resolver().url_patterns)
                   if "cluster_slug" in route and name not in PUBLIC_ROUTES})


def is_api(route):
    return route.startswith("api/")


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def fill(route, slug, objects):
    """The URL of a route for a cluster slug, its ids taken from `objects`."""
    route = route.replace("^", "").replace("$", "")
    missing = []

    def substitute(match):
        name = match.group(1) or match.group(2)
        if name == "cluster_slug":
            return slug
        before = route[: match.start()].rstrip("/").split("/")[-1]
        key = SAMPLES.get((before, name))
        if key is None:
            missing.append(f"{route}: no sample for ({before!r}, {name!r})")
            return "0"
        return str(objects[key].pk)

    url = "/" + _PARAM.sub(substitute, route)
    if missing:
        pytest.fail("Add a sample to SAMPLES in tests/test_isolation.py: " + "; ".join(missing))
    return url


def snapshot(cluster):
    return {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values()) for model in TENANT_MODELS}


def populate(cluster):
    organization = OrganizationFactory(cluster=cluster)
    rating = SchoolRating.objects.create(cluster=cluster, organization=organization, period=datetime.date(2025, 9, 1),
                                         colour="green", score=80)
    return {
        "organization": organization,
        "person": PersonFactory(organization=organization),
        "application": ApplicationFactory(cluster=cluster),
        "rating": rating,
        "cluster_role": ClusterRoleFactory(cluster=cluster, role="expert"),
        "organization_role": OrganizationRoleFactory(organization=organization, role="staff"),
        **_agreement_samples(cluster, organization),
        **_resource_samples(cluster, organization),
        **_program_samples(cluster, organization),
        **_innovation_samples(cluster, organization),
        "report": Report.objects.create(
            cluster=cluster, kind="quarter", period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31), status="ready", language="en", pdf="reports/sample.pdf", size=1,
            sha256="0" * 64),
    }


def _resource_samples(cluster, organization):
    resource = ResourceFactory(owner=organization)
    OpeningHoursFactory(resource=resource)
    start = datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.timezone.utc)
    booking = BookingFactory(requester=OrganizationFactory(cluster=cluster),
                             period=period(start, start + datetime.timedelta(hours=2)))
    BookedResourceFactory(booking=booking, resource=resource)
    photo = ResourcePhoto.objects.create(cluster=cluster, resource=resource, image="resources/sample.png",
                                         content_type="image/png", size=1)
    feed = CalendarFeed.objects.create(cluster=cluster, resource=resource, created_by=UserFactory(),
                                       token_hash=f"{cluster.pk:064x}")
    return {"resource": resource, "booking": booking, "photo": photo,
            "closed_date": ClosedDateFactory(resource=resource), "feed": feed}


def _program_samples(cluster, organization):
    program = ProgramFactory(lead_organization=organization)
    enrollment = EnrollmentFactory(program=program, person=PersonFactory(organization=organization))
    return {"program": program, "session": SessionFactory(program=program), "enrollment": enrollment,
            "need": EmployerNeedFactory(organization=OrganizationFactory(cluster=cluster, kind="enterprise"))}


def _innovation_samples(cluster, organization):
    innovation = InnovationFactory(origin_organization=organization, stage=Innovation.Stage.IMPLEMENTING)
    expert = ClusterRoleFactory(cluster=cluster, role="expert").user
    pilot = PilotFactory(innovation=innovation)
    attachment = InnovationAttachment.objects.create(
        cluster=cluster, innovation=innovation, file="innovations/sample.pdf", original_name="sample.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64)
    return {"innovation": innovation, "review": ExpertReviewFactory(innovation=innovation, expert=expert, scores=4),
            "pilot": pilot, "measure": PilotMeasureFactory(pilot=pilot, result=60),
            "adoption": AdoptionFactory(innovation=innovation), "attachment": attachment}


def _agreement_samples(cluster, organization):
    agreement = AgreementFactory(cluster=cluster, status="negotiation")
    party = AgreementPartyFactory(agreement=agreement, organization=organization)
    AgreementPartyFactory(agreement=agreement)
    return {"agreement": agreement, "party": party, "obligation": ObligationFactory(party=party),
            "document": AgreementDocumentFactory(agreement=agreement)}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Sample documents are written to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(cluster, other_cluster, coordinator, outsider):
    return {"a": populate(cluster), "b": populate(other_cluster)}


def request(client, method, url, api, token=None):
    kwargs = {}
    if api:
        kwargs["HTTP_AUTHORIZATION"] = f"Token {token}"
        kwargs["content_type"] = "application/json"
    if method == "get":
        return client.get(url, **kwargs)
    return getattr(client, method)(url, data=HOSTILE_BODY, **kwargs)


def methods_for(route):
    return ["get", "post", "put", "patch", "delete"] if is_api(route) else ["get", "post"]


def test_the_public_application_page_is_public_but_only_for_real_clusters(client, cluster):
    assert client.get(f"/apply/{cluster.slug}/").status_code == 200
    assert client.get("/apply/no-such-region/").status_code == 404


def test_there_are_routes_to_walk():
    routes = cluster_routes()
    assert any(is_api(r) for r, _ in routes) and any(not is_api(r) for r, _ in routes)
    # Routes added with their feature are walked like the rest (uploads and confirmations too).
    names = {name for _route, name in routes}
    assert {"program_attendance_import", "program_attendance_import_confirm", "program_attendance_template"} <= names


def test_a_user_of_another_cluster_gets_404_on_every_route_and_changes_nothing(
        client, cluster, outsider, world):
    client.force_login(outsider)
    token = Token.objects.create(user=outsider).key
    before = snapshot(cluster)
    for route, name in cluster_routes():
        url = fill(route, cluster.slug, world["a"])
        for method in methods_for(route):
            response = request(client, method, url, is_api(route), token)
            assert response.status_code == 404, f"{method.upper()} {url} ({name}) answered {response.status_code}"
    assert snapshot(cluster) == before


def test_another_clusters_ids_are_404_under_ones_own_cluster_and_change_nothing(
        client, cluster, other_cluster, coordinator, world):
    client.force_login(coordinator)
    token = Token.objects.create(user=coordinator).key
    before = snapshot(other_cluster)
    checked = 0
    for route, name in cluster_routes():
        if "pk>" not in route:
            continue
        url = fill(route, cluster.slug, world["b"])
        statuses = {method: request(client, method, url, is_api(route), token).status_code
                    for method in methods_for(route)}
        # 405 for a method the route does not have; every method it has must answer 404.
        assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), f"{url} ({name}): {statuses}"
        checked += 1
    assert checked >= 10
    assert snapshot(other_cluster) == before


def test_anonymous_callers_must_log_in_first(client, cluster, world):
    for route, name in cluster_routes():
        url = fill(route, cluster.slug, world["a"])
        response = client.get(url)
        if is_api(route):
            assert response.status_code == 401, f"{url} ({name})"
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], f"{url} ({name})"


def test_an_unknown_cluster_is_404_like_a_foreign_one(client, coordinator, world):
    client.force_login(coordinator)
    token = Token.objects.create(user=coordinator).key
    for route, name in cluster_routes():
        url = fill(route, "no-such-region", world["a"])
        assert request(client, "get", url, is_api(route), token).status_code == 404, url


def test_a_user_with_roles_in_both_clusters_sees_each_through_its_own_url(client, cluster, other_cluster, world):
    both = UserFactory(username="both")
    ClusterRoleFactory(cluster=cluster, user=both, role="authority")
    ClusterRoleFactory(cluster=other_cluster, user=both, role="authority")
    client.force_login(both)
    b_org = world["b"]["organization"]
    assert client.get(f"/c/{other_cluster.slug}/organizations/{b_org.pk}/").status_code == 200
    assert client.get(f"/c/{cluster.slug}/organizations/{b_org.pk}/").status_code == 404
