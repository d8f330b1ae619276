"""The reports API: list the cluster's reports, request one, read its status, download its PDF.

Coordinators and authorities only (reports.permissions); other roles get 403, callers without
a role in the cluster and another cluster's report 404. The data snapshot is not part of the
answers (it is large; the browser offers it as XLSX and CSV).

The download of a report that is not ready answers **409 Conflict** with the report's status in
the body (`{"detail", "status"}`): the report exists and will have a PDF (or, failed, can be
retried), so the client should poll the status and try again, unlike a 404, which means there is
no such report in this cluster (or its file is gone from the storage).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agreements.api.views import DownloadContentNegotiation
from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses
from reports import periods, permissions, services
from reports.models import Report
from reports.views.pages import report_pdf_response

from .serializers import ReportOut, ReportRequestIn


class ReportFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Report.Kind.choices)
    status = filters.ChoiceFilter(choices=Report.Status.choices)
    period = filters.CharFilter(method="filter_period", label=gettext_lazy(
        "A period code (2026-Q2, 2026, 2026-05) or a date: the reports of the periods it names."))

    class Meta:
        model = Report
        fields = ["kind", "status", "period"]

    def filter_period(self, queryset, name, value):
        matches = Q()
        found = False
        for kind in periods.KINDS:
            try:
                period = periods.parse_period(kind, value)
            except DjangoValidationError:  # a code of another kind: not this one
                continue
            matches |= Q(kind=kind, period_start=period.start)
            found = True
        if not found:
            raise exceptions.ValidationError({"period": [_("Give the period as 2026-Q2, 2026, 2026-05 or a date.")]})
        return queryset.filter(matches)


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The reports of the cluster"),
                       description=gettext_lazy("Newest period first; coordinators and authorities."),
                       responses={200: ReportOut(many=True), **error_responses(400, 403, 404)}),
    retrieve=extend_schema(summary=gettext_lazy("A report's status"),
                           description=gettext_lazy("Poll it after a request: queued → running → ready or failed."),
                           responses={200: ReportOut, **error_responses(403, 404)}),
)
@extend_schema(tags=["reports"])
class ReportViewSet(ListMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = Report
    serializer_class = ReportOut
    filterset_class = ReportFilter
    ordering_fields = ["period_start", "created_at", "version", "kind", "status"]
    ordering = ["-period_start", "kind", "-version"]

    # Not one transaction: a requested report is committed (and handed to the task queue after
    # that) before the answer, which says whether the queue could be reached.
    non_atomic_actions = frozenset({"create"})

    def scoped_queryset(self):
        return permissions.visible_reports(self.cluster, self.roles).defer("data")

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "request")
        elif self.action is not None and self.action != "metadata":
            permissions.require(self.request.user, self.cluster, "view")

    def filter_queryset(self, queryset):
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        return ReportRequestIn if self.action == "create" else ReportOut

    @extend_schema(
        summary=gettext_lazy("Request a report"),
        description=gettext_lazy(
            "Queues a report of the period (a new version if the period was reported before) and answers 201. "
            "If a report of that kind and period is already queued or running, answers 200 with it instead. "
            "If the task queue cannot be reached, the report is saved all the same and the answer is 202 with "
            "`waiting_for_queue` true: it is produced when the queue is back; poll it as usual."),
        request=ReportRequestIn,
        responses={201: ReportOut, 200: ReportOut, 202: ReportOut, **error_responses(400, 403, 404)},
    )
    def create(self, request, *args, **kwargs):
        data = self.validate_input(ReportRequestIn)
        # The service commits and hands the report to the task queue before it returns: the answer
        # shows the report as it stands, with no second read.
        report = services.report_request(cluster=self.cluster, actor=request.user, kind=data["kind"],
                                         period=data["period"], language=data.get("language") or None)
        if getattr(report, "sent_to_queue", None) is False:
            code = status.HTTP_202_ACCEPTED
        else:
            code = status.HTTP_200_OK if getattr(report, "already_in_progress", False) else status.HTTP_201_CREATED
        return Response(ReportOut(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=gettext_lazy("The report's PDF"),
        description=gettext_lazy("The PDF of a ready report, as an attachment. A report that is not ready "
                                 "answers 409 with its status; poll the report and try again."),
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY, description=gettext_lazy("The PDF.")),
            409: OpenApiResponse(description=gettext_lazy("The report is not ready (queued, running or failed).")),
            **error_responses(403, 404),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer],
            content_negotiation_class=DownloadContentNegotiation)
    def download(self, request, *args, **kwargs):
        report = self.get_object()
        if report.status != Report.Status.READY:
            error = NotReady({"detail": _("The report is not ready: it is %(status)s.") % {
                "status": report.get_status_display().lower()}, "status": report.status})
            raise error
        return report_pdf_response(self.cluster, report)
