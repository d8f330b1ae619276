"""Serializers of the reports API: one input (the request of a report) and one output (a
report's status, without its data snapshot)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer
from reports import periods
from reports.models import Report


class ReportRequestIn(InputSerializer):
    kind = ChoiceText(choices=Report.Kind.choices)
    period = serializers.CharField(max_length=10, help_text=_(
        "The period as 2026-Q2 (quarter), 2026 (year) or 2026-05 (month), or a date inside it (2026-05-14). "
        "A period that has not begun is refused."))
    language = ChoiceText(choices=settings.LANGUAGES, required=False, allow_blank=True, help_text=_(
        "The language of the PDF; by default the caller's, else the cluster's first language."))


class ReportOut(serializers.ModelSerializer):
    kind = ChoiceText(choices=Report.Kind.choices, read_only=True)
    trigger = ChoiceText(choices=Report.Trigger.choices, read_only=True)
    status = ChoiceText(choices=Report.Status.choices, read_only=True)
    language = ChoiceText(choices=settings.LANGUAGES, read_only=True)
    period = serializers.SerializerMethodField(help_text=_("The period's code: 2026-Q2, 2026 or 2026-05."))
    url = serializers.SerializerMethodField(help_text=_("This report's status in the API."))
    download_url = serializers.SerializerMethodField(help_text=_("The PDF, once the report is ready; else null."))
    waiting_for_queue = serializers.BooleanField(read_only=True, help_text=_(
        "True while the report is saved but not yet accepted by the task queue (it could not be reached): "
        "it is sent, and produced, when the queue is back."))

    class Meta:
        model = Report
        fields = ["id", "kind", "period", "period_start", "period_end", "version", "trigger", "status", "language",
                  "requested_by", "error", "attempts", "size", "sha256", "verification_code", "created_at",
                  "started_at", "finished_at", "url", "download_url", "waiting_for_queue"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_period(self, report) -> str:
        return periods.period_of(report.kind, report.period_start).code

    def _absolute(self, name: str, report) -> str:
        path = reverse(name, kwargs={"cluster_slug": self.context["cluster"].slug, "pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, report) -> str:
        return self._absolute("api-report-detail", report)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, report):
        if report.status != Report.Status.READY:
            return None
        return self._absolute("api-report-download", report)
