"""Reading and writing spreadsheets (CSV or XLSX) for the imports and exports of every app.

`read_upload` turns an uploaded file into its header and rows. The type is told by content,
not by name (an XLSX workbook is a zip archive; anything else must be UTF-8 text, whose
delimiter is sniffed: spreadsheet programs write ";" in many locales); the real size, the number
of rows and, for a workbook, its archive (cluster_platform.uploads.checked_archive: the number of
parts, how far they really expand, a zip bomb, and XML document type declarations) are checked
before openpyxl reads anything. The columns are the caller's: a fixed list (others are ignored) or every column of the
file (`columns=None`), for sheets whose columns are data, such as the sessions of an
attendance sheet. Nothing here knows what a row means; the apps validate them.

`csv_bytes` and `xlsx_bytes` write rows back with the cells that a spreadsheet program would
run as formulas neutralised.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import uploads

XLSX_MAGIC = b"PK\x03\x04"
#: A workbook's parts may expand to at most this multiple of IMPORT_MAX_BYTES.
XLSX_EXPANSION_FACTOR = 20
#: A workbook has a few dozen parts; thousands are an attack on the archive reader.
XLSX_MAX_ENTRIES = 1000

WORDING = uploads.Wording(
    unsupported=gettext_lazy("The file is neither an XLSX workbook nor a UTF-8 CSV file."),
    too_large=gettext_lazy("The file is larger than %(limit)s MB."),
)


def header_key(cell) -> str:
    """The default column key: "Tax id" -> "tax_id"."""
    return str(cell or "").strip().lower().replace(" ", "_")


@dataclass(frozen=True)
class Table:
    header: list[str]  # the kept columns, in the file's order
    rows: list[dict]  # {column: text}, blank rows left out


@dataclass(frozen=True)
class _Layout:
    columns: Collection[str] | None
    required: Collection[str]
    header_key: Callable[[object], str]
    row_key: str | None
    max_columns: int | None


def read_upload(upload, *, columns: Collection[str] | None, required: Collection[str] = (),
                header_key: Callable[[object], str] = header_key, row_key: str | None = None,
                max_columns: int | None = None) -> Table:
    """The header and rows of an uploaded CSV or XLSX file, or a ValidationError on "file".

    columns: the columns to keep (others are ignored), or None to keep every named column; a
    column named twice is then refused, as its cells could not be told apart.
    required: the columns the header must have.
    header_key: turns a header cell (text, or a date or number from a workbook) into its key.
    row_key: if given, each row also carries its row number in the sheet under this key (the
    header is row 1), so errors name the row the user sees even when blank rows were skipped.
    max_columns: the most columns kept.
    """
    uploads.check_size(upload, limit=settings.IMPORT_MAX_BYTES, field="file", wording=WORDING)
    layout = _Layout(columns, required, header_key, row_key, max_columns)
    head = upload.read(4)
    upload.seek(0)
    if head == XLSX_MAGIC:
        table = _read_xlsx(upload, layout)
    else:
        table = _read_csv(upload, layout)
    if not table.rows:
        raise ValidationError({"file": _("The file has no rows below the header.")})
    if len(table.rows) > settings.IMPORT_MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(limit)s rows.") % {
            "limit": settings.IMPORT_MAX_ROWS}})
    return table


def parse_upload(upload, **layout) -> list[dict]:
    """The rows of `read_upload` alone."""
    return read_upload(upload, **layout).rows


def _header(cells, layout: _Layout) -> list[tuple[int, str]]:
    """(cell index, key) of the columns kept."""
    header = [layout.header_key(cell) for cell in cells]
    missing = set(layout.required) - set(header)
    if missing:
        raise ValidationError({"file": _("The header lacks the columns: %(columns)s.") % {
            "columns": ", ".join(sorted(missing))}})
    if layout.columns is not None:
        return [(i, key) for i, key in enumerate(header) if key in layout.columns]
    kept = [(i, key) for i, key in enumerate(header) if key and key != layout.row_key]
    seen = set()
    for _i, key in kept:
        if key in seen:
            raise ValidationError({"file": _("The column “%(column)s” appears more than once in the header.") % {
                "column": key}})
        seen.add(key)
    if layout.max_columns is not None and len(kept) > layout.max_columns:
        raise ValidationError({"file": _("The file has more than %(limit)s columns.") % {
            "limit": layout.max_columns}})
    return kept


def _table(header_cells, records, layout: _Layout) -> Table:
    kept = _header(header_cells, layout)
    rows = []
    # Stop one row past the limit: a huge file is refused without being read to the end.
    for number, record in enumerate(itertools.islice(records, settings.IMPORT_MAX_ROWS * 2 + 1), start=2):
        if len(rows) > settings.IMPORT_MAX_ROWS:
            break
        values = ["" if cell is None else str(cell).strip() for cell in record]
        if not any(values):
            continue
        row = {key: values[i] if i < len(values) else "" for i, key in kept}
        if layout.row_key:
            row[layout.row_key] = number
        rows.append(row)
    return Table(header=list(dict.fromkeys(key for _i, key in kept)), rows=rows)


def _read_csv(upload, layout: _Layout) -> Table:
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is neither an XLSX workbook nor a UTF-8 CSV file.")})
    if "\x00" in text:
        raise ValidationError({"file": _("The file is neither an XLSX workbook nor a UTF-8 CSV file.")})
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is taken from the sniffer: it takes an apostrophe that opens two cells
    # ('=A, ... '+B: the neutralised cells of an export) for a quote character and runs them
    # together, and spreadsheet programs always quote with ".
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")})
    return _table(header, reader, layout)


def _read_xlsx(upload, layout: _Layout) -> Table:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    invalid = ValidationError({"file": _("The file is not a valid XLSX workbook.")})
    # The archive is checked and every part inflated once, within bounds, before openpyxl opens it.
    with uploads.checked_archive(upload, field="file", max_expanded=settings.IMPORT_MAX_BYTES * XLSX_EXPANSION_FACTOR,
                                 max_entries=XLSX_MAX_ENTRIES, verify=True,
                                 damaged=_("The file is not a valid XLSX workbook."),
                                 too_expanded=_("The workbook expands to more data than an import may hold.")):
        pass
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, ParseError, EOFError):
        raise invalid
    try:
        records = workbook.active.iter_rows(values_only=True)
        try:
            header = next(records)
        except StopIteration:
            raise ValidationError({"file": _("The file is empty.")})
        return _table(header, records, layout)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, ParseError, EOFError, AttributeError):
        raise invalid
    finally:
        workbook.close()


# --- Writing -----------------------------------------------------------------------------------

PLAIN_NUMBER = re.compile(r"^[+-]?[\d\s().-]+$")


def neutralise(cell: str) -> str:
    """Spreadsheet programs run a CSV cell starting with = + - @ as a formula; prefix such a
    cell with an apostrophe, except plain numbers such as phone numbers (+998 71 ...)."""
    if cell[:1] in ("=", "+", "-", "@") and not PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def csv_bytes(rows: Iterable[Iterable[str]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, which spreadsheet programs need to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Iterable[str]], *, sheet_name: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    for row in rows:
        # openpyxl stores every value as text; only a leading "=" would become a formula.
        sheet.append(["'" + cell if cell.startswith("=") else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
