"""The rendering task and the beat, run inline (CELERY_TASK_ALWAYS_EAGER): a ready report with its
file, checksum and code; idempotent when called again; a row left running is rendered again,
never doubled; retries with backoff, then a failure with a reason people can read; the time
limits and acknowledgement options; the schedule in django-celery-beat."""

import datetime
import hashlib
from importlib import import_module

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_celery_beat.models import PeriodicTask

from programs.selectors import CODE_ALPHABET, CODE_LENGTH
from programs.tests.factories import EnrollmentFactory
from reports import rendering, services, tasks
from reports.models import Report

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_retries():
    """Inline tasks retry inline: with task_eager_propagates (the test settings) a retry would be
    raised to the caller instead of run, as a worker runs it."""
    from cluster_platform.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def _queued(cluster, coordinator, period="2025-Q4", **extra):
    """A queued report (the on-commit task not run: the test runs it)."""
    return services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period=period, **extra)


def _stored_files(media):
    return sorted(path.name for path in media.rglob("*.pdf")) if media.exists() else []


def test_it_renders_a_queued_report_into_a_frozen_ready_one(cluster, coordinator):
    report = _queued(cluster, coordinator)
    assert tasks.render_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    assert (report.status, report.attempts, report.error) == ("ready", 1, "")
    assert report.started_at <= report.finished_at
    with report.pdf.open("rb") as handle:
        body = handle.read()
    assert body.startswith(b"%PDF")
    assert report.size == len(body)
    assert report.sha256 == hashlib.sha256(body).hexdigest()
    assert len(report.verification_code) == CODE_LENGTH and set(report.verification_code) <= set(CODE_ALPHABET)
    # The storage path names the cluster and a uuid beside the period and version.
    assert report.pdf.name.startswith(f"reports/{cluster.pk}/2025-Q4-quarter-v1-")
    assert report.data["current"]["period"]["code"] == "2025-Q4"
    assert report.data["previous"]["period"]["code"] == "2025-Q3"
    assert set(report.data) == {"current", "previous", "change"}


def test_called_twice_it_renders_once(cluster, coordinator, media):
    report = _queued(cluster, coordinator)
    assert tasks.render_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    before = (report.pdf.name, report.sha256, report.attempts, report.finished_at)
    assert tasks.render_report.delay(report.pk).get() == "nothing to do"
    report.refresh_from_db()
    assert (report.pdf.name, report.sha256, report.attempts, report.finished_at) == before
    assert len(_stored_files(media)) == 1
    assert Report.objects.for_cluster(cluster).count() == 1


def test_a_row_left_running_by_a_killed_worker_is_rendered_again_on_redelivery(cluster, coordinator, media):
    report = _queued(cluster, coordinator)
    # The first delivery claimed the row, then its worker died: the row stays running.
    services.report_claim(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("running", 1)
    # The broker redelivers the unacknowledged message.
    assert tasks.render_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("ready", 2)
    assert Report.objects.for_cluster(cluster).count() == 1
    assert len(_stored_files(media)) == 1


def test_a_superseded_attempt_writes_nothing(cluster, coordinator, media):
    """A copy that finishes after another attempt took the row over (or finished it) stores no
    file and changes nothing."""
    report = _queued(cluster, coordinator)
    stale = services.report_claim(report_id=report.pk)
    services.report_claim(report_id=report.pk)  # the redelivered copy: attempt 2
    assert services.report_complete(report=stale, attempt=1, data={"x": 1}, pdf=b"%PDF-stale") is False
    report.refresh_from_db()
    assert (report.status, report.attempts, report.sha256, report.pdf.name) == ("running", 2, "", "")
    assert _stored_files(media) == []


def test_an_unknown_report_id_is_nothing_to_do(db):
    assert tasks.render_report.delay(987654321).get() == "nothing to do"


def test_it_retries_with_backoff_then_fails_with_a_readable_reason(cluster, coordinator, monkeypatch, eager_retries,
                                                                   media):
    seen = []

    def broken(report, data=None):
        row = Report.objects.for_cluster(cluster).get(pk=report.pk)
        seen.append((row.status, row.attempts, row.error))
        raise RuntimeError("internal detail that stays in the log")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    report = _queued(cluster, coordinator, language="en")
    assert tasks.render_report.delay(report.pk).get() == "failed"
    report.refresh_from_db()
    reason = "An unexpected error stopped the report from being prepared."
    # Four attempts: the first and three retries; from the second on, the row keeps the last error.
    assert seen == [("running", 1, ""), ("running", 2, reason), ("running", 3, reason), ("running", 4, reason)]
    assert (report.status, report.attempts) == ("failed", 4)
    assert report.error.startswith(reason)
    assert "tried 4 times" in report.error
    assert "Traceback" not in report.error and "internal detail" not in report.error
    assert report.finished_at is not None and not report.pdf and report.sha256 == ""
    assert _stored_files(media) == []
    assert [tasks.backoff(n) for n in range(4)] == [30, 60, 120, 240]


def test_a_transient_failure_is_retried_into_a_ready_report(cluster, coordinator, monkeypatch, eager_retries):
    real = rendering.render_pdf
    calls = []

    def once_broken(report, data=None):
        calls.append(report.attempts)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(report, data=data)

    monkeypatch.setattr(rendering, "render_pdf", once_broken)
    report = _queued(cluster, coordinator)
    assert tasks.render_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    assert calls == [1, 2]
    assert (report.status, report.attempts, report.error) == ("ready", 2, "")


def test_the_failure_reason_names_the_time_limit(cluster, coordinator, monkeypatch, eager_retries):
    def slow(report, data=None):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(rendering, "render_pdf", slow)
    report = _queued(cluster, coordinator, language="en")
    tasks.render_report.delay(report.pk).get()
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error.startswith("Preparing the report took longer than the limit of 120 seconds.")


def test_a_message_redelivered_too_often_fails_the_report(cluster, coordinator):
    report = _queued(cluster, coordinator, language="en")
    Report.objects.for_cluster(cluster).filter(pk=report.pk).update(status="running", attempts=tasks.MAX_ATTEMPTS)
    assert tasks.render_report.delay(report.pk).get() == "failed"
    report.refresh_from_db()
    assert report.status == "failed"
    assert "stopped each time" in report.error


def test_the_task_acknowledges_late_and_runs_under_time_limits():
    task = tasks.render_report
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.max_retries == 3
    assert (task.soft_time_limit, task.time_limit) == (120, 180)
    assert task.soft_time_limit < task.time_limit


def test_the_verification_code_never_repeats_a_certificates(cluster, coordinator):
    enrollment = EnrollmentFactory(program__cluster=cluster, status="completed",
                                   certificate_code="ABCDEFGHJKLM")
    assert enrollment.certificate_code == "ABCDEFGHJKLM"
    report = Report.objects.create(cluster=cluster, kind="quarter", period_start=D(2025, 10, 1),
                                   period_end=D(2025, 12, 31), language="en", verification_code="ABCDEFGHJKLM")
    tasks.render_report.delay(report.pk).get()
    report.refresh_from_db()
    assert report.status == "ready"
    assert report.verification_code != "ABCDEFGHJKLM"
    assert len(report.verification_code) == CODE_LENGTH


def test_the_storage_never_overwrites_another_version(cluster, coordinator):
    report = _queued(cluster, coordinator)
    claimed = services.report_claim(report_id=report.pk)
    first = services.pdf_storage_name(claimed)
    second = services.pdf_storage_name(claimed)
    assert first != second and first.startswith(f"reports/{cluster.pk}/")
    default_storage.save(first, ContentFile(b"%PDF-other"))
    # Even a name already taken is never overwritten: the storage picks another.
    assert default_storage.save(first, ContentFile(b"%PDF-new")) != first
    with default_storage.open(first) as handle:
        assert handle.read() == b"%PDF-other"


def test_the_beat_task_makes_the_due_reports_once(cluster, other_cluster, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ids = tasks.reports_beat.delay("2026-04-01").get()
    assert len(ids) == 2
    assert tasks.reports_beat.delay("2026-04-01").get() == []
    assert tasks.reports_beat.delay("2026-04-02").get() == []
    report = Report.objects.for_cluster(cluster).get()
    assert (report.status, report.trigger, report.period_start) == ("ready", "scheduled", D(2026, 1, 1))


def test_the_beat_schedule_is_in_the_database():
    """The migration's schedule (run again here: a transactional test elsewhere in the session may
    have emptied the table the migration filled); running it twice changes nothing."""
    migration = import_module("reports.migrations.0002_quarterly_report_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    assert PeriodicTask.objects.filter(name="reports-quarterly").count() == 1
    task = PeriodicTask.objects.get(name="reports-quarterly")
    assert task.task == "reports.tasks.reports_beat" and task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "2", "1", "1,4,7,10", "*")
    assert str(crontab.timezone) == "Asia/Tashkent"
