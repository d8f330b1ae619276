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
