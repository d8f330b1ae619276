"""The report use cases: request one on demand, retry a failed one, the scheduled ones of the
beat, and the steps of the rendering task (claim, finish, give back for a retry, fail).

Idempotency, in one place:
- At most one report per cluster, kind and period is queued or running (the partial unique
  constraint `report_one_in_progress_per_period`); `report_request` returns that one instead of
  starting another. Every write of a new version first takes a transaction-level advisory lock
  on (cluster, kind, period start), so two requests at once neither pick the same version
  number nor trip the constraint.
- The beat makes one scheduled report per cluster and period whatever the retries or a second
  beat: under the same lock it skips a period that has any report not failed.
- The task claims the row under select_for_update; a ready row is never touched again (frozen),
  and the finish step writes only while the row is still the running row of that attempt.
- Two messages of one report (the beat sent it again while the first message, which the broker
  seemed to refuse, was there after all): the claim records the message's task id; a message
  that finds the row running under another id, started within STALE_AFTER, leaves it (another
  worker is rendering it). A redelivery or a retry of the claiming message keeps its id and
  takes the row back, as above.

The broker down: the report is committed as queued first and published after commit
(cluster_platform.broker: bounded to seconds). A refused publish leaves `dispatched_at` empty and
`report.sent_to_queue` False for the caller to say so; the beat (reports_redispatch, every minute)
sends again what the broker never got or lost.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform import broker, rls
from cluster_platform.services import audit
from members import languages
from members.models import Cluster

from . import periods, permissions
from .models import Report, new_verification_code

__all__ = [
    "report_request",
    "report_retry",
    "reports_schedule_due",
    "report_schedule",
    "reports_redispatch",
    "report_dispatch",
    "report_claim",
    "report_complete",
    "report_requeue",
    "report_fail",
    "report_render_now",
    "report_language",
    "pdf_storage_name",
    "SCHEDULED_KINDS",
]

# What the beat makes: a quarterly report on the first day of each quarter, an annual one on
# 1 January, each about the period just closed.
SCHEDULED_KINDS = (periods.QUARTER, periods.YEAR)
_LANGUAGES = dict(settings.LANGUAGES)

# The beat's re-dispatch (reports_redispatch). A queued report the broker never accepted is sent
# again once DISPATCH_GRACE has passed (its own request gave up publishing within seconds). One
# the broker accepted but that no worker started within STALE_AFTER (the message was lost: a
# broker restarted without its data), or one left running longer (its attempt ended without a
# word: tasks.TIME_LIMIT, the task retries' backoff and the render's soft limit are all shorter),
# is sent again too.
DISPATCH_GRACE = datetime.timedelta(minutes=1)
STALE_AFTER = datetime.timedelta(minutes=15)
REDISPATCH_BATCH = 100


def _enqueue(report: Report) -> None:
    """Publish the report after commit. `report.sent_to_queue` tells the caller how it went: True,
    False (the broker could not be reached: the row stays queued, the beat sends it again), or
    None before the commit."""
    report.sent_to_queue = None

    def send():
        report.sent_to_queue = report_dispatch(report=report)

    transaction.on_commit(send)


def report_dispatch(*, report: Report) -> bool:
    """Hand a committed report to the task queue now and note when; False when the broker could
    not be reached (the row is left as it was, `dispatched_at` empty)."""
    from .tasks import render_report

    if not broker.publish(render_report, report.pk):
        return False
    # After the commit of the request's transaction, whose cluster setting ended with it.
    dispatched_at = timezone.now()
    with rls.cluster_scope(report.cluster_id), audit(None, service="report_dispatch"):
        Report.objects.for_cluster(report.cluster_id).filter(pk=report.pk).update(dispatched_at=dispatched_at)
    report.dispatched_at = dispatched_at
    return True


def _lock_period(cluster_id: int, kind: str, start: datetime.date) -> None:
    """Serialize every write of a new report of one cluster, kind and period (released at the
    end of the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"reports:{cluster_id}:{kind}:{start.isoformat()}"],
        )


def report_language(*, cluster, actor=None, language: str | None = None) -> str:
    """The given language, else the actor's remembered one (members.Profile), else the
    cluster's first language, else the platform's default."""
    if language:
        if language not in _LANGUAGES:
            raise ValidationError({"language": _("Choose one of the platform's languages.")})
        return language
    profile = getattr(actor, "profile", None) if actor is not None else None
    remembered = getattr(profile, "language", "") or ""
    if remembered in _LANGUAGES:
        return remembered
    return languages.cluster_language(cluster) or settings.LANGUAGE_CODE


def _in_progress(cluster, kind: str, start: datetime.date):
    return Report.objects.for_cluster(cluster).defer("data").filter(
        kind=kind, period_start=start, status__in=Report.IN_PROGRESS_STATUSES,
    ).first()


def _next_version(cluster, kind: str, start: datetime.date) -> int:
    latest = Report.objects.for_cluster(cluster).filter(kind=kind, period_start=start).aggregate(v=Max("version"))
    return (latest["v"] or 0) + 1


def _create(cluster, *, period: periods.Period, trigger: str, language: str, actor=None) -> Report:
    return Report.objects.create(
        cluster=cluster, kind=period.kind, period_start=period.start, period_end=period.end,
        version=_next_version(cluster, period.kind, period.start), status=Report.Status.QUEUED,
        trigger=trigger, language=language, requested_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def report_request(*, cluster, actor, kind: str, period: str, language: str | None = None) -> Report:
    """A report of `kind` ("month", "quarter", "year") for `period` (a code like "2026-Q2", or a
    date inside it), on demand. A report of that period already queued or running is returned
    as it is, with `already_in_progress` True; otherwise a new version is queued and rendered
    after commit (`sent_to_queue`: see _enqueue)."""
    permissions.require(actor, cluster, "request")
    chosen = periods.parse_period(kind, period)
    periods.require_started(chosen, timezone.localdate())
    language = report_language(cluster=cluster, actor=actor, language=language)
    _lock_period(cluster.pk, chosen.kind, chosen.start)
    existing = _in_progress(cluster, chosen.kind, chosen.start)
    if existing is not None:
        existing.already_in_progress = True
        return existing
    with audit(actor, service="report_request"):
        report = _create(cluster, period=chosen, trigger=Report.Trigger.ON_DEMAND, language=language, actor=actor)
    _enqueue(report)
    return report


@transaction.atomic
def report_retry(*, cluster, actor, report_id: int) -> Report:
    """Queue a failed report again: the same row, its error kept until it runs; its attempts
    count afresh (they bound one run: tasks.MAX_ATTEMPTS)."""
    report = Report.objects.for_cluster(cluster).select_for_update().get(pk=report_id)
    permissions.require(actor, cluster, "retry", report)
    if report.status != Report.Status.FAILED:
        raise ValidationError({"status": _("Only a report that failed can be retried.")})
    _lock_period(cluster.pk, report.kind, report.period_start)
    if _in_progress(cluster, report.kind, report.period_start) is not None:
        raise ValidationError({"status": _("A report of this period is already being prepared.")})
    with audit(actor, service="report_retry"):
        report.status = Report.Status.QUEUED
        report.attempts = 0
        report.dispatched_at = None
        report.save(update_fields=["status", "attempts", "dispatched_at"])
    _enqueue(report)
    return report


def _due_periods(today: datetime.date) -> list[periods.Period]:
    """The periods the beat reports on today: the quarter just closed on a quarter's first day,
    and the year just closed on 1 January."""
    due = []
    for kind in SCHEDULED_KINDS:
        if periods.period_of(kind, today).start == today:
            due.append(periods.last_ended(kind, today))
    return due


def reports_schedule_due(*, today: datetime.date) -> list[Report]:
    """Platform-level (the beat): the scheduled reports due today, one per active cluster and
    period just closed, queued and rendered after commit. A cluster and period that already
    have a report (queued, running or ready) get none: a second beat, or a retried one, makes
    nothing more. Each cluster is its own transaction."""
    due = _due_periods(today)
    made = []
    if not due:
        return made
    for cluster in rls.active_clusters():
        for period in due:
            report = report_schedule(cluster=cluster, period=period)
            if report is not None:
                made.append(report)
    return made


@transaction.atomic
def report_schedule(*, cluster, period: periods.Period, enqueue: bool = True) -> Report | None:
    """The scheduled report of one cluster and period, queued (and, with `enqueue`, rendered
    after commit), in the cluster's first language; None when the period already has a report
    that has not failed."""
    _lock_period(cluster.pk, period.kind, period.start)
    taken = Report.objects.for_cluster(cluster).filter(kind=period.kind, period_start=period.start).exclude(
        status=Report.Status.FAILED)
    if taken.exists():
        return None
    with audit(None, service="report_schedule"):
        report = _create(cluster, period=period, trigger=Report.Trigger.SCHEDULED,
                         language=report_language(cluster=cluster))
    if enqueue:
        _enqueue(report)
    return report


def _needs_dispatch(now: datetime.datetime) -> Q:
    grace, stale = now - DISPATCH_GRACE, now - STALE_AFTER
    never_sent = Q(dispatched_at__isnull=True, created_at__lt=grace) & (
        Q(started_at__isnull=True) | Q(started_at__lt=grace))
    not_sent_lately = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale)
    lost = Q(dispatched_at__lt=stale) & (Q(started_at__isnull=True) | Q(started_at__lt=stale))
    abandoned = Q(status=Report.Status.RUNNING, started_at__lt=stale) & not_sent_lately
    return (Q(status=Report.Status.QUEUED) & (never_sent | lost)) | abandoned


def reports_redispatch(*, now: datetime.datetime | None = None) -> list[int]:
    """Platform-level (the beat, every minute): send again the reports the task queue never got or
    lost (DISPATCH_GRACE, STALE_AFTER), oldest first. Should an earlier message turn up all the
    same, the claim lets one of the two render it. Stops at the first publish the broker refuses
    (the rest wait for the next run). Returns the ids sent."""
    now = now or timezone.now()
    due = list(Report.objects.unscoped().filter(_needs_dispatch(now)).order_by("created_at", "pk").values_list(
        "pk", "cluster_id")[:REDISPATCH_BATCH])
    sent = []
    for report_id, cluster_id in due:
        with rls.cluster_scope(cluster_id):
            report = _redispatch_take(cluster_id=cluster_id, report_id=report_id, now=now)
            if report is None:
                continue
            if not report_dispatch(report=report):
                with audit(None, service="report_redispatch"):
                    Report.objects.for_cluster(cluster_id).filter(pk=report_id, dispatched_at=now).update(
                        dispatched_at=None)
                break
        sent.append(report_id)
    return sent


@transaction.atomic
def _redispatch_take(*, cluster_id: int, report_id: int, now: datetime.datetime) -> Report | None:
    """Mark the row as sent now, so that no other run of the beat sends it too; None when it no
    longer needs sending (a worker claimed it meanwhile, or another run holds it)."""
    report = Report.objects.for_cluster(cluster_id).select_for_update(skip_locked=True).filter(
        _needs_dispatch(now), pk=report_id).first()
    if report is None:
        return None
    with audit(None, service="report_redispatch"):
        report.dispatched_at = now
        report.save(update_fields=["dispatched_at"])
    return report


# --- The steps of the rendering task -----------------------------------------------------------

def report_cluster_id(report_id: int) -> int | None:
    """Platform-level: the cluster of a report the task knows by id alone."""
    return Report.objects.unscoped().filter(pk=report_id).values_list("cluster_id", flat=True).first()


def _cluster_of(report_id: int) -> Cluster | None:
    cluster_id = report_cluster_id(report_id)
    return None if cluster_id is None else Cluster.objects.get(pk=cluster_id)


@transaction.atomic
def report_claim(*, report_id: int, task_id: str = "") -> Report | None:
    """Start (or restart) rendering: a queued or running row becomes this attempt's running row
    (attempts + 1), claimed by the message `task_id`. A running row is one a killed worker left
    behind: its redelivered message (the same id) renders it again. Returns None when there is
    nothing to do: no such row, ready or failed, or running under another message's id and
    started within STALE_AFTER (that message is rendering it)."""
    cluster = _cluster_of(report_id)
    if cluster is None:
        return None
    report = Report.objects.for_cluster(cluster).select_for_update().select_related("cluster").get(pk=report_id)
    if report.status not in Report.IN_PROGRESS_STATUSES:
        return None
    if report.status == Report.Status.RUNNING and report.task_id and task_id != report.task_id and (
            report.started_at and report.started_at > timezone.now() - STALE_AFTER):
        return None
    with audit(None, service="report_claim"):
        report.status = Report.Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.finished_at = None
        report.task_id = task_id
        report.save(update_fields=["status", "attempts", "started_at", "finished_at", "task_id"])
    return report


def pdf_storage_name(report: Report) -> str:
    """reports/<cluster>/<period>-<kind>-v<version>-<uuid>.pdf: a new name for every file, so no
    version (nor a second attempt of one) ever overwrites another's."""
    period = periods.period_of(report.kind, report.period_start)
    return f"reports/{report.cluster_id}/{period.code}-{report.kind}-v{report.version}-{uuid.uuid4().hex}.pdf"


def _fresh_code(report: Report) -> str:
    """The row's code when no certificate has it (/verify/<code>/ serves both), else a new one."""
    code = report.verification_code
    while Report.objects.unscoped().filter(verification_code=code).exclude(pk=report.pk).exists() or (
            _certificate_has(code)):
        code = new_verification_code()
    return code


def _certificate_has(code: str) -> bool:
    from programs.models import Enrollment

    return Enrollment.objects.unscoped().filter(certificate_code=code).exists()


def report_complete(*, report: Report, attempt: int, data: dict, pdf: bytes) -> bool:
    """Store the PDF and freeze the report, only when the row is still this attempt's running
    row (a redelivered copy may have finished it meanwhile). Returns whether it was stored."""
    name = None
    try:
        with transaction.atomic():
            current = Report.objects.for_cluster(report.cluster_id).select_for_update().get(pk=report.pk)
            if current.status != Report.Status.RUNNING or current.attempts != attempt:
                return False
            name = default_storage.save(pdf_storage_name(current), ContentFile(pdf))
            with audit(None, service="report_complete"):
                current.pdf.name = name
                current.size = len(pdf)
                current.sha256 = hashlib.sha256(pdf).hexdigest()
                current.verification_code = _fresh_code(current)
                current.data = data
                current.status = Report.Status.READY
                current.error = ""
                current.finished_at = timezone.now()
                current.save(update_fields=[
                    "pdf", "size", "sha256", "verification_code", "data", "status", "error", "finished_at"])
    except BaseException:
        if name is not None:
            default_storage.delete(name)
        raise
    report.__dict__.update({k: getattr(current, k) for k in (
        "pdf", "size", "sha256", "verification_code", "data", "status", "error", "finished_at")})
    return True


@transaction.atomic
def report_requeue(*, report: Report, attempt: int, error: str) -> bool:
    """Give the row back to the queue for a retry, keeping the error text; only this attempt's
    running row."""
    current = Report.objects.for_cluster(report.cluster_id).select_for_update().get(pk=report.pk)
    if current.status != Report.Status.RUNNING or current.attempts != attempt:
        return False
    with audit(None, service="report_requeue"):
        current.status = Report.Status.QUEUED
        current.error = error
        current.save(update_fields=["status", "error"])
    return True


@transaction.atomic
def report_fail(*, report: Report, error: str, attempt: int | None = None) -> bool:
    """The retries are spent: failed, with a reason people can read (no traceback)."""
    current = Report.objects.for_cluster(report.cluster_id).select_for_update().get(pk=report.pk)
    if current.status not in Report.IN_PROGRESS_STATUSES:
        return False
    if attempt is not None and current.attempts != attempt:
        return False
    with audit(None, service="report_fail"):
        current.status = Report.Status.FAILED
        current.error = error
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "error", "finished_at"])
    return True


def report_render_now(*, report_id: int) -> Report | None:
    """Render a queued report in this process, as the task does (the demo data uses it)."""
    from .tasks import render_once

    return render_once(report_id)

