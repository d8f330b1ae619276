"""Validation and safe handling of uploaded agreement documents.

Agreement documents (drafts and signed scans) may be PDF, DOCX, ODT, PNG or JPEG.
The type is decided from the file's *content*: the user's file name and the content
type sent by the browser are never trusted.  Only the Python standard library is
used, so the checks behave the same everywhere.

Public API:

* :func:`inspect_upload` — validates an uploaded file and returns :class:`Inspected`
  (kind, extension, content type, size, SHA-256) or raises ``ValidationError``
  with a ``{"file": [...]}`` message dict.
* :func:`storage_name` — a generated relative storage path that can neither collide
  nor leave the media folder.
* :func:`safe_display_name` — a cleaned-up, human-readable download name.
* :func:`content_disposition` — a safe ``Content-Disposition`` header value.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: DOCX/ODT entries may expand to at most this multiple of the size limit.
ZIP_EXPANSION_FACTOR = 10
#: Upper bound on the number of entries in a DOCX/ODT archive.
ZIP_MAX_ENTRIES = 10_000
#: How much of the start of a file is examined for magic bytes and polyglots.
HEAD_BYTES = 1024
#: How much of the end of a file is examined for end markers (%%EOF, IEND, EOI).
TAIL_BYTES = 1024
DISPLAY_NAME_MAX_LENGTH = 120

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
PNG = "png"
JPEG = "jpeg"

#: kind -> (stored extension, content type, other accepted spellings of the extension)
KINDS = {
    PDF: ("pdf", "application/pdf", ()),
    DOCX: ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ()),
    ODT: ("odt", "application/vnd.oasis.opendocument.text", ()),
    PNG: ("png", "image/png", ()),
    JPEG: ("jpg", "image/jpeg", ("jpeg",)),
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Allowed bit depths per PNG colour type (PNG spec, table 11.1).
PNG_BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN_CONTENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Markup that must never appear at the start of a PDF (HTML/script polyglots).
PDF_FORBIDDEN_MARKUP = (b"<html", b"<script", b"<!doctype html")


@dataclass(frozen=True)
class Inspected:
    """What :func:`inspect_upload` found out about a valid upload."""

    kind: str
    extension: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "AGREEMENT_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _invalid(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _unsupported() -> ValidationError:
    return _invalid(
        _("This file type is not supported. Upload a PDF, DOCX, ODT, PNG or JPEG document.")
    )


def _format_mb(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1 and megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.2f}".rstrip("0").rstrip(".") or "0"


# --------------------------------------------------------------------------- inspection


def inspect_upload(upload) -> Inspected:
    """Validate an uploaded agreement document by its content.

    Raises ``ValidationError({"file": [message]})`` when the file is empty, too large,
    of an unsupported or disguised type, or structurally broken.  The upload is always
    rewound to the start afterwards.
    """
    limit = max_upload_bytes()
    try:
        declared = getattr(upload, "size", None)
        if declared == 0:
            raise _invalid(_("The file is empty."))
        if declared is not None and declared > limit:
            raise _too_large(limit)

        size, sha256 = _hash(upload, limit)
        if size == 0:
            raise _invalid(_("The file is empty."))

        head = _read_at(upload, 0, HEAD_BYTES)
        tail = _read_at(upload, max(0, size - TAIL_BYTES), TAIL_BYTES)

        if head.startswith(b"%PDF-"):
            kind = _check_pdf(head, tail)
        elif head.startswith(PNG_SIGNATURE):
            kind = _check_png(head, tail)
        elif head.startswith(b"\xff\xd8\xff"):
            kind = _check_jpeg(upload, size, tail)
        elif head.startswith(b"PK\x03\x04"):
            kind = _check_office_zip(upload, limit)
        else:
            raise _unsupported()
    finally:
        _rewind(upload)

    extension, content_type, _aliases = KINDS[kind]
    return Inspected(kind=kind, extension=extension, content_type=content_type, size=size, sha256=sha256)


def _too_large(limit: int) -> ValidationError:
    return _invalid(
        _("The file is too large. The maximum size is %(limit)s MB.") % {"limit": _format_mb(limit)}
    )


def _rewind(upload) -> None:
    try:
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        pass


def _hash(upload, limit: int) -> tuple[int, str]:
    """Hash the upload chunk by chunk, counting real bytes (the declared size may lie)."""
    digest = hashlib.sha256()
    size = 0
    _rewind(upload)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    return size, digest.hexdigest()


def _read_at(upload, offset: int, length: int) -> bytes:
    upload.seek(offset)
    return upload.read(length) or b""


def _check_pdf(head: bytes, tail: bytes) -> str:
    lowered = head[:HEAD_BYTES].lower()
    if any(marker in lowered for marker in PDF_FORBIDDEN_MARKUP):
        raise _invalid(_("The PDF file contains embedded web content and cannot be accepted."))
    if b"%%EOF" not in tail:
        raise _invalid(_("The PDF file is incomplete or damaged."))
    return PDF


def _check_png(head: bytes, tail: bytes) -> str:
    damaged = _invalid(_("The PNG image is damaged."))
    ihdr = head[8:33]  # length (4) + type (4) + data (13) + CRC (4)
    if len(ihdr) < 25:
        raise damaged
    length, chunk_type = struct.unpack(">I4s", ihdr[:8])
    data, crc = ihdr[8:21], struct.unpack(">I", ihdr[21:25])[0]
    if length != 13 or chunk_type != b"IHDR" or zlib.crc32(chunk_type + data) != crc:
        raise damaged
    width, height, bit_depth, colour_type, compression, filter_method, interlace = struct.unpack(
        ">IIBBBBB", data
    )
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise damaged
    if bit_depth not in PNG_BIT_DEPTHS.get(colour_type, ()):
        raise damaged
    if compression != 0 or filter_method != 0 or interlace not in (0, 1):
        raise damaged
    # The image must end with the IEND chunk: nothing may be smuggled after it.
    if not tail.endswith(PNG_IEND):
        raise damaged
    return PNG


def _check_jpeg(upload, size: int, tail: bytes) -> str:
    """Walk the JPEG marker segments up to the frame header (SOF) and check the EOI marker."""
    damaged = _invalid(_("The JPEG image is damaged."))
    if not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise damaged
    offset = 2  # after SOI
    for _step in range(1000):
        upload.seek(offset)
        header = upload.read(4)
        if len(header) < 4 or header[0] != 0xFF:
            raise damaged
        marker = header[1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # stand-alone markers without length
            offset += 2
            continue
        if marker in (0xD8, 0xD9, 0xDA):  # SOI/EOI/SOS before any frame header
            raise damaged
        (segment_length,) = struct.unpack(">H", header[2:4])
        if segment_length < 2 or offset + 2 + segment_length > size:
            raise damaged
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            frame = upload.read(5)
            if segment_length < 8 or len(frame) < 5:
                raise damaged
            _precision, height, width = struct.unpack(">BHH", frame)
            if width == 0 or height == 0:
                raise damaged
            return JPEG
        offset += 2 + segment_length
    raise damaged


def _is_unsafe_member_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return True
    if any(ord(char) < 32 for char in normalized):
        return True
    return ".." in normalized.split("/")


def _check_office_zip(upload, limit: int) -> str:
    damaged = _invalid(_("The document is damaged or is not a valid DOCX or ODT file."))
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise damaged from None
    with archive:
        entries = archive.infolist()
        if not entries or len(entries) > ZIP_MAX_ENTRIES:
            raise damaged
        names = set()
        expanded = 0
        for info in entries:
            if _is_unsafe_member_name(info.filename):
                raise _invalid(_("The document contains unsafe file paths and cannot be accepted."))
            if info.flag_bits & 0x1:
                raise _invalid(_("Encrypted documents cannot be accepted."))
            names.add(info.filename)
            expanded += info.file_size
        if expanded > limit * ZIP_EXPANSION_FACTOR:
            raise _invalid(_("The document expands to an unreasonable size and cannot be accepted."))

        try:
            first = entries[0]
            if first.filename == "mimetype":
                if first.compress_type != zipfile.ZIP_STORED:
                    raise damaged
                with archive.open(first) as member:
                    mimetype = member.read(len(ODT_MIMETYPE) + 1)
                if mimetype != ODT_MIMETYPE:
                    # Another OpenDocument type (spreadsheet, presentation...) or garbage.
                    raise _unsupported()
                return ODT

            if "[Content_Types].xml" in names and "word/document.xml" in names:
                if "word/vbaProject.bin" in names:
                    raise _invalid(_("Documents with macros cannot be accepted."))
                content_types = archive.getinfo("[Content_Types].xml")
                if content_types.file_size > 1024 * 1024:
                    raise damaged
                with archive.open(content_types) as member:
                    declared_types = member.read(1024 * 1024 + 1)
                if b"macroEnabled" in declared_types:
                    raise _invalid(_("Documents with macros cannot be accepted."))
                if DOCX_MAIN_CONTENT_TYPE not in declared_types:
                    raise damaged
                return DOCX
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, zlib.error):
            raise damaged from None
    # A valid ZIP archive, but not a word-processing document.
    raise _unsupported()


# --------------------------------------------------------------------------- names

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {
    f"LPT{i}" for i in range(1, 10)
}
# Characters that are dangerous or annoying in file names and headers.
_FORBIDDEN_NAME_CHARS = re.compile(r"[\"'`<>:|?*;%\\/]")


def storage_name(*, cluster_id, agreement_id, inspected: Inspected) -> str:
    """Generated relative storage path: ``agreements/<cluster>/<agreement>/<uuid4 hex>.<ext>``.

    Nothing in it comes from the user's file name, so it cannot collide with another
    upload or point outside the media folder.
    """
    parts = []
    for label, value in (("cluster_id", cluster_id), ("agreement_id", agreement_id)):
        text = str(value)
        if value is None or isinstance(value, bool) or not _SAFE_ID.match(text):
            raise ValueError(f"Unsafe {label} for a storage path: {value!r}")
        parts.append(text)
    extension = KINDS.get(inspected.kind, (None,))[0]
    if extension is None or extension != inspected.extension:
        raise ValueError(f"Unknown document kind: {inspected.kind!r}")
    return f"agreements/{parts[0]}/{parts[1]}/{uuid.uuid4().hex}.{extension}"


def _clean_text(value: str) -> str:
    """Normalize and drop control/format/separator characters (CR, LF, NUL, bidi overrides...)."""
    value = unicodedata.normalize("NFC", value)
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if char.isspace():  # CR, LF, tabs and all Unicode spaces become one plain space
            kept.append(" ")
        elif category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return " ".join("".join(kept).split())


def safe_display_name(original_name, inspected: Inspected) -> str:
    """A download name derived from the user's file name, made harmless.

    Directories, control characters, quotes and traversal sequences are removed, the
    length is capped at 120 characters and the extension is forced to the detected one.
    Falls back to ``document.<ext>``.
    """
    extension, _content_type, aliases = KINDS[inspected.kind]
    name = str(original_name or "").replace("\\", "/")
    name = name.rsplit("/", 1)[-1]  # strip any directories
    name = _clean_text(name)
    name = _FORBIDDEN_NAME_CHARS.sub("", name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")

    stem, dot, current = name.rpartition(".")
    if dot and stem:
        if current.lower() in (extension, *aliases):
            extension = current.lower()
        elif not re.fullmatch(r"[A-Za-z0-9]{1,5}", current):
            stem = name  # not an extension, just a dot inside the name
    else:
        stem = name
    stem = stem.strip(" .")
    if stem.upper() in _WINDOWS_RESERVED:
        stem = ""

    room = DISPLAY_NAME_MAX_LENGTH - len(extension) - 1
    stem = stem[:room].rstrip(" .")
    if not stem:
        stem = "document"
    return f"{stem}.{extension}"


def content_disposition(display_name: str) -> str:
    """``Content-Disposition: attachment`` value; non-ASCII names use ``filename*``."""
    name = _clean_text(str(display_name or "")) or "document"
    return content_disposition_header(as_attachment=True, filename=name)
