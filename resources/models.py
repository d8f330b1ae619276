"""Shared resources of member organizations and the bookings other members make of them.

A resource (laboratory, classroom, equipment, hall...) belongs to one organization, has
capacity, terms, weekly opening hours and closed dates, photos, and managers (per-object
django-guardian grants, read only through permissions.py). A booking is one request for a
time range; it books one or more resources of one owner together, one BookedResource row per
resource. Each row carries a copy of the booking's period and status so that PostgreSQL can
refuse two approved bookings of one resource that overlap (the exclusion constraint below),
also when approvals race. The rules (who may do what, which requests are refused and why)
live in services.py and permissions.py; the models hold fields, constraints and choices.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cluster_platform.tenancy import ClusterGrant, TenantModel, audited

MANAGE_PERMISSION = "manage_resource"


@audited()
class Resource(TenantModel):
    class Kind(models.TextChoices):
        LABORATORY = "laboratory", _("Laboratory")
        CLASSROOM = "classroom", _("Classroom")
        EQUIPMENT = "equipment", _("Equipment")
        HALL = "hall", _("Sports or assembly hall")
        LIBRARY = "library", _("Library")
        DIGITAL = "digital", _("Digital platform or licence")
        EXPERT_TIME = "expert_time", _("Expert time")
        DORMITORY = "dormitory", _("Dormitory")

    class Terms(models.TextChoices):
        FREE = "free", _("Free")
        COST_RECOVERY = "cost_recovery", _("Cost recovery")

    class PriceUnit(models.TextChoices):
        PER_HOUR = "per_hour", _("per hour")
        PER_DAY = "per_day", _("per day")
        PER_BOOKING = "per_booking", _("per booking")

    class Access(models.TextChoices):
        CLUSTER = "cluster", _("Whole cluster")
        AGREEMENT = "agreement", _("Members with an active resource-sharing agreement")

    owner = models.ForeignKey(
        "members.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    location = models.CharField(_("location"), max_length=255, blank=True)
    terms = models.CharField(_("terms"), max_length=20, choices=Terms.choices, default=Terms.FREE)
    price = models.DecimalField(
        _("price (UZS)"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("Only for cost recovery."),
    )
    price_unit = models.CharField(_("price per"), max_length=20, choices=PriceUnit.choices, blank=True)
    access = models.CharField(_("who may book"), max_length=20, choices=Access.choices, default=Access.CLUSTER)
    # Round-the-clock resources (a dormitory, a digital licence) need no weekly hours.
    always_open = models.BooleanField(_("open round the clock"), default=False)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Archived resources cannot be booked."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [(MANAGE_PERMISSION, _("Manage the resource and its bookings"))]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resource_capacity_positive"),
            models.CheckConstraint(
                condition=(
                    Q(terms="free", price__isnull=True, price_unit="")
                    | Q(terms="cost_recovery", price__isnull=False, price__gt=0,
                        price_unit__in=["per_hour", "per_day", "per_booking"])
                ),
                name="resource_price_matches_terms",
                violation_error_message=_("A price is given for cost recovery only, and then it must be above zero."),
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "is_active", "name"]),
            models.Index(fields=["cluster", "kind"]),
            models.Index(fields=["cluster", "owner"]),
        ]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self):
        return self.name


@audited()
class OpeningHours(TenantModel):
    """One opening interval on a weekday, in local time (TIME_ZONE); several a day allowed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 is Monday, 6 is Sunday."))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_hours_closes_after_opens",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
        ]
        indexes = [models.Index(fields=["cluster", "resource", "weekday"])]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self):
        return f"{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


@audited()
class ClosedDate(TenantModel):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "resource", "date"], name="closed_date_unique",
                violation_error_message=_("The resource is already closed on that date."),
            ),
        ]
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")

    def __str__(self):
        return f"{self.date.isoformat()} {self.reason}".strip()


def _photo_upload_to(instance, filename):
    # Never used to build a name: services.photo_add sets `image.name` to photos.storage_name()
    # and stores the content itself. Kept so an image assigned by other code lands under resources/.
    return f"resources/{filename}"


@audited()
class ResourcePhoto(TenantModel):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="photos")
    # The dimensions are read by photos.inspect_photo and stored by the service; no
    # width_field/height_field, which would make Django open the file when a row is loaded.
    image = models.ImageField(_("image"), max_length=255, upload_to=_photo_upload_to)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))
    caption = models.CharField(_("caption"), max_length=255, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["cluster", "resource", "position"])]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.caption or self.image.name


BOOKED_STATUSES = ("approved", "completed")


def _bounded_half_open(prefix=""):
    """A period with both ends, lower included and upper excluded: "[start, end)"."""
    return Q(**{
        f"{prefix}period__isempty": False, f"{prefix}period__lower_inf": False,
        f"{prefix}period__upper_inf": False, f"{prefix}period__lower_inc": True,
        f"{prefix}period__upper_inc": False,
    })


@audited()
class Booking(TenantModel):
    """One request by a member organization for one or more resources of one owner."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    requester = models.ForeignKey(
        "members.Organization", verbose_name=_("requesting organization"), on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    purpose = models.TextField(_("purpose"))
    participants = models.PositiveIntegerField(_("number of participants"))
    agreement = models.ForeignKey(
        "agreements.Agreement", verbose_name=_("agreement"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # The programme session this booking serves comes with the programmes issue (programs.Session
    # "may hold a booking"): a nullable foreign key here or there, decided with that model.
    period = DateTimeRangeField(_("period"), default_bounds="[)")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(participants__gte=1), name="booking_participants_positive"),
            models.CheckConstraint(condition=_bounded_half_open(), name="booking_period_bounded"),
        ]
        indexes = [
            models.Index(fields=["cluster", "status"]),
            models.Index(fields=["cluster", "requester", "-created_at"]),
            # The lists' order, whole and by status: keyset pages read the index from a row on.
            models.Index(fields=["cluster", "-created_at", "-id"], name="booking_cluster_created_id"),
            models.Index(fields=["cluster", "status", "-created_at", "-id"], name="booking_cluster_status_created"),
        ]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self):
        return f"#{self.pk} · {self.requester_id} · {self.get_status_display()}"


@audited()
class BookedResource(TenantModel):
    """One resource of a booking. `period` and `status` are copies of the booking's, written
    by the services in the same transaction, so that the database itself keeps two approved
    (or completed) bookings of one resource from overlapping. Adjacent periods ("[)" bounds:
    one ends when the next begins) do not overlap."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.PROTECT, related_name="booked_items"
    )
    period = DateTimeRangeField(_("period"), default_bounds="[)")
    status = models.CharField(
        _("status"), max_length=20, choices=Booking.Status.choices, default=Booking.Status.REQUESTED
    )

    class Meta:
        ordering = ["resource_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "resource"], name="booked_resource_once_per_booking"),
            models.CheckConstraint(condition=_bounded_half_open(), name="booked_resource_period_bounded"),
            ExclusionConstraint(
                name="booked_resource_no_overlap",
                expressions=[("resource", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                condition=Q(status__in=BOOKED_STATUSES),
                violation_error_message=_("The resource already has an approved booking at that time."),
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "resource", "status"]),
            models.Index(fields=["cluster", "booking"]),
        ]
        verbose_name = _("booked resource")
        verbose_name_plural = _("booked resources")

    def __str__(self):
        return f"{self.booking_id} · {self.resource_id}"


# --- django-guardian: direct foreign-key permission tables (see tenancy.ClusterGrant) --------

@audited()
class ResourceUserObjectPermission(ClusterGrant, UserObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "user"])]
        verbose_name = _("resource manager grant")
        verbose_name_plural = _("resource manager grants")


@audited()
class ResourceGroupObjectPermission(ClusterGrant, GroupObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["cluster", "group"])]
        verbose_name = _("resource group grant")
        verbose_name_plural = _("resource group grants")


# --- Calendar feeds ------------------------------------------------------------------------

@audited()
class CalendarFeed(TenantModel):
    """A secret link to an iCalendar feed of one resource's bookings or of one organization's.

    Only the SHA-256 of the secret token is stored: the full link is shown once, right after
    it is created, and a lost link is replaced by a new one ("create a new link" revokes the
    old). Each person holds at most one active link per resource and per organization, so one
    manager replacing or revoking a link leaves the others' subscriptions alone."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    organization = models.ForeignKey(
        "members.Organization", verbose_name=_("organization"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # sha256 hex of the secret token in the link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resource__isnull=False, organization__isnull=True)
                           | Q(resource__isnull=True, organization__isnull=False)),
                name="calendar_feed_one_target",
                violation_error_message=_("A calendar link is for one resource or for one organization."),
            ),
            models.UniqueConstraint(
                fields=["cluster", "resource", "created_by"],
                condition=Q(revoked_at__isnull=True, resource__isnull=False),
                name="calendar_feed_one_active_per_resource",
            ),
            models.UniqueConstraint(
                fields=["cluster", "organization", "created_by"],
                condition=Q(revoked_at__isnull=True, organization__isnull=False),
                name="calendar_feed_one_active_per_organization",
            ),
        ]
        indexes = [models.Index(fields=["cluster", "created_by", "revoked_at"])]
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")

    def __str__(self):
        return f"#{self.pk} · {self.resource_id or ''}{self.organization_id or ''}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
