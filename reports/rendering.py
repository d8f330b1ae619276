"""The PDF of a report (WeasyPrint through cluster_platform.pdf and its deny-by-default URL
fetcher), rendered from the report's data snapshot in the report's language.

Pages: a title page (the cluster's logo and name, kind, period, version, when, the verification
code and link; headings take the cluster's colours, members.branding), the
key figures against the previous period, charts (SVG from cluster_platform.charts and
innovations.flow), a table per section, then a page per district. The stylesheet and the
packaged DejaVu fonts (Latin with oʻ gʻ, Cyrillic) are the project's static files, reached by
file: URLs the fetcher allows; every name in the document (cluster, organizations, districts) is
autoescaped text, so nothing a user typed can make the renderer fetch anything.

Each district gets a page of its own (a table, no chart: a chart per district would add a
second of rendering per report for figures the table already gives) up to MAX_DISTRICT_PAGES
districts; with more, up to DISTRICTS_PER_PAGE share a page, and any beyond share one table,
so a report stays within 30 pages.
"""

from __future__ import annotations

import math

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cluster_platform import charts
from cluster_platform.pdf import render_pdf as html_to_pdf
from cluster_platform.pdf import static_file_url
from innovations.flow import flow_charts
from members import branding
from members.models import Organization, RatingColour
from programs.certificates import verify_url
from programs.selectors import format_code

from . import periods
from .indicators import COLOURS
from .models import Report

MAX_DISTRICT_PAGES = 18
DISTRICTS_PER_PAGE = 3
# The @font-face family of the template (reports/pdf/report.html).
PDF_FONT_FAMILY = "'Report Sans', 'DejaVu Sans', sans-serif"


def key_figure_labels() -> dict[str, str]:
    """The names of indicators.KEY_FIGURES for people, in the active language."""
    return {
        "members": _("Active members"),
        "members_joined": _("Members joined"),
        "members_exited": _("Members left or suspended"),
        "schools_green": _("Schools rated green"),
        "schools_yellow": _("Schools rated yellow"),
        "schools_red": _("Schools rated red"),
        "schools_improved": _("Schools whose rating improved"),
        "agreements_new": _("New agreements"),
        "agreements_active": _("Agreements in force"),
        "agreements_expiring": _("Agreements expiring within 90 days"),
        "agreements_terminated": _("Agreements terminated"),
        "obligations_overdue": _("Obligations overdue"),
        "bookings": _("Resource bookings"),
        "hours_booked": _("Hours booked"),
        "utilization_rate": _("Resource utilization"),
        "programmes_running": _("Programmes running"),
        "teachers_trained": _("Teachers trained"),
        "training_hours": _("Training hours"),
        "mean_competence_gain": _("Mean competence gain (points)"),
        "certificates": _("Certificates issued"),
        "innovations_proposed": _("Innovations proposed"),
        "innovations_in_progress": _("Innovations in progress"),
        "innovations_finished": _("Innovations disseminated or archived"),
        "adoptions": _("Adoptions started"),
        "cooperation_pairs": _("Members working together (pairs)"),
    }


def _choice_labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _number(value, places: int | None = None) -> str:
    """A number as the reader's language writes it (digits grouped, its decimal sign), rounded
    to `places` (number_format alone would cut the digits off)."""
    return formats.number_format(value if places is None else round(value, places), places, force_grouping=True)


def _sign(value) -> str:
    return "+" if value > 0 else "−" if value < 0 else "±"


def _percent(value) -> str:
    return "–" if value is None else f"{_number(value * 100, 1)} %"


def _figure(name: str, value) -> str:
    if value is None:
        return "–"
    if name == "utilization_rate":
        return _percent(value)
    if isinstance(value, float):
        return _number(int(value)) if value == int(value) else _number(round(value, 2))
    return _number(value)


def _signed(name: str, value) -> str:
    if value is None:
        return "–"
    if name == "utilization_rate":
        return f"{_sign(value)}{_number(abs(value) * 100, 1)} pp"
    return _sign(value) + _figure(name, abs(value))


def key_figures(change: dict) -> list[dict]:
    """The key figures with their change, formatted for reading (the PDF and the dashboard)."""
    labels = key_figure_labels()
    rows = []
    for name, label in labels.items():
        figures = change.get(name) or {}
        percent = figures.get("change_percent")
        rows.append({
            "name": name, "label": label,
            "current": _figure(name, figures.get("current")),
            "previous": _figure(name, figures.get("previous")),
            "change": _signed(name, figures.get("change")),
            "percent": "" if percent is None else f"{_sign(percent)}{_number(abs(percent), 1)} %",
            "direction": "up" if (figures.get("change") or 0) > 0 else "down" if (figures.get("change") or 0) < 0
            else "same",
        })
    return rows


def _revive_flow(flow: dict) -> dict:
    """The flow summary as innovations.flow.flow_charts wants it: dates and moments again (the
    snapshot keeps them as ISO strings)."""
    flow = dict(flow)
    flow["start"], flow["end"] = parse_date(flow["start"]), parse_date(flow["end"])
    wip = dict(flow["work_in_progress"])
    at = wip.get("at")
    wip["at"] = parse_datetime(at) if isinstance(at, str) else at
    flow["work_in_progress"] = wip
    cumulative = dict(flow["cumulative_flow"])
    cumulative["dates"] = [parse_date(day) if isinstance(day, str) else day for day in cumulative["dates"]]
    flow["cumulative_flow"] = cumulative
    return flow


# The charts name the pages' system fonts; in the PDF they use the packaged one like the text, so
# every letter (oʻ gʻ, Cyrillic) comes from the same font whatever the server has installed.
_CHART_FONT = f'font-family="{escape(charts.FONT)}"'
_PDF_FONT = f'font-family="{escape(PDF_FONT_FAMILY)}"'


def _pdf_chart(svg: str) -> SafeString:
    return mark_safe(str(svg).replace(_CHART_FONT, _PDF_FONT))


def _charts(data: dict) -> dict:
    kinds = _choice_labels(Organization.Kind.choices)
    statuses = _choice_labels(Organization.Status.choices)
    colours = _choice_labels(RatingColour.choices)
    members = data["members"]["at_end"]
    kind_codes = sorted(members["by_kind_status"], key=lambda code: (-members["by_kind"].get(code, 0), code))
    ratings = data["ratings"]
    resources = data["resources"]["utilization"]
    owners = resources.get("by_owner_kind") or []
    result = {
        "members": charts.stacked_bars(
            [{"label": statuses.get(status, status),
              "values": [members["by_kind_status"][code].get(status, 0) for code in kind_codes]}
             for status in Organization.Status.values],
            [kinds.get(code, code) for code in kind_codes],
            chart_id="members", title=_("Members by kind and status"),
            desc=_("Organizations that had joined by the end of the period, by kind, stacked by their status "
                   "at the end."),
            y_label=_("Organizations"), empty_message=_("No members yet."),
        ),
        "ratings": charts.bar_chart(
            [{"label": _("Latest rating"), "values": [ratings["latest"]["by_colour"][c] for c in COLOURS]},
             {"label": _("Rating before"), "values": [ratings["previous"]["by_colour"][c] for c in COLOURS]}],
            [colours[c] for c in COLOURS],
            chart_id="ratings", title=_("Schools by rating colour"),
            desc=_("Schools rated red, yellow and green in the latest rating period of the report's period and "
                   "in the rating period before it."),
            empty_message=_("No school ratings in this period."),
        ),
        "resources": charts.bar_chart(
            [{"label": _("Hours booked"), "values": [row["hours_booked"] for row in owners]},
             {"label": _("Hours open"), "values": [row["hours_open"] for row in owners]}],
            [row["label"] for row in owners],
            chart_id="resources", title=_("Resource use by owner"),
            desc=_("Hours booked against hours open of the shared resources, by the kind of the owner "
                   "organization."),
            unit=_(" h"), empty_message=_("No resource use in this period."),
        ),
    }
    flow = flow_charts(_revive_flow(data["innovations"]["flow"]), id_prefix="report-flow")
    result = {name: _pdf_chart(svg) for name, svg in result.items()}
    result["flow"] = [_pdf_chart(flow[name]) for name in ("cumulative_flow", "throughput", "work_in_progress")]
    return result


def _tables(data: dict) -> dict:
    kinds = _choice_labels(Organization.Kind.choices)
    colours = _choice_labels(RatingColour.choices)
    members = data["members"]["at_end"]
    matrix = data["ratings"]["moves"]["matrix"]
    return {
        "statuses": [(code, label) for code, label in _choice_labels(Organization.Status.choices).items()],
        "members": [
            {"label": kinds.get(code, code),
             "cells": [members["by_kind_status"][code].get(status, 0) for status in Organization.Status.values],
             "total": members["by_kind"].get(code, 0)}
            for code in sorted(members["by_kind_status"], key=lambda code: (-members["by_kind"].get(code, 0), code))
        ],
        "colours": [(code, colours[code]) for code in COLOURS],
        "owners": [{**row, "utilization_text": _percent(row.get("utilization"))}
                   for row in data["resources"]["utilization"].get("by_owner_kind") or []],
        "rating_moves": [{"label": colours[source], "cells": [matrix[source][target] for target in COLOURS]}
                         for source in COLOURS],
    }


def _districts(data: dict) -> tuple[list[list[dict]], list[dict]]:
    """The district pages (each a list of districts: one per page, or up to
    DISTRICTS_PER_PAGE when there are more districts than MAX_DISTRICT_PAGES), and the districts
    left for one shared table when even that is not enough."""
    rows = [{**row, "name": row["district"] or _("No district given")} for row in data.get("districts") or []]
    per_page = min(DISTRICTS_PER_PAGE, max(1, math.ceil(len(rows) / MAX_DISTRICT_PAGES)))
    shown = rows[:MAX_DISTRICT_PAGES * per_page]
    pages = [shown[index:index + per_page] for index in range(0, len(shown), per_page)]
    return pages, rows[len(shown):]


def context(report: Report, data: dict) -> dict:
    """What the template needs, in the active language (render_pdf sets the report's)."""
    current = data["current"]
    period = periods.period_of(report.kind, report.period_start)
    previous = periods.period_of(report.kind, report.period_start).previous()
    district_pages, other_districts = _districts(current)
    cluster = report.cluster
    return {
        "report": report,
        "language": report.language,
        "cluster_name": cluster.name,
        "cluster_region": cluster.region,
        "logo_data_uri": branding.logo_data_uri(cluster),
        "colours": branding.document_colours(cluster),
        "centre_name": cluster.centre.localized_name if cluster.centre_id else "",
        "kind_label": report.get_kind_display(),
        "period_label": period.label,
        "previous_label": previous.label,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "generated_at": timezone.localtime(timezone.now()),
        "code": format_code(report.verification_code),
        "verify_url": verify_url(report.verification_code),
        "key_figures": key_figures(data["change"]),
        "d": current,
        "charts": _charts(current),
        "tables": _tables(current),
        "utilization": _percent(current["resources"]["utilization_rate"]),
        "improved_share": _percent(current["programmes"]["competence"]["improved_share"]),
        "district_pages": district_pages,
        "other_districts": other_districts,
        "stylesheet_url": static_file_url("reports/pdf.css"),
        "font_regular_url": static_file_url("fonts/DejaVuSans.ttf"),
        "font_bold_url": static_file_url("fonts/DejaVuSans-Bold.ttf"),
    }


def render_html(report: Report, data: dict | None = None) -> str:
    with translation.override(report.language):
        return render_to_string("reports/pdf/report.html", context(report, data or report.data))


def render_pdf(report: Report, data: dict | None = None) -> bytes:
    """The PDF of the report (loaded with its cluster), from `data` (a snapshot; by default the
    report's own), in the report's language."""
    html = render_html(report, data)
    return html_to_pdf(html)

