"""The attendance sheet of a programme for its lead organization's admins and the coordinators:
participants × sessions with a checkbox each, and the pre and post scores.

The sheet is saved per session (the session's button) or whole (every session held so far
that has marks recorded or ticked, and every changed score). Each part goes through its
service (records.attendance_record, records.assessment_record); the whole POST is one
transaction, so a refusal anywhere saves nothing and the sheet comes back with the
messages beside the cells they concern (422).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..models import Program
from .base import ProgramPage

RECORDING_STATUSES = (Program.Status.OPEN, Program.Status.RUNNING, Program.Status.COMPLETED)


def _same_score(raw: str, current) -> bool:
    raw = (raw or "").strip()
    if not raw:
        return current is None
    try:
        return current is not None and Decimal(raw) == current
    except (InvalidOperation, ValueError):
        return False


class AttendancePage(ProgramPage):
    def load(self):
        program = self.load_program()
        self.require(permissions.can_manage(self.roles, program))
        return program


class AttendanceView(AttendancePage):
    template_name = "programs/attendance.html"

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        program = self.load()
        sheet = selectors.attendance_sheet(cluster=self.cluster, program=program)
        today = timezone.localdate()
        only = request.POST.get("session")
        errors: dict = {"sessions": {}, "scores": {}, "general": []}
        saved = 0
        with transaction.atomic():
            for index, session in enumerate(sheet["sessions"]):
                if session.date > today or (only and only != str(session.pk)):
                    continue
                marks = {row["enrollment"].pk: f"present-{session.pk}-{row['enrollment'].pk}" in request.POST
                         for row in sheet["rows"]}
                current = {row["enrollment"].pk: row["marks"][index] for row in sheet["rows"]}
                recorded = any(mark is not None for mark in current.values())
                if not marks or (not only and not recorded and not any(marks.values())):
                    continue  # nothing recorded and nobody ticked: left for later, not marked absent
                if not only and current == marks:
                    continue  # unchanged: no new marks, no audit rows
                try:
                    services.attendance_record(cluster=self.cluster, actor=request.user, session_id=session.pk,
                                               marks=marks)
                    saved += 1
                except ValidationError as error:
                    errors["sessions"][session.pk] = error.messages
            if not only:
                for row in sheet["rows"]:
                    enrollment = row["enrollment"]
                    changes = {}
                    for field in ("pre_score", "post_score"):
                        raw = request.POST.get(f"{field}-{enrollment.pk}")
                        if raw is not None and not _same_score(raw, getattr(enrollment, field)):
                            changes[field] = raw.strip() or None
                    if not changes:
                        continue
                    try:
                        services.assessment_record(cluster=self.cluster, actor=request.user,
                                                   enrollment_id=enrollment.pk, **changes)
                        saved += 1
                    except ValidationError as error:
                        errors["scores"][enrollment.pk] = error.message_dict if hasattr(
                            error, "error_dict") else {"post_score": error.messages}
            failed = bool(errors["sessions"] or errors["scores"])
            if failed:
                transaction.set_rollback(True)
        if failed:
            return self.render_to_response(self.get_context_data(errors=errors, posted=request.POST), status=422)
        if saved:
            messages.success(request, _("The attendance sheet was saved."))
        else:
            messages.info(request, _("Nothing to save: no session held so far has marks, and no score changed."))
        return redirect(reverse("program_attendance", args=[self.cluster.slug, program.pk]))

    def get_context_data(self, errors=None, posted=None, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.program
        sheet = selectors.attendance_sheet(cluster=self.cluster, program=program)
        today = timezone.localdate()
        errors = errors or {"sessions": {}, "scores": {}}
        sessions = [{"session": s, "held": s.date <= today, "errors": errors["sessions"].get(s.pk, [])}
                    for s in sheet["sessions"]]
        rows = []
        for row in sheet["rows"]:
            enrollment = row["enrollment"]
            cells = []
            for session, mark in zip(sheet["sessions"], row["marks"]):
                name = f"present-{session.pk}-{enrollment.pk}"
                checked = (name in posted) if posted is not None else bool(mark)
                cells.append({"name": name, "checked": checked, "recorded": mark is not None,
                              "held": session.date <= today, "session": session})
            score_errors = errors["scores"].get(enrollment.pk, {})
            rows.append({
                "enrollment": enrollment, "cells": cells, "attended": row["attended"],
                "pre": posted.get(f"pre_score-{enrollment.pk}", "") if posted is not None else enrollment.pre_score,
                "post": posted.get(f"post_score-{enrollment.pk}", "") if posted is not None
                else enrollment.post_score,
                "pre_errors": score_errors.get("pre_score", []),
                "post_errors": score_errors.get("post_score", []) + score_errors.get("enrollment", []),
            })
        context.update(
            sessions=sessions, rows=rows, has_errors=bool(errors["sessions"] or errors["scores"]),
            can_record=program.status in RECORDING_STATUSES,
            can_evaluate=program.status == Program.Status.COMPLETED,
            can_complete=program.status == Program.Status.RUNNING and program.end_date <= today,
            figures=selectors.assessment_figures(cluster=self.cluster, program=program),
            certificates=selectors.certificates_issued(cluster=self.cluster, program=program)
            if program.status == Program.Status.COMPLETED else 0,
        )
        return context


class CompletionEvaluateView(AttendancePage):
    """POST only: apply the completion rule again after late marks or scores."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        program = self.load()
        try:
            counts = services.completion_evaluate(cluster=self.cluster, actor=request.user, program_id=program.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _(
                "Completion evaluated: %(completed)s completed (certificates issued), %(not_completed)s did not "
                "complete.") % counts)
        return redirect(reverse("program_attendance", args=[self.cluster.slug, program.pk]))
