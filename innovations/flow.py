"""The flow figures of the innovation pipeline, computed in PostgreSQL from the StageTransition
rows alone (Innovation.stage is not read, so any past moment comes out as it was then).
Each function is one query; Python only shapes the aggregated rows into dicts.

Definitions, in one place:

- **Period.** `start` and `end` are local dates (settings.TIME_ZONE), BOTH INCLUSIVE, as in the
  other indicators of the platform (resources.indicators): the period is the time range
  [start 00:00 local, end + 1 day 00:00 local). Month and quarter buckets are local calendar
  months and quarters: `date_trunc(unit, created_at AT TIME ZONE tz)`. `start` must be before
  `end`, and the period at most three years (`check_period`).
- **Stay.** The time an innovation spends in one stage: it begins with a transition into the
  stage and ends with the innovation's next transition (ordered by created_at, then id), or
  is still open. Two transitions of one innovation at the same instant make a stay of zero
  length that no moment sees.
- **Work in progress** at a moment: per stage, the innovations whose last transition at or
  before that moment went into it. Rejected and archived are end stages: listed, but not
  counted as active work (`active`).
- **Throughput** per period: `left[stage]`, the transitions out of the stage during the
  period (one per stay that ended; an innovation that leaves "in review" twice in one month,
  through a revision, counts twice); `entered[stage]`, the transitions into it; and
  `finished`, the innovations that reached the end of the flow: a transition into
  disseminating, or into archived from any stage but disseminating (withdrawn, or archived
  after a decision or a pilot), so each innovation finishes once. The first and last
  buckets hold only the days of the period.
- **Time in stage**: per stage, the stays that ENDED within the period (a transition out of
  the stage inside it; a stay that began before the period counts whole), their count, and
  the median and 90th percentile of their length in days: `percentile_cont`, the continuous
  percentile that interpolates linearly between the two nearest ranks (for lengths
  x1 <= ... <= xn and fraction p, the value at position 1 + p(n - 1)). Rounded to 2 places.
- **Cumulative flow**: for each date from `start`, every day or every 7 days, and `end`
  itself, the number of innovations in each stage at the end of that local date (just
  before the next local midnight).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cluster_platform import charts

from .models import Stage, StageTransition

PERIODS = {"month": "1 month", "quarter": "3 months"}
STEPS = {"week": "7 days", "day": "1 day"}
STEP_DAYS = {"week": 7, "day": 1}
END_STAGES = (Stage.REJECTED, Stage.ARCHIVED)
# The stages a stay can end in: nothing leaves an end stage.
LEAVABLE_STAGES = tuple(stage for stage in Stage.values if stage not in END_STAGES)
MAX_YEARS = 3
# The dates a period may use. Far dates mean nothing here and break the arithmetic (year 0 or
# 10000 does not exist) or the time zone (before standard time, an offset in seconds).
EARLIEST = datetime.date(1970, 1, 1)
LATEST = datetime.date(2999, 12, 31)

_TABLE = StageTransition._meta.db_table

# The bounds of the period as instants: local midnight of `first` and of the day after `last`.
_LOWER = "(%(first)s::date)::timestamp AT TIME ZONE %(tz)s"
_UPPER = "(%(last)s::date + 1)::timestamp AT TIME ZONE %(tz)s"

# Every innovation's stays in the cluster: the stage entered and when, and when it was left
# (the next transition of the same innovation; NULL while the stay lasts).
_STAYS = f"""
stay AS (
    SELECT t.innovation_id, t.to_stage AS stage, t.created_at AS entered_at,
           LEAD(t.created_at) OVER (PARTITION BY t.innovation_id ORDER BY t.created_at, t.id) AS left_at
    FROM {_TABLE} t
    WHERE t.cluster_id = %(cluster)s {{condition}}
)"""

_WIP_SQL = f"""
SELECT last.to_stage, COUNT(*)
FROM (
    SELECT DISTINCT ON (t.innovation_id) t.innovation_id, t.to_stage
    FROM {_TABLE} t
    WHERE t.cluster_id = %(cluster)s AND t.created_at <= %(at)s
    ORDER BY t.innovation_id, t.created_at DESC, t.id DESC
) last
GROUP BY last.to_stage
"""

_THROUGHPUT_SQL = f"""
WITH bucket AS (
    SELECT b::date AS period
    FROM generate_series(date_trunc(%(unit)s, (%(first)s::date)::timestamp),
                         date_trunc(%(unit)s, (%(last)s::date)::timestamp), %(interval)s::interval) b
),
moved AS (
    SELECT date_trunc(%(unit)s, t.created_at AT TIME ZONE %(tz)s)::date AS period, t.from_stage, t.to_stage
    FROM {_TABLE} t
    WHERE t.cluster_id = %(cluster)s AND t.created_at >= {_LOWER} AND t.created_at < {_UPPER}
)
SELECT period, 'period' AS measure, '' AS stage, 0 AS n FROM bucket
UNION ALL
SELECT period, 'left', from_stage, COUNT(*) FROM moved WHERE from_stage <> '' GROUP BY period, from_stage
UNION ALL
SELECT period, 'entered', to_stage, COUNT(*) FROM moved GROUP BY period, to_stage
UNION ALL
SELECT period, 'finished', '', COUNT(*) FROM moved
WHERE to_stage = %(disseminating)s OR (to_stage = %(archived)s AND from_stage <> %(disseminating)s)
GROUP BY period
ORDER BY 1
"""

# Only the innovations with a transition inside the period can have a stay that ended in it;
# their whole history is read so that each stay's beginning is known.
_TIME_IN_STAGE_SQL = "WITH " + _STAYS.format(condition=f"""
    AND t.innovation_id IN (
        SELECT m.innovation_id FROM {_TABLE} m
        WHERE m.cluster_id = %(cluster)s AND m.created_at >= {_LOWER} AND m.created_at < {_UPPER}
    )""") + f""",
ended AS (
    SELECT stage, (EXTRACT(EPOCH FROM left_at - entered_at) / 86400)::float8 AS days
    FROM stay
    WHERE left_at >= {_LOWER} AND left_at < {_UPPER}
)
SELECT stage, COUNT(*),
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::numeric, 2)::float8,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY days))::numeric, 2)::float8
FROM ended
GROUP BY stage
"""

# Transitions after the last moment do not matter: a stay they would end is open until then.
# A stay is in its stage at the moments m with entered_at < m and left_at >= m (or still open):
# width_bucket gives, for an instant, how many moments are at or before it, so a stay adds one
# from the moment after it began and takes it back from the moment after it ended. The count at
# each moment is the running sum of those steps, whatever the number of stays (a join of every
# stay with every moment grows as their product).
_CUMULATIVE_SQL = "WITH " + _STAYS.format(condition=f"AND t.created_at < {_UPPER}") + """,
day AS (
    -- Counted in whole days (not a timestamp series) so that the planner knows how many.
    SELECT %(first)s::date + k * %(days)s AS day
    FROM generate_series(0, (%(last)s::date - %(first)s::date) / %(days)s) k
    UNION
    SELECT %(last)s::date
),
moment AS MATERIALIZED (
    SELECT day, ROW_NUMBER() OVER (ORDER BY day) AS n, (day + 1)::timestamp AT TIME ZONE %(tz)s AS upto FROM day
),
edge AS MATERIALIZED (
    SELECT array_agg(upto ORDER BY n) AS uptos FROM moment
),
step AS (
    SELECT s.stage, width_bucket(s.entered_at, e.uptos) + 1 AS n, 1 AS delta FROM stay s CROSS JOIN edge e
    UNION ALL
    SELECT s.stage, width_bucket(s.left_at, e.uptos) + 1, -1 FROM stay s CROSS JOIN edge e WHERE s.left_at IS NOT NULL
),
change AS (
    SELECT stage, n, SUM(delta) AS delta FROM step GROUP BY stage, n
)
SELECT m.day, c.stage, SUM(c.delta)::bigint
FROM moment m
LEFT JOIN change c ON c.n <= m.n
GROUP BY m.day, c.stage
ORDER BY m.day
"""


def stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months: from the first day of the month eleven months back to today, so the
    monthly buckets are twelve, the last one the current month."""
    today = today or timezone.localdate()
    month = today.year * 12 + today.month - 1 - 11
    return datetime.date(month // 12, month % 12 + 1, 1), today


def period_or_default(start: datetime.date | None = None, end: datetime.date | None = None,
                      today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The period asked for, its missing ends filled in: the end defaults to today, the start to
    the twelve months up to the end (see default_period)."""
    end = end or today or timezone.localdate()
    if start is None and isinstance(end, datetime.date) and EARLIEST <= end <= LATEST:
        start = default_period(end)[0]
    return start, end


def check_period(start, end) -> None:
    """Refuse a period that is not two dates from EARLIEST to LATEST, start before end, at most
    three years long (ValidationError naming the field)."""
    if not isinstance(end, datetime.date) or isinstance(end, datetime.datetime):
        raise ValidationError({"end": _("Give the last day of the period.")})
    _check_range("end", end)
    if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
        raise ValidationError({"start": _("Give the first day of the period.")})
    _check_range("start", start)
    if end <= start:
        raise ValidationError({"end": _("The end of the period must be after its start.")})
    if end >= _add_years(start, MAX_YEARS):
        raise ValidationError({"end": _("The period can be at most %(years)d years long.") % {"years": MAX_YEARS}})


def _check_range(name: str, day: datetime.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationError({name: _("Give a date from %(earliest)s to %(latest)s.") % {
            "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}})


def _check_choice(name: str, value: str, choices: dict) -> None:
    if value not in choices:
        raise ValidationError({name: _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}})


def _params(cluster, start, end, **extra) -> dict:
    return {"cluster": cluster.pk, "first": start, "last": end, "tz": settings.TIME_ZONE, **extra}


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def period_label(period: datetime.date, unit: str) -> str:
    if unit == "quarter":
        return _("Q%(quarter)d %(year)d") % {"quarter": (period.month - 1) // 3 + 1, "year": period.year}
    return date_format(period, "YEAR_MONTH_FORMAT")


def work_in_progress(cluster, at: datetime.datetime) -> dict:
    """Per stage (every stage, in the life-cycle order), the innovations in it at the moment `at`.

    Returns {"at", "stages": [{"stage", "label", "count", "active"}], "active", "total"}:
    `active` is False for the end stages (rejected, archived); the top-level `active` counts
    the innovations in the other stages, `total` all that existed at `at`."""
    counts = dict(_fetch(_WIP_SQL, {"cluster": cluster.pk, "at": at}))
    stages = [
        {"stage": stage, "label": stage_label(stage), "count": counts.get(stage, 0), "active": stage not in END_STAGES}
        for stage in Stage.values
    ]
    return {
        "at": at,
        "stages": stages,
        "active": sum(row["count"] for row in stages if row["active"]),
        "total": sum(counts.values()),
    }


def throughput(cluster, start: datetime.date, end: datetime.date, period: str = "month") -> dict:
    """Per month or quarter of the period (all of them, empty ones included), the transitions out
    of each stage (`left`), into each stage (`entered`) and the innovations `finished`.

    Returns {"start", "end", "period", "periods": [{"period" (first day of the bucket), "label",
    "left": {stage: n}, "entered": {stage: n}, "finished": n}]}; `left` has the stages a stay can
    end in, `entered` every stage."""
    check_period(start, end)
    _check_choice("period", period, PERIODS)
    rows = _fetch(_THROUGHPUT_SQL, _params(
        cluster, start, end, unit=period, interval=PERIODS[period],
        disseminating=Stage.DISSEMINATING, archived=Stage.ARCHIVED,
    ))
    buckets: dict[datetime.date, dict] = {}
    for bucket, measure, stage, count in rows:
        row = buckets.setdefault(bucket, {
            "period": bucket, "label": period_label(bucket, period),
            "left": dict.fromkeys(LEAVABLE_STAGES, 0), "entered": dict.fromkeys(Stage.values, 0), "finished": 0,
        })
        if measure == "finished":
            row["finished"] = count
        elif measure in ("left", "entered") and stage in row[measure]:
            row[measure][stage] = count
    return {"start": start, "end": end, "period": period, "periods": list(buckets.values())}


def time_in_stage(cluster, start: datetime.date, end: datetime.date) -> dict:
    """Per stage a stay can end in, the stays that ended within the period: their count and the
    median and 90th-percentile length in days (None when there are none).

    Returns {"start", "end", "stages": [{"stage", "label", "count", "median_days", "p90_days"}]}."""
    check_period(start, end)
    figures = {stage: (count, median, p90) for stage, count, median, p90 in
               _fetch(_TIME_IN_STAGE_SQL, _params(cluster, start, end))}
    stages = []
    for stage in LEAVABLE_STAGES:
        count, median, p90 = figures.get(stage, (0, None, None))
        stages.append({"stage": stage, "label": stage_label(stage), "count": count,
                       "median_days": median, "p90_days": p90})
    return {"start": start, "end": end, "stages": stages}


def cumulative_flow(cluster, start: datetime.date, end: datetime.date, step: str = "week") -> dict:
    """The cumulative flow diagram's data: the innovations in each stage at the end of each date.

    Returns {"start", "end", "step", "dates": [date], "series": [{"stage", "label", "values"}]}:
    one series per stage in the life-cycle order, one value per date."""
    check_period(start, end)
    _check_choice("step", step, STEPS)
    rows = _fetch(_CUMULATIVE_SQL, _params(cluster, start, end, days=STEP_DAYS[step]))
    columns: dict[datetime.date, dict] = {}
    for day, stage, count in rows:
        column = columns.setdefault(day, {})
        if stage is not None:
            column[stage] = count
    return {
        "start": start, "end": end, "step": step, "dates": list(columns),
        "series": [
            {"stage": stage, "label": stage_label(stage),
             "values": [column.get(stage, 0) for column in columns.values()]}
            for stage in Stage.values
        ],
    }


def flow_summary(cluster, start: datetime.date, end: datetime.date, period: str = "month",
                 step: str = "week") -> dict:
    """Everything the flow page, the API and the reports show for one period, in four queries:
    work in progress at the end of the period (or now, when the period has not ended yet),
    throughput, time in stage and the cumulative flow.

    `empty` is True when the period neither saw a transition nor had an innovation in any stage."""
    check_period(start, end)
    _check_choice("period", period, PERIODS)
    _check_choice("step", step, STEPS)
    end_of_period = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                              tzinfo=timezone.get_default_timezone())
    at = min(timezone.now(), end_of_period - datetime.timedelta(microseconds=1))
    flow = throughput(cluster, start, end, period)
    cumulative = cumulative_flow(cluster, start, end, step)
    empty = (not any(any(row["entered"].values()) for row in flow["periods"])
             and not any(any(series["values"]) for series in cumulative["series"]))
    return {
        "start": start,
        "end": end,
        "period": period,
        "step": step,
        "time_zone": settings.TIME_ZONE,
        "empty": empty,
        "work_in_progress": work_in_progress(cluster, at),
        "throughput": flow,
        "time_in_stage": time_in_stage(cluster, start, end),
        "cumulative_flow": cumulative,
    }


# --- The pictures: the flow page shows them, the reports embed them --------------------------


def _day(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def flow_charts(summary: dict, *, id_prefix: str = "flow") -> dict:
    """The four charts of a flow_summary as SVG (cluster_platform.charts): the cumulative flow
    as stacked areas (the last stage at the bottom, as such diagrams are read), throughput as
    bars per period stacked by the stage left, work in progress and time in stage as bars."""
    start, end = _day(summary["start"]), _day(summary["end"])
    wip, flow, stays, cumulative = (summary["work_in_progress"], summary["throughput"], summary["time_in_stage"],
                                    summary["cumulative_flow"])
    no_data = _("No data for this period.")
    return {
        "cumulative_flow": charts.stacked_area(
            list(reversed(cumulative["series"])), [_day(day) for day in cumulative["dates"]],
            chart_id=f"{id_prefix}-cfd", title=_("Cumulative flow"),
            desc=_("Innovations in each stage at the end of each date from %(start)s to %(end)s, stacked "
                   "from the last stage (bottom) to the first (top).") % {"start": start, "end": end},
            y_label=_("Innovations"), max_x_labels=5, empty_message=no_data,
        ),
        "throughput": charts.stacked_bars(
            [{"label": stage_label(stage), "values": [row["left"][stage] for row in flow["periods"]]}
             for stage in LEAVABLE_STAGES],
            [row["label"] for row in flow["periods"]],
            chart_id=f"{id_prefix}-throughput", title=_("Throughput"),
            desc=_("Innovations that left each stage, per %(period)s, from %(start)s to %(end)s; in all "
                   "%(finished)d reached dissemination or were archived.") % {
                "period": _("quarter") if flow["period"] == "quarter" else _("month"), "start": start, "end": end,
                "finished": sum(row["finished"] for row in flow["periods"])},
            y_label=_("Moves out of a stage"), empty_message=no_data,
        ),
        "work_in_progress": charts.bar_chart(
            [{"label": _("Innovations"), "values": [row["count"] for row in wip["stages"]]}],
            [row["label"] for row in wip["stages"]],
            chart_id=f"{id_prefix}-wip", title=_("Work in progress"),
            desc=_("Innovations in each stage on %(at)s: %(active)d in active stages, %(total)d in all.") % {
                "at": date_format(timezone.localtime(wip["at"]), "SHORT_DATETIME_FORMAT"),
                "active": wip["active"], "total": wip["total"]},
            empty_message=no_data,
        ),
        "time_in_stage": charts.bar_chart(
            [{"label": _("Median"), "values": [row["median_days"] for row in stays["stages"]]},
             {"label": _("90th percentile"), "values": [row["p90_days"] for row in stays["stages"]]}],
            [row["label"] for row in stays["stages"]],
            chart_id=f"{id_prefix}-time", title=_("Time in stage"),
            desc=_("Median and 90th-percentile days spent in each stage, for the stays that ended from "
                   "%(start)s to %(end)s.") % {"start": start, "end": end},
            unit=_("days"), empty_message=no_data,
        ),
    }
