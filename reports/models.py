"""Periodic reports of a cluster: one row per cluster, kind (the period's length) and period,
versioned, with the data snapshot it was rendered from and the PDF's size and checksum.

Kinds. `kind` is the granularity of the period: a month, a quarter or a year. The issue's
"quarterly" and "annual" reports are the quarter and year kinds made on schedule
(`trigger=scheduled`, by Celery beat, no `requested_by`); any kind can also be asked for on
demand (`trigger=on_demand`). A scheduled and an on-demand report of one period are versions of
the same series: "regenerating a period makes a new version" whoever asks.

Versions. 1, 2, 3... per cluster, kind and period start (unique). A report that is ready is
frozen: a new run makes a new row with the next version and its own checksum, the old one stays.

Idempotency. At most one report per cluster, kind and period is queued or running at a time
(a partial unique constraint): a second request while one is in progress finds it instead of
starting another. Failed and ready reports do not block a new version.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cluster_platform.tenancy import TenantModel, audited

VERIFICATION_CODE_LENGTH = 12


def new_verification_code() -> str:
    """12 characters from the certificates' alphabet (no 0/O, 1/I), drawn with `secrets`: the
    same kind of code the programme certificates print, unique across every cluster."""
    import secrets

    # Imported here, not at module level: models modules load before other apps' selectors can.
    from programs.selectors import CODE_ALPHABET, CODE_LENGTH

    assert CODE_LENGTH == VERIFICATION_CODE_LENGTH
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _pdf_upload_to(instance, filename):
    # The rendering step names the file itself; this keeps any other assignment under reports/.
    return f"reports/{instance.cluster_id}/{filename}"


@audited()
class Report(TenantModel):
    class Kind(models.TextChoices):
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")
        YEAR = "year", _("Annual")

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        ON_DEMAND = "on_demand", _("On demand")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    IN_PROGRESS_STATUSES = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    trigger = models.CharField(_("made"), max_length=10, choices=Trigger.choices, default=Trigger.ON_DEMAND)
    # Both inclusive: the first and the last day of the month, quarter or year.
    period_start = models.DateField(_("first day of the period"))
    period_end = models.DateField(_("last day of the period"))
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # The indicators the PDF was rendered from (reports.indicators), kept with the report so a
    # ready report never changes when the underlying rows do.
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    pdf = models.FileField(_("PDF"), max_length=255, upload_to=_pdf_upload_to, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=VERIFICATION_CODE_LENGTH, unique=True, default=new_verification_code,
        editable=False,
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the task queue last accepted the report (empty: not yet, or the broker could not be
    # reached; the beat sends it again), and the id of the task message that claimed it last (a
    # second message finds it running under another id and leaves it: reports.services).
    dispatched_at = models.DateTimeField(_("last sent to the queue"), null=True, blank=True, editable=False)
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "kind", "period_start", "version"], name="report_version_unique",
                violation_error_message=_("This version of the report already exists."),
            ),
            models.UniqueConstraint(
                fields=["cluster", "kind", "period_start"], condition=Q(status__in=["queued", "running"]),
                name="report_one_in_progress_per_period",
                violation_error_message=_("A report of this period is already being prepared."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_end_not_before_start",
                violation_error_message=_("The last day of the period cannot be before the first."),
            ),
            # A ready report has its file and checksum: that is what makes it frozen and verifiable.
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(pdf="") & Q(size__isnull=False) & Q(sha256__regex=r"^[0-9a-f]{64}$")),
                name="report_ready_has_pdf",
            ),
        ]
        indexes = [
            # The report list of a cluster (newest period first, by kind) and the latest version.
            models.Index(fields=["cluster", "kind", "-period_start", "-version"], name="report_list_idx"),
            models.Index(fields=["cluster", "status", "created_at"], name="report_status_idx"),
            models.Index(fields=["cluster", "-created_at"], name="report_recent_idx"),
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start.isoformat()}–{self.period_end.isoformat()} v{self.version}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS_STATUSES

    @property
    def waiting_for_queue(self) -> bool:
        """Queued but not (yet) accepted by the task queue: the broker could not be reached when
        it was queued. The beat sends it again once the queue is back."""
        return self.status == self.Status.QUEUED and self.dispatched_at is None
