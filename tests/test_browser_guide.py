"""The user guide's screenshots (templates/guide/, cluster_platform/static/guide/<language>/): a
small cluster made with the factories, its organizations and innovations named in each language,
each role signed in, each page the guide describes shot at 1280x800 in each interface language
(settings.LANGUAGES), as a reader whose browser asks for that language sees it.

The screenshots are always taken into a temporary directory and checked (a PNG of the viewport's
size, the page in that language). Only with GUIDE_SCREENSHOTS=write (`make guide-screenshots`) are
they also written, scaled to 960x600 with a 256-colour palette (under 150 KB each), into
cluster_platform/static/guide/<language>/, so a plain test run never changes the checkout.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from cluster_platform.names import localized
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
from tests.browser import MARKS, booking_of, browser_page, expert_of, queued_quarter_report

pytestmark = MARKS

VIEWPORT = {"width": 1280, "height": 800}
STORED = (960, 600)  # the size of the committed images: templates/guide/figure.html says so too
GUIDE_DIR = Path(settings.BASE_DIR) / "cluster_platform" / "static" / "guide"
WRITE = os.environ.get("GUIDE_SCREENSHOTS") == "write"
PNG = b"\x89PNG\r\n\x1a\n"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# The browser's locale for each: its Accept-Language, which LocaleMiddleware maps to the language.
BROWSER_LOCALES = {"en": "en-US", "ru": "ru-RU", "uz": "uz-UZ", "uz-cyrl": "uz-Cyrl"}


@pytest.fixture
def cluster_world(transactional_db):
    """A Tashkent-like cluster: a university with a laboratory, a school with its admin and a
    teacher, two applications, innovations in several stages, an expert's review, reports."""
    cluster = ClusterFactory(slug="tashkent-region", name="Tashkent region pedagogical cluster",
                             region="Tashkent region")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coordinator"), role="coordinator")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="authority"), role="authority")
    university = OrganizationFactory(
        cluster=cluster, kind="pedagogical_university", name="Chirchik State Pedagogical University",
        name_translations={"ru": "Чирчикский государственный педагогический университет",
                           "uz": "Chirchiq davlat pedagogika universiteti"}, district="Chirchik")
    school = OrganizationFactory(
        cluster=cluster, name="General Secondary School No. 12, Chirchik",
        name_translations={"ru": "Общеобразовательная школа № 12, Чирчик",
                           "uz": "Chirchiq shahridagi 12-umumtaʼlim maktabi"}, district="Chirchik")
    almalyk = OrganizationFactory(
        cluster=cluster, name="Almalyk branch of MISIS", kind="university", district="Almalyk",
        name_translations={"ru": "Алмалыкский филиал МИСИС", "uz": "MISIS Olmaliq filiali"})
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
    titles = (
        ("Town problems in mathematics lessons", "Задачи о родном городе на уроках математики",
         "Matematika darslarida shahar haqidagi masalalar"),
        ("Flipped classroom in physics", "Перевёрнутый класс на уроках физики", "Fizika darslarida teskari sinf"),
        ("Peer tutoring in grade 5", "Взаимное обучение в 5 классе", "5-sinfda oʻquvchilarning oʻzaro oʻqitishi"),
        ("Reading circles in primary school", "Читательские кружки в начальной школе",
         "Boshlangʻich sinflarda kitobxonlik toʻgaraklari"),
        ("Robotics after school", "Робототехника после уроков", "Darsdan keyin robototexnika"),
        ("Formative assessment with exit tickets", "Формирующее оценивание с карточками на выходе",
         "Chiqish kartochkalari bilan formativ baholash"),
    )
    innovations = []
    for stage, (title, russian, uzbek) in zip(stages, titles):
        innovation = InnovationFactory(origin_organization=school, title=title, stage=stage,
                                       title_translations={"ru": russian, "uz": uzbek})
        transition_at(innovation, stage, timezone.now())
        innovations.append(add_authors(innovation, teacher))
    expert = expert_of(cluster, university, "expert", "Aziza Rahimova")
    review = ExpertReviewFactory(innovation=innovations[1], expert=expert)
    ExpertReviewFactory(innovation=innovations[2], expert=expert)
    queued_quarter_report(cluster)
    english = [organization.name for organization in (university, school, almalyk)]
    english += [innovation.title for innovation in innovations]
    return {"cluster": cluster, "school": school, "review": review, "english_names": english}


# The text of a page a screenshot can show: of a list (a <select>) only its chosen option.
SHOWN_TEXT = """body => {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const parts = [];
    while (walker.nextNode()) {
        const parent = walker.currentNode.parentElement;
        const option = parent.closest("option");
        if ((option && !option.selected) || parent.closest("script, style, template")) continue;
        parts.push(walker.currentNode.textContent);
    }
    return parts.join(" ").replace(/\\s+/g, " ");
}"""


def heading_pattern(heading: str) -> re.Pattern:
    """The h1 of a page in the active language: `heading` (a msgid) translated, each of its
    %(name)s placeholders matching any text."""
    parts = re.split(r"%\(\w+\)s", gettext(heading))
    return re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$")


def shoot(page, url, heading, path):
    """Open `url`, wait for its h1 `heading` (a text or pattern) and check the page is in the
    active language; save the viewport as `path` (under tmp_path), checked; with
    GUIDE_SCREENSHOTS=write also, scaled, at the same place under the guide's static folder."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    page.get_by_role("heading", name=heading, level=1).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == translation.get_language(), url
    data = page.screenshot(type="png")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    assert data[:8] == PNG
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (VIEWPORT["width"], VIEWPORT["height"])
        if WRITE:
            small = image.convert("RGB").resize(STORED, Image.Resampling.LANCZOS).quantize(colors=256)
            buffer = io.BytesIO()
            small.save(buffer, format="PNG", optimize=True)
            size = len(buffer.getvalue())
            assert size < 150_000, f"{path.parent.name}/{path.name} would be {size} bytes"
            stored = GUIDE_DIR / path.parent.name / path.name
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_bytes(buffer.getvalue())


# Each role of the guide: who signs in, and the pages shot, as (file name, the page's h1: a msgid
# or a function of the fixture's objects giving the text in the active language, a function of
# the fixture's objects giving (URL name, arguments after the cluster's slug)).
SHOTS = {
    "coordinator": ("coordinator", [
        ("roles", "Roles and invitations", lambda world: ("role_list", [])),
        ("applications", "Membership applications", lambda world: ("application_list", [])),
        ("bookings", "Requests to approve", lambda world: ("booking_to_approve", [])),
        ("board", "Pipeline board", lambda world: ("innovation_board", [])),
        ("branding", "Branding", lambda world: ("cluster_branding", [])),
    ]),
    "institution": ("institution", [
        ("organization", lambda world: localized(world["school"]),
         lambda world: ("organization_detail", [world["school"].pk])),
        ("resources", "Resources", lambda world: ("resource_list", [])),
        ("innovation", "Propose an innovation", lambda world: ("innovation_create", [])),
    ]),
    "expert": ("expert", [
        ("queue", "Expert reviews", lambda world: ("review_queue", [])),
        ("review", lambda world: gettext("Review of %(title)s (round %(round)s)") % {
            "title": localized(world["review"].innovation, "title"), "round": world["review"].round},
         lambda world: ("review_form", [world["review"].pk])),
    ]),
    "authority": ("authority", [
        ("dashboard", "Indicators, %(period)s", lambda world: ("report_dashboard", [])),
        ("reports", "Reports", lambda world: ("report_list", [])),
    ]),
}


def signed_in(context, live_server, username):
    """`context` signed in as `username` and nobody else: the session of Django's test client.
    Not the sign-in form: tests.browser.sign_in finds its fields by their English labels, and
    this browser asks for another language."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context.clear_cookies()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_guides_screenshots_in_each_language(live_server, browser, cluster_world, tmp_path, language):
    # The browser of a reader of `language`: its Accept-Language picks the pages' language (no
    # language cookie, no language on the profile), its locale the formats of its own date fields.
    untranslated, script_errors = [], []
    with browser_page(browser, script_errors, timeout=15_000, viewport=VIEWPORT,
                      locale=BROWSER_LOCALES[language]) as page:
        for role, (username, shots) in SHOTS.items():
            signed_in(page.context, live_server, username)
            for name, heading, where in shots:
                url_name, args = where(cluster_world)
                url = reverse(url_name, args=[cluster_world["cluster"].slug, *args])
                with translation.override(language):
                    expected = heading(cluster_world) if callable(heading) else heading_pattern(heading)
                    shoot(page, live_server.url + url, expected, tmp_path / language / f"{role}-{name}.png")
                if language != settings.LANGUAGE_CODE:
                    text = page.locator("body").evaluate(SHOWN_TEXT)
                    untranslated += [f"{role}-{name}: {english}" for english in cluster_world["english_names"]
                                     if english in text]
    assert not untranslated, f"names shown in English, not in the reader's language: {untranslated}"
    assert not script_errors
