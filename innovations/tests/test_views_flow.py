"""The flow page (/c/<slug>/innovations/flow/) and its API (/api/v1/c/<slug>/innovation-flow/):
coordinators and authorities read them; an expert or an organization admin of the cluster is
refused (403); a coordinator of another cluster is answered as if nothing were there (404)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cluster_platform import charts
from innovations.models import Stage, StageTransition

from .factories import InnovationFactory, StageTransitionFactory
from .test_flow import HISTORY, local, make_history

pytestmark = pytest.mark.django_db

Q1 = {"start": "2024-01-01", "end": "2024-03-31"}


def page_url(cluster) -> str:
    return reverse("innovation_flow", args=[cluster.slug])


def api_url(cluster) -> str:
    return f"/api/v1/c/{cluster.slug}/innovation-flow/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def history(cluster, origin):
    return {name: make_history(cluster, origin, f"Innovation {name}", moves) for name, moves in HISTORY.items()}


# --- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["coordinator", "authority"])
def test_coordinators_and_authorities_see_the_four_charts_and_their_tables(request, cluster, history, reader):
    response = browser(request.getfixturevalue(reader)).get(page_url(cluster), Q1)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4
    assert html.count('role="img"') == 4
    for chart in ("flow-wip", "flow-throughput", "flow-time", "flow-cfd"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert html.count("<details>") == 4
    # The time-in-stage table: in review [10, 10, 20, 30] → median 15, p90 27, 4 stays.
    row = re.search(r'<th scope="row" class="font-weight-normal">In review</th>\s*'
                    r'<td class="text-right">([^<]*)</td>\s*<td class="text-right">([^<]*)</td>\s*'
                    r'<td class="text-right">([^<]*)</td>', html)
    assert row.groups() == ("15.0", "27.0", "4")
    # The throughput table: March's finished count (D withdrawn) in the last column.
    assert response.context["throughput_rows"][-1]["finished"] == 1
    assert [row["total"] for row in response.context["throughput_rows"]] == [4, 4, 5]
    assert len(response.context["cumulative_rows"]) == 14


def test_the_page_defaults_to_the_last_twelve_months(cluster, coordinator):
    response = browser(coordinator).get(page_url(cluster))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary["end"] - summary["start"]).days in range(334, 366)
    assert summary["start"].day == 1
    assert len(summary["throughput"]["periods"]) == 12
    assert response.context["form"]["start"].value() == summary["start"].isoformat()


def test_without_transitions_the_page_says_so(cluster, coordinator):
    response = browser(coordinator).get(page_url(cluster))
    html = response.content.decode()
    assert "No innovation moved in this period." in html
    assert "<svg" not in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"start": "2024-03-01", "end": "2024-02-01"}, "end", "must be after its start"),
    ({"start": "2020-01-01", "end": "2024-02-01"}, "end", "at most 3 years"),
    ({"start": "yesterday", "end": "2024-02-01"}, "start", "Enter a valid date"),
    ({"period": "year"}, "period", "Select a valid choice"),
    ({"step": "hour"}, "step", "Select a valid choice"),
])
def test_a_bad_period_is_shown_beside_its_field(cluster, coordinator, history, query, field, message):
    response = browser(coordinator).get(page_url(cluster), query)
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert "summary" not in response.context


@pytest.mark.parametrize(("reader", "status"), [("expert", 403), ("org_admin", 403), ("outsider", 404)])
def test_others_may_not_see_the_page(request, cluster, history, reader, status):
    response = browser(request.getfixturevalue(reader)).get(page_url(cluster), Q1)
    assert response.status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(cluster):
    response = Client().get(page_url(cluster))
    assert response.status_code == 302
    assert "login" in response["Location"]


def _page_queries(user, cluster) -> int:
    client = browser(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url(cluster), {"start": "2024-01-01", "end": "2024-12-31", "step": "day"}
                          ).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_queries_for_5_or_50_innovations(cluster, origin, coordinator,
                                                                 django_assert_max_num_queries):
    def add(count):
        for n in range(count):
            innovation = InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.IN_REVIEW)
            StageTransitionFactory(cluster=cluster, innovation=innovation, to_stage=Stage.PROPOSED,
                                   created_at=local(2024, 1 + n % 12, 1 + n % 28))
            StageTransitionFactory(cluster=cluster, innovation=innovation, from_stage=Stage.PROPOSED,
                                   to_stage=Stage.IN_REVIEW, created_at=local(2024, 1 + n % 12, 1 + n % 28, 18))

    add(5)
    few = _page_queries(coordinator, cluster)
    add(45)
    assert StageTransition.objects.for_cluster(cluster).count() == 100
    assert _page_queries(coordinator, cluster) == few
    client = browser(type(coordinator).objects.get(pk=coordinator.pk))
    with django_assert_max_num_queries(12):
        client.get(page_url(cluster), Q1)


def test_text_in_the_charts_is_escaped(cluster, origin, coordinator):
    make_history(cluster, origin, "<script>alert('title')</script>", HISTORY["A"])
    html = browser(coordinator).get(page_url(cluster), Q1).content.decode()
    assert "<script>alert(" not in html

    svg = charts.bar_chart([{"label": "<b>series</b>", "values": [3]}], ['<script>alert("x")</script>'],
                           chart_id='x"><script>', title="<i>title</i>", desc="a & b")
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert "&lt;i&gt;title&lt;/i&gt;" in svg and "a &amp; b" in svg
    assert 'id="x---script-"' in svg


def test_charts_tell_series_apart_without_colour(cluster):
    svg = charts.stacked_bars(
        [{"label": "Proposed", "values": [1, 2]}, {"label": "In review", "values": [0, 3]}], ["Jan", "Feb"],
        chart_id="t", title="Throughput",
    )
    # Each series has its own pattern, and the legend names them.
    assert 'fill="url(#t-p0)"' in svg and 'fill="url(#t-p1)"' in svg
    assert '<pattern id="t-p1"' in svg and "<path" in svg
    assert ">Proposed</text>" in svg and ">In review</text>" in svg
    assert 'viewBox="0 0 560 ' in svg and 'width="100%"' in svg and "style=" not in svg
    # Totals written above the bars.
    assert ">5</text>" in svg


# --- The API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["coordinator", "authority"])
def test_the_api_answers_the_flow_summary(request, cluster, history, reader):
    response = api(request.getfixturevalue(reader)).get(api_url(cluster), {**Q1, "period": "quarter"})
    assert response.status_code == 200
    data = response.json()
    assert (data["start"], data["end"], data["period"], data["step"], data["empty"]) == (
        "2024-01-01", "2024-03-31", "quarter", "week", False)
    assert data["time_zone"] == "Asia/Tashkent"
    assert {row["stage"]: row["count"] for row in data["work_in_progress"]["stages"] if row["count"]} == {
        "piloting": 1, "approved_for_pilot": 1, "rejected": 1, "archived": 2, "proposed": 1}
    assert datetime.datetime.fromisoformat(data["work_in_progress"]["at"]) == datetime.datetime(
        2024, 4, 1, tzinfo=local(2024, 1, 1).tzinfo) - datetime.timedelta(microseconds=1)
    [quarter] = data["throughput"]["periods"]
    assert (quarter["period"], quarter["label"], quarter["finished"]) == ("2024-01-01", "Q1 2024", 2)
    assert quarter["left"]["in_review"] == 4
    in_review = next(row for row in data["time_in_stage"]["stages"] if row["stage"] == "in_review")
    assert (in_review["count"], in_review["median_days"], in_review["p90_days"]) == (4, 15.0, 27.0)
    assert len(data["cumulative_flow"]["dates"]) == 14
    assert data["cumulative_flow"]["dates"][-1] == "2024-03-31"
    proposed = next(series for series in data["cumulative_flow"]["series"] if series["stage"] == "proposed")
    assert proposed["values"][2] == 2  # 15 January: A and B


def test_the_api_defaults_to_the_last_twelve_months(cluster, coordinator):
    data = api(coordinator).get(api_url(cluster)).json()
    assert len(data["throughput"]["periods"]) == 12
    assert data["empty"] is True
    # Only an end: the twelve months up to it.
    data = api(coordinator).get(api_url(cluster), {"end": "2024-03-31"}).json()
    assert (data["start"], data["end"]) == ("2023-04-01", "2024-03-31")


@pytest.mark.parametrize(("query", "parameter"), [
    ({"start": "2024-13-01"}, "start"),
    ({"end": "soon"}, "end"),
    ({"start": "2024-03-01", "end": "2024-02-01"}, "end"),
    ({"start": "2020-01-01", "end": "2024-01-01"}, "end"),
    ({"period": "year"}, "period"),
    ({"step": "hour"}, "step"),
    # Dates the period arithmetic cannot take (found by tests/test_api_fuzz.py): year 0 as the
    # default start, year 10000 as the longest end, an offset in seconds before standard time.
    ({"end": "0001-03-01"}, "end"),
    ({"start": "9998-06-01", "end": "9999-01-01"}, "end"),
    ({"start": "1969-12-01", "end": "1970-02-01"}, "start"),
])
def test_the_api_refuses_a_bad_parameter_naming_it(cluster, coordinator, query, parameter):
    response = api(coordinator).get(api_url(cluster), query)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


@pytest.mark.parametrize(("reader", "status"), [("expert", 403), ("org_admin", 403), ("outsider", 404)])
def test_others_may_not_read_the_api(request, cluster, history, reader, status):
    response = api(request.getfixturevalue(reader)).get(api_url(cluster), Q1)
    assert response.status_code == status
    assert "throughput" not in response.json()


def test_the_api_takes_the_same_queries_for_5_or_50_innovations(cluster, origin, coordinator):
    def queries() -> int:
        client = api(type(coordinator).objects.get(pk=coordinator.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(api_url(cluster), Q1).status_code == 200
        return len(captured)

    for n in range(5):
        make_history(cluster, origin, f"Few {n}", HISTORY["B"])
    few = queries()
    for n in range(45):
        make_history(cluster, origin, f"Many {n}", HISTORY["C"])
    assert queries() == few


def test_the_api_is_documented(coordinator):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/c/{cluster_slug}/innovation-flow/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"start", "end", "period", "step"}
    assert set(operation["responses"]) == {"200", "400", "403", "404"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("FlowSummaryOut")
