"""Clusters (the tenants), member organizations, people, roles, applications, school ratings."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluster_platform.names import TRANSLATABLE_LANGUAGES, localized, reader_order, translated, translations_field
from cluster_platform.tenancy import TenantModel, audited

class RatingColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


tax_id_validator = RegexValidator(r"^\d{9}$", _("A tax id (INN) has 9 digits."))
TAX_ID_TAKEN = _("An organization with this tax id is already in the cluster.")

slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Use lowercase letters, digits and hyphens."))
# A colour as #RRGGBB. members.branding checks more (and names the field); this holds any other path.
hex_colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$",
                                      _("Enter a colour as # and six hex digits, such as #0B3D91."))
# The colours of the layout before clusters had their own (the navbar's and the buttons' blues).
DEFAULT_PRIMARY_COLOUR = "#0b3d91"
DEFAULT_ACCENT_COLOUR = "#0062cc"


def _logo_upload_to(instance, filename):
    # Never used to build a name: services.cluster_branding_update stores the logo under
    # branding.logo_storage_name() itself. Kept so a file assigned by other code lands under clusters/.
    return f"clusters/{filename}"


@audited()
class Cluster(models.Model):
    """One region's pedagogical cluster: the tenant."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, validators=[slug_validator])
    region = models.CharField(_("region"), max_length=120)
    centre = models.ForeignKey(
        "members.Organization", verbose_name=_("centre organization"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    goals = models.TextField(_("goals"), blank=True)
    languages = ArrayField(models.CharField(max_length=8), verbose_name=_("languages"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Branding (members.branding): the logo is a PNG or JPEG the service re-encoded, small enough
    # to embed in PDFs; white text goes on the primary colour, the accent is a decorative line.
    logo = models.ImageField(_("logo"), max_length=255, upload_to=_logo_upload_to, blank=True)
    primary_colour = models.CharField(_("primary colour"), max_length=7, default=DEFAULT_PRIMARY_COLOUR,
                                      validators=[hex_colour_validator])
    accent_colour = models.CharField(_("accent colour"), max_length=7, default=DEFAULT_ACCENT_COLOUR,
                                     validators=[hex_colour_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self):
        return self.name


@audited()
class ClusterRole(TenantModel):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        AUTHORITY = "authority", _("Authority")
        EXPERT = "expert", _("Expert")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cluster_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "user", "role"], name="cluster_role_unique")]
        verbose_name = _("cluster role")
        verbose_name_plural = _("cluster roles")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


@audited()
class Organization(TenantModel):
    class Kind(models.TextChoices):
        PEDAGOGICAL_UNIVERSITY = "pedagogical_university", _("Pedagogical university")
        UNIVERSITY = "university", _("University")
        IRO = "iro", _("Teacher-training institute (IRO)")
        SCHOOL = "school", _("School")
        COLLEGE = "college", _("Vocational college")
        PRESCHOOL = "preschool", _("Preschool")
        ENTERPRISE = "enterprise", _("Enterprise")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        AUTHORITY = "authority", _("Education authority")
        NGO = "ngo", _("NGO")

    class ClusterRoleKind(models.TextChoices):
        CENTRE = "centre", _("Centre")
        MEMBER = "member", _("Member")
        ASSOCIATE = "associate", _("Associate partner")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    name_translations = translations_field()
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    tax_id = models.CharField(
        _("tax id"), max_length=20, blank=True,
        validators=[tax_id_validator],
    )
    district = models.CharField(_("district"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    specialisations = models.TextField(_("specialisations"), blank=True)
    cluster_role = models.CharField(
        _("role in the cluster"), max_length=20, choices=ClusterRoleKind.choices, default=ClusterRoleKind.MEMBER
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    # The latest school rating, kept by the rating service so lists filter without a join.
    current_rating = models.CharField(_("current rating"), max_length=10, choices=RatingColour.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "tax_id"], condition=~Q(tax_id=""), name="organization_tax_id_unique_in_cluster",
                violation_error_message=TAX_ID_TAKEN,
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "kind", "status"]),
            models.Index(fields=["cluster", "district"]),
            models.Index(fields=["cluster", "name"]),
            # A long select's first names in the reader's language (cluster_platform.forms.search_choices).
            *(models.Index(F("cluster"), reader_order("name", code), F("id"), name=f"organization_order_{code}")
              for code in TRANSLATABLE_LANGUAGES),
        ]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    # The columns the names above read: what a `.only()` of a list or a choice loads.
    NAME_FIELDS = ("name", "name_translations", "short_name")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """How the organization is named to a reader wherever it is mentioned: its name in the
        reader's language when one was given, else its short name, else its name."""
        return translated(self, "name") or self.short_name or self.name

    @property
    def localized_name(self) -> str:
        """The full name in the reader's language (else the name as given): where the full name
        is due (its own page, documents, formal sentences)."""
        return localized(self, "name")


@audited()
class MembershipStatusChange(TenantModel):
    """Suspensions, withdrawals and reinstatements, with dates and reasons."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Organization.Status.choices)
    to_status = models.CharField(max_length=20, choices=Organization.Status.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


@audited()
class OrganizationRole(TenantModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Staff")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "organization", "user", "role"], name="organization_role_unique"
            )
        ]


@audited()
class Person(TenantModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="people"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=150, blank=True)
    subject = models.CharField(_("subject"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["cluster", "organization"]),
            # The people list's order: keyset pages read the index from a name on.
            models.Index(fields=["cluster", "full_name", "id"], name="person_cluster_name_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "user"], condition=Q(user__isnull=False), name="person_user_unique_in_cluster"
            )
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name


def _new_reference():
    return "APP-" + secrets.token_hex(4).upper()


@audited()
class MembershipApplication(TenantModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    reference = models.CharField(_("reference number"), max_length=20, unique=True, default=_new_reference)
    organization_name = models.CharField(_("organization name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=Organization.Kind.choices)
    tax_id = models.CharField(
        _("tax id"), max_length=20, blank=True,
        validators=[tax_id_validator],
    )
    district = models.CharField(_("district"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    motivation = models.TextField(_("why join the cluster"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    decision_sent_at = models.DateTimeField(null=True, blank=True)
    # The language of the form the applicant used, which their decision email is written in
    # (blank: LANGUAGE_CODE); they have no account, so no profile to remember one. Blank in the
    # database too, for rows written without the ORM (cluster_platform.scale COPYs them).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="",
                                db_default="")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["cluster", "status", "submitted_at"])]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")

    def __str__(self):
        return f"{self.reference} · {self.organization_name}"


@audited()
class Invitation(TenantModel):
    """An emailed link to create an account with the given roles."""

    email = models.EmailField(_("email"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations")
    cluster_role = models.CharField(_("cluster role"), max_length=20, choices=ClusterRole.Role.choices, blank=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization_role = models.CharField(
        _("organization role"), max_length=20, choices=OrganizationRole.Role.choices, blank=True
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the email task claims the invitation, so a redelivered task sends no second email.
    sent_at = models.DateTimeField(null=True, blank=True)
    # The language of the email, chosen by the inviter (blank: LANGUAGE_CODE): the invitee has
    # no account yet, so no profile to remember one.
    language = models.CharField(_("language of the invitation"), max_length=8, choices=settings.LANGUAGES,
                                blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]


@audited()
class SchoolRating(TenantModel):
    Colour = RatingColour

    organization = models.ForeignKey(
        Organization, verbose_name=_("school"), on_delete=models.CASCADE, related_name="ratings"
    )
    period = models.DateField(_("period"), help_text=_("The first day of the rating period."))
    colour = models.CharField(_("rating"), max_length=10, choices=Colour.choices)
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "organization", "period"], name="school_rating_one_per_period",
                violation_error_message=_("This school already has a rating for that period."),
            )
        ]
        indexes = [models.Index(fields=["cluster", "period", "colour"])]
        verbose_name = _("school rating")
        verbose_name_plural = _("school ratings")

    def __str__(self):
        return f"{self.organization} {self.period:%Y-%m}: {self.get_colour_display()}"


class Profile(models.Model):
    """What a user keeps across clusters: for now the language the pages and their certificates
    use. Not tenant data: one row per user, whichever clusters they belong to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)
