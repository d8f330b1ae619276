"""Serializers of the agreements API.

Input serializers (`...In`) check the shape of a body only; who may do what, the lifecycle
and which organizations, people and parties belong where are the services' rules, and their
ValidationErrors reach the client as 400 answers naming the field. Ids inside a body are
plain integers for the same reason: the service looks them up in the cluster (one query for
all parties) and reports another cluster's id like an unknown one. Output serializers
(`...Out`) are read-only and touch only what the selectors load.

Kinds and statuses are documented as strings with their values listed: the same field names
carry other choice sets in the members API, and giving each set its own schema enum would
need names in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.models import Agreement, AgreementDocument, AgreementParty, AgreementTransition, Obligation
from cluster_platform.api_output import RowsFromQuery
from members.api.serializers import InputSerializer


@extend_schema_field(OpenApiTypes.STR)
class ChoiceText(serializers.ChoiceField):
    """A choice checked by the server and described in its help text (see the module docstring)."""

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("help_text", ", ".join(str(value) for value, _label in choices))
        super().__init__(choices, **kwargs)


def _choice_out(choices):
    return ChoiceText(choices=choices, read_only=True)


# --- Output ---------------------------------------------------------------------------------


class AgreementPartyOut(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    signatory_name = serializers.CharField(source="signatory.full_name", default=None, allow_null=True,
                                           read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["id", "organization", "organization_name", "role", "signatory", "signatory_name", "signed_on",
                  "signed_by_name"]
        read_only_fields = fields


class RepresentativeOut(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)


class AgreementPartyDetailOut(AgreementPartyOut):
    """A party with the people named to represent it on this agreement."""

    representatives = RepresentativeOut(source="representative_grants", many=True, read_only=True)

    class Meta(AgreementPartyOut.Meta):
        fields = AgreementPartyOut.Meta.fields + ["representatives"]
        read_only_fields = fields


class ObligationOut(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="party.organization_id", read_only=True)
    organization_name = serializers.CharField(source="party.organization.name", read_only=True)
    status = _choice_out(Obligation.Status.choices)

    class Meta:
        model = Obligation
        fields = ["id", "agreement", "party", "organization", "organization_name", "description", "due_date",
                  "status", "completed_at", "completed_by"]
        read_only_fields = fields


class AgreementTransitionOut(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True, help_text=_("Empty for the creation."))
    to_status = _choice_out(Agreement.Status.choices)
    actor_username = serializers.CharField(source="actor.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = AgreementTransition
        fields = ["id", "from_status", "to_status", "actor", "actor_username", "comment", "created_at"]
        read_only_fields = fields


class AgreementDocumentOut(serializers.ModelSerializer):
    """A document version. `download_url` is the API route that streams the file; it needs
    the cluster in the serializer context (ClusterScopedViewSet.get_serializer_context)."""

    kind = _choice_out(AgreementDocument.Kind.choices)
    uploaded_by_username = serializers.CharField(source="uploaded_by.username", default=None, allow_null=True,
                                                 read_only=True)
    download_url = serializers.SerializerMethodField(help_text=_("Absolute path of the file's download route."))

    class Meta:
        model = AgreementDocument
        fields = ["id", "kind", "version", "display_name", "content_type", "size", "sha256", "uploaded_by",
                  "uploaded_by_username", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, document) -> str:
        return reverse("api-agreement-document-download", kwargs={
            "cluster_slug": self.context["cluster"].slug, "pk": document.agreement_id, "document_pk": document.pk})


class AgreementOut(serializers.ModelSerializer):
    """A row of the list: the agreement and its parties, rendered by the list's query
    (selectors.agreement_api_list) or, for an agreement read otherwise, from its parties."""

    kind = _choice_out(Agreement.Kind.choices)
    status = _choice_out(Agreement.Status.choices)
    parties = RowsFromQuery(AgreementPartyOut(many=True, read_only=True), annotation="party_rows")

    class Meta:
        model = Agreement
        fields = ["id", "number", "title", "kind", "status", "start_date", "end_date", "renewal_of", "parties",
                  "created_at", "updated_at"]
        read_only_fields = fields


class AgreementDetailOut(AgreementOut):
    """One agreement with its obligations, its documents (every version, newest of each kind
    first) and its timeline of status moves."""

    parties = AgreementPartyDetailOut(many=True, read_only=True)
    obligations = ObligationOut(many=True, read_only=True)
    documents = AgreementDocumentOut(many=True, read_only=True)
    transitions = AgreementTransitionOut(many=True, read_only=True)

    class Meta(AgreementOut.Meta):
        fields = AgreementOut.Meta.fields + ["description", "termination_reason", "created_by", "obligations",
                                             "documents", "transitions"]
        read_only_fields = fields


# --- Input ----------------------------------------------------------------------------------


class AgreementPartyIn(InputSerializer):
    organization = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=AgreementParty.Role.choices, default=AgreementParty.Role.PARTNER)
    signatory = serializers.IntegerField(min_value=1, allow_null=True, default=None)


class AgreementCreateIn(InputSerializer):
    title = serializers.CharField(max_length=255)
    kind = ChoiceText(choices=Agreement.Kind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    description = serializers.CharField(allow_blank=True, default="")
    parties = AgreementPartyIn(many=True, help_text=_("Two or more organizations of this cluster."))

    @staticmethod
    def to_service_kwargs(data: dict) -> dict:
        """The body as agreements.services.agreement_create takes it."""
        return {**data, "parties": [
            {"organization_id": party["organization"], "role": party["role"], "signatory_id": party["signatory"]}
            for party in data["parties"]
        ]}


class AgreementTransitionIn(InputSerializer):
    to_status = ChoiceText(choices=Agreement.Status.choices)
    comment = serializers.CharField(allow_blank=True, default="")
    reason = serializers.CharField(allow_blank=True, default="",
                                   help_text=_("Required when the agreement is terminated."))


class AgreementSignIn(InputSerializer):
    party = serializers.IntegerField(min_value=1, help_text=_("Id of a party of this agreement."))
    signed_on = serializers.DateField()
    signatory = serializers.IntegerField(min_value=1, allow_null=True, default=None,
                                         help_text=_("A person of the party's organization."))
    signed_by_name = serializers.CharField(max_length=200, allow_blank=True, default="")


class AgreementRenewIn(InputSerializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class ObligationIn(InputSerializer):
    party = serializers.IntegerField(min_value=1, help_text=_("Id of the responsible party of this agreement."))
    description = serializers.CharField()
    due_date = serializers.DateField()


class RepresentativeIn(InputSerializer):
    party = serializers.IntegerField(min_value=1, help_text=_("Id of a party of this agreement."))
    user = serializers.IntegerField(min_value=1, help_text=_("Id of a user with a role in the party's organization."))


class AgreementDocumentIn(InputSerializer):
    """multipart/form-data. The file's type is decided by its content, not by its name or the
    content type the client sends; the size limit is the AGREEMENT_DOCUMENT_MAX_BYTES setting."""

    kind = ChoiceText(choices=AgreementDocument.Kind.choices)
    file = serializers.FileField(help_text=_("A PDF, DOCX, ODT, PNG or JPEG file."))
