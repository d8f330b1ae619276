"""Browser pages of innovations: flow (see innovations/views/__init__.py).

The flow page shows the figures of innovations.flow for a period (the last twelve months
unless the form asks otherwise) as four charts, each with its numbers as a table, to
coordinators and authorities."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import BootstrapFormMixin

from .. import flow, permissions
from .base import InnovationPage

ISO_DATE = "%Y-%m-%d"


class FlowPeriodForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), input_formats=[ISO_DATE],
                            widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), input_formats=[ISO_DATE],
                          widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}))
    period = forms.ChoiceField(label=_("Throughput per"), choices=[("month", _("Month")), ("quarter", _("Quarter"))])
    step = forms.ChoiceField(label=_("Cumulative flow every"), choices=[("week", _("Week")), ("day", _("Day"))])

    def clean(self):
        data = super().clean()
        if "start" in data and "end" in data:
            try:
                flow.check_period(data["start"], data["end"])
            except ValidationError as error:
                self.apply_service_error(error)
        return data


def _form_data(query) -> dict:
    """The query string over the defaults: the last twelve months, by month and by week."""
    start, end = flow.default_period()
    data = {"start": start.isoformat(), "end": end.isoformat(), "period": "month", "step": "week"}
    data.update({key: query.get(key) for key in data if key in query})
    return data


class FlowView(InnovationPage):
    template_name = "innovations/flow.html"
    allowed = permissions.can_view_flow

    def get(self, request, *args, **kwargs):
        form = FlowPeriodForm(_form_data(request.GET))
        context = {"form": form, "time_zone": settings.TIME_ZONE}
        if form.is_valid():
            summary = flow.flow_summary(self.cluster, **form.cleaned_data)
            context.update(summary=summary, charts=flow.flow_charts(summary), **self.tables(summary))
        return self.render_to_response(self.get_context_data(**context), status=200 if form.is_valid() else 422)

    @staticmethod
    def tables(summary: dict) -> dict:
        """The rows of the data tables, in the column order of their headers."""
        cumulative = summary["cumulative_flow"]
        periods = summary["throughput"]["periods"]
        return {
            "leavable_labels": [flow.stage_label(stage) for stage in flow.LEAVABLE_STAGES],
            "stage_labels": [series["label"] for series in cumulative["series"]],
            "throughput_rows": [
                {"label": row["label"], "left": [row["left"][stage] for stage in flow.LEAVABLE_STAGES],
                 "total": sum(row["left"].values()), "finished": row["finished"]}
                for row in periods
            ],
            "throughput_finished": sum(row["finished"] for row in periods),
            "cumulative_rows": [
                {"date": day, "counts": [series["values"][index] for series in cumulative["series"]]}
                for index, day in enumerate(cumulative["dates"])
            ],
        }


urlpatterns = [
    path("flow/", FlowView.as_view(), name="innovation_flow"),
]


def detail_context(view, innovation) -> dict:
    """What this part adds to the innovation page's context."""
    return {}
