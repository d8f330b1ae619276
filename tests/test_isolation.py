"""The isolation walker, generated from the URL configuration and the OpenAPI schema.

- Every route under /c/<slug>/ and /api/v1/c/<slug>/, every method it has (the API's from the
  schema) and every role of cluster A: cluster B's objects answer 404, under A's address with
  B's ids as under B's own address, and no row of either cluster changes. Under A's address a
  role refused on the whole route may get 403 instead, only if ids that exist nowhere get that
  same 403: the answer then says nothing about B's object.
- Every route of the site, anonymously: outside the short PUBLIC list below, a page sends the
  caller to sign in and the API answers 401. A public route with a token or code in its
  address answers an unknown one with 404.
- The schema and the URL configuration describe the same API paths and methods.

A new route with a parameter needs a sample: SAMPLES for routes under a cluster, PARAMS for
the others; the test that finds none names the route. A new public route needs a line in PUBLIC.
"""

import datetime
import functools
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.urls import URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
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
from members.models import Cluster, SchoolRating
from members.tests.factories import (
    ApplicationFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from programs.tests.factories import EmployerNeedFactory, EnrollmentFactory, ProgramFactory, SessionFactory
from reports.models import Report
from resources.models import CalendarFeed, ResourcePhoto
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    OpeningHoursFactory,
    ResourceFactory,
    period,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

# --- What the walker needs to know ---------------------------------------------------------------

# Routes under a cluster: (path segment before the id, URL keyword) -> the key of the sample
# object of `populate()` to put there. tests/test_api_fuzz.py reads it too.
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

# Routes outside a cluster: URL keyword -> a value. None names a real object or secret, so the
# public routes among them must answer "not found".
PARAMS = {
    "token": "unknown-token-0123456789",  # also fits the calendar feed's [A-Za-z0-9_-]{20,128}
    "code": "ABCD-EFGH-JKMN",  # a certificate's or report's verification code
    "uidb64": "MQ",  # password reset: user 1 in base 64, with the unknown token above
    # the admin site (platform superusers): it asks to sign in before it reads these
    "app_label": "members",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "url": "no-such-page/",
    "role": "no-such-role",  # the user guide's page of a role
}

# The routes anyone may call without signing in, by name (or pattern when unnamed), each with why.
PUBLIC = {
    "login": "the sign-in form",
    "logout": "signing out (POST) needs no session; it then shows the sign-in form",
    "password_reset": "asking for a password reset link by email",
    "password_reset_done": "the 'email sent' page of the reset",
    "password_reset_confirm": "the emailed reset link: its signed token is the key",
    "password_reset_complete": "the 'password set' page of the reset",
    "set_language": "the language switch also serves the sign-in page",
    "healthz": "the load balancer's health check",
    "guide": "the user guide explains the platform before anyone signs in",
    "guide_role": "the user guide's page of one role",
    "application_apply": "an institution applies to join a cluster before it has any account",
    "cluster_logo": "a cluster's logo, shown by its public pages too; only at its current, unguessable version",
    "invitation_accept": "the emailed invitation creates the account: its signed token is the key",
    "calendar_feed": "calendar apps fetch the feed with its secret token alone",
    "certificate_verify_form": "anyone checks a certificate or report by its printed code",
    "certificate_verify": "the answer for one code",
    "verify/<str:code>": "the same, at the link printed without the final slash",
    "api-token": "exchanges a username and password for an API token",
    "api-schema": "the OpenAPI schema is published on purpose (members/tests/test_api.py, README)",
    "api-docs": "Swagger UI over that schema, published likewise",
    "admin:login": "the admin site's own sign-in form",
    "admin:logout": "signing out of the admin; a signed-out caller is sent to the admin index, which asks to sign in",
}

# What a public route answers for an unknown token or code, when it is not 404.
UNKNOWN_VALUE_ANSWERS = {
    # Django's view renders its "invalid link" page, with no hint whether the account exists.
    "password_reset_confirm": 200,
}

# API routes the OpenAPI schema leaves out, with why.
NOT_IN_SCHEMA = {
    "api-schema": "the schema does not describe itself (SERVE_INCLUDE_SCHEMA = False)",
    "api-docs": "the page that shows the schema",
}

# The roles of cluster A that walk cluster B (fixtures), and B's coordinator walking A.
WALKERS = ["coordinator", "authority", "expert", "org_admin", "org_staff", "outsider"]

HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# Bodies that would change something if a check were missing.
HOSTILE_BODY = {
    "name": "Taken over", "kind": "school", "full_name": "Intruder", "reason": "intrusion",
    "status": "suspended", "colour": "red", "score": "1", "period": "2020-01-01", "email": "x@example.org",
    "cluster_role": "coordinator", "organization_role": "admin", "role": "coordinator", "district": "Nowhere",
}


# --- Routes: the URL configuration and the OpenAPI schema ------------------------------------------

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
_BRACED = re.compile(r"\{(\w+)\}")


def template_of(pattern: str) -> str:
    """A URL pattern (path() or regex) as a path with {name} parameters."""
    path = pattern.replace("^", "").replace("$", "")
    path = _PARAM.sub(lambda match: "{%s}" % (match.group(1) or match.group(2)), path)
    return "/" + re.sub(r"\\(.)", r"\1", path)  # regex escapes such as \.ics


def shape_of(template: str) -> str:
    """The path with its parameters unnamed: the schema calls `pk` `id`."""
    return _BRACED.sub("{}", template)


@dataclass(frozen=True)
class Route:
    pattern: str  # as in the URL configuration, prefixes joined
    name: str | None  # with its namespace: "admin:index"
    view: Callable = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        """How the lists above name it: its name, or its pattern when it has none."""
        return self.name or self.pattern

    @property
    def template(self) -> str:
        return template_of(self.pattern)

    @property
    def shape(self) -> str:
        return shape_of(self.template)

    @property
    def object_params(self) -> list[str]:
        return [name for name in _BRACED.findall(self.template) if name != "cluster_slug"]

    @property
    def in_cluster(self) -> bool:
        return "{cluster_slug}" in self.template

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield Route(prefix + str(pattern.pattern), pattern.name and namespace + pattern.name, pattern.callback)


@functools.cache
def all_routes() -> tuple[Route, ...]:
    """Every route of the URL configuration; one shadowed by an earlier identical pattern (the
    project's login and set_language before Django's) is never reached and left out."""
    routes = {}
    for route in _walk(get_resolver().url_patterns):
        routes.setdefault(route.template, route)
    return tuple(routes.values())


def cluster_routes() -> list[Route]:
    """Every non-public route under a cluster's address, browser and API."""
    return [route for route in all_routes() if route.in_cluster and route.key not in PUBLIC]


@functools.cache
def openapi_paths() -> dict[str, tuple[str, frozenset]]:
    """{path shape: (schema path, its methods)} of the schema drf-spectacular serves."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {shape_of(path): (path, frozenset(method for method in item if method in HTTP_METHODS))
            for path, item in schema["paths"].items()}


def declared_methods(route) -> set | None:
    """The methods the route's view has, or None for a plain function (it does not say)."""
    view = route.view
    if hasattr(view, "actions"):  # a DRF viewset route
        # DRF adds "head" to a route's actions once it has served a GET: not a method of its own.
        return set(view.actions) - {"head"}
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {method for method in HTTP_METHODS
                if method in view_class.http_method_names and hasattr(view_class, method)}
    return None


def methods(route) -> list[str]:
    """The methods to walk: the schema's for the API, else the view's (GET and POST for a function)."""
    if route.is_api and route.shape in openapi_paths():
        return sorted(openapi_paths()[route.shape][1])
    declared = declared_methods(route)
    return sorted(declared) if declared is not None else ["get", "post"]


def _segment_before(template, match):
    return template[: match.start()].rstrip("/").split("/")[-1]


def missing_samples(route) -> list[str]:
    missing = []
    for match in _BRACED.finditer(route.template):
        name = match.group(1)
        if name == "cluster_slug":
            continue
        if route.in_cluster and (_segment_before(route.template, match), name) not in SAMPLES:
            missing.append(f"SAMPLES[({_segment_before(route.template, match)!r}, {name!r})]")
        elif not route.in_cluster and name not in PARAMS:
            missing.append(f"PARAMS[{name!r}]")
    return missing


def fill(route, slug, objects) -> str:
    """The route's URL for a cluster slug, its ids taken from `objects` (see `populate`)."""
    missing = missing_samples(route)
    if missing:
        pytest.fail(f"{route.key} ({route.template}) needs a sample in tests/test_isolation.py: {', '.join(missing)}")

    def value(match):
        name = match.group(1)
        if name == "cluster_slug":
            return slug
        if route.in_cluster:
            return str(objects[SAMPLES[(_segment_before(route.template, match), name)]].pk)
        return PARAMS[name]

    return _BRACED.sub(value, route.template)


# --- Data: one object of every kind per cluster, and a snapshot of every row ----------------------


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


# Every table with a cluster key: the tenant tables, guardian's grant tables and the audit events.
CLUSTER_TABLES = sorted(
    (model for model in apps.get_models()
     if any(field.name == "cluster" and field.is_relation for field in model._meta.concrete_fields)),
    key=lambda model: model._meta.label)


def snapshot(*clusters):
    """Every row of the clusters (their own row included), and every user account."""
    user_fields = [f.attname for f in get_user_model()._meta.concrete_fields if f.name != "last_login"]
    tables = {"accounts": list(get_user_model().objects.order_by("pk").values(*user_fields))}
    for cluster in clusters:
        tables[f"{cluster.slug}: members.Cluster"] = list(Cluster.objects.filter(pk=cluster.pk).values())
        for model in CLUSTER_TABLES:
            rows = (model.objects.for_cluster(cluster) if issubclass(model, TenantModel)
                    else model._default_manager.filter(cluster=cluster))
            tables[f"{cluster.slug}: {model._meta.label}"] = list(rows.order_by("pk").values())
    return tables


def changed_tables(before, after) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])


# --- Requests ------------------------------------------------------------------------------------


def call(client, method, url, *, api, token=None):
    kwargs = {}
    if api:
        kwargs["content_type"] = "application/json"
        if token:
            kwargs["HTTP_AUTHORIZATION"] = f"Token {token}"
    if method == "get":
        return client.get(url, **kwargs)
    return getattr(client, method)(url, data=HOSTILE_BODY, **kwargs)


def walk(client, routes, url_for, check, token=None) -> list[str]:
    """Calls every route with each of its methods; the failures, one line each."""
    failures = []
    for route in routes:
        url = url_for(route)
        for method in methods(route):
            problem = check(route, method, call(client, method, url, api=route.is_api, token=token))
            if problem:
                failures.append(f"{method.upper()} {url} ({route.key}) {problem}")
    return failures


def answers_404(route, method, response):
    if response.status_code != 404:
        return f"answered {response.status_code}, expected 404"
    return None


# Ids that exist in no cluster.
NOWHERE = defaultdict(lambda: SimpleNamespace(pk=2**31 - 1))


def answers_as_for_no_object(client, slug, token):
    """404, or else the very answer the call gets with ids that exist nowhere: a role refused on
    the whole route (403, checked before any object is read) learns nothing about the object."""

    def check(route, method, response):
        if response.status_code == 404:
            return None
        nowhere = call(client, method, fill(route, slug, NOWHERE), api=route.is_api, token=token).status_code
        if response.status_code == nowhere == 403:
            return None
        return f"answered {response.status_code} ({nowhere} for ids that exist nowhere), expected 404"

    return check


def asks_to_sign_in(route, method, response):
    if route.is_api:
        return None if response.status_code == 401 else f"answered {response.status_code}, expected 401"
    login_pages = {resolve_url(settings.LOGIN_URL), reverse("admin:login")}
    location = urlsplit(response.get("Location", "")).path
    if response.status_code != 302 or location not in login_pages:
        return f"answered {response.status_code} {location}, expected a redirect to {' or '.join(sorted(login_pages))}"
    return None


def report(failures, what):
    return f"{what}: {len(failures)} failure(s)\n" + "\n".join(failures)


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet_404s(caplog):
    """Thousands of expected 404s would each be logged; errors (a 500) still are."""
    caplog.set_level(logging.ERROR, logger="django.request")


@pytest.fixture
def org_staff(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


@pytest.fixture
def world(cluster, other_cluster, coordinator, outsider):
    return {"a": populate(cluster), "b": populate(other_cluster)}


# --- The routes, the samples and the schema --------------------------------------------------------


def test_there_are_routes_to_walk():
    routes = cluster_routes()
    assert any(r.is_api for r in routes) and any(not r.is_api for r in routes)
    # Routes added with their feature are walked like the rest (uploads and confirmations too).
    names = {route.key for route in routes}
    assert {"program_attendance_import", "program_attendance_import_confirm", "program_attendance_template"} <= names
    # Not only the cluster routes: the whole site is walked anonymously.
    keys = {route.key for route in all_routes()}
    assert {"home", "password_change", "admin:index", "api-token", "calendar_feed", "invitation_accept"} <= keys


def test_every_route_has_sample_values_and_its_url_reaches_it():
    missing = [f"{route.key} ({route.template}): {', '.join(missing_samples(route))}"
               for route in all_routes() if missing_samples(route)]
    assert not missing, "Add a sample to SAMPLES or PARAMS in tests/test_isolation.py for:\n" + "\n".join(missing)
    any_pk = defaultdict(lambda: SimpleNamespace(pk=1))
    astray = []
    for route in all_routes():
        url = fill(route, "some-region", any_pk)
        reached = shape_of(template_of(resolve(url).route))
        if reached != route.shape:
            astray.append(f"{url} ({route.key}) reaches {reached}")
    assert not astray, "\n".join(astray)


def test_the_openapi_schema_and_the_url_configuration_describe_the_same_api():
    schema = openapi_paths()
    routes = {route.shape: route for route in all_routes() if route.is_api and route.key not in NOT_IN_SCHEMA}
    only_in_schema = sorted(path for shape, (path, _) in schema.items() if shape not in routes)
    assert not only_in_schema, "Paths of the schema that no route serves:\n" + "\n".join(only_in_schema)
    only_in_urls = sorted(f"{route.template} ({route.key})" for shape, route in routes.items() if shape not in schema)
    assert not only_in_urls, ("API routes missing from the schema (or list them in NOT_IN_SCHEMA):\n"
                              + "\n".join(only_in_urls))
    assert set(NOT_IN_SCHEMA) <= {route.key for route in all_routes()}, "stale entries in NOT_IN_SCHEMA"

    mismatched, unsampled = [], []
    for shape, (path, documented) in sorted(schema.items()):
        route = routes[shape]
        # The API is walked with the schema's methods: they must be the ones the view has.
        declared = declared_methods(route)
        if declared is not None and declared != documented:
            mismatched.append(f"{path} ({route.key}): schema {sorted(documented)}, view {sorted(declared)}")
        if missing_samples(route):
            unsampled.append(f"{path} ({route.key}): {', '.join(missing_samples(route))}")
    assert not mismatched, "Methods of the schema and the views differ:\n" + "\n".join(mismatched)
    assert not unsampled, "Schema paths without a sample for their parameters:\n" + "\n".join(unsampled)
    assert sum(len(documented) for _, documented in schema.values()) >= 100


# --- Another cluster's objects ---------------------------------------------------------------------


@pytest.mark.parametrize("walker", WALKERS)
def test_a_user_of_another_cluster_gets_404_on_every_route_and_method_and_changes_nothing(
        request, client, cluster, other_cluster, world, walker):
    user = request.getfixturevalue(walker)
    # The roles of cluster A walk B's objects; the outsider, B's coordinator, walks A's.
    home, foreign, objects = ((other_cluster, cluster, world["a"]) if walker == "outsider"
                              else (cluster, other_cluster, world["b"]))
    client.force_login(user)
    token = Token.objects.create(user=user).key
    before = snapshot(cluster, other_cluster)
    routes = cluster_routes()
    # One's own cluster's address with the other cluster's ids ...
    failures = walk(client, [route for route in routes if route.object_params],
                    lambda route: fill(route, home.slug, objects),
                    answers_as_for_no_object(client, home.slug, token), token)
    # ... and the other cluster's own address.
    failures += walk(client, routes, lambda route: fill(route, foreign.slug, objects), answers_404, token)
    assert not failures, report(failures, f"{walker} of {home.slug} on {foreign.slug}'s objects")
    changed = changed_tables(before, snapshot(cluster, other_cluster))
    assert not changed, f"{walker} of {home.slug} changed rows in: {', '.join(changed)}"


def test_an_unknown_cluster_is_404_like_a_foreign_one(client, coordinator, world):
    client.force_login(coordinator)
    token = Token.objects.create(user=coordinator).key
    failures = []
    # GET alone: the cluster is resolved before the method is looked at (all are walked above).
    for route in cluster_routes():
        url = fill(route, "no-such-region", world["a"])
        status = call(client, "get", url, api=route.is_api, token=token).status_code
        if status != 404:
            failures.append(f"GET {url} ({route.key}) answered {status}, expected 404")
    assert not failures, report(failures, "an unknown cluster")


def test_a_user_with_roles_in_both_clusters_sees_each_through_its_own_url(client, cluster, other_cluster, world):
    both = UserFactory(username="both")
    ClusterRoleFactory(cluster=cluster, user=both, role="authority")
    ClusterRoleFactory(cluster=other_cluster, user=both, role="authority")
    client.force_login(both)
    b_org = world["b"]["organization"]
    assert client.get(f"/c/{other_cluster.slug}/organizations/{b_org.pk}/").status_code == 200
    assert client.get(f"/c/{cluster.slug}/organizations/{b_org.pk}/").status_code == 404


# --- Anonymous callers ---------------------------------------------------------------------------


def test_anonymous_callers_must_sign_in_on_every_route_but_the_public_ones(client, cluster, world):
    before = snapshot(cluster)
    routes = [route for route in all_routes() if route.key not in PUBLIC]
    failures = walk(client, routes, lambda route: fill(route, cluster.slug, world["a"]), asks_to_sign_in)
    assert not failures, report(failures, "anonymous callers")
    assert len(routes) > 300  # the admin site's, the accounts pages, the API root's and the clusters'
    changed = changed_tables(before, snapshot(cluster))
    assert not changed, f"anonymous callers changed rows in: {', '.join(changed)}"


def test_the_public_list_names_real_routes_that_need_no_sign_in(client):
    keys = {route.key for route in all_routes()}
    assert not set(PUBLIC) - keys, f"stale entries in PUBLIC: {sorted(set(PUBLIC) - keys)}"
    asked = []
    for route in all_routes():
        if route.key in PUBLIC and not route.object_params and not route.in_cluster and "get" in methods(route):
            response = client.get(route.template)
            if response.status_code >= 500 or not asks_to_sign_in(route, "get", response):
                asked.append(f"GET {route.template} ({route.key}) answered {response.status_code}")
    assert not asked, "Public routes that are not public (or fail):\n" + "\n".join(asked)


def test_public_routes_answer_unknown_tokens_and_codes_with_404(client):
    checked, failures = 0, []
    for route in all_routes():
        if route.key not in PUBLIC or not (route.object_params or route.in_cluster):
            continue
        url = fill(route, "no-such-region", {})
        expected = UNKNOWN_VALUE_ANSWERS.get(route.key, 404)
        for method in methods(route):
            status = call(client, method, url, api=route.is_api).status_code
            # A plain function does not declare its methods: 405 is its answer to one it lacks.
            if status != expected and not (status == 405 and declared_methods(route) is None):
                failures.append(f"{method.upper()} {url} ({route.key}) answered {status}, expected {expected}")
            checked += 1
    assert not failures, report(failures, "unknown tokens and codes")
    assert checked >= 8


def test_the_public_application_page_is_public_but_only_for_real_clusters(client, cluster):
    assert client.get(f"/apply/{cluster.slug}/").status_code == 200
    assert client.get("/apply/no-such-region/").status_code == 404
