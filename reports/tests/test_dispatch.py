"""Handing reports to the task queue, run inline (CELERY_TASK_ALWAYS_EAGER): the beat's
re-dispatch sends again what the broker never got or lost, and nothing else; a second message of
a report another message is rendering does nothing; the beat's schedule. The broker really down
(a private Redis stopped) is tests/test_faults.py."""

import datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cluster_platform.celery import app
from reports import services, tasks
from reports.models import Report

pytestmark = pytest.mark.django_db

D = datetime.date
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _row(cluster, quarter: int, *, age: datetime.timedelta, **fields) -> Report:
    """A report of 2025-Q<quarter> made `age` ago, with the other fields as given."""
    start = D(2025, 3 * quarter - 2, 1)
    end = (D(2025, 3 * quarter + 1, 1) if quarter < 4 else D(2026, 1, 1)) - datetime.timedelta(days=1)
    report = Report.objects.create(cluster=cluster, kind="quarter", period_start=start, period_end=end,
                                   language="en", status=fields.pop("status", Report.Status.QUEUED))
    Report.objects.for_cluster(cluster).filter(pk=report.pk).update(created_at=timezone.now() - age, **fields)
    return report


def _status(report: Report) -> tuple[str, int]:
    report.refresh_from_db()
    return report.status, report.attempts


def test_a_report_the_broker_never_got_is_sent_again_after_the_grace_and_rendered(cluster, coordinator):
    # No transaction is committed here, so the request's own publish never ran: as if refused.
    report = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q4")
    report.refresh_from_db()
    assert report.waiting_for_queue and report.dispatched_at is None

    assert services.reports_redispatch() == []  # within the grace its request may still be publishing
    assert _status(report) == ("queued", 0)

    later = timezone.now() + services.DISPATCH_GRACE + MINUTE
    assert tasks.reports_redispatch.delay(later.isoformat()).get() == [report.pk]
    assert _status(report) == ("ready", 1)
    assert report.dispatched_at is not None and not report.waiting_for_queue
    # A second run finds nothing more to send.
    assert services.reports_redispatch(now=later + MINUTE) == []
    assert _status(report) == ("ready", 1)


def test_only_reports_never_sent_lost_or_abandoned_are_sent_again(cluster, other_cluster):
    now = timezone.now()
    stale = services.STALE_AFTER + MINUTE
    never_sent = _row(cluster, 1, age=2 * MINUTE)
    lost = _row(cluster, 2, age=stale, dispatched_at=now - stale)
    abandoned = _row(other_cluster, 3, age=stale, status="running", attempts=1, dispatched_at=now - stale,
                     started_at=now - stale)
    leave = [
        _row(cluster, 3, age=10 * MINUTE, dispatched_at=now - 10 * MINUTE),  # waiting its turn in the queue
        _row(cluster, 4, age=10 * MINUTE, dispatched_at=now - 10 * MINUTE, error="Timed out",
             started_at=now - 5 * MINUTE),  # waiting for its retry's countdown
        _row(other_cluster, 1, age=stale, status="running", attempts=1, dispatched_at=now - stale,
             started_at=now - 2 * MINUTE),  # being rendered
        _row(other_cluster, 2, age=stale, status="failed", attempts=4, dispatched_at=now - stale,
             started_at=now - stale, error="No luck"),
    ]
    before = [_status(report) for report in leave]

    sent = services.reports_redispatch(now=now)

    assert sorted(sent) == sorted([never_sent.pk, lost.pk, abandoned.pk])
    assert _status(never_sent) == ("ready", 1)
    assert _status(lost) == ("ready", 1)
    assert _status(abandoned) == ("ready", 2)
    assert [_status(report) for report in leave] == before


def test_a_second_message_leaves_a_report_another_message_is_rendering(cluster, coordinator, media):
    report = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q4")
    services.report_claim(report_id=report.pk, task_id="first-message")
    assert _status(report) == ("running", 1)

    # The beat sent it again; the first message, thought refused, is being rendered all the same.
    assert tasks.render_report.apply(args=[report.pk], task_id="second-message").get() == "nothing to do"
    assert _status(report) == ("running", 1)
    assert list(media.rglob("*.pdf")) == []

    # The first message redelivered (its worker was killed) takes the row back and renders it.
    assert tasks.render_report.apply(args=[report.pk], task_id="first-message").get() == "ready"
    assert _status(report) == ("ready", 2)
    assert len(list(media.rglob("*.pdf"))) == 1
    assert tasks.render_report.apply(args=[report.pk], task_id="second-message").get() == "nothing to do"


def test_a_report_left_running_longer_than_any_render_is_taken_over_by_another_message(cluster):
    report = _row(cluster, 4, age=services.STALE_AFTER + MINUTE, status="running", attempts=1,
                  task_id="lost-message", started_at=timezone.now() - services.STALE_AFTER - MINUTE)
    assert tasks.render_report.apply(args=[report.pk], task_id="sent-again").get() == "ready"
    assert _status(report) == ("ready", 2)


def test_a_retried_report_is_sent_anew(cluster, coordinator):
    report = _row(cluster, 4, age=services.STALE_AFTER, status="failed", attempts=4, error="No luck",
                  dispatched_at=timezone.now() - services.STALE_AFTER)
    services.report_retry(cluster=cluster, actor=coordinator, report_id=report.pk)
    report.refresh_from_db()
    # Not committed here: the publish has not run, and the row says it is not sent yet.
    assert (report.status, report.attempts, report.dispatched_at) == ("queued", 0, None)
    assert report.waiting_for_queue


def test_the_redispatch_runs_every_minute_in_the_beat():
    """The migration's schedule (run again here, as test_tasks does for 0002: a transactional test
    may have emptied the table); running it twice changes nothing."""
    migration = import_module("reports.migrations.0004_redispatch_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    assert PeriodicTask.objects.filter(name="reports-redispatch").count() == 1
    task = PeriodicTask.objects.get(name="reports-redispatch")
    assert task.task == "reports.tasks.reports_redispatch" and task.task in app.tasks
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)
    assert task.expire_seconds == 60
    assert tasks.reports_redispatch.acks_late is True
