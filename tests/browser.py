"""What the browser tests share: where Chromium is, the phone viewport, the marks of a browser
test module, and small page helpers. The fixtures (browser, page, script_errors) are in
tests/conftest.py."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 740}

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.usefixtures("allow_orm_beside_playwright"),
]


def fits_the_screen(page) -> bool:
    """No sideways scrolling of the page itself (wide tables scroll inside their wrapper)."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def sign_in(page, live_server, username, password="pass-word-123"):
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
