"""The indicator dashboard: the indicators of a period (by default the last quarter that ended)
as the PDF shows them: the key figures with the change from the previous period, and the charts
(cluster_platform.charts, innovations.flow.flow_charts), each with its numbers as a table.

The key figures, the charts and their tables are drawn once per computation of the figures and
language (selectors.dashboard_fragment), not on every view of figures read from the cache."""

from __future__ import annotations

import datetime
import functools

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform import charts
from cluster_platform.forms import BootstrapFormMixin
from innovations import flow as innovation_flow
from members.models import Organization, RatingColour

from .. import exports, indicators, periods, rendering, selectors
from ..forms import period_choices
from .pages import ReportPage

COLOURS = (RatingColour.RED, RatingColour.YELLOW, RatingColour.GREEN)
FIGURES_TEMPLATE = "reports/partials/dashboard_figures.html"


class DashboardPeriodForm(BootstrapFormMixin, forms.Form):
    """One select of recent months, quarters and years: a code names its kind (2026-Q2, 2026, 2026-05)."""

    period = forms.ChoiceField(label=gettext_lazy("Period"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = _period_choices(timezone.localdate(), translation.get_language())

    def clean(self):
        data = super().clean()
        if "period" in data:
            try:
                chosen = period_from_code(data["period"])
                periods.require_started(chosen, timezone.localdate())
            except ValidationError as error:
                self.apply_service_error(error)
            else:
                data["chosen"] = chosen
        return data


@functools.lru_cache(maxsize=8)
def _period_choices(today: datetime.date, language: str) -> list:
    """The choices of a day in a language, the same for every view of the page that day."""
    return period_choices(today)


def period_from_code(code: str) -> periods.Period:
    """The period a code names, whatever its kind (codes of different kinds never look alike)."""
    for kind in (periods.QUARTER, periods.MONTH, periods.YEAR):
        try:
            return periods.parse_period(kind, code)
        except ValidationError:
            continue
    raise ValidationError({"period": _("Give the period as 2026-Q2, 2026 or 2026-05.")})


def default_period() -> periods.Period:
    return periods.last_ended(periods.QUARTER, timezone.localdate())


def _table(caption: str, columns: list[str], rows: list[list]) -> dict:
    return {"caption": caption, "columns": columns, "rows": rows}


def _flow_summary(flow: dict) -> dict:
    """The JSON flow summary of the indicators with its dates as dates again, as flow_charts reads it."""
    day = datetime.date.fromisoformat
    summary = {**flow, "start": day(flow["start"]), "end": day(flow["end"])}
    at = flow["work_in_progress"]["at"]
    summary["work_in_progress"] = {**flow["work_in_progress"],
                                   "at": parse_datetime(at) if isinstance(at, str) else at}
    cumulative = flow["cumulative_flow"]
    summary["cumulative_flow"] = {**cumulative, "dates": [day(value) for value in cumulative["dates"]]}
    return summary


def _members_chart(members: dict) -> dict:
    kinds = dict(Organization.Kind.choices)
    statuses = Organization.Status
    by_kind = members["at_end"]["by_kind_status"]
    codes = sorted(by_kind, key=lambda code: str(kinds.get(code, code)))
    labels = [str(kinds.get(code, code)) for code in codes]
    series = [{"label": str(status.label), "values": [by_kind[code].get(status.value, 0) for code in codes]}
              for status in statuses]
    return {
        "id": "members", "title": _("Members by kind and status"),
        "svg": charts.stacked_bars(
            series, labels, chart_id="dash-members", title=_("Members by kind and status"),
            desc=_("Member organizations at the end of the period, by kind, stacked by their status."),
            y_label=_("Organizations"), empty_message=_("No members at the end of this period.")),
        "table": _table(_("Members at the end of the period"), [_("Kind"), *[s["label"] for s in series]],
                        [[label, *[s["values"][i] for s in series]] for i, label in enumerate(labels)]),
    }


def _ratings_chart(ratings: dict) -> list[dict]:
    colours = dict(RatingColour.choices)
    labels = [str(colours[c]) for c in COLOURS]
    series = [{"label": _("Latest rating period"), "values": [ratings["latest"]["by_colour"].get(c, 0) for c in COLOURS]},
              {"label": _("The period before"), "values": [ratings["previous"]["by_colour"].get(c, 0) for c in COLOURS]}]
    districts = ratings["latest"]["by_district"]
    names = sorted(districts)
    district_series = [{"label": str(colours[c]), "values": [districts[name].get(c, 0) for name in names]}
                       for c in COLOURS]
    return [
        {
            "id": "ratings", "title": _("School ratings"),
            "svg": charts.bar_chart(series, labels, chart_id="dash-ratings", title=_("School ratings"),
                                    desc=_("Schools by colour in the latest rating period of this period and in "
                                           "the rating period before it."),
                                    empty_message=_("No ratings in this period.")),
            "table": _table(_("Schools by colour"), [_("Colour"), *[s["label"] for s in series]],
                            [[label, *[s["values"][i] for s in series]] for i, label in enumerate(labels)]),
        },
        {
            "id": "ratings-districts", "title": _("School ratings by district"),
            "svg": charts.stacked_bars(district_series, names, chart_id="dash-ratings-districts",
                                       title=_("School ratings by district"),
                                       desc=_("Schools of each district by colour, in the latest rating period."),
                                       y_label=_("Schools"), empty_message=_("No ratings in this period.")),
            "table": _table(_("Schools by district and colour"), [_("District"), *labels],
                            [[name, *[s["values"][i] for s in district_series]] for i, name in enumerate(names)]),
        },
    ]


def _resources_chart(resources: dict) -> dict:
    kinds = dict(Organization.Kind.choices)
    rows = resources["utilization"]["by_owner_kind"]
    labels = [str(kinds.get(row["kind"], row["kind"])) for row in rows]
    series = [{"label": _("Hours open"), "values": [row["hours_open"] for row in rows]},
              {"label": _("Hours booked"), "values": [row["hours_booked"] for row in rows]}]
    return {
        "id": "resources", "title": _("Use of shared resources"),
        "svg": charts.bar_chart(series, labels, chart_id="dash-resources", title=_("Use of shared resources"),
                                desc=_("Hours open and hours booked of the shared resources, by the kind of "
                                       "the owner organization."), unit=_("h"),
                                empty_message=_("No shared resources in this period.")),
        "table": _table(_("Hours open and booked by owner's kind"),
                        [_("Owner's kind"), _("Hours open"), _("Hours booked"), _("Utilization rate"), _("Bookings")],
                        [[label, row["hours_open"], row["hours_booked"], row["utilization"], row["bookings"]]
                         for label, row in zip(labels, rows)]),
    }


def _flow_charts(flow: dict) -> list[dict]:
    summary = _flow_summary(flow)
    svgs = innovation_flow.flow_charts(summary, id_prefix="dash-flow")
    wip, throughput = summary["work_in_progress"], summary["throughput"]["periods"]
    stays, cumulative = summary["time_in_stage"], summary["cumulative_flow"]
    leavable = [innovation_flow.stage_label(stage) for stage in innovation_flow.LEAVABLE_STAGES]
    return [
        {"id": "flow-wip", "title": _("Innovations: work in progress"), "svg": svgs["work_in_progress"],
         "table": _table(_("Innovations per stage at the end of the period"), [_("Stage"), _("Innovations")],
                         [[row["label"], row["count"]] for row in wip["stages"]])},
        {"id": "flow-throughput", "title": _("Innovations: throughput"), "svg": svgs["throughput"],
         "table": _table(_("Moves out of each stage, per month"), [_("Month"), *leavable, _("Finished")],
                         [[row["label"], *[row["left"].get(stage, 0) for stage in innovation_flow.LEAVABLE_STAGES],
                           row["finished"]] for row in throughput])},
        {"id": "flow-time", "title": _("Innovations: time in stage"), "svg": svgs["time_in_stage"],
         "table": _table(_("Days in each stage"), [_("Stage"), _("Stays"), _("Median"), _("90th percentile")],
                         [[row["label"], row["count"], row["median_days"], row["p90_days"]]
                          for row in stays["stages"]])},
        {"id": "flow-cfd", "title": _("Innovations: cumulative flow"), "svg": svgs["cumulative_flow"],
         "table": _table(_("Innovations in each stage, by date"),
                         [_("Date"), *[series["label"] for series in cumulative["series"]]],
                         [[day, *[series["values"][i] for series in cumulative["series"]]]
                          for i, day in enumerate(cumulative["dates"])])},
    ]


def _network_chart(network: dict) -> dict:
    labels = [str(exports.CHANNELS[channel]) for channel in indicators.NETWORK_CHANNELS]
    series = [{"label": _("This period"), "values": [network["by_channel"].get(c, 0) for c in indicators.NETWORK_CHANNELS]},
              {"label": _("Previous period"),
               "values": [network["previous"]["by_channel"].get(c, 0) for c in indicators.NETWORK_CHANNELS]}]
    return {
        "id": "network", "title": _("Cooperation network"),
        "svg": charts.bar_chart(series, labels, chart_id="dash-network", title=_("Cooperation network"),
                                desc=_("Pairs of member organizations working together, by the channel of "
                                       "their cooperation, in this period and the previous one."),
                                empty_message=_("No cooperation in this period.")),
        "table": _table(_("Cooperating pairs by channel"), [_("Channel"), *[s["label"] for s in series]],
                        [[label, *[s["values"][i] for s in series]] for i, label in enumerate(labels)]),
    }


def dashboard_charts(current: dict) -> list[dict]:
    """Every chart of the period's indicators: {"id", "title", "svg", "table": {caption, columns, rows}}."""
    return [
        _members_chart(current["members"]),
        *_ratings_chart(current["ratings"]),
        _resources_chart(current["resources"]),
        *_flow_charts(current["innovations"]["flow"]),
        _network_chart(current["network"]),
    ]


def dashboard_markup(snapshot: dict, period: periods.Period) -> SafeString:
    """The key figures and every chart with its table, in the active language."""
    return render_to_string(FIGURES_TEMPLATE, {
        "figures": rendering.key_figures(snapshot["change"]), "charts": dashboard_charts(snapshot["current"]),
        "period_label": period.label, "previous_label": period.previous().label,
    })


class DashboardView(ReportPage):
    template_name = "reports/dashboard.html"
    nav_section = "reports"

    def get(self, request, *args, **kwargs):
        default = default_period()
        form = DashboardPeriodForm({"period": request.GET.get("period") or default.code})
        status = 200
        if form.is_valid():
            chosen = form.cleaned_data["chosen"]
        else:
            chosen, status = default, 422
        snapshot, computed_at = selectors.dashboard_snapshot(self.cluster, chosen.start, chosen.end)
        figures_html = selectors.dashboard_fragment(self.cluster, chosen.start, chosen.end, computed_at,
                                                    lambda: dashboard_markup(snapshot, chosen))
        context = self.get_context_data(
            form=form, period=chosen, period_label=chosen.label, previous_label=chosen.previous().label,
            figures_html=figures_html,
            today=timezone.localdate(), computed_at=computed_at,
            refresh_minutes=settings.REPORTS_DASHBOARD_CACHE_SECONDS // 60,
        )
        return self.render_to_response(context, status=status)
