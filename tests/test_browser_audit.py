"""The audit trail in a real headless Chromium at phone width (375 px), by keyboard: a
coordinator opens it from the dashboard, filters it, and opens one organization's history
from the organization's page."""

from members import services as member_services
from members.tests.factories import ClusterFactory, ClusterRoleFactory, OrganizationFactory, UserFactory
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS


def test_a_coordinator_reads_the_trail_at_phone_width_by_keyboard(live_server, page, script_errors):
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    coordinator = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="zarina"), role="coordinator").user
    school = OrganizationFactory(cluster=cluster, name="School No. 12", district="Chust")
    member_services.organization_update(
        cluster=cluster, actor=coordinator, organization_id=school.pk,
        data={"specialisations": "Mathematics-and-informatics-with-a-very-long-unbroken-word-" * 3})

    sign_in(page, live_server, "zarina")
    page.get_by_role("link", name="Audit trail").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Audit trail").wait_for()
    events = page.get_by_role("list", name="Events, newest first").locator("> li")
    assert events.count() == 3
    assert "Specialisations" in events.first.inner_text()
    assert fits_the_screen(page)

    page.get_by_label("Kind").select_option("cluster_role")
    page.get_by_role("button", name="Filter").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**kind=cluster_role**")
    assert events.count() == 1 and "zarina · Coordinator" in events.first.inner_text()

    page.goto(f"{live_server.url}/c/{cluster.slug}/organizations/{school.pk}/")
    page.get_by_role("link", name="History").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="History: School No. 12").wait_for()
    assert events.count() == 2
    assert fits_the_screen(page)
    assert script_errors == []
