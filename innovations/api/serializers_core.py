"""Serializers of the innovations API: core (innovations, stage moves, attachments).

Input serializers (`...In`) check the shape of a body only; who may do what, the guards of each
move and the validation of files are innovations.services' rules, whose ValidationErrors reach
the client as 400 answers naming the field. Ids in a body are plain integers that the services
look up in the cluster of the URL. Output serializers (`...Out`) are read-only and touch only what
the viewset loads.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer, translations_in

from ..models import Innovation, InnovationAttachment, InnovationAuthor, Stage, StageTransition, SubjectField


def _choice_out(choices, **kwargs):
    return ChoiceText(choices=choices, read_only=True, **kwargs)


# --- Output ----------------------------------------------------------------------------------


class InnovationOut(serializers.ModelSerializer):
    """A row of the list: no authors, reviews or files (those are on the innovation itself)."""

    kind = _choice_out(Innovation.Kind.choices)
    education_level = _choice_out(Innovation.Level.choices)
    stage = _choice_out(Stage.choices)
    origin_organization = serializers.IntegerField(source="origin_organization_id", allow_null=True, read_only=True)
    origin_organization_name = serializers.CharField(source="origin_organization.name", allow_null=True,
                                                     read_only=True)
    subject_fields = serializers.ListField(child=ChoiceText(choices=SubjectField.choices), read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Innovation
        fields = ["id", "title", "title_translations", "kind", "education_level", "stage", "stage_changed_at",
                  "origin_organization", "origin_organization_name", "subject_fields", "keywords", "review_round",
                  "created_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        hide = self.context.get("hide_origin")
        if hide is not None and hide(instance):  # blind review: the origin names the authors
            data["origin_organization"] = data["origin_organization_name"] = None
        return data


class InnovationAuthorOut(serializers.ModelSerializer):
    full_name = serializers.CharField(source="person.full_name", read_only=True)
    organization = serializers.IntegerField(source="person.organization_id", read_only=True)
    organization_name = serializers.CharField(source="person.organization.name", read_only=True)

    class Meta:
        model = InnovationAuthor
        fields = ["person", "full_name", "organization", "organization_name", "position"]
        read_only_fields = fields


class StageTransitionOut(serializers.ModelSerializer):
    from_stage = serializers.CharField(read_only=True, help_text=_("Empty for the proposal."))
    to_stage = _choice_out(Stage.choices)
    actor_username = serializers.SerializerMethodField(
        help_text=_("Who made the move; null when unknown, or hidden from a blind reviewer."))

    class Meta:
        model = StageTransition
        fields = ["id", "from_stage", "to_stage", "actor_username", "comment", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_username(self, transition):
        if self.context.get("authors_hidden") or transition.actor is None:
            return None
        return transition.actor.username


class InnovationAttachmentOut(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text=_("Where the file is downloaded (API)."))

    class Meta:
        model = InnovationAttachment
        fields = ["id", "innovation", "original_name", "content_type", "size", "sha256", "description",
                  "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment):
        path = reverse("api-innovation-attachment-download", args=[self.context["cluster"].slug, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class InnovationDetailOut(InnovationOut):
    """One innovation with its authors (none when hidden from a blind reviewer), timeline,
    attachments and the moves the caller may try (set by the viewset)."""

    summary = serializers.CharField(read_only=True)
    expected_effect = serializers.CharField(read_only=True)
    decision_reason = serializers.CharField(read_only=True)
    authors_hidden = serializers.BooleanField(read_only=True,
                                              help_text=_("The cluster reviews blind and you review it."))
    authors = InnovationAuthorOut(source="author_rows", many=True, read_only=True)
    transitions = StageTransitionOut(source="timeline", many=True, read_only=True)
    attachments = InnovationAttachmentOut(source="attachment_rows", many=True, read_only=True)
    moves = serializers.ListField(child=ChoiceText(choices=Stage.choices), read_only=True,
                                  help_text=_("The stages you may try to move it to (the guards are checked "
                                              "when you do)."))
    can_edit = serializers.BooleanField(read_only=True)
    can_attach = serializers.BooleanField(read_only=True)

    class Meta(InnovationOut.Meta):
        fields = InnovationOut.Meta.fields + ["summary", "expected_effect", "decision_reason", "authors_hidden",
                                              "authors", "transitions", "attachments", "moves", "can_edit",
                                              "can_attach"]
        read_only_fields = fields


# --- Input -----------------------------------------------------------------------------------


class InnovationCreateIn(InputSerializer):
    title = serializers.CharField(max_length=255)
    title_translations = translations_in("title")
    summary = serializers.CharField()
    kind = ChoiceText(choices=Innovation.Kind.choices)
    education_level = ChoiceText(choices=Innovation.Level.choices)
    origin_organization = serializers.IntegerField(
        min_value=1, help_text=_("Id of an organization of this cluster you may propose for."))
    authors = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                    help_text=_("Ids of people of this cluster, the lead author first."))
    subject_fields = serializers.ListField(child=ChoiceText(choices=SubjectField.choices), default=list)
    keywords = serializers.ListField(child=serializers.CharField(max_length=60), default=list,
                                     help_text=_("At most 12."))
    expected_effect = serializers.CharField(allow_blank=True, default="")

    @staticmethod
    def to_service_kwargs(data: dict) -> dict:
        data = dict(data)
        if "origin_organization" in data:
            data["origin_organization_id"] = data.pop("origin_organization")
        return data


class InnovationUpdateIn(InputSerializer):
    """Any of these fields (PATCH), while the proposal is proposed or under revision."""

    title = serializers.CharField(max_length=255)
    title_translations = translations_in("title")
    summary = serializers.CharField()
    kind = ChoiceText(choices=Innovation.Kind.choices)
    education_level = ChoiceText(choices=Innovation.Level.choices)
    authors = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                    help_text=_("Replaces the authors: ids of people, the lead author first."))
    subject_fields = serializers.ListField(child=ChoiceText(choices=SubjectField.choices))
    keywords = serializers.ListField(child=serializers.CharField(max_length=60))
    expected_effect = serializers.CharField(allow_blank=True)


class StageTransitionIn(InputSerializer):
    to_stage = ChoiceText(choices=Stage.choices)
    comment = serializers.CharField(allow_blank=True, default="", max_length=4000,
                                    help_text=_("Required (the reason) for a rejection or a revision request."))
    expected_stage = ChoiceText(choices=Stage.choices, required=False, allow_null=True, default=None,
                                help_text=_("The stage you saw: the move is refused if it has moved since."))


class InnovationAttachmentIn(InputSerializer):
    """multipart/form-data. The file's type is decided by its content, not by its name or the
    content type the client sends; the size limit is the INNOVATION_ATTACHMENT_MAX_BYTES setting."""

    file = serializers.FileField(help_text=_("A PDF, DOCX, ODT, PNG or JPEG file."))
    description = serializers.CharField(allow_blank=True, max_length=255, default="")
