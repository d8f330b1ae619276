"""The Content-Security-Policy in a real headless Chromium: the browser refuses a script that
lacks the response's nonce (and says so on the console, where the other browser tests'
script_errors would catch any violation of our own pages), Swagger UI still works under it,
and a locked-out sign-in shows its page at phone width."""

from django.conf import settings

from members.tests.factories import ClusterFactory, ClusterRoleFactory, UserFactory
from tests.browser import MARKS, fits_the_screen, sign_in

pytestmark = MARKS

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injectedRan = true";
  document.head.appendChild(script);
  return window.injectedRan === true;
}"""


def test_the_browser_refuses_an_inline_script_without_the_nonce(live_server, page, script_errors):
    page.goto(live_server.url + "/accounts/login/")
    assert page.evaluate(INJECT_INLINE_SCRIPT) is False
    assert any("Content Security Policy" in error for error in script_errors), script_errors


def test_swagger_ui_renders_under_the_policy(live_server, page, script_errors, db):
    page.goto(live_server.url + "/api/v1/docs/")
    page.get_by_text("/api/v1/auth/token/").first.wait_for(state="visible")
    assert script_errors == []


def test_a_locked_out_sign_in_gets_a_clear_page(live_server, page, script_errors):
    cluster = ClusterFactory(slug="tashkent-region")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord"), role="coordinator")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, live_server, "coord", password="not-the-password")
    page.get_by_role("heading", name="Signing in is paused").wait_for(state="visible")
    assert fits_the_screen(page)
    # The browser logs the 429 answer itself as a failed resource; nothing else went wrong.
    assert [error for error in script_errors if "429" not in error] == []
