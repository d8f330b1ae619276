"""The innovations API: pilots. `register(router)` adds its viewsets; `urlpatterns` any other routes.

/pilots/ lists (?innovation=), adds, reads (with measures) and changes pilot sites; POST
/pilots/<id>/results/ records results and the conclusion. /adoptions/ lists (?innovation=),
records, reads and reports on adoptions. /innovations/<id>/spread/ is the spread graph (nodes,
edges, figures; innovations.spread).

Every route starts from permissions.visible_innovations: a pilot or adoption of an innovation the
caller may not see is a 404 like one that does not exist or belongs to another cluster. Writes
are the services' (services.pilots, services.adoptions), which refuse with 403 whoever may not
make them and with 400 naming the field whatever breaks a rule.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses

from .. import permissions, services, spread
from ..models import Adoption, Innovation, Pilot, PilotMeasure
from .serializers_pilots import (
    AdoptionCreateIn,
    AdoptionOut,
    AdoptionUpdateIn,
    PilotCreateIn,
    PilotDetailOut,
    PilotOut,
    PilotResultsIn,
    PilotUpdateIn,
    SpreadOut,
)


class PilotFilter(filters.FilterSet):
    innovation = filters.NumberFilter(field_name="innovation_id", label=_("Id of an innovation"))
    organization = filters.NumberFilter(field_name="organization_id", label=_("Organization id of the pilot site"))
    status = filters.ChoiceFilter(choices=Pilot.Status.choices)

    class Meta:
        model = Pilot
        fields = ["innovation", "organization", "status"]


class AdoptionFilter(filters.FilterSet):
    innovation = filters.NumberFilter(field_name="innovation_id", label=_("Id of an innovation"))
    organization = filters.NumberFilter(field_name="organization_id", label=_("Organization id of the adopter"))
    status = filters.ChoiceFilter(choices=Adoption.Status.choices)

    class Meta:
        model = Adoption
        fields = ["innovation", "organization", "status"]


class DetailUnfiltered:
    """List filters apply to lists: a detail route finds its object whatever the query says."""

    def filter_queryset(self, queryset):
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(list=extend_schema(summary=_("Pilot sites of the innovations you may see")))
@extend_schema(tags=["innovations"])
class PilotViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = Pilot
    serializer_class = PilotOut
    filterset_class = PilotFilter
    ordering_fields = ["start_date", "end_date", "status", "created_at"]
    ordering = ["start_date"]

    def scoped_queryset(self):
        return (Pilot.objects.for_cluster(self.cluster)
                .filter(permissions.visible_innovation_filter(self.cluster, self.roles))
                .select_related("organization"))

    def get_serializer_class(self):
        return {"create": PilotCreateIn, "partial_update": PilotUpdateIn, "results": PilotResultsIn,
                "retrieve": PilotDetailOut}.get(self.action, PilotOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        pilot = (Pilot.objects.for_cluster(self.cluster).select_related("organization")
                 .prefetch_related(Prefetch("measures", queryset=PilotMeasure.objects.for_cluster(self.cluster)))
                 .get(pk=pk))
        return Response(PilotDetailOut(pilot).data, status=status_code)

    @extend_schema(summary=_("One pilot site with its measures"), responses={200: PilotDetailOut,
                                                                             **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Add a pilot site with its period and measures (the authors' side)"),
                   request=PilotCreateIn, responses={201: PilotDetailOut, **error_responses(400, 403, 404)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(PilotCreateIn)
        innovation_id = data.pop("innovation")
        pilot = services.pilot_add(
            cluster=self.cluster, actor=request.user, innovation_id=innovation_id,
            organization_id=data.pop("organization"), measures=[dict(m) for m in data.pop("measures")], **data)
        return self._detail(pilot.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change a pilot's dates, participants or status"),
                   request=PilotUpdateIn, responses={200: PilotDetailOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        pilot = self.get_object()
        data = self.validate_input(PilotUpdateIn, partial=True)
        services.pilot_update(cluster=self.cluster, actor=request.user, pilot_id=pilot.pk, **data)
        return self._detail(pilot.pk)

    @extend_schema(summary=_("Record results and the conclusion (the pilot site's admins or the authors' side)"),
                   description=_("While the innovation is piloting and the pilot is running or completed."),
                   request=PilotResultsIn, responses={200: PilotDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def results(self, request, *args, **kwargs):
        pilot = self.get_object()
        data = self.validate_input(PilotResultsIn)
        results = {int(key) if str(key).isdigit() else key: value for key, value in data["results"].items()}
        services.pilot_results_record(cluster=self.cluster, actor=request.user, pilot_id=pilot.pk,
                                      results=results, conclusion=data["conclusion"])
        return self._detail(pilot.pk)


@extend_schema_view(list=extend_schema(summary=_("Adoptions of the innovations you may see")),
                    retrieve=extend_schema(summary=_("One adoption"), responses={200: AdoptionOut,
                                                                                 **error_responses(404)}))
@extend_schema(tags=["innovations"])
class AdoptionViewSet(DetailUnfiltered, ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = Adoption
    serializer_class = AdoptionOut
    filterset_class = AdoptionFilter
    ordering_fields = ["started_on", "status", "created_at"]
    ordering = ["started_on"]

    def scoped_queryset(self):
        return (Adoption.objects.for_cluster(self.cluster)
                .filter(permissions.visible_innovation_filter(self.cluster, self.roles))
                .select_related("organization", "learned_from"))

    def get_serializer_class(self):
        return {"create": AdoptionCreateIn, "partial_update": AdoptionUpdateIn}.get(self.action, AdoptionOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        adoption = Adoption.objects.for_cluster(self.cluster).select_related("organization", "learned_from").get(pk=pk)
        return Response(AdoptionOut(adoption).data, status=status_code)

    @extend_schema(summary=_("Record an adoption (a coordinator for any member, an admin for their own)"),
                   description=_("While the innovation is implementing or disseminating. `learned_from` is the "
                                 "origin, a pilot site not stopped, or a member that adopted it on or before this "
                                 "start and did not abandon it."),
                   request=AdoptionCreateIn, responses={201: AdoptionOut, **error_responses(400, 403, 404)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(AdoptionCreateIn)
        innovation_id = data.pop("innovation")
        adoption = services.adoption_record(
            cluster=self.cluster, actor=request.user, innovation_id=innovation_id,
            organization_id=data.pop("organization"), learned_from_id=data.pop("learned_from"), **data)
        return self._detail(adoption.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Report an adoption's status and feedback, or correct its start"),
                   request=AdoptionUpdateIn, responses={200: AdoptionOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        adoption = self.get_object()
        data = self.validate_input(AdoptionUpdateIn, partial=True)
        services.adoption_update(cluster=self.cluster, actor=request.user, adoption_id=adoption.pk, **data)
        return self._detail(adoption.pk)


@extend_schema(tags=["innovations"])
class SpreadViewSet(ClusterScopedViewSet):
    model = Innovation
    serializer_class = SpreadOut

    def scoped_queryset(self):
        return permissions.visible_innovations(self.cluster, self.roles).select_related("origin_organization")

    @extend_schema(summary=_("The spread graph of an innovation: who learned it from whom, and its figures"),
                   responses={200: SpreadOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        innovation = self.get_object()
        return Response(SpreadOut(spread.innovation_spread(self.cluster, innovation, localize=False)).data)


urlpatterns = [
    path("innovations/<int:pk>/spread/", SpreadViewSet.as_view({"get": "retrieve"}), name="api-innovation-spread"),
]


def register(router) -> None:
    router.register("pilots", PilotViewSet, basename="api-pilot")
    router.register("adoptions", AdoptionViewSet, basename="api-adoption")
