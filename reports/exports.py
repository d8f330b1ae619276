"""The indicators of a report (its data snapshot, reports.indicators.snapshot) as a table, and
that table as CSV or XLSX.

    rows(snapshot)              -> [Row(section, indicator, breakdown, value, previous, change)]
    csv_bytes(snapshot)         -> UTF-8 CSV with a byte-order mark, one table
    xlsx_bytes(snapshot)        -> a workbook with one sheet per section

Every number of the snapshot becomes a row: `indicator` is the figure (the first key below the
section), `breakdown` the keys below it (a kind, a status, a district...), joined with " / ".
`previous` is the same figure of the previous period (the snapshot keeps both), `change` the
difference when both are numbers. Labels are translated in the active language, so a reader
gets the export in their own language whatever language the PDF was rendered in; codes the
label tables do not know (districts, which are free text) are written as they are.

Left out: the innovation flow's series (the charts draw them), the utilization total (the same
figures as the section's own) and the network's previous period (the `previous` column).
Cells a spreadsheet program would run as formulas are neutralised (cluster_platform.spreadsheets).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement
from cluster_platform import spreadsheets
from innovations.models import Adoption, Stage
from members.models import Organization, RatingColour
from programs.models import Competence, Program
from resources.models import Booking

SECTIONS = {
    "members": gettext_lazy("Members"),
    "ratings": gettext_lazy("School ratings"),
    "agreements": gettext_lazy("Agreements"),
    "resources": gettext_lazy("Shared resources"),
    "programmes": gettext_lazy("Programmes"),
    "innovations": gettext_lazy("Innovations"),
    "network": gettext_lazy("Cooperation network"),
}

SKIPPED = {("innovations", "flow"), ("resources", "utilization", "total"), ("network", "previous")}

# The figures and the groupings, by key (the same key means the same thing in every section).
KEYS = {
    "at_end": gettext_lazy("At the end of the period"),
    "total": gettext_lazy("Total"),
    "by_status": gettext_lazy("by status"),
    "by_kind": gettext_lazy("by kind"),
    "by_kind_status": gettext_lazy("by kind and status"),
    "by_colour": gettext_lazy("by colour"),
    "by_district": gettext_lazy("by district"),
    "by_stage": gettext_lazy("by stage"),
    "by_channel": gettext_lazy("by channel"),
    "by_competence": gettext_lazy("by competence"),
    "by_owner_kind": gettext_lazy("by owner's kind"),
    "by_borrower_kind": gettext_lazy("by borrower's kind"),
    "cross": gettext_lazy("by owner's and borrower's kind"),
    "joined": gettext_lazy("Joined"),
    "exited": gettext_lazy("Exited"),
    "suspended": gettext_lazy("Suspended"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "reinstated": gettext_lazy("Reinstated"),
    "latest": gettext_lazy("Latest rating period"),
    "previous": gettext_lazy("Rating period before"),
    "moves": gettext_lazy("Movement between the two"),
    "matrix": gettext_lazy("from → to"),
    "improved": gettext_lazy("Improved"),
    "worsened": gettext_lazy("Worsened"),
    "unchanged": gettext_lazy("Unchanged"),
    "newly_rated": gettext_lazy("Newly rated"),
    "new": gettext_lazy("New"),
    "active": gettext_lazy("Active"),
    "expiring": gettext_lazy("Expiring"),
    "terminated": gettext_lazy("Terminated"),
    "expired": gettext_lazy("Expired"),
    "obligations_overdue": gettext_lazy("Obligations overdue"),
    "expiry_horizon_days": gettext_lazy("Expiry horizon, days"),
    "bookings": gettext_lazy("Bookings"),
    "hours_booked": gettext_lazy("Hours booked"),
    "hours_open": gettext_lazy("Hours open"),
    "utilization_rate": gettext_lazy("Utilization rate"),
    "utilization": gettext_lazy("Utilization"),
    "resources": gettext_lazy("Resources"),
    "requested": gettext_lazy("Booking requests"),
    "running": gettext_lazy("Running"),
    "started": gettext_lazy("Started"),
    "completed": gettext_lazy("Completed"),
    "completions": gettext_lazy("Completions"),
    "teachers_trained": gettext_lazy("Teachers trained"),
    "teachers": gettext_lazy("Teachers"),
    "priority_teachers": gettext_lazy("Priority teachers trained"),
    "hours": gettext_lazy("Training hours"),
    "competence": gettext_lazy("Competence growth"),
    "assessed": gettext_lazy("Assessed"),
    "mean_gain": gettext_lazy("Mean gain"),
    "improved_share": gettext_lazy("Share improved"),
    "certificates": gettext_lazy("Certificates"),
    "proposed": gettext_lazy("Proposed"),
    "pilots_started": gettext_lazy("Pilots started"),
    "pilots_running": gettext_lazy("Pilots running"),
    "in_progress": gettext_lazy("In progress"),
    "finished": gettext_lazy("Finished"),
    "adoptions": gettext_lazy("Adoptions"),
    "adopters": gettext_lazy("Adopters"),
    "innovations": gettext_lazy("Innovations"),
    "spread": gettext_lazy("Spread"),
    "innovations_adopted": gettext_lazy("Innovations adopted"),
    "mean_generations": gettext_lazy("Mean generations"),
    "median_generations": gettext_lazy("Median generations"),
    "median_days_to_first_adoption": gettext_lazy("Median days to first adoption"),
    "pairs": gettext_lazy("Cooperating pairs"),
    "organizations": gettext_lazy("Organizations taking part"),
    "pairs_new": gettext_lazy("New pairs"),
    "pairs_lost": gettext_lazy("Pairs lost"),
    "change": gettext_lazy("Change"),
    "agreements": gettext_lazy("Agreements"),
    "programmes": gettext_lazy("Programmes"),
}

CHANNELS = {
    "agreements": gettext_lazy("Agreements"),
    "bookings": gettext_lazy("Bookings"),
    "programmes": gettext_lazy("Programmes"),
    "adoptions": gettext_lazy("Adoptions"),
}

# Which codes a grouping holds, by section and grouping key: their labels come from the models.
_ORG_KINDS = dict(Organization.Kind.choices)
CODES = {
    ("members", "by_kind"): _ORG_KINDS,
    ("members", "by_kind_status"): _ORG_KINDS,
    ("members", "by_status"): dict(Organization.Status.choices),
    ("ratings", "by_colour"): dict(RatingColour.choices),
    ("ratings", "matrix"): dict(RatingColour.choices),
    ("agreements", "by_kind"): dict(Agreement.Kind.choices),
    ("resources", "by_status"): dict(Booking.Status.choices),
    ("resources", "by_owner_kind"): _ORG_KINDS,
    ("resources", "by_borrower_kind"): _ORG_KINDS,
    ("resources", "cross"): _ORG_KINDS,
    ("programmes", "by_kind"): dict(Program.Kind.choices),
    ("programmes", "by_competence"): dict(Competence.choices),
    ("innovations", "by_stage"): dict(Stage.choices),
    ("innovations", "by_status"): dict(Adoption.Status.choices),
    ("network", "by_channel"): CHANNELS,
}
# Below these groupings the next key is again a code of the same list (a kind, then a status).
_THEN = {("members", "by_kind_status"): dict(Organization.Status.choices),
         ("ratings", "matrix"): dict(RatingColour.choices),
         ("ratings", "by_district"): dict(RatingColour.choices)}


@dataclass(frozen=True)
class Row:
    section: str
    indicator: str
    breakdown: str
    value: int | float | None
    previous: int | float | None
    change: int | float | None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _keyed_list(items: list) -> dict:
    """A list of rows such as the utilization's [{"kind", "label", figures...}] as a dict keyed by
    its codes ("owner_kind → borrower_kind" for the cross table); other lists are left out."""
    result = {}
    for item in items:
        if not isinstance(item, dict):
            return {}
        codes = [str(item[key]) for key in ("kind", "owner_kind", "borrower_kind", "stage") if item.get(key)]
        if not codes:
            return {}
        result[" → ".join(codes)] = {key: value for key, value in item.items() if _is_number(value)}
    return result


def _leaves(data, path: tuple):
    """(path, value) of every number (or None) in `data`, in its order."""
    if isinstance(data, list):
        data = _keyed_list(data)
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, str(key))
            if child[:3] in SKIPPED or child[:2] in SKIPPED:
                continue
            yield from _leaves(value, child)
    elif data is None or _is_number(data):
        yield path, data


def _dig(data, path: tuple):
    for key in path:
        if isinstance(data, list):
            data = _keyed_list(data)
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if _is_number(data) else None


def _label(section: str, path: tuple, index: int) -> str:
    key = path[index]
    if index > 0:
        parent = path[index - 1]
        codes = CODES.get((section, parent))
        if codes is None and index > 1:
            codes = _THEN.get((section, path[index - 2]))
        if codes is not None:
            if " → " in key:
                return " → ".join(str(codes.get(part, part)) for part in key.split(" → "))
            if key in codes:
                return str(codes[key])
        if parent == "by_district" and key not in KEYS:
            return key
    return str(KEYS.get(key, key.replace("_", " ")))


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value


def rows(snapshot: dict) -> list[Row]:
    """The snapshot ({"current", "previous", "change"}) flattened, section by section."""
    current, previous = snapshot.get("current") or {}, snapshot.get("previous") or {}
    result = []
    for section, section_label in SECTIONS.items():
        for path, value in _leaves(current.get(section), (section,)):
            inner = path[1:]
            before = _dig(previous.get(section), inner)
            change = _rounded(value - before) if _is_number(value) and _is_number(before) else None
            result.append(Row(
                section=str(section_label),
                indicator=_label(section, inner, 0),
                breakdown=" / ".join(_label(section, inner, i) for i in range(1, len(inner))),
                value=value, previous=before, change=change,
            ))
    return result


def header() -> list[str]:
    return [_("Section"), _("Indicator"), _("Breakdown"), _("Value"), _("Previous period"), _("Change")]


def _text(value) -> str:
    return "" if value is None else str(value)


def csv_bytes(snapshot: dict) -> bytes:
    table = [header()] + [
        [row.section, row.indicator, row.breakdown, _text(row.value), _text(row.previous), _text(row.change)]
        for row in rows(snapshot)
    ]
    return spreadsheets.csv_bytes(table)


def _sheet_title(label: str, used: set) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    title = "".join(" " if ch in "[]:*?/\\" else ch for ch in label)[:31].strip() or "Sheet"
    candidate, n = title, 2
    while candidate.lower() in used:
        candidate = f"{title[:28]} {n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def xlsx_bytes(snapshot: dict) -> bytes:
    """One sheet per section; numbers stay numbers, text cells are neutralised."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    by_section: dict[str, list[Row]] = {}
    for row in rows(snapshot):
        by_section.setdefault(row.section, []).append(row)
    used: set = set()
    titles = [str(label) for label in SECTIONS.values()]
    for title in titles:
        sheet = workbook.create_sheet(_sheet_title(title, used))
        columns = header()
        sheet.append([spreadsheets.neutralise(cell) for cell in columns[1:]])
        for row in by_section.get(title, []):
            sheet.append([spreadsheets.neutralise(row.indicator), spreadsheets.neutralise(row.breakdown),
                          row.value, row.previous, row.change])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
