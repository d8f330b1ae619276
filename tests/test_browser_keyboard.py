"""The main flow of each role with the keyboard alone, in headless Chromium at phone width (375 px).

Nothing is clicked or filled: each control is reached by pressing Tab (or Shift+Tab) until it has
the focus, then typed into or pressed with Enter, Space or the arrow keys, as a person without a
mouse would. Each control reached must show where the focus is (an outline or a box shadow).

- Anyone: signing in is the username (the form starts there), the password and Enter; the skip
  link is a page's first stop and moves the focus to its content.
- The phone's collapsed menu opens with Enter and with Space, and its links take the focus in
  turn; the account menu opens from the keyboard (Space too: static/js/app.js) and signs out.
- A coordinator approves a membership application (the confirmation is the browser's own dialog,
  which answers Enter; the row htmx puts back takes the focus) and moves an innovation on the
  pipeline board: the board has no drag and drop, each card's moves are buttons.
- A school's admin opens a laboratory's calendar, pages it forward and back, opens the booking form,
  takes a free time from its list and sends the request.
- An expert opens a review from the queue, scores it with the arrow keys and submits it.
- An authority requests a report, downloads the PDF and finds it in the list of reports.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from innovations.models import ExpertReview, Innovation
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, transition_at
from members.models import MembershipApplication
from members.tests.factories import (
    ApplicationFactory,
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    UserFactory,
)
from reports import periods
from reports.models import Report
from resources.models import Booking
from resources.tests.conftest import with_weekday_hours
from resources.tests.factories import ResourceFactory
from tests.browser import MARKS, expert_of, fits_the_screen

pytestmark = MARKS

TITLE = "Town problems in mathematics lessons"
PRESSES = 40  # Tab presses allowed to reach a control: a long page, not an endless loop
RENDER_TIMEOUT = 90_000  # ms: a WeasyPrint render of the whole report

DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'the page itself (no element)';
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 60);
  return '<' + el.tagName.toLowerCase() + (el.id ? ' id=' + el.id : '') +
         (el.name ? ' name=' + el.name : '') + '> ' + JSON.stringify(text);
}"""
FOCUS_INDICATOR = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== 'none';
}"""


def has_focus(target) -> bool:
    return target.evaluate("el => el === document.activeElement")


def tab_to(page, target, *, backwards=False, limit=PRESSES):
    """Press Tab (Shift+Tab when `backwards`) until `target`, a locator of one element, has the
    focus (it may have it already: a field with autofocus); fail naming it and where the focus
    went after `limit` presses. The element reached must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    target.wait_for(state="attached")
    for _press in range(limit + 1):
        if has_focus(target):
            assert target.evaluate(FOCUS_INDICATOR), f"{target} has the focus but shows no outline nor shadow"
            return
        page.keyboard.press(key)
    pytest.fail(f"{limit} presses of {key} did not reach {target}; the focus is on "
                f"{page.evaluate(DESCRIBE_FOCUS)}", pytrace=False)


def press(page, target, key="Enter", *, backwards=False):
    """Tab to `target` and press `key` on it, waiting for the page it loads."""
    tab_to(page, target, backwards=backwards)
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page, target, text):
    tab_to(page, target)
    page.keyboard.type(text)


def choose(page, select, label, *, limit=PRESSES):
    """Tab to a <select> and move down its options with ArrowDown (from the first, Home) until
    `label` is chosen, as on a closed list box of Chromium on Linux and Windows."""
    tab_to(page, select)
    page.keyboard.press("Home")
    for _press in range(limit):
        if select.evaluate("el => el.options[el.selectedIndex].text.trim()") == label:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{limit} presses of ArrowDown did not choose {label!r} in {select}", pytrace=False)


def pick(page, group, name, *, limit=10):
    """A group of radio buttons is one Tab stop: Tab into it (to its first radio), check that
    with Space, then ArrowDown until the one named `name` is checked."""
    target = group.get_by_role("radio", name=name, exact=True)
    tab_to(page, group.get_by_role("radio").first)
    page.keyboard.press("Space")
    for _press in range(limit):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{limit} presses of ArrowDown did not check {name!r} in {group}", pytrace=False)


def sign_in_by_keyboard(page, live_server, username, password="pass-word-123"):
    """From the home page: Tab to the username, type, Tab to the password, type, Enter."""
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    type_into(page, page.get_by_label("Username"), username)
    type_into(page, page.get_by_label("Password"), password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#account-menu").wait_for(state="attached")


def open_menu_link(page, name, key="Enter"):
    """At phone width the navbar is collapsed: Tab to its toggle, open it with `key`, Tab to the
    link and follow it with Enter."""
    toggle = page.get_by_role("button", name="Show or hide the menu")
    tab_to(page, toggle)
    page.keyboard.press(key)
    page.locator("#main-nav.show").wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    press(page, page.locator("#main-nav").get_by_role("link", name=name, exact=True))


def test_signing_in_takes_enter_and_the_skip_link_leads_to_the_content(live_server, page, script_errors):
    cluster = ClusterFactory(slug="fergana", name="Fergana pedagogical cluster")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="nodira"), role="coordinator")

    page.goto(live_server.url + "/")
    assert has_focus(page.get_by_label("Username")), "the sign-in form does not start in the username"
    page.keyboard.type("nodira")
    page.keyboard.press("Tab")
    assert has_focus(page.get_by_label("Password")), f"Tab went to {page.evaluate(DESCRIBE_FOCUS)}"
    page.keyboard.type("pass-word-123")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Fergana pedagogical cluster").wait_for()

    # The first Tab stop of a page is the skip link, shown when focused; it moves the focus
    # into the content, past the navbar.
    skip = page.get_by_role("link", name="Skip to content")
    assert not skip.evaluate(FOCUS_INDICATOR), "the check of a focus indicator finds one without the focus"
    page.keyboard.press("Tab")
    assert has_focus(skip), f"the first Tab stop is {page.evaluate(DESCRIBE_FOCUS)}, not the skip link"
    assert skip.evaluate(FOCUS_INDICATOR)
    expect(skip).to_be_in_viewport(ratio=1)  # it slides in (a 0.1 s transition)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)"), (
        f"after the skip link, Tab went to {page.evaluate(DESCRIBE_FOCUS)}")
    assert script_errors == []


def test_the_phone_menu_opens_from_the_keyboard_and_its_links_take_the_focus(live_server, page, script_errors):
    cluster = ClusterFactory(slug="fergana", name="Fergana pedagogical cluster")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="nodira"), role="coordinator")
    sign_in_by_keyboard(page, live_server, "nodira")
    assert fits_the_screen(page)

    toggle = page.get_by_role("button", name="Show or hide the menu")
    menu = page.locator("#main-nav")
    for key in ("Enter", "Space"):
        tab_to(page, toggle)  # from the top of the page; the second time, it still has the focus
        page.keyboard.press(key)
        page.locator("#main-nav.show").wait_for()
        assert toggle.get_attribute("aria-expanded") == "true", f"{key} did not open the menu"
        # The menu's links take the focus in turn (the account menu's toggle sits before the
        # guide's link), each showing it.
        for link in menu.get_by_role("link").all():
            tab_to(page, link, limit=2)
        assert fits_the_screen(page)
        # Back to the toggle, which closes the menu with the same key.
        tab_to(page, toggle, backwards=True)
        page.keyboard.press(key)
        page.locator("#main-nav.collapse:not(.show)").wait_for(state="attached")
        assert toggle.get_attribute("aria-expanded") == "false", f"{key} did not close the menu"

    # The account menu (a dropdown, a link acting as a button) opens with Space as with Enter;
    # Escape closes it; the arrow keys reach "Sign out".
    page.keyboard.press("Enter")
    page.locator("#main-nav.show").wait_for()
    account = page.locator("#account-menu")
    tab_to(page, account)
    page.keyboard.press("Space")
    page.locator(".dropdown-menu.show").wait_for()
    assert account.get_attribute("aria-expanded") == "true", "Space did not open the account menu"
    page.keyboard.press("Escape")
    page.locator(".dropdown-menu.show").wait_for(state="detached")
    assert has_focus(account), f"Escape left the focus on {page.evaluate(DESCRIBE_FOCUS)}"
    page.keyboard.press("Enter")
    page.locator(".dropdown-menu.show").wait_for()
    sign_out = page.get_by_role("button", name="Sign out")
    for _press in range(2):
        page.keyboard.press("ArrowDown")
    assert has_focus(sign_out), f"ArrowDown went to {page.evaluate(DESCRIBE_FOCUS)}, not to Sign out"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_label("Username").wait_for()
    assert script_errors == []


def test_a_coordinator_approves_an_application_and_moves_an_innovation_on_the_board(
        live_server, page, script_errors):
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="bobur"), role="coordinator")
    application = ApplicationFactory(cluster=cluster, organization_name="School No. 44 of Margilan")
    school = OrganizationFactory(cluster=cluster, name="School No. 7 of Namangan")
    university = OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Namangan State University")
    innovation = InnovationFactory(origin_organization=school, title=TITLE)
    transition_at(innovation, Innovation.Stage.PROPOSED, timezone.now())
    for username, full_name in (("aziza", "Aziza Rahimova"), ("sardor", "Sardor Aliyev")):
        ExpertReviewFactory(innovation=innovation, expert=expert_of(cluster, university, username, full_name))

    sign_in_by_keyboard(page, live_server, "bobur")
    open_menu_link(page, "Applications")
    page.get_by_role("heading", name="Membership applications").wait_for()
    row = page.locator(f"#application-{application.pk}")
    tab_to(page, row.get_by_role("button", name="Approve School No. 44 of Margilan"))
    # The confirmation is the browser's own dialog, which takes Enter; Playwright answers it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    row.get_by_role("link", name="Open the member School No. 44 of Margilan").wait_for()
    assert "was approved" in page.locator("#live-messages").inner_text()
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.APPROVED
    # The row that had the focus was swapped: the new one takes it, and Tab goes on from there.
    assert has_focus(row), f"after the approval the focus is on {page.evaluate(DESCRIBE_FOCUS)}"
    tab_to(page, row.get_by_role("link", name="Open the member School No. 44 of Margilan"), limit=3)

    open_menu_link(page, "Innovations")
    press(page, page.get_by_role("link", name="Pipeline board"))
    page.get_by_role("heading", name="Pipeline board").wait_for()
    press(page, page.get_by_role("button", name=f"Send to review: {TITLE}"))
    page.get_by_text(f"{TITLE} is now in review.").wait_for()
    innovation.refresh_from_db()
    assert innovation.stage == Innovation.Stage.IN_REVIEW
    assert fits_the_screen(page)
    assert script_errors == []


def test_a_school_books_a_laboratory_from_its_calendar(live_server, page, script_errors):
    cluster = ClusterFactory(slug="andijan", name="Andijan pedagogical cluster")
    school = OrganizationFactory(cluster=cluster, name="School No. 5 of Asaka")
    OrganizationRoleFactory(organization=school, user=UserFactory(username="malika"), role="admin")
    lab = with_weekday_hours(ResourceFactory(
        owner=OrganizationFactory(cluster=cluster, name="Andijan State University", kind="university"),
        name="Biology laboratory", capacity=25))
    # A weekday within the form's list of free times (the next seven days), not today.
    today = timezone.localdate()
    day = next(today + datetime.timedelta(days=n) for n in range(2, 7)
               if (today + datetime.timedelta(days=n)).weekday() < 5)

    sign_in_by_keyboard(page, live_server, "malika")
    open_menu_link(page, "Resources", key="Space")
    page.get_by_role("heading", name="Resources", level=1).wait_for()
    press(page, page.locator("#resource-results").get_by_role("link", name="Biology laboratory"))
    page.get_by_role("heading", name="Biology laboratory", level=1).wait_for()

    # The calendar (a list of days at phone width): the next period and back, by its links.
    calendar = page.locator("#calendar")
    shown = calendar.locator("p.font-weight-bold").inner_text()
    press(page, calendar.locator("a[rel=next]"))
    assert calendar.locator("p.font-weight-bold").inner_text() != shown
    press(page, calendar.locator("a[rel=prev]"))
    assert calendar.locator("p.font-weight-bold").inner_text() == shown
    press(page, page.get_by_role("link", name="Request a booking"))
    page.get_by_role("heading", name="Request a booking of Biology laboratory").wait_for()
    # A free time of the list puts its start and end in the form.
    press(page, page.locator(f'a[href^="?start={day.isoformat()}T09"]'))
    assert page.get_by_label("Start").input_value() == f"{day.isoformat()}T09:00"
    type_into(page, page.get_by_label("Purpose"), "Grade 10 biology practical")
    type_into(page, page.get_by_label("Number of participants"), "18")
    assert fits_the_screen(page)
    press(page, page.get_by_role("button", name="Send the request"))
    page.get_by_text("was sent to its managers").wait_for()
    booking = Booking.objects.for_cluster(cluster).get()
    assert (booking.status, booking.requester_id, booking.participants) == (Booking.Status.REQUESTED, school.pk, 18)
    assert [item.resource for item in booking.items.all()] == [lab]
    assert script_errors == []


def test_an_expert_scores_and_submits_a_review_from_the_queue(live_server, page, script_errors):
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    school = OrganizationFactory(cluster=cluster, name="School No. 7 of Namangan")
    university = OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Namangan State University")
    innovation = InnovationFactory(origin_organization=school, title=TITLE, stage=Innovation.Stage.IN_REVIEW)
    expert = expert_of(cluster, university, "aziza", "Aziza Rahimova")
    review = ExpertReviewFactory(innovation=innovation, expert=expert)

    sign_in_by_keyboard(page, live_server, "aziza")
    open_menu_link(page, "Innovations")
    press(page, page.get_by_role("link", name="Expert reviews"))
    page.get_by_role("heading", name="Expert reviews").wait_for()
    press(page, page.get_by_role("link", name=TITLE))
    page.get_by_role("heading", name=f"Review of {TITLE} (round 1)").wait_for()

    scores = {"Novelty": "4 · good", "Relevance": "5 · excellent", "Feasibility": "4 · good",
              "Evidence of effect": "3 · adequate", "Transferability": "4 · good"}
    for criterion, score in scores.items():
        pick(page, page.get_by_role("group", name=criterion), score)
    pick(page, page.get_by_role("group", name="Recommendation"), "Approve for a pilot")
    type_into(page, page.get_by_label("Comment"), "Clear steps; the town data make it easy to take up elsewhere.")
    tab_to(page, page.get_by_role("checkbox", name="My review is final: submit it."))
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Submit the review"))
    page.get_by_text("Your review is submitted. Thank you.").wait_for()
    review.refresh_from_db()
    assert (review.status, review.recommendation) == (ExpertReview.Status.SUBMITTED, "pilot")
    assert [review.novelty, review.relevance, review.feasibility, review.evidence, review.transferability] == [
        int(score[0]) for score in scores.values()]
    assert script_errors == []


def test_an_authority_requests_a_report_and_downloads_it(live_server, page, script_errors, media_root):
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster", languages=["en"])
    OrganizationFactory(cluster=cluster, name="School No. 3 of Namangan", district="Chust")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="umid"), role="authority")
    earlier = periods.last_ended("quarter", timezone.localdate()).previous()

    sign_in_by_keyboard(page, live_server, "umid")
    open_menu_link(page, "Reports")
    page.get_by_role("heading", name="Reports", exact=True).wait_for()
    press(page, page.get_by_role("link", name="Request a report").first)
    choose(page, page.get_by_label("Period"), earlier.label)
    press(page, page.get_by_role("button", name="Request the report"))
    page.get_by_text("The report is ready.").wait_for(timeout=RENDER_TIMEOUT)
    report = Report.objects.for_cluster(cluster).get()
    assert (report.status, report.period_start) == (Report.Status.READY, earlier.start)

    tab_to(page, page.get_by_role("link", name="Download the PDF"))
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    assert download_info.value.suggested_filename.endswith(".pdf")

    # Back to the list by the breadcrumb: the report is there, and its link takes the focus.
    press(page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Reports"), backwards=True)
    tab_to(page, page.locator(f"#report-{report.pk}").get_by_role("link"))
    assert fits_the_screen(page)
    assert script_errors == []
