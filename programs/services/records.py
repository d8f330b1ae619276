"""Attendance, assessments, completion and certificates.

Hours: an enrolment's hours_attended is the sum of the durations of the sessions at which the
person was present, recomputed whenever attendance is recorded and at completion.

The completion rule, per enrolment holding a place when the programme completes: completed when
the sessions attended are at least min_attendance_percent of the programme's sessions and, if the
programme requires a post-assessment, the post score is at least pass_score; otherwise not
completed. Those still applying or waiting are withdrawn. Each completed person gets a
certificate with a verification code: 12 characters from selectors.CODE_ALPHABET, drawn with
`secrets`, unique across every cluster.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import permissions, selectors
from ..models import Attendance, Enrollment, Program, Session
from ._common import audit
from ._common import score as _score

Status = Enrollment.Status
ENDED_REASON = gettext_noop("The programme ended before a place was confirmed.")
RECORDING_STATUSES = (Program.Status.OPEN, Program.Status.RUNNING, Program.Status.COMPLETED)
_UNSET = object()


def _hours(duration: datetime.timedelta | None) -> Decimal:
    if not duration:
        return Decimal("0.00")
    return (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.01"))


def _recompute_hours(cluster, enrollment_ids) -> None:
    totals = dict(
        Attendance.objects.for_cluster(cluster).filter(enrollment_id__in=enrollment_ids, present=True)
        .values("enrollment_id").annotate(total=Sum(selectors.session_duration_of("session")))
        .values_list("enrollment_id", "total")
    )
    enrollments = list(Enrollment.objects.for_cluster(cluster).filter(pk__in=enrollment_ids).order_by("pk"))
    for enrollment in enrollments:
        enrollment.hours_attended = _hours(totals.get(enrollment.pk))
    Enrollment.objects.for_cluster(cluster).bulk_update(enrollments, ["hours_attended"])


@transaction.atomic
def attendance_record(*, cluster, actor, session_id: int, marks: dict[int, bool]) -> int:
    """One session's sheet: {enrollment id: present} for people holding a place, all or nothing.
    A mark already recorded is replaced. Returns the number of marks written."""
    program_id = Session.objects.for_cluster(cluster).filter(pk=session_id).values_list(
        "program_id", flat=True).first()
    if program_id is None:
        raise Session.DoesNotExist
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    session = Session.objects.for_cluster(cluster).get(pk=session_id)
    require_recording(program, field="session")
    if session.date > timezone.localdate():
        raise ValidationError({"session": _("Attendance is recorded on or after the day of the session (%(date)s).")
                               % {"date": session.date.isoformat()}})
    if not marks:
        raise ValidationError({"marks": _("Mark at least one participant present or absent.")})
    if any(not isinstance(value, bool) for value in marks.values()):
        raise ValidationError({"marks": _("Mark each participant present or absent.")})
    ids = list(marks)
    participants = set(
        Enrollment.objects.for_cluster(cluster).filter(
            program=program, pk__in=[i for i in ids if isinstance(i, int)], status__in=Enrollment.PLACE_STATUSES,
        ).values_list("pk", flat=True)
    )
    strangers = [str(i) for i in ids if i not in participants]
    if strangers:
        raise ValidationError({"marks": _("Not participants of this programme: %(ids)s.") % {
            "ids": ", ".join(strangers)}})
    with audit(actor, service="attendance_record"):
        _write_marks(cluster, actor, session.pk, marks, now=timezone.now())
        _recompute_hours(cluster, ids)
    return len(ids)


@transaction.atomic
def attendance_import(*, cluster, actor, program_id: int, rows: list[dict]) -> dict[str, int]:
    """The marks of many sessions from a file (the rows of programs.importing.parse_upload),
    all or nothing: the rows are validated again here, under the programme's lock, and one
    error anywhere writes nothing. A blank cell leaves the mark as it is, and a mark equal to
    the one recorded is not written again (it keeps who recorded it and when). Returns how many
    sessions and marks were written: {"sessions": n, "marks": n}."""
    from .. import importing

    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    check = importing.validate_rows(cluster=cluster, program=program, rows=rows)
    if check.errors:
        raise ValidationError([_("Row %(row)s, %(field)s: %(message)s") % error for error in check.errors])
    changes = check.changes()
    if changes:
        now = timezone.now()
        with audit(actor, service="attendance_import"):
            for session_id, marks in sorted(changes.items()):
                _write_marks(cluster, actor, session_id, marks, now=now)
            _recompute_hours(cluster, sorted({i for marks in changes.values() for i in marks}))
    return {"sessions": len(changes), "marks": sum(len(marks) for marks in changes.values())}


def require_recording(program: Program, *, field: str) -> None:
    """Attendance is kept once the programme is open for enrolment."""
    if program.status not in RECORDING_STATUSES:
        raise ValidationError({field: _("Attendance is recorded for open, running or completed programmes.")})


def _write_marks(cluster, actor, session_id: int, marks: dict[int, bool], *, now) -> None:
    """One session's marks, checked by the caller; a mark already recorded is replaced."""
    Attendance.objects.bulk_create(
        [Attendance(cluster=cluster, enrollment_id=i, session_id=session_id, present=marks[i], recorded_by=actor,
                    recorded_at=now) for i in sorted(marks)],
        update_conflicts=True, unique_fields=["cluster", "enrollment", "session"],
        update_fields=["present", "recorded_by", "recorded_at"],
    )


@transaction.atomic
def assessment_record(*, cluster, actor, enrollment_id: int, pre_score=_UNSET, post_score=_UNSET) -> Enrollment:
    """The pre- and/or post-assessment score (0–100) of a participant; None clears one."""
    program_id = Enrollment.objects.for_cluster(cluster).filter(pk=enrollment_id).values_list(
        "program_id", flat=True).first()
    if program_id is None:
        raise Enrollment.DoesNotExist
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    enrollment = Enrollment.objects.for_cluster(cluster).select_for_update().get(pk=enrollment_id)
    if enrollment.status not in Enrollment.PLACE_STATUSES:
        raise ValidationError({"enrollment": _("Scores are recorded for participants holding a place; this "
                                               "enrolment is %(status)s.") % {
            "status": Status(enrollment.status).label.lower()}})
    errors: dict = {}
    fields = []
    for field, value in (("pre_score", pre_score), ("post_score", post_score)):
        if value is _UNSET:
            continue
        setattr(enrollment, field, _score(value, errors, field))
        fields.append(field)
    if errors:
        raise ValidationError(errors)
    if not fields:
        raise ValidationError({"post_score": _("Give a pre- or post-assessment score.")})
    with audit(actor, service="assessment_record"):
        enrollment.save(update_fields=[*fields, "updated_at"])
    return enrollment


def _passes(program: Program, enrollment: Enrollment, attended: int, total: int) -> bool:
    attendance_ok = attended * 100 >= program.min_attendance_percent * total if total else (
        program.min_attendance_percent == 0)
    if not attendance_ok:
        return False
    if program.requires_post_assessment:
        return enrollment.post_score is not None and enrollment.post_score >= program.pass_score
    return True


def _evaluate(cluster, program: Program, *, now) -> dict[str, int]:
    """Apply the completion rule to the enrolments holding a place and not yet completed; issue
    the certificates of those who complete. Returns how many completed and did not."""
    total = Session.objects.for_cluster(cluster).filter(program=program).count()
    enrollments = list(
        Enrollment.objects.for_cluster(cluster).select_for_update()
        .filter(program=program, status__in=[Status.CONFIRMED, Status.NOT_COMPLETED]).order_by("pk")
    )
    ids = [e.pk for e in enrollments]
    _recompute_hours(cluster, ids)
    attended = dict(
        Enrollment.objects.for_cluster(cluster).filter(pk__in=ids).annotate(
            n=Count("attendance", filter=Q(attendance__present=True))).values_list("pk", "n")
    )
    hours = dict(Enrollment.objects.for_cluster(cluster).filter(pk__in=ids).values_list("pk", "hours_attended"))
    counts = {"completed": 0, "not_completed": 0}
    for enrollment in enrollments:
        enrollment.hours_attended = hours[enrollment.pk]
        if _passes(program, enrollment, attended.get(enrollment.pk, 0), total):
            enrollment.status, enrollment.completed_at = Status.COMPLETED, now
            _issue_code(enrollment, now)
            counts["completed"] += 1
        else:
            enrollment.status = Status.NOT_COMPLETED
            counts["not_completed"] += 1
        enrollment.save(update_fields=["status", "completed_at", "certificate_code", "certificate_issued_at",
                                       "updated_at"])
    return counts


def complete_program(cluster, program: Program, *, now) -> dict[str, int]:
    """At completion: those still applying or waiting are withdrawn, the rest evaluated."""
    Enrollment.objects.for_cluster(cluster).filter(
        program=program, status__in=[Status.APPLIED, Status.WAITLISTED],
    ).update(status=Status.WITHDRAWN, waitlist_position=None, withdrawn_at=now, withdrawal_reason=ENDED_REASON,
             updated_at=now)
    return _evaluate(cluster, program, now=now)


@transaction.atomic
def completion_evaluate(*, cluster, actor, program_id: int) -> dict[str, int]:
    """Evaluate again, after completion, those who did not complete (a post-assessment or an
    attendance mark recorded late): whoever meets the rule now completes and gets a certificate.
    A completed enrolment is never taken back."""
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    if program.status != Program.Status.COMPLETED:
        raise ValidationError({"status": _("The completion rule is applied when the programme is completed.")})
    with audit(actor, service="completion_evaluate"):
        return _evaluate(cluster, program, now=timezone.now())


def new_code() -> str:
    return "".join(secrets.choice(selectors.CODE_ALPHABET) for _ in range(selectors.CODE_LENGTH))


def _issue_code(enrollment: Enrollment, now) -> None:
    """Give the enrolment a fresh code (kept if it has one). Codes are drawn until one is free;
    with 32^12 codes a collision is all but impossible, and the unique constraint is the judge."""
    if enrollment.certificate_code:
        return
    for _attempt in range(5):
        code = new_code()
        if not Enrollment.objects.unscoped().filter(certificate_code=code).exists():
            enrollment.certificate_code, enrollment.certificate_issued_at = code, now
            return
    raise RuntimeError("No free certificate code after 5 draws.")


@transaction.atomic
def certificate_issue(*, cluster, actor, enrollment_id: int) -> Enrollment:
    """The certificate of a completed participant (nothing new if it was issued already)."""
    program_id = Enrollment.objects.for_cluster(cluster).filter(pk=enrollment_id).values_list(
        "program_id", flat=True).first()
    if program_id is None:
        raise Enrollment.DoesNotExist
    program = selectors.program_get_for_update(cluster=cluster, pk=program_id)
    permissions.require(actor, cluster, "manage", program)
    enrollment = Enrollment.objects.for_cluster(cluster).select_for_update().get(pk=enrollment_id)
    if enrollment.status != Status.COMPLETED:
        raise ValidationError({"status": _("A certificate is issued to a participant who completed the programme.")})
    if enrollment.certificate_code:
        return enrollment
    with audit(actor, service="certificate_issue"):
        for _attempt in range(3):
            _issue_code(enrollment, timezone.now())
            try:
                with transaction.atomic():
                    enrollment.save(update_fields=["certificate_code", "certificate_issued_at", "updated_at"])
                return enrollment
            except IntegrityError:
                enrollment.certificate_code = None
        raise RuntimeError("No free certificate code.")
