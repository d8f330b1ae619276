"""The quarterly figures of a cluster written by hand as plain SQL, one statement per figure group,
to compare with reports/indicators.py (the bench checks that both give the same figures, then
compares their times).

The figures are the report's: every key figure of indicators.KEY_FIGURES and the breakdowns the
PDF's tables show (members by status and kind, ratings by colour now and before, rating moves,
network pairs and their change, the per-district page). What indicators() computes beyond them
(the innovation flow's series and percentiles, spread generations, the by-kind splits of
agreements and programmes, the utilization cross table, competences) is not recomputed here.

Definitions are those of reports/indicators.py's module docstring, read independently: where
indicators.py uses GROUPING SETS, subqueries per row and aggregate arrays, this file uses
DISTINCT ON, joins and plain GROUP BY. Dates are local (TIME_ZONE), both ends included; instants
run from local midnight of the first day to local midnight after the last.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

COLOURS = ("red", "yellow", "green")
STATUSES = ("applicant", "active", "suspended", "withdrawn")
# Figures compared within a rounding step (indicators.py rounds per owner kind before summing
# hours, hand SQL once); every other figure must be equal.
TOLERANCE = {"resources.hours_open": 0.1, "resources.hours_booked": 0.1, "resources.utilization_rate": 0.001,
             "programmes.hours": 0.01, "programmes.mean_gain": 0.01}

# Each organization's last status change up to the period's end, and its first one after it:
# its status at the end is the one, else the other's "from", else its current status.
STATUS_CHANGES = """
before_end AS (
    SELECT DISTINCT ON (organization_id) organization_id, to_status
    FROM members_membershipstatuschange
    WHERE cluster_id = %(cluster)s AND effective_on <= %(last)s
    ORDER BY organization_id, effective_on DESC, created_at DESC, id DESC
),
after_end AS (
    SELECT DISTINCT ON (organization_id) organization_id, from_status
    FROM members_membershipstatuschange
    WHERE cluster_id = %(cluster)s AND effective_on > %(last)s
    ORDER BY organization_id, effective_on, created_at, id
),
"""

MEMBERS = """
WITH org AS (
    SELECT id, kind, status, joined_on, COALESCE(joined_on, (created_at AT TIME ZONE %(tz)s)::date) AS joined
    FROM members_organization WHERE cluster_id = %(cluster)s
),
""" + STATUS_CHANGES.strip() + """
at_end AS (
    SELECT org.kind, COALESCE(b.to_status, a.from_status, org.status) AS status
    FROM org
    LEFT JOIN before_end b ON b.organization_id = org.id
    LEFT JOIN after_end a ON a.organization_id = org.id
    WHERE org.joined <= %(last)s
),
moved AS (
    SELECT c.organization_id, c.to_status
    FROM members_membershipstatuschange c JOIN org ON org.id = c.organization_id
    WHERE c.cluster_id = %(cluster)s AND c.effective_on BETWEEN %(first)s AND %(last)s
)
SELECT 'status', status, COUNT(*) FROM at_end GROUP BY status
UNION ALL SELECT 'kind', kind, COUNT(*) FROM at_end GROUP BY kind
UNION ALL SELECT 'joined', '', COUNT(*) FROM org WHERE joined_on BETWEEN %(first)s AND %(last)s
UNION ALL SELECT 'exited', '', COUNT(DISTINCT organization_id) FROM moved WHERE to_status IN ('suspended', 'withdrawn')
UNION ALL SELECT 'moved', to_status, COUNT(DISTINCT organization_id) FROM moved GROUP BY to_status
"""

RATINGS = """
WITH rating AS (
    SELECT r.organization_id, r.period, r.colour
    FROM members_schoolrating r JOIN members_organization o ON o.id = r.organization_id AND o.cluster_id = %(cluster)s
    WHERE r.cluster_id = %(cluster)s
),
latest AS (SELECT MAX(period) AS period FROM rating WHERE period BETWEEN %(first)s AND %(last)s),
previous AS (SELECT MAX(rating.period) AS period FROM rating, latest WHERE rating.period < latest.period),
now AS (SELECT rating.* FROM rating JOIN latest USING (period)),
was AS (SELECT rating.* FROM rating JOIN previous USING (period)),
rank (colour, n) AS (VALUES ('red', 0), ('yellow', 1), ('green', 2))
SELECT 'latest', colour, COUNT(*) FROM now GROUP BY colour
UNION ALL SELECT 'previous', colour, COUNT(*) FROM was GROUP BY colour
UNION ALL
SELECT CASE WHEN was.colour IS NULL THEN 'newly_rated' WHEN rn.n > rw.n THEN 'improved'
            WHEN rn.n < rw.n THEN 'worsened' ELSE 'unchanged' END, '', COUNT(*)
FROM now LEFT JOIN was ON was.organization_id = now.organization_id
LEFT JOIN rank rn ON rn.colour = now.colour LEFT JOIN rank rw ON rw.colour = was.colour
GROUP BY 1
UNION ALL SELECT 'latest_period', (SELECT period::text FROM latest), 0
UNION ALL SELECT 'previous_period', (SELECT period::text FROM previous), 0
"""

AGREEMENTS = """
WITH moves AS (
    SELECT agreement_id, to_status, created_at, id FROM agreements_agreementtransition
    WHERE cluster_id = %(cluster)s AND created_at < %(upper)s
),
last_move AS (
    SELECT DISTINCT ON (agreement_id) agreement_id, to_status FROM moves
    ORDER BY agreement_id, created_at DESC, id DESC
),
signed AS (SELECT agreement_id, MIN(created_at) AS at FROM moves WHERE to_status = 'signed' GROUP BY agreement_id),
ended AS (SELECT DISTINCT agreement_id FROM moves WHERE to_status = 'terminated' AND created_at >= %(lower)s),
a AS (
    SELECT a.id, a.end_date, m.to_status AS status, s.at AS signed_at, e.agreement_id IS NOT NULL AS terminated,
           m.to_status IN ('signed', 'active') AND a.start_date <= %(last)s AND a.end_date >= %(last)s AS active
    FROM agreements_agreement a
    JOIN last_move m ON m.agreement_id = a.id
    LEFT JOIN signed s ON s.agreement_id = a.id
    LEFT JOIN ended e ON e.agreement_id = a.id
    WHERE a.cluster_id = %(cluster)s
)
SELECT COUNT(*) FILTER (WHERE signed_at >= %(lower)s),
       COUNT(*) FILTER (WHERE active),
       COUNT(*) FILTER (WHERE active AND end_date > %(last)s AND end_date <= %(horizon)s),
       COUNT(*) FILTER (WHERE status = 'suspended'),
       COUNT(*) FILTER (WHERE terminated),
       COUNT(*) FILTER (WHERE signed_at IS NOT NULL AND end_date BETWEEN %(first)s AND %(last)s
                          AND status <> 'terminated'),
       (SELECT COUNT(*) FROM agreements_obligation ob JOIN a ON a.id = ob.agreement_id AND a.active
        WHERE ob.cluster_id = %(cluster)s AND ob.status <> 'cancelled' AND ob.due_date <= %(last)s
          AND NOT (ob.status = 'done' AND (ob.completed_at IS NULL OR ob.completed_at < %(upper)s)))
FROM a
"""

RESOURCES = """
WITH res AS (
    SELECT r.id, r.always_open
    FROM resources_resource r JOIN members_organization o ON o.id = r.owner_id AND o.cluster_id = r.cluster_id
    WHERE r.cluster_id = %(cluster)s AND r.is_active
),
open_day AS (
    SELECT res.id, res.always_open, d::date AS day
    FROM res CROSS JOIN generate_series(%(first)s::timestamp, %(last)s::timestamp, interval '1 day') d
    WHERE NOT EXISTS (SELECT 1 FROM resources_closeddate c
                      WHERE c.cluster_id = %(cluster)s AND c.resource_id = res.id AND c.date = d::date)
),
opened AS (
    SELECT EXTRACT(EPOCH FROM ((day + 1)::timestamp AT TIME ZONE %(tz)s) - (day::timestamp AT TIME ZONE %(tz)s)) AS s
    FROM open_day WHERE always_open
    UNION ALL
    SELECT EXTRACT(EPOCH FROM ((od.day + h.closes) AT TIME ZONE %(tz)s) - ((od.day + h.opens) AT TIME ZONE %(tz)s))
    FROM open_day od JOIN resources_openinghours h
      ON h.cluster_id = %(cluster)s AND h.resource_id = od.id AND h.weekday = EXTRACT(ISODOW FROM od.day)::int - 1
    WHERE NOT od.always_open
),
booked AS (
    SELECT i.booking_id,
           EXTRACT(EPOCH FROM LEAST(upper(i.period), %(upper)s) - GREATEST(lower(i.period), %(lower)s)) AS s
    FROM resources_bookedresource i
    JOIN resources_resource r ON r.id = i.resource_id AND r.cluster_id = %(cluster)s AND r.is_active
    JOIN members_organization owner ON owner.id = r.owner_id AND owner.cluster_id = %(cluster)s
    JOIN resources_booking b ON b.id = i.booking_id AND b.cluster_id = %(cluster)s
    JOIN members_organization requester ON requester.id = b.requester_id AND requester.cluster_id = %(cluster)s
    WHERE i.cluster_id = %(cluster)s AND i.status IN ('approved', 'completed')
      AND i.period && tstzrange(%(lower)s, %(upper)s, '[)')
)
SELECT (SELECT COALESCE(SUM(s), 0) / 3600 FROM opened),
       (SELECT COALESCE(SUM(s), 0) / 3600 FROM booked),
       (SELECT COUNT(DISTINCT booking_id) FROM booked),
       (SELECT COUNT(*) FROM resources_booking
        WHERE cluster_id = %(cluster)s AND created_at >= %(lower)s AND created_at < %(upper)s)
"""

PROGRAMMES = """
WITH running AS (
    SELECT id, status, start_date, end_date FROM programs_program
    WHERE cluster_id = %(cluster)s AND status IN ('running', 'completed')
      AND start_date <= %(last)s AND end_date >= %(first)s
),
done AS (
    SELECT e.person_id, e.priority, e.hours_attended, e.pre_score, e.post_score
    FROM programs_enrollment e JOIN programs_program p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
    WHERE e.cluster_id = %(cluster)s AND e.status = 'completed'
      AND COALESCE((e.completed_at AT TIME ZONE %(tz)s)::date, (e.certificate_issued_at AT TIME ZONE %(tz)s)::date,
                   p.end_date) BETWEEN %(first)s AND %(last)s
)
SELECT (SELECT COUNT(*) FROM running),
       (SELECT COUNT(*) FROM running WHERE start_date >= %(first)s),
       (SELECT COUNT(*) FROM running WHERE status = 'completed' AND end_date <= %(last)s),
       COUNT(*), COUNT(DISTINCT person_id), COUNT(DISTINCT person_id) FILTER (WHERE priority),
       COALESCE(SUM(hours_attended), 0),
       COUNT(*) FILTER (WHERE pre_score IS NOT NULL AND post_score IS NOT NULL),
       AVG(post_score - pre_score) FILTER (WHERE pre_score IS NOT NULL AND post_score IS NOT NULL),
       COUNT(*) FILTER (WHERE post_score > pre_score),
       (SELECT COUNT(*) FROM programs_enrollment
        WHERE cluster_id = %(cluster)s AND certificate_code IS NOT NULL
          AND certificate_issued_at >= %(lower)s AND certificate_issued_at < %(upper)s)
FROM done
"""

INNOVATIONS = """
WITH state_at AS (
    SELECT DISTINCT ON (innovation_id) innovation_id, to_stage
    FROM innovations_stagetransition
    WHERE cluster_id = %(cluster)s AND created_at <= %(at)s
    ORDER BY innovation_id, created_at DESC, id DESC
)
SELECT
    (SELECT COUNT(*) FROM innovations_innovation
     WHERE cluster_id = %(cluster)s AND created_at >= %(lower)s AND created_at < %(upper)s),
    (SELECT COUNT(*) FROM innovations_pilot
     WHERE cluster_id = %(cluster)s AND status IN ('running', 'completed') AND start_date BETWEEN %(first)s AND %(last)s),
    (SELECT COUNT(*) FROM innovations_pilot
     WHERE cluster_id = %(cluster)s AND status IN ('running', 'completed')
       AND start_date <= %(last)s AND end_date >= %(first)s),
    (SELECT COUNT(*) FROM state_at WHERE to_stage NOT IN ('rejected', 'archived')),
    (SELECT COUNT(*) FROM innovations_stagetransition
     WHERE cluster_id = %(cluster)s AND created_at >= %(lower)s AND created_at < %(upper)s
       AND (to_stage = 'disseminating' OR (to_stage = 'archived' AND from_stage <> 'disseminating'))),
    (SELECT COUNT(*) FROM innovations_adoption
     WHERE cluster_id = %(cluster)s AND started_on BETWEEN %(first)s AND %(last)s)
"""

NETWORK = """
WITH span (which, first, last, lower, upper) AS (
    VALUES ('current', %(first)s::date, %(last)s::date, %(lower)s::timestamptz, %(upper)s::timestamptz),
           ('previous', %(prev_first)s::date, %(prev_last)s::date, %(prev_lower)s::timestamptz,
            %(prev_upper)s::timestamptz)
),
in_force AS (
    SELECT s.which, a.id
    FROM span s JOIN agreements_agreement a
      ON a.cluster_id = %(cluster)s AND a.start_date <= s.last AND a.end_date >= s.first
    WHERE EXISTS (SELECT 1 FROM agreements_agreementtransition t WHERE t.cluster_id = %(cluster)s
                  AND t.agreement_id = a.id AND t.to_status = 'signed' AND t.created_at < s.upper)
      AND NOT EXISTS (SELECT 1 FROM agreements_agreementtransition t WHERE t.cluster_id = %(cluster)s
                      AND t.agreement_id = a.id AND t.to_status = 'terminated' AND t.created_at < s.lower)
),
programme AS (
    SELECT s.which, p.id, p.lead_organization_id AS lead
    FROM span s JOIN programs_program p
      ON p.cluster_id = %(cluster)s AND p.status IN ('running', 'completed')
     AND p.start_date <= s.last AND p.end_date >= s.first
),
edge (which, x, y) AS (
    SELECT f.which, p1.organization_id, p2.organization_id
    FROM in_force f
    JOIN agreements_agreementparty p1 ON p1.cluster_id = %(cluster)s AND p1.agreement_id = f.id
    JOIN agreements_agreementparty p2 ON p2.cluster_id = %(cluster)s AND p2.agreement_id = f.id
    UNION ALL
    SELECT s.which, b.requester_id, r.owner_id
    FROM span s
    JOIN resources_bookedresource i ON i.cluster_id = %(cluster)s AND i.status IN ('approved', 'completed')
                                    AND i.period && tstzrange(s.lower, s.upper, '[)')
    JOIN resources_resource r ON r.cluster_id = %(cluster)s AND r.id = i.resource_id
    JOIN resources_booking b ON b.cluster_id = %(cluster)s AND b.id = i.booking_id
    UNION ALL
    SELECT pr.which, pr.lead, pp.organization_id
    FROM programme pr JOIN programs_programpartner pp ON pp.cluster_id = %(cluster)s AND pp.program_id = pr.id
    UNION ALL
    SELECT pr.which, pr.lead, e.organization_id
    FROM programme pr JOIN programs_enrollment e ON e.cluster_id = %(cluster)s AND e.program_id = pr.id
                                                AND e.status IN ('confirmed', 'completed', 'not_completed')
    UNION ALL
    SELECT s.which, a.organization_id, a.learned_from_id
    FROM span s JOIN innovations_adoption a ON a.cluster_id = %(cluster)s AND a.status <> 'abandoned'
                                          AND a.started_on BETWEEN s.first AND s.last
),
pair AS (SELECT DISTINCT which, LEAST(x, y) AS a, GREATEST(x, y) AS b FROM edge WHERE x <> y)
SELECT
    (SELECT COUNT(*) FROM pair WHERE which = 'current'),
    (SELECT COUNT(DISTINCT o) FROM pair, LATERAL (VALUES (a), (b)) v (o) WHERE which = 'current'),
    (SELECT COUNT(*) FROM pair WHERE which = 'previous'),
    (SELECT COUNT(*) FROM (SELECT a, b FROM pair WHERE which = 'current'
                           EXCEPT SELECT a, b FROM pair WHERE which = 'previous') n),
    (SELECT COUNT(*) FROM (SELECT a, b FROM pair WHERE which = 'previous'
                           EXCEPT SELECT a, b FROM pair WHERE which = 'current') l)
"""

DISTRICTS = """
WITH """ + STATUS_CHANGES.strip() + """
active AS (
    SELECT o.district, o.kind
    FROM members_organization o
    LEFT JOIN before_end b ON b.organization_id = o.id
    LEFT JOIN after_end a ON a.organization_id = o.id
    WHERE o.cluster_id = %(cluster)s
      AND COALESCE(o.joined_on, (o.created_at AT TIME ZONE %(tz)s)::date) <= %(last)s
      AND COALESCE(b.to_status, a.from_status, o.status) = 'active'
),
rating AS (
    SELECT o.district, r.period, r.colour
    FROM members_schoolrating r JOIN members_organization o ON o.id = r.organization_id AND o.cluster_id = %(cluster)s
    WHERE r.cluster_id = %(cluster)s
),
latest AS (SELECT MAX(period) AS period FROM rating WHERE period BETWEEN %(first)s AND %(last)s)
SELECT district, 'members', COUNT(*) FROM active GROUP BY district
UNION ALL SELECT district, 'schools', COUNT(*) FROM active WHERE kind = 'school' GROUP BY district
UNION ALL SELECT district, colour, COUNT(*) FROM rating JOIN latest USING (period) GROUP BY district, colour
UNION ALL
SELECT o.district, 'participants', COUNT(DISTINCT e.person_id)
FROM programs_enrollment e
JOIN programs_program p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
JOIN members_organization o ON o.id = e.organization_id AND o.cluster_id = %(cluster)s
WHERE e.cluster_id = %(cluster)s AND e.status IN ('confirmed', 'completed', 'not_completed')
  AND p.status IN ('running', 'completed') AND p.start_date <= %(last)s AND p.end_date >= %(first)s
GROUP BY o.district
UNION ALL
SELECT o.district, 'trained', COUNT(DISTINCT e.person_id)
FROM programs_enrollment e
JOIN programs_program p ON p.id = e.program_id AND p.cluster_id = %(cluster)s
JOIN members_organization o ON o.id = e.organization_id AND o.cluster_id = %(cluster)s
WHERE e.cluster_id = %(cluster)s AND e.status = 'completed'
  AND COALESCE((e.completed_at AT TIME ZONE %(tz)s)::date, (e.certificate_issued_at AT TIME ZONE %(tz)s)::date,
               p.end_date) BETWEEN %(first)s AND %(last)s
GROUP BY o.district
UNION ALL
SELECT o.district, 'adoptions', COUNT(*)
FROM innovations_adoption a JOIN members_organization o ON o.id = a.organization_id AND o.cluster_id = %(cluster)s
WHERE a.cluster_id = %(cluster)s AND a.started_on BETWEEN %(first)s AND %(last)s
GROUP BY o.district
"""

DISTRICT_MEASURES = ("members", "schools", "participants", "trained", "adoptions", *COLOURS)


def _round(value, places: str = "0.01") -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP))


def _params(cluster_id: int, start: datetime.date, end: datetime.date) -> dict:
    from reports.periods import previous_span

    zone = ZoneInfo(settings.TIME_ZONE)

    def midnight(day):
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)

    prev_first, prev_last = previous_span(start, end)
    upper = midnight(end + datetime.timedelta(days=1))
    return {
        "cluster": cluster_id, "tz": settings.TIME_ZONE, "first": start, "last": end,
        "lower": midnight(start), "upper": upper, "horizon": end + datetime.timedelta(days=90),
        # Work in progress "at the end": the last instant of the period, or now while it lasts.
        "at": min(timezone.now(), upper - datetime.timedelta(microseconds=1)),
        "prev_first": prev_first, "prev_last": prev_last, "prev_lower": midnight(prev_first),
        "prev_upper": midnight(prev_last + datetime.timedelta(days=1)),
    }


def figures(cluster_id: int, start: datetime.date, end: datetime.date) -> dict:
    """The figures as {name: value}, the names of from_indicators()."""
    params = _params(cluster_id, start, end)
    result: dict = {}
    with connection.cursor() as cursor:
        def rows(statement):
            cursor.execute(statement, params)
            return cursor.fetchall()

        by_status = dict.fromkeys(STATUSES, 0)
        moved = {}
        for measure, key, count in rows(MEMBERS):
            if measure == "status":
                by_status[key] = count
            elif measure == "kind":
                result[f"members.kind.{key}"] = count
            elif measure == "moved":
                moved[key] = count
            else:
                result[f"members.{measure}"] = count
        result["members.total"] = sum(by_status.values())
        result.update({f"members.status.{status}": count for status, count in by_status.items()})
        result.update({"members.suspended": moved.get("suspended", 0), "members.withdrawn": moved.get("withdrawn", 0),
                       "members.reinstated": moved.get("active", 0)})

        ratings = {f"ratings.{which}.{colour}": 0 for which in ("latest", "previous") for colour in COLOURS}
        ratings.update(dict.fromkeys(("ratings.improved", "ratings.worsened", "ratings.unchanged",
                                      "ratings.newly_rated"), 0))
        for measure, key, count in rows(RATINGS):
            if measure in ("latest", "previous"):
                ratings[f"ratings.{measure}.{key}"] = count
            elif measure.endswith("_period"):
                ratings[f"ratings.{measure}"] = key
            else:
                ratings[f"ratings.{measure}"] = count
        result.update(ratings)

        ((new, active, expiring, suspended, terminated, expired, overdue),) = rows(AGREEMENTS)
        result.update({"agreements.new": new, "agreements.active": active, "agreements.expiring": expiring,
                       "agreements.suspended": suspended, "agreements.terminated": terminated,
                       "agreements.expired": expired, "agreements.obligations_overdue": overdue})

        ((hours_open, hours_booked, bookings, requested),) = rows(RESOURCES)
        hours_open, hours_booked = _round(hours_open), _round(hours_booked)
        result.update({"resources.hours_open": hours_open, "resources.hours_booked": hours_booked,
                       "resources.bookings": bookings, "resources.requested": requested,
                       "resources.utilization_rate": _round(hours_booked / hours_open, "0.0001") if hours_open
                       else None})

        ((running, started, completed, completions, teachers, priority, hours, assessed, gain, improved,
          certificates),) = rows(PROGRAMMES)
        result.update({"programmes.running": running, "programmes.started": started,
                       "programmes.completed": completed, "programmes.completions": completions,
                       "programmes.teachers_trained": teachers, "programmes.priority_teachers": priority,
                       "programmes.hours": _round(hours), "programmes.assessed": assessed,
                       "programmes.mean_gain": _round(gain), "programmes.improved": improved,
                       "programmes.certificates": certificates})

        ((proposed, pilots_started, pilots_running, in_progress, finished, adoptions),) = rows(INNOVATIONS)
        result.update({"innovations.proposed": proposed, "innovations.pilots_started": pilots_started,
                       "innovations.pilots_running": pilots_running, "innovations.in_progress": in_progress,
                       "innovations.finished": finished, "innovations.adoptions": adoptions})

        ((pairs, organizations, previous_pairs, pairs_new, pairs_lost),) = rows(NETWORK)
        result.update({"network.pairs": pairs, "network.organizations": organizations,
                       "network.previous_pairs": previous_pairs, "network.pairs_new": pairs_new,
                       "network.pairs_lost": pairs_lost})

        districts: dict[str, dict] = {}
        for district, measure, count in rows(DISTRICTS):
            districts.setdefault(district or "", dict.fromkeys(DISTRICT_MEASURES, 0))[measure] = count
        for name, values in districts.items():
            result.update({f"districts.{name}.{measure}": count for measure, count in values.items()})
    return result


def from_indicators(data: dict) -> dict:
    """The same figures read from reports.indicators.indicators(...)."""
    members, ratings, agreements = data["members"], data["ratings"], data["agreements"]
    resources, programmes, innovations, network = (data["resources"], data["programmes"], data["innovations"],
                                                   data["network"])
    result = {"members.total": members["at_end"]["total"], "members.joined": members["joined"]["total"],
              "members.exited": members["exited"]["total"], "members.suspended": members["suspended"],
              "members.withdrawn": members["withdrawn"], "members.reinstated": members["reinstated"]}
    result.update({f"members.status.{key}": value for key, value in members["at_end"]["by_status"].items()})
    result.update({f"members.kind.{key}": value for key, value in members["at_end"]["by_kind"].items()})
    for which, source in (("latest", "latest"), ("previous", "previous")):
        result.update({f"ratings.{which}.{colour}": ratings[source]["by_colour"][colour] for colour in COLOURS})
    result.update({"ratings.latest_period": ratings["latest_period"],
                   "ratings.previous_period": ratings["previous_period"]})
    result.update({f"ratings.{key}": ratings["moves"][key]
                   for key in ("improved", "worsened", "unchanged", "newly_rated")})
    result.update({f"agreements.{key}": agreements[key] for key in (
        "new", "active", "expiring", "suspended", "terminated", "expired", "obligations_overdue")})
    result.update({"resources.hours_open": resources["hours_open"], "resources.hours_booked": resources["hours_booked"],
                   "resources.bookings": resources["bookings"], "resources.requested": resources["requested"]["total"],
                   "resources.utilization_rate": resources["utilization_rate"]})
    result.update({f"programmes.{key}": programmes[key] for key in (
        "running", "started", "completed", "completions", "teachers_trained", "priority_teachers", "hours",
        "certificates")})
    result.update({"programmes.assessed": programmes["competence"]["assessed"],
                   "programmes.mean_gain": programmes["competence"]["mean_gain"],
                   "programmes.improved": programmes["competence"]["improved"]})
    result.update({f"innovations.{key}": innovations[key] for key in (
        "proposed", "pilots_started", "pilots_running", "in_progress", "finished")})
    result["innovations.adoptions"] = innovations["adoptions"]["total"]
    result.update({"network.pairs": network["pairs"], "network.organizations": network["organizations"],
                   "network.previous_pairs": network["previous"]["pairs"], "network.pairs_new": network["pairs_new"],
                   "network.pairs_lost": network["pairs_lost"]})
    for row in data["districts"]:
        name = row["district"]
        result.update({f"districts.{name}.{measure}": row[measure] for measure in DISTRICT_MEASURES[:5]})
        result.update({f"districts.{name}.{colour}": row["ratings"][colour] for colour in COLOURS})
    return result


def differences(orm: dict, hand: dict) -> list[str]:
    """The figures that differ (beyond TOLERANCE), as lines for people; empty when they agree."""
    lines = []
    for name in sorted(set(orm) | set(hand)):
        a, b = orm.get(name, "missing"), hand.get(name, "missing")
        if a == b:
            continue
        tolerance = TOLERANCE.get(name)
        if tolerance is not None and isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                and abs(a - b) <= tolerance + 1e-9:
            continue
        lines.append(f"{name}: indicators.py {a!r}, hand SQL {b!r}")
    return lines
