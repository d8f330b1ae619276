"""The reports API: /api/v1/c/<cluster_slug>/reports/ (list, request), reports/<pk>/ (status),
reports/<pk>/download/ (the PDF; 409 while not ready)."""

import pytest
from rest_framework.test import APIClient

from reports import periods
from reports.models import Report
from reports.tests.test_views import PDF, Q1, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/reports/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", ["coordinator", "authority"])
def test_coordinators_and_authorities_list_the_reports(request, cluster, other_cluster, who):
    mine = make_report(cluster)
    make_report(other_cluster)
    response = client_for(request.getfixturevalue(who)).get(url(cluster))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    row = response.json()["results"][0]
    assert row["period"] == "2026-Q1" and row["sha256"] == mine.sha256 and row["status"] == "ready"
    assert row["download_url"].endswith(f"/reports/{mine.pk}/download/")
    assert "data" not in row


@pytest.mark.parametrize("who", ["expert", "org_admin"])
def test_other_roles_are_refused(request, cluster, who):
    report = make_report(cluster)
    api = client_for(request.getfixturevalue(who))
    assert api.get(url(cluster)).status_code == 403
    assert api.get(url(cluster, report.pk)).status_code == 403
    assert api.get(url(cluster, report.pk, "download")).status_code == 403
    assert api.post(url(cluster), {"kind": "quarter", "period": "2026-Q1"}, format="json").status_code == 403
    assert Report.objects.for_cluster(cluster).count() == 1


def test_an_outsider_gets_404_and_another_clusters_report_is_404(cluster, other_cluster, coordinator, outsider):
    theirs = make_report(other_cluster)
    assert client_for(outsider).get(url(cluster)).status_code == 404
    api = client_for(coordinator)
    for parts in [(theirs.pk,), (theirs.pk, "download")]:
        assert api.get(url(cluster, *parts)).status_code == 404
    assert api.get(url(cluster, "abc")).status_code == 404


def test_the_list_filters_by_kind_status_and_period(cluster, coordinator):
    q1 = make_report(cluster)
    year = make_report(cluster, period=periods.parse_period("year", "2025"))
    failed = make_report(cluster, period=Q1.previous(), status=Report.Status.FAILED)
    api = client_for(coordinator)

    def ids(**query):
        return {row["id"] for row in api.get(url(cluster), query).json()["results"]}

    assert ids() == {q1.pk, year.pk, failed.pk}
    assert ids(kind="year") == {year.pk}
    assert ids(status="failed") == {failed.pk}
    assert ids(period="2026-Q1") == {q1.pk}
    assert ids(period="2025") == {year.pk}
    response = api.get(url(cluster), {"period": "soon"})
    assert response.status_code == 400 and "period" in response.json()


@pytest.mark.parametrize("count", [5, 20])
def test_the_list_queries_do_not_grow_with_reports(cluster, coordinator, django_assert_max_num_queries, count):
    period = Q1
    for _ in range(count):
        make_report(cluster, period=period, status=Report.Status.FAILED)
        period = period.previous()
    api = client_for(coordinator)
    with django_assert_max_num_queries(6):
        response = api.get(url(cluster))
    assert response.json()["count"] == count


def test_a_request_queues_a_report_and_a_second_returns_it(cluster, authority):
    api = client_for(authority)
    first = api.post(url(cluster), {"kind": "quarter", "period": "2026-Q1", "language": "uz"}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["status"], body["kind"], body["period"], body["language"], body["version"]) == (
        "queued", "quarter", "2026-Q1", "uz", 1)
    assert body["download_url"] is None
    assert api.get(url(cluster, body["id"])).json() == body  # the answer is the report as stored
    again = api.post(url(cluster), {"kind": "quarter", "period": "2026-02-14"}, format="json")
    assert again.status_code == 200 and again.json() == body
    assert Report.objects.for_cluster(cluster).count() == 1


def test_a_request_names_the_field_at_fault(cluster, coordinator):
    api = client_for(coordinator)
    response = api.post(url(cluster), {"kind": "year", "period": "2026-Q1"}, format="json")
    assert response.status_code == 400 and "period" in response.json()
    response = api.post(url(cluster), {"kind": "quarter", "period": "2099-Q1"}, format="json")
    assert response.status_code == 400 and "period" in response.json()
    response = api.post(url(cluster), {"kind": "decade", "period": "2020"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    response = api.post(url(cluster), {"kind": "quarter", "period": "2026-Q1", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert not Report.objects.for_cluster(cluster).exists()


def test_the_status_of_a_report(cluster, coordinator):
    report = make_report(cluster, status=Report.Status.FAILED, error="Rendering timed out", attempts=3)
    body = client_for(coordinator).get(url(cluster, report.pk)).json()
    assert (body["status"], body["error"], body["attempts"], body["version"]) == ("failed", "Rendering timed out", 3, 1)
    assert body["verification_code"] == report.verification_code and body["download_url"] is None


def test_the_pdf_downloads_when_ready(cluster, coordinator):
    report = make_report(cluster)
    response = client_for(coordinator).get(url(cluster, report.pk, "download"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("status", [Report.Status.QUEUED, Report.Status.RUNNING, Report.Status.FAILED])
def test_a_report_not_ready_is_409_with_its_status(cluster, coordinator, status):
    report = make_report(cluster, status=status)
    response = client_for(coordinator).get(url(cluster, report.pk, "download"))
    assert response.status_code == 409
    assert response.json()["status"] == status and "not ready" in response.json()["detail"]
