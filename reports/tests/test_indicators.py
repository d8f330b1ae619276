"""Every section of the indicators against a hand-made history (scenario.py), figure by figure;
another cluster's rows never count; the number of queries does not grow with the data."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.tests.factories import ClusterFactory
from reports import indicators as ind
from reports.tests import scenario
from reports.tests.scenario import END, PREVIOUS, START

pytestmark = pytest.mark.django_db

ZERO_COLOURS = {"red": 0, "yellow": 0, "green": 0}


def matrix(**cells):
    """A from × to colour matrix: matrix(red_yellow=1) is one school that went red → yellow."""
    result = {source: dict(ZERO_COLOURS) for source in ("red", "yellow", "green")}
    for cell, count in cells.items():
        source, target = cell.split("_")
        result[source][target] = count
    return result


@pytest.fixture
def data(cluster, other_cluster):
    # The same history in the other cluster, twice: any leak would change every figure below.
    scenario.build(other_cluster)
    scenario.build(other_cluster)
    scenario.build(cluster)
    return ind.indicators(cluster, START, END)


def test_it_is_plain_json(data):
    assert json.loads(json.dumps(data)) == data
    assert data["period"] == {"start": "2026-01-01", "end": "2026-03-31", "kind": "quarter", "code": "2026-Q1",
                              "time_zone": "Asia/Tashkent"}


def test_members_by_kind_and_status_at_the_end_joins_and_exits(data):
    members = data["members"]
    assert members["at_end"] == {
        "total": 12,
        "by_status": {"applicant": 0, "active": 9, "suspended": 1, "withdrawn": 2},
        "by_kind": {"pedagogical_university": 1, "iro": 1, "school": 8, "enterprise": 1, "college": 1},
        "by_kind_status": {
            "pedagogical_university": {"applicant": 0, "active": 1, "suspended": 0, "withdrawn": 0},
            "iro": {"applicant": 0, "active": 1, "suspended": 0, "withdrawn": 0},
            # s1-s4, s7 (reinstated) and s8 (suspended only after the end) active; s5, s6 withdrawn
            "school": {"applicant": 0, "active": 6, "suspended": 0, "withdrawn": 2},
            "enterprise": {"applicant": 0, "active": 1, "suspended": 0, "withdrawn": 0},
            "college": {"applicant": 0, "active": 0, "suspended": 1, "withdrawn": 0},
        },
    }
    assert members["joined"] == {"total": 2, "by_kind": {"school": 1, "enterprise": 1}}
    # s6 was suspended and then withdrawn: one organization left.
    assert members["exited"] == {"total": 2, "by_kind": {"school": 1, "college": 1}}
    assert (members["suspended"], members["withdrawn"], members["reinstated"]) == (2, 1, 1)


def test_ratings_latest_period_the_one_before_and_the_moves(data):
    ratings = data["ratings"]
    assert ratings["latest_period"] == "2026-01-01"
    assert ratings["previous_period"] == "2025-09-01"
    assert ratings["latest"] == {
        "total": 6, "by_colour": {"red": 2, "yellow": 3, "green": 1},
        "by_district": {"Chirchik": {"red": 0, "yellow": 3, "green": 1},
                        "Yangiyul": {"red": 2, "yellow": 0, "green": 0}},
    }
    assert ratings["previous"] == {
        "total": 5, "by_colour": {"red": 2, "yellow": 2, "green": 1},
        "by_district": {"Chirchik": {"red": 1, "yellow": 2, "green": 1},
                        "Yangiyul": {"red": 1, "yellow": 0, "green": 0}},
    }
    assert ratings["moves"] == {
        "matrix": matrix(red_yellow=1, yellow_green=1, red_red=1, green_yellow=1, yellow_yellow=1),
        "improved": 2, "worsened": 1, "unchanged": 2, "newly_rated": 1,
        "by_district": {
            "Chirchik": {"matrix": matrix(red_yellow=1, yellow_green=1, green_yellow=1, yellow_yellow=1),
                         "improved": 2, "worsened": 1, "unchanged": 1, "newly_rated": 0},
            "Yangiyul": {"matrix": matrix(red_red=1), "improved": 0, "worsened": 0, "unchanged": 1,
                         "newly_rated": 1},
        },
    }


def test_ratings_without_a_rating_period_in_the_span(cluster):
    scenario.build(cluster)
    ratings = ind.ratings_section(cluster, datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert ratings["latest_period"] is None and ratings["previous_period"] is None
    assert ratings["latest"]["total"] == 0 and ratings["moves"]["matrix"] == matrix()


def test_agreements_new_active_expiring_terminated_and_overdue_obligations(data):
    zero = dict.fromkeys(ind.AGREEMENT_FIGURES, 0)
    assert data["agreements"] == {
        "new": 2,                  # concluded in the period (one starts only in April)
        "active": 3,               # one of them terminated after the end: active at the end all the same
        "expiring": 2,             # ending 30 April and 31 May, within 90 days
        "suspended": 1,
        "terminated": 1,
        "expired": 1,              # ended 15 March
        "obligations_overdue": 4,  # open, done only after the end, due on the last day, marked overdue
        "expiry_horizon_days": 90,
        "by_kind": {
            "memorandum": {**zero, "active": 2, "expiring": 2, "suspended": 1, "expired": 1,
                           "obligations_overdue": 2},
            "dual_education": {**zero, "new": 1, "active": 1, "obligations_overdue": 2},
            "resource_sharing": {**zero, "new": 1},
            "internship": {**zero, "terminated": 1},
        },
    }


def test_resources_utilization_and_requests(data):
    resources = data["resources"]
    # 3 + 2 + 2 + 2 hours of approved or completed bookings; 13 Mondays of 9 hours open.
    assert (resources["bookings"], resources["hours_booked"], resources["hours_open"]) == (4, 9.0, 117.0)
    assert resources["utilization_rate"] == 0.0769
    assert resources["requested"] == {
        "total": 6,
        "by_status": {"requested": 0, "approved": 4, "declined": 1, "cancelled": 0, "completed": 1},
    }
    use = resources["utilization"]
    assert use["by_borrower_kind"] == [
        {"kind": "pedagogical_university", "label": "Pedagogical university", "hours_booked": 2.0, "bookings": 1},
        {"kind": "school", "label": "School", "hours_booked": 5.0, "bookings": 2},
        {"kind": "enterprise", "label": "Enterprise", "hours_booked": 2.0, "bookings": 1},
    ]


def test_programmes_teachers_hours_competence_and_certificates(data):
    assert data["programmes"] == {
        "running": 3,
        "started": 2,
        "completed": 2,
        "by_kind": {
            "professional_development": {"running": 1, "started": 1, "completed": 1},
            "internship": {"running": 1, "started": 0, "completed": 1},
            "olympiad": {"running": 1, "started": 1, "completed": 0},
        },
        "completions": 3,
        "teachers_trained": 2,       # teacher 1 completed two programmes
        "priority_teachers": 1,
        "hours": 124.0,              # 30 + 34 + 60
        "competence": {"assessed": 3, "mean_gain": 13.33, "improved": 2, "improved_share": 0.6667},
        "certificates": 1,           # the other was issued in April
        "by_competence": {"digital": {"completions": 3, "teachers": 2}, "stem": {"completions": 1, "teachers": 1}},
    }


def test_innovations_flow_pilots_adoptions_and_spread(data):
    innovations = data["innovations"]
    assert innovations["proposed"] == 2
    assert (innovations["pilots_started"], innovations["pilots_running"]) == (1, 2)
    assert innovations["in_progress"] == 3
    assert {stage: n for stage, n in innovations["by_stage"].items() if n} == {
        "proposed": 1, "in_review": 1, "disseminating": 1, "rejected": 1}
    assert innovations["finished"] == 1
    assert innovations["adoptions"] == {
        "total": 3, "adopters": 3, "innovations": 1,
        "by_status": {"planned": 0, "in_progress": 1, "adopted": 1, "abandoned": 1},
    }
    # Not abandoned, started in the period: two adoptions; the deepest adopter is two steps from the origin
    # (school 8 learned it from school 7, a pilot site); the first adoption was in December.
    assert innovations["spread"] == {
        "innovations_adopted": 1, "adoptions": 2, "adopters": 2, "mean_generations": 2.0,
        "median_generations": 2.0, "median_days_to_first_adoption": None,
    }
    flow = innovations["flow"]
    assert (flow["start"], flow["end"], flow["period"], flow["step"]) == ("2026-01-01", "2026-03-31", "month", "week")
    assert [row["period"] for row in flow["throughput"]["periods"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_cooperation_network_pairs_by_channel_and_change(data):
    network = data["network"]
    assert network["by_channel"] == {"agreements": 7, "bookings": 3, "programmes": 8, "adoptions": 2}
    assert (network["pairs"], network["organizations"]) == (14, 10)
    assert network["previous"] == {
        "start": PREVIOUS[0].isoformat(), "end": PREVIOUS[1].isoformat(), "pairs": 11, "organizations": 9,
        "by_channel": {"agreements": 7, "bookings": 1, "programmes": 6, "adoptions": 1},
    }
    assert (network["pairs_new"], network["pairs_lost"], network["change"]) == (5, 2, 3)


def test_figures_per_district(data):
    # Chirchik: University, IRO, schools 1, 2, 7 (reinstated), 8 (suspended only after the end)
    # are active at the end; the College is suspended, schools 5 and 6 withdrawn. Yangiyul:
    # schools 3 and 4. The Plant has no district. Participants of the programmes running in the
    # quarter (1, 2 and 5): teachers 1, 2 (School 1), 6 (College), 7 (School 2) in Chirchik; 3
    # (School 3) and 5 (School 4) in Yangiyul; teacher 4 withdrew. Trained: teachers 1 and 2.
    # Adoptions started in the quarter: schools 7, 8 and 2 (abandoned), all in Chirchik.
    assert data["districts"] == [
        {"district": "Chirchik", "members": 6, "schools": 4, "ratings": {"red": 0, "yellow": 3, "green": 1},
         "participants": 4, "trained": 2, "adoptions": 3},
        {"district": "Yangiyul", "members": 2, "schools": 2, "ratings": {"red": 2, "yellow": 0, "green": 0},
         "participants": 2, "trained": 0, "adoptions": 0},
        {"district": "", "members": 1, "schools": 0, "ratings": ZERO_COLOURS,
         "participants": 0, "trained": 0, "adoptions": 0},
    ]
    assert sum(row["members"] for row in data["districts"]) == data["members"]["at_end"]["by_status"]["active"]
    assert sum(row["adoptions"] for row in data["districts"]) == data["innovations"]["adoptions"]["total"]
    assert sum(row["trained"] for row in data["districts"]) == data["programmes"]["teachers_trained"]


def test_another_clusters_rows_never_count(cluster, other_cluster):
    scenario.build(other_cluster)
    data = ind.indicators(cluster, START, END)
    assert data["members"]["at_end"]["total"] == 0
    assert data["ratings"]["latest_period"] is None
    assert data["agreements"]["new"] == data["agreements"]["active"] == 0
    assert data["resources"]["bookings"] == data["resources"]["requested"]["total"] == 0
    assert data["programmes"]["running"] == data["programmes"]["completions"] == 0
    assert data["innovations"]["proposed"] == data["innovations"]["adoptions"]["total"] == 0
    assert data["innovations"]["spread"]["adoptions"] == 0
    assert data["network"]["pairs"] == data["network"]["previous"]["pairs"] == 0
    assert data["districts"] == []


def test_the_number_of_queries_does_not_grow_with_the_data(cluster):
    larger = ClusterFactory()
    scenario.build(cluster)
    for _ in range(3):
        scenario.build(larger)
    with CaptureQueriesContext(connection) as small_queries:
        small = ind.indicators(cluster, START, END)
    with CaptureQueriesContext(connection) as large_queries:
        large = ind.indicators(larger, START, END)
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries) <= 20
    # The larger cluster is three of the same, side by side.
    assert large["network"]["pairs"] == 3 * small["network"]["pairs"]
    assert large["programmes"]["teachers_trained"] == 3 * small["programmes"]["teachers_trained"]
    assert large["members"]["at_end"]["total"] == 3 * small["members"]["at_end"]["total"]
    assert [row["participants"] for row in large["districts"]] == [
        3 * row["participants"] for row in small["districts"]]


def test_every_query_names_the_cluster(cluster):
    scenario.build(cluster)
    with CaptureQueriesContext(connection) as queries:
        ind.indicators(cluster, START, END)
    for query in queries.captured_queries:
        assert f"cluster_id = {cluster.pk}" in query["sql"] or f'"cluster_id" = {cluster.pk}' in query["sql"], query


def test_change_from_previous(cluster):
    scenario.build(cluster)
    data = ind.snapshot(cluster, START, END)
    assert data["previous"]["period"]["code"] == "2025-Q4"
    change = data["change"]
    assert set(change) == set(ind.KEY_FIGURES)
    assert change["cooperation_pairs"] == {"current": 14, "previous": 11, "change": 3, "change_percent": 27.3}
    assert change["agreements_new"]["current"] == 2
    # In Q4 2025 nobody was trained in Q4 but teacher 5 (20 hours) and teacher 8 (8 hours).
    assert change["training_hours"] == {"current": 124.0, "previous": 28.0, "change": 96.0, "change_percent": 342.9}
    assert json.loads(json.dumps(data)) == data


def test_change_from_previous_with_missing_and_zero_figures():
    current = {"programmes": {"competence": {"mean_gain": 2.5}, "hours": 10.0}, "network": {"pairs": 4}}
    previous = {"programmes": {"competence": {"mean_gain": None}, "hours": 0.0}, "network": {"pairs": 5}}
    change = ind.change_from_previous(current, previous)
    assert change["mean_competence_gain"] == {"current": 2.5, "previous": None, "change": None,
                                              "change_percent": None}
    assert change["training_hours"] == {"current": 10.0, "previous": 0.0, "change": 10.0, "change_percent": None}
    assert change["cooperation_pairs"] == {"current": 4, "previous": 5, "change": -1, "change_percent": -20.0}
    assert change["members"] == {"current": None, "previous": None, "change": None, "change_percent": None}


def test_a_month_is_read_by_day_and_an_empty_cluster_gives_zeros(cluster):
    data = ind.indicators(cluster, datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert data["innovations"]["flow"]["step"] == "day"
    assert data["network"]["previous"]["start"] == "2026-01-01"
    assert data["members"]["at_end"]["total"] == 0
    assert data["programmes"]["competence"] == {"assessed": 0, "mean_gain": None, "improved": 0,
                                                "improved_share": None}


@pytest.mark.parametrize("start, end", [
    (datetime.date(2026, 3, 31), datetime.date(2026, 1, 1)),
    (datetime.date(2020, 1, 1), datetime.date(2026, 1, 1)),
])
def test_a_bad_span_is_refused(cluster, start, end):
    with pytest.raises(ValidationError):
        ind.indicators(cluster, start, end)
