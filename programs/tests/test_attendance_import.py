"""Attendance from a file: reading CSV and XLSX, every error with its row and column, the
all-or-nothing import, the preview → confirm pages, who may import, and the template that
goes back and forth unchanged."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook
from pghistory.models import Context

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from programs import importing, services
from programs.models import Attendance, Enrollment, Program, ProgramPartner
from programs.tests.factories import EnrollmentFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


# --- Fixtures and helpers -----------------------------------------------------------------------

@pytest.fixture
def running(institute, today):
    """Running for a fortnight, a week in: a session a week ago (3 h), two today (2 h and 1 h)
    and one in a week."""
    program = ProgramFactory(lead_organization=institute, title="Formative assessment", status=Program.Status.RUNNING,
                             start_date=today - 7 * DAY, end_date=today + 7 * DAY, capacity=60)
    for date, start, end in ((today - 7 * DAY, 9, 12), (today, 9, 11), (today, 13, 14), (today + 7 * DAY, 9, 12)):
        SessionFactory(program=program, date=date, start_time=datetime.time(start), end_time=datetime.time(end))
    return program


@pytest.fixture
def sessions(running):
    past, morning, afternoon, later = running.sessions.order_by("date", "start_time")
    return {"past": past, "morning": morning, "afternoon": afternoon, "later": later}


@pytest.fixture
def heads(today):
    """The column headers of the sessions."""
    return {"past": (today - 7 * DAY).isoformat(), "morning": f"{today.isoformat()} 09:00",
            "afternoon": f"{today.isoformat()} 13:00", "later": (today + 7 * DAY).isoformat()}


@pytest.fixture
def aziza(running, school):
    return EnrollmentFactory(program=running, person=PersonFactory(
        organization=school, full_name="Aziza Karimova", email="Aziza@School1.uz"))


@pytest.fixture
def bekzod(running, school):
    """No email: named by his full name."""
    return EnrollmentFactory(program=running, person=PersonFactory(organization=school, full_name="Bekzod Tursunov"))


@pytest.fixture
def partner_admin(cluster, running):
    partner = OrganizationFactory(cluster=cluster, name="School No. 9")
    ProgramPartner.objects.create(cluster=cluster, program=running, organization=partner)
    return OrganizationRoleFactory(organization=partner, user=UserFactory(username="partneradmin"), role="admin").user


def csv_file(lines, name="attendance.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(",".join(cells) for cells in lines) + "\n").encode("utf-8"))


def xlsx_file(lines, name="attendance.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for line in lines:
        book.active.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def marks(cluster) -> set:
    return set(Attendance.objects.for_cluster(cluster).values_list("enrollment_id", "session_id", "present"))


def errors_of(cluster, program, upload) -> set:
    check = importing.validate_rows(cluster=cluster, program=program, rows=importing.parse_upload(upload))
    return {(error["row"], error["field"]) for error in check.errors}


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


# --- Reading and checking -------------------------------------------------------------------------

def test_a_csv_is_imported_for_every_session_and_hours_are_recomputed(cluster, running, sessions, heads, aziza,
                                                                       bekzod, institute_admin):
    upload = csv_file([
        ["person", heads["past"], heads["morning"], heads["afternoon"]],
        ["aziza@school1.uz", "1", "yes", "+"],          # the email, in any case
        ["  bekzod   TURSUNOV ", "0", "нет", ""],        # the name, spaces and case aside
    ])
    rows = importing.parse_upload(upload)
    result = services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk, rows=rows)
    assert result == {"sessions": 3, "marks": 5}
    assert marks(cluster) == {
        (aziza.pk, sessions["past"].pk, True), (aziza.pk, sessions["morning"].pk, True),
        (aziza.pk, sessions["afternoon"].pk, True),
        (bekzod.pk, sessions["past"].pk, False), (bekzod.pk, sessions["morning"].pk, False),
    }
    aziza.refresh_from_db()
    bekzod.refresh_from_db()
    assert aziza.hours_attended == 6 and bekzod.hours_attended == 0
    assert Attendance.objects.for_cluster(cluster).filter(recorded_by=institute_admin).count() == 5
    assert Context.objects.filter(metadata__service="attendance_import").count() == 1

    # Changing a mark back takes its hours away again.
    rows = importing.parse_upload(csv_file([["person", heads["past"]], ["Aziza Karimova", "absent"]]))
    assert services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk,
                                      rows=rows) == {"sessions": 1, "marks": 1}
    aziza.refresh_from_db()
    assert aziza.hours_attended == 3


def test_a_workbook_is_read_with_dates_numbers_and_every_word_for_a_mark(cluster, running, sessions, heads, today,
                                                                         aziza, bekzod, institute_admin):
    # A spreadsheet program stores a typed date as a date, and 1 as a number.
    upload = xlsx_file([
        ["Person", today - 7 * DAY, datetime.datetime.combine(today, datetime.time(9)), heads["afternoon"]],
        ["aziza@school1.uz", 1, "Bor", "X"],
        ["Bekzod Tursunov", 0, "Yoʻq", "yo'q"],
    ], name="renamed.csv")
    rows = importing.parse_upload(upload)
    check = importing.validate_rows(cluster=cluster, program=running, rows=rows)
    assert check.errors == []
    assert check.marks == {
        sessions["past"].pk: {aziza.pk: True, bekzod.pk: False},
        sessions["morning"].pk: {aziza.pk: True, bekzod.pk: False},
        sessions["afternoon"].pk: {aziza.pk: True, bekzod.pk: False},
    }
    services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk, rows=rows)
    assert len(marks(cluster)) == 6


@pytest.mark.parametrize("word, present", [
    ("1", True), ("YES", True), ("+", True), ("x", True), ("Present", True), ("да", True), ("ha", True),
    ("bor", True), ("0", False), ("no", False), ("-", False), ("absent", False), ("НЕТ", False),
    ("yo'q", False), ("yoʻq", False), ("yo’q", False), ("yoq", False),
])
def test_each_word_for_present_and_absent_is_understood(cluster, running, sessions, heads, aziza, word, present):
    rows = importing.parse_upload(csv_file([["person", heads["past"]], ["aziza@school1.uz", word]]))
    check = importing.validate_rows(cluster=cluster, program=running, rows=rows)
    assert check.errors == [] and check.marks == {sessions["past"].pk: {aziza.pk: present}}


def test_every_error_is_listed_with_its_row_and_column(cluster, running, sessions, heads, today, aziza, bekzod,
                                                       school):
    withdrawn = EnrollmentFactory(program=running, status=Enrollment.Status.WITHDRAWN, person=PersonFactory(
        organization=school, full_name="Sardor Aliev", email="sardor@school1.uz"))
    for _twin in range(2):
        EnrollmentFactory(program=running, person=PersonFactory(organization=school, full_name="Dilnoza Rahimova"))
    stranger = PersonFactory(organization=school, full_name="Not Enrolled", email="stranger@school1.uz")
    past_at_nine = f"{heads['past']} 09:00"
    upload = csv_file([
        ["person", heads["past"], "2001-01-01", "notes", today.isoformat(), heads["later"], past_at_nine,
         f"{today.isoformat()} 10:30"],
        ["aziza@school1.uz", "1", "", "", "", "", "", ""],                 # 2: fine
        ["nobody@example.org", "1", "", "", "", "", "", ""],               # 3: unknown email
        ["Aziza Karimova", "1", "", "", "", "", "", ""],                   # 4: on row 2 already
        [withdrawn.person.email, "1", "", "", "", "", "", ""],             # 5: not holding a place
        ["Bekzod Tursunov", "maybe", "", "", "", "1", "", ""],              # 6: not a mark; a future session
        ["", "1", "", "", "", "", "", ""],                                  # 7: nobody named
        ["Dilnoza Rahimova", "1", "", "", "", "", "", ""],                 # 8: two participants bear the name
        [stranger.email, "0", "", "", "", "", "", ""],                     # 9: in the cluster, not the programme
    ])
    rows = importing.parse_upload(upload)
    check = importing.validate_rows(cluster=cluster, program=running, rows=rows)
    found = {(error["row"], error["field"]): error["message"] for error in check.errors}
    assert set(found) == {
        (1, "2001-01-01"), (1, "notes"), (1, today.isoformat()), (1, heads["later"]), (1, past_at_nine),
        (1, f"{today.isoformat()} 10:30"),
        (3, "person"), (4, "person"), (5, "person"), (6, heads["past"]), (7, "person"), (8, "person"), (9, "person"),
    }
    assert "2 sessions on this date" in found[(1, today.isoformat())]
    assert "on or after the day of the session" in found[(1, heads["later"])]
    assert f"same session as the column {heads['past']}" in found[(1, past_at_nine)]
    assert "row 2" in found[(4, "person")]
    assert "withdrawn" in found[(5, "person")]
    assert "maybe" in found[(6, heads["past"])]
    assert "2 participants have this name" in found[(8, "person")]


def test_a_blank_column_of_a_session_to_come_is_left_alone(cluster, running, sessions, heads, aziza):
    rows = importing.parse_upload(csv_file([["person", heads["past"], heads["later"]], ["aziza@school1.uz", "1", ""]]))
    check = importing.validate_rows(cluster=cluster, program=running, rows=rows)
    assert check.errors == [] and list(check.marks) == [sessions["past"].pk]


def test_row_numbers_are_the_sheets_even_after_blank_rows(cluster, running, sessions, heads, aziza):
    upload = SimpleUploadedFile("a.csv", f"person,{heads['past']}\naziza@school1.uz,1\n\n,,\nghost@x.uz,1\n".encode())
    assert errors_of(cluster, running, upload) == {(5, "person")}


@pytest.mark.parametrize("content, message", [
    (b"person\naziza@school1.uz\n", "no session columns"),
    (b"name,2025-01-01\nAziza,1\n", "lacks the columns: person"),
    (b"person,2025-01-01,2025-01-01\nAziza,1,1\n", "appears more than once"),
    (b"person,2025-01-01\n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "neither"),
    (b"PK\x03\x04not a workbook", "not a valid XLSX"),
])
def test_a_bad_file_gets_an_error_on_the_file_field(content, message):
    with pytest.raises(ValidationError) as error:
        importing.parse_upload(SimpleUploadedFile("a.csv", content))
    assert message in " ".join(error.value.message_dict["file"])


def test_a_file_without_any_mark_is_refused(cluster, running, heads, aziza):
    rows = importing.parse_upload(csv_file([["person", heads["past"]], ["aziza@school1.uz", ""]]))
    with pytest.raises(ValidationError) as error:
        importing.validate_rows(cluster=cluster, program=running, rows=rows)
    assert "no marks" in " ".join(error.value.message_dict["file"])


def test_a_programme_not_yet_open_records_no_attendance(cluster, running, heads, aziza, institute_admin):
    Program.objects.for_cluster(cluster).filter(pk=running.pk).update(status=Program.Status.PLANNED)
    rows = [{"person": "aziza@school1.uz", heads["past"]: "1"}]
    with pytest.raises(ValidationError) as error:
        services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk, rows=rows)
    assert "program" in error.value.message_dict
    assert not marks(cluster)


# --- All or nothing -------------------------------------------------------------------------------

def test_one_bad_cell_saves_nothing(cluster, running, sessions, heads, aziza, bekzod, institute_admin):
    services.attendance_record(cluster=cluster, actor=institute_admin, session_id=sessions["past"].pk,
                               marks={aziza.pk: True})
    before = marks(cluster)
    rows = [{"person": "Bekzod Tursunov", heads["past"]: "1", heads["morning"]: "1"},
            {"person": "aziza@school1.uz", heads["past"]: "0", heads["morning"]: "probably"}]
    with pytest.raises(ValidationError) as error:
        services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk, rows=rows)
    assert f"Row 3, {heads['morning']}" in str(error.value)
    assert marks(cluster) == before
    aziza.refresh_from_db()
    bekzod.refresh_from_db()
    assert aziza.hours_attended == 3 and bekzod.hours_attended == 0
    assert not Context.objects.filter(metadata__service="attendance_import").exists()


def test_blank_cells_leave_marks_as_they_are_and_equal_marks_are_not_rewritten(
        cluster, running, sessions, heads, aziza, bekzod, institute_admin, coordinator):
    services.attendance_record(cluster=cluster, actor=institute_admin, session_id=sessions["past"].pk,
                               marks={aziza.pk: True, bekzod.pk: False})
    recorded_at = Attendance.objects.for_cluster(cluster).get(enrollment=bekzod).recorded_at
    rows = [{"person": "aziza@school1.uz", heads["past"]: "", heads["morning"]: "1"},
            {"person": "Bekzod Tursunov", heads["past"]: "0", heads["morning"]: ""}]
    result = services.attendance_import(cluster=cluster, actor=coordinator, program_id=running.pk, rows=rows)
    assert result == {"sessions": 1, "marks": 1}
    assert marks(cluster) == {(aziza.pk, sessions["past"].pk, True), (bekzod.pk, sessions["past"].pk, False),
                              (aziza.pk, sessions["morning"].pk, True)}
    kept = Attendance.objects.for_cluster(cluster).get(enrollment=bekzod)
    assert kept.recorded_by == institute_admin and kept.recorded_at == recorded_at
    aziza.refresh_from_db()
    assert aziza.hours_attended == 5


def test_the_import_checks_the_participants_again(cluster, running, heads, aziza, bekzod, institute_admin):
    rows = importing.parse_upload(csv_file([["person", heads["past"]], ["aziza@school1.uz", "1"],
                                            ["Bekzod Tursunov", "1"]]))
    Enrollment.objects.for_cluster(cluster).filter(pk=bekzod.pk).update(status=Enrollment.Status.WITHDRAWN)
    with pytest.raises(ValidationError) as error:
        services.attendance_import(cluster=cluster, actor=institute_admin, program_id=running.pk, rows=rows)
    assert "Row 3, person" in str(error.value)
    assert not marks(cluster)


# --- Who may import -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["partner_admin", "org_admin", "authority"])
def test_only_the_lead_and_coordinators_import(cluster, request, running, heads, aziza, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.attendance_import(cluster=cluster, actor=actor, program_id=running.pk,
                                   rows=[{"person": "aziza@school1.uz", heads["past"]: "1"}])
    assert not marks(cluster)


@pytest.mark.parametrize("who", ["partner_admin", "org_admin"])
def test_the_pages_answer_403_to_a_partner_or_another_organizations_admin(client, cluster, request, running, heads,
                                                                         aziza, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("program_attendance_import", cluster, running.pk)).status_code == 403
    assert client.get(url("program_attendance_template", cluster, running.pk)).status_code == 403
    upload = csv_file([["person", heads["past"]], ["aziza@school1.uz", "1"]])
    assert client.post(url("program_attendance_import", cluster, running.pk), {"file": upload}).status_code == 403
    assert client.post(url("program_attendance_import_confirm", cluster, running.pk),
                       {"import_id": "x"}).status_code == 403
    assert not marks(cluster)


def test_another_clusters_programme_is_404(client, cluster, other_cluster, coordinator, outsider):
    theirs = ProgramFactory(lead_organization=OrganizationFactory(cluster=other_cluster), status="running")
    client.force_login(coordinator)
    for name in ("program_attendance_import", "program_attendance_template"):
        assert client.get(url(name, cluster, theirs.pk)).status_code == 404
    assert client.post(url("program_attendance_import_confirm", cluster, theirs.pk),
                       {"import_id": "x"}).status_code == 404
    with pytest.raises(Program.DoesNotExist):
        services.attendance_import(cluster=cluster, actor=coordinator, program_id=theirs.pk,
                                   rows=[{"person": "a@b.uz", "2025-01-01": "1"}])


# --- The pages: preview, confirm ---------------------------------------------------------------------

def test_preview_then_confirm(client, cluster, running, sessions, heads, aziza, bekzod, institute_admin):
    client.force_login(institute_admin)
    sheet = client.get(url("program_attendance", cluster, running.pk))
    assert url("program_attendance_import", cluster, running.pk) in sheet.text
    page = client.get(url("program_attendance_import", cluster, running.pk))
    assert page.status_code == 200 and url("program_attendance_template", cluster, running.pk) in page.text

    upload = csv_file([["person", heads["past"], heads["morning"]], ["aziza@school1.uz", "1", "0"],
                       ["Bekzod Tursunov", "", "1"]])
    preview = client.post(url("program_attendance_import", cluster, running.pk), {"file": upload})
    assert preview.status_code == 200
    assert "✓" in preview.text and "✗" in preview.text
    assert ">Present<" in preview.text and ">Absent<" in preview.text and "Blank: left as it is" in preview.text
    assert "Aziza Karimova" in preview.text and "Bekzod Tursunov" in preview.text
    assert not marks(cluster)  # nothing is saved before the confirmation
    import_id = preview.context["import_id"]

    done = client.post(url("program_attendance_import_confirm", cluster, running.pk), {"import_id": import_id})
    assert done.status_code == 302 and done["Location"] == url("program_attendance", cluster, running.pk)
    assert marks(cluster) == {(aziza.pk, sessions["past"].pk, True), (aziza.pk, sessions["morning"].pk, False),
                              (bekzod.pk, sessions["morning"].pk, True)}
    assert "3 marks were saved" in client.get(done["Location"]).text

    # The rows were used once: the same confirmation again has expired.
    again = client.post(url("program_attendance_import_confirm", cluster, running.pk), {"import_id": import_id})
    assert again["Location"] == url("program_attendance_import", cluster, running.pk)
    assert "expired" in client.get(again["Location"]).text


def test_the_preview_of_a_bad_file_lists_every_problem_and_keeps_nothing(client, cluster, running, heads, aziza,
                                                                        institute_admin):
    client.force_login(institute_admin)
    upload = csv_file([["person", heads["past"], "someday"], ["aziza@school1.uz", "often", ""],
                       ["ghost@school1.uz", "1", ""]])
    response = client.post(url("program_attendance_import", cluster, running.pk), {"file": upload})
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.context["row_errors"]] == [
        (1, "someday"), (2, heads["past"]), (3, "person")]
    assert "<code>someday</code>" in response.text and "often" in response.text
    assert not any(key.startswith("programs.attendance_import") for key in client.session.keys())
    assert client.post(url("program_attendance_import", cluster, running.pk),
                       {"file": SimpleUploadedFile("a.csv", b"person\nx\n")}).status_code == 422


def test_a_replaced_preview_cannot_be_confirmed(client, cluster, running, sessions, heads, aziza, institute_admin):
    client.force_login(institute_admin)
    first = client.post(url("program_attendance_import", cluster, running.pk), {
        "file": csv_file([["person", heads["past"]], ["aziza@school1.uz", "1"]])}).context["import_id"]
    second = client.post(url("program_attendance_import", cluster, running.pk), {
        "file": csv_file([["person", heads["past"]], ["aziza@school1.uz", "0"]])}).context["import_id"]
    stale = client.post(url("program_attendance_import_confirm", cluster, running.pk), {"import_id": first})
    assert stale.status_code == 302 and stale["Location"] == url("program_attendance_import", cluster, running.pk)
    assert not marks(cluster)
    client.post(url("program_attendance_import_confirm", cluster, running.pk), {"import_id": second})
    assert marks(cluster) == {(aziza.pk, sessions["past"].pk, False)}


def test_a_change_since_the_preview_saves_nothing_and_says_why(client, cluster, running, heads, aziza, bekzod,
                                                              institute_admin):
    client.force_login(institute_admin)
    preview = client.post(url("program_attendance_import", cluster, running.pk), {
        "file": csv_file([["person", heads["past"]], ["aziza@school1.uz", "1"], ["Bekzod Tursunov", "1"]])})
    Enrollment.objects.for_cluster(cluster).filter(pk=bekzod.pk).update(status=Enrollment.Status.WITHDRAWN)
    response = client.post(url("program_attendance_import_confirm", cluster, running.pk),
                           {"import_id": preview.context["import_id"]})
    assert response.status_code == 422
    assert "Nothing was saved" in response.text and "Row 3, person" in response.text
    assert not marks(cluster)


# --- The template -------------------------------------------------------------------------------------

def test_the_template_goes_back_unchanged_without_errors(client, cluster, running, sessions, heads, aziza, bekzod,
                                                         school, institute_admin):
    # A name a spreadsheet would run as a formula is neutralised, and still found on the way back.
    risky = EnrollmentFactory(program=running, person=PersonFactory(organization=school, full_name="=Risky Name"))
    plus = EnrollmentFactory(program=running, person=PersonFactory(organization=school, full_name="+Plus Name"))
    EnrollmentFactory(program=running, status=Enrollment.Status.WAITLISTED, waitlist_position=1,
                      person=PersonFactory(organization=school, full_name="Waiting Teacher"))
    services.attendance_record(cluster=cluster, actor=institute_admin, session_id=sessions["past"].pk,
                               marks={aziza.pk: True, bekzod.pk: False})
    services.attendance_record(cluster=cluster, actor=institute_admin, session_id=sessions["morning"].pk,
                               marks={aziza.pk: False})
    client.force_login(institute_admin)
    response = client.get(url("program_attendance_template", cluster, running.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *lines = response.content.decode("utf-8-sig").splitlines()
    assert header == f"person,{heads['past']},{heads['morning']},{heads['afternoon']}"  # not the session to come
    assert sorted(lines) == ["'+Plus Name,,,", "'=Risky Name,,,", "Aziza@School1.uz,1,0,", "Bekzod Tursunov,0,,"]

    preview = client.post(url("program_attendance_import", cluster, running.pk), {
        "file": SimpleUploadedFile("attendance.csv", response.content)})
    assert preview.status_code == 200, preview.context.get("row_errors")
    assert preview.context["mark_count"] == 3 and preview.context["change_count"] == 0
    assert {row["line"].enrollment.pk for row in preview.context["preview"]} == {plus.pk, risky.pk, aziza.pk, bekzod.pk}
    before = set(Attendance.objects.for_cluster(cluster).values_list("pk", "present", "recorded_at"))
    done = client.post(url("program_attendance_import_confirm", cluster, running.pk),
                       {"import_id": preview.context["import_id"]})
    assert done.status_code == 302
    assert "Nothing changed" in client.get(done["Location"]).text
    assert set(Attendance.objects.for_cluster(cluster).values_list("pk", "present", "recorded_at")) == before


def test_the_template_names_by_name_whom_a_shared_email_would_confuse(cluster, running, school, heads, today):
    for name in ("Gulnora Saidova", "Kamola Saidova"):
        EnrollmentFactory(program=running, person=PersonFactory(organization=school, full_name=name,
                                                                email="saidova@school1.uz"))
    from programs import selectors

    lines = importing.template_rows(sheet=selectors.attendance_sheet(cluster=cluster, program=running), today=today)
    assert [line[0] for line in lines[1:]] == ["Gulnora Saidova", "Kamola Saidova"]


# --- Query counts -----------------------------------------------------------------------------------

def _preview_queries(client, cluster, program, heads, people) -> int:
    lines = [["person", heads["past"], heads["morning"], heads["afternoon"]]]
    lines += [[person.email, "1", "0", ""] for person in people]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url("program_attendance_import", cluster, program.pk), {"file": csv_file(lines)})
    assert response.status_code == 200, response.context.get("row_errors")
    assert len(response.context["preview"]) == len(people)
    return len(captured)


def test_the_preview_query_count_does_not_grow_with_participants(client, cluster, running, heads, school,
                                                                  institute_admin, django_assert_max_num_queries):
    people = []
    for n in range(40):
        people.append(PersonFactory(organization=school, full_name=f"Teacher {n:02d}", email=f"t{n}@school1.uz"))
    for person in people[:10]:
        EnrollmentFactory(program=running, person=person)
    client.force_login(institute_admin)
    few = _preview_queries(client, cluster, running, heads, people[:10])
    for person in people[10:]:
        EnrollmentFactory(program=running, person=person)
    lines = [["person", heads["past"], heads["morning"], heads["afternoon"]]]
    lines += [[person.email, "1", "0", ""] for person in people]
    with django_assert_max_num_queries(few):
        response = client.post(url("program_attendance_import", cluster, running.pk), {"file": csv_file(lines)})
    assert response.status_code == 200 and len(response.context["preview"]) == 40
