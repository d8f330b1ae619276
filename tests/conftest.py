"""Fixtures of the browser tests (real headless Chromium driven by Playwright)."""

import pytest

from tests.browser import CHROMIUM, PHONE, browser_page


@pytest.fixture(scope="module")
def allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread, so Django would take the
    # test's own ORM calls (factories, assertions) for async code; they are plain sync.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
        # ORM calls made while Playwright runs get a database connection of their own
        # (another context); close it, or the test database cannot be dropped at the end.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def script_errors():
    return []


@pytest.fixture
def page(browser, script_errors):
    with browser_page(browser, script_errors, viewport=PHONE, accept_downloads=True) as page:
        yield page
