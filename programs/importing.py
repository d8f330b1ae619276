"""Attendance from a file: the attendance sheet as CSV or XLSX.

The file looks like the sheet. The header is `person`, then one column per session headed by
its date, `YYYY-MM-DD` (`YYYY-MM-DD HH:MM`, with the start time, when the programme has two
sessions on that date). Each row names a participant holding a place, by email or by full
name (a name only if no other participant bears it). A cell is a mark: present (1, yes, +, x,
present, да, ha, bor) or absent (0, no, -, absent, нет, yo'q, yoq); a blank cell is not
recorded and leaves what is recorded as it is.

`parse_upload` reads the file (cluster_platform.spreadsheets: type, size, rows, zip bombs);
`validate_rows` checks every row against the programme and returns the marks by session with
every error, its row and its column. Nothing here writes: the import itself is
services.attendance_import, which validates the rows again inside its transaction.
`template_rows` is the sheet to fill in: the sessions held so far and the participants, with
the marks already recorded.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform import spreadsheets

from .models import Attendance, Enrollment, Program, Session
from .services.records import require_recording

PERSON = "person"
ROW = "#row"  # the row number in the sheet, carried with each row (never a column: it has no header)
MAX_COLUMNS = 400

PRESENT = {"1", "yes", "+", "x", "present", "да", "ha", "bor"}
ABSENT = {"0", "no", "-", "absent", "нет", "yo'q", "yoq"}
# Uzbek is written with several apostrophes (yoʻq, yo‘q, yo’q); they all mean the same.
APOSTROPHES = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'"})
SESSION_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ t](\d{1,2}):(\d{2})(?::\d{2})?)?$")


def header_key(cell) -> str:
    """A header cell as its key: text lower-cased with its spaces tidied; a date a workbook
    stored as a date (as spreadsheet programs do with 2025-03-01 typed in) written back as
    YYYY-MM-DD, with HH:MM if it carries a time."""
    if isinstance(cell, datetime.datetime):
        return cell.strftime("%Y-%m-%d" if cell.time() == datetime.time() else "%Y-%m-%d %H:%M")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return " ".join(str(cell or "").split()).lower()


def parse_upload(upload) -> list[dict]:
    """Rows ({column: text, ROW: row number}) from an uploaded CSV or XLSX file."""
    table = spreadsheets.read_upload(upload, columns=None, required={PERSON}, header_key=header_key, row_key=ROW,
                                     max_columns=MAX_COLUMNS)
    if len(table.header) < 2:
        raise ValidationError({"file": _(
            "The header has no session columns: head each with the date of its session, YYYY-MM-DD.")})
    return table.rows


def session_header(session: Session, *, shared_date: bool) -> str:
    """The column of a session: its date, and its start time when another session shares the date."""
    if shared_date:
        return f"{session.date.isoformat()} {session.start_time:%H:%M}"
    return session.date.isoformat()


def _mark(value: str) -> bool | None:
    token = value.strip().casefold().translate(APOSTROPHES)
    if token in PRESENT:
        return True
    if token in ABSENT:
        return False
    raise ValueError(value)


def _name(value: str) -> str:
    return " ".join(value.split()).casefold()


def _person_value(value: str) -> str:
    # The template neutralises a cell that would run as a formula ("=..." -> "'=..."); a file
    # sent back unchanged still names the same person.
    value = (value or "").strip()
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


@dataclass
class Line:
    """A row of the file that names a participant, for the preview."""

    row: int
    enrollment: Enrollment
    marks: list  # True / False / None per session column (AttendanceCheck.sessions)
    current: list  # what is recorded now, the same way


@dataclass
class AttendanceCheck:
    marks: dict[int, dict[int, bool]] = field(default_factory=dict)  # {session id: {enrollment id: present}}
    errors: list[dict] = field(default_factory=list)  # [{"row", "field", "message"}], the header is row 1
    sessions: list[Session] = field(default_factory=list)  # the file's session columns, in date order
    lines: list[Line] = field(default_factory=list)
    recorded: dict[tuple[int, int], bool] = field(default_factory=dict)  # {(enrollment id, session id): present}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "field": column, "message": message})

    def changes(self) -> dict[int, dict[int, bool]]:
        """The marks that differ from what is recorded."""
        changed = {}
        for session_id, marks in self.marks.items():
            different = {i: present for i, present in marks.items() if self.recorded.get((i, session_id)) != present}
            if different:
                changed[session_id] = different
        return changed

    @property
    def mark_count(self) -> int:
        return sum(len(marks) for marks in self.marks.values())


class _People:
    """Who a `person` cell names: a participant holding a place, by email or by unique name."""

    def __init__(self, enrollments: list[Enrollment]):
        self.places: dict[str, dict[str, list[Enrollment]]] = {"email": {}, "name": {}}
        self.others: dict[str, dict[str, list[Enrollment]]] = {"email": {}, "name": {}}
        for enrollment in enrollments:
            index = self.places if enrollment.status in Enrollment.PLACE_STATUSES else self.others
            person = enrollment.person
            if person.email:
                index["email"].setdefault(person.email.casefold(), []).append(enrollment)
            index["name"].setdefault(_name(person.full_name), []).append(enrollment)

    def find(self, value: str) -> Enrollment:
        """The enrolment, or a ValueError that says why not."""
        by = "email" if "@" in value else "name"
        key = value.casefold() if by == "email" else _name(value)
        found = self.places[by].get(key, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            if by == "email":
                raise ValueError(_("%(count)s participants have this email; write the full name instead.") % {
                    "count": len(found)})
            raise ValueError(_("%(count)s participants have this name; write the email instead.") % {
                "count": len(found)})
        other = self.others[by].get(key)
        if other:
            raise ValueError(_("Not holding a place in this programme (the enrolment is %(status)s).") % {
                "status": Enrollment.Status(other[-1].status).label.lower()})
        raise ValueError(_("No participant of this programme has this email or name."))


def _columns(rows: list[dict]) -> list[str]:
    columns = {}
    for row in rows:
        columns.update(dict.fromkeys(key for key in row if key != ROW))
    return list(columns)


def _session_key(column: str) -> tuple[datetime.date, datetime.time | None]:
    """(date, start time or None) of a session column's header; ValueError if it is not one."""
    found = SESSION_HEADER.match(column)
    if not found:
        raise ValueError(column)
    date = datetime.date.fromisoformat(found.group(1))
    if found.group(2) is None:
        return date, None
    return date, datetime.time(int(found.group(2)), int(found.group(3)))


def _match_sessions(check: AttendanceCheck, columns: list[str], sessions: list[Session], rows: list[dict],
                    today) -> dict[str, Session]:
    """{column: session} of the usable session columns; an error (row 1) for each other one."""
    by_date: dict[datetime.date, list[Session]] = {}
    for session in sessions:
        by_date.setdefault(session.date, []).append(session)
    matched: dict[str, Session] = {}
    taken: dict[int, str] = {}
    for column in columns:
        if column == PERSON:
            continue
        try:
            date, start = _session_key(column)
        except ValueError:
            check.error(1, column, _("Not a session column: head it with the date of a session, YYYY-MM-DD."))
            continue
        candidates = by_date.get(date, [])
        if start is not None:
            candidates = [s for s in candidates if s.start_time.replace(second=0, microsecond=0) == start]
        if not candidates:
            check.error(1, column, _("The programme has no session at this date and time."))
            continue
        if len(candidates) > 1:
            check.error(1, column, _("The programme has %(count)s sessions on this date: head the column with the "
                                     "date and the start time, for example %(example)s.") % {
                "count": len(candidates), "example": session_header(candidates[0], shared_date=True)})
            continue
        session = candidates[0]
        if session.pk in taken:
            check.error(1, column, _("The same session as the column %(column)s.") % {"column": taken[session.pk]})
            continue
        taken[session.pk] = column
        if session.date > today:
            if any((row.get(column) or "").strip() for row in rows):
                check.error(1, column, _("Attendance is recorded on or after the day of the session (%(date)s).")
                            % {"date": session.date.isoformat()})
            continue  # a blank column of a session to come is left alone
        matched[column] = session
    return dict(sorted(matched.items(), key=lambda item: (item[1].date, item[1].start_time, item[1].pk)))


def validate_rows(*, cluster, program: Program, rows: list[dict]) -> AttendanceCheck:
    """Check every row against the programme: its sessions, its participants, the marks.

    The errors name the row (the header is row 1) and the column. A ValidationError is raised
    for what concerns the whole file: a programme that does not record attendance, a file
    with no marks at all. Three queries, whatever the size of the file."""
    require_recording(program, field="program")
    check = AttendanceCheck()
    today = timezone.localdate()
    sessions = list(Session.objects.for_cluster(cluster).filter(program=program).order_by("date", "start_time", "id"))
    columns = _columns(rows)
    if PERSON not in columns:
        raise ValidationError({"file": _("The header lacks the columns: %(columns)s.") % {"columns": PERSON}})
    matched = _match_sessions(check, columns, sessions, rows, today)
    check.sessions = list(matched.values())
    people = _People(list(
        Enrollment.objects.for_cluster(cluster).filter(program=program).select_related("person").order_by("pk")
    ))
    check.recorded = {
        (enrollment_id, session_id): present
        for enrollment_id, session_id, present in Attendance.objects.for_cluster(cluster)
        .filter(session__program=program).values_list("enrollment_id", "session_id", "present")
    }
    seen: dict[int, int] = {}
    for index, row in enumerate(rows):
        number = row.get(ROW) or index + 2
        enrollment = None
        value = _person_value(row.get(PERSON))
        if not value:
            check.error(number, PERSON, _("Give the participant's email or full name."))
        else:
            try:
                enrollment = people.find(value)
            except ValueError as error:
                check.error(number, PERSON, str(error))
            else:
                if enrollment.pk in seen:
                    check.error(number, PERSON, _("The same participant is on row %(row)s.") % {
                        "row": seen[enrollment.pk]})
                    enrollment = None
                else:
                    seen[enrollment.pk] = number
        marks = []
        for column, session in matched.items():
            raw = (row.get(column) or "").strip()
            present = None
            if raw:
                try:
                    present = _mark(raw)
                except ValueError:
                    check.error(number, column, _(
                        "“%(value)s” is not a mark: write 1, yes or + for present, 0, no or - for absent, or leave "
                        "the cell blank.") % {"value": raw[:40]})
            marks.append(present)
            if enrollment is not None and present is not None:
                check.marks.setdefault(session.pk, {})[enrollment.pk] = present
        if enrollment is not None:
            check.lines.append(Line(row=number, enrollment=enrollment, marks=marks, current=[
                check.recorded.get((enrollment.pk, session.pk)) for session in check.sessions]))
    if not check.errors and not check.marks:
        raise ValidationError({"file": _("The file records no marks: fill in at least one cell of a session held "
                                         "so far.")})
    return check


def template_rows(*, sheet: dict, today) -> list[list[str]]:
    """The sheet to fill in, from selectors.attendance_sheet: the header for every session held
    so far, and a row per participant holding a place (by email, or by name when the email is
    missing or shared) with the marks recorded (1 present, 0 absent, blank not recorded)."""
    sessions = sheet["sessions"]
    dates = [session.date for session in sessions]
    held = [(index, session) for index, session in enumerate(sessions) if session.date <= today]
    header = [PERSON] + [session_header(session, shared_date=dates.count(session.date) > 1) for _i, session in held]
    emails: dict[str, int] = {}
    for row in sheet["rows"]:
        email = row["enrollment"].person.email.casefold()
        emails[email] = emails.get(email, 0) + 1
    lines = [header]
    for row in sheet["rows"]:
        person = row["enrollment"].person
        name = person.email if person.email and emails[person.email.casefold()] == 1 else person.full_name
        marks = ["" if row["marks"][index] is None else ("1" if row["marks"][index] else "0") for index, _s in held]
        lines.append([name, *marks])
    return lines
