"""Pedagogical innovations and their movement through the cluster: proposals, expert review,
pilots at member organizations, adoption by other members, and every stage change on the way.

The rules (who may move an innovation, the guards of each move, who may review what) live in
services/ and permissions.py; the models hold fields, constraints and choices.

Subject fields are codes from one fixed list (SubjectField) kept in an array on an innovation
and on an expert's profile: the assignment matches them with one array overlap, and the labels
are translated like every other choice.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cluster_platform.names import localized, translations_field
from cluster_platform.tenancy import ClusterGrant, TenantModel, audited


class SubjectField(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool education")
    PRIMARY = "primary", _("Primary education")
    MATHEMATICS = "mathematics", _("Mathematics")
    SCIENCES = "sciences", _("Natural sciences")
    LANGUAGES = "languages", _("Languages and literature")
    HUMANITIES = "humanities", _("History and social studies")
    ARTS = "arts", _("Arts, music and physical education")
    DIGITAL = "digital", _("Digital education")
    INCLUSIVE = "inclusive", _("Inclusive education")
    VOCATIONAL = "vocational", _("Vocational training")
    MANAGEMENT = "management", _("Management of education")
    PSYCHOLOGY = "psychology", _("Pedagogical psychology")


def _subject_fields(verbose_name):
    return ArrayField(
        models.CharField(max_length=20, choices=SubjectField.choices), verbose_name=verbose_name,
        default=list, blank=True,
    )


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_REVIEW = "in_review", _("In review")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    APPROVED_FOR_PILOT = "approved_for_pilot", _("Approved for pilot")
    REJECTED = "rejected", _("Rejected")
    PILOTING = "piloting", _("Piloting")
    EVALUATED = "evaluated", _("Evaluated")
    IMPLEMENTING = "implementing", _("Implementing")
    DISSEMINATING = "disseminating", _("Disseminating")
    ARCHIVED = "archived", _("Archived")


class InnovationPolicy(TenantModel):
    """The cluster's review rules. A cluster without a row uses the defaults below."""

    reviewers_required = models.PositiveSmallIntegerField(
        _("expert reviews required"), default=2, validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    approval_threshold = models.DecimalField(
        _("mean score needed for a pilot"), max_digits=3, decimal_places=2, default=3.5,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    consensus_spread = models.DecimalField(
        _("score spread that calls for a consensus step"), max_digits=3, decimal_places=2, default=1.5,
        validators=[MinValueValidator(0), MaxValueValidator(4)],
        help_text=_("When the reviewers' mean scores differ by more than this, they see each other's "
                    "reviews and may revise them before the decision."),
    )
    review_days = models.PositiveSmallIntegerField(
        _("days to review"), default=14, validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder, days before the deadline"), default=3, validators=[MaxValueValidator(30)],
    )
    blind_review = models.BooleanField(
        _("reviewers do not see the authors"), default=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster"], name="innovation_policy_one_per_cluster")]
        verbose_name = _("innovation review policy")
        verbose_name_plural = _("innovation review policies")


class ExpertProfile(TenantModel):
    """An expert's subject fields in one cluster, for suggesting who reviews what."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject_fields = _subject_fields(_("subject fields"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "user"], name="expert_profile_unique")]
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")


@audited()
class Innovation(TenantModel):
    class Kind(models.TextChoices):
        METHODOLOGICAL = "methodological", _("Pedagogical and methodological")
        MANAGERIAL = "managerial", _("Organizational and managerial")
        DIGITAL = "digital", _("Digital")
        CURRICULAR = "curricular", _("Curricular")

    class Level(models.TextChoices):
        PRESCHOOL = "preschool", _("Preschool")
        SCHOOL = "school", _("General secondary")
        VOCATIONAL = "vocational", _("Vocational")
        HIGHER = "higher", _("Higher")
        ADULT = "adult", _("Teacher and adult education")

    Stage = Stage

    title = models.CharField(_("title"), max_length=255)
    title_translations = translations_field()
    summary = models.TextField(_("summary"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    education_level = models.CharField(_("education level"), max_length=20, choices=Level.choices)
    origin_organization = models.ForeignKey(
        "members.Organization", verbose_name=_("origin organization"), on_delete=models.PROTECT,
        related_name="innovations",
    )
    subject_fields = _subject_fields(_("subject fields"))
    keywords = ArrayField(models.CharField(max_length=60), verbose_name=_("keywords"), default=list, blank=True)
    expected_effect = models.TextField(_("expected effect"), blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PROPOSED)
    stage_changed_at = models.DateTimeField(_("in this stage since"))
    # The review round: 1 for the first review, one more after each revision.
    review_round = models.PositiveSmallIntegerField(default=1)
    # Set when the reviewers of the current round were shown each other's reviews.
    consensus_started_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["cluster", "stage"]),
            models.Index(fields=["cluster", "origin_organization"]),
            models.Index(fields=["cluster", "-created_at"]),
        ]
        permissions = [("author_innovation", "Co-author of the innovation")]
        verbose_name = _("innovation")
        verbose_name_plural = _("innovations")

    def __str__(self):
        return self.localized_title

    @property
    def localized_title(self) -> str:
        """The title in the reader's language, else the title as given (cluster_platform.names)."""
        return localized(self, "title")


class InnovationAuthor(TenantModel):
    """An author is a person of the cluster; the first (position 1) is the lead author. An author
    with a user account also holds the django-guardian "author_innovation" grant."""

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="authors")
    person = models.ForeignKey("members.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="innovation_authorships")
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "innovation", "person"], name="innovation_author_unique"),
        ]
        indexes = [models.Index(fields=["cluster", "person"])]
        verbose_name = _("author")
        verbose_name_plural = _("authors")


class InnovationUserGrant(ClusterGrant, UserObjectPermissionBase):
    """django-guardian's direct foreign-key table of the co-author grants. Written only by
    services (assign_perm, remove_perm), read only in permissions.py."""

    content_object = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "user"])]


class InnovationGroupGrant(ClusterGrant, GroupObjectPermissionBase):
    content_object = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "group"])]


class InnovationAttachment(TenantModel):
    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="innovations/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


@audited()
class StageTransition(TenantModel):
    """Every stage change, made only by services.lifecycle: the timeline and the flow figures."""

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["cluster", "innovation", "created_at"]),
            models.Index(fields=["cluster", "to_stage", "created_at"]),
            models.Index(fields=["cluster", "created_at"]),
        ]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")


CRITERIA = ("novelty", "relevance", "feasibility", "evidence", "transferability")


def _criterion(verbose_name):
    return models.PositiveSmallIntegerField(
        verbose_name, null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


@audited()
class ExpertReview(TenantModel):
    """One expert's review of one innovation in one review round: assigned by a coordinator,
    then submitted with five scores (1–5), a recommendation and a comment."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Recommendation(models.TextChoices):
        PILOT = "pilot", _("Approve for a pilot")
        REVISE = "revise", _("Revise and review again")
        REJECT = "reject", _("Reject")

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT,
                               related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    due_date = models.DateField(_("deadline"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    novelty = _criterion(_("novelty"))
    relevance = _criterion(_("relevance"))
    feasibility = _criterion(_("feasibility"))
    evidence = _criterion(_("evidence of effect"))
    transferability = _criterion(_("transferability"))
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices,
                                      blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    revised_at = models.DateTimeField(_("revised at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "innovation", "expert", "round"],
                                    name="expert_review_one_per_round"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | (
                    Q(novelty__isnull=False) & Q(relevance__isnull=False) & Q(feasibility__isnull=False)
                    & Q(evidence__isnull=False) & Q(transferability__isnull=False) & ~Q(recommendation="")
                ),
                name="expert_review_submitted_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "expert", "status"]),
            models.Index(fields=["cluster", "innovation", "round"]),
            models.Index(fields=["cluster", "status", "due_date"]),
        ]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")

    @property
    def has_draft(self) -> bool:
        """An assignment the expert has started: a score, a recommendation or a comment saved."""
        return self.status == self.Status.ASSIGNED and (
            any(getattr(self, name) is not None for name in CRITERIA) or bool(self.recommendation or self.comment))

    @property
    def mean_score(self):
        scores = [getattr(self, name) for name in CRITERIA]
        if any(score is None for score in scores):
            return None
        return sum(scores) / len(scores)


@audited()
class Pilot(TenantModel):
    """A trial of the innovation at one member organization over a period, with measures taken
    before (baseline) and after (result), and a conclusion."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="pilots")
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("pilot organization"), on_delete=models.PROTECT,
        related_name="pilots",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "innovation", "organization"], name="pilot_one_per_site"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="pilot_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["cluster", "organization"])]
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")


class PilotMeasure(TenantModel):
    """A measure of a pilot: its value before the pilot (baseline) and after (result)."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(_("measure"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2)
    result = models.DecimalField(_("result"), max_digits=12, decimal_places=2, null=True, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["cluster", "pilot", "name"], name="pilot_measure_unique")]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")


@audited()
class Adoption(TenantModel):
    """A member organization takes the innovation up, and names the member it learned it from
    (the origin, a pilot site or an earlier adopter): the edges of the spread graph."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        ADOPTED = "adopted", _("Adopted")
        ABANDONED = "abandoned", _("Abandoned")

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="adoptions")
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("adopting organization"), on_delete=models.PROTECT,
        related_name="adoptions",
    )
    learned_from = models.ForeignKey(
        "members.Organization", verbose_name=_("learned it from"), on_delete=models.PROTECT, related_name="+",
    )
    started_on = models.DateField(_("started on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    feedback = models.TextField(_("feedback"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "innovation", "organization"], name="adoption_one_per_member"),
            models.CheckConstraint(condition=~Q(organization=F("learned_from")), name="adoption_not_from_itself"),
        ]
        indexes = [
            models.Index(fields=["cluster", "organization"]),
            models.Index(fields=["cluster", "started_on"]),
        ]
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
