import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from members import importing, services
from members.models import Organization

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "name,kind,tax_id,district,email\n"
    "School No. 101,school,300000101,Angren,s101@example.org\n"
    "Chirchik Technical College,Vocational college,300000102,Chirchik,\n"
)


def upload(content: bytes, name="orgs.csv"):
    return SimpleUploadedFile(name, content)


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_is_read_and_accepts_kind_labels(cluster):
    rows = importing.parse_upload(upload(GOOD_CSV.encode()))
    cleaned, errors = importing.validate_rows(cluster=cluster, rows=rows)
    assert errors == []
    assert [row["kind"] for row in cleaned] == ["school", "college"]


def test_semicolon_csv_from_spreadsheet_programs_is_read(cluster):
    rows = importing.parse_upload(upload(GOOD_CSV.replace(",", ";").encode("utf-8-sig")))
    assert rows[0]["name"] == "School No. 101"


def test_every_bad_row_is_listed_with_field_and_reason(cluster, school):
    content = (
        "name,kind,tax_id,email\n"
        "Good school,school,300000201,\n"
        ",school,300000202,\n"                      # row 3: no name
        "Bad kind,castle,300000203,\n"              # row 4: unknown kind
        "Bad tax,school,12ab,\n"                    # row 5: bad tax id
        f"Existing,school,{school.tax_id},\n"       # row 6: tax id already in the cluster
        "Twin,school,300000201,not-an-email\n"      # row 7: tax id repeated in the file, bad email
    ).encode()
    rows = importing.parse_upload(upload(content))
    _cleaned, errors = importing.validate_rows(cluster=cluster, rows=rows)
    found = {(e["row"], e["field"]) for e in errors}
    assert found == {(3, "name"), (4, "kind"), (5, "tax_id"), (6, "tax_id"), (7, "tax_id"), (7, "email")}
    assert any("row 2" in e["message"] for e in errors if e["row"] == 7 and e["field"] == "tax_id")


def test_import_saves_nothing_when_any_row_is_bad(cluster, coordinator):
    rows = [{"name": "Fine", "kind": "school"}, {"name": "", "kind": "school"}]
    with pytest.raises(ValidationError) as error:
        services.organizations_import(cluster=cluster, actor=coordinator, rows=rows)
    assert "Row 3, name" in str(error.value)
    assert Organization.objects.for_cluster(cluster).count() == 0


def test_import_saves_every_row_when_all_are_good(cluster, coordinator):
    rows = importing.parse_upload(upload(GOOD_CSV.encode()))
    result = services.organizations_import(cluster=cluster, actor=coordinator, rows=rows)
    assert len(result.created) == 2
    assert Organization.objects.for_cluster(cluster).filter(status="active").count() == 2


def test_xlsx_is_read_by_content_not_by_name(cluster):
    content = xlsx([["Name", "Kind", "Tax id"], ["School No. 7", "school", "300000007"]])
    rows = importing.parse_upload(upload(content, name="renamed.csv"))
    assert rows == [{"name": "School No. 7", "kind": "school", "tax_id": "300000007"}]


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "neither"),
    (b"PK\x03\x04not really a workbook", "not a valid XLSX"),
    (b"name,kind\n", "no rows"),
    (b"title,address\nA,B\n", "lacks the columns"),
    (b"", "empty"),
])
def test_bad_files_get_a_clear_error_on_the_file_field(cluster, content, message):
    with pytest.raises(ValidationError) as error:
        importing.parse_upload(upload(content))
    assert message in " ".join(error.value.message_dict["file"])


def test_an_oversized_file_is_refused(cluster, settings):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        importing.parse_upload(upload(GOOD_CSV.encode()))
    assert "file" in error.value.message_dict


def test_export_neutralises_formulas(cluster, coordinator):
    services.organization_create(cluster=cluster, actor=coordinator, data={"name": "=HYPERLINK(1)", "kind": "school"})
    content = importing.export_csv(Organization.objects.for_cluster(cluster)).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in content
    book = load_workbook(io.BytesIO(importing.export_xlsx(Organization.objects.for_cluster(cluster))))
    assert book.active["A2"].value == "'=HYPERLINK(1)"


def test_phone_numbers_are_exported_as_they_are(cluster, coordinator):
    services.organization_create(cluster=cluster, actor=coordinator,
                                 data={"name": "School", "kind": "school", "phone": "+998 71 123-45-67"})
    content = importing.export_csv(Organization.objects.for_cluster(cluster)).decode("utf-8-sig")
    assert ",+998 71 123-45-67," in content
    book = load_workbook(io.BytesIO(importing.export_xlsx(Organization.objects.for_cluster(cluster))))
    assert book.active["I2"].value == "+998 71 123-45-67"


def test_a_file_with_too_many_rows_is_refused(cluster, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = "name,kind\n" + "".join(f"School {i},school\n" for i in range(10))
    with pytest.raises(ValidationError) as error:
        importing.parse_upload(upload(content.encode()))
    assert "more than 3 rows" in " ".join(error.value.message_dict["file"])


def test_a_zip_bomb_workbook_is_refused(cluster, settings):
    import zipfile

    settings.IMPORT_MAX_BYTES = 50_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "A" * 2_000_000)
    with pytest.raises(ValidationError) as error:
        importing.parse_upload(upload(buffer.getvalue(), name="bomb.xlsx"))
    assert "expands" in " ".join(error.value.message_dict["file"])
