"""The indicators of a cluster over a period, for the periodic reports: computed by aggregation
in PostgreSQL, one or a few queries per section, whatever the number of rows (no row is looped
over in Python; Python only shapes the aggregated rows). Every query names the cluster.

    indicators(cluster, start, end)            -> {"period", "members", "ratings", "agreements",
                                                   "resources", "programmes", "innovations",
                                                   "network", "districts"}
    change_from_previous(current, previous)    -> the key figures side by side, with the change
    snapshot(cluster, start, end)              -> both periods and the change: a Report's `data`

Conventions, in one place:

- **Period.** `start` and `end` are local dates (settings.TIME_ZONE), BOTH INCLUSIVE, as in
  resources.indicators and innovations.flow: instants are counted from local midnight of `start`
  up to (not including) local midnight after `end`. "At the end" means at the end of `end`.
  The previous period is the previous month, quarter or year when the span is one, else as many
  days just before (periods.previous_span).
- **JSON.** The result is JSON as it is: dates and datetimes are ISO strings, every non-integer
  number (Decimal or float) is a JSON number (float; hours to 2 places, shares to 4), counts are
  integers. Choices are given by their codes (organization kinds, statuses, colours); the
  sections taken from other apps (resources utilization, innovation flow) also carry their
  labels, in the language active when computed (the report's language).
- **History.** A past period comes out as it was then wherever the rows keep a history:
  membership status from MembershipStatusChange, agreement status from its transitions,
  innovation stages from StageTransition. Kinds, districts and programme statuses are read as
  they are now.

Definitions per section (also in each function's docstring):

- members: organizations that had joined by the end (joined_on, or the day the row was created
  when it has none), by kind × status at the end. A status at the end is the last
  MembershipStatusChange effective on or before it; before the first change, that change's
  from_status; without changes, the current status. Joins: joined_on in the period. Exits: the
  organizations suspended or withdrawn in the period (each counted once), also split by the
  status they moved to; reinstated: moved back to active.
- ratings: the latest rating period (SchoolRating.period) within the span, and the rating period
  just before it (which may lie before the span). Counts by colour in each, overall and by
  district; the schools rated in both: a from × to colour matrix, overall and by district, and
  how many improved (red → yellow → green), worsened or stayed; `newly_rated`: rated in the
  latest period but not in the one before.
- agreements: the status at a moment is the last transition before it. **New**: concluded
  (moved to signed, all parties having signed) within the period; the start date may be later,
  and a draft that never got signed is no agreement. **Active at the end**: signed or active at
  the end, with the end inside its dates (suspended ones are counted apart). **Expiring**: active
  at the end and ending within 90 days after it. **Terminated**: moved to terminated in the
  period. **Expired**: signed, with its end date in the period, not terminated. **Obligations
  overdue at the end**: of agreements active at the end, due on or before the end, not done by
  then (cancelled ones never count).
- resources: resources.indicators.utilization (approved and completed bookings, hours booked
  against hours open); `requested`: the booking requests made in the period, by their status now.
- programmes: **running** in the period: started (status running or completed) with dates that
  overlap the period; **started** / **completed**: its start / its end (completed ones) in the
  period. **Completions**: enrolments completed in the period (the date: completed_at, else the
  certificate's issue, else the programme's end, as programs.selectors.completion_date);
  **teachers trained**: the distinct people among them (`priority_teachers`: enrolled with a
  priority place, from schools rated red or yellow); **hours**: their hours attended;
  **competence growth** over those with both scores: the mean of post − pre and the share with
  post > pre; **certificates** issued in the period; completions and people by competence.
- innovations: innovations.flow.flow_summary (work in progress at the end, by stage; throughput,
  time in stage, cumulative flow); `proposed` in the period; pilots started in it and running
  in it (dates overlapping, planned or stopped ones not); adoptions started in the period, by
  status; innovations.spread.spread_figures.
- network: distinct unordered pairs of member organizations working together in the period
  through (a) agreements in force during it (signed before its end, dates overlapping it, not
  terminated before it began): every two parties; (b) approved or completed bookings whose time
  overlaps it: requester × the resource's owner; (c) programmes running in it: lead × each
  partner and lead × the organization of each participant (confirmed, completed or not
  completed enrolments); (d) adoptions started in it and not abandoned: adopter × the member it
  learned from. An organization never pairs with itself. Pairs in all, per channel, the
  organizations taking part, and against the previous period: pairs new (not there before) and
  lost (there before, not now).
- districts: per district (as it is now): members active at the end and the schools among them,
  schools by colour in the latest rating period, the people holding a place in programmes
  running in the period and those trained (completions), adoptions started in the period.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils.functional import Promise

from agreements.models import Agreement, AgreementParty, AgreementTransition, Obligation
from innovations import flow as innovation_flow
from innovations.models import Adoption, Innovation, Pilot
from innovations.spread import spread_figures
from members.models import MembershipStatusChange, Organization, RatingColour, SchoolRating
from programs.models import Enrollment, Program, ProgramPartner
from resources.indicators import utilization
from resources.models import BOOKED_STATUSES, BookedResource, Booking, Resource

from . import periods

EXPIRY_HORIZON_DAYS = 90
COLOURS = (RatingColour.RED, RatingColour.YELLOW, RatingColour.GREEN)  # worst to best
_RANK = {colour: rank for rank, colour in enumerate(COLOURS)}
IN_FORCE = (Agreement.Status.SIGNED, Agreement.Status.ACTIVE)
PROGRAMME_STARTED = (Program.Status.RUNNING, Program.Status.COMPLETED)

_T = {
    "organization": Organization._meta.db_table,
    "status_change": MembershipStatusChange._meta.db_table,
    "rating": SchoolRating._meta.db_table,
    "agreement": Agreement._meta.db_table,
    "party": AgreementParty._meta.db_table,
    "agreement_transition": AgreementTransition._meta.db_table,
    "obligation": Obligation._meta.db_table,
    "booking": Booking._meta.db_table,
    "booked": BookedResource._meta.db_table,
    "resource": Resource._meta.db_table,
    "program": Program._meta.db_table,
    "partner": ProgramPartner._meta.db_table,
    "enrollment": Enrollment._meta.db_table,
    "innovation": Innovation._meta.db_table,
    "pilot": Pilot._meta.db_table,
    "adoption": Adoption._meta.db_table,
}


# --- Shared helpers ---------------------------------------------------------------------------

def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight of `start` and of the day after `end`, in the cluster platform's zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return lower, upper


def _params(cluster, start: datetime.date, end: datetime.date, **extra) -> dict:
    lower, upper = _bounds(start, end)
    return {"cluster": cluster.pk, "first": start, "last": end, "lower": lower, "upper": upper,
            "tz": settings.TIME_ZONE, **extra}


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _number(value, places: str = "0.01") -> float | None:
    """A Decimal or float as a JSON number rounded to `places`; None stays None."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP))


def _share(part: int, whole: int) -> float | None:
    return _number(Decimal(part) / whole, "0.0001") if whole else None


def jsonable(value):
    """The value as plain JSON types: dates as ISO strings, numbers as int or float, lazy
    translations as text, dataclasses as dicts."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, float):
        return value
    raise TypeError(f"Not JSON: {type(value).__name__}")


def _zeros(keys) -> dict:
    return dict.fromkeys(keys, 0)


# --- Members ----------------------------------------------------------------------------------

_MEMBERS_SQL = """
WITH org AS (
    SELECT o.id, o.kind, o.status
    FROM {organization} o
    WHERE o.cluster_id = %(cluster)s
      AND COALESCE(o.joined_on, (o.created_at AT TIME ZONE %(tz)s)::date) <= %(last)s
),
at_end AS (
    SELECT org.kind, COALESCE(
        (SELECT c.to_status FROM {status_change} c
         WHERE c.cluster_id = %(cluster)s AND c.organization_id = org.id AND c.effective_on <= %(last)s
         ORDER BY c.effective_on DESC, c.created_at DESC, c.id DESC LIMIT 1),
        (SELECT c.from_status FROM {status_change} c
         WHERE c.cluster_id = %(cluster)s AND c.organization_id = org.id AND c.effective_on > %(last)s
         ORDER BY c.effective_on, c.created_at, c.id LIMIT 1),
        org.status) AS status
    FROM org
)
SELECT kind, status, GROUPING(kind, status), COUNT(*)
FROM at_end
GROUP BY GROUPING SETS ((kind, status), (kind), (status), ())
""".format(**_T)

_MEMBER_MOVES_SQL = """
WITH org AS (
    SELECT o.id, o.kind, o.joined_on FROM {organization} o WHERE o.cluster_id = %(cluster)s
),
change AS (
    SELECT c.organization_id, c.to_status, org.kind
    FROM {status_change} c JOIN org ON org.id = c.organization_id
    WHERE c.cluster_id = %(cluster)s AND c.effective_on BETWEEN %(first)s AND %(last)s
),
moves AS (
    SELECT 'joined' AS measure, org.id AS organization_id, org.kind
    FROM org WHERE org.joined_on BETWEEN %(first)s AND %(last)s
    UNION ALL
    SELECT to_status, organization_id, kind FROM change
    UNION ALL
    SELECT 'exited', organization_id, kind FROM change WHERE to_status IN (%(suspended)s, %(withdrawn)s)
)
SELECT measure, kind, GROUPING(kind), COUNT(DISTINCT organization_id)
FROM moves
GROUP BY GROUPING SETS ((measure, kind), (measure))
""".format(**_T)


def members_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """Members at the end by kind × status, and the joins and exits of the period. Two queries.

    {"at_end": {"total", "by_status": {status: n}, "by_kind": {kind: n},
                "by_kind_status": {kind: {status: n}}},
     "joined": {"total", "by_kind"}, "exited": {"total", "by_kind"},
     "suspended", "withdrawn", "reinstated"}"""
    params = _params(cluster, start, end, suspended=Organization.Status.SUSPENDED,
                     withdrawn=Organization.Status.WITHDRAWN)
    statuses = Organization.Status.values
    at_end = {"total": 0, "by_status": _zeros(statuses), "by_kind": {}, "by_kind_status": {}}
    for kind, status, grouping, count in _fetch(_MEMBERS_SQL, params):
        if grouping == 0:
            at_end["by_kind_status"].setdefault(kind, _zeros(statuses))[status] = count
        elif grouping == 1:
            at_end["by_kind"][kind] = count
        elif grouping == 2:
            at_end["by_status"][status] = count
        else:
            at_end["total"] = count
    moves = {measure: {"total": 0, "by_kind": {}} for measure in ("joined", "exited", "suspended", "withdrawn",
                                                                   "active")}
    for measure, kind, grouping, count in _fetch(_MEMBER_MOVES_SQL, params):
        if measure in moves:
            if grouping == 0:
                moves[measure]["by_kind"][kind] = count
            else:
                moves[measure]["total"] = count
    return {
        "at_end": at_end,
        "joined": moves["joined"],
        "exited": moves["exited"],
        "suspended": moves["suspended"]["total"],
        "withdrawn": moves["withdrawn"]["total"],
        "reinstated": moves["active"]["total"],
    }


# --- School ratings ---------------------------------------------------------------------------

_RATING_PERIODS = """
rating AS (
    SELECT r.organization_id, r.period, r.colour, o.district
    FROM {rating} r JOIN {organization} o ON o.id = r.organization_id AND o.cluster_id = %(cluster)s
    WHERE r.cluster_id = %(cluster)s
),
latest AS MATERIALIZED (
    SELECT MAX(period) AS period FROM rating WHERE period BETWEEN %(first)s AND %(last)s
),
before AS MATERIALIZED (
    -- MATERIALIZED: computed once. Inlined into a join (the moves query), PostgreSQL would
    -- recompute this aggregate for every pair of rows (seconds on the demo's 176 ratings).
    SELECT MAX(rating.period) AS period FROM rating JOIN latest ON rating.period < latest.period
)""".format(**_T)

_RATING_COUNTS_SQL = "WITH " + _RATING_PERIODS + """,
rated AS (
    SELECT 'latest' AS which, rating.* FROM rating JOIN latest ON rating.period = latest.period
    UNION ALL
    SELECT 'before', rating.* FROM rating JOIN before ON rating.period = before.period
)
SELECT which, period, district, colour, GROUPING(district), COUNT(*)
FROM rated
GROUP BY GROUPING SETS ((which, period, colour), (which, period, district, colour))
"""

# Each school's colour in the latest period and in the one before by one aggregate (a school
# has one rating per period), not by joining the two periods' rows: blind to the size of a CTE,
# the planner may make that join a nested loop, quadratic in the schools.
_RATING_MOVES_SQL = "WITH " + _RATING_PERIODS + """,
school AS (
    SELECT rating.organization_id, MAX(rating.district) AS district,
           MAX(rating.colour) FILTER (WHERE rating.period = latest.period) AS now_colour,
           MAX(rating.colour) FILTER (WHERE rating.period = before.period) AS was_colour
    FROM rating CROSS JOIN latest CROSS JOIN before
    WHERE rating.period = latest.period OR rating.period = before.period
    GROUP BY rating.organization_id
)
SELECT district, was_colour, now_colour, GROUPING(district), COUNT(*)
FROM school
WHERE now_colour IS NOT NULL
GROUP BY GROUPING SETS ((district, was_colour, now_colour), (was_colour, now_colour))
"""


def _matrix() -> dict:
    return {source: _zeros(COLOURS) for source in COLOURS}


def _movement(matrix: dict) -> dict:
    """Improved (towards green), worsened and unchanged, from a from × to matrix (9 cells)."""
    result = {"improved": 0, "worsened": 0, "unchanged": 0}
    for source, row in matrix.items():
        for target, count in row.items():
            step = _RANK[target] - _RANK[source]
            result["improved" if step > 0 else "worsened" if step < 0 else "unchanged"] += count
    return result


def ratings_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """School ratings in the latest rating period of the span and the one before it, and the
    movement of the schools rated in both. Two queries.

    {"latest_period", "previous_period" (ISO dates or None),
     "latest": {"total", "by_colour", "by_district": {district: {colour: n}}}, "previous": {...},
     "moves": {"matrix": {from: {to: n}}, "improved", "worsened", "unchanged", "newly_rated",
               "by_district": {district: {"matrix", "improved", "worsened", "unchanged", "newly_rated"}}}}"""
    params = _params(cluster, start, end)
    counts = {which: {"total": 0, "by_colour": _zeros(COLOURS), "by_district": {}} for which in ("latest", "before")}
    dates = {"latest": None, "before": None}
    for which, period, district, colour, grouping, count in _fetch(_RATING_COUNTS_SQL, params):
        dates[which] = period
        if grouping == 0:
            counts[which]["by_district"].setdefault(district, _zeros(COLOURS))[colour] = count
        else:
            counts[which]["by_colour"][colour] = count
            counts[which]["total"] += count
    overall = {"matrix": _matrix(), "newly_rated": 0}
    by_district: dict[str, dict] = {}
    for district, source, target, grouping, count in _fetch(_RATING_MOVES_SQL, params):
        moves = overall if grouping == 1 else by_district.setdefault(district, {"matrix": _matrix(), "newly_rated": 0})
        if source is None:
            moves["newly_rated"] += count
        else:
            moves["matrix"][source][target] = count
    for moves in [overall, *by_district.values()]:
        moves.update(_movement(moves["matrix"]))
    overall["by_district"] = dict(sorted(by_district.items()))
    return {
        "latest_period": dates["latest"],
        "previous_period": dates["before"],
        "latest": counts["latest"],
        "previous": counts["before"],
        "moves": overall,
    }


# --- Agreements -------------------------------------------------------------------------------

_AGREEMENTS_SQL = """
WITH history AS (
    -- Each agreement's timeline up to the end of the period.
    SELECT t.agreement_id,
           (ARRAY_AGG(t.to_status ORDER BY t.created_at DESC, t.id DESC))[1] AS status_at_end,
           MIN(t.created_at) FILTER (WHERE t.to_status = %(signed)s) AS signed_at,
           BOOL_OR(t.to_status = %(terminated)s AND t.created_at >= %(lower)s) AS terminated_in_period
    FROM {agreement_transition} t
    WHERE t.cluster_id = %(cluster)s AND t.created_at < %(upper)s
    GROUP BY t.agreement_id
),
agreement AS (
    SELECT a.id, a.kind, a.start_date, a.end_date, h.status_at_end, h.signed_at, h.terminated_in_period,
           (h.status_at_end = ANY(%(in_force)s) AND a.start_date <= %(last)s AND a.end_date >= %(last)s) AS active
    FROM {agreement} a JOIN history h ON h.agreement_id = a.id
    WHERE a.cluster_id = %(cluster)s
),
overdue AS (
    SELECT ob.agreement_id, COUNT(*) AS n
    FROM {obligation} ob
    WHERE ob.cluster_id = %(cluster)s AND ob.status <> %(cancelled)s AND ob.due_date <= %(last)s
      AND NOT (ob.status = %(done)s AND COALESCE(ob.completed_at < %(upper)s, TRUE))
    GROUP BY ob.agreement_id
)
SELECT a.kind, GROUPING(a.kind),
       COUNT(*) FILTER (WHERE a.signed_at >= %(lower)s),
       COUNT(*) FILTER (WHERE a.active),
       COUNT(*) FILTER (WHERE a.active AND a.end_date > %(last)s AND a.end_date <= %(horizon)s),
       COUNT(*) FILTER (WHERE a.status_at_end = %(suspended)s),
       COUNT(*) FILTER (WHERE a.terminated_in_period),
       COUNT(*) FILTER (WHERE a.signed_at IS NOT NULL AND a.end_date BETWEEN %(first)s AND %(last)s
                          AND a.status_at_end <> %(terminated)s),
       COALESCE(SUM(overdue.n) FILTER (WHERE a.active), 0)
FROM agreement a LEFT JOIN overdue ON overdue.agreement_id = a.id
GROUP BY GROUPING SETS ((a.kind), ())
""".format(**_T)

AGREEMENT_FIGURES = ("new", "active", "expiring", "suspended", "terminated", "expired", "obligations_overdue")


def agreements_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """New, active at the end, expiring within 90 days after it, suspended at the end,
    terminated and expired in the period, obligations overdue at the end; in all and by kind.
    One query.

    {"new", "active", "expiring", "suspended", "terminated", "expired", "obligations_overdue",
     "expiry_horizon_days", "by_kind": {kind: {same figures}}}"""
    Status = Agreement.Status
    params = _params(
        cluster, start, end, horizon=end + datetime.timedelta(days=EXPIRY_HORIZON_DAYS),
        signed=Status.SIGNED, terminated=Status.TERMINATED, suspended=Status.SUSPENDED, in_force=list(IN_FORCE),
        cancelled=Obligation.Status.CANCELLED, done=Obligation.Status.DONE,
    )
    result = {**_zeros(AGREEMENT_FIGURES), "expiry_horizon_days": EXPIRY_HORIZON_DAYS, "by_kind": {}}
    for kind, grouping, *figures in _fetch(_AGREEMENTS_SQL, params):
        values = dict(zip(AGREEMENT_FIGURES, (int(value) for value in figures)))
        if grouping == 0:
            if any(values.values()):
                result["by_kind"][kind] = values
        else:
            result.update(values)
    return result


# --- Resources --------------------------------------------------------------------------------

_BOOKING_REQUESTS_SQL = """
SELECT b.status, COUNT(*) FROM {booking} b
WHERE b.cluster_id = %(cluster)s AND b.created_at >= %(lower)s AND b.created_at < %(upper)s
GROUP BY b.status
""".format(**_T)


def resources_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """resources.indicators.utilization (two queries) and the booking requests made in the
    period, by their status now (one query).

    {"utilization": {... as utilization(), JSON}, "bookings": n (approved or completed, overlapping
     the period), "hours_booked", "hours_open", "utilization_rate",
     "requested": {"total", "by_status": {status: n}}}"""
    use = jsonable(utilization(cluster=cluster, start=start, end=end))
    by_status = _zeros(Booking.Status.values)
    by_status.update(dict(_fetch(_BOOKING_REQUESTS_SQL, _params(cluster, start, end))))
    total = use["total"]
    return {
        "bookings": total["bookings"],
        "hours_booked": total["hours_booked"],
        "hours_open": total["hours_open"],
        "utilization_rate": total["utilization"],
        "requested": {"total": sum(by_status.values()), "by_status": by_status},
        "utilization": use,
    }


# --- Programmes -------------------------------------------------------------------------------

_PROGRAMMES_SQL = """
SELECT p.kind, GROUPING(p.kind),
       COUNT(*),
       COUNT(*) FILTER (WHERE p.start_date >= %(first)s),
       COUNT(*) FILTER (WHERE p.status = %(programme_completed)s AND p.end_date <= %(last)s)
FROM {program} p
WHERE p.cluster_id = %(cluster)s AND p.status = ANY(%(started)s)
  AND p.start_date <= %(last)s AND p.end_date >= %(first)s
GROUP BY GROUPING SETS ((p.kind), ())
""".format(**_T)

# Completions in the period, dated as programs.selectors.completion_date does.
_COMPLETIONS = """
done AS (
    SELECT e.person_id, e.organization_id, e.priority, e.hours_attended, e.pre_score, e.post_score, p.competences
    FROM {enrollment} e JOIN {program} p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
    WHERE e.cluster_id = %(cluster)s AND e.status = %(completed)s
      AND COALESCE((e.completed_at AT TIME ZONE %(tz)s)::date,
                   (e.certificate_issued_at AT TIME ZONE %(tz)s)::date, p.end_date) BETWEEN %(first)s AND %(last)s
)""".format(**_T)

# The completions and the certificates of the period in one pass over the enrolments (a
# certificate implies a completed enrolment: enrollment_certificate_only_when_completed), and
# the completions by competence from the same rows: the first row (row_kind 0) holds the
# figures, then one row per competence in its order.
_COMPLETIONS_SQL = """
WITH enrolment AS MATERIALIZED (
    SELECT * FROM (
        SELECT e.person_id, e.priority, e.hours_attended, e.pre_score, e.post_score, p.competences,
               p.id IS NOT NULL AND COALESCE((e.completed_at AT TIME ZONE %(tz)s)::date,
                                             (e.certificate_issued_at AT TIME ZONE %(tz)s)::date,
                                             p.end_date) BETWEEN %(first)s AND %(last)s AS done,
               e.certificate_code IS NOT NULL AND e.certificate_issued_at >= %(lower)s
                                              AND e.certificate_issued_at < %(upper)s AS certified
        FROM {enrollment} e LEFT JOIN {program} p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
        WHERE e.cluster_id = %(cluster)s AND e.status = %(completed)s
    ) AS e
    WHERE done OR certified
),
figures AS (
    SELECT 0 AS row_kind, NULL::text AS competence,
           COUNT(*) FILTER (WHERE done) AS completions,
           COUNT(DISTINCT person_id) FILTER (WHERE done) AS teachers,
           COUNT(DISTINCT person_id) FILTER (WHERE done AND priority) AS priority,
           COALESCE(SUM(hours_attended) FILTER (WHERE done), 0) AS hours,
           COUNT(*) FILTER (WHERE done AND pre_score IS NOT NULL AND post_score IS NOT NULL) AS assessed,
           AVG(post_score - pre_score) FILTER (WHERE done AND pre_score IS NOT NULL AND post_score IS NOT NULL)
               AS mean_gain,
           COUNT(*) FILTER (WHERE done AND post_score > pre_score) AS improved,
           COUNT(*) FILTER (WHERE certified) AS certificates
    FROM enrolment
)
SELECT * FROM figures
UNION ALL
SELECT 1, competence, COUNT(*), COUNT(DISTINCT person_id), NULL, NULL, NULL, NULL, NULL, NULL
FROM enrolment CROSS JOIN LATERAL unnest(enrolment.competences) AS competence
WHERE done
GROUP BY competence
ORDER BY 1, 2
""".format(**_T)


def programmes_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """Programmes running, started and completed in the period (in all and by kind); the
    completions of the period: teachers trained, hours, competence growth, certificates, and by
    competence. Two queries.

    {"running", "started", "completed", "by_kind": {kind: {"running", "started", "completed"}},
     "completions", "teachers_trained", "priority_teachers", "hours",
     "competence": {"assessed", "mean_gain", "improved", "improved_share"},
     "certificates", "by_competence": {code: {"completions", "teachers"}}}"""
    params = _params(cluster, start, end, programme_completed=Program.Status.COMPLETED,
                     started=list(PROGRAMME_STARTED), completed=Enrollment.Status.COMPLETED)
    result = {"running": 0, "started": 0, "completed": 0, "by_kind": {}}
    for kind, grouping, running, started, completed in _fetch(_PROGRAMMES_SQL, params):
        figures = {"running": running, "started": started, "completed": completed}
        if grouping == 0:
            result["by_kind"][kind] = figures
        else:
            result.update(figures)
    ((_, _, completions, teachers, priority, hours, assessed, mean_gain, improved, certificates),
     *competences) = _fetch(_COMPLETIONS_SQL, params)
    result.update({
        "completions": completions,
        "teachers_trained": teachers,
        "priority_teachers": priority,
        "hours": _number(hours),
        "competence": {
            "assessed": assessed, "mean_gain": _number(mean_gain), "improved": improved,
            "improved_share": _share(improved, assessed),
        },
        "certificates": certificates,
        "by_competence": {
            code: {"completions": count, "teachers": people} for _, code, count, people, *_ in competences
        },
    })
    return result


# --- Innovations ------------------------------------------------------------------------------

_INNOVATION_COUNTS_SQL = """
SELECT
    (SELECT COUNT(*) FROM {innovation} i
     WHERE i.cluster_id = %(cluster)s AND i.created_at >= %(lower)s AND i.created_at < %(upper)s),
    (SELECT COUNT(*) FROM {pilot} p
     WHERE p.cluster_id = %(cluster)s AND p.status = ANY(%(pilot_held)s)
       AND p.start_date BETWEEN %(first)s AND %(last)s),
    (SELECT COUNT(*) FROM {pilot} p
     WHERE p.cluster_id = %(cluster)s AND p.status = ANY(%(pilot_held)s)
       AND p.start_date <= %(last)s AND p.end_date >= %(first)s)
""".format(**_T)

_ADOPTIONS_SQL = """
SELECT a.status, GROUPING(a.status), COUNT(*), COUNT(DISTINCT a.organization_id), COUNT(DISTINCT a.innovation_id)
FROM {adoption} a
WHERE a.cluster_id = %(cluster)s AND a.started_on BETWEEN %(first)s AND %(last)s
GROUP BY GROUPING SETS ((a.status), ())
""".format(**_T)


def innovations_section(cluster, start: datetime.date, end: datetime.date) -> dict:
    """The innovation flow of the period (innovations.flow.flow_summary: four queries), the
    innovations proposed and pilots started and running in it, its adoptions by status (one
    query each) and the spread figures (innovations.spread, one query).

    {"proposed", "pilots_started", "pilots_running", "in_progress" (active stages at the end),
     "by_stage": {stage: n at the end}, "finished",
     "adoptions": {"total", "adopters", "innovations", "by_status"}, "spread": {...},
     "flow": {... flow_summary, JSON}}"""
    # A month is read by day, longer spans by week; throughput by month either way.
    step = "day" if (end - start).days < 40 else "week"
    flow = jsonable(innovation_flow.flow_summary(cluster, start, end, period="month", step=step))
    params = _params(cluster, start, end, pilot_held=[Pilot.Status.RUNNING, Pilot.Status.COMPLETED])
    ((proposed, pilots_started, pilots_running),) = _fetch(_INNOVATION_COUNTS_SQL, params)
    adoptions = {"total": 0, "adopters": 0, "innovations": 0, "by_status": _zeros(Adoption.Status.values)}
    for status, grouping, count, adopters, innovations in _fetch(_ADOPTIONS_SQL, params):
        if grouping == 0:
            adoptions["by_status"][status] = count
        else:
            adoptions.update({"total": count, "adopters": adopters, "innovations": innovations})
    wip = flow["work_in_progress"]
    return {
        "proposed": proposed,
        "pilots_started": pilots_started,
        "pilots_running": pilots_running,
        "in_progress": wip["active"],
        "by_stage": {row["stage"]: row["count"] for row in wip["stages"]},
        "finished": sum(row["finished"] for row in flow["throughput"]["periods"]),
        "adoptions": adoptions,
        "spread": jsonable(spread_figures(cluster, start, end)),
        "flow": flow,
    }


# --- The cooperation network ------------------------------------------------------------------

NETWORK_CHANNELS = ("agreements", "bookings", "programmes", "adoptions")

# Every edge carries a bit set: bit c (its channel's place in NETWORK_CHANNELS) when it falls in
# the current period, bit c + 4 when it falls in the previous one; a row that falls in both is
# read once. The pairs are then one aggregate of the edges (OR of their bits), and every figure
# a filtered count over it: no DISTINCT per period and channel, no anti-join of the two periods,
# no second pass over a table.
_NETWORK_SQL = """
WITH signing AS (
    -- Each agreement's first signature and first termination, in one pass over the transitions.
    SELECT t.agreement_id,
           MIN(t.created_at) FILTER (WHERE t.to_status = %(signed)s) AS signed_at,
           MIN(t.created_at) FILTER (WHERE t.to_status = %(terminated)s) AS terminated_at
    FROM {agreement_transition} t
    WHERE t.cluster_id = %(cluster)s AND t.to_status IN (%(signed)s, %(terminated)s)
    GROUP BY t.agreement_id
),
in_force AS (
    SELECT a.id,
           CASE WHEN a.start_date <= %(last)s AND a.end_date >= %(first)s AND g.signed_at < %(upper)s
                     AND (g.terminated_at IS NULL OR g.terminated_at >= %(lower)s) THEN 1 ELSE 0 END
         | CASE WHEN a.start_date <= %(prev_last)s AND a.end_date >= %(prev_first)s AND g.signed_at < %(prev_upper)s
                     AND (g.terminated_at IS NULL OR g.terminated_at >= %(prev_lower)s) THEN 16 ELSE 0 END AS bits
    FROM {agreement} a JOIN signing g ON g.agreement_id = a.id
    WHERE a.cluster_id = %(cluster)s
),
programme AS MATERIALIZED (
    SELECT p.id, p.lead_organization_id AS lead_id,
           CASE WHEN p.start_date <= %(last)s AND p.end_date >= %(first)s THEN 4 ELSE 0 END
         | CASE WHEN p.start_date <= %(prev_last)s AND p.end_date >= %(prev_first)s THEN 64 ELSE 0 END AS bits
    FROM {program} p
    WHERE p.cluster_id = %(cluster)s AND p.status = ANY(%(programme_started)s)
      AND ((p.start_date <= %(last)s AND p.end_date >= %(first)s)
           OR (p.start_date <= %(prev_last)s AND p.end_date >= %(prev_first)s))
),
item AS (
    SELECT item.booking_id, item.resource_id,
           CASE WHEN item.period && tstzrange(%(lower)s, %(upper)s, '[)') THEN 2 ELSE 0 END
         | CASE WHEN item.period && tstzrange(%(prev_lower)s, %(prev_upper)s, '[)') THEN 32 ELSE 0 END AS bits
    FROM {booked} item
    WHERE item.cluster_id = %(cluster)s AND item.status = ANY(%(booked)s)
      AND (item.period && tstzrange(%(lower)s, %(upper)s, '[)')
           OR item.period && tstzrange(%(prev_lower)s, %(prev_upper)s, '[)'))
),
edge (x, y, bits) AS (
    SELECT p1.organization_id, p2.organization_id, f.bits
    FROM in_force f
    JOIN {party} p1 ON p1.cluster_id = %(cluster)s AND p1.agreement_id = f.id
    JOIN {party} p2 ON p2.cluster_id = %(cluster)s AND p2.agreement_id = f.id
                   AND p2.organization_id > p1.organization_id
    WHERE f.bits <> 0
    UNION ALL
    SELECT b.requester_id, r.owner_id, item.bits
    FROM item
    JOIN {resource} r ON r.cluster_id = %(cluster)s AND r.id = item.resource_id
    JOIN {booking} b ON b.cluster_id = %(cluster)s AND b.id = item.booking_id
    UNION ALL
    SELECT pr.lead_id, pp.organization_id, pr.bits
    FROM programme pr JOIN {partner} pp ON pp.cluster_id = %(cluster)s AND pp.program_id = pr.id
    UNION ALL
    SELECT pr.lead_id, e.organization_id, pr.bits
    FROM programme pr JOIN {enrollment} e ON e.cluster_id = %(cluster)s AND e.program_id = pr.id
                                          AND e.status = ANY(%(participants)s)
    UNION ALL
    SELECT a.organization_id, a.learned_from_id,
           CASE WHEN a.started_on BETWEEN %(first)s AND %(last)s THEN 8 ELSE 0 END
         | CASE WHEN a.started_on BETWEEN %(prev_first)s AND %(prev_last)s THEN 128 ELSE 0 END
    FROM {adoption} a
    WHERE a.cluster_id = %(cluster)s AND a.status <> %(abandoned)s
      AND (a.started_on BETWEEN %(first)s AND %(last)s OR a.started_on BETWEEN %(prev_first)s AND %(prev_last)s)
),
pair AS MATERIALIZED (
    SELECT LEAST(x, y) AS a, GREATEST(x, y) AS b, bit_or(bits) AS bits
    FROM edge WHERE x <> y
    GROUP BY LEAST(x, y), GREATEST(x, y)
),
member AS (
    SELECT organization, bit_or(bits) AS bits
    FROM (SELECT a, bits FROM pair UNION ALL SELECT b, bits FROM pair) AS end_ (organization, bits)
    GROUP BY organization
)
SELECT COUNT(*) FILTER (WHERE bits & 1 <> 0), COUNT(*) FILTER (WHERE bits & 2 <> 0),
       COUNT(*) FILTER (WHERE bits & 4 <> 0), COUNT(*) FILTER (WHERE bits & 8 <> 0),
       COUNT(*) FILTER (WHERE bits & 16 <> 0), COUNT(*) FILTER (WHERE bits & 32 <> 0),
       COUNT(*) FILTER (WHERE bits & 64 <> 0), COUNT(*) FILTER (WHERE bits & 128 <> 0),
       COUNT(*) FILTER (WHERE bits & 15 <> 0), COUNT(*) FILTER (WHERE bits & 240 <> 0),
       COUNT(*) FILTER (WHERE bits & 15 <> 0 AND bits & 240 = 0),
       COUNT(*) FILTER (WHERE bits & 240 <> 0 AND bits & 15 = 0),
       (SELECT COUNT(*) FILTER (WHERE bits & 15 <> 0) FROM member),
       (SELECT COUNT(*) FILTER (WHERE bits & 240 <> 0) FROM member)
FROM pair
""".format(**_T)


def network_section(cluster, start: datetime.date, end: datetime.date,
                    previous: tuple[datetime.date, datetime.date]) -> dict:
    """The cooperation network of the period and of the previous one, and what changed. One query.

    {"pairs", "organizations", "by_channel": {channel: pairs},
     "previous": {"start", "end", "pairs", "organizations", "by_channel"},
     "pairs_new", "pairs_lost", "change"}"""
    prev_lower, prev_upper = _bounds(*previous)
    params = _params(
        cluster, start, end, prev_first=previous[0], prev_last=previous[1], prev_lower=prev_lower,
        prev_upper=prev_upper, signed=Agreement.Status.SIGNED, terminated=Agreement.Status.TERMINATED,
        booked=list(BOOKED_STATUSES), programme_started=list(PROGRAMME_STARTED),
        participants=list(Enrollment.PLACE_STATUSES), abandoned=Adoption.Status.ABANDONED,
    )
    ((*by_channel, pairs, previous_pairs, new, lost, organizations, previous_organizations),) = _fetch(
        _NETWORK_SQL, params)
    channels = len(NETWORK_CHANNELS)
    figures = {
        "current": {"pairs": pairs, "organizations": organizations,
                    "by_channel": dict(zip(NETWORK_CHANNELS, by_channel[:channels]))},
        "previous": {"pairs": previous_pairs, "organizations": previous_organizations,
                     "by_channel": dict(zip(NETWORK_CHANNELS, by_channel[channels:]))},
    }
    current, before = figures["current"], figures["previous"]
    return {
        **current,
        "previous": {"start": previous[0], "end": previous[1], **before},
        "pairs_new": new,
        "pairs_lost": lost,
        "change": current["pairs"] - before["pairs"],
    }


# --- Districts --------------------------------------------------------------------------------

_DISTRICTS_SQL = "WITH " + _RATING_PERIODS + ",\n" + _COMPLETIONS + """,
org AS (
    SELECT o.id, o.kind, o.district, COALESCE(
        (SELECT c.to_status FROM {status_change} c
         WHERE c.cluster_id = %(cluster)s AND c.organization_id = o.id AND c.effective_on <= %(last)s
         ORDER BY c.effective_on DESC, c.created_at DESC, c.id DESC LIMIT 1),
        (SELECT c.from_status FROM {status_change} c
         WHERE c.cluster_id = %(cluster)s AND c.organization_id = o.id AND c.effective_on > %(last)s
         ORDER BY c.effective_on, c.created_at, c.id LIMIT 1),
        o.status) AS status
    FROM {organization} o
    WHERE o.cluster_id = %(cluster)s
      AND COALESCE(o.joined_on, (o.created_at AT TIME ZONE %(tz)s)::date) <= %(last)s
),
place AS (
    SELECT o.district, e.person_id
    FROM {enrollment} e
    JOIN {program} p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
    JOIN {organization} o ON o.id = e.organization_id AND o.cluster_id = %(cluster)s
    WHERE e.cluster_id = %(cluster)s AND e.status = ANY(%(places)s) AND p.status = ANY(%(started)s)
      AND p.start_date <= %(last)s AND p.end_date >= %(first)s
)
SELECT district, 'members', NULL, COUNT(*) FROM org WHERE status = %(active)s GROUP BY district
UNION ALL
SELECT district, 'schools', NULL, COUNT(*) FROM org WHERE status = %(active)s AND kind = %(school)s
GROUP BY district
UNION ALL
SELECT rating.district, 'rating', rating.colour, COUNT(*) FROM rating JOIN latest ON rating.period = latest.period
GROUP BY rating.district, rating.colour
UNION ALL
SELECT district, 'participants', NULL, COUNT(DISTINCT person_id) FROM place GROUP BY district
UNION ALL
SELECT o.district, 'trained', NULL, COUNT(DISTINCT done.person_id)
FROM done JOIN {organization} o ON o.id = done.organization_id AND o.cluster_id = %(cluster)s
GROUP BY o.district
UNION ALL
SELECT o.district, 'adoptions', NULL, COUNT(*)
FROM {adoption} a JOIN {organization} o ON o.id = a.organization_id AND o.cluster_id = %(cluster)s
WHERE a.cluster_id = %(cluster)s AND a.started_on BETWEEN %(first)s AND %(last)s
GROUP BY o.district
""".format(**_T)

DISTRICT_MEASURES = ("members", "schools", "participants", "trained", "adoptions")


def districts_section(cluster, start: datetime.date, end: datetime.date) -> list[dict]:
    """The figures of each district (Organization.district as it is now; "" for members without
    one), for the report's page per district. One query.

    - members: organizations active at the end (status at the end as in members_section);
      schools: of them, the schools;
    - ratings: the schools by colour in the latest rating period within the span (as
      ratings_section's `latest`);
    - participants: the people holding a place (confirmed, completed, not completed) in
      programmes running in the period (as the network's programme channel), by the district of
      the organization they enrolled for; trained: the people among the completions of the period
      (as programmes_section's teachers_trained);
    - adoptions: the adoptions started in the period, any status, by the adopter's district.

    [{"district", "members", "schools", "ratings": {colour: n}, "participants", "trained",
      "adoptions"}], named districts in alphabetical order, then "" when there is one."""
    params = _params(cluster, start, end, active=Organization.Status.ACTIVE, school=Organization.Kind.SCHOOL,
                     places=list(Enrollment.PLACE_STATUSES), started=list(PROGRAMME_STARTED),
                     completed=Enrollment.Status.COMPLETED)
    districts: dict[str, dict] = {}
    for district, measure, colour, count in _fetch(_DISTRICTS_SQL, params):
        row = districts.setdefault(district or "", {
            "district": district or "", **_zeros(DISTRICT_MEASURES), "ratings": _zeros(COLOURS)})
        if measure == "rating":
            row["ratings"][colour] = count
        else:
            row[measure] = count
    return [districts[name] for name in sorted(districts, key=lambda name: (name == "", name))]


# --- All of it --------------------------------------------------------------------------------

def _check_span(start, end) -> None:
    # The flow's rules hold for every section: two dates, start before end, at most three years.
    innovation_flow.check_period(start, end)


def indicators(cluster, start: datetime.date, end: datetime.date,
               previous: tuple[datetime.date, datetime.date] | None = None) -> dict:
    """Every section for the cluster over start..end (local dates, both included), as JSON.
    `previous` is the span the network is compared with (default: periods.previous_span).
    Nineteen queries, however many rows the cluster has."""
    _check_span(start, end)
    previous = previous or periods.previous_span(start, end)
    kind = periods.kind_of(start, end)
    return jsonable({
        "period": {"start": start, "end": end, "kind": kind,
                   "code": periods.period_of(kind, start).code if kind else None,
                   "time_zone": settings.TIME_ZONE},
        "members": members_section(cluster, start, end),
        "ratings": ratings_section(cluster, start, end),
        "agreements": agreements_section(cluster, start, end),
        "resources": resources_section(cluster, start, end),
        "programmes": programmes_section(cluster, start, end),
        "innovations": innovations_section(cluster, start, end),
        "network": network_section(cluster, start, end, previous),
        "districts": districts_section(cluster, start, end),
    })


# The figures compared with the previous period: name -> path in the indicators.
KEY_FIGURES = {
    "members": "members.at_end.by_status.active",
    "members_joined": "members.joined.total",
    "members_exited": "members.exited.total",
    "schools_green": "ratings.latest.by_colour.green",
    "schools_yellow": "ratings.latest.by_colour.yellow",
    "schools_red": "ratings.latest.by_colour.red",
    "schools_improved": "ratings.moves.improved",
    "agreements_new": "agreements.new",
    "agreements_active": "agreements.active",
    "agreements_expiring": "agreements.expiring",
    "agreements_terminated": "agreements.terminated",
    "obligations_overdue": "agreements.obligations_overdue",
    "bookings": "resources.bookings",
    "hours_booked": "resources.hours_booked",
    "utilization_rate": "resources.utilization_rate",
    "programmes_running": "programmes.running",
    "teachers_trained": "programmes.teachers_trained",
    "training_hours": "programmes.hours",
    "mean_competence_gain": "programmes.competence.mean_gain",
    "certificates": "programmes.certificates",
    "innovations_proposed": "innovations.proposed",
    "innovations_in_progress": "innovations.in_progress",
    "innovations_finished": "innovations.finished",
    "adoptions": "innovations.adoptions.total",
    "cooperation_pairs": "network.pairs",
}


def _dig(data: dict, path: str):
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def change_from_previous(current: dict, previous: dict) -> dict:
    """The key figures (KEY_FIGURES) of two indicator dicts: {name: {"current", "previous",
    "change" (current − previous), "change_percent" (of the previous, 1 place)}}; a change is
    None when either figure is, the percentage also when the previous figure is 0."""
    result = {}
    for name, path in KEY_FIGURES.items():
        now, before = _dig(current, path), _dig(previous, path)
        change = percent = None
        if now is not None and before is not None:
            change = now - before
            if isinstance(change, float):
                change = _number(change, "0.0001")
            if before:
                percent = _number(Decimal(str(now - before)) * 100 / Decimal(str(before)), "0.1")
        result[name] = {"current": now, "previous": before, "change": change, "change_percent": percent}
    return result


def snapshot(cluster, start: datetime.date, end: datetime.date) -> dict:
    """What a report keeps: the period's indicators, the previous period's, and the change of the
    key figures. {"current", "previous", "change"}."""
    previous_start, previous_end = periods.previous_span(start, end)
    current = indicators(cluster, start, end, previous=(previous_start, previous_end))
    before = indicators(cluster, previous_start, previous_end)
    return {"current": current, "previous": before, "change": change_from_previous(current, before)}
