"""Security of the public surface: sign-in lockouts (django-axes) that an attacker cannot turn
against a real user, the Content-Security-Policy with a nonce per response, the production
cookie and HSTS settings, and the per-address rate limits of the public pages."""

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cluster_platform.tests.test_settings import BASE_DIR, _production_env

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # members.tests.factories.UserFactory
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
TOKEN_URL = "/api/v1/auth/token/"


def sign_in(client, password, address, username="coord"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, address, username="coord"):
    """Wrong passwords up to the limit; the last one is the one that locks."""
    responses = [sign_in(client, "wrong", address, username) for _ in range(django_settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses[:-1]] == [200] * (django_settings.AXES_FAILURE_LIMIT - 1)
    return responses[-1]


def signed_in(client, cluster) -> bool:
    return client.get(reverse("dashboard", args=[cluster.slug])).status_code == 200


# --- Brute force on the sign-in page --------------------------------------------------------------


def test_the_defaults_lock_after_five_failures_for_fifteen_minutes():
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "cluster_platform.auth_backends.DemoAwareModelBackend" in django_settings.AUTHENTICATION_BACKENDS
    assert "guardian.backends.ObjectPermissionBackend" in django_settings.AUTHENTICATION_BACKENDS


def test_failures_lock_that_username_from_that_address(client, cluster, coordinator):
    locked = fail_until_locked(client, ATTACKER)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    text = locked.content.decode()
    assert "Signing in is paused" in text and "try again in 15 minutes" in text
    assert reverse("password_reset") in text
    # Even the right password is refused from there now, and nothing is signed in.
    again = sign_in(client, PASSWORD, ATTACKER)
    assert again.status_code == 429
    assert not signed_in(client, cluster)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("coord", ATTACKER)
    assert "wrong" not in attempt.post_data and PASSWORD not in attempt.post_data


def test_the_right_password_from_another_address_still_works(client, cluster, coordinator):
    assert fail_until_locked(Client(), ATTACKER).status_code == 429
    response = sign_in(client, PASSWORD, OWNER)
    assert response.status_code == 302
    assert signed_in(client, cluster)


def test_another_username_from_the_locked_address_is_not_locked(client, cluster, coordinator, authority):
    assert fail_until_locked(client, ATTACKER).status_code == 429
    assert sign_in(client, PASSWORD, ATTACKER, username="auth").status_code == 302


def test_a_successful_sign_in_clears_the_failures(client, cluster, coordinator):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong", OWNER).status_code == 200
    assert sign_in(client, PASSWORD, OWNER).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.post(reverse("logout"))
    # The count starts again: as many failures as before do not lock.
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong", OWNER).status_code == 200
    assert sign_in(client, PASSWORD, OWNER).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, cluster, coordinator):
    assert fail_until_locked(client, OWNER).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, PASSWORD, OWNER).status_code == 302


def test_a_password_reset_lifts_the_lockout(client, cluster, coordinator):
    assert fail_until_locked(client, OWNER).status_code == 429
    uid = urlsafe_base64_encode(force_bytes(coordinator.pk))
    token = default_token_generator.make_token(coordinator)
    form_page = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "fresh-pass-phrase-7",
                                                         "new_password2": "fresh-pass-phrase-7"})
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="coord").exists()
    assert sign_in(client, "fresh-pass-phrase-7", OWNER).status_code == 302


def test_behind_a_proxy_each_visitor_is_counted_at_their_own_address(client, cluster, coordinator, settings):
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.5"
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "coord", "password": "wrong"},
                    REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    owner = Client()
    response = owner.post(reverse("login"), {"username": "coord", "password": PASSWORD},
                          REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OWNER)
    assert response.status_code == 302


def test_the_admin_sign_in_is_guarded_too(client, db):
    from members.tests.factories import UserFactory

    UserFactory(username="root", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    codes = [client.post(url, {"username": "root", "password": "wrong"}, REMOTE_ADDR=ATTACKER).status_code
             for _ in range(django_settings.AXES_FAILURE_LIMIT)]
    assert codes[-1] == 429
    assert client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR=ATTACKER).status_code == 429
    assert client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR=OWNER).status_code == 302


# --- Brute force on the API token endpoint ----------------------------------------------------------


def token_request(client, password, address):
    return client.post(TOKEN_URL, {"username": "coord", "password": password}, format="json", REMOTE_ADDR=address)


def test_api_token_failures_lock_with_a_429_json_answer(coordinator):
    client = APIClient()
    codes = [token_request(client, "wrong", ATTACKER).status_code for _ in range(django_settings.AXES_FAILURE_LIMIT)]
    assert codes == [400] * (django_settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = token_request(client, PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json() == {"detail": "Too many failed sign-ins for this username from your address. "
                                       "Try again in 15 minutes."}
    assert int(locked["Retry-After"]) == 15 * 60
    assert not Token.objects.filter(user=coordinator).exists()


def test_api_token_from_another_address_still_works(coordinator):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        token_request(APIClient(), "wrong", ATTACKER)
    response = token_request(APIClient(), PASSWORD, OWNER)
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=coordinator).key


def test_api_token_success_clears_the_failures(coordinator):
    client = APIClient()
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert token_request(client, "wrong", OWNER).status_code == 400
    assert token_request(client, PASSWORD, OWNER).status_code == 200
    assert not AccessAttempt.objects.exists()
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert token_request(client, "wrong", OWNER).status_code == 400
    assert token_request(client, PASSWORD, OWNER).status_code == 200


def test_the_lockout_answer_is_json_for_any_api_path_the_middleware_handles():
    from django.test import RequestFactory

    from cluster_platform.lockout import lockout_response

    response = lockout_response(RequestFactory().post("/api/v1/anything/"))
    assert response.status_code == 429 and response["Retry-After"] == str(15 * 60)
    assert json.loads(response.content)["detail"].startswith("Too many failed sign-ins")


def test_browser_and_api_failures_count_together(client, coordinator):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong", ATTACKER)
    assert token_request(APIClient(), "wrong", ATTACKER).status_code == 429
    assert sign_in(client, PASSWORD, ATTACKER).status_code == 429


# --- Content-Security-Policy ------------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def nonce_of(response) -> str:
    (nonce,) = [value for value in policy(response)["script-src"] if value.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


def tags(html: str, name: str) -> list[str]:
    return re.findall(rf"<{name}\b[^>]*>", html, flags=re.IGNORECASE)


def test_the_policy_is_strict():
    response = Client().get(reverse("login"))
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'" and len(directives["script-src"]) == 2
    assert directives["style-src"][0] == "'self'" and len(directives["style-src"]) == 2
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "style-src-attr" not in header


@pytest.fixture
def main_pages(cluster, coordinator, school):
    """(client, url) of the main pages, signed out and as the coordinator."""
    anonymous, signed = Client(), Client()
    signed.force_login(coordinator)
    pages = [(anonymous, reverse("login")), (anonymous, reverse("password_reset")),
             (anonymous, reverse("application_apply", args=[cluster.slug])), (signed, reverse("home"))]
    for name in ("dashboard", "organization_list", "person_list", "application_list", "agreement_list",
                 "resource_list", "program_list", "report_list"):
        pages.append((signed, reverse(name, args=[cluster.slug])))
    pages.append((signed, reverse("organization_detail", args=[cluster.slug, school.pk])))
    return pages


def test_every_main_page_carries_a_fresh_nonce_on_each_script(main_pages):
    for client, url in main_pages:
        first, second = client.get(url, follow=True), client.get(url, follow=True)
        assert first.status_code == 200, url
        html = first.content.decode()
        nonce = nonce_of(first)
        assert len(nonce) >= 22 and nonce != nonce_of(second), url
        scripts = tags(html, "script")
        assert scripts, url
        for tag in scripts + tags(html, "style"):
            assert f'nonce="{nonce}"' in tag, (url, tag)
        # Nothing the policy would refuse: no event-handler or style attributes, no javascript: links.
        assert not re.search(r"<[^>]+\s(on[a-z]+|style)\s*=", html, flags=re.IGNORECASE), url
        assert "javascript:" not in html, url


def test_the_api_docs_page_runs_under_the_policy_with_the_nonce(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    nonce = nonce_of(response)
    scripts, styles = tags(html, "script"), tags(html, "style")
    assert len(scripts) == 3 and len(styles) == 1
    for tag in scripts + styles:
        assert f'nonce="{nonce}"' in tag, tag
    assert "unsafe" not in response["Content-Security-Policy"]


def test_the_lockout_and_rate_limit_pages_have_the_policy_too(client, cluster, coordinator, settings):
    locked = fail_until_locked(client, ATTACKER)
    assert f'nonce="{nonce_of(locked)}"' in locked.content.decode()
    settings.APPLICATION_PAGE_RATE_LIMIT = "1/m"
    url = reverse("application_apply", args=[cluster.slug])
    client.get(url)
    limited = client.get(url)
    assert limited.status_code == 429 and "Content-Security-Policy" in limited


# --- Production settings ------------------------------------------------------------------------------

_PRINT_SECURITY_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
names = ["DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS", "AXES_ENABLED",
         "AXES_FAILURE_LIMIT", "MIDDLEWARE"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def test_production_settings_keep_cookies_secure_and_send_hsts():
    result = subprocess.run(
        [sys.executable, "-c", _PRINT_SECURITY_SETTINGS], cwd=BASE_DIR, capture_output=True, text=True,
        timeout=180, env=_production_env(),
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
                 "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                 "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "AXES_ENABLED"):
        assert values[name] is True, name
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["AXES_FAILURE_LIMIT"] == 5
    middleware = values["MIDDLEWARE"]
    assert "csp.middleware.CSPMiddleware" in middleware
    assert middleware[-1] == "axes.middleware.AxesMiddleware"


def test_production_limits_come_from_the_environment():
    script = ("import django; django.setup(); from django.conf import settings; "
              "print(settings.AXES_FAILURE_LIMIT, int(settings.AXES_COOLOFF_TIME.total_seconds()))")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
        env=_production_env(AXES_FAILURE_LIMIT="8", AXES_COOLOFF_MINUTES="30"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "8 1800"


# --- Rate limits of the public pages --------------------------------------------------------------------


def test_opening_the_application_form_is_limited_per_address(client, cluster, settings):
    settings.APPLICATION_PAGE_RATE_LIMIT = "3/m"
    url = reverse("application_apply", args=[cluster.slug])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert "Too many pages were opened from your network" in limited.content.decode()
    assert limited["Retry-After"] == "60"
    # Checked before the cluster is looked up: an unknown address answers the same.
    assert client.get(reverse("application_apply", args=["no-such-cluster"])).status_code == 429
    # Another address has a counter of its own.
    assert client.get(url, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_sending_applications_is_limited_per_address(client, cluster, settings):
    settings.APPLICATION_RATE_LIMIT = 1
    url = reverse("application_apply", args=[cluster.slug])
    application = {"organization_name": "Lyceum No. 3", "kind": "college", "district": "Bektemir",
                   "contact_name": "Malika Yusupova", "contact_email": "malika@lyceum3.example.org"}
    assert client.post(url, {**application, "tax_id": "600000001"}).status_code == 200
    limited = client.post(url, {**application, "tax_id": "600000002"})
    assert limited.status_code == 429
    assert "Too many applications were sent from your network" in limited.content.decode()
    assert limited["Retry-After"] == "3600"


def test_the_verification_form_is_limited_per_address(client, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = "2/m"
    url = reverse("certificate_verify_form")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and "Too many checks" in limited.content.decode()
    # The code pages (GET, HEAD and the PDF upload's POST) share the same counter.
    code_page = reverse("certificate_verify", args=["ABCD-EFGH-JKMN"])
    assert client.get(code_page).status_code == 429
    assert client.head(code_page).status_code == 429
    assert client.post(code_page, {}).status_code == 429


def test_head_requests_count_against_the_verification_limit(client, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = "2/m"
    code_page = reverse("certificate_verify", args=["ABCD-EFGH-JKMN"])
    assert [client.head(code_page).status_code for _ in range(2)] == [404, 404]
    assert client.get(code_page).status_code == 429
