"""Reading and writing the organization registry as CSV or XLSX.

`parse_upload` turns a file into rows; `validate_rows` checks every row and returns the
errors with the row number, the field and the reason. Nothing here writes: the import
itself is `services.organizations_import`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Organization

COLUMNS = [
    "name", "short_name", "kind", "tax_id", "district", "address", "website", "email", "phone",
    "specialisations", "cluster_role",
]
REQUIRED = {"name", "kind"}
EXPORT_COLUMNS = COLUMNS + ["status", "current_rating", "joined_on"]

XLSX_MAGIC = b"PK\x03\x04"


def _choice(value: str, choices) -> str:
    """Accept a choice by its value or its (English or translated) label."""
    value = (value or "").strip()
    lowered = value.lower()
    for key, label in choices:
        if lowered in (key.lower(), str(label).lower()):
            return key
    return value


def parse_upload(upload) -> list[dict]:
    """Rows (dicts keyed by column) from an uploaded CSV or XLSX file, checked by content."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than %(limit)s MB.") % {
            "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}})
    head = upload.read(4)
    upload.seek(0)
    if head == XLSX_MAGIC:
        rows = _read_xlsx(upload)
    else:
        rows = _read_csv(upload)
    if not rows:
        raise ValidationError({"file": _("The file has no rows below the header.")})
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(limit)s rows.") % {"limit": settings.IMPORT_MAX_ROWS}})
    return rows


def _normalise_header(cells) -> list[str]:
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]
    missing = REQUIRED - set(header)
    if missing:
        raise ValidationError({"file": _("The header lacks the columns: %(columns)s.") % {
            "columns": ", ".join(sorted(missing))}})
    return header


def _rows_from(header, records) -> list[dict]:
    rows = []
    # Stop one row past the limit: a huge file is refused without being read to the end.
    for record in itertools.islice(records, settings.IMPORT_MAX_ROWS * 2 + 1):
        if len(rows) > settings.IMPORT_MAX_ROWS:
            break
        values = ["" if cell is None else str(cell).strip() for cell in record]
        if not any(values):
            continue
        rows.append({key: values[i] if i < len(values) else "" for i, key in enumerate(header) if key in COLUMNS})
    return rows


def _read_csv(upload) -> list[dict]:
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is neither an XLSX workbook nor a UTF-8 CSV file.")})
    if "\x00" in text:
        raise ValidationError({"file": _("The file is neither an XLSX workbook nor a UTF-8 CSV file.")})
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = _normalise_header(next(reader))
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")})
    return _rows_from(header, reader)


def _check_zip_expansion(upload):
    """Refuse a workbook whose parts expand far beyond the upload limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise ValidationError({"file": _("The file is not a valid XLSX workbook.")})
    finally:
        upload.seek(0)
    if expanded > settings.IMPORT_MAX_BYTES * 20:
        raise ValidationError({"file": _("The workbook expands to more data than an import may hold.")})


def _read_xlsx(upload) -> list[dict]:
    from openpyxl import load_workbook
    from zipfile import BadZipFile

    _check_zip_expansion(upload)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError({"file": _("The file is not a valid XLSX workbook.")})
    sheet = workbook.active
    records = sheet.iter_rows(values_only=True)
    try:
        header = _normalise_header(next(records))
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")})
    rows = _rows_from(header, records)
    workbook.close()
    return rows


def validate_rows(*, cluster, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(clean rows, errors); each error is {"row", "field", "message"} with 2 for the first data row."""
    cleaned, errors = [], []
    seen_tax_ids: dict[str, int] = {}
    existing = set(
        Organization.objects.for_cluster(cluster).exclude(tax_id="").values_list("tax_id", flat=True)
    )
    for number, row in enumerate(rows, start=2):
        data = {key: (row.get(key) or "").strip() for key in COLUMNS}
        data["kind"] = _choice(data["kind"], Organization.Kind.choices)
        data["cluster_role"] = _choice(data["cluster_role"], Organization.ClusterRoleKind.choices) or "member"
        organization = Organization(cluster=cluster, **data)
        row_errors = {}
        try:
            organization.full_clean(exclude=["cluster"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row_errors = error.message_dict
        tax_id = data["tax_id"]
        if tax_id and "tax_id" not in row_errors:
            if tax_id in existing:
                row_errors["tax_id"] = [_("An organization with this tax id is already in the cluster.")]
            elif tax_id in seen_tax_ids:
                row_errors["tax_id"] = [_("The same tax id is on row %(row)s.") % {"row": seen_tax_ids[tax_id]}]
            else:
                seen_tax_ids[tax_id] = number
        for field, messages in sorted(row_errors.items()):
            for message in messages:
                errors.append({"row": number, "field": field, "message": message})
        if not row_errors:
            cleaned.append(data)
    return cleaned, errors


def export_rows(queryset):
    yield EXPORT_COLUMNS
    for values in queryset.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        yield ["" if value is None else str(value) for value in values]


def export_csv(queryset) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in export_rows(queryset):
        writer.writerow([_neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(queryset) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("organizations")
    for row in export_rows(queryset):
        # openpyxl stores every value as text; only a leading "=" would become a formula.
        sheet.append(["'" + cell if cell.startswith("=") else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PLAIN_NUMBER = re.compile(r"^[+-]?[\d\s().-]+$")


def _neutralise(cell: str) -> str:
    """Spreadsheet programs run a CSV cell starting with = + - @ as a formula; prefix such a
    cell with an apostrophe, except plain numbers such as phone numbers (+998 71 ...)."""
    if cell[:1] in ("=", "+", "-", "@") and not PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell
