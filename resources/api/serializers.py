"""Serializers of the resources API.

Input serializers (`...In`) check the shape of a body only; who may do what and which rules a
resource or a booking must meet are resources.services' rules, whose ValidationErrors reach
the client as 400 answers naming the field. Ids in a body are plain integers: the service
looks them up in the cluster, so another cluster's id is reported like an unknown one.
Output serializers (`...Out`) are read-only and touch only what the selectors load.

Kinds, terms and statuses are documented as strings with their values listed (ChoiceText):
the same field names carry other choice sets in the members and agreements APIs.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer
from resources import availability
from resources.models import Booking, ClosedDate, OpeningHours, Resource, ResourcePhoto

#: The longest range the availability query answers for.
MAX_AVAILABILITY_DAYS = 62


def _choice_out(choices):
    return ChoiceText(choices=choices, read_only=True)


# --- Output: resources -------------------------------------------------------------------------


class OpeningHoursOut(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]
        read_only_fields = fields


class ClosedDateOut(serializers.ModelSerializer):
    class Meta:
        model = ClosedDate
        fields = ["id", "date", "reason"]
        read_only_fields = fields


class PhotoOut(serializers.ModelSerializer):
    """A photo. `url` is the API route that streams the image; it needs the cluster in the
    serializer context (ClusterScopedViewSet.get_serializer_context)."""

    url = serializers.SerializerMethodField(help_text=_("Absolute path of the route that streams the image."))

    class Meta:
        model = ResourcePhoto
        fields = ["id", "caption", "width", "height", "content_type", "size", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, photo) -> str:
        return reverse("api-resource-photo", kwargs={
            "cluster_slug": self.context["cluster"].slug, "pk": photo.resource_id, "photo_pk": photo.pk})


class ManagerOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)


class ResourceOut(serializers.ModelSerializer):
    """A row of the catalogue with its owner, weekly hours and photos (prefetched)."""

    owner_name = serializers.CharField(source="owner.name", read_only=True)
    kind = _choice_out(Resource.Kind.choices)
    terms = _choice_out(Resource.Terms.choices)
    price_unit = ChoiceText(choices=[("", "")] + list(Resource.PriceUnit.choices), read_only=True)
    access = _choice_out(Resource.Access.choices)
    opening_hours = OpeningHoursOut(many=True, read_only=True)
    photos = PhotoOut(many=True, read_only=True)

    class Meta:
        model = Resource
        fields = ["id", "owner", "owner_name", "name", "kind", "description", "capacity", "location", "terms",
                  "price", "price_unit", "access", "always_open", "is_active", "opening_hours", "photos",
                  "created_at", "updated_at"]
        read_only_fields = fields


class ResourceDetailOut(ResourceOut):
    """One resource with its upcoming closed dates, its named managers (the owner's admins and
    the coordinators manage it by their roles) and what the caller may do with it."""

    closed_dates = ClosedDateOut(many=True, read_only=True, help_text=_("Today and later."))
    managers = ManagerOut(many=True, read_only=True, source="manager_users")
    can_edit = serializers.BooleanField(read_only=True, help_text=_("May change, archive and name managers."))
    can_manage = serializers.BooleanField(
        read_only=True, help_text=_("May decide on bookings and keep hours, closed dates and photos."))

    class Meta(ResourceOut.Meta):
        fields = ResourceOut.Meta.fields + ["closed_dates", "managers", "can_edit", "can_manage"]
        read_only_fields = fields


class SlotOut(serializers.Serializer):
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)


class AvailabilityOut(serializers.Serializer):
    resource = serializers.IntegerField(read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    slots = SlotOut(many=True, read_only=True)


# --- Output: bookings ------------------------------------------------------------------------------


class BookedResourceOut(serializers.Serializer):
    id = serializers.IntegerField(source="resource_id", read_only=True)
    name = serializers.CharField(source="resource.name", read_only=True)
    owner = serializers.IntegerField(source="resource.owner_id", read_only=True)


class BookingOut(serializers.ModelSerializer):
    """A booking with its requester and resources (prefetched by the selector)."""

    status = _choice_out(Booking.Status.choices)
    requester_name = serializers.CharField(source="requester.name", read_only=True)
    requested_by_username = serializers.CharField(source="requested_by.username", default=None, allow_null=True,
                                                  read_only=True)
    start = serializers.DateTimeField(source="period.lower", read_only=True)
    end = serializers.DateTimeField(source="period.upper", read_only=True)
    items = BookedResourceOut(many=True, read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "status", "requester", "requester_name", "requested_by", "requested_by_username", "start",
                  "end", "items", "purpose", "participants", "agreement", "decided_by", "decided_at",
                  "decision_reason", "cancelled_by", "cancelled_at", "created_at", "updated_at"]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------------------


class ResourceCreateIn(InputSerializer):
    owner = serializers.IntegerField(min_value=1, help_text=_("Id of an organization of this cluster."))
    name = serializers.CharField(max_length=200)
    kind = ChoiceText(choices=Resource.Kind.choices)
    description = serializers.CharField(allow_blank=True, default="")
    capacity = serializers.IntegerField(help_text=_("People, at least 1."))
    location = serializers.CharField(allow_blank=True, max_length=255, default="")
    terms = ChoiceText(choices=Resource.Terms.choices, default=Resource.Terms.FREE)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, default=None,
                                     help_text=_("UZS; only for cost recovery."))
    price_unit = ChoiceText(choices=Resource.PriceUnit.choices, allow_blank=True, default="")
    access = ChoiceText(choices=Resource.Access.choices, default=Resource.Access.CLUSTER)
    always_open = serializers.BooleanField(default=False)


class ResourceUpdateIn(InputSerializer):
    """Any of these fields (PATCH); the owner never changes, round-the-clock opening is set
    with the week's hours."""

    name = serializers.CharField(max_length=200)
    kind = ChoiceText(choices=Resource.Kind.choices)
    description = serializers.CharField(allow_blank=True)
    capacity = serializers.IntegerField()
    location = serializers.CharField(allow_blank=True, max_length=255)
    terms = ChoiceText(choices=Resource.Terms.choices)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    price_unit = ChoiceText(choices=Resource.PriceUnit.choices, allow_blank=True)
    access = ChoiceText(choices=Resource.Access.choices)


class OpeningIntervalIn(InputSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 is Monday, 6 is Sunday."))
    opens = serializers.TimeField(help_text=_("Local time, HH:MM."))
    closes = serializers.TimeField(help_text=_("Local time, HH:MM."))


class OpeningHoursIn(InputSerializer):
    hours = OpeningIntervalIn(many=True, help_text=_("The whole week; several intervals a day allowed."))
    always_open = serializers.BooleanField(allow_null=True, default=None,
                                           help_text=_("Open round the clock (the hours are then not used)."))


class ClosedDateIn(InputSerializer):
    date = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, max_length=255, default="")


class ManagerIn(InputSerializer):
    user = serializers.IntegerField(min_value=1, help_text=_("Id of a person of the owner organization."))


class PhotoIn(InputSerializer):
    """multipart/form-data. The image's type is decided by its content (JPEG, PNG or WebP)."""

    image = serializers.FileField(help_text=_("A JPEG, PNG or WebP image."))
    caption = serializers.CharField(allow_blank=True, max_length=255, default="")


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time with its UTC offset (a time without one would be ambiguous),
    within the range the booking arithmetic takes (availability.in_range), in local time."""

    default_error_messages = {
        "offset": _("Give the date and time with its UTC offset, e.g. 2030-01-07T09:00:00+05:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed but no real time (minute 60): refused as invalid below
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("offset")
        value = super().to_internal_value(value)
        if not availability.in_range(value):
            raise serializers.ValidationError(availability.range_message(), code="range")
        return value


class AvailabilityQueryIn(serializers.Serializer):
    start = OffsetDateTimeField()
    end = OffsetDateTimeField(help_text=_("At most %(days)s days after the start.") % {"days": MAX_AVAILABILITY_DAYS})

    def validate(self, data):
        if data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": _("The end must be after the start.")})
        if data["end"] - data["start"] > datetime.timedelta(days=MAX_AVAILABILITY_DAYS):
            raise serializers.ValidationError({"end": _("Ask for at most %(days)s days at a time.") % {
                "days": MAX_AVAILABILITY_DAYS}})
        return data


class BookingCreateIn(InputSerializer):
    requester = serializers.IntegerField(min_value=1, help_text=_("Id of the requesting organization."))
    resources = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                      help_text=_("Ids of resources of one owner, booked together."))
    start = OffsetDateTimeField()
    end = OffsetDateTimeField()
    purpose = serializers.CharField()
    participants = serializers.IntegerField()
    agreement = serializers.IntegerField(min_value=1, allow_null=True, default=None,
                                         help_text=_("Id of an agreement the requester is party to."))

    @staticmethod
    def to_service_kwargs(data: dict) -> dict:
        """The body as resources.services.booking_request takes it."""
        return {"requester_id": data["requester"], "resource_ids": data["resources"], "start": data["start"],
                "end": data["end"], "purpose": data["purpose"], "participants": data["participants"],
                "agreement_id": data["agreement"]}


class DeclineIn(InputSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Required: told to the requester."))
