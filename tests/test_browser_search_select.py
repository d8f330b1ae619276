"""In a real headless Chromium, at phone width (375 px): a select over a long list of
organizations (cluster_platform.forms.offer_choices) is searched by typing, with the keyboard
alone; Enter in its box searches instead of sending the form; a filter form does not refilter
on the box's change; the organization found is chosen and its people follow."""

import pytest

from agreements.models import Agreement
from cluster_platform import forms as platform_forms
from members.tests.factories import (ClusterFactory, ClusterRoleFactory, OrganizationFactory, PersonFactory,
                                     UserFactory)
from resources.tests.factories import ResourceFactory
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS


@pytest.fixture
def long_list(monkeypatch):
    """A cluster of six organizations where a select shows two at first, and its coordinator."""
    monkeypatch.setattr(platform_forms, "SEARCH_LIMIT", 2)
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    made = {name: OrganizationFactory(cluster=cluster, name=name)
            for name in ("Alpha School", "Beta School", "Gamma School", "Delta School", "Namangan State University",
                         "Zarafshon College")}
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="bobur"), role="coordinator")
    return cluster, made


def test_a_party_is_found_by_typing_and_chosen_with_the_keyboard(live_server, page, script_errors, long_list):
    cluster, made = long_list
    college = made["Zarafshon College"]
    PersonFactory(organization=college, full_name="Dilnoza Karimova")
    sign_in(page, live_server, "bobur")
    page.goto(f"{live_server.url}/c/{cluster.slug}/agreements/new/")
    first = page.locator("#id_parties-0-organization")
    assert first.locator("option").all_inner_texts() == ["Choose…", "Alpha School", "Beta School"]

    box = page.get_by_label("Find in the list: Organization").first
    box.focus()
    with page.expect_response(lambda response: "/organizations/options/active/" in response.url):
        page.keyboard.type("zaraf")
    first.locator("option", has_text="Zarafshon College").wait_for(state="attached")
    assert first.locator("option").all_inner_texts() == ["Choose…", "Zarafshon College"]

    # Enter in the box searches at once; the form is not sent.
    with page.expect_response(lambda response: "/organizations/options/active/" in response.url):
        page.keyboard.press("Enter")
    page.wait_for_timeout(300)  # a form sent would have left the page by now
    assert page.url.endswith("/agreements/new/")
    assert not Agreement.objects.for_cluster(cluster).exists()

    page.keyboard.press("Tab")  # to the select
    assert page.evaluate("document.activeElement.id") == "id_parties-0-organization"
    with page.expect_response(lambda response: "/agreements/new/signatories/" in response.url):
        first.select_option(label="Zarafshon College")
    page.locator("#id_parties-0-signatory option", has_text="Dilnoza Karimova").wait_for(state="attached")
    assert fits_the_screen(page)
    assert not script_errors


def test_a_filter_forms_box_narrows_its_select_without_refiltering(live_server, page, script_errors, long_list):
    cluster, made = long_list
    ResourceFactory(owner=made["Alpha School"], name="Alpha laboratory")
    ResourceFactory(owner=made["Zarafshon College"], name="Zarafshon workshop")
    sign_in(page, live_server, "bobur")
    page.goto(f"{live_server.url}/c/{cluster.slug}/resources/")
    listed = []
    page.on("request", lambda request: listed.append(request.url)
            if request.headers.get("hx-request") and "/resources/?" in request.url else None)
    owner = page.locator("#id_owner")
    box = page.get_by_label("Find in the list: Owner")
    address = page.url
    box.fill("zaraf")
    owner.locator("option", has_text="Zarafshon College").wait_for(state="attached")
    assert page.url == address  # the form's hx-push-url is not the box's
    assert page.get_by_role("status").filter(has_text="1 name listed.").count() == 1
    box.press("Tab")  # the box's change event: not the filter form's
    page.wait_for_timeout(500)
    assert listed == []
    with page.expect_response(lambda response: "/resources/?" in response.url):
        owner.select_option(label="Zarafshon College")  # a change of the select filters, as before
    page.get_by_text("Zarafshon workshop").wait_for()
    assert page.get_by_text("Alpha laboratory").count() == 0
    assert fits_the_screen(page)
    assert not script_errors
