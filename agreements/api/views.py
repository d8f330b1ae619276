"""The agreements API: thin viewsets over agreements.services and agreements.selectors.

The base class resolves the cluster of the URL and the caller's roles (404 for anyone
without a role there). What a caller may read is agreements.permissions' rule, applied by
the selectors: experts and admins of organizations that are not a party see nothing, and an
agreement they may not read is a 404 like one that does not exist. Every detail route loads
its object through that scoped queryset before it reads the body, so another cluster's id
never reaches a service; the services then check the write itself (403 if refused).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agreements import permissions, selectors, services
from agreements.models import Agreement, Obligation
from cluster_platform.api import ClusterScopedViewSet

from .filters import AgreementFilter, ObligationFilter
from .serializers import (
    AgreementCreateIn,
    AgreementDetailOut,
    AgreementOut,
    AgreementRenewIn,
    AgreementSignIn,
    AgreementTransitionIn,
    ObligationIn,
    ObligationOut,
)

_ERRORS = {
    400: OpenApiResponse(description=_("The body is invalid; the answer names each field at fault.")),
    403: OpenApiResponse(description=_("Your roles in this cluster do not allow this.")),
    404: OpenApiResponse(description=_("No such object in this cluster, or not one you may see.")),
}


def _errors(*codes):
    return {code: _ERRORS[code] for code in codes}


def obligation_list(*, cluster, roles):
    """The obligations of the agreements these roles may read, with what ObligationOut shows."""
    return (
        Obligation.objects.for_cluster(cluster)
        .filter(agreement__in=permissions.visible_agreements(cluster, roles).values("pk"))
        .select_related("party__organization")
    )


# --- Agreements ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Agreements of the cluster"),
                       description=_("Coordinators and authorities see every agreement; admins and staff "
                                     "of an organization see those it is party to; experts see none.")),
)
@extend_schema(tags=["agreements"])
class AgreementViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    model = Agreement
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
    }

    def scoped_queryset(self):
        return selectors.agreement_list(cluster=self.cluster, roles=self.roles)

    def check_cluster_permission(self):
        # Refused before the body is read: only coordinators and organization admins create.
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "create", self.roles.organizations_with("admin"))

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AgreementDetailOut
        return self.INPUT.get(self.action, AgreementOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        agreement = selectors.agreement_get(cluster=self.cluster, roles=self.roles, pk=pk)
        return Response(AgreementDetailOut(agreement).data, status=status_code)

    @extend_schema(summary=_("One agreement with its parties, obligations and timeline"),
                   responses={200: AgreementDetailOut, **_errors(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Propose a draft agreement (coordinators, or an admin of a party organization)"),
                   request=AgreementCreateIn, responses={201: AgreementDetailOut, **_errors(400, 403)})
    def create(self, request, *args, **kwargs):
        data = AgreementCreateIn.to_service_kwargs(self.validate_input(AgreementCreateIn))
        agreement = services.agreement_create(cluster=self.cluster, actor=request.user, **data)
        return self._detail(agreement.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Move the agreement to another status"),
                   description=_("Parties' admins move it between draft and negotiation and declare it signed; "
                                 "coordinators activate, suspend and terminate (with a reason)."),
                   request=AgreementTransitionIn, responses={200: AgreementDetailOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementTransitionIn)
        services.agreement_transition(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk, **data)
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Record a party's signature while the agreement is negotiated"),
                   request=AgreementSignIn, responses={200: AgreementDetailOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def sign(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementSignIn)
        services.agreement_sign(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                party_id=data["party"], signed_on=data["signed_on"],
                                signatory_id=data["signatory"], signed_by_name=data["signed_by_name"])
        return self._detail(agreement.pk)

    @extend_schema(summary=_("Renew: a new draft with the same parties and new dates"),
                   request=AgreementRenewIn, responses={201: AgreementDetailOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def renew(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(AgreementRenewIn)
        renewal = services.agreement_renew(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                           **data)
        return self._detail(renewal.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Add an obligation of one party"),
                   request=ObligationIn, responses={201: ObligationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def obligations(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self.validate_input(ObligationIn)
        obligation = services.obligation_add(cluster=self.cluster, actor=request.user, agreement_id=agreement.pk,
                                             party_id=data["party"], description=data["description"],
                                             due_date=data["due_date"])
        obligation = obligation_list(cluster=self.cluster, roles=self.roles).get(pk=obligation.pk)
        return Response(ObligationOut(obligation).data, status=status.HTTP_201_CREATED)


# --- Obligations -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Obligations of the agreements you may see")),
)
@extend_schema(tags=["obligations"])
class ObligationViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    model = Obligation
    serializer_class = ObligationOut
    filterset_class = ObligationFilter
    ordering_fields = ["due_date", "status"]
    ordering = ["due_date"]

    def scoped_queryset(self):
        return obligation_list(cluster=self.cluster, roles=self.roles)

    def get_serializer_class(self):
        return ObligationOut

    @extend_schema(summary=_("Mark an obligation done (coordinators, or an admin of the responsible party)"),
                   request=None, responses={200: ObligationOut, **_errors(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        obligation = self.get_object()
        services.obligation_complete(cluster=self.cluster, actor=request.user, obligation_id=obligation.pk)
        return Response(ObligationOut(self.get_object()).data)
