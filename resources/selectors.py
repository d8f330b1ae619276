"""Reads of the resources app. Every query names the cluster; who may read which booking is
the rule in permissions.visible_bookings, and the catalogue is open to anyone with a role in
the cluster (the view checks permissions.can_view_catalogue)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Exists, JSONField, OuterRef, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agreements import selectors as agreement_selectors
from agreements.models import Agreement, AgreementParty
from cluster_platform import names
from cluster_platform.tenancy import Roles
from members import selectors as member_selectors
from members.models import Organization

from . import availability, permissions
from .models import BOOKED_STATUSES, BookedResource, Booking, ClosedDate, OpeningHours, Resource, ResourcePhoto

TERMS_FILTER = {"free": Resource.Terms.FREE, "paid": Resource.Terms.COST_RECOVERY,
                "cost_recovery": Resource.Terms.COST_RECOVERY}


def _resource_prefetches(cluster):
    return [
        Prefetch("opening_hours", queryset=OpeningHours.objects.for_cluster(cluster)),
        Prefetch("photos", queryset=ResourcePhoto.objects.for_cluster(cluster)),
    ]


def free_between(cluster, resources, start: datetime.datetime, end: datetime.datetime):
    """Of `resources`, those that can take a booking over [start, end): active, open for the
    whole window (round the clock, or, for a window within one local day, inside one opening
    interval of that weekday; a window over several days only for round-the-clock resources,
    as availability.py says), closed on none of its dates, with no approved or completed booking
    overlapping it. Done in SQL: the filter composes with the others and with pagination."""
    start, end = availability.aware(start), availability.aware(end)
    if not isinstance(start, datetime.datetime) or not isinstance(end, datetime.datetime) or end <= start:
        return resources.none()
    period = DateTimeTZRange(start, end, "[)")
    dates = availability.local_dates(start, end)
    booked = BookedResource.objects.for_cluster(cluster).filter(
        resource_id=OuterRef("pk"), status__in=BOOKED_STATUSES, period__overlap=period)
    closed = ClosedDate.objects.for_cluster(cluster).filter(
        resource_id=OuterRef("pk"), date__gte=dates[0], date__lte=dates[-1])
    is_open = Q(always_open=True)
    if availability.within_one_day(start, end):
        local_start, local_end = availability.local(start), availability.local(end)
        is_open |= Exists(OpeningHours.objects.for_cluster(cluster).filter(
            resource_id=OuterRef("pk"), weekday=local_start.weekday(),
            opens__lte=local_start.time(), closes__gte=local_end.time()))
    return resources.filter(is_open, ~Exists(booked), ~Exists(closed), is_active=True)


def resource_list(*, cluster, filters: dict | None = None):
    """The catalogue with each resource's owner, opening hours and photos (a constant number
    of queries). Filters: kind, owner (organization id), terms ("free" or "paid"), access,
    q (name or description), free_between ((start, end)), include_archived (archived resources
    are left out unless true)."""
    filters = filters or {}
    resources = Resource.objects.for_cluster(cluster)
    if not filters.get("include_archived"):
        resources = resources.filter(is_active=True)
    if filters.get("kind"):
        resources = resources.filter(kind=filters["kind"])
    if filters.get("owner"):
        resources = resources.filter(owner_id=filters["owner"])
    if filters.get("terms"):
        terms = TERMS_FILTER.get(filters["terms"])
        resources = resources.filter(terms=terms) if terms else resources.none()
    if filters.get("access"):
        resources = resources.filter(access=filters["access"])
    query = (filters.get("q") or "").strip()
    if query:
        resources = resources.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if filters.get("free_between"):
        start, end = filters["free_between"]
        resources = free_between(cluster, resources, start, end)
    return resources.select_related("owner").prefetch_related(*_resource_prefetches(cluster))


def resource_get(*, cluster, pk) -> Resource:
    """One resource (archived ones too) with its owner, hours, upcoming closed dates and photos;
    DoesNotExist for another cluster's resource."""
    return (
        Resource.objects.for_cluster(cluster)
        .select_related("owner", "created_by")
        .prefetch_related(
            *_resource_prefetches(cluster),
            Prefetch("closed_dates", queryset=ClosedDate.objects.for_cluster(cluster).filter(
                date__gte=timezone.localdate())),
        )
        .get(pk=pk)
    )


def resource_brief(*, cluster, pk) -> Resource:
    """One resource (archived ones too) with its owner only, for a page that shows neither its
    hours nor its photos (the booking form); DoesNotExist for another cluster's resource."""
    return Resource.objects.for_cluster(cluster).select_related("owner").get(pk=pk)


def resource_managers(*, cluster, resource: Resource):
    """The people whose manage grant on the resource counts (they keep a role in the owner
    organization), by name. The owner's admins and the coordinators manage it by their roles."""
    return get_user_model().objects.filter(
        Exists(permissions.manager_grants(cluster, resource).filter(user_id=OuterRef("pk")))
    ).order_by("last_name", "first_name", "username")


def _items(cluster):
    return BookedResource.objects.for_cluster(cluster).select_related("resource__owner").order_by("resource_id")


def _with_details(cluster, bookings):
    return bookings.select_related("requester", "requested_by", "agreement", "decided_by", "cancelled_by") \
        .prefetch_related(Prefetch("items", queryset=_items(cluster)))


def _with_row_details(cluster, bookings):
    """What a row of a list shows (resources/partials/booking_row.html, the API's BookingOut):
    the requester, who requested and who decided. No more joins than that: past eight tables
    PostgreSQL stops reordering a statement's joins (join_collapse_limit), and the permission
    filters' EXISTS would then be checked after joining every row of the cluster instead of
    first."""
    return bookings.select_related("requester", "requested_by", "decided_by") \
        .prefetch_related(Prefetch("items", queryset=_items(cluster)))


def bookings_to_approve(cluster, roles: Roles):
    """Requested bookings whose every resource these roles manage."""
    return Booking.objects.for_cluster(cluster).filter(
        permissions.managed_bookings_filter(cluster, roles), status=Booking.Status.REQUESTED)


def booking_list(*, cluster, roles: Roles, filters: dict | None = None):
    """Bookings with their requester, agreement and resources (a constant number of queries).

    filters["view"]: "mine" (the requests of the user's organizations), "to_approve" (requested
    bookings of resources the user manages, oldest first), or anything else for every booking
    the user may read. Other filters: status, resource (id), requester (organization id)."""
    filters = filters or {}
    view = filters.get("view")
    if view == "mine":
        bookings = Booking.objects.for_cluster(cluster).filter(requester_id__in=set(roles.organization_roles))
    elif view == "to_approve":
        bookings = bookings_to_approve(cluster, roles).order_by("created_at", "id")
    else:
        bookings = permissions.visible_bookings(cluster, roles)
    if filters.get("status"):
        bookings = bookings.filter(status=filters["status"])
    if filters.get("resource"):
        bookings = bookings.filter(Exists(BookedResource.objects.for_cluster(cluster).filter(
            booking_id=OuterRef("pk"), resource_id=filters["resource"])))
    if filters.get("requester"):
        bookings = bookings.filter(requester_id=filters["requester"])
    return _with_row_details(cluster, bookings)


def booking_get(*, cluster, roles: Roles, pk) -> Booking:
    """One booking the roles may read; DoesNotExist alike for another cluster's booking and
    for one they may not read."""
    return _with_details(cluster, permissions.visible_bookings(cluster, roles)).get(pk=pk)


def free_slots(*, cluster, resource: Resource, start: datetime.datetime,
               end: datetime.datetime) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The free time of the resource in [start, end), as aware (start, end) pairs in order: the
    opening intervals of each local day (the whole day when it is open round the clock), less
    its closed dates, less its approved and completed bookings, clipped to the range. Requested
    bookings do not take time until approved. Three queries, whatever the range."""
    start, end = availability.aware(start), availability.aware(end)
    if end <= start or not resource.is_active:
        return []
    dates = availability.local_dates(start, end)
    hours_by_weekday: dict[int, list] = {}
    for weekday, opens, closes in OpeningHours.objects.for_cluster(cluster).filter(
            resource_id=resource.pk).order_by("weekday", "opens").values_list("weekday", "opens", "closes"):
        hours_by_weekday.setdefault(weekday, []).append((opens, closes))
    closed = set(ClosedDate.objects.for_cluster(cluster).filter(
        resource_id=resource.pk, date__gte=dates[0], date__lte=dates[-1]).values_list("date", flat=True))
    taken = [
        (period.lower, period.upper)
        for period in BookedResource.objects.for_cluster(cluster).filter(
            resource_id=resource.pk, status__in=BOOKED_STATUSES,
            period__overlap=DateTimeTZRange(start, end, "[)")).values_list("period", flat=True)
    ]
    opened = availability.open_intervals(start, end, always_open=resource.always_open,
                                         hours_by_weekday=hours_by_weekday, closed=closed)
    return availability.subtract(opened, taken)


# --- Browser pages: the calendar, the managers' queue, manager candidates -----------------------

# The lists resource_page reads with the resource: per list, one JSON array made in SQL, in the
# order of its model, each subquery on its table's (cluster, resource) rows. Text made once: as
# querysets, the four subqueries took 3 ms of the page to build and compile, the statement itself
# runs in under 2.
def _rows_sql(table: str, fields: dict[str, str], *, order: str, where: str = "", joins: str = "") -> str:
    pairs = ", ".join(f"'{key}', {column}" for key, column in fields.items())
    return (
        f"(SELECT COALESCE(JSONB_AGG(JSONB_BUILD_OBJECT({pairs}) ORDER BY {order}), '[]')"
        f' FROM "{table}" t{joins}'
        f' WHERE t.cluster_id = %s AND t.resource_id = "{Resource._meta.db_table}"."id"{where})'
    )


_HOURS_SQL = _rows_sql(OpeningHours._meta.db_table, {"weekday": "t.weekday", "opens": "t.opens", "closes": "t.closes"},
                       order="t.weekday, t.opens, t.id")
_PHOTOS_SQL = _rows_sql(ResourcePhoto._meta.db_table, {"pk": "t.id", "caption": "t.caption"},
                        order="t.position, t.id")
_CLOSED_SQL = _rows_sql(ClosedDate._meta.db_table, {"date": "t.date", "reason": "t.reason"},
                        order="t.date, t.id", where=" AND t.date >= %s")
# Approved and completed bookings, and the requested ones of the given organizations.
_CALENDAR_SQL = _rows_sql(
    BookedResource._meta.db_table,
    {"booking": "t.booking_id", "start": "LOWER(t.period)", "end": "UPPER(t.period)", "status": "t.status",
     "requester": "o.name", "requester_translations": "o.name_translations"},
    order="t.period, t.id",
    joins=f' JOIN "{Booking._meta.db_table}" b ON b.id = t.booking_id AND b.cluster_id = t.cluster_id'
          f' JOIN "{Organization._meta.db_table}" o ON o.id = b.requester_id AND o.cluster_id = t.cluster_id',
    where=" AND t.period && TSTZRANGE(%s, %s, '[)')"
          " AND (t.status = ANY(%s) OR (t.status = %s AND b.requester_id = ANY(%s::bigint[])))",
)


def _json(sql: str, params) -> RawSQL:
    return RawSQL(sql, params, output_field=JSONField())


def _typed(rows, model, *names) -> list[dict]:
    """JSON rows with these fields back in their Python types (a date, a time), as the model's
    fields read them."""
    fields = [(name, model._meta.get_field(name)) for name in names]
    for row in rows:
        for name, field in fields:
            row[name] = field.to_python(row[name])
    return rows


def resource_page(*, cluster, roles: Roles, pk, start: datetime.datetime, end: datetime.datetime) -> Resource:
    """One resource (archived ones too) for its page, in one query: its owner, and read with it
    as plain rows (dicts) in their order: `hours_rows` (weekday, opens, closes), `photo_rows`
    (pk, caption), `closed_rows` (date, reason: the upcoming closed dates), and `calendar_rows`
    (booking, start, end, status, requester: its name), the booked items of its calendar that
    overlap [start, end): approved and completed bookings, and the requested ones of the
    viewer's own organizations (shown as pending). DoesNotExist for another cluster's resource.

    Four queries fewer than resource_get with its prefetches and a calendar query (each some
    0.8 ms to build, run and read), and no model instance for a row the page only prints."""
    own = sorted(roles.organization_roles)
    resource = (
        Resource.objects.for_cluster(cluster).select_related("owner").order_by()
        .annotate(
            hours_rows=_json(_HOURS_SQL, [cluster.pk]),
            photo_rows=_json(_PHOTOS_SQL, [cluster.pk]),
            closed_rows=_json(_CLOSED_SQL, [cluster.pk, timezone.localdate()]),
            calendar_rows=_json(_CALENDAR_SQL, [cluster.pk, start, end, list(BOOKED_STATUSES),
                                                Booking.Status.REQUESTED.value, own]),
        )
        .get(pk=pk)
    )
    _typed(resource.hours_rows, OpeningHours, "opens", "closes")
    _typed(resource.closed_rows, ClosedDate, "date")
    for row in resource.calendar_rows:
        row["start"], row["end"] = parse_datetime(row["start"]), parse_datetime(row["end"])
        row["requester"] = names.localized(row, "requester")
    return resource


def managed_booking_list(*, cluster, roles: Roles, status: str | None = None):
    """Bookings of any status whose every resource these roles manage (the "requests to
    approve" page, whose status filter can show the decided ones too), with their details."""
    bookings = Booking.objects.for_cluster(cluster).filter(permissions.managed_bookings_filter(cluster, roles))
    if status:
        bookings = bookings.filter(status=status)
    return _with_row_details(cluster, bookings)


def manager_candidates(*, cluster, resource: Resource):
    """The people who could be named to manage the resource: active users with a role in its
    owner organization who do not manage it by a grant yet."""
    from members.models import OrganizationRole

    return get_user_model().objects.filter(
        is_active=True,
        pk__in=OrganizationRole.objects.for_cluster(cluster).filter(organization_id=resource.owner_id)
        .values("user_id"),
    ).exclude(
        Exists(permissions.manager_grants(cluster, resource, effective=False).filter(user_id=OuterRef("pk")))
    ).order_by("last_name", "first_name", "username")


def requester_organizations(cluster, roles: Roles, pk=None):
    """The organizations the user may request for (only the one of `pk`, when given): every active
    member for a coordinator, else the active members where the user has a role
    (permissions.can_request). A queryset: a coordinator's runs to thousands."""
    organizations = member_selectors.organization_choices(cluster=cluster, active_only=True)
    if pk is not None:
        organizations = organizations.filter(pk=pk)
    if not roles.is_coordinator:
        organizations = organizations.filter(
            pk__in=sorted(org for org in roles.organization_roles if permissions.can_request(roles, org)))
    return organizations


def requester_agreements(cluster, roles: Roles, requester: int | None) -> list | None:
    """The active agreements the user may see to which this requesting organization is a party:
    none before one is chosen, None for one the user may not request for."""
    if requester is None:
        return []
    if not requester_organizations(cluster, roles, pk=requester).exists():
        return None
    party = AgreementParty.objects.for_cluster(cluster).filter(agreement_id=OuterRef("pk"), organization_id=requester)
    return list(
        agreement_selectors.agreement_list(cluster=cluster, roles=roles, filters={"status": Agreement.Status.ACTIVE})
        .filter(Exists(party)).prefetch_related(None).only("pk", "number", "title").order_by("number", "pk")
    )
