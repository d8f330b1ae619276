"""Serializers of the members API.

Input serializers (`...In`) check the shape of a request body only: types, lengths,
choices. Every business rule (who may change which field, tax id format and uniqueness,
status moves, one rating per period) is the services' job; their ValidationErrors reach
the client as 400 answers naming the field (cluster_platform.api_support). Output
serializers (`...Out`) are read-only and touch only the columns their list queryset loads.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from members import branding, selectors
from members.models import MembershipApplication, Organization, Person, RatingColour, SchoolRating

# --- Building blocks ---------------------------------------------------------------------


class InputSerializer(serializers.Serializer):
    """A request body that refuses keys it does not declare.

    DRF drops unknown keys silently; for a write API that turns a typo, or a field the
    caller may not set (an organization's status, its kind for an organization admin), into
    a 200 answer that changed nothing. Here it is a 400 that names the key.
    """

    # Sent by DRF's browsable API with its HTML forms; not part of the payload.
    ignored_keys = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable - self.ignored_keys)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("This field is not accepted here.")] for key in unknown}
                )
        return super().to_internal_value(data)


_TRANSLATIONS_HELP = {
    "name": _("The name in other languages: {\"en\": …, \"ru\": …, \"uz\": …} (Uzbek in Latin)."),
    "title": _("The title in other languages: {\"en\": …, \"ru\": …, \"uz\": …} (Uzbek in Latin)."),
}


def translations_in(field: str) -> serializers.DictField:
    """The `<field>_translations` input: language code -> text. Which languages and lengths will
    do is the service's check (cluster_platform.names.clean_translations), naming the field."""
    return serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict,
                                 help_text=_TRANSLATIONS_HELP[field])


@extend_schema_field(OpenApiTypes.INT)
class ClusterOrganizationField(serializers.PrimaryKeyRelatedField):
    """An organization id, looked up in the cluster of the URL only.

    An id that belongs to another cluster is answered exactly like an id that does not
    exist, so the answer tells nothing about other clusters.
    """

    default_error_messages = {
        "does_not_exist": _("Organization {pk_value} does not exist."),
    }

    def get_queryset(self):
        cluster = self.context.get("cluster")
        if cluster is None:
            # Only schema generation builds the field without a request cluster; this
            # queryset fails closed (UnscopedQueryError) should anything evaluate it.
            return Organization.objects.none()
        return selectors.organization_list(cluster=cluster).only("id", "cluster_id", "kind", *Organization.NAME_FIELDS)


class OptionalBooleanField(serializers.BooleanField):
    """A boolean that takes its default when absent, in HTML forms too.

    DRF reads a checkbox missing from form data as False; for a flag that defaults to True
    that would silently switch it off (a person posted from a form would become inactive).
    """

    default_empty_html = serializers.empty


# Optional fields carry the model's empty value as their default: a create or a PUT (which
# replaces the writable fields) sets what is left out to empty, a PATCH leaves it alone.
def _optional_text(max_length=None):
    return serializers.CharField(max_length=max_length, allow_blank=True, default="")


def _optional_decimal(max_digits, decimal_places):
    return serializers.DecimalField(max_digits=max_digits, decimal_places=decimal_places, allow_null=True,
                                    default=None)


# --- Organizations ---------------------------------------------------------------------------


class OrganizationOut(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id", "kind", "name", "short_name", "tax_id", "district", "address", "latitude", "longitude",
            "website", "email", "phone", "specialisations", "cluster_role", "status", "status_reason",
            "joined_on", "suspended_on", "withdrawn_on", "current_rating", "created_at", "updated_at",
            "name_translations",
        ]
        read_only_fields = fields


class OrganizationProfileIn(InputSerializer):
    """What an organization's own admin may write: its profile (services.PROFILE_FIELDS)."""

    name = serializers.CharField(max_length=255)
    short_name = _optional_text(80)
    tax_id = _optional_text(20)
    district = _optional_text(120)
    address = _optional_text(255)
    latitude = _optional_decimal(9, 6)
    longitude = _optional_decimal(9, 6)
    website = serializers.URLField(max_length=200, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, allow_blank=True, default="")
    phone = _optional_text(40)
    specialisations = _optional_text()
    name_translations = translations_in("name")


class OrganizationIn(OrganizationProfileIn):
    """What a coordinator writes: the profile, the kind and the role in the cluster
    (services.COORDINATOR_FIELDS). The status changes through its own actions only."""

    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    cluster_role = serializers.ChoiceField(choices=Organization.ClusterRoleKind.choices,
                                           default=Organization.ClusterRoleKind.MEMBER)


class StatusChangeIn(InputSerializer):
    reason = serializers.CharField(allow_blank=True, default="")
    effective_on = serializers.DateField(allow_null=True, default=None)


# --- Membership applications -----------------------------------------------------------------


class ApplicationOut(serializers.ModelSerializer):
    decided_by_username = serializers.CharField(source="decided_by.username", default=None, allow_null=True,
                                                read_only=True)

    class Meta:
        model = MembershipApplication
        fields = [
            "id", "reference", "status", "organization_name", "kind", "tax_id", "district", "address",
            "website", "contact_name", "contact_email", "contact_phone", "motivation", "submitted_at",
            "decided_at", "decided_by", "decided_by_username", "rejection_reason", "organization",
        ]
        read_only_fields = fields


class ApplicationRejectIn(InputSerializer):
    reason = serializers.CharField(allow_blank=True, default="")


# --- People ---------------------------------------------------------------------------------


class PersonOut(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    username = serializers.CharField(source="user.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id", "organization", "organization_name", "full_name", "position", "subject", "email", "phone",
            "is_active", "user", "username", "created_at", "updated_at",
        ]
        read_only_fields = fields


class PersonUpdateIn(InputSerializer):
    """services.PERSON_FIELDS; the organization of a person does not change."""

    full_name = serializers.CharField(max_length=200)
    position = _optional_text(150)
    subject = _optional_text(150)
    email = serializers.EmailField(max_length=254, allow_blank=True, default="")
    phone = _optional_text(40)
    is_active = OptionalBooleanField(default=True)


class PersonCreateIn(PersonUpdateIn):
    organization = ClusterOrganizationField()


# --- School ratings -----------------------------------------------------------------------------


class SchoolRatingOut(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = SchoolRating
        fields = [
            "id", "organization", "organization_name", "period", "colour", "score", "note", "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class SchoolRatingIn(InputSerializer):
    organization = ClusterOrganizationField()
    period = serializers.DateField()
    colour = serializers.ChoiceField(choices=RatingColour.choices)
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    note = _optional_text(255)


# --- Branding -----------------------------------------------------------------------------------

PRIMARY_COLOUR_HELP = _("#RRGGBB, answered in lower case. White text goes on it (the header, the buttons): it "
                        "needs a contrast of at least 4.5:1 with white.")
ACCENT_COLOUR_HELP = _("#RRGGBB, answered in lower case. Lines under the header and the headings.")


class BrandingIn(InputSerializer):
    """A change of the cluster's branding as JSON: the colours (one left out stays) or removing the
    logo. The colours are checked as the Branding page checks them, and a refusal names its field."""

    primary_colour = serializers.CharField(required=False, allow_blank=True, max_length=50,
                                           help_text=PRIMARY_COLOUR_HELP)
    accent_colour = serializers.CharField(required=False, allow_blank=True, max_length=50,
                                          help_text=ACCENT_COLOUR_HELP)
    remove_logo = serializers.BooleanField(required=False, default=False,
                                           help_text=_("true removes the logo (not with a new logo)."))


class BrandingUploadIn(BrandingIn):
    """The same as multipart/form-data, which may also carry a new logo."""

    logo = serializers.FileField(required=False, help_text=_(
        "A PNG or JPEG, recognized by its content; the size limit is a setting (512 KB unless configured "
        "otherwise). It is stored re-encoded and reduced."))


class BrandingOut(serializers.Serializer):
    primary_colour = serializers.CharField(help_text=PRIMARY_COLOUR_HELP)
    accent_colour = serializers.CharField(help_text=ACCENT_COLOUR_HELP)
    logo_url = serializers.SerializerMethodField(help_text=_(
        "The logo's public address, which changes with the logo; null without a logo."))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_logo_url(self, cluster):
        path = branding.logo_url(cluster)
        if not path:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- Authentication -----------------------------------------------------------------------------


class TokenOut(serializers.Serializer):
    token = serializers.CharField(read_only=True)
