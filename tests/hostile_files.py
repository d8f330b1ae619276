"""A corpus of hostile files, built in memory (no binary blobs in the repository).

Each builder returns bytes; `CONTENT_CORPUS` lists the files that no upload entry point may
accept whatever it is for (documents, photos, spreadsheet imports), each with the file name an
attacker would give it. `HOSTILE_NAMES` are file names to put on an otherwise harmless file;
`oversize(limit)` is a file one byte over a limit. The zip bombs are about a megabyte on the wire
and a gigabyte inflated: they are built from one compressed megabyte of zeros repeated, so
building them costs neither time nor memory.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

GIGABYTE = 1024 ** 3
MEGABYTE = 1024 ** 2

SCRIPT = b"<script>alert(document.cookie)</script>"


# --- Harmless files of each kind ------------------------------------------------------------------

def pdf(padding: int = 0) -> bytes:
    """A minimal well-formed PDF; `padding` bytes of comment make it as large as wanted."""
    filler = b"%" + b"x" * (padding - 2) + b"\n" if padding >= 2 else b"\n" * padding
    return (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n"
        + filler
        + b"%%EOF\n"
    )


def _png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def png(*extra_chunks: tuple[bytes, bytes], width: int = 2, height: int = 2) -> bytes:
    """A small RGB PNG that Pillow decodes; `extra_chunks` go between the image data and IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _row in range(height))
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(raw))
            + b"".join(_png_chunk(kind, data) for kind, data in extra_chunks) + _png_chunk(b"IEND", b""))


@functools.lru_cache(maxsize=None)
def jpeg(comment: bytes | None = None) -> bytes:
    """A small JPEG that Pillow decodes; `comment` goes in a COM segment right after SOI."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buffer, format="JPEG")
    data = buffer.getvalue()
    if comment is None:
        return data
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


def members_csv() -> bytes:
    """An organizations import that members.importing accepts."""
    return b"name,kind\nSchool No. 77,school\n"


def _zip(entries, *, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        archive.comment = comment
    return buffer.getvalue()


XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)


def xlsx(rows=(("name", "kind"), ("School No. 77", "school"))) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Script and markup in disguise -----------------------------------------------------------------

SVG_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
              + SCRIPT + b"</svg>")
HTML_PAGE = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"


def png_with_script() -> bytes:
    """A valid PNG (Pillow decodes it) whose text chunk is a web page."""
    return png((b"tEXt", b"Comment\x00<html><body>" + SCRIPT + b"</body></html>"))


def jpeg_with_html() -> bytes:
    """A valid JPEG whose comment segment is a web page: the classic image/HTML polyglot."""
    return jpeg(b"<html><body>" + SCRIPT + b"</body></html>")


def jpeg_with_pdf() -> bytes:
    """A valid JPEG with a PDF header in its first kilobyte: PDF readers open it as a PDF."""
    return jpeg(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")


def pdf_with_zip() -> bytes:
    """A PDF followed by a ZIP archive whose comment ends with %%EOF: a PDF reader and an
    archive tool both open it."""
    return pdf() + _zip([("payload.html", HTML_PAGE)], comment=b"\n%%EOF\n")


def jpeg_with_zip() -> bytes:
    """A JPEG followed by a ZIP archive whose comment ends with the JPEG end marker."""
    return jpeg() + _zip([("payload.html", HTML_PAGE)], comment=b"\xff\xd9")


def png_with_zip() -> bytes:
    """A PNG carrying a ZIP archive in a private chunk before IEND."""
    return png((b"zIPp", _zip([("payload.html", HTML_PAGE)])))


# --- Extension and content disagree ------------------------------------------------------------------

GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


# --- Archives: zip bombs, too many parts, traversal, XML entities ----------------------------------

def _zero_stream(size: int) -> tuple[bytes, int]:
    """Raw deflate data of `size` zero bytes (a multiple of a megabyte) and their CRC-32, without
    ever holding them: one megabyte is compressed with a full flush, which resets the
    compressor, so its output can be repeated."""
    assert size % MEGABYTE == 0
    block = bytes(MEGABYTE)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _i in range(size // MEGABYTE):
        crc = zlib.crc32(block, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    return piece * (size // MEGABYTE) + final, crc


def _raw_zip(members) -> bytes:
    """A ZIP archive from (name, deflated data, crc, declared uncompressed size) written by hand,
    so the sizes in its headers can be whatever an attacker writes."""
    out = io.BytesIO()
    central = []
    for name, data, crc, declared in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), declared,
                              len(encoded), 0) + encoded + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data),
                                   declared, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), start, 0))
    return out.getvalue()


def _deflated(text: str) -> tuple[bytes, int, int]:
    data = text.encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def _workbook_parts():
    return [("[Content_Types].xml", *_deflated(XLSX_CONTENT_TYPES)),
            ("xl/workbook.xml", *_deflated('<?xml version="1.0"?><workbook/>'))]


@functools.lru_cache(maxsize=None)
def zip_bomb_xlsx() -> bytes:
    """An "XLSX" whose sheet inflates to 1 GB of zeros; about 1 MB on the wire."""
    data, crc = _zero_stream(GIGABYTE)
    return _raw_zip([*_workbook_parts(), ("xl/worksheets/sheet1.xml", data, crc, GIGABYTE)])


@functools.lru_cache(maxsize=None)
def lying_zip_bomb_xlsx() -> bytes:
    """The same bomb, but its headers declare the sheet 1 KB: a reader that trusts the headers
    and inflates without a bound would fill memory."""
    data, crc = _zero_stream(GIGABYTE)
    return _raw_zip([*_workbook_parts(), ("xl/worksheets/sheet1.xml", data, crc, 1024)])


@functools.lru_cache(maxsize=None)
def many_members_xlsx(count: int = 20_000) -> bytes:
    """An "XLSX" of 20,000 empty parts: about 2 MB, each part a ZipInfo object once parsed."""
    empty = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    return _raw_zip([*_workbook_parts(), *((f"x/{n}", empty, 0, 0) for n in range(count))])


def zip_slip_xlsx() -> bytes:
    """A workbook with a part named to land outside the folder it would be extracted to."""
    return _zip([("[Content_Types].xml", XLSX_CONTENT_TYPES), ("../../../../tmp/evil.sh", "#!/bin/sh\n")])


def xxe_xlsx() -> bytes:
    """A real workbook whose sheet declares an external entity reading /etc/passwd."""
    source = zipfile.ZipFile(io.BytesIO(xlsx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                root = data.index(b"<worksheet")
                data = (data[:root] + b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        + data[root:])
            archive.writestr(info, data)
    return buffer.getvalue()


# --- The corpus ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hostile:
    id: str
    name: str
    build: object  # () -> bytes

    def content(self) -> bytes:
        return self.build()


CONTENT_CORPUS = [
    Hostile("svg-script", "drawing.svg", lambda: SVG_SCRIPT),
    Hostile("svg-as-png", "photo.png", lambda: SVG_SCRIPT),
    Hostile("svg-as-pdf", "contract.pdf", lambda: SVG_SCRIPT),
    Hostile("html-as-pdf", "contract.pdf", lambda: HTML_PAGE),
    Hostile("html-as-csv", "members.csv", lambda: HTML_PAGE),
    Hostile("png-with-script", "photo.png", png_with_script),
    Hostile("jpeg-with-html", "photo.jpg", jpeg_with_html),
    Hostile("jpeg-with-pdf", "photo.jpg", jpeg_with_pdf),
    Hostile("pdf-with-zip", "contract.pdf", pdf_with_zip),
    Hostile("jpeg-with-zip", "photo.jpg", jpeg_with_zip),
    Hostile("png-with-zip", "photo.png", png_with_zip),
    Hostile("gif-as-jpg", "photo.jpg", lambda: GIF),
    Hostile("exe-as-pdf", "contract.pdf", lambda: WINDOWS_EXE),
    Hostile("elf-as-xlsx", "members.xlsx", lambda: ELF),
    Hostile("zip-bomb-xlsx", "members.xlsx", zip_bomb_xlsx),
    Hostile("lying-zip-bomb-xlsx", "members.xlsx", lying_zip_bomb_xlsx),
    Hostile("many-members-xlsx", "members.xlsx", many_members_xlsx),
    Hostile("zip-slip-xlsx", "members.xlsx", zip_slip_xlsx),
    Hostile("xxe-xlsx", "members.xlsx", xxe_xlsx),
    Hostile("empty-pdf", "contract.pdf", lambda: b""),
    Hostile("empty-csv", "members.csv", lambda: b""),
]

HOSTILE_NAMES = [
    "../../../etc/passwd.pdf",
    "..\\..\\windows\\win.ini.pdf",
    "/etc/cron.d/evil.pdf",
    "C:\\evil.pdf",
    "evil\x00.exe.pdf",
    "evil\r\nContent-Type: text/html\r\n\r\n<script>.pdf",
    "evil\r\nSet-Cookie: session=stolen.pdf",
    "invoice\u202efdp.exe.pdf",
    "x" * 1000 + ".pdf",
    '"; filename="evil.html.pdf',
    "CON.pdf",
    "..",
]


def oversize(limit: int) -> bytes:
    """A well-formed PDF one byte over `limit`."""
    content = pdf(padding=limit + 1 - len(pdf()))
    assert len(content) == limit + 1
    return content
