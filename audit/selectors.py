"""Reads of the audit trail: a cluster's history events, newest first, filtered in SQL.

The events are the rows django-pghistory's triggers write (bulk updates included), one table
per tracked model, each with the row's `cluster_id`. One statement counts them and one reads
a page: a UNION ALL over the tables of the wanted kinds, every branch filtered by the cluster
(and the filters) inside, sorted and cut to the page before the row data and the previous
event of the same object (for the changed fields) are read, by a LATERAL join, for those
rows only. Then the
users and objects the page names are loaded once per model (`sources.References`).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.models import Context

from members.models import ClusterRole, OrganizationRole

from .sources import (
    ACTIONS,
    KINDS,
    SOURCES,
    USER,
    Change,
    References,
    Source,
    changed_fields,
    changes,
    want_values,
)

SYSTEM = "system"


@dataclass(frozen=True)
class AuditFilters:
    kind: str = ""
    object_id: int | None = None  # only with a kind
    user: int | str | None = None  # a user id, or SYSTEM: no signed-in user (tasks, scripts)
    action: str = ""  # "insert", "update" or "delete"
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # included


@dataclass
class AuditEvent:
    at: datetime.datetime
    source: str
    kind_label: str
    action: str
    action_label: str
    object_id: int | None
    label: str
    url: str
    who: str
    who_kind: str  # "user", "task" or "system"
    changes: list[Change] = field(default_factory=list)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _members(filters: AuditFilters) -> list[tuple[str, str]]:
    """(source key, object column) of the tables to read."""
    if filters.kind:
        return list(KINDS[filters.kind].members)
    return [(key, "pgh_obj_id") for key in SOURCES]


def _where(cluster, filters: AuditFilters, source: Source, object_column: str, params: list) -> str:
    clauses = [f'e."{source.cluster_column}" = %s']
    params.append(cluster.pk)
    if source.actions:
        clauses.append("e.pgh_label = ANY(%s)")
        params.append(list(source.actions))
    if filters.object_id is not None:
        clauses.append(f'e."{object_column}" = %s')
        params.append(filters.object_id)
    if filters.action:
        clauses.append("e.pgh_label = %s")
        params.append(filters.action)
    if filters.date_from:
        clauses.append("e.pgh_created_at >= %s")
        params.append(_start_of(filters.date_from))
    if filters.date_to and filters.date_to < datetime.date.max:
        clauses.append("e.pgh_created_at < %s")
        params.append(_start_of(filters.date_to + datetime.timedelta(days=1)))
    context_table = Context._meta.db_table
    if filters.user == SYSTEM:
        clauses.append(f"NOT EXISTS (SELECT 1 FROM {context_table} c WHERE c.id = e.pgh_context_id"
                       " AND c.metadata ->> 'user' IS NOT NULL)")
    elif filters.user is not None:
        clauses.append(f"EXISTS (SELECT 1 FROM {context_table} c WHERE c.id = e.pgh_context_id"
                       " AND c.metadata @> %s::jsonb)")
        params.append(json.dumps({"user": filters.user}))
    return " AND ".join(clauses)


def _lean_union(cluster, filters: AuditFilters, params: list) -> str:
    branches = []
    for key, object_column in _members(filters):
        table = SOURCES[key].event_model._meta.db_table
        where = _where(cluster, filters, SOURCES[key], object_column, params)
        branches.append(f"SELECT '{key}' AS source, e.pgh_id, e.pgh_created_at FROM \"{table}\" e WHERE {where}")
    return "\nUNION ALL\n".join(branches)


def _detail_union(cluster, keys: list[str], params: list) -> str:
    """For one row of the page (LATERAL): the event's data and the previous event of the
    same object, from the table the row came from."""
    branches = []
    for key in keys:
        table = SOURCES[key].event_model._meta.db_table
        column = SOURCES[key].cluster_column
        branches.append(
            f"SELECT e.pgh_label, e.pgh_context_id, to_jsonb(e) AS data,"
            f" (SELECT to_jsonb(p) FROM \"{table}\" p WHERE p.\"{column}\" = e.\"{column}\""
            f" AND p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id ORDER BY p.pgh_id DESC LIMIT 1) AS previous"
            f" FROM \"{table}\" e WHERE page.source = '{key}' AND e.\"{column}\" = %s AND e.pgh_id = page.pgh_id"
        )
        params.append(cluster.pk)
    return "\nUNION ALL\n".join(branches)


class EventList:
    """A cluster's events for Django's Paginator: `count()` and slices run one query each."""

    def __init__(self, *, cluster, filters: AuditFilters):
        self.cluster = cluster
        self.filters = filters
        self._count = None

    def count(self) -> int:
        if self._count is None:
            params: list = []
            sql = f"SELECT COUNT(*) FROM ({_lean_union(self.cluster, self.filters, params)}) events"
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("EventList supports slices only.")
        start = key.start or 0
        stop = key.stop if key.stop is not None else self.count()
        if stop <= start:
            return []
        return self._page(start, stop - start)

    def _page(self, offset: int, limit: int) -> list[AuditEvent]:
        params: list = []
        lean = _lean_union(self.cluster, self.filters, params)
        params += [limit, offset]
        detail = _detail_union(self.cluster, [key for key, _column in _members(self.filters)], params)
        # A plain SELECT (no leading WITH): pghistory prefixes other statements with its
        # context variables while a request runs.
        sql = f"""
            SELECT page.source, page.pgh_created_at, detail.pgh_label, detail.data, detail.previous,
                   context.metadata
            FROM (
                SELECT source, pgh_id, pgh_created_at FROM ({lean}) events
                ORDER BY pgh_created_at DESC, pgh_id DESC, source LIMIT %s OFFSET %s
            ) page
            CROSS JOIN LATERAL ({detail}) detail
            LEFT JOIN {Context._meta.db_table} context ON context.id = detail.pgh_context_id
            ORDER BY page.pgh_created_at DESC, page.pgh_id DESC, page.source
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return _events(self.cluster, rows)


def _as_dict(value) -> dict | None:
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value


def _events(cluster, rows) -> list[AuditEvent]:
    refs = References(cluster)
    prepared = []
    for source_key, at, label, data, previous, metadata in rows:
        source = SOURCES[source_key]
        data, previous, metadata = _as_dict(data), _as_dict(previous), _as_dict(metadata) or {}
        fields = changed_fields(source.model, previous, data) if label == "update" else []
        source.want(data, refs)
        want_values(fields, previous or {}, data, refs)
        refs.want(USER, metadata.get("user"))
        prepared.append((source, at, label, data, previous, metadata, fields))
    refs.load()

    events = []
    for source, at, label, data, previous, metadata, fields in prepared:
        if metadata.get("user") is not None:
            who, who_kind = refs.user_name(metadata["user"]), "user"
        elif metadata.get("task"):
            # "agreements.tasks.agreements_daily" -> "task agreements_daily"
            who, who_kind = _("task %(name)s") % {"name": str(metadata["task"]).rsplit(".", 1)[-1]}, "task"
        else:
            who, who_kind = _("system"), "system"
        events.append(AuditEvent(
            at=at, source=source.key, kind_label=str(source.label), action=label,
            action_label=str(ACTIONS.get(label, label)), object_id=data.get(source.link_column),
            label=source.describe(data, refs), url=source.url(data, refs, cluster),
            who=who, who_kind=who_kind, changes=changes(fields, previous or {}, data, refs),
        ))
    return events


def event_list(*, cluster, filters: AuditFilters | None = None) -> EventList:
    return EventList(cluster=cluster, filters=filters or AuditFilters())


def actor_choices(*, cluster) -> list[tuple[int, str]]:
    """The people who hold a role in the cluster, for the "who" filter: (user id, name)."""
    users = get_user_model()._default_manager.filter(
        Q(pk__in=ClusterRole.objects.for_cluster(cluster).values("user_id"))
        | Q(pk__in=OrganizationRole.objects.for_cluster(cluster).values("user_id"))
    ).only("id", "username", "first_name", "last_name").order_by("username")
    return [(user.pk, user.get_full_name() or user.get_username()) for user in users]
