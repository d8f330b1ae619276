"""In a real headless Chromium, at phone width (375 px): the agreements list filtered by a
party's name with the keyboard alone, and an organization's link to its agreements kept while
the other filters change."""

import datetime

from agreements.tests.factories import AgreementFactory, AgreementPartyFactory
from members.tests.factories import ClusterFactory, ClusterRoleFactory, OrganizationFactory, UserFactory
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS


def test_the_coordinator_finds_agreements_by_a_partys_name_with_the_keyboard(live_server, page, script_errors):
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    college = OrganizationFactory(cluster=cluster, name="Namangan Pedagogical College")
    school = OrganizationFactory(cluster=cluster, name="School No. 21 of Namangan")
    university = OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Namangan State University")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="bobur"), role="coordinator")
    made = {}
    for title, kind, organization in (("Practice at the college", "internship", college),
                                      ("Research with the school", "research", school),
                                      ("Practice at the school", "internship", school)):
        agreement = AgreementFactory(cluster=cluster, title=title, kind=kind, start_date=datetime.date(2026, 3, 1),
                                     end_date=datetime.date(2027, 2, 28))
        AgreementPartyFactory(agreement=agreement, organization=university)
        AgreementPartyFactory(agreement=agreement, organization=organization)
        made[title] = agreement
    base = f"{live_server.url}/c/{cluster.slug}/agreements/"

    sign_in(page, live_server, "bobur")
    page.goto(base)
    results = page.locator("#agreement-results")
    assert fits_the_screen(page)
    party = page.get_by_label("Party", exact=True)
    party.focus()
    page.keyboard.type("college")  # the list follows the typing, without a press of Enter
    page.wait_for_url("**party_name=college**")
    results.get_by_text("1 agreement matches the filters").wait_for()
    assert results.get_by_text("Practice at the college").count() == 1
    assert results.get_by_text("Research with the school").count() == 0
    assert fits_the_screen(page)

    # The organization's page links to ?party=<id>: a ticked checkbox names it and keeps it
    # while the kind changes (a change of a field sends the form); unticked, it is dropped.
    page.goto(f"{base}?party={school.pk}")
    only_school = page.get_by_label(f"Only the agreements to which {school.name} is a party")
    assert only_school.is_checked()
    page.get_by_label("Kind").select_option("research")
    page.wait_for_url("**kind=research**")
    results.get_by_text("1 agreement matches the filters").wait_for()
    assert f"party={school.pk}" in page.url
    assert results.get_by_text("Research with the school").count() == 1
    only_school.focus()
    page.keyboard.press("Space")
    page.wait_for_url(lambda url: "party=" not in url.split("?", 1)[1].replace("party_name=", ""))
    results.get_by_text("1 agreement matches the filters").wait_for()
    assert "kind=research" in page.url
    assert fits_the_screen(page)
    assert not script_errors


def open_the_agreements_of_one_college(live_server, page):
    """A coordinator's agreements page, one agreement listed (with a college)."""
    cluster = ClusterFactory(slug="namangan")
    college = OrganizationFactory(cluster=cluster, name="Namangan Pedagogical College")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="bobur"), role="coordinator")
    AgreementPartyFactory(agreement=AgreementFactory(cluster=cluster, title="Practice at the college"),
                          organization=college)
    sign_in(page, live_server, "bobur")
    page.goto(f"{live_server.url}/c/{cluster.slug}/agreements/")

def test_enter_right_after_typing_asks_for_the_list_once(live_server, page, script_errors):
    """Typing starts a request after a pause; Enter within the pause sends the form at once. The
    paused request, for the same query, is not sent again (nor a second entry put in the history)."""
    open_the_agreements_of_one_college(live_server, page)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if request.headers.get("hx-request") else None)
    history = page.evaluate("history.length")

    page.get_by_label("Party", exact=True).focus()
    page.keyboard.type("college")
    page.keyboard.press("Enter")
    page.wait_for_url("**party_name=college**")
    page.get_by_text("1 agreement matches the filters").wait_for()
    page.wait_for_timeout(1000)  # past the typing's pause: its request would have gone by now

    assert len(asked) == 1 and "party_name=college" in asked[0]
    assert page.evaluate("history.length") == history + 1
    # The same query asked for again later (a press of "Filter") is sent: only the repeat is dropped.
    page.get_by_role("button", name="Filter").click()
    page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle")
    assert len(asked) == 2
    assert not script_errors



def test_a_press_after_a_failed_request_asks_again(live_server, page, script_errors):
    """Only a repeat of a request under way or answered is dropped: after a failed one (here a
    500), the next press of "Filter" is sent at once."""
    open_the_agreements_of_one_college(live_server, page)
    asked = []

    def answer(route, request):
        if request.headers.get("hx-request"):
            asked.append(request.url)
            if len(asked) == 1:
                return route.fulfill(status=500, body="Server error")
        return route.continue_()

    page.route("**/agreements/**", answer)
    page.get_by_label("Party", exact=True).fill("college")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_timeout(250)
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 agreement matches the filters").wait_for()
    assert len(asked) == 2
    assert all("htmx:" in error or "500" in error for error in script_errors)  # the refused answer alone