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
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform import rls
from cluster_platform.services import audit
from members.models import Cluster

from . import periods, permissions
from .models import Report, new_verification_code

__all__ = [
    "report_request",
    "report_retry",
    "reports_schedule_due",
    "report_schedule",
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


def _enqueue(report_id: int) -> None:
    from .tasks import render_report

    transaction.on_commit(lambda: render_report.delay(report_id))


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
    for code in cluster.languages or []:
        if code in _LANGUAGES:
            return code
    return settings.LANGUAGE_CODE


def _in_progress(cluster, kind: str, start: datetime.date):
    return Report.objects.for_cluster(cluster).filter(
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
    as it is; otherwise a new version is queued and rendered after commit."""
    permissions.require(actor, cluster, "request")
    chosen = periods.parse_period(kind, period)
    periods.require_started(chosen, timezone.localdate())
    language = report_language(cluster=cluster, actor=actor, language=language)
    _lock_period(cluster.pk, chosen.kind, chosen.start)
    existing = _in_progress(cluster, chosen.kind, chosen.start)
    if existing is not None:
        return existing
    with audit(actor, service="report_request"):
        report = _create(cluster, period=chosen, trigger=Report.Trigger.ON_DEMAND, language=language, actor=actor)
    _enqueue(report.pk)
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
        report.save(update_fields=["status", "attempts"])
    _enqueue(report.pk)
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
        _enqueue(report.pk)
    return report


# --- The steps of the rendering task -----------------------------------------------------------

def report_cluster_id(report_id: int) -> int | None:
    """Platform-level: the cluster of a report the task knows by id alone."""
    return Report.objects.unscoped().filter(pk=report_id).values_list("cluster_id", flat=True).first()


def _cluster_of(report_id: int) -> Cluster | None:
    cluster_id = report_cluster_id(report_id)
    return None if cluster_id is None else Cluster.objects.get(pk=cluster_id)


@transaction.atomic
def report_claim(*, report_id: int) -> Report | None:
    """Start (or restart) rendering: a queued or running row becomes this attempt's running row
    (attempts + 1). A running row is one a killed worker left behind: its redelivered message
    renders it again. Returns None when there is nothing to do (no such row, ready or failed)."""
    cluster = _cluster_of(report_id)
    if cluster is None:
        return None
    report = Report.objects.for_cluster(cluster).select_for_update().select_related("cluster").get(pk=report_id)
    if report.status not in Report.IN_PROGRESS_STATUSES:
        return None
    with audit(None, service="report_claim"):
        report.status = Report.Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.finished_at = None
        report.save(update_fields=["status", "attempts", "started_at", "finished_at"])
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

