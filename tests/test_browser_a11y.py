"""The accessibility audit: axe-core (tests/a11y, from the npm registry) on every main page, in
headless Chromium, at desktop width and at 375 px, each page as the role that uses it.

Each page is loaded, axe.min.js injected and `axe.run` asked for violations; one with impact
"serious" or "critical" fails the test, which lists them all, page by page, with the rule, its
help text and the first elements concerned. `make test` installs axe-core (`npm ci --prefix
tests/a11y`); without it the test fails saying so, it is not skipped.

The context bypasses the Content-Security-Policy: axe is injected as an inline script, which the
policy refuses (as it should for anything the pages do not carry themselves).
"""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from innovations.models import Innovation
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, add_authors, transition_at
from members import services as member_services
from members.tests.factories import (
    ApplicationFactory,
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from programs.tests.factories import EnrollmentFactory, ProgramFactory, SessionFactory
from resources.tests.conftest import next_weekday, with_weekday_hours
from resources.tests.factories import ResourceFactory
from tests.browser import MARKS, PHONE, booking_of, browser_page, expert_of, queued_quarter_report, sign_in

pytestmark = MARKS

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = (("desktop", DESKTOP), ("375 px", PHONE))
SEVERE = ("serious", "critical")
RUN_AXE = r"""async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(node => node.target.join(' ')),
    summary: (v.nodes[0].failureSummary || '').replace(/\s+/g, ' '),
  }));
}"""


@pytest.fixture
def a11y_page(browser):
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed ({AXE} is missing): run `make test`, or "
                    "`npm ci --prefix tests/a11y` (needs Node.js and npm)", pytrace=False)
    with browser_page(browser, viewport=DESKTOP, bypass_csp=True) as page:  # axe is injected: no CSP
        yield page


def audit(page, pages):
    """Load each (name, url) at both widths, run axe and fail listing every serious or critical
    violation."""
    found = []
    for name, url in pages:
        for width, viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            response = page.goto(url)
            assert response is not None and response.ok, f"{name} ({url}) answered {response and response.status}"
            page.add_script_tag(path=str(AXE))
            for violation in page.evaluate(RUN_AXE):
                if violation["impact"] in SEVERE:
                    found.append(f"{name} at {width} ({url}): {violation['id']} [{violation['impact']}] "
                                 f"{violation['help']}; {violation['count']} element(s): "
                                 + " | ".join(violation["targets"]) + f" ({violation['summary']})")
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


def make_cluster(slug):
    """A cluster with a university that owns a laboratory open on weekdays and a school with a
    teacher."""
    cluster = ClusterFactory(slug=slug, name="Namangan pedagogical cluster")
    university = OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Namangan State University")
    school = OrganizationFactory(cluster=cluster, name="School No. 21 of Namangan", district="Chust")
    teacher = PersonFactory(organization=school, full_name="Malika Tursunova")
    lab = with_weekday_hours(ResourceFactory(owner=university, name="Biology laboratory", capacity=25))
    return cluster, university, school, teacher, lab


def innovation_of(school, teacher, stage=Innovation.Stage.PROPOSED):
    innovation = InnovationFactory(origin_organization=school, title="Town problems in mathematics lessons",
                                   stage=stage)
    transition_at(innovation, Innovation.Stage.PROPOSED, timezone.now())
    return add_authors(innovation, teacher)


def urls(cluster, *names):
    """(name, url) of cluster pages: a name alone, or (name, pk) / (name, pk, "?query")."""
    pages = []
    for entry in names:
        name, *args = entry if isinstance(entry, tuple) else (entry,)
        query = args.pop() if args and isinstance(args[-1], str) else ""
        kwargs = {"cluster_slug": cluster.slug}
        if args:
            kwargs["pk"] = args[0]
        pages.append((name + query, reverse(name, kwargs=kwargs) + query))
    return pages


def test_the_coordinators_pages(live_server, a11y_page):
    cluster, university, school, teacher, lab = make_cluster("namangan")
    coordinator = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="bobur"), role="coordinator").user
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"specialisations": "Mathematics"})
    ApplicationFactory(cluster=cluster, organization_name="School No. 44 of Margilan")
    agreement = AgreementFactory(cluster=cluster, title="Teaching practice in Chust", kind="internship")
    AgreementPartyFactory(agreement=agreement, organization=university, role="initiator")
    ObligationFactory(party=AgreementPartyFactory(agreement=agreement, organization=school))
    monday = next_weekday(0)
    booking = booking_of(lab, school, monday)
    program = ProgramFactory(lead_organization=university, title="Project-based learning in STEM")
    SessionFactory(program=program, topic="Designing a project")
    EnrollmentFactory(program=program, person=teacher)
    innovation = innovation_of(school, teacher)
    queued_quarter_report(cluster)

    sign_in(a11y_page, live_server, "bobur")
    audit(a11y_page, [(name, live_server.url + url) for name, url in urls(
        cluster, "dashboard", "organization_list", ("organization_detail", school.pk), ("organization_edit", school.pk),
        "person_list", "application_list", "role_list",
        "agreement_list", ("agreement_detail", agreement.pk), "agreement_create",
        "resource_list", ("resource_detail", lab.pk, f"?view=month&date={monday}"),
        ("resource_detail", lab.pk, f"?view=week&date={monday}"), "booking_to_approve",
        ("booking_detail", booking.pk),
        "program_list", ("program_detail", program.pk),
        "innovation_list", "innovation_board", ("innovation_detail", innovation.pk),
        "report_list", "report_dashboard", "audit_list",
    )] + [("password_change", live_server.url + reverse("password_change"))])


def test_an_institution_admins_pages(live_server, a11y_page):
    cluster, university, school, teacher, lab = make_cluster("andijan")
    OrganizationRoleFactory(organization=school, user=UserFactory(username="rustam"), role="admin")
    booking = booking_of(lab, school, next_weekday(1))
    agreement = AgreementFactory(cluster=cluster, title="Teaching practice in Chust", kind="internship")
    AgreementPartyFactory(agreement=agreement, organization=university, role="initiator")
    AgreementPartyFactory(agreement=agreement, organization=school)
    program = ProgramFactory(lead_organization=university, title="Project-based learning in STEM")

    sign_in(a11y_page, live_server, "rustam")
    audit(a11y_page, [(name, live_server.url + url) for name, url in urls(
        cluster, "dashboard", ("organization_detail", school.pk), ("organization_edit", school.pk),
        ("person_create", school.pk), "agreement_list", ("agreement_detail", agreement.pk),
        "resource_list", ("resource_detail", lab.pk), ("booking_request", lab.pk), "booking_mine",
        ("booking_detail", booking.pk), "program_list", ("program_detail", program.pk),
        "innovation_list", "innovation_create",
    )])


def test_an_experts_and_an_authoritys_pages(live_server, a11y_page):
    cluster, university, school, teacher, lab = make_cluster("fergana")
    expert = expert_of(cluster, university, "aziza", "Aziza Rahimova")
    innovation = innovation_of(school, teacher, stage=Innovation.Stage.IN_REVIEW)
    review = ExpertReviewFactory(innovation=innovation, expert=expert)
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="dilnoza"), role="authority")

    sign_in(a11y_page, live_server, "aziza")
    audit(a11y_page, [(name, live_server.url + url) for name, url in urls(
        cluster, "dashboard", "review_queue", ("review_form", review.pk), ("innovation_detail", innovation.pk),
    )])
    sign_in(a11y_page, live_server, "dilnoza")
    audit(a11y_page, [(name, live_server.url + url) for name, url in urls(
        cluster, "dashboard", "organization_list", "report_list", "report_dashboard",
    )])


def test_the_public_pages(live_server, a11y_page):
    cluster, university, school, teacher, lab = make_cluster("samarkand")
    program = ProgramFactory(lead_organization=university, title="Project-based learning in STEM",
                             start_date=timezone.localdate() - datetime.timedelta(days=30),
                             end_date=timezone.localdate() - datetime.timedelta(days=16), status="completed")
    EnrollmentFactory(program=program, person=teacher, status="completed", certificate_code="ABCDEFGHJKLM",
                      certificate_issued_at=timezone.now())

    audit(a11y_page, [(name, live_server.url + url) for name, url in (
        ("home", reverse("home")),
        ("login", reverse("login")),
        ("password_reset", reverse("password_reset")),
        ("certificate_verify_form", reverse("certificate_verify_form")),
        ("certificate_verify", reverse("certificate_verify", kwargs={"code": "ABCD-EFGH-JKLM"})),
        ("application_apply", reverse("application_apply", kwargs={"cluster_slug": cluster.slug})),
        ("guide", reverse("guide")),
        ("guide_role", reverse("guide_role", kwargs={"role": "coordinator"})),
    )])
