"""Enrolment: an organization admin enrols its people, or a person applies and their admin
confirms; full programmes keep a waiting list; a withdrawal frees a place and the list moves up.

Who gets a place (the same rule for a new enrolment and for the waiting list):
- The programme reserves `reserved_places` = capacity × priority_share / 100, rounded down,
  for priority teachers (their school was rated red or yellow in the cluster's latest rating
  period when they enrolled). "Unfilled reserve" is reserved_places minus the places priority
  teachers already hold, never below 0.
- A priority teacher gets a place whenever one is free.
- Anyone else gets a place only while the free places exceed the unfilled reserve.
- Otherwise they join the end of the waiting list.
- When places free up, the list moves one place at a time: if the free places exceed the
  unfilled reserve, the head of the list (whoever it is) moves up; otherwise the first priority
  teacher on the list does; if there is none, the reserved places stay free and the others wait.
- When the programme starts running (open → running) the reserve is released: the free places
  go to the waiting list in its order, priority or not.

Positions on the waiting list are always 1..n without gaps: after every change to the list
(joining it, leaving it for a place or by withdrawing) it is renumbered in its order (position,
then id), in the same transaction under the programme's lock, so someone moving up from the
middle (a priority teacher) closes the gap behind them and nobody changes order.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.tenancy import roles_for
from members.models import Organization, Person

from .. import permissions, selectors
from ..models import Enrollment, Program
from ._common import audit

Status = Enrollment.Status
ACTIVE_CONSTRAINT = "enrollment_one_active_per_person"


def _require_enrolment_open(program: Program) -> None:
    if not permissions.enrolment_open(program):
        raise ValidationError({"program": _("The programme is not open for enrolment (it is %(status)s).") % {
            "status": Program.Status(program.status).label.lower()}})


def _person(cluster, person_id) -> Person:
    """A person of this cluster; another cluster's person is unknown, like one that does not exist."""
    person = (
        Person.objects.for_cluster(cluster).select_related("organization").filter(pk=person_id).first()
        if isinstance(person_id, int) and not isinstance(person_id, bool) else None
    )
    if person is None:
        raise ValidationError({"person": _("Unknown person: choose a person of this cluster.")})
    if not person.is_active:
        raise ValidationError({"person": _("%(name)s is no longer active.") % {"name": person}})
    if person.organization.status != Organization.Status.ACTIVE:
        raise ValidationError({"person": _("%(organization)s is not an active member of the cluster.") % {
            "organization": person.organization}})
    return person


def _refuse_double(cluster, program: Program, person: Person) -> None:
    existing = Enrollment.objects.for_cluster(cluster).filter(program=program, person=person).exclude(
        status=Status.WITHDRAWN).first()
    if existing is not None:
        raise _double_error(person, existing.status)


def _double_error(person, status=None) -> ValidationError:
    if status is None:
        return ValidationError({"person": _("%(name)s is already enrolled in this programme.") % {"name": person}})
    return ValidationError({"person": _("%(name)s is already enrolled in this programme (%(status)s).") % {
        "name": person, "status": Status(status).label.lower()}})


def _has_place(cluster, program: Program, *, priority: bool, honour_reserve: bool = True) -> bool:
    counts = selectors.places_taken(cluster=cluster, program=program)
    free = program.capacity - counts["taken"]
    if free <= 0:
        return False
    if priority or not honour_reserve:
        return True
    return free > max(0, program.reserved_places - counts["priority"])


def _next_position(cluster, program: Program) -> int:
    last = Enrollment.objects.for_cluster(cluster).filter(program=program, status=Status.WAITLISTED).aggregate(
        last=Max("waitlist_position"))["last"]
    return (last or 0) + 1


_RENUMBER_SQL = f"""
    UPDATE {Enrollment._meta.db_table} AS enrollment
    SET waitlist_position = ranked.position, updated_at = %(now)s
    FROM (
        SELECT id, row_number() OVER (ORDER BY waitlist_position, id) AS position
        FROM {Enrollment._meta.db_table}
        WHERE cluster_id = %(cluster)s AND program_id = %(program)s AND status = %(status)s
    ) AS ranked
    WHERE enrollment.id = ranked.id AND enrollment.cluster_id = %(cluster)s
      AND enrollment.waitlist_position IS DISTINCT FROM ranked.position
    RETURNING enrollment.id, enrollment.waitlist_position
"""


def renumber_waitlist(*, cluster, program: Program, enrollments=()) -> dict[int, int]:
    """Number the programme's waiting list 1..n in its order, in one statement. The caller holds
    the programme's lock (every change to the list does), so no one joins or leaves meanwhile.
    Returns {enrolment id: new position} for the rows that changed, and sets the new position
    on those of `enrollments` (the caller's objects) among them."""
    with connection.cursor() as cursor:
        cursor.execute(_RENUMBER_SQL, {"now": timezone.now(), "cluster": cluster.pk, "program": program.pk,
                                       "status": Status.WAITLISTED})
        changed = dict(cursor.fetchall())
    for enrollment in enrollments:
        if enrollment.pk in changed:
            enrollment.waitlist_position = changed[enrollment.pk]
    return changed


def _place_or_waitlist(cluster, program: Program, enrollment: Enrollment, now) -> None:
    """Set the enrolment confirmed if it gets a place, else at the end of the waiting list."""
    if _has_place(cluster, program, priority=enrollment.priority):
        enrollment.status, enrollment.confirmed_at, enrollment.waitlist_position = Status.CONFIRMED, now, None
    else:
        enrollment.status = Status.WAITLISTED
        enrollment.waitlist_position = _next_position(cluster, program)


def _save_new(enrollment: Enrollment, person) -> Enrollment:
    # The programme lock already serializes enrolments; the constraint is the backstop.
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as error:
        if ACTIVE_CONSTRAINT in str(error):
            raise _double_error(person) from None
        raise
    return enrollment


@transaction.atomic
def enroll(*, cluster, actor, program_id: int, person_id: int) -> Enrollment:
    """An organization admin (or a coordinator) enrols a person: confirmed if a place is free for
    them, else on the waiting list. A full programme puts people on the list; it refuses no one."""
    permissions.require(actor, cluster, "enroll", None)
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    person = _person(cluster, person_id)
    if not permissions.can_enroll_for(roles_for(actor, cluster), person.organization_id):
        raise ValidationError({"person": _("You can enrol only people of the organizations you administer.")})
    _require_enrolment_open(program)
    _refuse_double(cluster, program, person)
    now = timezone.now()
    enrollment = Enrollment(
        cluster=cluster, program=program, person=person, organization_id=person.organization_id,
        enrolled_by=actor, priority=selectors.is_priority_organization(
            cluster=cluster, organization_id=person.organization_id),
    )
    _place_or_waitlist(cluster, program, enrollment, now)
    with audit(actor, service="enroll"):
        _save_new(enrollment, person)
        if enrollment.status == Status.WAITLISTED:
            renumber_waitlist(cluster=cluster, program=program, enrollments=[enrollment])
    return enrollment


@transaction.atomic
def apply(*, cluster, actor, program_id: int) -> Enrollment:
    """A person with a user account applies for themself; their organization's admin confirms."""
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    person = selectors.person_for_user(cluster=cluster, user=actor)
    if person is None:
        raise ValidationError({"person": _("Your account is not linked to a person of this cluster.")})
    person = _person(cluster, person.pk)
    _require_enrolment_open(program)
    _refuse_double(cluster, program, person)
    enrollment = Enrollment(
        cluster=cluster, program=program, person=person, organization_id=person.organization_id,
        status=Status.APPLIED, applied_at=timezone.now(), enrolled_by=actor,
        priority=selectors.is_priority_organization(cluster=cluster, organization_id=person.organization_id),
    )
    with audit(actor, service="apply"):
        return _save_new(enrollment, person)


def _enrollment_for_update(cluster, actor, enrollment_id) -> tuple[Program, Enrollment]:
    """The programme locked first (the one lock order of the app), then the enrolment; an
    enrolment the actor may not read is DoesNotExist, like another cluster's."""
    program_id = Enrollment.objects.for_cluster(cluster).filter(pk=enrollment_id).values_list(
        "program_id", flat=True).first()
    if program_id is None:
        raise Enrollment.DoesNotExist
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    enrollment = (
        Enrollment.objects.for_cluster(cluster).select_for_update(of=("self",))
        .select_related("person", "organization").get(pk=enrollment_id)
    )
    enrollment.program = program
    if not permissions.allowed(actor, cluster, "view_enrollment", enrollment):
        raise Enrollment.DoesNotExist
    return program, enrollment


@transaction.atomic
def confirm_application(*, cluster, actor, enrollment_id: int) -> Enrollment:
    """The admin of the applicant's organization confirms: a place if one is free for them, else
    the waiting list."""
    program, enrollment = _enrollment_for_update(cluster, actor, enrollment_id)
    permissions.require(actor, cluster, "enroll", enrollment.organization_id)
    if enrollment.status != Status.APPLIED:
        raise ValidationError({"status": _("Only an application awaiting confirmation can be confirmed; this "
                                           "enrolment is %(status)s.") % {
            "status": Status(enrollment.status).label.lower()}})
    _require_enrolment_open(program)
    _place_or_waitlist(cluster, program, enrollment, timezone.now())
    with audit(actor, service="confirm_application"):
        enrollment.save(update_fields=["status", "confirmed_at", "waitlist_position", "updated_at"])
        if enrollment.status == Status.WAITLISTED:
            renumber_waitlist(cluster=cluster, program=program, enrollments=[enrollment])
    return enrollment


@transaction.atomic
def withdraw(*, cluster, actor, enrollment_id: int, reason: str = "") -> Enrollment:
    """The person, their organization's admin or a coordinator withdraws an application, a place or
    a place on the waiting list. A freed place goes to the waiting list (see the module's order)."""
    program, enrollment = _enrollment_for_update(cluster, actor, enrollment_id)
    permissions.require(actor, cluster, "withdraw", enrollment)
    if not permissions.enrollment_withdrawable(enrollment):
        if enrollment.status not in Enrollment.ACTIVE_STATUSES:
            raise ValidationError({"status": _("An enrolment that is %(status)s cannot be withdrawn.") % {
                "status": Status(enrollment.status).label.lower()}})
        raise ValidationError({"program": _("The programme is %(status)s: enrolments no longer change.") % {
            "status": Program.Status(program.status).label.lower()}})
    held_place = enrollment.status == Status.CONFIRMED
    was_waiting = enrollment.status == Status.WAITLISTED
    enrollment.status, enrollment.waitlist_position = Status.WITHDRAWN, None
    enrollment.withdrawn_at, enrollment.withdrawal_reason = timezone.now(), (reason or "").strip()[:255]
    with audit(actor, service="withdraw"):
        enrollment.save(update_fields=["status", "waitlist_position", "withdrawn_at", "withdrawal_reason",
                                       "updated_at"])
        if held_place:
            fill_places(cluster=cluster, program=program)
        elif was_waiting:
            renumber_waitlist(cluster=cluster, program=program)
    return enrollment


def fill_places(*, cluster, program: Program, honour_reserve: bool = True) -> list[Enrollment]:
    """Move people up from the waiting list into free places, in the module's order, then number
    those still waiting 1..n again. The caller holds the programme's lock. Returns the enrolments
    moved up."""
    moved = []
    now = timezone.now()
    while True:
        counts = selectors.places_taken(cluster=cluster, program=program)
        free = program.capacity - counts["taken"]
        if free <= 0:
            break
        unfilled = max(0, program.reserved_places - counts["priority"]) if honour_reserve else 0
        waiting = selectors.waitlist(cluster=cluster, program=program)
        candidate = waiting.first() if free > unfilled else waiting.filter(priority=True).first()
        if candidate is None:
            break
        candidate.status, candidate.confirmed_at, candidate.waitlist_position = Status.CONFIRMED, now, None
        candidate.save(update_fields=["status", "confirmed_at", "waitlist_position", "updated_at"])
        moved.append(candidate)
    if moved:
        renumber_waitlist(cluster=cluster, program=program)
    return moved
