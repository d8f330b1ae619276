"""The report pages: list, request, detail with its progress, PDF, retry, data exports."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from cluster_platform.forms import ConfirmForm
from members.views.base import ClusterPage, ServiceFormView, paginate

from .. import exports, periods, permissions, services
from ..forms import ReportFilterForm, ReportRequestForm
from ..models import Report

Status = Report.Status
POLL_SECONDS = 2


def queue_unreachable_message() -> str:
    return _("The task queue cannot be reached right now. The report is saved and will be produced when the "
             "queue is back; this page shows its progress.")


def warn_if_not_sent(request, report: Report) -> bool:
    """A warning when the broker refused the report just queued (services._enqueue); True if so."""
    if getattr(report, "sent_to_queue", None) is False:
        messages.warning(request, queue_unreachable_message())
        return True
    return False


def with_period_label(report: Report) -> Report:
    report.period_label = periods.period_of(report.kind, report.period_start).label
    return report


def report_filename(cluster, report: Report, extension: str) -> str:
    code = periods.period_of(report.kind, report.period_start).code
    return f"report-{cluster.slug}-{code}-v{report.version}.{extension}"


def report_pdf_response(cluster, report: Report) -> FileResponse:
    """The stored PDF of a ready report, for the browser and the API alike: always an attachment,
    `nosniff` and a sandboxing CSP (as other downloads of the platform). A row whose file is gone
    from the storage is 404: there is nothing to send."""
    if report.status != Status.READY or not report.pdf.name:
        raise Http404
    try:
        handle = report.pdf.storage.open(report.pdf.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                            filename=report_filename(cluster, report, "pdf"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def data_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ReportPage(ClusterPage):
    """A page of the reports section: coordinators and authorities (403 for other roles)."""

    allowed = permissions.can_view
    nav_section = "reports"
    report = None

    def reports(self):
        # The data snapshot can be large: only the exports read it.
        return permissions.visible_reports(self.cluster, self.roles).defer("data")

    def load_report(self, *, with_data: bool = False) -> Report:
        queryset = permissions.visible_reports(self.cluster, self.roles)
        if not with_data:
            queryset = queryset.defer("data")
        try:
            self.report = queryset.select_related("requested_by").get(pk=self.kwargs["pk"])
        except (Report.DoesNotExist, ValueError, TypeError):
            raise Http404
        return with_period_label(self.report)

    def report_url(self) -> str:
        return reverse("report_detail", args=[self.cluster.slug, self.report.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(report=self.report, can_request=permissions.can_request(self.roles))
        if self.report is not None:
            context.update(status=status_context(self.roles, self.report))
        return context


def status_context(roles, report: Report) -> dict:
    return {
        "report": report,
        "polling": report.is_in_progress,
        "poll_seconds": POLL_SECONDS,
        "can_retry": permissions.can_retry(roles, report),
    }


class ReportListView(ReportPage):
    template_name = "reports/report_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ReportFilterForm(self.request.GET or None)
        filters = form.filters() if self.request.GET else {}
        reports = self.reports().select_related("requested_by")
        if "kind" in filters:
            reports = reports.filter(kind=filters["kind"])
        if "status" in filters:
            reports = reports.filter(status=filters["status"])
        if "year" in filters:
            reports = reports.filter(period_start__year=filters["year"])
        page = paginate(self.request, reports.order_by("-period_start", "kind", "-version", "-pk"))
        for report in page.object_list:
            with_period_label(report)
        context.update(form=form, page_obj=page, reports=page.object_list, is_filtered=bool(filters))
        return context


# The request is not one transaction here: the report is committed (and handed to the task
# queue after that) before the answer, which says whether the queue could be reached.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ReportRequestView(ReportPage, ServiceFormView):
    template_name = "reports/report_request.html"
    form_class = ReportRequestForm

    def load(self):
        self.require(permissions.can_request(self.roles))

    def perform(self, form):
        data = form.cleaned_data
        with transaction.atomic():
            return services.report_request(cluster=self.cluster, actor=self.request.user, kind=data["kind"],
                                           period=data["period"], language=data["language"] or None)

    def get_success_message(self):
        if warn_if_not_sent(self.request, self.object):
            return ""
        return _("The report is being prepared. This page shows its progress.")

    def get_success_url(self):
        return reverse("report_detail", args=[self.cluster.slug, self.object.pk])


class ReportDetailView(ReportPage):
    template_name = "reports/report_detail.html"

    def get(self, request, *args, **kwargs):
        self.load_report()
        versions = self.reports().filter(kind=self.report.kind, period_start=self.report.period_start).order_by(
            "-version")
        return self.render_to_response(self.get_context_data(versions=list(versions)))


class ReportStatusView(ReportPage):
    """The progress block of a report's page, polled by htmx while the report is in progress."""

    template_name = "reports/partials/report_status.html"

    def get(self, request, *args, **kwargs):
        self.load_report()
        response = TemplateResponse(request, self.template_name, {
            "cluster": self.cluster, **status_context(self.roles, self.report)})
        response["Cache-Control"] = "no-store"
        return response


class ReportDownloadView(ReportPage):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        return report_pdf_response(self.cluster, self.load_report())


@method_decorator(transaction.non_atomic_requests, name="dispatch")  # as ReportRequestView
class ReportRetryView(ReportPage, ServiceFormView):
    """Asks first (GET), then queues the failed report again (POST)."""

    template_name = "reports/report_retry.html"
    form_class = ConfirmForm

    def load(self):
        self.load_report()
        self.require(permissions.can_request(self.roles, self.report))

    def get(self, request, *args, **kwargs):
        self.load()
        if self.report.status != Status.FAILED:
            return redirect(self.report_url())
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def perform(self, form):
        with transaction.atomic():
            return services.report_retry(cluster=self.cluster, actor=self.request.user, report_id=self.report.pk)

    def get_success_message(self):
        if warn_if_not_sent(self.request, self.object):
            return ""
        return _("The report was queued again.")

    def get_success_url(self):
        return self.report_url()


class _DataView(ReportPage):
    http_method_names = ["get", "head", "options"]

    def snapshot(self) -> dict:
        report = self.load_report(with_data=True)
        # A report's data is its frozen snapshot once ready; before, there is nothing to export.
        if report.status != Status.READY or not report.data:
            raise Http404
        return report.data


class ReportDataXlsxView(_DataView):
    def get(self, request, *args, **kwargs):
        content = exports.xlsx_bytes(self.snapshot())
        return data_response(
            content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            report_filename(self.cluster, self.report, "xlsx"))


class ReportDataCsvView(_DataView):
    def get(self, request, *args, **kwargs):
        content = exports.csv_bytes(self.snapshot())
        return data_response(content, "text/csv; charset=utf-8", report_filename(self.cluster, self.report, "csv"))

