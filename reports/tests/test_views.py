"""The report pages: who may see them, another cluster's report, the progress partial, the PDF,
the retry, the data exports, the dashboard and the list's query bound."""

import datetime
import hashlib
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from members.models import SchoolRating
from members.tests.factories import OrganizationFactory
from reports import indicators, periods
from reports.models import Report
from reports.tests import scenario

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a tiny stand-in for a rendered report\n%%EOF\n"
Q1 = periods.parse_period("quarter", "2026-Q1")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_report(cluster, *, status=Report.Status.READY, period=Q1, version=1, data=None, content=PDF, **fields):
    """A report row as the renderer leaves it (ready: a small PDF, its size and checksum)."""
    values = {"kind": period.kind, "period_start": period.start, "period_end": period.end, "version": version,
              "language": "en", "status": status, **fields}
    report = Report(cluster=cluster, **values)
    if status == Report.Status.READY:
        report.pdf.save(f"reports/{cluster.pk}/{period.code}-v{version}.pdf", ContentFile(content), save=False)
        report.size = len(content)
        report.sha256 = hashlib.sha256(content).hexdigest()
        report.finished_at = timezone.now()
        report.data = data if data is not None else {"current": {}, "previous": {}, "change": {}}
    report.save()
    return report


def url(name, cluster, report=None):
    args = [cluster.slug] if report is None else [cluster.slug, report.pk]
    return reverse(name, args=args)


REPORT_ROUTES = ["report_detail", "report_status", "report_download", "report_retry", "report_data_xlsx",
                 "report_data_csv"]
CLUSTER_ROUTES = ["report_list", "report_request", "report_dashboard"]


# --- Who may see the pages ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["coordinator", "authority"])
def test_coordinators_and_authorities_see_the_list_and_the_nav_link(client, request, cluster, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("report_list", cluster))
    assert response.status_code == 200
    assert f'href="{url("report_list", cluster)}"' in response.text  # the nav link
    assert "There are no reports yet" in response.text


@pytest.mark.parametrize("who", ["expert", "org_admin"])
@pytest.mark.parametrize("route", CLUSTER_ROUTES)
def test_experts_and_organization_admins_are_refused(client, request, cluster, who, route):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(route, cluster)).status_code == 403


@pytest.mark.parametrize("who", ["expert", "org_admin"])
def test_no_nav_link_for_other_roles(client, request, cluster, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("dashboard", args=[cluster.slug]))
    assert url("report_list", cluster) not in response.text


@pytest.mark.parametrize("route", CLUSTER_ROUTES)
def test_an_outsider_gets_404(client, cluster, outsider, route):
    client.force_login(outsider)
    assert client.get(url(route, cluster)).status_code == 404


@pytest.mark.parametrize("route", REPORT_ROUTES)
def test_another_clusters_report_is_404_on_every_route(client, cluster, other_cluster, coordinator, route):
    theirs = make_report(other_cluster, status=Report.Status.FAILED, error="boom")
    ready = make_report(other_cluster, version=2)
    client.force_login(coordinator)
    for report in (theirs, ready):
        assert client.get(url(route, cluster, report)).status_code == 404
        assert client.post(url(route, cluster, report)).status_code in (404, 405)
    assert Report.objects.for_cluster(other_cluster).get(pk=theirs.pk).status == Report.Status.FAILED


@pytest.mark.parametrize("route", REPORT_ROUTES)
def test_experts_cannot_open_a_report(client, cluster, expert, route):
    report = make_report(cluster)
    client.force_login(expert)
    assert client.get(url(route, cluster, report)).status_code == 403


# --- The list --------------------------------------------------------------------------------

def test_the_list_filters_by_kind_year_and_status(client, cluster, coordinator):
    make_report(cluster, period=Q1)
    make_report(cluster, period=periods.parse_period("year", "2025"))
    make_report(cluster, period=periods.parse_period("quarter", "2025-Q4"), status=Report.Status.FAILED)
    client.force_login(coordinator)
    text = client.get(url("report_list", cluster)).text
    assert "Q1 2026" in text and "Q4 2025" in text and ">2025</a>" in text
    text = client.get(url("report_list", cluster), {"kind": "year"}).text
    assert ">2025</a>" in text and "Q1 2026" not in text
    text = client.get(url("report_list", cluster), {"year": "2026"}).text
    assert "Q1 2026" in text and "Q4 2025" not in text
    text = client.get(url("report_list", cluster), {"status": "failed"}).text
    assert "Q4 2025" in text and "Q1 2026" not in text
    text = client.get(url("report_list", cluster), {"kind": "month"}).text
    assert "No report matches these filters" in text


def test_the_list_pages(client, cluster, coordinator):
    period = Q1
    for _ in range(30):
        make_report(cluster, period=period, status=Report.Status.FAILED)
        period = period.previous()
    client.force_login(coordinator)
    response = client.get(url("report_list", cluster))
    assert response.text.count('id="report-') == 25
    assert client.get(url("report_list", cluster), {"page": 2}).text.count('id="report-') == 5


@pytest.mark.parametrize("count", [5, 20])
def test_the_list_queries_do_not_grow_with_reports(client, cluster, coordinator, django_assert_max_num_queries,
                                                   count):
    period = Q1
    for _ in range(count):
        make_report(cluster, period=period, status=Report.Status.FAILED, requested_by=coordinator)
        period = period.previous()
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        response = client.get(url("report_list", cluster))
    assert response.text.count('id="report-') == count


# --- Requesting ------------------------------------------------------------------------------

def test_the_request_form_queues_a_report_and_shows_its_progress(client, cluster, coordinator):
    client.force_login(coordinator)
    form = client.get(url("report_request", cluster))
    assert form.status_code == 200 and 'name="period"' in form.text
    response = client.post(url("report_request", cluster), {"kind": "quarter", "period": "2026-Q1", "language": "ru"})
    report = Report.objects.for_cluster(cluster).get()
    assert response.status_code == 302 and response["Location"] == url("report_detail", cluster, report)
    assert (report.kind, report.period_start, report.status, report.language) == (
        "quarter", Q1.start, "queued", "ru")
    assert report.requested_by == coordinator and report.trigger == Report.Trigger.ON_DEMAND
    page = client.get(response["Location"]).text
    assert 'hx-trigger="every 2s"' in page and url("report_status", cluster, report) in page


def test_the_request_form_names_the_field_at_fault(client, cluster, coordinator):
    client.force_login(coordinator)
    response = client.post(url("report_request", cluster), {"kind": "year", "period": "2026-Q1"})
    assert response.status_code == 422
    assert 'id="id_period_error"' in response.text
    response = client.post(url("report_request", cluster), {"kind": "century", "period": "2026"})
    assert response.status_code == 422 and 'id="id_kind_error"' in response.text
    assert not Report.objects.for_cluster(cluster).exists()


def test_experts_cannot_request(client, cluster, expert):
    client.force_login(expert)
    assert client.post(url("report_request", cluster), {"kind": "quarter", "period": "2026-Q1"}).status_code == 403
    assert not Report.objects.for_cluster(cluster).exists()


# --- The progress partial --------------------------------------------------------------------

def test_the_status_partial_polls_while_queued_or_running(client, cluster, coordinator):
    client.force_login(coordinator)
    queued = make_report(cluster, status=Report.Status.QUEUED)
    text = client.get(url("report_status", cluster, queued), HTTP_HX_REQUEST="true").text
    assert 'hx-trigger="every 2s"' in text and "Queued" in text and "Download the PDF" not in text
    Report.objects.for_cluster(cluster).filter(pk=queued.pk).update(status=Report.Status.RUNNING, attempts=2)
    text = client.get(url("report_status", cluster, queued)).text
    assert 'hx-trigger="every 2s"' in text and "attempt 2" in text


def test_the_status_partial_of_a_ready_report_stops_polling_and_offers_the_files(client, cluster, coordinator):
    client.force_login(coordinator)
    report = make_report(cluster)
    text = client.get(url("report_status", cluster, report)).text
    assert "hx-trigger" not in text and "The report is ready" in text
    for route in ("report_download", "report_data_xlsx", "report_data_csv"):
        assert url(route, cluster, report) in text
    assert report.sha256 in text and report.verification_code in text


def test_the_status_partial_of_a_failed_report_gives_the_reason_and_a_retry(client, cluster, coordinator):
    client.force_login(coordinator)
    report = make_report(cluster, status=Report.Status.FAILED, error="WeasyPrint ran out of <memory>")
    text = client.get(url("report_status", cluster, report)).text
    assert "hx-trigger" not in text and "could not be prepared" in text
    assert "WeasyPrint ran out of &lt;memory&gt;" in text
    assert url("report_retry", cluster, report) in text and url("report_download", cluster, report) not in text


# --- Download, retry, versions ---------------------------------------------------------------

def test_the_pdf_downloads_when_ready(client, cluster, authority):
    report = make_report(cluster)
    client.force_login(authority)
    response = client.get(url("report_download", cluster, report))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "2026-Q1-v1.pdf" in response[
        "Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize("status", [Report.Status.QUEUED, Report.Status.RUNNING, Report.Status.FAILED])
def test_no_pdf_before_ready(client, cluster, coordinator, status):
    report = make_report(cluster, status=status)
    client.force_login(coordinator)
    assert client.get(url("report_download", cluster, report)).status_code == 404
    assert client.get(url("report_data_csv", cluster, report)).status_code == 404


def test_a_failed_report_is_retried_after_confirmation(client, cluster, coordinator):
    report = make_report(cluster, status=Report.Status.FAILED, error="boom")
    client.force_login(coordinator)
    page = client.get(url("report_retry", cluster, report))
    assert page.status_code == 200 and "boom" in page.text and 'method="post"' in page.text
    response = client.post(url("report_retry", cluster, report))
    assert response.status_code == 302 and response["Location"] == url("report_detail", cluster, report)
    assert Report.objects.for_cluster(cluster).get(pk=report.pk).status == Report.Status.QUEUED


@pytest.mark.parametrize("status", [Report.Status.READY, Report.Status.QUEUED])
def test_only_a_failed_report_can_be_retried(client, cluster, coordinator, status):
    report = make_report(cluster, status=status)
    client.force_login(coordinator)
    assert client.get(url("report_retry", cluster, report)).status_code == 302
    response = client.post(url("report_retry", cluster, report))
    assert response.status_code == 422
    assert Report.objects.for_cluster(cluster).get(pk=report.pk).status == status


def test_experts_cannot_retry(client, cluster, expert):
    report = make_report(cluster, status=Report.Status.FAILED, error="boom")
    client.force_login(expert)
    assert client.post(url("report_retry", cluster, report)).status_code == 403
    assert Report.objects.for_cluster(cluster).get(pk=report.pk).status == Report.Status.FAILED


def test_the_detail_lists_the_versions_of_the_period_with_their_checksums(client, cluster, coordinator):
    first = make_report(cluster, version=1, content=PDF + b"1")
    second = make_report(cluster, version=2, content=PDF + b"2")
    other = make_report(cluster, period=Q1.previous())
    client.force_login(coordinator)
    text = client.get(url("report_detail", cluster, second)).text
    assert first.sha256 in text and second.sha256 in text and other.sha256 not in text
    assert url("report_detail", cluster, first) in text


def test_the_data_downloads_as_xlsx_and_csv(client, cluster, coordinator):
    data = indicators.snapshot(cluster, Q1.start, Q1.end)
    report = make_report(cluster, data=data)
    client.force_login(coordinator)
    csv = client.get(url("report_data_csv", cluster, report))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and "Cooperating pairs" in csv.content.decode("utf-8-sig")
    xlsx = client.get(url("report_data_xlsx", cluster, report))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert xlsx["Content-Disposition"].startswith("attachment;")


# --- The dashboard ---------------------------------------------------------------------------

def test_the_dashboard_defaults_to_the_last_ended_quarter(client, cluster, authority):
    client.force_login(authority)
    response = client.get(url("report_dashboard", cluster))
    assert response.status_code == 200
    expected = periods.last_ended("quarter", timezone.localdate())
    assert f"Indicators, {expected.label}" in response.text
    assert response.text.count("<svg") >= 8
    assert "Show the numbers as a table" in response.text and "Active members" in response.text
    assert 'id="figure-utilization_rate"' in response.text


def test_the_dashboard_formats_its_key_figures_as_the_pdf_does():
    from reports.rendering import key_figures

    change = {"utilization_rate": {"current": 0.0769, "previous": 0.05, "change": 0.0269, "change_percent": 53.8},
              "members": {"current": 42, "previous": 40, "change": 2, "change_percent": 5.0}}
    rows = {row["name"]: row for row in key_figures(change)}
    assert (rows["utilization_rate"]["current"], rows["utilization_rate"]["previous"],
            rows["utilization_rate"]["change"]) == ("7.7 %", "5.0 %", "+2.7 pp")


def test_the_key_figures_are_written_as_the_readers_language_writes_numbers():
    from django.utils import translation

    from reports.rendering import key_figures

    change = {"utilization_rate": {"current": 0.0769, "previous": 0.05, "change": 0.0269, "change_percent": 53.8},
              "training_hours": {"current": 12345.5, "previous": 11000.0, "change": 1345.5, "change_percent": 12.23},
              "members": {"current": 4200, "previous": 4210, "change": -10, "change_percent": -0.24}}
    with translation.override("en"):
        rows = {row["name"]: row for row in key_figures(change)}
    assert (rows["training_hours"]["current"], rows["training_hours"]["change"], rows["training_hours"]["percent"]) == (
        "12,345.5", "+1,345.5", "+12.2 %")
    assert (rows["members"]["current"], rows["members"]["change"], rows["members"]["percent"]) == (
        "4,200", "−10", "−0.2 %")
    for language in ("ru", "uz", "uz-cyrl"):  # a space that does not break between groups, a decimal comma
        with translation.override(language):
            rows = {row["name"]: row for row in key_figures(change)}
        assert rows["training_hours"]["current"] == "12\xa0345,5", language
        assert (rows["utilization_rate"]["current"], rows["utilization_rate"]["change"]) == ("7,7 %", "+2,7 pp")
        assert rows["members"]["previous"] == "4\xa0210"


def test_the_dashboard_draws_the_charts_with_escaped_text(client, cluster, coordinator):
    school = OrganizationFactory(cluster=cluster, district="<script>alert(1)</script>", kind="school")
    SchoolRating.objects.create(cluster=cluster, organization=school, period=datetime.date(2026, 2, 1),
                                colour="red", score=Decimal("40"))
    client.force_login(coordinator)
    response = client.get(url("report_dashboard", cluster), {"period": "2026-Q1"})
    assert response.status_code == 200
    assert "Indicators, Q1 2026" in response.text
    assert "<script>alert(1)</script>" not in response.text
    start = response.text.index('id="dash-ratings-districts"')
    chart = response.text[start:response.text.index("</svg>", start)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart  # the district's bar label, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text[response.text.index("</svg>", start):]  # table


def test_the_dashboard_refuses_a_period_not_begun(client, cluster, coordinator):
    client.force_login(coordinator)
    response = client.get(url("report_dashboard", cluster), {"period": "2099"})
    assert response.status_code == 422


def test_the_dashboard_keeps_its_figures_for_the_time_it_says(client, cluster, coordinator, settings):
    """REPORTS_DASHBOARD_CACHE_SECONDS: the figures are computed once, shown with their time, and
    kept per cluster and period; a PDF report computes its own."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    client.force_login(coordinator)
    first = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert first.status_code == 200
    assert "Figures computed at" in first.text and "after 10 minutes" in first.text
    assert 'id="figure-schools_red"' in first.context["figures_html"]
    school = OrganizationFactory(cluster=cluster, kind="school")
    SchoolRating.objects.create(cluster=cluster, organization=school, period=Q1.start, colour="red",
                                score=Decimal("40"))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert again.context["computed_at"] == first.context["computed_at"]
    assert again.context["figures_html"] == first.context["figures_html"]
    assert len(queries) < 10  # the page's own (session, cluster, roles), none of the indicators'
    cache.clear()
    recomputed = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert recomputed.context["computed_at"] > first.context["computed_at"]


def test_without_a_cache_time_the_dashboard_computes_on_every_view(client, cluster, coordinator):
    client.force_login(coordinator)
    response = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert response.status_code == 200 and "Figures computed at" not in response.text


def test_a_view_that_misses_while_another_computes_waits_for_its_figures(cluster, settings, monkeypatch):
    from django.core.cache import cache

    from reports import selectors

    cache.clear()
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    key = f"reports:dashboard:v1:{cluster.pk}:{Q1.start.isoformat()}:{Q1.end.isoformat()}"
    cache.add(f"{key}:computing", True, 30)  # another view is computing

    def elsewhere(seconds):  # ... and stores its figures while this one waits
        cache.set(key, ({"from": "the other view"}, timezone.now()), 600)

    monkeypatch.setattr(selectors.time, "sleep", elsewhere)
    computed = []
    monkeypatch.setattr(selectors.indicators, "snapshot", lambda *args: computed.append(args) or {})
    snapshot, _at = selectors.dashboard_snapshot(cluster, Q1.start, Q1.end)
    assert snapshot == {"from": "the other view"} and computed == []


def _page(response) -> str:
    """The page without what changes on every response (the CSRF token, the CSP nonces)."""
    text = re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', response.text)
    return re.sub(r'(nonce|name="csrfmiddlewaretoken" value)="[^"]*"', r'\1=""', text)


def _figures(response) -> str:
    """The key figures and the charts with their tables."""
    text = _page(response)
    return text[text.index('<section aria-labelledby="figures-heading"'):text.index("</main>")]


def test_cached_figures_are_shown_with_the_markup_drawn_for_them(client, cluster, coordinator, settings,
                                                                 monkeypatch):
    """The key figures, charts and tables are drawn once per computation and language; later views
    show that markup, the same a view that computes and draws everything shows."""
    from django.core.cache import cache

    from reports.views import dashboard

    scenario.build(cluster)
    cache.clear()
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    client.force_login(coordinator)
    first = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert first.status_code == 200 and first.text.count("<svg") >= 8

    def draw(*args):
        raise AssertionError("drawn again")

    with monkeypatch.context() as patch:
        patch.setattr(dashboard, "dashboard_charts", draw)
        patch.setattr(dashboard.rendering, "key_figures", draw)
        again = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert _page(again) == _page(first)
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 0
    uncached = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    assert "Figures computed at" not in uncached.text
    assert _figures(uncached) == _figures(first)


def test_each_language_gets_its_own_markup_of_the_cached_figures(client, cluster, coordinator, settings):
    from django.conf import settings as conf
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import formats, translation

    from reports import selectors

    scenario.build(cluster)
    cache.clear()
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    client.force_login(coordinator)
    english = client.get(url("report_dashboard", cluster), {"period": Q1.code})
    snapshot, _at = selectors.dashboard_snapshot(cluster, Q1.start, Q1.end)
    rate = snapshot["current"]["resources"]["utilization"]["by_owner_kind"][0]["utilization"]
    assert not float(rate).is_integer()  # a number with a decimal separator
    counts = []
    for language in ("en", "ru", "ru"):  # drawn for the cached figures in English, then Russian, then reused
        client.cookies[conf.LANGUAGE_COOKIE_NAME] = language
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("report_dashboard", cluster), {"period": Q1.code})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]  # drawing reads nothing
    russian = response.text
    with translation.override("ru"):
        in_russian = formats.localize(rate)
        shown = translation.gettext("Show the numbers as a table")
    with translation.override("en"):
        in_english = formats.localize(rate)
    assert in_russian != in_english and shown != "Show the numbers as a table"
    assert f'<td class="text-right">{in_russian}</td>' in russian and shown in russian
    assert f'<td class="text-right">{in_english}</td>' in english.text
    assert f'<td class="text-right">{in_russian}</td>' not in english.text
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"
    assert _figures(client.get(url("report_dashboard", cluster), {"period": Q1.code})) == _figures(english)
