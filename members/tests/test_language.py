"""The language a user chose, kept on their profile: the service, the language switcher, the
language of the pages after signing in on another device, and the language of certificates."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from members import services
from members.models import Profile
from members.tests.factories import OrganizationFactory, PersonFactory, UserFactory
from programs.certificates import certificate_language, certificate_pdf, certificates_zip
from programs.models import Enrollment
from programs.tests.factories import EnrollmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # UserFactory's
# "Sign out" in the menu of every signed-in page, in each language.
SIGN_OUT = {"en": "Sign out", "ru": "Выйти", "uz": "Chiqish"}
# The certificate's "Hours attended" line, in each language.
HOURS_ATTENDED = {"en": "Hours attended", "ru": "Посещено часов", "uz": "Qatnashilgan soatlar",
                  "uz-cyrl": "Қатнашилган соатлар"}


def dashboard(cluster):
    return reverse("dashboard", kwargs={"cluster_slug": cluster.slug})


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def profile_language(user):
    return Profile.objects.filter(user=user).values_list("language", flat=True).first()


# --- The service --------------------------------------------------------------------------------

def test_language_set_creates_then_updates_the_one_profile(coordinator):
    profile = services.language_set(user=coordinator, language="uz")
    assert (profile.user, profile.language) == (coordinator, "uz")

    again = services.language_set(user=coordinator, language="ru")
    assert again.pk == profile.pk
    assert Profile.objects.filter(user=coordinator).count() == 1
    assert profile_language(coordinator) == "ru"

    services.language_set(user=coordinator, language="")  # blank forgets the choice
    assert profile_language(coordinator) == ""


@pytest.mark.parametrize("code", ["de", "xx", "uz-latn", "RU", "english"])
def test_language_set_refuses_a_language_the_platform_does_not_speak(coordinator, code):
    services.language_set(user=coordinator, language="ru")
    with pytest.raises(ValidationError) as error:
        services.language_set(user=coordinator, language=code)
    assert "language" in error.value.message_dict
    assert profile_language(coordinator) == "ru"


def test_language_set_refuses_a_user_who_is_not_signed_in(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.language_set(user=AnonymousUser(), language="ru")
    assert not Profile.objects.exists()


# --- The language switcher ------------------------------------------------------------------------

def test_switching_while_signed_in_keeps_the_language_on_the_profile(client, coordinator, cluster):
    client.force_login(coordinator)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": dashboard(cluster)})
    assert response.status_code == 302
    assert response["Location"] == dashboard(cluster)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert profile_language(coordinator) == "ru"
    assert SIGN_OUT["ru"] in client.get(dashboard(cluster)).content.decode()

    client.post("/i18n/setlang/", {"language": "uz", "next": dashboard(cluster)})
    assert profile_language(coordinator) == "uz"
    assert Profile.objects.filter(user=coordinator).count() == 1


def test_switcher_keeps_djangos_safe_redirect_and_ignores_unknown_codes(client, coordinator):
    client.force_login(coordinator)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})

    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert profile_language(coordinator) == "ru"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_switcher_by_get_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/i18n/setlang/", {"language": "uz", "next": "/"})
    assert response.status_code == 302
    assert not Profile.objects.exists()
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_anonymous_switch_only_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "uz", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uz"
    assert not Profile.objects.exists()


def test_switcher_refuses_a_post_without_the_csrf_token(coordinator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    assert client.post("/i18n/setlang/", {"language": "uz", "next": "/"}).status_code == 403
    assert not Profile.objects.exists()


# --- Signing in on another device -------------------------------------------------------------------

def test_signing_in_on_a_new_device_serves_the_remembered_language(client, coordinator, cluster):
    services.language_set(user=coordinator, language="uz")
    sign_in(client, coordinator)
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies

    # The browser asks for Russian; the user's own choice wins.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(dashboard(cluster), headers={"accept-language": "ru,en;q=0.5"})
    assert response.status_code == 200
    assert response["Content-Language"] == "uz"
    content = response.content.decode()
    assert SIGN_OUT["uz"] in content and SIGN_OUT["en"] not in content and SIGN_OUT["ru"] not in content
    assert '<html lang="uz">' in content
    # The language came from the session: no request after sign-in reads the profile.
    assert not [q for q in queries.captured_queries if "members_profile" in q["sql"]]


def test_the_language_cookie_of_this_browser_wins(client, coordinator, cluster):
    services.language_set(user=coordinator, language="uz")
    sign_in(client, coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(dashboard(cluster))
    assert response["Content-Language"] == "ru"
    assert SIGN_OUT["ru"] in response.content.decode()


def test_a_user_without_a_choice_gets_the_browsers_language(client, coordinator, cluster):
    sign_in(client, coordinator)
    response = client.get(dashboard(cluster), headers={"accept-language": "ru"})
    assert response["Content-Language"] == "ru"
    assert SIGN_OUT["ru"] in response.content.decode()
    assert not Profile.objects.exists()


def test_after_signing_out_the_remembered_language_is_gone(client, coordinator, cluster):
    services.language_set(user=coordinator, language="uz")
    sign_in(client, coordinator)
    client.post(reverse("logout"))
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "en"
    assert "Forgot your password?" in response.content.decode()


def test_another_user_on_the_same_browser_does_not_inherit_the_language(client, coordinator, org_admin, cluster):
    services.language_set(user=coordinator, language="uz")
    sign_in(client, coordinator)
    client.post(reverse("logout"))
    sign_in(client, org_admin)
    response = client.get(dashboard(cluster))
    assert response["Content-Language"] == "en"


# --- Certificates ------------------------------------------------------------------------------------

@pytest.fixture
def course(cluster):
    cluster.languages = ["ru", "uz", "en"]
    cluster.save(update_fields=["languages"])
    institute = OrganizationFactory(cluster=cluster, kind="iro", name="Tashkent Regional IRO")
    return ProgramFactory(cluster=cluster, lead_organization=institute, title="STEM laboratory methods",
                          status="completed")


def completed(course, *, full_name, user=None, code):
    school = OrganizationFactory(cluster=course.cluster)
    enrollment = EnrollmentFactory(
        program=course, organization=school, status=Enrollment.Status.COMPLETED, hours_attended=12,
        person=PersonFactory(organization=school, full_name=full_name, user=user),
        completed_at=timezone.now(), certificate_code=code, certificate_issued_at=timezone.now(),
    )
    return Enrollment.objects.for_cluster(course.cluster).select_related(
        "person__user__profile", "cluster", "program__lead_organization").get(pk=enrollment.pk)


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("language", ["uz", "uz-cyrl"])
def test_certificate_is_in_the_language_the_persons_user_chose(course, language):
    user = UserFactory(username="dilnoza")
    services.language_set(user=user, language=language)
    enrollment = completed(course, full_name="Dilnoza Rahimova", user=user, code="ABCDEFGHJKLM")

    assert certificate_language(enrollment) == language
    text = pdf_text(certificate_pdf(enrollment))
    assert "Dilnoza Rahimova" in text
    assert HOURS_ATTENDED[language] in text
    assert [other for other, words in HOURS_ATTENDED.items() if words in text] == [language]


def test_certificate_of_a_person_without_a_user_is_in_the_clusters_language(course):
    enrollment = completed(course, full_name="Olga Kim", code="BCDEFGHJKLMN")
    assert certificate_language(enrollment) == "ru"
    text = pdf_text(certificate_pdf(enrollment))
    assert "Olga Kim" in text and HOURS_ATTENDED["ru"] in text


def test_certificate_of_a_user_without_a_choice_is_in_the_clusters_language(course):
    no_profile = completed(course, full_name="Bekzod Tursunov", user=UserFactory(username="bekzod"),
                           code="CDEFGHJKLMNP")
    assert certificate_language(no_profile) == "ru"

    forgot = UserFactory(username="sardor")
    services.language_set(user=forgot, language="")
    blank = completed(course, full_name="Sardor Aliev", user=forgot, code="DEFGHJKLMNPQ")
    assert blank.person.user.profile.language == ""
    assert certificate_language(blank) == "ru"


def test_certificates_zip_uses_each_persons_language_without_a_query_each(course):
    uz_user, en_user = UserFactory(username="uzbek"), UserFactory(username="english")
    services.language_set(user=uz_user, language="uz")
    services.language_set(user=en_user, language="en")
    completed(course, full_name="Aziz Karimov", user=uz_user, code="EFGHJKLMNPQR")

    with CaptureQueriesContext(connection) as one:
        certificates_zip(course)

    completed(course, full_name="Brian Smith", user=en_user, code="FGHJKLMNPQRS")
    completed(course, full_name="Chulpon Ergasheva", code="GHJKLMNPQRST")
    completed(course, full_name="Dmitry Ivanov", user=UserFactory(username="dmitry"), code="HJKLMNPQRSTU")
    with CaptureQueriesContext(connection) as four:
        data = certificates_zip(course)
    assert len(four.captured_queries) == len(one.captured_queries)

    archive = zipfile.ZipFile(io.BytesIO(data))
    languages = {}
    for name in archive.namelist():
        text = pdf_text(archive.read(name))
        languages[name.split("-")[0]] = next(code for code, words in HOURS_ATTENDED.items() if words in text)
    assert languages == {"Aziz": "uz", "Brian": "en", "Chulpon": "ru", "Dmitry": "ru"}
