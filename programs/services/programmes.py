"""Programmes and their sessions: create, edit, move through the life cycle, the daily task.

Life cycle (MOVES): planned → open (needs at least one session and an end date not yet past)
→ running (on or after the start date; the daily task does it on the start date) → completed
(on or after the end date by hand; the daily task does it the day after the end date): the
completion rule is evaluated and certificates are issued. Planned, open and running programmes
can be cancelled with a reason: every active enrolment is withdrawn and the sessions' future
bookings are cancelled; the timeline records it. Open can go back to planned while nobody holds
or waits for a place.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cluster_platform import names
from cluster_platform.tenancy import roles_for
from members.models import Organization
from resources import services as resource_services
from resources.models import Booking

from .. import permissions, selectors
from ..models import Competence, Enrollment, Program, ProgramPartner, ProgramTransition, Session
from ._common import add_error, audit, is_int, raise_errors, score as _score
from .enrolments import fill_places
from .records import complete_program

Status = Program.Status
DAILY_TASK_COMMENT = gettext_noop("daily task")
CANCELLED_REASON = gettext_noop("The programme was cancelled.")

MOVES = {
    (Status.PLANNED, Status.OPEN),
    (Status.OPEN, Status.PLANNED),
    (Status.OPEN, Status.RUNNING),
    (Status.RUNNING, Status.COMPLETED),
    (Status.PLANNED, Status.CANCELLED),
    (Status.OPEN, Status.CANCELLED),
    (Status.RUNNING, Status.CANCELLED),
}

PROGRAM_FIELDS = (
    "title", "kind", "description", "lead_organization_id", "partner_ids", "audience", "competences", "hours",
    "start_date", "end_date", "capacity", "priority_share", "min_attendance_percent", "requires_post_assessment",
    "pass_score", "title_translations",
)


def _percent(value, errors, field, message):
    if not is_int(value) or not 0 <= value <= 100:
        add_error(errors, field, message)


def _clean_program(cluster, data: dict) -> dict:
    """Every field checked; returns the cleaned values with loaded organizations."""
    errors: dict = {}
    cleaned = dict(data)
    cleaned["title"] = (data.get("title") or "").strip()
    if not cleaned["title"]:
        add_error(errors, "title", _("Give the title."))
    cleaned["title_translations"] = names.collect_translations(errors, data.get("title_translations"),
                                                               model=Program, field="title")
    if data.get("kind") not in Program.Kind.values:
        add_error(errors, "kind", _("Choose the kind of programme."))
    cleaned["description"] = (data.get("description") or "").strip()
    cleaned["audience"] = (data.get("audience") or "").strip()

    lead_id = data.get("lead_organization_id")
    partner_ids = list(dict.fromkeys(data.get("partner_ids") or []))
    ids = [i for i in [lead_id, *partner_ids] if is_int(i)]
    organizations = Organization.objects.for_cluster(cluster).in_bulk(ids)
    lead = organizations.get(lead_id) if is_int(lead_id) else None
    if lead is None:
        add_error(errors, "lead_organization", _("Choose an organization of this cluster."))
    elif lead.status != Organization.Status.ACTIVE:
        add_error(errors, "lead_organization", _("%(name)s is not an active member of the cluster.") % {"name": lead})
    partners = []
    for partner_id in partner_ids:
        partner = organizations.get(partner_id) if is_int(partner_id) else None
        if partner is None:
            add_error(errors, "partners", _("Choose partner organizations of this cluster."))
            break
        if partner_id == lead_id:
            add_error(errors, "partners", _("The lead organization is not also a partner."))
            break
        if partner.status != Organization.Status.ACTIVE:
            add_error(errors, "partners", _("%(name)s is not an active member of the cluster.") % {"name": partner})
            break
        partners.append(partner)
    cleaned["lead_organization"], cleaned["partners"] = lead, partners

    competences = list(dict.fromkeys(data.get("competences") or []))
    unknown = [str(code) for code in competences if code not in Competence.values]
    if unknown:
        add_error(errors, "competences", _("Unknown competence: %(codes)s.") % {"codes": ", ".join(unknown)})
    cleaned["competences"] = competences

    if not is_int(data.get("hours")) or data["hours"] < 1:
        add_error(errors, "hours", _("Give the number of hours, at least 1."))
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, datetime.date):
        add_error(errors, "start_date", _("Give the start date."))
    if not isinstance(end, datetime.date):
        add_error(errors, "end_date", _("Give the end date."))
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        add_error(errors, "end_date", _("The end date cannot be before the start date."))
    if not is_int(data.get("capacity")) or data["capacity"] < 1:
        add_error(errors, "capacity", _("Give the number of places, at least 1."))
    _percent(data.get("priority_share", 0), errors, "priority_share",
             _("Give the share of reserved places as a whole percentage from 0 to 100."))
    _percent(data.get("min_attendance_percent", 80), errors, "min_attendance_percent",
             _("Give the minimum attendance as a whole percentage from 0 to 100."))
    cleaned["requires_post_assessment"] = bool(data.get("requires_post_assessment"))
    cleaned["pass_score"] = _score(data.get("pass_score"), errors, "pass_score")
    if cleaned["requires_post_assessment"] and cleaned["pass_score"] is None and "pass_score" not in errors:
        add_error(errors, "pass_score", _("Give the pass score of the post-assessment."))
    raise_errors(errors)
    return cleaned


_COLUMNS = ("title", "title_translations", "kind", "description", "audience", "competences", "hours", "start_date",
            "end_date", "capacity", "priority_share", "min_attendance_percent", "requires_post_assessment",
            "pass_score")


def _set_partners(cluster, program: Program, partners) -> None:
    wanted = {p.pk for p in partners}
    links = ProgramPartner.objects.for_cluster(cluster).filter(program=program)
    links.exclude(organization_id__in=wanted).delete()
    have = set(links.values_list("organization_id", flat=True))
    ProgramPartner.objects.bulk_create([
        ProgramPartner(cluster=cluster, program=program, organization_id=pk) for pk in sorted(wanted - have)
    ])


def _record(cluster, program, *, actor, from_status, to_status, comment=""):
    ProgramTransition.objects.create(cluster=cluster, program=program, actor=actor, from_status=from_status or "",
                                     to_status=to_status, comment=comment)


@transaction.atomic
def program_create(*, cluster, actor, title: str, kind: str, lead_organization_id: int, hours: int,
                   start_date: datetime.date, end_date: datetime.date, capacity: int, description: str = "",
                   partner_ids: list[int] | None = None, audience: str = "", competences: list[str] | None = None,
                   priority_share: int = 0, min_attendance_percent: int = 80,
                   requires_post_assessment: bool = False, pass_score=None,
                   title_translations: dict | None = None) -> Program:
    """A planned programme; a coordinator's for any lead organization, an admin's for their own."""
    permissions.require(actor, cluster, "create", None)
    data = {key: value for key, value in locals().items() if key in PROGRAM_FIELDS}
    cleaned = _clean_program(cluster, data)
    if not permissions.can_create(roles_for(actor, cluster), cleaned["lead_organization"].pk):
        raise ValidationError({"lead_organization": _("Choose an organization you administer as the lead.")})
    program = Program(cluster=cluster, lead_organization=cleaned["lead_organization"], created_by=actor,
                      status=Status.PLANNED, **{column: cleaned[column] for column in _COLUMNS})
    with audit(actor, service="program_create"):
        program.save()
        _set_partners(cluster, program, cleaned["partners"])
        _record(cluster, program, actor=actor, from_status=None, to_status=Status.PLANNED)
    return program


@transaction.atomic
def program_update(*, cluster, actor, program_id: int, **changes) -> Program:
    """Change any of PROGRAM_FIELDS; a coordinator or the lead's admin, until the programme ends.
    Places cannot drop below those already held; more places (or a smaller reserve) move the
    waiting list up at once."""
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"program_update: unknown fields {sorted(unknown)}")
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    if program.status in Program.FINAL_STATUSES:
        raise ValidationError({"status": _("The programme is %(status)s: it cannot change any more.") % {
            "status": Status(program.status).label.lower()}})
    current = {column: getattr(program, column) for column in _COLUMNS}
    current["lead_organization_id"] = program.lead_organization_id
    current["partner_ids"] = list(ProgramPartner.objects.for_cluster(cluster).filter(program=program)
                                  .order_by("id").values_list("organization_id", flat=True))
    cleaned = _clean_program(cluster, {**current, **changes})
    if cleaned["lead_organization"].pk != program.lead_organization_id and not permissions.can_create(
            roles_for(actor, cluster), cleaned["lead_organization"].pk):
        raise ValidationError({"lead_organization": _("Choose an organization you administer as the lead.")})
    taken = selectors.places_taken(cluster=cluster, program=program)["taken"]
    if cleaned["capacity"] < taken:
        raise ValidationError({"capacity": _("%(taken)s places are already taken: the programme cannot have fewer.")
                               % {"taken": taken}})
    if program.status != Status.PLANNED and cleaned["start_date"] != program.start_date and (
            program.status == Status.RUNNING):
        raise ValidationError({"start_date": _("The programme is running: its start date cannot change.")})
    for column in _COLUMNS:
        setattr(program, column, cleaned[column])
    program.lead_organization = cleaned["lead_organization"]
    with audit(actor, service="program_update"):
        program.save()
        _set_partners(cluster, program, cleaned["partners"])
        if program.status in (Status.OPEN, Status.RUNNING):
            fill_places(cluster=cluster, program=program, honour_reserve=program.status == Status.OPEN)
    return program


def _check_move(cluster, program: Program, to_status: str, *, today: datetime.date, reason: str) -> None:
    current = program.status
    if to_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if current in Program.FINAL_STATUSES:
        raise ValidationError({"status": _("The programme is %(status)s: it cannot change any more.") % {
            "status": Status(current).label.lower()}})
    if (current, to_status) not in MOVES:
        raise ValidationError({"status": _("A programme that is %(current)s cannot become %(target)s.") % {
            "current": Status(current).label.lower(), "target": Status(to_status).label.lower()}})
    if to_status == Status.OPEN:
        if not Session.objects.for_cluster(cluster).filter(program=program).exists():
            raise ValidationError({"status": _("Add at least one session before opening the programme.")})
        if program.end_date < today:
            raise ValidationError({"status": _("The programme ended on %(date)s: it cannot open for enrolment.")
                                   % {"date": program.end_date.isoformat()}})
    if (current, to_status) == (Status.OPEN, Status.PLANNED) and Enrollment.objects.for_cluster(cluster).filter(
            program=program, status__in=Enrollment.ACTIVE_STATUSES).exists():
        raise ValidationError({"status": _("People are enrolled: the programme cannot go back to planned.")})
    if to_status == Status.RUNNING and program.start_date > today:
        raise ValidationError({"status": _("The programme cannot run before its start date (%(date)s).") % {
            "date": program.start_date.isoformat()}})
    if to_status == Status.COMPLETED and program.end_date > today:
        raise ValidationError({"status": _("The programme can be completed on or after its end date (%(date)s).")
                               % {"date": program.end_date.isoformat()}})
    if to_status == Status.CANCELLED and not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling the programme.")})


def _cancel_bookings(cluster, actor, program: Program) -> int:
    """Cancel the bookings of the sessions still to come, each through the booking rules: one that
    has begun or that the actor may not cancel stays as it is (its owner sees it)."""
    cancelled = 0
    bookings = Session.objects.for_cluster(cluster).filter(
        program=program, booking__status__in=[Booking.Status.REQUESTED, Booking.Status.APPROVED],
    ).values_list("booking_id", flat=True)
    for booking_id in list(bookings):
        try:
            resource_services.booking_cancel(cluster=cluster, actor=actor, booking_id=booking_id)
        except (ValidationError, PermissionDenied, Booking.DoesNotExist):
            continue
        cancelled += 1
    return cancelled


def _move(cluster, program: Program, to_status: str, *, actor, now, comment="", reason="") -> None:
    from_status = program.status
    program.status = to_status
    fields = ["status", "updated_at"]
    if to_status == Status.CANCELLED:
        program.cancellation_reason = reason
        fields.append("cancellation_reason")
        Enrollment.objects.for_cluster(cluster).filter(
            program=program, status__in=Enrollment.ACTIVE_STATUSES,
        ).update(status=Enrollment.Status.WITHDRAWN, waitlist_position=None, withdrawn_at=now,
                 withdrawal_reason=CANCELLED_REASON, updated_at=now)
        if actor is not None:
            _cancel_bookings(cluster, actor, program)
    program.save(update_fields=fields)
    if to_status == Status.RUNNING:
        # The reserve holds while enrolment is open; once the programme runs, free places go to
        # whoever waits first.
        fill_places(cluster=cluster, program=program, honour_reserve=False)
    if to_status == Status.COMPLETED:
        complete_program(cluster, program, now=now)
    _record(cluster, program, actor=actor, from_status=from_status, to_status=to_status, comment=comment or reason)


@transaction.atomic
def program_transition(*, cluster, actor, program_id: int, to_status: str, reason: str = "",
                       comment: str = "") -> Program:
    """The one way a person moves a programme through its life cycle (see MOVES)."""
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    reason = (reason or "").strip()
    _check_move(cluster, program, to_status, today=timezone.localdate(), reason=reason)
    with audit(actor, service="program_transition"):
        _move(cluster, program, to_status, actor=actor, now=timezone.now(), comment=(comment or "").strip(),
              reason=reason)
    return program


@transaction.atomic
def programs_daily(*, cluster, today: datetime.date) -> dict[str, int]:
    """Open programmes whose start date has come start running; running programmes whose end date
    has passed are completed (completion evaluated, certificates issued). Planned programmes are
    left to their managers. A second run on the same day finds nothing left to do."""
    counts = {"running": 0, "completed": 0}
    programs = Program.objects.for_cluster(cluster).select_for_update().order_by("pk")
    now = timezone.now()
    with audit(None, service="programs_daily"):
        for program in programs.filter(status=Status.OPEN, start_date__lte=today):
            _move(cluster, program, Status.RUNNING, actor=None, now=now, comment=DAILY_TASK_COMMENT)
            counts["running"] += 1
        for program in programs.filter(status=Status.RUNNING, end_date__lt=today):
            _move(cluster, program, Status.COMPLETED, actor=None, now=now, comment=DAILY_TASK_COMMENT)
            counts["completed"] += 1
    return counts


# --- Sessions --------------------------------------------------------------------------------

def _clean_session(program: Program, *, date, start_time, end_time) -> None:
    errors: dict = {}
    if not isinstance(date, datetime.date):
        add_error(errors, "date", _("Give the date of the session."))
    elif not program.start_date <= date <= program.end_date:
        add_error(errors, "date", _("The session must be within the programme's dates (%(start)s – %(end)s).") % {
            "start": program.start_date.isoformat(), "end": program.end_date.isoformat()})
    if not isinstance(start_time, datetime.time):
        add_error(errors, "start_time", _("Give the start time."))
    if not isinstance(end_time, datetime.time):
        add_error(errors, "end_time", _("Give the end time."))
    elif isinstance(start_time, datetime.time) and end_time <= start_time:
        add_error(errors, "end_time", _("The end time must be after the start time."))
    raise_errors(errors)


def _require_changeable(program: Program) -> None:
    if program.status in Program.FINAL_STATUSES:
        raise ValidationError({"program": _("The programme is %(status)s: its sessions cannot change.") % {
            "status": Status(program.status).label.lower()}})


def _aware(date, time):
    return timezone.make_aware(datetime.datetime.combine(date, time))


@transaction.atomic
def session_add(*, cluster, actor, program_id: int, date: datetime.date, start_time: datetime.time,
                end_time: datetime.time, venue: str = "", topic: str = "",
                resource_ids: list[int] | None = None) -> Session:
    """A session of the programme. With resource_ids, the lead organization requests those shared
    resources for the session's time through the booking rules (resources.services.booking_request:
    opening hours, closed dates, capacity for the programme's places, access); a refusal there
    refuses the session, with the booking's message."""
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    _require_changeable(program)
    _clean_session(program, date=date, start_time=start_time, end_time=end_time)
    venue, topic = (venue or "").strip(), (topic or "").strip()
    booking = None
    with audit(actor, service="session_add"):
        if resource_ids:
            booking = resource_services.booking_request(
                cluster=cluster, actor=actor, requester_id=program.lead_organization_id, resource_ids=resource_ids,
                start=_aware(date, start_time), end=_aware(date, end_time),
                purpose=_("Programme session: %(title)s") % {"title": program.localized_title},
                participants=program.capacity,
            )
            if not venue:
                venue = "; ".join(
                    f"{item.resource.name}, {item.resource.location}".rstrip(", ")
                    for item in booking.items.select_related("resource").order_by("resource_id"))[:255]
        return Session.objects.create(cluster=cluster, program=program, date=date, start_time=start_time,
                                      end_time=end_time, venue=venue, topic=topic, booking=booking)


def _session_for_update(cluster, actor, session_id) -> Session:
    program_id = Session.objects.for_cluster(cluster).filter(pk=session_id).values_list(
        "program_id", flat=True).first()
    if program_id is None:
        raise Session.DoesNotExist
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    session = Session.objects.for_cluster(cluster).select_for_update(of=("self",)).get(pk=session_id)
    session.program = program
    return session


@transaction.atomic
def session_update(*, cluster, actor, session_id: int, **changes) -> Session:
    """Change the topic, venue, date or times. A session holding a booking keeps its time: remove
    it and add it again to book another."""
    allowed = {"topic", "venue", "date", "start_time", "end_time"}
    if set(changes) - allowed:
        raise TypeError(f"session_update: unknown fields {sorted(set(changes) - allowed)}")
    session = _session_for_update(cluster, actor, session_id)
    _require_changeable(session.program)
    values = {field: changes.get(field, getattr(session, field)) for field in allowed}
    _clean_session(session.program, date=values["date"], start_time=values["start_time"],
                   end_time=values["end_time"])
    moved = any(values[f] != getattr(session, f) for f in ("date", "start_time", "end_time"))
    if moved and session.booking_id and session.booking.status in (Booking.Status.REQUESTED, Booking.Status.APPROVED):
        raise ValidationError({"date": _("This session holds a booking: remove the session and add it again to "
                                         "book another time.")})
    for field in allowed:
        value = values[field]
        setattr(session, field, value.strip() if isinstance(value, str) else value)
    with audit(actor, service="session_update"):
        session.save()
    return session


@transaction.atomic
def session_remove(*, cluster, actor, session_id: int) -> None:
    """Remove a session without recorded attendance; an open or running programme keeps at least
    one. Its booking is cancelled through the booking rules when it still can be."""
    session = _session_for_update(cluster, actor, session_id)
    program = session.program
    _require_changeable(program)
    if session.attendance.exists():
        raise ValidationError({"session": _("Attendance has been recorded for this session: it cannot be removed.")})
    if program.status != Status.PLANNED and Session.objects.for_cluster(cluster).filter(
            program=program).count() <= 1:
        raise ValidationError({"session": _("The programme is %(status)s: it keeps at least one session.") % {
            "status": Status(program.status).label.lower()}})
    with audit(actor, service="session_remove"):
        if session.booking_id:
            try:
                resource_services.booking_cancel(cluster=cluster, actor=actor, booking_id=session.booking_id)
            except (ValidationError, PermissionDenied):
                pass  # begun, or not the actor's to cancel: the booking's owner still sees it
        session.delete()
