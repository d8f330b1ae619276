"""The reports tasks: rendering one report (`render_report`) and the beat (`reports_beat`, 02:00
Asia/Tashkent on the first day of each quarter, migration 0002; `reports_redispatch`, every
minute, migration 0004: sends again the reports the broker never got, see services).

render_report(report_id), in three steps, each its own transaction:
1. claim (services.report_claim): the row under select_for_update; ready or failed → nothing to
   do (a second delivery, a second call); queued or running → running, attempts + 1. A running
   row is what a worker killed mid-render leaves: acks_late + reject_on_worker_lost give its
   message back to the broker, the redelivered task claims the same row and renders it again.
   There is never a second row: the task only ever writes the row it was given. The claim
   records the message's task id: a second message of the report (sent again by the beat)
   finds it running under another id and does nothing.
2. compute the snapshot (reports.indicators.snapshot) and render the PDF, outside any
   transaction: nothing is held locked while WeasyPrint works.
3. finish (services.report_complete): writes the file, checksum and code only if the row is
   still this attempt's running row.
On an exception the row goes back to queued with the reason kept, and the task retries with
exponential backoff (max_retries); once they are spent the row is failed with a reason people
can read, in the report's language (the traceback goes to the log, not to the row).
Soft and hard time limits bound one render; the worker's max memory per child (settings) bounds
its memory. A message redelivered again and again (a render that kills its worker every time)
stops at MAX_ATTEMPTS claims and fails the report.
"""

from __future__ import annotations

import datetime
import logging
import os
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from cluster_platform import rls
from cluster_platform.jobs import PERIODIC_TASK_OPTIONS, local_day

from . import services
from .models import Report

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
SOFT_TIME_LIMIT = 120
TIME_LIMIT = 180
# Claims of one report, retries and redeliveries together, before it is failed for good.
MAX_ATTEMPTS = 2 * (MAX_RETRIES + 1)
BACKOFF_BASE = 30  # seconds: 30, 60, 120
BACKOFF_MAX = 600


def backoff(retries: int) -> int:
    return min(BACKOFF_BASE * 2 ** retries, BACKOFF_MAX)


def _wait_for_test_hook() -> None:
    """Tests make a render slow: while the file named by settings.REPORTS_RENDER_PAUSE_FILE
    exists, the render waits (within the task's time limits). Unset outside tests."""
    path = getattr(settings, "REPORTS_RENDER_PAUSE_FILE", None)
    while path and os.path.exists(path):
        time.sleep(0.05)


def _reason(exc: BaseException) -> str:
    """Why this attempt failed, in words (the active language is the report's)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("Preparing the report took longer than the limit of %(seconds)d seconds.") % {
            "seconds": SOFT_TIME_LIMIT}
    if isinstance(exc, DatabaseError):
        return _("The database could not be reached while the report was prepared.")
    if isinstance(exc, OSError):
        return _("The report file could not be written.")
    return _("An unexpected error stopped the report from being prepared.")


def _failed_reason(exc: BaseException | None, attempts: int) -> str:
    reason = _reason(exc) if exc is not None else _("The worker preparing the report stopped each time.")
    return _("%(reason)s It was tried %(attempts)d times; request it again later, or ask the platform "
             "administrators if it keeps failing.") % {"reason": reason, "attempts": attempts}


def build(report: Report) -> tuple[dict, bytes]:
    """The snapshot and the PDF of a claimed report: what a task attempt computes."""
    from . import indicators, rendering

    with translation.override(report.language):
        data = indicators.snapshot(report.cluster, report.period_start, report.period_end)
    _wait_for_test_hook()
    pdf = rendering.render_pdf(report, data=data)
    return data, pdf


def render_once(report_id: int) -> Report | None:
    """Claim, build and finish a report in this process, with no retry (the demo data; the task
    adds the retries). Returns the report, or None when there was nothing to do."""
    report = services.report_claim(report_id=report_id)
    if report is None:
        return None
    data, pdf = build(report)
    services.report_complete(report=report, attempt=report.attempts, data=data, pdf=pdf)
    return report


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def render_report(self, report_id: int) -> str:
    """Render one report; see the module docstring. Returns what became of it."""
    with rls.cluster_scope(services.report_cluster_id(report_id)):
        return _render(self, report_id)


def _render(self, report_id: int) -> str:
    report = services.report_claim(report_id=report_id, task_id=self.request.id or "")
    if report is None:
        return "nothing to do"
    attempt = report.attempts
    if attempt > MAX_ATTEMPTS:
        with translation.override(report.language):
            services.report_fail(report=report, attempt=attempt, error=_failed_reason(None, attempt - 1))
        return "failed"
    try:
        data, pdf = build(report)
        stored = services.report_complete(report=report, attempt=attempt, data=data, pdf=pdf)
    except Exception as exc:
        logger.exception("Report %s: attempt %s failed", report_id, attempt)
        with translation.override(report.language):
            if self.request.retries < self.max_retries:
                services.report_requeue(report=report, attempt=attempt, error=_reason(exc))
                raise self.retry(exc=exc, countdown=backoff(self.request.retries))
            services.report_fail(report=report, attempt=attempt, error=_failed_reason(exc, attempt))
        return "failed"
    return "ready" if stored else "superseded"


@shared_task(**PERIODIC_TASK_OPTIONS)
def reports_beat(today: str | None = None) -> list[int]:
    """The scheduled reports due today (the first day of a quarter or year), one per active
    cluster; `today` (ISO date) is for tests and catching up by hand. Returns the new ids."""
    day = local_day(today)
    return [report.pk for report in services.reports_schedule_due(today=day)]


@shared_task(acks_late=True, ignore_result=True)
def reports_redispatch(now: str | None = None) -> list[int]:
    """Send again the reports the task queue never got or lost (services.reports_redispatch);
    `now` (ISO date and time) is for tests. No retries: the next minute's run does the work."""
    moment = datetime.datetime.fromisoformat(now) if now else None
    return services.reports_redispatch(now=moment)
