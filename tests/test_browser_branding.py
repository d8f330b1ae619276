"""End to end in a real headless Chromium, at phone width (375 px): a coordinator opens Branding
from the dashboard, previews and saves the cluster's colours and a logo, and every page's header
then shows them under the strict Content-Security-Policy (no violation reported), the page still
fitting the screen; the pages pass the accessibility audit (axe-core, tests/test_browser_a11y.py)."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members import services
from members.models import Cluster
from members.tests.factories import ClusterFactory, ClusterRoleFactory, UserFactory
from tests.browser import MARKS, fits_the_screen, sign_in
from tests.test_browser_a11y import a11y_page, audit  # noqa: F401 (a11y_page: the audit's page fixture)

pytestmark = MARKS


def _logo(path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 80), (212, 160, 23)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _navbar_colours(page) -> tuple[str, str]:
    return tuple(page.evaluate("""() => {
        const style = getComputedStyle(document.querySelector('.navbar-cluster'));
        return [style.backgroundColor, style.borderBottomColor];
    }"""))


def test_a_coordinator_brands_the_cluster_and_the_header_shows_it(live_server, page, script_errors, tmp_path,
                                                                  settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    cluster = ClusterFactory(slug="fergana", name="Fergana valley pedagogical cluster", languages=["en"])
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="malika"), role="coordinator")

    sign_in(page, live_server, "malika")
    page.goto(f"{live_server.url}/c/{cluster.slug}/")
    assert _navbar_colours(page) == ("rgb(11, 61, 145)", "rgb(0, 98, 204)")  # the platform's own
    page.get_by_role("link", name="Branding").click()
    page.get_by_role("heading", name="Branding", exact=True).wait_for()
    assert fits_the_screen(page)

    page.get_by_label("Primary colour").fill("#0f5257")
    page.get_by_label("Accent colour").fill("#d4a017")
    page.get_by_role("button", name="Preview the colours").click()
    page.get_by_role("heading", name="Preview (not saved yet)").wait_for()
    preview = page.evaluate("getComputedStyle(document.querySelector('.branding-preview-header')).backgroundColor")
    assert preview == "rgb(15, 82, 87)"
    assert _navbar_colours(page) == ("rgb(11, 61, 145)", "rgb(0, 98, 204)")  # not saved yet

    page.get_by_label("New logo").set_input_files(_logo(tmp_path / "logo.png"))
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("The branding was saved.").wait_for()
    cluster = Cluster.objects.get(pk=cluster.pk)
    assert (cluster.primary_colour, cluster.accent_colour) == ("#0f5257", "#d4a017") and cluster.logo

    page.goto(f"{live_server.url}/c/{cluster.slug}/")
    assert _navbar_colours(page) == ("rgb(15, 82, 87)", "rgb(212, 160, 23)")
    logo = page.get_by_role("link", name="Fergana valley pedagogical cluster").get_by_role("img")
    logo.wait_for()
    assert page.evaluate("document.querySelector('.navbar-logo').naturalWidth") == 160
    assert fits_the_screen(page)
    assert not script_errors, script_errors

    # Removing the logo is asked first.
    page.goto(f"{live_server.url}/c/{cluster.slug}/branding/")
    page.get_by_role("link", name="Remove the logo…").click()
    page.get_by_role("button", name="Remove the logo").click()
    page.get_by_text("The logo was removed.").wait_for()
    assert not Cluster.objects.get(pk=cluster.pk).logo
    assert page.locator(".navbar-logo").count() == 0


def test_the_branding_pages_and_a_header_with_a_logo_pass_the_accessibility_audit(live_server, a11y_page, tmp_path,
                                                                                  settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    cluster = ClusterFactory(slug="fergana", name="Fergana valley pedagogical cluster", languages=["en"])
    coordinator = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="malika"), role="coordinator").user
    logo = SimpleUploadedFile("logo.png", Path(_logo(tmp_path / "logo.png")).read_bytes(), content_type="image/png")
    services.cluster_branding_update(cluster=cluster, actor=coordinator, logo=logo,
                                     data={"primary_colour": "#0f5257", "accent_colour": "#d4a017"})
    sign_in(a11y_page, live_server, "malika")
    base = f"{live_server.url}/c/{cluster.slug}"
    audit(a11y_page, [("dashboard with a logo", f"{base}/"), ("branding", f"{base}/branding/"),
                      ("removing the logo", f"{base}/branding/logo/remove/")])
