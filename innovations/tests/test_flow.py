"""The flow figures (innovations.flow) on a hand-made history with exact expected numbers.

The history, in local time (Asia/Tashkent, UTC+5, the settings' TIME_ZONE), 2024 a leap year:

    A  proposed 10 Jan 12:00 → in review 20 Jan 12:00 → approved 9 Feb 12:00 → piloting 10 Mar 12:00
    B  proposed 15 Jan 12:00 → in review 20 Jan 12:00 → revision 30 Jan 12:00 → in review 14 Feb 12:00
       → approved 15 Mar 12:00
    C  proposed 1 Feb 12:00 → in review 21 Feb 12:00 → rejected 2 Mar 12:00
    D  proposed 15 Feb 02:00 → archived (withdrawn) 1 Mar 02:00 (= 29 Feb 21:00 UTC: March locally,
       February in UTC, which tells local buckets from UTC ones)
    E  proposed 1 Mar 12:00 → in review 10 Apr 12:00
    F  (2023) proposed 1 Jun → in review 11 Jun → approved 1 Jul → piloting 11 Jul → evaluated 1 Dec 2023
       → implementing 5 Jan 2024 → disseminating 20 Feb → archived 25 Mar (all 12:00)

Stays in days (entered → left): A proposed 10, in review 20, approved 30; B proposed 5, in review
10, revision 15, in review 30; C proposed 20, in review 10; D proposed 15; E proposed 40 (ends in
April); F evaluated 35 (began in 2023), implementing 46, disseminating 34.

The other cluster has its own innovation moving in the same months: it is never counted.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from innovations import flow
from innovations.models import Innovation, Stage
from members.tests.factories import OrganizationFactory

from .factories import InnovationFactory, StageTransitionFactory

TZ = ZoneInfo("Asia/Tashkent")
S = Stage


def local(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=TZ)


def make_history(cluster, origin, title, moves):
    """An innovation with its transitions written directly, its stage the last one."""
    last_stage, last_at = moves[-1]
    innovation = InnovationFactory(cluster=cluster, origin_organization=origin, title=title, stage=last_stage,
                                   stage_changed_at=last_at, created_at=moves[0][1])
    previous = ""
    for stage, at in moves:
        StageTransitionFactory(cluster=cluster, innovation=innovation, from_stage=previous, to_stage=stage,
                               created_at=at)
        previous = stage
    return innovation


HISTORY = {
    "A": [(S.PROPOSED, local(2024, 1, 10)), (S.IN_REVIEW, local(2024, 1, 20)),
          (S.APPROVED_FOR_PILOT, local(2024, 2, 9)), (S.PILOTING, local(2024, 3, 10))],
    "B": [(S.PROPOSED, local(2024, 1, 15)), (S.IN_REVIEW, local(2024, 1, 20)),
          (S.REVISION_REQUESTED, local(2024, 1, 30)), (S.IN_REVIEW, local(2024, 2, 14)),
          (S.APPROVED_FOR_PILOT, local(2024, 3, 15))],
    "C": [(S.PROPOSED, local(2024, 2, 1)), (S.IN_REVIEW, local(2024, 2, 21)), (S.REJECTED, local(2024, 3, 2))],
    "D": [(S.PROPOSED, local(2024, 2, 15, 2)), (S.ARCHIVED, local(2024, 3, 1, 2))],
    "E": [(S.PROPOSED, local(2024, 3, 1)), (S.IN_REVIEW, local(2024, 4, 10))],
    "F": [(S.PROPOSED, local(2023, 6, 1)), (S.IN_REVIEW, local(2023, 6, 11)),
          (S.APPROVED_FOR_PILOT, local(2023, 7, 1)), (S.PILOTING, local(2023, 7, 11)),
          (S.EVALUATED, local(2023, 12, 1)), (S.IMPLEMENTING, local(2024, 1, 5)),
          (S.DISSEMINATING, local(2024, 2, 20)), (S.ARCHIVED, local(2024, 3, 25))],
}
Q1 = (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))


@pytest.fixture
def history(cluster, origin, other_cluster):
    innovations = {name: make_history(cluster, origin, f"Innovation {name}", moves) for name, moves in HISTORY.items()}
    other_origin = OrganizationFactory(cluster=other_cluster, name="Samarkand School No. 3")
    make_history(other_cluster, other_origin, "Elsewhere", [
        (S.PROPOSED, local(2024, 1, 3)), (S.IN_REVIEW, local(2024, 1, 8)), (S.APPROVED_FOR_PILOT, local(2024, 2, 8)),
        (S.PILOTING, local(2024, 3, 3)),
    ])
    return innovations


def counts(result) -> dict:
    """The non-zero counts of a work_in_progress answer."""
    return {row["stage"]: row["count"] for row in result["stages"] if row["count"]}


def column(cumulative, day) -> dict:
    index = cumulative["dates"].index(day)
    return {series["stage"]: series["values"][index] for series in cumulative["series"] if series["values"][index]}


# --- Work in progress ------------------------------------------------------------------------


def test_work_in_progress_at_several_moments(cluster, history):
    # 25 Jan: A and B in review (since 20 Jan), F implementing (since 5 Jan).
    result = flow.work_in_progress(cluster, local(2024, 1, 25, 0))
    assert counts(result) == {S.IN_REVIEW: 2, S.IMPLEMENTING: 1}
    assert (result["active"], result["total"]) == (3, 3)
    # At the very moment of B's move to revision, the move has happened ("at or before").
    assert counts(flow.work_in_progress(cluster, local(2024, 1, 30))) == {
        S.IN_REVIEW: 1, S.REVISION_REQUESTED: 1, S.IMPLEMENTING: 1}
    # 1 Mar 02:00, D's withdrawal: A approved, B and C in review, D archived, F disseminating; E not yet proposed.
    result = flow.work_in_progress(cluster, local(2024, 3, 1, 2))
    assert counts(result) == {S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.ARCHIVED: 1, S.DISSEMINATING: 1}
    assert (result["active"], result["total"]) == (4, 5)
    # Before anything happened: every stage listed, all zero.
    result = flow.work_in_progress(cluster, local(2023, 1, 1))
    assert [row["stage"] for row in result["stages"]] == Stage.values
    assert (counts(result), result["total"]) == ({}, 0)


def test_work_in_progress_now_equals_the_current_stages(cluster, history):
    current = dict(Innovation.objects.for_cluster(cluster).values_list("stage").annotate(n=Count("id")))
    result = flow.work_in_progress(cluster, timezone.now())
    assert counts(result) == current == {
        S.PILOTING: 1, S.APPROVED_FOR_PILOT: 1, S.REJECTED: 1, S.ARCHIVED: 2, S.IN_REVIEW: 1}
    assert result["active"] == 3  # rejected and archived are done


# --- Throughput ------------------------------------------------------------------------------


def test_throughput_per_month(cluster, history):
    result = flow.throughput(cluster, *Q1)
    assert [row["period"] for row in result["periods"]] == [
        datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)]
    january, february, march = result["periods"]

    def nonzero(values):
        return {stage: n for stage, n in values.items() if n}

    # January: A and B left proposed, B left review (revision), F left evaluated.
    assert nonzero(january["left"]) == {S.PROPOSED: 2, S.IN_REVIEW: 1, S.EVALUATED: 1}
    assert nonzero(january["entered"]) == {S.PROPOSED: 2, S.IN_REVIEW: 2, S.REVISION_REQUESTED: 1,
                                           S.IMPLEMENTING: 1}
    assert january["finished"] == 0
    # February: A left review, B left revision, C left proposed, F left implementing.
    assert nonzero(february["left"]) == {S.IN_REVIEW: 1, S.REVISION_REQUESTED: 1, S.PROPOSED: 1, S.IMPLEMENTING: 1}
    assert nonzero(february["entered"]) == {S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.PROPOSED: 2,
                                            S.DISSEMINATING: 1}
    assert february["finished"] == 1  # F reached dissemination
    # March: A left approved, B and C left review, D left proposed (1 Mar 02:00 local), F left dissemination.
    assert nonzero(march["left"]) == {S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.PROPOSED: 1, S.DISSEMINATING: 1}
    assert nonzero(march["entered"]) == {S.PILOTING: 1, S.APPROVED_FOR_PILOT: 1, S.REJECTED: 1, S.ARCHIVED: 2,
                                         S.PROPOSED: 1}
    # D withdrawn counts; F archived after dissemination does not count a second time.
    assert march["finished"] == 1
    # Nothing leaves an end stage, so they are not columns of `left`.
    assert list(march["left"]) == list(flow.LEAVABLE_STAGES)


def test_throughput_per_quarter_and_empty_periods(cluster, history):
    result = flow.throughput(cluster, datetime.date(2024, 1, 1), datetime.date(2024, 9, 30), period="quarter")
    assert [(row["period"], row["label"]) for row in result["periods"]] == [
        (datetime.date(2024, 1, 1), "Q1 2024"), (datetime.date(2024, 4, 1), "Q2 2024"),
        (datetime.date(2024, 7, 1), "Q3 2024")]
    first, second, third = result["periods"]
    assert {stage: n for stage, n in first["left"].items() if n} == {
        S.PROPOSED: 4, S.IN_REVIEW: 4, S.REVISION_REQUESTED: 1, S.APPROVED_FOR_PILOT: 1, S.EVALUATED: 1,
        S.IMPLEMENTING: 1, S.DISSEMINATING: 1}
    assert first["finished"] == 2
    assert {stage: n for stage, n in second["left"].items() if n} == {S.PROPOSED: 1}  # E, 10 April
    assert (sum(third["left"].values()), sum(third["entered"].values()), third["finished"]) == (0, 0, 0)


def test_throughput_cuts_the_first_and_last_months_to_the_period(cluster, history):
    # 16 Jan – 20 Feb: B's proposal (15 Jan) is outside; F's dissemination (20 Feb 12:00) inside.
    result = flow.throughput(cluster, datetime.date(2024, 1, 16), datetime.date(2024, 2, 20))
    january, february = result["periods"]
    assert january["entered"][S.PROPOSED] == 0
    assert january["left"][S.PROPOSED] == 2
    assert february["finished"] == 1


# --- Time in stage ---------------------------------------------------------------------------


def test_time_in_stage_median_and_90th_percentile(cluster, history):
    result = {row["stage"]: row for row in flow.time_in_stage(cluster, *Q1)["stages"]}
    # percentile_cont(p) over n sorted lengths takes the value at position 1 + p(n - 1),
    # interpolating linearly between the two ranks around it.
    # proposed: A 10, B 5, C 20, D 15 (E's stay ends in April) → [5, 10, 15, 20];
    # median at 2.5: (10 + 15) / 2 = 12.5; p90 at 3.7: 15 + 0.7 × (20 − 15) = 18.5.
    assert (result[S.PROPOSED]["count"], result[S.PROPOSED]["median_days"], result[S.PROPOSED]["p90_days"]) == (
        4, 12.5, 18.5)
    # in review: A 20, B 10 then 30, C 10 → [10, 10, 20, 30]; median at 2.5: 15; p90 at 3.7: 20 + 0.7 × 10 = 27.
    assert (result[S.IN_REVIEW]["count"], result[S.IN_REVIEW]["median_days"], result[S.IN_REVIEW]["p90_days"]) == (
        4, 15.0, 27.0)
    # One stay each: the value itself.
    assert (result[S.REVISION_REQUESTED]["median_days"], result[S.REVISION_REQUESTED]["p90_days"]) == (15.0, 15.0)
    assert (result[S.APPROVED_FOR_PILOT]["count"], result[S.APPROVED_FOR_PILOT]["median_days"]) == (1, 30.0)  # A
    assert result[S.EVALUATED]["median_days"] == 35.0  # F: began on 1 Dec 2023, counts whole
    assert result[S.IMPLEMENTING]["median_days"] == 46.0
    assert result[S.DISSEMINATING]["median_days"] == 34.0
    # No stay in piloting ended; nothing leaves the end stages.
    assert (result[S.PILOTING]["count"], result[S.PILOTING]["median_days"], result[S.PILOTING]["p90_days"]) == (
        0, None, None)
    assert S.REJECTED not in result and S.ARCHIVED not in result


def test_time_in_stage_uses_local_days(cluster, history):
    # February, locally: A's review (20 days), B's revision (15), C's proposal (20), F's
    # implementation (46). D's proposal ended on 1 Mar 02:00 local time (29 Feb in UTC): not in February.
    result = {row["stage"]: row for row in flow.time_in_stage(
        cluster, datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))["stages"]}
    assert {stage: row["count"] for stage, row in result.items() if row["count"]} == {
        S.IN_REVIEW: 1, S.REVISION_REQUESTED: 1, S.PROPOSED: 1, S.IMPLEMENTING: 1}
    assert result[S.PROPOSED]["median_days"] == 20.0


def test_time_in_stage_counts_fractions_of_days(cluster, origin):
    make_history(cluster, origin, "Quick", [(S.PROPOSED, local(2024, 5, 1, 6)), (S.IN_REVIEW, local(2024, 5, 3, 18))])
    make_history(cluster, origin, "Slow", [(S.PROPOSED, local(2024, 5, 1, 6)), (S.IN_REVIEW, local(2024, 5, 11, 6))])
    row = flow.time_in_stage(cluster, datetime.date(2024, 5, 1), datetime.date(2024, 5, 31))["stages"][0]
    # [2.5, 10]: median 6.25; p90 at 1.9: 2.5 + 0.9 × 7.5 = 9.25.
    assert (row["stage"], row["count"], row["median_days"], row["p90_days"]) == (S.PROPOSED, 2, 6.25, 9.25)


# --- Cumulative flow -------------------------------------------------------------------------


def test_cumulative_flow_per_week(cluster, history):
    result = flow.cumulative_flow(cluster, *Q1)
    # Every 7 days from 1 January, and the last day of the period.
    assert result["dates"][:3] == [datetime.date(2024, 1, 1), datetime.date(2024, 1, 8), datetime.date(2024, 1, 15)]
    assert result["dates"][-2:] == [datetime.date(2024, 3, 25), datetime.date(2024, 3, 31)]
    assert len(result["dates"]) == 14
    assert [series["stage"] for series in result["series"]] == Stage.values
    assert all(len(series["values"]) == 14 for series in result["series"])

    assert column(result, datetime.date(2024, 1, 1)) == {S.EVALUATED: 1}
    # 15 Jan: A proposed (10 Jan), B proposed that noon, F implementing.
    assert column(result, datetime.date(2024, 1, 15)) == {S.PROPOSED: 2, S.IMPLEMENTING: 1}
    # 12 Feb: A approved, B in revision, C proposed, F implementing (D comes on the 15th).
    assert column(result, datetime.date(2024, 2, 12)) == {
        S.APPROVED_FOR_PILOT: 1, S.REVISION_REQUESTED: 1, S.PROPOSED: 1, S.IMPLEMENTING: 1}
    assert column(result, datetime.date(2024, 2, 26)) == {
        S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.PROPOSED: 1, S.DISSEMINATING: 1}
    # 31 Mar: the stages of today, E still proposed (in review from 10 April).
    assert column(result, datetime.date(2024, 3, 31)) == {
        S.PILOTING: 1, S.APPROVED_FOR_PILOT: 1, S.REJECTED: 1, S.ARCHIVED: 2, S.PROPOSED: 1}


def test_cumulative_flow_per_day_ends_each_local_day(cluster, history):
    result = flow.cumulative_flow(cluster, *Q1, step="day")
    assert len(result["dates"]) == 31 + 29 + 31
    # At the end of 29 Feb (local) D is still proposed: its withdrawal came at 02:00 on 1 March.
    assert column(result, datetime.date(2024, 2, 29)) == {
        S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.PROPOSED: 1, S.DISSEMINATING: 1}
    assert column(result, datetime.date(2024, 3, 1)) == {
        S.APPROVED_FOR_PILOT: 1, S.IN_REVIEW: 2, S.ARCHIVED: 1, S.DISSEMINATING: 1, S.PROPOSED: 1}


# --- Summary, isolation, validation ----------------------------------------------------------


def test_flow_summary_bundles_the_figures_in_four_queries(cluster, history, django_assert_num_queries):
    with django_assert_num_queries(4):
        summary = flow.flow_summary(cluster, *Q1, period="quarter", step="day")
    assert summary["empty"] is False
    assert (summary["start"], summary["end"], summary["period"], summary["step"]) == (*Q1, "quarter", "day")
    # Work in progress at the end of the period.
    assert summary["work_in_progress"]["at"] == datetime.datetime(2024, 4, 1, tzinfo=TZ) - datetime.timedelta(
        microseconds=1)
    assert counts(summary["work_in_progress"]) == {
        S.PILOTING: 1, S.APPROVED_FOR_PILOT: 1, S.REJECTED: 1, S.ARCHIVED: 2, S.PROPOSED: 1}
    assert summary["throughput"] == flow.throughput(cluster, *Q1, period="quarter")
    assert summary["time_in_stage"] == flow.time_in_stage(cluster, *Q1)
    assert summary["cumulative_flow"] == flow.cumulative_flow(cluster, *Q1, step="day")


def test_flow_summary_of_a_period_that_has_not_ended_uses_now(cluster, history):
    today = timezone.localdate()
    summary = flow.flow_summary(cluster, today - datetime.timedelta(days=30), today)
    assert summary["work_in_progress"]["at"] <= timezone.now()
    assert summary["empty"] is False  # nothing moved, but innovations were in stages


def test_a_cluster_without_transitions_is_empty(other_cluster, history):
    # The other cluster's only innovation starts in 2024: 2023 is empty there, whatever happened here.
    summary = flow.flow_summary(other_cluster, datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    assert summary["empty"] is True
    assert summary["work_in_progress"]["total"] == 0


def test_another_clusters_transitions_are_never_counted(cluster, other_cluster, history):
    assert counts(flow.work_in_progress(other_cluster, local(2024, 3, 31))) == {S.PILOTING: 1}
    other = flow.flow_summary(other_cluster, *Q1)
    assert [row["entered"][S.PROPOSED] for row in other["throughput"]["periods"]] == [1, 0, 0]
    assert {row["stage"]: row["count"] for row in other["time_in_stage"]["stages"] if row["count"]} == {
        S.PROPOSED: 1, S.IN_REVIEW: 1, S.APPROVED_FOR_PILOT: 1}
    # And this cluster's figures above hold with the other cluster's rows present (the fixture).
    assert counts(flow.work_in_progress(cluster, local(2024, 3, 31))) == {
        S.PILOTING: 1, S.APPROVED_FOR_PILOT: 1, S.REJECTED: 1, S.ARCHIVED: 2, S.PROPOSED: 1}


@pytest.mark.parametrize(("start", "end", "field"), [
    (datetime.date(2024, 3, 1), datetime.date(2024, 3, 1), "end"),
    (datetime.date(2024, 3, 1), datetime.date(2024, 2, 1), "end"),
    (datetime.date(2021, 1, 1), datetime.date(2024, 1, 1), "end"),
    ("2024-01-01", datetime.date(2024, 2, 1), "start"),
    (datetime.date(2024, 1, 1), None, "end"),
])
def test_a_bad_period_is_refused_naming_the_field(cluster, start, end, field):
    with pytest.raises(ValidationError) as error:
        flow.flow_summary(cluster, start, end)
    assert list(error.value.message_dict) == [field]


def test_three_years_is_the_longest_period(cluster):
    flow.check_period(datetime.date(2021, 1, 1), datetime.date(2023, 12, 31))
    flow.check_period(datetime.date(2020, 2, 29), datetime.date(2023, 2, 27))
    with pytest.raises(ValidationError):
        flow.check_period(datetime.date(2020, 2, 29), datetime.date(2023, 2, 28))


@pytest.mark.parametrize(("kwargs", "field"), [({"period": "year"}, "period"), ({"step": "hour"}, "step")])
def test_a_bad_bucket_is_refused_naming_it(cluster, kwargs, field):
    with pytest.raises(ValidationError) as error:
        flow.flow_summary(cluster, *Q1, **kwargs)
    assert list(error.value.message_dict) == [field]


def test_default_period_is_twelve_monthly_buckets():
    assert flow.default_period(datetime.date(2025, 3, 14)) == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 14))
    assert flow.default_period(datetime.date(2025, 12, 31)) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert flow.period_or_default(None, datetime.date(2025, 3, 14)) == (
        datetime.date(2024, 4, 1), datetime.date(2025, 3, 14))
