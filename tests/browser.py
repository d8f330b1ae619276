"""What the browser tests share: where Chromium is, the phone viewport, the marks of a browser
test module, small page helpers and the pieces of a cluster several of them build (a booking, an
expert, a queued report). The fixtures (browser, page, script_errors) are in tests/conftest.py."""

import os
from contextlib import contextmanager

import pytest
from django.utils import timezone

from innovations.tests.factories import ExpertProfileFactory
from members.tests.factories import ClusterRoleFactory, PersonFactory, UserFactory
from reports import periods
from reports.models import Report
from resources.tests.conftest import at
from resources.tests.factories import BookedResourceFactory, BookingFactory, period

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 740}

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.usefixtures("allow_orm_beside_playwright"),
]


@contextmanager
def browser_page(browser, script_errors: list | None = None, *, timeout: int = 10_000, **options):
    """A page in a browser context of its own (`options`: Playwright's new_context arguments),
    its script errors and console errors added to `script_errors`; the context closed after."""
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        page.set_default_timeout(timeout)
        if script_errors is not None:
            page.on("pageerror", lambda error: script_errors.append(str(error)))
            page.on("console", lambda message: message.type == "error" and script_errors.append(message.text))
        yield page
    finally:
        context.close()


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


def booking_of(resource, requester, day, purpose="Grade 10 biology practical"):
    """`requester`'s booking of `resource` on `day`, 10:00 to 12:00."""
    booking = BookingFactory(requester=requester, period=period(at(day, "10:00"), at(day, "12:00")),
                             purpose=purpose)
    BookedResourceFactory(booking=booking, resource=resource)
    return booking


def expert_of(cluster, organization, username, full_name):
    """A user who is an expert of `cluster` in mathematics, a person of `organization`."""
    expert = UserFactory(username=username)
    ClusterRoleFactory(cluster=cluster, user=expert, role="expert")
    PersonFactory(organization=organization, user=expert, full_name=full_name)
    ExpertProfileFactory(cluster=cluster, user=expert, subject_fields=["mathematics"])
    return expert


def queued_quarter_report(cluster):
    """The report of the last quarter that has ended, in English, queued."""
    quarter = periods.last_ended("quarter", timezone.localdate())
    return Report.objects.create(cluster=cluster, kind="quarter", period_start=quarter.start,
                                 period_end=quarter.end, language="en", status=Report.Status.QUEUED)
