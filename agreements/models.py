"""Agreements between member organizations of a cluster: the agreement, its parties and
their signatures, the obligations each party takes on, and the timeline of status moves.

The rules (who may move an agreement where, and when) live in services.py; the models hold
fields, constraints and the choices."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cluster_platform.tenancy import ClusterGrant, TenantModel, audited


@audited()
class Agreement(TenantModel):
    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("Cooperation memorandum")
        NETWORK_PROGRAMME = "network_programme", _("Network programme")
        DUAL_EDUCATION = "dual_education", _("Dual education")
        RESOURCE_SHARING = "resource_sharing", _("Resource sharing")
        RESEARCH = "research", _("Research")
        INTERNSHIP = "internship", _("Internship and employment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEGOTIATION = "negotiation", _("Negotiation")
        SIGNED = "signed", _("Signed")
        # In force: the context lets a language say it as of an agreement ("Действует").
        ACTIVE = "active", pgettext_lazy("agreement status", "Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    FINAL_STATUSES = frozenset({Status.EXPIRED, Status.TERMINATED})

    number = models.CharField(_("number"), max_length=30)
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    renewal_of = models.ForeignKey(
        "self", verbose_name=_("renewal of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="renewals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "number"], name="agreement_number_unique_in_cluster"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="agreement_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "status", "end_date"]),
            models.Index(fields=["cluster", "kind"]),
            models.Index(fields=["cluster", "-created_at"]),
        ]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return f"{self.number} · {self.title}"


@audited()
class AgreementNumberSequence(TenantModel):
    """The last number given in a cluster and year; the row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year"], name="agreement_number_sequence_unique"),
        ]


@audited()
class AgreementParty(TenantModel):
    class Role(models.TextChoices):
        INITIATOR = "initiator", _("Initiator")
        PARTNER = "partner", _("Partner")
        PROVIDER = "provider", _("Provider")
        BENEFICIARY = "beneficiary", _("Beneficiary")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER)
    signatory = models.ForeignKey(
        "members.Person", verbose_name=_("signatory"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_by_name = models.CharField(_("signed by"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "agreement", "organization"], name="agreement_party_unique"
            ),
        ]
        indexes = [models.Index(fields=["cluster", "organization"])]
        # Granted per party (never globally) to the people an organization names to act for it
        # on one agreement; see permissions.py.
        permissions = [("represent_party", _("Represent the party on the agreement"))]
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")

    def __str__(self):
        return f"{self.organization} · {self.get_role_display()}"


@audited()
class AgreementPartyUserGrant(ClusterGrant, UserObjectPermissionBase):
    """django-guardian's direct foreign-key table of the "represent_party" grants. Written only
    by services (assign_perm, remove_perm), read only in permissions.py."""

    content_object = models.ForeignKey(AgreementParty, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "user"])]


class AgreementPartyGroupGrant(ClusterGrant, GroupObjectPermissionBase):
    content_object = models.ForeignKey(AgreementParty, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "group"])]


@audited()
class AgreementTransition(TenantModel):
    """The timeline: every status move with who (None for the daily task), when and why."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Agreement.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Agreement.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["cluster", "agreement", "created_at"])]


@audited()
class Obligation(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        OVERDUE = "overdue", _("Overdue")
        CANCELLED = "cancelled", _("Cancelled")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    party = models.ForeignKey(
        AgreementParty, verbose_name=_("responsible party"), on_delete=models.CASCADE, related_name="obligations"
    )
    description = models.TextField(_("description"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["cluster", "status", "due_date"]),
            models.Index(fields=["cluster", "agreement"]),
        ]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")

    def __str__(self):
        return self.description[:80]


def _document_upload_to(instance, filename):
    # Never used to build a name: services.document_upload sets `file.name` to the generated
    # documents.storage_name() and saves the content itself. Kept so a FileField assigned by
    # other code still lands under agreements/ and not in the media root.
    return f"agreements/{filename}"


@audited()
class AgreementDocument(TenantModel):
    """One uploaded version of an agreement's draft or of its signed scan.

    Versions count 1, 2, 3... per agreement and kind; each upload is a new row and nothing is
    overwritten. The stored file name is generated (documents.storage_name); the user's file
    name survives only, cleaned, as display_name for downloads."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED_SCAN = "signed_scan", _("Signed scan")

    agreement = models.ForeignKey(
        # PROTECT: a signed scan is a record; deleting the agreement must not silently drop it.
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), max_length=255, upload_to=_document_upload_to)
    display_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "agreement", "kind", "version"], name="agreement_document_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_document_version_positive"),
        ]
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")

    def __str__(self):
        return f"{self.display_name} · {self.get_kind_display()} v{self.version}"


class AgreementReminder(TenantModel):
    """One reminder, recorded once: the row is inserted before the email is queued, and the
    unique constraint (NULLs not distinct, so expiry reminders without an obligation count
    too) makes a second run of the daily task find it and queue nothing. `sent_at` is the
    email task's claim (see tasks.send_agreement_reminder)."""

    class Kind(models.TextChoices):
        EXPIRY_30 = "expiry_30", _("Ends within 30 days")
        EXPIRY_7 = "expiry_7", _("Ends within 7 days")
        OBLIGATION_OVERDUE = "obligation_overdue", _("Obligation overdue")

    EXPIRY_KINDS = frozenset({Kind.EXPIRY_30, Kind.EXPIRY_7})

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reminders",
    )
    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "kind", "agreement", "obligation"], nulls_distinct=False,
                name="agreement_reminder_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["expiry_30", "expiry_7"], agreement__isnull=False, obligation__isnull=True)
                    | Q(kind="obligation_overdue", obligation__isnull=False)
                ),
                name="agreement_reminder_target_matches_kind",
            ),
        ]
        verbose_name = _("agreement reminder")
        verbose_name_plural = _("agreement reminders")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.agreement_id or self.obligation_id}"
