"""The agreements API: thin viewsets over agreements.services and agreements.selectors.

The base class resolves the cluster of the URL and the caller's roles (404 for anyone
without a role there). What a caller may read is agreements.permissions' rule, applied by
the selectors: experts and admins of organizations that are not a party see nothing, and an
agreement they may not read is a 404 like one that does not exist. Every detail route loads
its object through that scoped queryset before it reads the body, so another cluster's id
never reaches a service; the services then check the write itself (403 if refused).

Documents are listed and uploaded at .../agreements/<id>/documents/ and streamed at
.../agreements/<id>/documents/<document_id>/download/, exactly as the browser download
(agreements.views.document_file_response).
"""

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agreements import permissions, selectors, services
from agreements.models import Agreement, AgreementDocument, Obligation
from agreements.views import document_file_response
from cluster_platform import uploads
from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses, file_responses, serializer_columns
from cluster_platform.api_output import json_rows

from .filters import AgreementDocumentFilter, AgreementFilter, ObligationFilter
from .serializers import (
    AgreementCreateIn,
    AgreementDetailOut,
    AgreementDocumentIn,
    AgreementDocumentOut,
    AgreementOut,
    AgreementPartyOut,
    AgreementRenewIn,
    AgreementSignIn,
    AgreementTransitionIn,
    ObligationIn,
    ObligationOut,
    RepresentativeIn,
)



def obligation_list(*, cluster, roles):
    """The obligations of the agreements these roles may read, with what ObligationOut shows."""
    return (
        Obligation.objects.for_cluster(cluster)
        .filter(permissions.visible_agreement_filter(cluster, roles, "agreement_id"))
        .select_related("party__organization")
    )


class DownloadContentNegotiation(DefaultContentNegotiation):
    """A download answers with the file whatever the Accept header asks for (a client may
    well send `Accept: application/pdf`); only its errors are rendered, as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


# --- Agreements ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Agreements of the cluster"),
                       description=_("Coordinators and authorities see every agreement; admins and staff "
                                     "of an organization see those it is party to; experts see none.")),
)
@extend_schema(tags=["agreements"])
class AgreementViewSet(ListMixin, ClusterScopedViewSet):
    model = Agreement
    # services.document_upload stores its file outside the database and must run outside any
    # transaction of the caller; every other write of this viewset is a service that holds its
    # own transaction.
    non_atomic_actions = frozenset({"documents"})
    serializer_class = AgreementOut
    filterset_class = AgreementFilter
    ordering_fields = ["number", "start_date", "end_date", "status", "created_at"]
    ordering = ["-created_at"]

    INPUT = {
        "create": AgreementCreateIn,
        "transition": AgreementTransitionIn,
        "sign": AgreementSignIn,
        "renew": AgreementRenewIn,
        "obligations": ObligationIn,
        "representatives": RepresentativeIn,
        "remove_representative": RepresentativeIn,
    }

    def scoped_queryset(self):
        if self.action == "list":
            # Each row's parties in the row's own query, as JSON (no prefetch, no party objects).
            return (
                selectors.agreement_list(cluster=self.cluster, roles=self.roles, with_parties=False)
                .only(*serializer_columns(AgreementOut))
                .annotate(party_rows=json_rows(AgreementPartyOut, selectors.parties_of_each(self.cluster)))
            )
        return selectors.agreement_list(cluster=self.cluster, roles=self.roles)

    def check_cluster_permission(self):
        # Refused before the body is read: only coordinators and organization admins create.
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "create", self.roles.organizations_with("admin"))

    def check_cluster_object_permission(self, obj):
        # An upload is refused before its (possibly large) file is inspected; the service
        # checks again.
        if self.action == "documents" and self.request.method == "POST":
            permissions.require(self.request.user, self.cluster, "upload_document", obj)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AgreementDetailOut
        if self.action == "documents":
            return AgreementDocumentIn if self.request.method == "POST" else AgreementDocumentOut
        return self.INPUT.get(self.action, AgreementOut)

    def _documents(self, agreement_id):
        return selectors.document_list(cluster=self.cluster, roles=self.roles, agreement_id=agreement_id)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        agreement = selectors.agreement_get(cluster=self.cluster, roles=self.roles, pk=pk)
        prefetch_related_objects([agreement], Prefetch("documents", queryset=self._documents(agreement.pk)))
        return Response(AgreementDetailOut(agreement, context=self.get_serializer_context()).data,
                        status=status_code)

    @extend_schema(summary=_("One agreement with its parties, obligations, documents and timeline"),
                   responses={200: AgreementDetailOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Propose a draft agreement (coordinators, or an admin of a party organization)"),
                   request=AgreementCreateIn, responses={201: AgreementDetailOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = AgreementCreateIn.to_service_kwargs(self.validate_input(AgreementCreateIn))
        agreement = services.agreement_create(cluster=self.cluster, actor=request.user, **data)
        return self._detail(agreement.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Move the agreement to another status"),
                   description=_("Parties' admins move it between draft and negotiation and declare it signed; "
                                 "coordinators activate, suspend and terminate (with a reason)."),
                   request=AgreementTransitionIn, responses={200: AgreementDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementTransitionIn)
        services.agreement_transition(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk, **data)
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Record a party's signature while the agreement is negotiated"),
                   request=AgreementSignIn, responses={200: AgreementDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def sign(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementSignIn)
        services.agreement_sign(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                party_id=data["party"], signed_on=data["signed_on"],
                                signatory_id=data["signatory"], signed_by_name=data["signed_by_name"])
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Renew: a new draft with the same parties and new dates"),
                   request=AgreementRenewIn, responses={201: AgreementDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def renew(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementRenewIn)
        renewal = services.agreement_renew(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                           **data)
        return self._detail(renewal.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Name a person to represent a party on this agreement"),
                   request=RepresentativeIn, responses={200: AgreementDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def representatives(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(RepresentativeIn)
        services.representative_add(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                    party_id=data["party"], user_id=data["user"])
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Remove a party's representative from this agreement"),
                   request=RepresentativeIn, responses={200: AgreementDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"], url_path="representatives/remove")
    def remove_representative(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(RepresentativeIn)
        services.representative_remove(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                       party_id=data["party"], user_id=data["user"])
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Add an obligation of one party"),
                   request=ObligationIn, responses={201: ObligationOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def obligations(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(ObligationIn)
        obligation = services.obligation_add(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                             party_id=data["party"], description=data["description"],
                                             due_date=data["due_date"])
        obligation = obligation_list(cluster=self.cluster, roles=self.roles).get(pk=obligation.pk)
        return Response(ObligationOut(obligation).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary=_("The agreement's documents, newest version of each kind first"),
                   parameters=[OpenApiParameter("kind", str, enum=AgreementDocument.Kind.values,
                                                description=_("Only drafts or only signed scans."))],
                   request=None, responses={200: AgreementDocumentOut(many=True), **error_responses(400, 404)})
    @extend_schema(methods=["POST"],
                   summary=_("Upload a new version of the draft or of the signed scan "
                             "(coordinators, and admins and representatives of the parties)"),
                   description=_("multipart/form-data with `kind` and `file`. PDF, DOCX, ODT, PNG or JPEG, "
                                 "recognized by the content; the size limit is a setting (20 MB unless "
                                 "configured otherwise)."),
                   request={"multipart/form-data": AgreementDocumentIn},
                   responses={201: AgreementDocumentOut, **error_responses(400, 403, 404)})
    # filter_backends=[]: the agreements' own filters (kind, status...) must not apply to the
    # agreement this route loads; the documents have their FilterSet, applied below.
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser], filter_backends=[])
    def documents(self, request, *args, **kwargs):
        agreement = self.get_object()
        if request.method == "POST":
            data = self.validate_input(AgreementDocumentIn)
            document = services.document_upload(cluster=self.cluster, actor=request.user,
                                                agreement_id=agreement.pk, kind=data["kind"], upload=data["file"])
            document = self._documents(agreement.pk).get(pk=document.pk)
            return Response(AgreementDocumentOut(document, context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        documents = AgreementDocumentFilter(request.query_params, queryset=self._documents(agreement.pk),
                                            request=request)
        if not documents.is_valid():
            raise exceptions.ValidationError(documents.errors)
        page = self.paginate_queryset(documents.qs)
        return self.get_paginated_response(
            AgreementDocumentOut(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(summary=_("Download one document's file"),
                   description=_("The file as an attachment, with the content type detected at upload."),
                   responses={**file_responses(uploads.content_types(uploads.DOCUMENT_KINDS), _("The file.")),
                              **error_responses(404)})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_pk>[0-9]+)/download",
            url_name="document-download", filter_backends=[], renderer_classes=[JSONRenderer],
            content_negotiation_class=DownloadContentNegotiation)
    def document_download(self, request, *args, **kwargs):
        agreement = self.get_object()
        try:
            document = selectors.document_get(cluster=self.cluster, roles=self.roles, agreement_id=agreement.pk,
                                              pk=kwargs["document_pk"])
        except AgreementDocument.DoesNotExist:
            raise exceptions.NotFound()
        return document_file_response(document)


# --- Obligations -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Obligations of the agreements you may see")),
)
@extend_schema(tags=["obligations"])
class ObligationViewSet(ListMixin, ClusterScopedViewSet):
    model = Obligation
    serializer_class = ObligationOut
    filterset_class = ObligationFilter
    ordering_fields = ["due_date", "status"]
    ordering = ["due_date"]

    def scoped_queryset(self):
        return obligation_list(cluster=self.cluster, roles=self.roles)

    @extend_schema(summary=_("Mark an obligation done (coordinators, or an admin of the responsible party)"),
                   request=None, responses={200: ObligationOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        obligation = self.get_object()
        services.obligation_complete(cluster=self.cluster, actor=request.user, obligation_id=obligation.pk)
        return Response(ObligationOut(self.get_object()).data)
