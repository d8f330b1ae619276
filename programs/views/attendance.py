"""The attendance sheet of a programme for its lead organization's admins and the coordinators:
participants × sessions with a checkbox each, and the pre and post scores.

The sheet is saved per session (the session's button) or whole (every session held so far
that has marks recorded or ticked, and every changed score). Each part goes through its
service (records.attendance_record, records.assessment_record); the whole POST is one
transaction, so a refusal anywhere saves nothing and the sheet comes back with the
messages beside the cells they concern (422).

The sheet can also come from a file (CSV or XLSX, programs.importing), as organizations do in
members: upload, a preview that lists every problem or the marks with a confirm button, and
services.attendance_import saving all or nothing. The rows wait in the session between the
preview and the confirmation, under an id that ties the confirmation to the preview on screen.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cluster_platform import spreadsheets

from .. import importing, permissions, selectors, services
from ..forms import AttendanceImportForm
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


# --- Attendance from a file --------------------------------------------------------------------

def _import_key(cluster, program) -> str:
    return f"programs.attendance_import.{cluster.pk}.{program.pk}"


def _preview(check) -> list[dict]:
    """The participants × sessions table of the preview: each cell the mark in the file and
    whether it changes what is recorded."""
    return [
        {"line": line, "cells": [
            {"session": session, "mark": mark, "current": current, "changes": mark is not None and mark != current}
            for session, mark, current in zip(check.sessions, line.marks, line.current)
        ]}
        for line in check.lines
    ]


class _ImportPage(AttendancePage):
    template_name = "programs/attendance_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_record"] = self.program.status in RECORDING_STATUSES
        return context


class AttendanceImportView(_ImportPage):
    """GET: the upload form. POST: the preview (every problem, or the marks and a confirm button)."""

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=AttendanceImportForm()))

    def post(self, request, *args, **kwargs):
        program = self.load()
        request.session.pop(_import_key(self.cluster, program), None)
        form = AttendanceImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        try:
            rows = importing.parse_upload(form.cleaned_data["file"])
            check = importing.validate_rows(cluster=self.cluster, program=program, rows=rows)
        except ValidationError as error:
            form.apply_service_error(error)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        if check.errors:
            return self.render_to_response(self.get_context_data(
                form=AttendanceImportForm(), row_errors=check.errors, row_count=len(rows),
                bad_rows=len({error["row"] for error in check.errors}),
            ), status=422)
        import_id = uuid.uuid4().hex
        request.session[_import_key(self.cluster, program)] = {"id": import_id, "rows": rows}
        changes = check.changes()
        return self.render_to_response(self.get_context_data(
            preview=_preview(check), sessions=check.sessions, import_id=import_id, mark_count=check.mark_count,
            change_count=sum(len(marks) for marks in changes.values()),
        ))


class AttendanceImportConfirmView(_ImportPage):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        program = self.load()
        key = _import_key(self.cluster, program)
        pending = request.session.get(key)
        # A preview opened in another tab since then replaced the stored rows: its id differs.
        if not pending or pending.get("id") != request.POST.get("import_id"):
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect(reverse("program_attendance_import", args=[self.cluster.slug, program.pk]))
        try:
            result = services.attendance_import(cluster=self.cluster, actor=request.user, program_id=program.pk,
                                                rows=pending["rows"])
        except ValidationError as error:
            request.session.pop(key, None)
            return self.render_to_response(self.get_context_data(
                form=AttendanceImportForm(), import_errors=error.messages,
            ), status=422)
        request.session.pop(key, None)
        if result["marks"]:
            messages.success(request, ngettext(
                "%(marks)d mark was saved in %(sessions)d session(s).",
                "%(marks)d marks were saved in %(sessions)d session(s).", result["marks"]) % result)
        else:
            messages.info(request, _("Nothing changed: the file has the marks already recorded."))
        return redirect(reverse("program_attendance", args=[self.cluster.slug, program.pk]))


class AttendanceTemplateView(AttendancePage):
    """GET: the sheet to fill in, as CSV (programs.importing.template_rows)."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        program = self.load()
        sheet = selectors.attendance_sheet(cluster=self.cluster, program=program)
        rows = importing.template_rows(sheet=sheet, today=timezone.localdate())
        response = HttpResponse(spreadsheets.csv_bytes(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="attendance-{program.pk}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
