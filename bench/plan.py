"""What the load asks for: the largest cluster's real ids, the sign-ins (API tokens, a browser
session cookie) and the list of endpoints, read from the seeded bench database. Runs inside
Django (bench settings) in the platform scope: it reads several tables of one cluster."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cluster_platform import rls
from cluster_platform.pagination import AFTER, Keyset

# The members API's page size (REST_FRAMEWORK PAGE_SIZE) and the offset the deep page must pass.
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
DEEP_OFFSET = 100_000

# Largest cluster and the seeder's account names (cluster_platform.scale).
LARGEST_CLUSTER = {"national": "toshkent-shahri", "region": "samarqand", "small": "small-a"}
COORDINATOR = "scale-coordinator-{slug}"
SCHOOL_ADMIN = "scale-admin-{slug}"


def deep_page_url(list_path: str, *, offset: int, page_size: int, row_at: Callable[[int], object]) -> str:
    """The URL of the members list (`list_path`, its query string included) at the page that
    begins `offset` rows in, in the list's order. `row_at(n)` loads the n-th row of that order
    (a Person), for a pagination that continues from a row rather than counting pages.

    The API pages long lists by keyset (cluster_platform.pagination): the page after the row
    just before `offset` is `?cursor=` made of that row's ordering values (full_name, id), as
    the `next` link of the page before it would carry."""
    if offset <= 0:
        return list_path
    from members.models import Person

    keyset = Keyset.of(Person.objects.order_by("full_name", "pk"))  # the people list's order; nothing is read
    cursor = keyset.cursor(AFTER, row_at(offset - 1))
    return f"{list_path}{'&' if '?' in list_path else '?'}{urlencode({'cursor': cursor})}"


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    auth: str  # "coordinator-token", "admin-token" or "coordinator-session"
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)
    note: str = ""
    # Compared with: "baseline" (p95 ≤ 3× the baseline's), "page-1" (the deep page), or "" (the baseline).
    target: str = "baseline"


@dataclass
class Plan:
    slug: str
    cluster_id: int
    coordinator: str
    school_admin: str
    school: str
    headers: dict[str, dict[str, str]]
    endpoints: list[Endpoint]
    facts: dict
    database: str = ""

    def as_json(self) -> str:
        return json.dumps({**self.__dict__, "endpoints": [e.__dict__ for e in self.endpoints]}, default=str)


def _user(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise SystemExit(f"bench: no user {username!r} in the bench database; was it seeded?") from None


def _session_cookie(user) -> str:
    """A signed-in browser session, as the sign-in page would leave it."""
    client = Client()
    client.force_login(user, backend="cluster_platform.auth_backends.DemoAwareModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def report_periods(today: datetime.date) -> list[str]:
    """Every month, quarter and year that has begun, newest first (2000 onwards): one report request
    per period, so that each request of the load queues a report instead of meeting one queued."""
    codes = []
    for year in range(today.year, 1999, -1):
        for month in range(12, 0, -1):
            if datetime.date(year, month, 1) <= today:
                codes.append(("month", f"{year}-{month:02d}"))
        for quarter in range(4, 0, -1):
            if datetime.date(year, 3 * quarter - 2, 1) <= today:
                codes.append(("quarter", f"{year}-Q{quarter}"))
        codes.append(("year", str(year)))
    return [json.dumps({"kind": kind, "period": code, "language": "en"}) for kind, code in codes]


def build(*, scale: str, slug: str | None = None) -> Plan:
    from members.models import Cluster, Organization, OrganizationRole, Person
    from resources.models import BookedResource

    slug = slug or LARGEST_CLUSTER[scale]
    with rls.platform_scope():
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is None:
            raise SystemExit(f"bench: no cluster {slug!r} in the bench database; was it seeded?")
        coordinator = _user(COORDINATOR.format(slug=slug))
        admin = _user(SCHOOL_ADMIN.format(slug=slug))
        role = OrganizationRole.objects.for_cluster(cluster).filter(user=admin, role="admin").select_related(
            "organization").first()
        if role is None:
            raise SystemExit(f"bench: {admin.username} administers no organization of {slug}")
        tokens = {name: Token.objects.get_or_create(user=user)[0].key
                  for name, user in (("coordinator", coordinator), ("admin", admin))}
        cookie = _session_cookie(coordinator)

        people = Person.objects.for_cluster(cluster)
        total = people.count()
        biggest = (people.values("organization_id").annotate(n=Count("pk")).order_by("-n", "organization_id")
                   .first() or {"organization_id": role.organization_id, "n": 0})
        ordered = people.order_by("full_name", "pk")
        middle = ordered[total // 2] if total else None
        term = middle.full_name.split()[0] if middle else "a"
        resource = (BookedResource.objects.for_cluster(cluster).values("resource_id")
                    .annotate(n=Count("pk")).order_by("-n", "resource_id").first())
        organizations = Organization.objects.for_cluster(cluster).count()

    if total > DEEP_OFFSET + PAGE_SIZE:
        offset, deep_note = DEEP_OFFSET + PAGE_SIZE, f"offset {DEEP_OFFSET + PAGE_SIZE:,} of {total:,}"
    else:
        offset = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
        deep_note = f"last page, offset {offset:,} of {total:,} (fewer than {DEEP_OFFSET:,} rows at this scale)"

    def row_at(n: int):
        with rls.platform_scope():
            return ordered[n]

    api = f"/api/v1/c/{slug}"
    page = f"/c/{slug}"
    today = timezone.localdate()
    endpoints = [
        Endpoint("baseline", "baseline (one indexed query)", f"/bench/baseline/{slug}/", "coordinator-token",
                 target=""),
        Endpoint("people_api", "members list API", f"{api}/people/", "coordinator-token", note=f"{total:,} people"),
        Endpoint("people_api_filtered", "members list API, filtered",
                 f"{api}/people/?{urlencode({'organization': biggest['organization_id'], 'is_active': 'true'})}",
                 "coordinator-token", note=f"one organization, {biggest['n']:,} people"),
        Endpoint("people_api_search", "members list API, searched", f"{api}/people/?{urlencode({'q': term})}",
                 "coordinator-token", note=f"q={term}"),
        Endpoint("people_api_deep", "members list API, deep page",
                 deep_page_url(f"{api}/people/", offset=offset, page_size=PAGE_SIZE, row_at=row_at),
                 "coordinator-token", note=deep_note, target="page-1"),
        Endpoint("people_api_admin", "members list API, school admin", f"{api}/people/", "admin-token",
                 note=f"permission-filtered: {role.organization.name}"),
        Endpoint("organizations_api", "organizations list API", f"{api}/organizations/", "coordinator-token",
                 note=f"{organizations:,} organizations"),
        Endpoint("agreements_api", "agreements list API", f"{api}/agreements/", "coordinator-token"),
        Endpoint("agreements_page", "agreements list page", f"{page}/agreements/", "coordinator-session"),
        Endpoint("people_page", "members (people) page", f"{page}/people/", "coordinator-session"),
        Endpoint("calendar_page", "resource calendar page (month)",
                 f"{page}/resources/{resource['resource_id']}/?view=month&date={today.isoformat()}"
                 if resource else f"{page}/resources/", "coordinator-session",
                 note=f"resource {resource['resource_id']}, {resource['n']:,} booked items" if resource
                 else "no booked resource: the catalogue"),
        Endpoint("innovation_board", "innovation board page", f"{page}/innovations/board/", "coordinator-session"),
        Endpoint("indicator_dashboard", "indicator dashboard page", f"{page}/reports/dashboard/",
                 "coordinator-session"),
        Endpoint("report_request", "report request (API POST, queued)", f"{api}/reports/", "coordinator-token",
                 method="POST", bodies=report_periods(today)),
    ]
    json_api = {"Accept": "application/json"}
    headers = {
        "coordinator-token": {**json_api, "Authorization": f"Token {tokens['coordinator']}"},
        "admin-token": {**json_api, "Authorization": f"Token {tokens['admin']}"},
        "coordinator-session": {"Cookie": cookie, "Accept": "text/html"},
    }
    return Plan(slug=slug, cluster_id=cluster.pk, coordinator=coordinator.username, school_admin=admin.username,
                school=role.organization.name, headers=headers, endpoints=endpoints,
                facts={"people": total, "organizations": organizations, "search_term": term})
