"""The public certificate check at /verify/<code>/: no login, the certificate's facts only."""

import pytest
from django.urls import reverse

from members.tests.factories import PersonFactory
from programs.tests.factories import EnrollmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db

CODE = "ABCDEFGHJKMN"


@pytest.fixture
def certificate(cluster, institute, school):
    program = ProgramFactory(lead_organization=institute, title="Inclusive classroom practice", status="completed")
    person = PersonFactory(organization=school, full_name="Dilnoza Karimova", email="dilnoza@example.org",
                           phone="+998 90 123 45 67")
    return EnrollmentFactory(program=program, person=person, status="completed", certificate_code=CODE,
                             hours_attended=36, pre_score=41, post_score=87)


def verify(client, code):
    return client.get(reverse("certificate_verify", args=[code]))


def test_a_valid_code_confirms_the_certificate_without_login(client, certificate):
    response = verify(client, CODE)
    assert response.status_code == 200
    text = response.text
    for fact in ("This certificate is valid", "Dilnoza Karimova", "Inclusive classroom practice", "36",
                 "Tashkent Regional IRO", "Tashkent test cluster", "ABCD-EFGH-JKMN"):
        assert fact in text
    assert '<meta name="robots" content="noindex">' in text and response["X-Robots-Tag"].startswith("noindex")


def test_the_page_shows_nothing_more_than_the_certificate(client, certificate):
    text = verify(client, CODE).text
    for private in ("dilnoza@example.org", "+998", "School No. 1", "87", "41", "Sign in", "/c/tashkent-test/"):
        assert private not in text


@pytest.mark.parametrize("typed", ["abcd-efgh-jkmn", "ABCD EFGH JKMN", "abcdefghjkmn", "ABCD-EFGH-JKMN"])
def test_the_code_is_accepted_as_printed_or_typed(client, certificate, typed):
    response = verify(client, typed)
    assert response.status_code == 200 and "Dilnoza Karimova" in response.text


def test_the_printed_link_without_the_slash_answers_too(client, certificate):
    response = client.get(f"/verify/{CODE}")
    assert response.status_code == 200 and "Dilnoza Karimova" in response.text


def test_an_unknown_code_is_404_and_says_so(client, certificate):
    response = verify(client, "ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert "No certificate has this code" in response.text and "Dilnoza" not in response.text
    assert verify(client, "not a code at all").status_code == 404


def test_a_withdrawn_or_uncompleted_enrolment_has_no_certificate(client, cluster, institute, school):
    program = ProgramFactory(lead_organization=institute)
    EnrollmentFactory(program=program, person=PersonFactory(organization=school), status="confirmed")
    assert verify(client, CODE).status_code == 404


def test_the_form_goes_to_the_codes_page(client, certificate):
    assert client.get(reverse("certificate_verify_form")).status_code == 200
    response = client.get(reverse("certificate_verify_form"), {"code": " abcd-efgh-jkmn "})
    assert response.status_code == 302 and response["Location"] == reverse("certificate_verify", args=[CODE])
    assert client.get(reverse("certificate_verify_form"), {"code": ""}).status_code == 422


def test_checks_are_rate_limited_by_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert verify(client, "ZZZZ-ZZZZ-ZZZZ").status_code == 404
    limited = verify(client, CODE)
    assert limited.status_code == 429 and "Dilnoza" not in limited.text
    # Another address has its own counter.
    assert client.get(reverse("certificate_verify", args=[CODE]), REMOTE_ADDR="10.0.0.9").status_code == 200
