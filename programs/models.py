"""Joint programmes of the cluster's members: network degree programmes, professional-development
courses, internships, seminars, olympiads and research projects; their sessions, the people
enrolled, attendance, competence assessments and certificates; and the needs of employers
that programmes answer.

The rules (who may do what, when a programme may move, who gets a place) live in services/ and
permissions.py; the models hold fields, constraints and choices.

Competences are codes from one fixed list (Competence below) kept in an array on a programme
and on an employer need: the labels are translated like every other choice, reports count by
competence with one `unnest`, and no per-cluster table has to be kept in step.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cluster_platform.names import localized, translations_field
from cluster_platform.tenancy import TenantModel, audited


class Competence(models.TextChoices):
    SUBJECT_METHODS = "subject_methods", _("Subject teaching methods")
    DIGITAL = "digital", _("Digital literacy and e-learning")
    STEM = "stem", _("STEM and practical work")
    INCLUSIVE = "inclusive", _("Inclusive education")
    ASSESSMENT = "assessment", _("Assessment and learning outcomes")
    FOREIGN_LANGUAGES = "foreign_languages", _("Foreign languages")
    LEADERSHIP = "leadership", _("School leadership and management")
    RESEARCH = "research", _("Research and innovation")
    VOCATIONAL = "vocational", _("Vocational and dual education")
    PSYCHOLOGY = "psychology", _("Pedagogical psychology and well-being")


def _competences_field(verbose_name):
    return ArrayField(
        models.CharField(max_length=30, choices=Competence.choices), verbose_name=verbose_name,
        default=list, blank=True,
    )


SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


@audited()
class Program(TenantModel):
    class Kind(models.TextChoices):
        NETWORK_DEGREE = "network_degree", _("Network degree programme")
        PROFESSIONAL_DEVELOPMENT = "professional_development", _("Professional-development course")
        INTERNSHIP = "internship", _("Internship or practice")
        SEMINAR = "seminar", _("Seminar or master class")
        OLYMPIAD = "olympiad", _("Olympiad")
        RESEARCH = "research", _("Research project")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for enrolment")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    FINAL_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})

    title = models.CharField(_("title"), max_length=255)
    title_translations = translations_field()
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    lead_organization = models.ForeignKey(
        "members.Organization", verbose_name=_("lead organization"), on_delete=models.PROTECT, related_name="+"
    )
    partners = models.ManyToManyField(
        "members.Organization", verbose_name=_("partner organizations"), through="ProgramPartner",
        related_name="+", blank=True,
    )
    audience = models.CharField(_("audience"), max_length=255, blank=True)
    competences = _competences_field(_("competences"))
    hours = models.PositiveIntegerField(_("hours"), help_text=_("The planned length in academic hours."))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("places"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    priority_share = models.PositiveSmallIntegerField(
        _("places reserved for priority schools (%)"), default=0, validators=[MaxValueValidator(100)],
        help_text=_("The share of places kept for teachers of schools rated red or yellow in the latest period."),
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    requires_post_assessment = models.BooleanField(_("requires a passed post-assessment"), default=False)
    pass_score = models.DecimalField(
        _("pass score"), max_digits=5, decimal_places=2, null=True, blank=True, validators=SCORE_VALIDATORS,
        help_text=_("The post-assessment score needed to complete the programme (0–100)."),
    )
    cancellation_reason = models.TextField(_("reason for cancellation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="program_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="program_capacity_positive"),
            models.CheckConstraint(condition=Q(priority_share__lte=100), name="program_priority_share_range"),
            models.CheckConstraint(condition=Q(min_attendance_percent__lte=100), name="program_attendance_range"),
            models.CheckConstraint(
                condition=Q(requires_post_assessment=False) | Q(pass_score__isnull=False),
                name="program_pass_score_when_assessed",
                violation_error_message=_("Give the pass score of the post-assessment."),
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "status", "start_date"]),
            models.Index(fields=["cluster", "kind"]),
            models.Index(fields=["cluster", "lead_organization"]),
        ]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return self.localized_title

    @property
    def localized_title(self) -> str:
        """The title in the reader's language, else the title as given (cluster_platform.names)."""
        return localized(self, "title")

    @property
    def reserved_places(self) -> int:
        """Places held for priority teachers: the share of the capacity, rounded down."""
        return self.capacity * self.priority_share // 100


@audited()
class ProgramPartner(TenantModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="partner_links")
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "program", "organization"], name="program_partner_unique"),
        ]
        indexes = [models.Index(fields=["cluster", "organization"])]
        verbose_name = _("partner organization")
        verbose_name_plural = _("partner organizations")

    def __str__(self):
        return f"{self.program_id} · {self.organization_id}"


@audited()
class ProgramTransition(TenantModel):
    """The timeline: every status move with who (None for the daily task), when and why."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Program.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Program.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["cluster", "program", "created_at"])]


@audited()
class Session(TenantModel):
    program = models.ForeignKey(Program, verbose_name=_("programme"), on_delete=models.CASCADE,
                                related_name="sessions")
    topic = models.CharField(_("topic"), max_length=255, blank=True)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    # A session may hold a booking of a shared resource, requested through the booking rules
    # (resources.services.booking_request); the booking keeps its own status.
    booking = models.ForeignKey(
        "resources.Booking", verbose_name=_("booking"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="session_end_after_start",
                violation_error_message=_("The end time must be after the start time."),
            ),
        ]
        indexes = [models.Index(fields=["cluster", "program", "date"])]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.date.isoformat()} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.topic}".strip()


@audited()
class Enrollment(TenantModel):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Not completed")

    # The statuses that hold one of the programme's places.
    PLACE_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NOT_COMPLETED)
    ACTIVE_STATUSES = (Status.APPLIED, Status.CONFIRMED, Status.WAITLISTED)

    program = models.ForeignKey(Program, verbose_name=_("programme"), on_delete=models.CASCADE,
                                related_name="enrollments")
    person = models.ForeignKey("members.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="+")
    # The person's organization at enrolment: who confirms, whose list it is on, its rating.
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    waitlist_position = models.PositiveIntegerField(_("position on the waiting list"), null=True, blank=True)
    priority = models.BooleanField(
        _("priority place"), default=False,
        help_text=_("The person's school was rated red or yellow in the latest period at enrolment."),
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    hours_attended = models.DecimalField(_("hours attended"), max_digits=7, decimal_places=2, default=0)
    pre_score = models.DecimalField(_("pre-assessment score"), max_digits=5, decimal_places=2, null=True,
                                    blank=True, validators=SCORE_VALIDATORS)
    post_score = models.DecimalField(_("post-assessment score"), max_digits=5, decimal_places=2, null=True,
                                     blank=True, validators=SCORE_VALIDATORS)
    # Unique across every cluster: the public verification page finds a certificate by its code alone.
    certificate_code = models.CharField(_("certificate code"), max_length=16, unique=True, null=True, blank=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "program", "person"], condition=~Q(status="withdrawn"),
                name="enrollment_one_active_per_person",
                violation_error_message=_("This person is already enrolled in the programme."),
            ),
            models.CheckConstraint(
                condition=Q(pre_score__isnull=True) | Q(pre_score__gte=0, pre_score__lte=100),
                name="enrollment_pre_score_range",
            ),
            models.CheckConstraint(
                condition=Q(post_score__isnull=True) | Q(post_score__gte=0, post_score__lte=100),
                name="enrollment_post_score_range",
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="enrollment_position_only_when_waitlisted",
            ),
            models.CheckConstraint(
                condition=Q(certificate_code__isnull=True) | Q(status="completed"),
                name="enrollment_certificate_only_when_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "program", "status"]),
            models.Index(fields=["cluster", "organization", "status"]),
            models.Index(fields=["cluster", "person"]),
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self):
        return f"{self.person_id} · {self.program_id} · {self.get_status_display()}"

    @property
    def has_certificate(self) -> bool:
        return self.status == self.Status.COMPLETED and bool(self.certificate_code)


@audited()
class Attendance(TenantModel):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["session_id", "enrollment_id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "enrollment", "session"], name="attendance_once_per_session"),
        ]
        indexes = [models.Index(fields=["cluster", "session"])]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")


@audited()
class EmployerNeed(TenantModel):
    """An enterprise or an education authority asks for people with given competences."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=255)
    competences = _competences_field(_("competences"))
    people_needed = models.PositiveIntegerField(_("people needed"))
    deadline = models.DateField(_("deadline"))
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    programs = models.ManyToManyField(Program, through="ProgramNeed", related_name="needs", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(people_needed__gte=1), name="employer_need_people_positive"),
        ]
        indexes = [
            models.Index(fields=["cluster", "status", "deadline"]),
            models.Index(fields=["cluster", "organization"]),
        ]
        verbose_name = _("employer need")
        verbose_name_plural = _("employer needs")

    def __str__(self):
        return self.title


@audited()
class ProgramNeed(TenantModel):
    """A coordinator's statement that a programme answers a need."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="need_links")
    need = models.ForeignKey(EmployerNeed, on_delete=models.CASCADE, related_name="program_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "program", "need"], name="program_need_unique"),
        ]
        indexes = [models.Index(fields=["cluster", "need"])]
        verbose_name = _("programme answering a need")
        verbose_name_plural = _("programmes answering needs")
