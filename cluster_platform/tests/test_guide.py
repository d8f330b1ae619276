"""The user guide (cluster_platform.guide, templates/guide/): its pages in every language, its
screenshots (cluster_platform/static/guide/<language>/, taken by tests/test_browser_guide.py)
present in every language and all used, and the layout's link to it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cluster_platform.guide import ROLES, screenshot_language
from members.tests.factories import OrganizationRoleFactory, UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "guide"
SCREENSHOTS = Path(settings.BASE_DIR) / "cluster_platform" / "static" / "guide"
IMAGE = re.compile(r'image="([^"]+)"')
LANGUAGES = ["en", "ru", "uz", "uz-cyrl"]


def referenced_images() -> dict[str, set[str]]:
    """{template name: the screenshots it shows}."""
    return {path.name: set(IMAGE.findall(path.read_text())) for path in TEMPLATES.glob("*.html")}


def test_every_screenshot_the_guide_shows_exists_in_every_language_and_every_one_is_shown():
    shown = set().union(*referenced_images().values())
    assert shown, "the guide shows no screenshot"
    for name, images in referenced_images().items():
        if name.removesuffix(".html") in ROLES:
            assert all(image.startswith(name.removesuffix(".html") + "-") for image in images), name
    # A folder per language, so each reader sees the interface in their own (guide.screenshot_language).
    languages = {code for code, _name in settings.LANGUAGES}
    folders = {path.name for path in SCREENSHOTS.iterdir()}
    assert folders == languages, f"{SCREENSHOTS} holds {sorted(folders)}, not a folder per language"
    for language in sorted(languages):
        folder = SCREENSHOTS / language
        on_disk = {path.name for path in folder.iterdir()}
        assert not shown - on_disk, f"missing in {folder}: {sorted(shown - on_disk)} (make guide-screenshots)"
        assert not on_disk - shown, f"shown by no guide page: {sorted(on_disk - shown)} in {folder}"
        for path in folder.iterdir():
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{language}/{path.name}"
            assert path.stat().st_size < 150_000, f"{language}/{path.name} is {path.stat().st_size} bytes"
    # About 45 KB an image now: a budget for the checkout, well above it but far below 150 KB each.
    total = sum(path.stat().st_size for path in SCREENSHOTS.glob("*/*.png"))
    assert total < 4_000_000, f"the guide's screenshots take {total} bytes"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_guide_answers_in_every_language_without_signing_in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        titles = {role: str(title) for role, title in ROLES.items()}
        index = client.get(reverse("guide"))
        assert index.status_code == 200
        assert index["Content-Language"] == language
        html = index.content.decode()
        for role, title in titles.items():
            assert title in html and f'href="{reverse("guide_role", args=[role])}"' in html
        for role, title in titles.items():
            page = client.get(reverse("guide_role", args=[role]))
            assert page.status_code == 200, role
            html = page.content.decode()
            assert f"<h1>{title}</h1>" in html
            assert html.count("<h2") >= 4 and "<h3" not in html  # headings in order: h1, then h2s
            for image in IMAGE.findall((TEMPLATES / f"{role}.html").read_text()):
                assert f'src="/static/guide/{language}/{image}"' in html
            for tag in re.findall(r'<img [^>]*src="/static/guide/[^>]*>', html):
                assert 'loading="lazy"' in tag and 'width="960"' in tag and 'height="600"' in tag
                assert re.search(r'alt="[^"]{12,}"', tag), tag
    if language != "en":  # the steps are translated, not only the titles
        assert "Invite an organization's administrator" not in client.get(
            reverse("guide_role", args=["coordinator"])).content.decode()


def test_a_language_the_platform_does_not_speak_is_shown_the_english_screenshots():
    with translation.override("de"):
        assert screenshot_language() == settings.LANGUAGE_CODE
    with translation.override("uz-cyrl"):
        assert screenshot_language() == "uz-cyrl"


@pytest.mark.django_db
def test_an_unknown_role_is_not_found(client):
    assert client.get("/guide/teacher/").status_code == 404
    assert client.get("/guide/Coordinator/").status_code == 404


@pytest.mark.django_db
def test_the_layout_links_the_guide_and_a_member_to_their_roles_page(client, cluster, coordinator):
    assert f'href="{reverse("guide")}"' in client.get(reverse("login")).content.decode()
    client.force_login(coordinator)
    html = client.get(reverse("dashboard", args=[cluster.slug])).content.decode()
    assert f'href="{reverse("guide_role", args=["coordinator"])}"' in html
    admin = UserFactory()
    OrganizationRoleFactory(user=admin, role="admin", organization__cluster=cluster)
    client.force_login(admin)
    html = client.get(reverse("dashboard", args=[cluster.slug])).content.decode()
    assert f'href="{reverse("guide_role", args=["institution"])}"' in html
