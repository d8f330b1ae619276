"""End to end in a real headless Chromium, at phone width (375 px): a coordinator requests a
report, follows its progress and downloads the PDF; the public page confirms its checksum.

The test settings run Celery tasks eagerly (CELERY_TASK_ALWAYS_EAGER): under live_server the
request commits for real, so `report_request`'s on_commit runs `render_report` inside the POST
itself, and the redirect lands on a report that is already ready. The htmx polling is then shown
on a second report that the page finds queued: the test renders it (the task, called here) while
the page polls, and the page turns to ready without a reload.
"""

import hashlib
from pathlib import Path

from django.utils import timezone

from members.tests.factories import ClusterFactory, ClusterRoleFactory, OrganizationFactory, UserFactory
from reports import periods
from reports.models import Report
from reports.tasks import render_report
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS

RENDER_TIMEOUT = 90_000  # ms: a WeasyPrint render of the whole report


def test_a_coordinator_requests_a_report_and_downloads_the_pdf(live_server, page, script_errors, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster", languages=["en"])
    OrganizationFactory(cluster=cluster, name="School No. 3 of Namangan", district="Chust")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="dilshod"), role="coordinator")
    quarter = periods.last_ended("quarter", timezone.localdate())

    sign_in(page, live_server, "dilshod")
    page.goto(f"{live_server.url}/c/{cluster.slug}/")
    page.get_by_role("button", name="Show or hide the menu").click()  # the phone's collapsed navbar
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("heading", name="Reports", exact=True).wait_for()
    assert fits_the_screen(page)
    page.get_by_role("link", name="Request a report").first.click()
    page.get_by_label("Kind").select_option("quarter")
    page.get_by_label("Period").select_option(quarter.code)
    page.get_by_role("button", name="Request the report").click()

    page.get_by_text("The report is ready.").wait_for(timeout=RENDER_TIMEOUT)
    assert fits_the_screen(page)
    report = Report.objects.for_cluster(cluster).get()
    assert (report.status, report.kind, report.period_start) == ("ready", "quarter", quarter.start)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == report.sha256 and len(content) == report.size

    # A report the page finds queued: it polls, and shows the download once the render is done.
    earlier = quarter.previous()
    queued = Report.objects.create(cluster=cluster, kind="quarter", period_start=earlier.start,
                                   period_end=earlier.end, language="en", status=Report.Status.QUEUED)
    page.goto(f"{live_server.url}/c/{cluster.slug}/reports/{queued.pk}/")
    page.get_by_text("Queued: the report waits for a worker.").wait_for()
    render_report.apply(args=[queued.pk])
    page.get_by_text("The report is ready.").wait_for(timeout=10_000)
    page.get_by_role("link", name="Download the PDF").wait_for()
    assert Report.objects.for_cluster(cluster).get(pk=queued.pk).status == "ready"

    # The public page confirms the downloaded file.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/{report.verification_code}/")
    page.get_by_role("heading", name="This report was issued by the platform").wait_for()
    page.get_by_label("Compare a PDF you hold").set_input_files(download.path())
    page.get_by_role("button", name="Compare the file").click()
    page.get_by_text("Match: the file you uploaded is this report, unchanged.").wait_for()
    assert fits_the_screen(page)
    assert script_errors == []
