"""The innovations API: core. `register(router)` adds its viewsets; `urlpatterns` any other routes.

/innovations/ lists, proposes, reads and edits innovations; POST /innovations/<id>/transition/
moves one through the life-cycle service; /innovations/<id>/attachments/ lists and uploads its
files; /innovations/attachments/<id>/download/ streams one (as the browser download) and
DELETE /innovations/attachments/<id>/ removes one.

Every route starts from permissions.visible_innovations: an innovation the caller may not see is
a 404 like one that does not exist or belongs to another cluster. Writes the caller's roles do
not allow are 403 (the services check again); the services' ValidationErrors are 400 answers
naming the field.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agreements.api.views import DownloadContentNegotiation
from cluster_platform import uploads
from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses, file_responses

from .. import permissions, selectors, services
from ..models import Innovation, InnovationAttachment, InnovationAuthor, Stage, StageTransition, SubjectField
from ..services.lifecycle import moves_for
from ..selectors import filter_innovations
from ..views.core import attachment_file_response, authors_hidden
from .serializers_core import (
    InnovationAttachmentIn,
    InnovationAttachmentOut,
    InnovationCreateIn,
    InnovationDetailOut,
    InnovationOut,
    InnovationUpdateIn,
    StageTransitionIn,
)


class InnovationFilter(filters.FilterSet):
    """Ids are NumberFilters (never a ModelChoiceFilter, whose choices would be unscoped)."""

    stage = filters.ChoiceFilter(choices=Stage.choices, method="filter_core")
    kind = filters.ChoiceFilter(choices=Innovation.Kind.choices, method="filter_core")
    level = filters.ChoiceFilter(choices=Innovation.Level.choices, method="filter_core",
                                 label=_("Education level"))
    origin = filters.NumberFilter(method="filter_core", label=_("Organization id of the origin"))
    subject_field = filters.ChoiceFilter(choices=SubjectField.choices, method="filter_core")
    search = filters.CharFilter(method="filter_core", label=_("Words of the title or summary, or a keyword"))

    class Meta:
        model = Innovation
        fields = ["stage", "kind", "level", "origin", "subject_field", "search"]

    def filter_core(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        key = "q" if name == "search" else name
        return filter_innovations(queryset, {key: int(value) if name == "origin" else value})


@extend_schema_view(
    list=extend_schema(
        summary=_("Innovations you may see"),
        description=_("Coordinators and authorities see every innovation; authors and the origin "
                      "organization's people see theirs; experts the ones assigned to them; every member "
                      "sees those piloted and beyond.")),
)
@extend_schema(tags=["innovations"])
class InnovationViewSet(ListMixin, ClusterScopedViewSet):
    model = Innovation
    # services.attachment_add stores its file outside the database and must run outside any
    # transaction of the caller; every other write here is a service holding its own transaction.
    non_atomic_actions = frozenset({"attachments"})
    serializer_class = InnovationOut
    filterset_class = InnovationFilter
    ordering_fields = ["title", "stage", "stage_changed_at", "created_at"]
    ordering = ["-created_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    INPUT = {"create": InnovationCreateIn, "partial_update": InnovationUpdateIn, "transition": StageTransitionIn}

    def scoped_queryset(self):
        return permissions.visible_innovations(self.cluster, self.roles).select_related("origin_organization")

    def _blind(self) -> bool:
        if not hasattr(self, "_blind_reader"):
            self._blind_reader = permissions.blind_reader(self.roles, selectors.policy_for(self.cluster))
        return self._blind_reader

    def filter_queryset(self, queryset):
        # The list's filters apply to the list: a detail route finds its object whatever the query says.
        if self.detail:
            return queryset
        if "origin" in self.request.query_params and self._blind():
            raise exceptions.ValidationError({"origin": [_(
                "Under blind review the origin of an innovation is not shown, and lists are not filtered by it.")]})
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":
            context["hide_origin"] = (lambda innovation: permissions.origin_hidden(self.roles, innovation, True)) \
                if self._blind() else None
        return context

    def check_cluster_permission(self):
        if self.action == "create" and not permissions.can_propose(self.roles):
            permissions.deny()

    def check_cluster_object_permission(self, obj):
        # Refused before the body (or a large file) is read; the services check again.
        if self.action == "partial_update" and not permissions.can_steer(self.roles, obj):
            permissions.deny()
        if self.action == "attachments" and self.request.method == "POST" and not permissions.can_attach(
                self.roles, obj):
            permissions.deny()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return InnovationDetailOut
        if self.action == "attachments":
            return InnovationAttachmentIn if self.request.method == "POST" else InnovationAttachmentOut
        return self.INPUT.get(self.action, InnovationOut)

    def _attachments(self, innovation_id):
        return InnovationAttachment.objects.for_cluster(self.cluster).filter(innovation_id=innovation_id)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        innovation = self.scoped_queryset().get(pk=pk)
        hidden = authors_hidden(self, innovation)
        innovation.authors_hidden = hidden
        innovation.author_rows = [] if hidden else list(
            InnovationAuthor.objects.for_cluster(self.cluster).filter(innovation=innovation)
            .select_related("person__organization"))
        innovation.timeline = list(StageTransition.objects.for_cluster(self.cluster).filter(innovation=innovation)
                                   .select_related("actor"))
        innovation.attachment_rows = list(self._attachments(innovation.pk))
        innovation.moves = moves_for(self.roles, innovation)
        innovation.can_edit = permissions.can_edit(self.roles, innovation)
        innovation.can_attach = permissions.can_attach(self.roles, innovation)
        context = {**self.get_serializer_context(), "authors_hidden": hidden}
        return Response(InnovationDetailOut(innovation, context=context).data, status=status_code)

    @extend_schema(summary=_("One innovation with its authors, timeline, attachments and your possible moves"),
                   responses={200: InnovationDetailOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Propose an innovation (coordinators, or people of the origin organization)"),
                   request=InnovationCreateIn, responses={201: InnovationDetailOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = InnovationCreateIn.to_service_kwargs(self.validate_input(InnovationCreateIn))
        innovation = services.innovation_propose(cluster=self.cluster, actor=request.user, **data)
        return self._detail(innovation.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Edit the proposal (its authors, the origin's admins, coordinators)"),
                   description=_("While it is proposed or under revision. `authors` replaces the authors."),
                   request=InnovationUpdateIn, responses={200: InnovationDetailOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        innovation = self.get_object()
        data = self.validate_input(InnovationUpdateIn, partial=True)
        services.innovation_update(cluster=self.cluster, actor=request.user, innovation_id=innovation.pk, **data)
        return self._detail(innovation.pk)

    @extend_schema(summary=_("Move the innovation to another stage"),
                   description=_("proposed → in review (enough experts assigned) → approved for pilot (enough "
                                 "submitted reviews, mean score at the threshold, consensus held when the scores "
                                 "disagree) / revision requested (with a comment) / rejected (with a reason) → "
                                 "piloting (a pilot site with a measure) → evaluated (results and conclusions) → "
                                 "implementing → disseminating (an adoption by another member) → archived. A "
                                 "refused move is a 400 that says why; with `expected_stage`, a move of an "
                                 "innovation that has moved meanwhile is refused."),
                   request=StageTransitionIn, responses={200: InnovationDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        innovation = self.get_object()
        data = self.validate_input(StageTransitionIn)
        services.innovation_transition(cluster=self.cluster, actor=request.user, innovation_id=innovation.pk,
                                       to_stage=data["to_stage"], comment=data["comment"],
                                       expected_stage=data.get("expected_stage") or None)
        return self._detail(innovation.pk)

    @extend_schema(methods=["GET"], summary=_("The innovation's attachments, newest first"),
                   request=None, responses={200: InnovationAttachmentOut(many=True), **error_responses(404)})
    @extend_schema(methods=["POST"], summary=_("Attach a file (the authors' side, until rejected or archived)"),
                   description=_("multipart/form-data with `file` and an optional `description`. PDF, DOCX, ODT, "
                                 "PNG or JPEG, recognized by the content; the size limit is a setting (20 MB "
                                 "unless configured otherwise)."),
                   request={"multipart/form-data": InnovationAttachmentIn},
                   responses={201: InnovationAttachmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser], filter_backends=[])
    def attachments(self, request, *args, **kwargs):
        innovation = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            data = self.validate_input(InnovationAttachmentIn)
            attachment = services.attachment_add(cluster=self.cluster, actor=request.user,
                                                 innovation_id=innovation.pk, upload=data["file"],
                                                 description=data["description"])
            return Response(InnovationAttachmentOut(attachment, context=context).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(self._attachments(innovation.pk))
        return self.get_paginated_response(InnovationAttachmentOut(page, many=True, context=context).data)


@extend_schema(tags=["innovations"])
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class InnovationAttachmentViewSet(ClusterScopedViewSet):
    """One attachment, found among those of the innovations the caller may see."""

    model = InnovationAttachment
    serializer_class = InnovationAttachmentOut
    filter_backends = []

    def scoped_queryset(self):
        return InnovationAttachment.objects.for_cluster(self.cluster).filter(
            permissions.visible_innovation_filter(self.cluster, self.roles))

    @extend_schema(summary=_("Download one attachment's file"),
                   description=_("The file as an attachment, with the content type detected at upload."),
                   responses={**file_responses(uploads.content_types(uploads.DOCUMENT_KINDS), _("The file.")),
                              **error_responses(404)})
    def download(self, request, *args, **kwargs):
        return attachment_file_response(self.get_object())

    @extend_schema(summary=_("Remove an attachment (the authors' side, while the proposal is editable)"),
                   request=None, responses={204: None, **error_responses(400, 403, 404)})
    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        services.attachment_remove(cluster=self.cluster, actor=request.user, attachment_id=attachment.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("innovations/attachments/<int:pk>/", InnovationAttachmentViewSet.as_view({"delete": "destroy"}, detail=True),
         name="api-innovation-attachment"),
    path("innovations/attachments/<int:pk>/download/", InnovationAttachmentViewSet.as_view(
        {"get": "download"}, detail=True, renderer_classes=[JSONRenderer],
        content_negotiation_class=DownloadContentNegotiation), name="api-innovation-attachment-download"),
]


def register(router) -> None:
    router.register("innovations", InnovationViewSet, basename="api-innovation")
