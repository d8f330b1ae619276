"""Pilots: the trial of an innovation at member organizations, with measures taken before
(baseline) and after (result), and a conclusion.

Who:
- The authors' side (permissions.can_steer: the authors, the origin's admins, coordinators)
  adds pilot sites, changes their dates and participants, and sets their measures.
- The status of a pilot and its results and conclusion are also the pilot site's admins'
  (permissions.can_record_pilot): they run it and see its effect.

When:
- Pilot sites and measures are set while the innovation is approved for a pilot or piloting
  (sites may be added once the pilot has started).
- Measures change only before a result of their pilot is recorded: a baseline edited after
  the results would rewrite the evidence.
- Results and the conclusion are recorded while the innovation is piloting, for a pilot that
  is running or completed. Not once it is evaluated: the evaluation (the authors' move to
  evaluated) was made on these figures, and a later correction would change the evidence of a
  decision already taken.

Sites: any active member of the cluster, the origin included (the origin's own classes are
often the first trial of its idea); one pilot per site.

Pilot status moves: planned → running (the innovation is piloting) → completed (every measure
has its result and the conclusion is written); planned or running → stopped (the site left the
trial: a stopped pilot counts for no guard and is final).

Every function checks everything first and writes all or nothing; a ValidationError names the
field at fault (measure rows as "measures", each message naming its row).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.services import add_error, audit, is_int, raise_errors
from cluster_platform.tenancy import roles_for
from members.models import Organization

from .. import permissions, selectors
from ..models import Pilot, PilotMeasure, Stage

__all__ = [
    "PILOT_MOVES", "PILOT_STAGES", "measure_add", "measure_remove", "measure_update", "pilot_add",
    "pilot_results_record", "pilot_update",
]

PILOT_STAGES = (Stage.APPROVED_FOR_PILOT, Stage.PILOTING)
RESULT_STAGES = (Stage.PILOTING,)
PilotStatus = Pilot.Status
PILOT_MOVES = {
    (PilotStatus.PLANNED, PilotStatus.RUNNING),
    (PilotStatus.PLANNED, PilotStatus.STOPPED),
    (PilotStatus.RUNNING, PilotStatus.COMPLETED),
    (PilotStatus.RUNNING, PilotStatus.STOPPED),
}
MAX_DIGITS = 10  # before the decimal point: PilotMeasure's DecimalField(max_digits=12, decimal_places=2)
CONCLUSION_LIMIT = 5000


# --- Checks -------------------------------------------------------------------------------------

def _date(value, errors: dict, field: str) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    add_error(errors, field, _("Give a date (YYYY-MM-DD)."))
    return None


def _period(start, end, errors: dict) -> None:
    if start is not None and end is not None and end < start:
        add_error(errors, "end_date", _("The end date cannot be before the start date."))


def _participants(value, errors: dict):
    if value in (None, ""):
        return None
    if not is_int(value) or value < 1:
        add_error(errors, "participants", _("Give the number of participants as a whole number of at least 1."))
        return None
    return value


def _decimal(value, errors: dict, field: str, label: str) -> Decimal | None:
    """A value of a measure: a finite number with at most two decimals and ten digits before."""
    number = None
    if not isinstance(value, bool) and value not in (None, ""):
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** MAX_DIGITS:
        add_error(errors, field, _("%(label)s: give a number (at most ten digits before the point).") % {
            "label": label})
        return None
    if number != number.quantize(Decimal("0.01")):
        add_error(errors, field, _("%(label)s: use at most two decimals.") % {"label": label})
        return None
    return number.quantize(Decimal("0.01"))


def _measure(data, errors: dict, field: str, label: str, *, partial: bool = False) -> dict:
    """One measure's fields checked; `label` prefixes the messages ("Measure 2")."""
    if not isinstance(data, dict):
        add_error(errors, field, _("%(label)s: give its name, unit, baseline and direction.") % {"label": label})
        return {}
    cleaned = {}
    unknown = set(data) - {"name", "unit", "baseline", "higher_is_better"}
    if unknown:
        add_error(errors, field, _("%(label)s: unknown fields %(fields)s.") % {
            "label": label, "fields": ", ".join(sorted(map(str, unknown)))})
    if "name" in data or not partial:
        name = (data.get("name") or "").strip() if isinstance(data.get("name") or "", str) else None
        if not name:
            add_error(errors, field, _("%(label)s: give its name.") % {"label": label})
        elif len(name) > 200:
            add_error(errors, field, _("%(label)s: the name has at most 200 characters.") % {"label": label})
        cleaned["name"] = name
    if "unit" in data or not partial:
        unit = data.get("unit") or ""
        if not isinstance(unit, str) or len(unit.strip()) > 40:
            add_error(errors, field, _("%(label)s: the unit has at most 40 characters.") % {"label": label})
        cleaned["unit"] = unit.strip() if isinstance(unit, str) else ""
    if "baseline" in data or not partial:
        cleaned["baseline"] = _decimal(data.get("baseline"), errors, field,
                                       _("%(label)s, baseline") % {"label": label})
    if "higher_is_better" in data or not partial:
        better = data.get("higher_is_better", True)
        if not isinstance(better, bool):
            add_error(errors, field, _("%(label)s: say whether higher is better (true or false).") % {
                "label": label})
        cleaned["higher_is_better"] = better
    return cleaned


def _stage_allows(innovation, stages, errors: dict, message: str) -> None:
    if innovation.stage not in stages:
        add_error(errors, "stage", message % {"stage": str(Stage(innovation.stage).label).lower()})


def _pilot_for_update(cluster, actor, pilot_id) -> Pilot:
    """The pilot and its innovation, both locked (the innovation first, in the life cycle's order,
    so a pilot never changes under a stage move being checked); 404 when unseen."""
    if not is_int(pilot_id):
        raise Pilot.DoesNotExist
    innovation_id = Pilot.objects.for_cluster(cluster).filter(pk=pilot_id).values_list(
        "innovation_id", flat=True).first()
    if innovation_id is None:
        raise Pilot.DoesNotExist
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    pilot = Pilot.objects.for_cluster(cluster).select_for_update().select_related("organization").get(pk=pilot_id)
    pilot.innovation = innovation
    return pilot


def _has_results(cluster, pilot) -> bool:
    return PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot, result__isnull=False).exists()


# --- Pilot sites ---------------------------------------------------------------------------------

@transaction.atomic
def pilot_add(*, cluster, actor, innovation_id: int, organization_id: int, start_date, end_date,
              participants: int | None = None, measures: list[dict] = ()) -> Pilot:
    """A pilot site of the innovation with its period and at least one measure with its baseline."""
    if not is_int(innovation_id):
        raise ValidationError({"innovation": _("Choose an innovation of this cluster.")})
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    if not permissions.can_steer(roles_for(actor, cluster), innovation):
        permissions.deny()
    errors: dict = {}
    _stage_allows(innovation, PILOT_STAGES, errors,
                  _("Pilot sites are added once the innovation is approved for a pilot; it is %(stage)s."))
    organization = (Organization.objects.for_cluster(cluster).filter(pk=organization_id).first()
                    if is_int(organization_id) else None)
    if organization is None:
        add_error(errors, "organization", _("Choose an organization of this cluster."))
    elif organization.status != Organization.Status.ACTIVE:
        add_error(errors, "organization", _("%(organization)s is not an active member of the cluster.") % {
            "organization": organization})
    elif Pilot.objects.for_cluster(cluster).filter(innovation=innovation, organization=organization).exists():
        add_error(errors, "organization", _("%(organization)s is already a pilot site of this innovation.") % {
            "organization": organization})
    start = _date(start_date, errors, "start_date")
    end = _date(end_date, errors, "end_date")
    _period(start, end, errors)
    count = _participants(participants, errors)
    rows = []
    if not isinstance(measures, (list, tuple)) or not measures:
        add_error(errors, "measures", _("Give at least one measure with its baseline."))
    else:
        for number, data in enumerate(measures, start=1):
            rows.append(_measure(data, errors, "measures", _("Measure %(number)s") % {"number": number}))
        names = [row.get("name") for row in rows if row.get("name")]
        if len(set(names)) != len(names):
            add_error(errors, "measures", _("Give each measure a different name."))
    raise_errors(errors)
    with audit(actor, service="pilot_add"):
        pilot = Pilot.objects.create(
            cluster=cluster, innovation=innovation, organization=organization, start_date=start, end_date=end,
            participants=count, created_by=actor,
        )
        PilotMeasure.objects.bulk_create([PilotMeasure(cluster=cluster, pilot=pilot, **row) for row in rows])
    return pilot


@transaction.atomic
def pilot_update(*, cluster, actor, pilot_id: int, **changes) -> Pilot:
    """Change a pilot's dates and participants (the authors' side) or move its status (the
    authors' side or the pilot site's admins)."""
    pilot = _pilot_for_update(cluster, actor, pilot_id)
    innovation = pilot.innovation
    roles = roles_for(actor, cluster)
    allowed = {"start_date", "end_date", "participants", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    if set(changes) - {"status"} and not permissions.can_steer(roles, innovation):
        permissions.deny()
    if "status" in changes and not permissions.can_record_pilot(roles, pilot):
        permissions.deny()
    errors: dict = {}
    _stage_allows(innovation, PILOT_STAGES, errors,
                  _("A pilot changes while the innovation is approved for a pilot or piloting; it is %(stage)s."))
    if pilot.status in (PilotStatus.COMPLETED, PilotStatus.STOPPED) and set(changes) & {"start_date", "end_date",
                                                                                         "participants"}:
        add_error(errors, "status", _("The pilot is %(status)s: its dates and participants stay as they were.") % {
            "status": pilot.get_status_display().lower()})
    start = _date(changes["start_date"], errors, "start_date") if "start_date" in changes else pilot.start_date
    end = _date(changes["end_date"], errors, "end_date") if "end_date" in changes else pilot.end_date
    _period(start, end, errors)
    count = _participants(changes["participants"], errors) if "participants" in changes else pilot.participants
    status = changes.get("status", pilot.status)
    if status != pilot.status:
        if status not in PilotStatus.values:
            add_error(errors, "status", _("Choose one of the offered values."))
        elif (pilot.status, status) not in PILOT_MOVES:
            add_error(errors, "status", _("A pilot cannot move from %(from)s to %(to)s.") % {
                "from": pilot.get_status_display().lower(), "to": str(PilotStatus(status).label).lower()})
        elif status in (PilotStatus.RUNNING, PilotStatus.COMPLETED) and innovation.stage != Stage.PILOTING:
            add_error(errors, "status", _("The pilot runs once the innovation is piloting; it is %(stage)s.") % {
                "stage": str(Stage(innovation.stage).label).lower()})
        elif status == PilotStatus.COMPLETED:
            if PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot, result__isnull=True).exists():
                add_error(errors, "status", _("Enter the result of every measure before the pilot is completed."))
            if not pilot.conclusion.strip():
                add_error(errors, "status", _("Write the conclusion before the pilot is completed."))
    raise_errors(errors)
    with audit(actor, service="pilot_update"):
        pilot.start_date, pilot.end_date, pilot.participants, pilot.status = start, end, count, status
        pilot.save(update_fields=["start_date", "end_date", "participants", "status", "updated_at"])
    return pilot


# --- Measures ------------------------------------------------------------------------------------

def _check_measures_editable(cluster, pilot, roles, errors: dict) -> None:
    if not permissions.can_steer(roles, pilot.innovation):
        permissions.deny()
    _stage_allows(pilot.innovation, PILOT_STAGES, errors,
                  _("Measures are set while the innovation is approved for a pilot or piloting; it is %(stage)s."))
    if pilot.status in (PilotStatus.COMPLETED, PilotStatus.STOPPED):
        add_error(errors, "status", _("The pilot is %(status)s: its measures stay as they are.") % {
            "status": pilot.get_status_display().lower()})
    elif _has_results(cluster, pilot):
        add_error(errors, "measures", _("Results are recorded for this pilot: its measures stay as they are."))


@transaction.atomic
def measure_add(*, cluster, actor, pilot_id: int, name: str, baseline, unit: str = "",
                higher_is_better: bool = True) -> PilotMeasure:
    pilot = _pilot_for_update(cluster, actor, pilot_id)
    errors: dict = {}
    _check_measures_editable(cluster, pilot, roles_for(actor, cluster), errors)
    cleaned = _fields_of_measure({"name": name, "unit": unit, "baseline": baseline,
                                  "higher_is_better": higher_is_better}, errors)
    if cleaned.get("name") and PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot,
                                                                                 name=cleaned["name"]).exists():
        add_error(errors, "name", _("This pilot already has a measure of this name."))
    raise_errors(errors)
    with audit(actor, service="measure_add"):
        return PilotMeasure.objects.create(cluster=cluster, pilot=pilot, **cleaned)


def _fields_of_measure(data: dict, errors: dict) -> dict:
    """One measure's fields, each error filed under its own field (for measure_add/update)."""
    cleaned = {}
    for field in ("name", "unit", "baseline", "higher_is_better"):
        if field not in data:
            continue
        field_errors: dict = {}
        label = {"name": _("Name"), "unit": _("Unit"), "baseline": _("Baseline"),
                 "higher_is_better": _("Direction")}[field]
        value = _measure({field: data[field]}, field_errors, field, label, partial=True)
        for message in field_errors.get(field, []):
            add_error(errors, field, message)
        cleaned.update(value)
    return cleaned


def _measure_for_update(cluster, actor, measure_id) -> tuple[PilotMeasure, Pilot]:
    if not is_int(measure_id):
        raise PilotMeasure.DoesNotExist
    pilot_id = PilotMeasure.objects.for_cluster(cluster).filter(pk=measure_id).values_list(
        "pilot_id", flat=True).first()
    if pilot_id is None:
        raise PilotMeasure.DoesNotExist
    pilot = _pilot_for_update(cluster, actor, pilot_id)
    return PilotMeasure.objects.for_cluster(cluster).select_for_update().get(pk=measure_id), pilot


@transaction.atomic
def measure_update(*, cluster, actor, measure_id: int, **changes) -> PilotMeasure:
    """Change a measure's name, unit, baseline or direction, before its pilot has results."""
    measure, pilot = _measure_for_update(cluster, actor, measure_id)
    unknown = set(changes) - {"name", "unit", "baseline", "higher_is_better"}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    errors: dict = {}
    _check_measures_editable(cluster, pilot, roles_for(actor, cluster), errors)
    cleaned = _fields_of_measure(changes, errors)
    if cleaned.get("name") and PilotMeasure.objects.for_cluster(cluster).filter(
            pilot=pilot, name=cleaned["name"]).exclude(pk=measure.pk).exists():
        add_error(errors, "name", _("This pilot already has a measure of this name."))
    raise_errors(errors)
    with audit(actor, service="measure_update"):
        for field, value in cleaned.items():
            setattr(measure, field, value)
        measure.save()
    return measure


@transaction.atomic
def measure_remove(*, cluster, actor, measure_id: int) -> None:
    """Remove a measure before its pilot has results; a pilot keeps at least one."""
    measure, pilot = _measure_for_update(cluster, actor, measure_id)
    errors: dict = {}
    _check_measures_editable(cluster, pilot, roles_for(actor, cluster), errors)
    if not errors and not PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot).exclude(
            pk=measure.pk).exists():
        add_error(errors, "measures", _("A pilot keeps at least one measure: add another before you remove this one."))
    raise_errors(errors)
    with audit(actor, service="measure_remove"):
        PilotMeasure.objects.for_cluster(cluster).filter(pk=measure.pk).delete()


# --- Results --------------------------------------------------------------------------------------

@transaction.atomic
def pilot_results_record(*, cluster, actor, pilot_id: int, results: dict, conclusion: str) -> Pilot:
    """Record results ({measure id: value}; None clears one) and the conclusion of a running or
    completed pilot while the innovation is piloting. Measures not named keep their result."""
    pilot = _pilot_for_update(cluster, actor, pilot_id)
    if not permissions.can_record_pilot(roles_for(actor, cluster), pilot):
        permissions.deny()
    errors: dict = {}
    _stage_allows(pilot.innovation, RESULT_STAGES, errors,
                  _("Results are recorded while the innovation is piloting; it is %(stage)s."))
    if pilot.status not in (PilotStatus.RUNNING, PilotStatus.COMPLETED):
        add_error(errors, "status", _("Results are recorded once the pilot is running; it is %(status)s.") % {
            "status": pilot.get_status_display().lower()})
    measures = {measure.pk: measure for measure in PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot)}
    values: dict = {}
    if not isinstance(results, dict):
        add_error(errors, "results", _("Give the results as {measure id: value}."))
        results = {}
    for key, value in results.items():
        measure_id = int(key) if isinstance(key, str) and key.isdigit() else key
        measure = measures.get(measure_id) if is_int(measure_id) else None
        if measure is None:
            add_error(errors, "results", _("%(key)s is not a measure of this pilot.") % {"key": key})
            continue
        if value in (None, ""):
            values[measure.pk] = None
        else:
            values[measure.pk] = _decimal(value, errors, "results", measure.name)
    conclusion = conclusion if conclusion is not None else ""
    if not isinstance(conclusion, str):
        add_error(errors, "conclusion", _("Write the conclusion as text."))
        conclusion = ""
    conclusion = conclusion.strip()
    if len(conclusion) > CONCLUSION_LIMIT:
        add_error(errors, "conclusion", _("Use at most %(limit)s characters.") % {"limit": CONCLUSION_LIMIT})
    if pilot.status == PilotStatus.COMPLETED:
        if not conclusion:
            add_error(errors, "conclusion", _("A completed pilot keeps its conclusion."))
        if any(value is None for value in values.values()):
            add_error(errors, "results", _("A completed pilot keeps a result for every measure."))
    raise_errors(errors)
    with audit(actor, service="pilot_results_record"):
        changed = []
        for measure_id, value in values.items():
            measures[measure_id].result = value
            changed.append(measures[measure_id])
        if changed:
            PilotMeasure.objects.for_cluster(cluster).bulk_update(changed, ["result"])
        pilot.conclusion = conclusion
        pilot.save(update_fields=["conclusion", "updated_at"])
    return pilot
