"""The user guide's screenshots (templates/guide/, cluster_platform/static/guide/): a small
cluster made with the factories, each role signed in, each page the guide describes shot at
1280x800 in English.

The screenshots are always taken into a temporary directory and checked (a PNG of the viewport's
size). Only with GUIDE_SCREENSHOTS=write (`make guide-screenshots`) are they also written, scaled
to 960x600 with a 256-colour palette (under 150 KB each), into cluster_platform/static/guide/,
so a plain test run never changes the checkout.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from innovations.models import Innovation
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, add_authors, transition_at
from members.tests.factories import (
    ApplicationFactory,
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from resources.tests.conftest import next_weekday, with_weekday_hours
from resources.tests.factories import ResourceFactory
from tests.browser import MARKS, booking_of, expert_of, queued_quarter_report, sign_in

pytestmark = MARKS

VIEWPORT = {"width": 1280, "height": 800}
STORED = (960, 600)  # the size of the committed images: templates/guide/figure.html says so too
GUIDE_DIR = Path(settings.BASE_DIR) / "cluster_platform" / "static" / "guide"
WRITE = os.environ.get("GUIDE_SCREENSHOTS") == "write"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shot_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def cluster_world(transactional_db):
    """A Tashkent-like cluster: a university with a laboratory, a school with its admin and a
    teacher, two applications, innovations in several stages, an expert's review, reports."""
    cluster = ClusterFactory(slug="tashkent-region", name="Tashkent region pedagogical cluster",
                             region="Tashkent region")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coordinator"), role="coordinator")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="authority"), role="authority")
    university = OrganizationFactory(cluster=cluster, kind="pedagogical_university",
                                     name="Chirchik State Pedagogical University", district="Chirchik")
    school = OrganizationFactory(cluster=cluster, name="General Secondary School No. 12, Chirchik",
                                 district="Chirchik")
    OrganizationFactory(cluster=cluster, name="Almalyk branch of MISIS", kind="university", district="Almalyk")
    admin = UserFactory(username="institution")
    OrganizationRoleFactory(organization=school, user=admin, role="admin")
    PersonFactory(organization=school, user=admin, full_name="Gulnora Saidova", position="Director")
    teacher = PersonFactory(organization=school, full_name="Malika Tursunova", position="Mathematics teacher")
    PersonFactory(organization=school, full_name="Sardor Aliyev", position="Physics teacher")
    lab = with_weekday_hours(ResourceFactory(owner=university, name="Biology laboratory", capacity=25))
    with_weekday_hours(ResourceFactory(owner=university, name="Assembly hall", capacity=300))
    with_weekday_hours(ResourceFactory(owner=school, name="Robotics classroom", capacity=20))
    booking_of(lab, school, next_weekday(0))
    booking_of(lab, school, next_weekday(2), purpose="Olympiad preparation")
    ApplicationFactory(cluster=cluster, organization_name="School No. 3, Yangiyul", district="Yangiyul")
    ApplicationFactory(cluster=cluster, organization_name="Preschool No. 41, Angren", kind="preschool",
                       district="Angren")
    stages = (Innovation.Stage.PROPOSED, Innovation.Stage.IN_REVIEW, Innovation.Stage.IN_REVIEW,
              Innovation.Stage.APPROVED_FOR_PILOT, Innovation.Stage.PILOTING, Innovation.Stage.IMPLEMENTING)
    titles = ("Town problems in mathematics lessons", "Flipped classroom in physics", "Peer tutoring in grade 5",
              "Reading circles in primary school", "Robotics after school", "Formative assessment with exit tickets")
    innovations = []
    for stage, title in zip(stages, titles):
        innovation = InnovationFactory(origin_organization=school, title=title, stage=stage)
        transition_at(innovation, stage, timezone.now())
        innovations.append(add_authors(innovation, teacher))
    expert = expert_of(cluster, university, "expert", "Aziza Rahimova")
    review = ExpertReviewFactory(innovation=innovations[1], expert=expert)
    ExpertReviewFactory(innovation=innovations[2], expert=expert)
    queued_quarter_report(cluster)
    return {"cluster": cluster, "school": school, "review": review}


def shoot(page, url, heading, name, tmp_path):
    """Open `url`, wait for its `heading`, and save the viewport as `name`.png: in tmp_path,
    checked; with GUIDE_SCREENSHOTS=write also, scaled, in the guide's static folder."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    page.get_by_role("heading", name=heading, level=1).wait_for()
    page.wait_for_load_state("networkidle")
    data = page.screenshot(type="png")
    taken = tmp_path / f"{name}.png"
    taken.write_bytes(data)
    assert data[:8] == PNG
    with Image.open(taken) as image:
        assert image.format == "PNG" and image.size == (VIEWPORT["width"], VIEWPORT["height"])
        if WRITE:
            small = image.convert("RGB").resize(STORED, Image.Resampling.LANCZOS).quantize(colors=256)
            buffer = io.BytesIO()
            small.save(buffer, format="PNG", optimize=True)
            assert len(buffer.getvalue()) < 150_000, f"{name}.png would be {len(buffer.getvalue())} bytes"
            GUIDE_DIR.mkdir(exist_ok=True)
            (GUIDE_DIR / f"{name}.png").write_bytes(buffer.getvalue())


# Each role of the guide: who signs in, and the pages shot, as (file name, the page's h1, a
# function of the fixture's objects giving (URL name, arguments after the cluster's slug)).
SHOTS = {
    "coordinator": ("coordinator", [
        ("roles", "Roles and invitations", lambda world: ("role_list", [])),
        ("applications", "Membership applications", lambda world: ("application_list", [])),
        ("bookings", "Requests to approve", lambda world: ("booking_to_approve", [])),
        ("board", "Pipeline board", lambda world: ("innovation_board", [])),
        ("branding", "Branding", lambda world: ("cluster_branding", [])),
    ]),
    "institution": ("institution", [
        ("organization", "General Secondary School No. 12, Chirchik",
         lambda world: ("organization_detail", [world["school"].pk])),
        ("resources", "Resources", lambda world: ("resource_list", [])),
        ("innovation", "Propose an innovation", lambda world: ("innovation_create", [])),
    ]),
    "expert": ("expert", [
        ("queue", "Expert reviews", lambda world: ("review_queue", [])),
        ("review", re.compile(r"^Review of Flipped classroom in physics"),
         lambda world: ("review_form", [world["review"].pk])),
    ]),
    "authority": ("authority", [
        ("dashboard", re.compile(r"^Indicators, "), lambda world: ("report_dashboard", [])),
        ("reports", "Reports", lambda world: ("report_list", [])),
    ]),
}


@pytest.mark.parametrize("role", SHOTS)
def test_the_guides_screenshots_of_each_role(live_server, shot_page, cluster_world, tmp_path, role):
    username, shots = SHOTS[role]
    sign_in(shot_page, live_server, username)
    for name, heading, where in shots:
        url_name, args = where(cluster_world)
        url = reverse(url_name, args=[cluster_world["cluster"].slug, *args])
        shoot(shot_page, live_server.url + url, heading, f"{role}-{name}", tmp_path)
