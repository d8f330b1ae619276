"""End to end in a real headless Chromium, at phone width (375 px).

A coordinator signs in, opens the application queue through the collapsed navbar, approves
an application with the htmx button, edits the new member's district and finds it in the
member list with the live search.

A coordinator creates an agreement between two members, records both signatures, declares
it signed, uploads the scan of the signed paper, activates it and downloads the scan.

A school's admin finds a university laboratory in the catalogue and requests a booking next
week; the university's admin approves it from "Requests to approve" (htmx, after the confirm
dialog) and the laboratory's week calendar, a list of days at phone width, shows it.
"""

import datetime
from pathlib import Path

from django.utils import timezone

from agreements.models import Agreement, AgreementDocument
from agreements.tests.test_documents import make_pdf
from members.models import MembershipApplication, Organization
from members.tests.factories import (
    ApplicationFactory,
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS


def open_menu_item(page, name):
    page.get_by_role("button", name="Show or hide the menu").click()
    link = page.locator("#main-nav").get_by_role("link", name=name, exact=True)
    link.wait_for(state="visible")
    link.click()


def test_coordinator_approves_edits_and_finds_a_new_member(live_server, page, script_errors):
    cluster = ClusterFactory(slug="fergana", name="Fergana pedagogical cluster")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="nodira"), role="coordinator")
    application = ApplicationFactory(cluster=cluster, organization_name="School No. 44 of Margilan",
                                     district="Margilan")
    OrganizationFactory(cluster=cluster, name="Fergana State University", kind="university", district="Fergana")

    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("nodira")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Fergana pedagogical cluster").wait_for()
    assert fits_the_screen(page)

    open_menu_item(page, "Applications")
    page.get_by_role("heading", name="Membership applications").wait_for()
    assert fits_the_screen(page)
    row = page.locator(f"#application-{application.pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Approve School No. 44 of Margilan").click()
    row.get_by_text("Open the member").wait_for()
    assert "was approved" in page.locator("#live-messages").inner_text()
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.APPROVED

    row.get_by_role("link", name="Open the member").click()
    page.get_by_role("heading", name="School No. 44 of Margilan", level=1).wait_for()
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("District").fill("Quvasoy")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("School No. 44 of Margilan was saved.").wait_for()
    assert Organization.objects.for_cluster(cluster).get(pk=application.organization_id).district == "Quvasoy"

    open_menu_item(page, "Members")
    page.get_by_role("heading", name="Members", level=1).wait_for()
    page.get_by_role("searchbox", name="Search").fill("No. 44")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/organizations/?q=No.+44*")  # the search is in the address, so it can be shared
    page.get_by_text("1 organization matches the filters").wait_for()
    result = page.locator("#organization-results tbody tr")
    assert result.count() == 1
    assert "School No. 44 of Margilan" in result.inner_text() and "Quvasoy" in result.inner_text()
    assert "1 organization found" in page.locator("#results-announcement").inner_text()
    assert fits_the_screen(page)
    assert script_errors == []


def click_and_wait_for_message(page, control, message):
    """Submit through `control` and wait for the next page's success message."""
    with page.expect_navigation():
        control.click()
    page.get_by_text(message).wait_for()


def test_coordinator_creates_signs_uploads_the_scan_and_activates_an_agreement(
        live_server, page, script_errors, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cluster = ClusterFactory(slug="namangan", name="Namangan pedagogical cluster")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="dilshod"), role="coordinator")
    university = OrganizationFactory(cluster=cluster, name="Namangan State University", kind="university")
    school = OrganizationFactory(cluster=cluster, name="School No. 12 of Chust")
    scan = tmp_path / "Signed agreement.pdf"
    scan.write_bytes(make_pdf())
    today = timezone.localdate()

    sign_in(page, live_server, "dilshod")
    page.get_by_role("heading", name="Namangan pedagogical cluster").wait_for()
    page.goto(f"{live_server.url}/c/{cluster.slug}/agreements/new/")
    page.get_by_role("textbox", name="Title", exact=True).fill("Teaching practice in Chust")
    page.get_by_label("Kind").select_option("internship")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + datetime.timedelta(days=365)).isoformat())
    for number, organization, role in ((1, university, "initiator"), (2, school, "partner")):
        party = page.get_by_role("group", name=f"Party {number}")
        party.get_by_label("Organization").select_option(label=organization.name)
        party.get_by_label("Role").select_option(role)
    click_and_wait_for_message(page, page.get_by_role("button", name="Create the draft"), "was created as a draft")
    agreement = Agreement.objects.for_cluster(cluster).get()
    assert fits_the_screen(page)

    click_and_wait_for_message(page, page.get_by_role("button", name="Start negotiation"),
                               "The agreement is now negotiation.")
    for organization in (university, school):
        party = agreement.parties.get(organization=organization)
        page.locator(f"#signed-by-{party.pk}").fill(f"Head of {organization.name}")
        click_and_wait_for_message(
            page, page.get_by_role("button", name=f"Record the signature of {organization.name}"),
            f"The signature of {organization.name} was recorded.")
    click_and_wait_for_message(page, page.get_by_role("button", name="Declare signed", exact=True),
                               "The agreement is now signed.")

    # Signed, not yet active: the page asks for the scan and its upload form suggests it.
    page.get_by_role("link", name="Upload the signed scan").click()
    documents = page.locator("#documents")
    assert documents.get_by_label("Kind of document").input_value() == "signed_scan"
    documents.get_by_label("File").set_input_files(str(scan))
    click_and_wait_for_message(page, documents.get_by_role("button", name="Upload"),
                               "Signed agreement.pdf was uploaded as signed scan, version 1.")
    assert page.get_by_text("Upload the scan of the signed agreement").count() == 0

    click_and_wait_for_message(page, page.get_by_role("button", name="Activate", exact=True),
                               "The agreement is now active.")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert "Active" in page.locator(".page-header").first.inner_text()
    document = AgreementDocument.objects.for_cluster(cluster).get()
    row = page.locator(f"#document-{document.pk}")
    assert "Signed scan" in row.inner_text() and "Signed agreement.pdf" in row.inner_text()
    assert fits_the_screen(page)

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "Signed agreement.pdf"
    assert Path(download.path()).read_bytes() == scan.read_bytes()
    assert script_errors == []


def test_a_school_books_a_university_laboratory_and_the_owner_approves(live_server, page, script_errors):
    from members.tests.factories import OrganizationRoleFactory
    from resources.models import Booking
    from resources.tests.conftest import next_weekday, with_weekday_hours
    from resources.tests.factories import ResourceFactory

    cluster = ClusterFactory(slug="andijan", name="Andijan pedagogical cluster")
    university = OrganizationFactory(cluster=cluster, name="Andijan State University", kind="university")
    school = OrganizationFactory(cluster=cluster, name="School No. 5 of Asaka")
    OrganizationRoleFactory(organization=school, user=UserFactory(username="malika"), role="admin")
    OrganizationRoleFactory(organization=university, user=UserFactory(username="bekzod"), role="admin")
    lab = with_weekday_hours(ResourceFactory(owner=university, name="Biology laboratory", capacity=25))
    ResourceFactory(owner=university, name="Assembly hall", kind="hall", capacity=300)
    monday = next_weekday(0)

    # The school's admin finds the laboratory in the catalogue and asks for Monday 10:00-12:00.
    sign_in(page, live_server, "malika")
    page.get_by_role("heading", name="Andijan pedagogical cluster").wait_for()
    open_menu_item(page, "Resources")
    page.get_by_role("heading", name="Resources", level=1).wait_for()
    page.get_by_role("searchbox", name="Search").fill("laboratory")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("1 resource matches the filters").wait_for()
    assert fits_the_screen(page)
    page.locator("#resource-results").get_by_role("link", name="Biology laboratory").click()
    page.get_by_role("heading", name="Biology laboratory", level=1).wait_for()
    page.get_by_role("link", name="Request a booking").click()
    page.get_by_label("Start").fill(f"{monday.isoformat()}T10:00")
    page.get_by_label("End").fill(f"{monday.isoformat()}T12:00")
    page.get_by_label("Purpose").fill("Grade 10 biology practical")
    page.get_by_label("Number of participants").fill("18")
    assert page.get_by_label("Requesting organization").input_value() == str(school.pk)
    assert fits_the_screen(page)
    click_and_wait_for_message(page, page.get_by_role("button", name="Send the request"), "was sent to its managers")
    booking = Booking.objects.for_cluster(cluster).get()
    assert booking.status == Booking.Status.REQUESTED and booking.requester_id == school.pk

    # The university's admin approves it from "Requests to approve".
    page.context.clear_cookies()
    sign_in(page, live_server, "bekzod")
    page.get_by_role("heading", name="Andijan pedagogical cluster").wait_for()
    open_menu_item(page, "Resources")
    page.get_by_role("link", name="Requests to approve").click()
    page.get_by_role("heading", name="Requests to approve", level=1).wait_for()
    row = page.locator(f"#booking-{booking.pk}")
    assert "School No. 5 of Asaka" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Approve #{booking.pk}").click()
    row.get_by_text("Approved", exact=True).wait_for()
    assert "was approved" in page.locator("#live-messages").inner_text()
    assert fits_the_screen(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED

    # The laboratory's calendar shows it; at phone width the week is a list of days.
    page.goto(f"{live_server.url}/c/{cluster.slug}/resources/{lab.pk}/?view=week&date={monday.isoformat()}")
    day = page.locator(f'[data-day="{monday.isoformat()}"]')
    day.wait_for()
    assert "10:00–12:00" in day.inner_text() and "School No. 5 of Asaka" in day.inner_text()
    assert fits_the_screen(page)
    assert script_errors == []
