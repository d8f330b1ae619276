"""Utilization of the shared resources, for the reports: hours booked against hours open, by
the kind of the owner organization and the kind of the borrowing (requesting) organization.

Everything is aggregated in PostgreSQL, in two queries whatever the number of resources and
bookings: one for the hours open, one for the hours booked (grouped by owner kind × borrower
kind with GROUPING SETS, so the totals by owner kind, by borrower kind and for the cluster
come from the same query). No row is looped over in Python.

The rules, in one place:

- The period is given as local dates (settings.TIME_ZONE, Asia/Tashkent) from `start` to
  `end`, BOTH INCLUSIVE: `utilization(start=1 March, end=31 March)` is the month of March,
  the time range [start 00:00 local, end + 1 day 00:00 local).
- Only active resources count (archived ones leave the catalogue; the model keeps no date
  of archiving, so their time cannot be split into before and after).
- Hours open: for each local date of the period that is not one of the resource's closed
  dates, the resource's opening intervals of that weekday; a resource open round the clock
  counts the whole local day (24 hours in Tashkent). Elapsed time is computed in the time
  zone, so a day with a daylight-saving change would count 23 or 25 hours.
- Hours booked: approved and completed bookings only (requested, declined and cancelled ones
  take no time), each booked resource's period cut to the report's period. A booking of two
  resources counts the hours of both: utilization is in resource-hours, like the hours open.
  Bookings are counted once per booking, however many resources they hold.
- Utilization rate: hours booked / hours open, None when nothing was open.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from members.models import Organization

from . import availability
from .models import BOOKED_STATUSES, BookedResource, Booking, ClosedDate, OpeningHours, Resource

HOURS = Decimal("0.01")
RATE = Decimal("0.0001")

_TABLES = {
    "resource": Resource._meta.db_table,
    "hours": OpeningHours._meta.db_table,
    "closed": ClosedDate._meta.db_table,
    "booking": Booking._meta.db_table,
    "item": BookedResource._meta.db_table,
    "organization": Organization._meta.db_table,
}

# One row per active resource with the seconds it was open over the period.
_OPEN_SQL = """
WITH day AS (
    SELECT generate_series(%(first)s::timestamp, %(last)s::timestamp, interval '1 day')::date AS day
),
resource AS (
    SELECT r.id, r.always_open, o.kind AS owner_kind
    FROM {resource} r
    JOIN {organization} o ON o.id = r.owner_id AND o.cluster_id = r.cluster_id
    WHERE r.cluster_id = %(cluster)s AND r.is_active
),
per_resource AS (
    -- One row per resource and day (a closed date matches at most one row: it is unique per
    -- resource and date), and per opening interval of that weekday.
    SELECT r.id, r.owner_kind,
           COALESCE(SUM(EXTRACT(EPOCH FROM CASE
               WHEN r.always_open THEN
                   ((d.day + 1)::timestamp AT TIME ZONE %(tz)s) - (d.day::timestamp AT TIME ZONE %(tz)s)
               ELSE ((d.day + h.closes) AT TIME ZONE %(tz)s) - ((d.day + h.opens) AT TIME ZONE %(tz)s)
           END)) FILTER (WHERE c.id IS NULL), 0) AS seconds
    FROM resource r
    CROSS JOIN day d
    LEFT JOIN {closed} c ON c.cluster_id = %(cluster)s AND c.resource_id = r.id AND c.date = d.day
    LEFT JOIN {hours} h
        ON NOT r.always_open AND h.cluster_id = %(cluster)s AND h.resource_id = r.id
           AND h.weekday = EXTRACT(ISODOW FROM d.day)::int - 1
    GROUP BY r.id, r.owner_kind
)
SELECT owner_kind, COUNT(*) AS resources, SUM(seconds) / 3600 AS hours_open
FROM per_resource
GROUP BY owner_kind
""".format(**_TABLES)

# Booked hours and bookings by (owner kind, borrower kind), by each alone, and in total:
# GROUPING(...) tells which columns a row is grouped by (a bit set where 1 means "all").
_BOOKED_SQL = """
WITH span AS (
    SELECT tstzrange(%(lower)s, %(upper)s, '[)') AS span
),
-- The booked items first, then their owners and borrowers by primary key: a plan that stays
-- fast also before the planner has statistics of freshly written tables.
item AS MATERIALIZED (
    SELECT item.resource_id, item.booking_id,
           EXTRACT(EPOCH FROM upper(item.period * s.span) - lower(item.period * s.span)) AS seconds
    FROM {item} item
    CROSS JOIN span s
    WHERE item.cluster_id = %(cluster)s AND item.status = ANY(%(statuses)s) AND item.period && s.span
),
booked AS (
    SELECT owner.kind AS owner_kind, requester.kind AS borrower_kind, item.booking_id, item.seconds
    FROM item
    JOIN {resource} r ON r.id = item.resource_id AND r.cluster_id = %(cluster)s AND r.is_active
    JOIN {organization} owner ON owner.id = r.owner_id AND owner.cluster_id = %(cluster)s
    JOIN {booking} b ON b.id = item.booking_id AND b.cluster_id = %(cluster)s
    JOIN {organization} requester ON requester.id = b.requester_id AND requester.cluster_id = %(cluster)s
)
SELECT owner_kind, borrower_kind, GROUPING(owner_kind, borrower_kind) AS grouping,
       COALESCE(SUM(seconds), 0) / 3600 AS hours_booked, COUNT(DISTINCT booking_id) AS bookings
FROM booked
GROUP BY GROUPING SETS ((owner_kind, borrower_kind), (owner_kind), (borrower_kind), ())
""".format(**_TABLES)

_BY_BOTH, _BY_OWNER, _BY_BORROWER, _TOTAL = 0, 1, 2, 3


def _hours(value) -> Decimal:
    return Decimal(value or 0).quantize(HOURS)


def _rate(booked: Decimal, opened: Decimal) -> Decimal | None:
    return (booked / opened).quantize(RATE) if opened else None


def _kind_order(code: str) -> int:
    values = Organization.Kind.values
    return values.index(code) if code in values else len(values)


def _label(code: str) -> str:
    labels = dict(Organization.Kind.choices)
    return str(labels.get(code, code))


def utilization(*, cluster, start: datetime.date, end: datetime.date) -> dict:
    """The cluster's resource utilization over the local dates start..end (both included).

    Returns {"start", "end", "total", "by_owner_kind", "by_borrower_kind", "cross"}:
    - total: resources, hours_open, hours_booked, utilization, bookings;
    - by_owner_kind: one row per kind of organization owning active resources (kind, label,
      resources, hours_open, hours_booked, utilization, bookings), in the order of
      Organization.Kind;
    - by_borrower_kind: one row per kind of requesting organization with booked time (kind,
      label, hours_booked, bookings);
    - cross: the hours booked (and bookings) of each owner kind by each borrower kind, one row
      per pair that has any (owner_kind, owner_label, borrower_kind, borrower_label,
      hours_booked, bookings).
    Hours are Decimals to two places, rates to four. Two queries."""
    if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
        raise ValidationError({"start": _("Give the first day of the period.")})
    if not isinstance(end, datetime.date) or isinstance(end, datetime.datetime):
        raise ValidationError({"end": _("Give the last day of the period.")})
    if end < start:
        raise ValidationError({"end": _("The last day cannot be before the first day.")})
    lower = availability.day_start(start)
    upper = availability.day_start(end + availability.ONE_DAY)
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_SQL, {"cluster": cluster.pk, "first": start, "last": end, "tz": settings.TIME_ZONE})
        opened = {kind: (resources, _hours(hours)) for kind, resources, hours in cursor.fetchall()}
        cursor.execute(_BOOKED_SQL, {"cluster": cluster.pk, "lower": lower, "upper": upper,
                                     "statuses": list(BOOKED_STATUSES)})
        booked_rows = cursor.fetchall()

    by_owner: dict[str, tuple[Decimal, int]] = {}
    by_borrower: dict[str, tuple[Decimal, int]] = {}
    cross = []
    total_booked, total_bookings = Decimal("0.00"), 0
    for owner_kind, borrower_kind, grouping, hours, bookings in booked_rows:
        hours = _hours(hours)
        if grouping == _BY_BOTH:
            cross.append({
                "owner_kind": owner_kind, "owner_label": _label(owner_kind),
                "borrower_kind": borrower_kind, "borrower_label": _label(borrower_kind),
                "hours_booked": hours, "bookings": bookings,
            })
        elif grouping == _BY_OWNER:
            by_owner[owner_kind] = (hours, bookings)
        elif grouping == _BY_BORROWER:
            by_borrower[borrower_kind] = (hours, bookings)
        else:
            total_booked, total_bookings = hours, bookings

    owner_rows = []
    for kind in sorted(set(opened) | set(by_owner), key=_kind_order):
        resources, hours_open = opened.get(kind, (0, Decimal("0.00")))
        hours_booked, bookings = by_owner.get(kind, (Decimal("0.00"), 0))
        owner_rows.append({
            "kind": kind, "label": _label(kind), "resources": resources, "hours_open": hours_open,
            "hours_booked": hours_booked, "utilization": _rate(hours_booked, hours_open), "bookings": bookings,
        })
    borrower_rows = [
        {"kind": kind, "label": _label(kind), "hours_booked": hours, "bookings": bookings}
        for kind, (hours, bookings) in sorted(by_borrower.items(), key=lambda pair: _kind_order(pair[0]))
    ]
    cross.sort(key=lambda row: (_kind_order(row["owner_kind"]), _kind_order(row["borrower_kind"])))
    total_open = sum((hours for _resources, hours in opened.values()), Decimal("0.00"))
    return {
        "start": start,
        "end": end,
        "total": {
            "resources": sum(resources for resources, _hours_open in opened.values()),
            "hours_open": total_open, "hours_booked": total_booked,
            "utilization": _rate(total_booked, total_open), "bookings": total_bookings,
        },
        "by_owner_kind": owner_rows,
        "by_borrower_kind": borrower_rows,
        "cross": cross,
    }
