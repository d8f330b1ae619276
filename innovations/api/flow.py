"""The innovations API: flow. `register(router)` adds its viewsets; `urlpatterns` any other routes.

GET innovation-flow/?start=&end=&period=&step= answers innovations.flow.flow_summary for the
period (local dates, the end included; the last twelve months by default) to coordinators and
authorities; other roles get 403, anyone without a role in the cluster 404, a bad parameter
400 naming it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cluster_platform.api import ClusterScopedViewSet, error_responses

from .. import flow, permissions
from ..models import Stage, StageTransition


class FlowQueryIn(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("First day of the period (default: the first "
                                                              "day of the month eleven months before the end)."))
    end = serializers.DateField(required=False, help_text=_("Last day of the period, included (default: today)."))
    period = serializers.ChoiceField(choices=list(flow.PERIODS), default="month",
                                     help_text=_("Throughput buckets."))
    step = serializers.ChoiceField(choices=list(flow.STEPS), default="week",
                                   help_text=_("Distance between the dates of the cumulative flow."))

    def validate(self, data):
        data["start"], data["end"] = flow.period_or_default(data.get("start"), data.get("end"))
        try:
            flow.check_period(data["start"], data["end"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict)
        return data


def _stage_counts():
    return serializers.DictField(child=serializers.IntegerField(), help_text=_("Stage code: number."))


class StageCountOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    active = serializers.BooleanField(help_text=_("False for the end stages, rejected and archived."))


class WorkInProgressOut(serializers.Serializer):
    at = serializers.DateTimeField()
    stages = StageCountOut(many=True)
    active = serializers.IntegerField()
    total = serializers.IntegerField()


class ThroughputPeriodOut(serializers.Serializer):
    period = serializers.DateField(help_text=_("First day of the month or quarter."))
    label = serializers.CharField()
    left = _stage_counts()
    entered = _stage_counts()
    finished = serializers.IntegerField()


class ThroughputOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.ChoiceField(choices=list(flow.PERIODS))
    periods = ThroughputPeriodOut(many=True)


class TimeInStageRowOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)


class TimeInStageOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    stages = TimeInStageRowOut(many=True)


class CumulativeSeriesOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.IntegerField(), help_text=_("One per date."))


class CumulativeFlowOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    step = serializers.ChoiceField(choices=list(flow.STEPS))
    dates = serializers.ListField(child=serializers.DateField())
    series = CumulativeSeriesOut(many=True)


class FlowSummaryOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.ChoiceField(choices=list(flow.PERIODS))
    step = serializers.ChoiceField(choices=list(flow.STEPS))
    time_zone = serializers.CharField()
    empty = serializers.BooleanField()
    work_in_progress = WorkInProgressOut()
    throughput = ThroughputOut()
    time_in_stage = TimeInStageOut()
    cumulative_flow = CumulativeFlowOut()


@extend_schema(tags=["innovations"])
class InnovationFlowViewSet(ClusterScopedViewSet):
    model = StageTransition
    serializer_class = FlowSummaryOut
    filter_backends = []

    def check_cluster_permission(self):
        if not permissions.can_view_flow(self.roles):
            raise PermissionDenied

    @extend_schema(
        summary=_("The flow figures of the innovation pipeline"),
        description=_(
            "Work in progress at the end of the period, throughput per month or quarter, the median and "
            "90th-percentile time in each stage and the cumulative flow, computed from the stage changes. "
            "The period is given in local dates of the platform's time zone, the end included, and can "
            "be at most three years long. Coordinators and authorities."
        ),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description=str(FlowQueryIn().fields["start"].help_text)),
            OpenApiParameter("end", OpenApiTypes.DATE, description=str(FlowQueryIn().fields["end"].help_text)),
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(flow.PERIODS), default="month"),
            OpenApiParameter("step", OpenApiTypes.STR, enum=list(flow.STEPS), default="week"),
        ],
        responses={200: FlowSummaryOut, **error_responses(400, 403, 404)},
    )
    def summary(self, request, *args, **kwargs):
        query = FlowQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(FlowSummaryOut(flow.flow_summary(self.cluster, **query.validated_data)).data)


urlpatterns = [
    path("innovation-flow/", InnovationFlowViewSet.as_view({"get": "summary"}), name="api-innovation-flow"),
]


def register(router) -> None:
    pass
