"""Paging long lists without OFFSET scans or full counts.

Two costs grow with a table when a list is paged the stock way: `OFFSET n` reads and throws
away n rows, and `COUNT(*)` reads every row that matches. A cluster's people, bookings or
audit events run to hundreds of thousands, so:

- **Keyset pages.** A page after (or before) a row is asked for with the values of its
  ordering columns: `WHERE (full_name, id) > ('Karimova', 812) ORDER BY full_name, id
  LIMIT 51`, which an index on (cluster, full_name, id) answers by reading 51 entries, at
  page 1 as at page 4,000. `Keyset.of(queryset)` says whether a queryset's ordering allows
  it (plain non-null columns of the model, ending on the primary key, which it appends,
  in the direction of the last column, when the ordering lacks it);
  the position travels as an opaque cursor (`encode_cursor`/`decode_cursor`).
- **Bounded counts.** `count_rows()` counts exactly up to `COUNT_CAP` rows
  (`SELECT count(*) FROM (... LIMIT cap + 1)`); beyond that the total is the planner's
  estimate for the same query, marked as such: "about 120,000 people" needs no exact figure.
  A list found longer than the cap is not counted again for a minute (its estimate is kept).
  A page's own query does the counting (`count_in_query`): one round trip for both.

The API's pagination (cluster_platform.api_support) and the browser pages' `paginate()`
(members.views.base) both build on this module.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import BigIntegerField, Count, Q, QuerySet, Window
from django.db.models.expressions import F, RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext_lazy as _

COUNT_CAP = 10_000
# A page number becomes an OFFSET in the page's query: a larger one would overflow it (a 500).
MAX_PAGE_NUMBER = 1_000_000
AFTER = "a"
BEFORE = "b"
INVALID_CURSOR = _("This page link is not valid (it may be from an older version of the list). "
                   "Start again from the first page.")


# --- Counts ------------------------------------------------------------------------------------

def count_rows(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(number of rows, exact?): exact up to `cap`, the planner's estimate beyond it. A list-like
    of its own (the audit trail's union of event tables) counts itself.

    A list found longer than the cap is not counted again for LIST_ESTIMATE_CACHE_SECONDS: its
    next pages (and the next reader of the same list) take the estimate at once."""
    if not isinstance(queryset, QuerySet):
        return queryset.count(), True
    cap = COUNT_CAP if cap is None else cap
    counted = _counted_sql(queryset)
    if counted is None:  # a filter that can match nothing (`pk__in=[]`)
        return 0, True
    kept = _kept_estimate(counted[0])
    if kept is not None:
        return max(kept, cap + 1), False
    if queryset.query.is_sliced:
        bounded = queryset.order_by()[: cap + 1].count()
    else:
        # The rows' keys as compiled for the key above, counted up to cap + 1 (no second compile).
        _key, sql, params = counted
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {int(cap) + 1}) counted", params)
            bounded = cursor.fetchone()[0]
    if bounded <= cap:
        return bounded, True
    return max(_estimate(queryset, counted), cap + 1), False


# The bounded count carried by each row of a page whose query counts its list too.
_COUNTED = "rows_counted"


class _BoundedCount(RawSQL):
    """`(SELECT COUNT(*) FROM (<the list's keys> LIMIT cap + 1) counted)`: uncorrelated, so
    PostgreSQL runs it once for the statement (an InitPlan), and grouped by nothing."""

    def get_group_by_cols(self):
        return []


def count_in_query(queryset, cap: int | None = None):
    """The queryset whose rows each carry the list's count up to cap + 1, worked out by the page's
    own query: one round trip where count_rows() and the page took two. None when the count
    needs no query of its own (a list that can match nothing, or one whose estimate is kept) or
    the queryset cannot carry it (a slice, a union, rows that are not models or dicts): use
    count_rows() then. Read the count back with count_from_page()."""
    if (not isinstance(queryset, QuerySet) or queryset.query.is_sliced or queryset.query.combinator
            or queryset._iterable_class not in (ModelIterable, ValuesIterable)):
        return None
    counted = _counted_sql(queryset)
    if counted is None or _kept_estimate(counted[0]) is not None:
        return None
    cap = COUNT_CAP if cap is None else cap
    _key, sql, params = counted
    bounded = _BoundedCount(f"SELECT COUNT(*) FROM ({sql} LIMIT {int(cap) + 1}) counted", params,
                            output_field=BigIntegerField())
    return queryset.annotate(**{_COUNTED: bounded})


def count_from_page(queryset, rows, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact) of the list `queryset` (as given to count_in_query) whose page `rows` that
    queryset read: the first row's bounded count, exact up to `cap` and the planner's estimate
    beyond, as count_rows() gives; an empty page says nothing, so the list is counted on its own."""
    if not rows:
        return count_rows(queryset, cap)
    first = rows[0]
    bounded = first[_COUNTED] if isinstance(first, dict) else getattr(first, _COUNTED)
    cap = COUNT_CAP if cap is None else cap
    if bounded <= cap:
        return bounded, True
    return max(_estimate(queryset, _counted_sql(queryset)), cap + 1), False


def counts_with_page(queryset) -> bool:
    """Whether the queryset asked to be counted in its page's query (TenantQuerySet.counted_with_page)."""
    return getattr(queryset, "_count_with_page", False)


_TOTAL = "rows_in_list"


def page_and_total(queryset, start: int, stop: int) -> tuple[list, int | None]:
    """The rows [start:stop] and, in the same query (COUNT(*) OVER ()), how many rows the whole
    list has: exact, and found once. An empty first page is an empty list; for an empty slice
    further on (past the end) the total is None, and the caller counts as usual. For querysets
    that collect every match anyway before sorting them (counts_with_page); on a long plain
    list this would read every row."""
    rows = list(queryset.annotate(**{_TOTAL: Window(Count("*"))})[start:stop])
    if rows:
        return rows, rows[0][_TOTAL] if isinstance(rows[0], dict) else getattr(rows[0], _TOTAL)
    return rows, (0 if start == 0 else None)


def _kept_estimate(key) -> int | None:
    cached = _ESTIMATES.get(key)
    if cached and time.monotonic() - cached[1] < settings.LIST_ESTIMATE_CACHE_SECONDS:
        return cached[0]
    return None


def _counted_sql(queryset) -> tuple[tuple, str, list] | None:
    """(cache key, SQL, parameters) of the queryset's rows as counted (their keys, with the
    joins its filters need and no more), or None for a queryset that can match nothing."""
    connection = connections[queryset.db]
    try:
        if queryset._fields is None:  # model rows (values() rows join nothing they do not select)
            queryset = queryset.select_related(None)
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    return (connection.alias, connection.settings_dict["NAME"], sql, repr(params)), sql, params


def estimate_rows(queryset) -> int:
    """The planner's row estimate for the queryset (EXPLAIN: nothing is read).

    Under row-level security a tenant query carries its cluster twice: the ORM's
    `cluster_id = X` (which the indexes use) and the policy's own test of the same column.
    The planner takes the two as independent and multiplies their selectivities, so its
    estimate is short by the cluster's share of the table; that share is divided out again."""
    counted = _counted_sql(queryset)
    return 0 if counted is None else _estimate(queryset, counted)


def _estimate(queryset, counted) -> int:
    key, sql, params = counted
    connection = connections[queryset.db]
    estimate = _plan_rows(connection, sql, params)
    share = _cluster_share(connection, queryset)
    estimate = int(estimate / share) if share else estimate
    if len(_ESTIMATES) >= ESTIMATES_KEPT:
        _ESTIMATES.clear()
    _ESTIMATES[key] = (estimate, time.monotonic())
    return estimate


# The estimates of lists found longer than the cap, by query (SQL and parameters), kept
# LIST_ESTIMATE_CACHE_SECONDS per process: such a list read again, or paged on by cursor, is
# neither counted nor planned. The planner's figures move with ANALYZE, not with each write, so a
# minute-old estimate is as good as a fresh one; a list that shrank below the cap meanwhile shows
# "about" a minute longer.
_ESTIMATES: dict[tuple, tuple[int, float]] = {}
ESTIMATES_KEPT = 2_000


_SHARES: dict[tuple, tuple[float, float]] = {}
SHARE_SECONDS = 600  # a cluster's share of a table moves slowly: planned again every ten minutes


def _cluster_share(connection, queryset) -> float | None:
    """The planner's view of the cluster's share of the queryset's table: the rows it expects
    for `cluster_id = X` over those it expects for the whole table, both through the policy.
    None for a query with no cluster filter."""
    from .tenancy import cluster_filter_value

    model = queryset.model
    cluster_id = cluster_filter_value(queryset.query.where)
    if cluster_id is None:
        return None
    table = connection.ops.quote_name(model._meta.db_table)
    key = (connection.alias, connection.settings_dict["NAME"], table, cluster_id)
    cached = _SHARES.get(key)
    if cached and time.monotonic() - cached[1] < SHARE_SECONDS:
        return cached[0]
    scoped = _plan_rows(connection, f"SELECT 1 FROM {table} WHERE cluster_id = %s", [cluster_id])
    whole = _plan_rows(connection, f"SELECT 1 FROM {table}", [])
    share = min(1.0, scoped / whole) if whole else None
    _SHARES[key] = (share, time.monotonic())
    return share


def _plan_rows(connection, sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# --- Keysets -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    name: str  # the ordering term's field name ("full_name", "pk" resolved to "id")
    attname: str  # the attribute on a row ("organization_id" for a foreign key)
    descending: bool
    field: object


@dataclass(frozen=True)
class Keyset:
    keys: tuple[Key, ...]

    @classmethod
    def of(cls, queryset) -> Keyset | None:
        """The keyset of the queryset's ordering, or None when keyset paging cannot follow
        it (an expression, a related column, a nullable column, no ordering at all)."""
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        if query.extra_order_by or query.distinct_fields or query.combinator:
            return None
        ordering = query.order_by or (query.default_ordering and queryset.model._meta.ordering) or ()
        if not ordering:
            return None
        meta = queryset.model._meta
        keys = []
        for term in ordering:
            if not isinstance(term, str) or term == "?":
                return None
            name = term.lstrip("-")
            if "__" in name or name in query.annotations:
                return None
            try:
                field = meta.pk if name == "pk" else meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if not getattr(field, "concrete", False) or field.null:
                return None
            # Ordering by a foreign key's name orders by the related model's ordering; only
            # its column (`organization_id`) is a key of this table.
            if field.is_relation and name != field.attname:
                return None
            keys.append(Key(field.name, field.attname, term.startswith("-"), field))
            if field.primary_key:
                break
        if not keys[-1].field.primary_key:
            keys.append(Key(meta.pk.name, meta.pk.attname, keys[-1].descending, meta.pk))
        return cls(tuple(keys))

    def ordering(self, *, reverse: bool = False) -> list[str]:
        return [("-" if key.descending != reverse else "") + key.attname for key in self.keys]

    def ordered(self, queryset):
        """The queryset in the keyset's order (the primary key last), its key columns loaded."""
        queryset = queryset.order_by(*self.ordering())
        fields, only = queryset.query.deferred_loading
        if only is False and fields and queryset._fields is None:  # .only(...), not .values(): add the key columns
            queryset = queryset.only(*fields, *(key.attname for key in self.keys))
        return queryset

    def values_of(self, row) -> list:
        if isinstance(row, dict):
            return [row[key.attname] if key.attname in row else row[key.name] for key in self.keys]
        return [getattr(row, key.attname) for key in self.keys]

    def cursor(self, direction: str, row) -> str:
        return encode_cursor(direction, self.values_of(row))

    def decode(self, cursor: str) -> tuple[str, list]:
        """(direction, typed values) of a cursor; ValidationError when it is not one of ours."""
        direction, raw = decode_cursor(cursor)
        if len(raw) != len(self.keys):
            raise ValidationError(INVALID_CURSOR, code="invalid_cursor")
        try:
            values = [key.field.to_python(value) for key, value in zip(self.keys, raw)]
        except (ValidationError, TypeError, ValueError):
            raise ValidationError(INVALID_CURSOR, code="invalid_cursor") from None
        if any(value is None for value in values):
            raise ValidationError(INVALID_CURSOR, code="invalid_cursor")
        return direction, values

    def page(self, queryset, direction: str, values: list, size: int) -> tuple[list, bool]:
        """Up to `size` rows after (or before) the position, in the list's order, and whether
        more rows lie beyond them in that direction."""
        reverse = direction == BEFORE
        rows = list(
            self.ordered(queryset)
            .filter(self._beyond(values, reverse=reverse))
            .order_by(*self.ordering(reverse=reverse))[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        return rows, more

    def _beyond(self, values: list, *, reverse: bool):
        """The condition "after this position" (or before it, reversed)."""
        directions = {key.descending != reverse for key in self.keys}
        columns = [F(key.attname) for key in self.keys]
        if len(directions) == 1:
            # One direction: a row comparison, which an index on the same columns answers
            # with a range scan.
            lookup = TupleLessThan if directions.pop() else TupleGreaterThan
            return lookup(Tuple(*columns), tuple(values))
        # Mixed directions: (a > x) OR (a = x AND b < y) OR ...
        condition = Q()
        equal = Q()
        for key, value in zip(self.keys, values):
            beyond = "lt" if key.descending != reverse else "gt"
            condition |= equal & Q(**{f"{key.attname}__{beyond}": value})
            equal &= Q(**{key.attname: value})
        return condition


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def encode_cursor(direction: str, values: list) -> str:
    payload = json.dumps([direction, [_plain(value) for value in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, list]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise ValidationError(INVALID_CURSOR, code="invalid_cursor") from None
    if direction not in (AFTER, BEFORE) or not isinstance(values, list):
        raise ValidationError(INVALID_CURSOR, code="invalid_cursor")
    return direction, values
