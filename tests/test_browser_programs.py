"""End to end in a real headless Chromium, at phone width (375 px): from enrolment to a
verified certificate.

A school's admin enrols a teacher in an open programme; the lead organization's admin starts
it, records attendance and the post-assessment on the sheet and completes it; the teacher
downloads her certificate from "My programmes"; the public page /verify/<code>/ confirms it.
"""

import datetime

from django.utils import timezone

from members.tests.factories import (
    ClusterFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from programs.models import Enrollment
from programs.tests.factories import ProgramFactory, SessionFactory
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS


def test_from_enrolment_to_a_verified_certificate(live_server, page, script_errors):
    today = timezone.localdate()
    cluster = ClusterFactory(slug="andijan", name="Andijan pedagogical cluster")
    institute = OrganizationFactory(cluster=cluster, kind="iro", name="Andijan Regional IRO")
    school = OrganizationFactory(cluster=cluster, name="School No. 12 of Andijan")
    OrganizationRoleFactory(organization=institute, user=UserFactory(username="kamola"), role="admin")
    OrganizationRoleFactory(organization=school, user=UserFactory(username="rustam"), role="admin")
    teacher_user = UserFactory(username="malika")
    OrganizationRoleFactory(organization=school, user=teacher_user, role="staff")
    PersonFactory(organization=school, user=teacher_user, full_name="Malika Tursunova")
    program = ProgramFactory(lead_organization=institute, title="Project-based learning in STEM", start_date=today,
                             end_date=today, capacity=10, requires_post_assessment=True, pass_score=60,
                             min_attendance_percent=80)
    SessionFactory(program=program, date=today, start_time=datetime.time(9), end_time=datetime.time(13),
                   topic="Designing a project")
    program_url = f"{live_server.url}/c/{cluster.slug}/programs/{program.pk}/"

    # The school's admin enrols the teacher from the programme page.
    sign_in(page, live_server, "rustam")
    page.goto(program_url)
    page.get_by_role("heading", name="Project-based learning in STEM").wait_for()
    assert fits_the_screen(page)
    page.get_by_role("combobox", name="Person").select_option(label="Malika Tursunova · School No. 12 of Andijan")
    page.get_by_role("button", name="Enrol", exact=True).click()
    page.get_by_text("Malika Tursunova has a place in the programme.").wait_for()
    assert Enrollment.objects.for_cluster(cluster).get().status == "confirmed"

    # The lead organization's admin starts the programme, keeps the sheet and completes it.
    sign_in(page, live_server, "kamola")
    page.goto(program_url)
    page.get_by_role("button", name="Start the programme").click()
    page.get_by_text("The programme is now running.").wait_for()
    page.get_by_role("link", name="Attendance sheet").click()
    page.get_by_role("heading", name="Attendance sheet: Project-based learning in STEM").wait_for()
    assert fits_the_screen(page)  # the wide table scrolls inside its wrapper
    page.get_by_label("Present: Malika Tursunova").check()
    page.get_by_label("Pre-assessment score: Malika Tursunova").fill("45")
    page.get_by_label("Post-assessment score: Malika Tursunova").fill("82")
    page.get_by_role("button", name="Save the whole sheet").click()
    page.get_by_text("The attendance sheet was saved.").wait_for()
    assert page.get_by_label("Present: Malika Tursunova").is_checked()
    page.get_by_role("link", name="Complete the programme and issue certificates…").click()
    page.get_by_role("button", name="Complete the programme").click()
    page.get_by_text("The programme is now completed.").wait_for()
    enrollment = Enrollment.objects.for_cluster(cluster).get()
    assert enrollment.status == "completed" and enrollment.certificate_code

    # The teacher downloads her certificate from "My programmes".
    sign_in(page, live_server, "malika")
    page.goto(f"{live_server.url}/c/{cluster.slug}/programs/mine/")
    page.get_by_role("heading", name="My programmes").wait_for()
    assert fits_the_screen(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Certificate Project-based learning in STEM").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # Anyone checks it on the public page, without signing in.
    page.context.clear_cookies()
    code = enrollment.certificate_code
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("Certificate code").fill(f"{code[:4]}-{code[4:8]}-{code[8:]}".lower())
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="This certificate is valid").wait_for()
    assert "Malika Tursunova" in page.content() and "Andijan Regional IRO" in page.content()
    assert fits_the_screen(page)
    assert script_errors == []
