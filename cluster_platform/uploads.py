"""The one inspection every uploaded file of the platform goes through.

Each app says what it accepts (the kinds, the size limit, the form field that gets the error)
and this module decides by the file's *content*: the user's file name and the content type the
browser sends are never trusted. Only the Python standard library reads the bytes, so the checks
behave the same everywhere.

* `inspect_upload(upload, limit=, kinds=, field=, wording=)` -> `Inspected` (kind, extension,
  content type, real size, SHA-256) or ValidationError({field: [message]}). It counts the real
  bytes (the declared size may lie), recognises PDF, DOCX, ODT, PNG, JPEG and WebP by their magic
  bytes and walks enough of their structure to refuse a disguised or damaged file, and refuses
  polyglots: a file that another program would also read as something else (a ZIP archive hidden
  at the end of an image or PDF, a PDF header inside an image, HTML or script inside an image or
  at the start of a PDF).
* `check_size(upload, limit=, ...)`: the real size alone, for callers that read the content
  themselves (the spreadsheet imports).
* `checked_archive(upload, ...)`: opens a ZIP archive (DOCX, ODT, XLSX) only after its end record
  says it is small (entry count), then refuses unsafe member names, encryption and archives that
  expand far beyond the upload (zip bombs); with `verify=True` every member is inflated once, in
  bounded chunks, so an archive that lies about its sizes is refused before a parser reads it.
* `storage_name`, `safe_display_name`, `content_disposition`: a generated storage path that can
  neither collide nor leave the media folder, a harmless download name, and a header value that
  cannot be split.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import struct
import unicodedata
import uuid
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
PNG = "png"
JPEG = "jpeg"
WEBP = "webp"


@dataclass(frozen=True)
class Kind:
    extension: str  # the stored extension
    content_type: str
    aliases: tuple[str, ...] = ()  # other accepted spellings of the extension in a display name


KINDS = {
    PDF: Kind("pdf", "application/pdf"),
    DOCX: Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ODT: Kind("odt", "application/vnd.oasis.opendocument.text"),
    PNG: Kind("png", "image/png"),
    JPEG: Kind("jpg", "image/jpeg", ("jpeg",)),
    WEBP: Kind("webp", "image/webp"),
}
DOCUMENT_KINDS = (PDF, DOCX, ODT, PNG, JPEG)
IMAGE_KINDS = (JPEG, PNG, WEBP)
ARCHIVE_KINDS = (DOCX, ODT)


def content_types(kinds) -> list[str]:
    """The content types files of these kinds are stored and served with (for the API schema)."""
    return [KINDS[kind].content_type for kind in kinds]

#: How much of the start of a file is examined for magic bytes and polyglots.
HEAD_BYTES = 1024
#: How much of the end of a file is examined for end markers (%%EOF, IEND, EOI).
TAIL_BYTES = 1024
#: A ZIP reader finds the archive's end record within the last 22 + 65,535 bytes (its comment).
ZIP_TAIL_BYTES = 22 + 0xFFFF
ZIP_END_SIGNATURE = b"PK\x05\x06"
ZIP_MAGIC = b"PK\x03\x04"
#: DOCX/ODT entries may expand to at most this multiple of the size limit.
ZIP_EXPANSION_FACTOR = 10
#: Upper bound on the number of entries of an archive.
ZIP_MAX_ENTRIES = 10_000
DISPLAY_NAME_MAX_LENGTH = 120

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Allowed bit depths per PNG colour type (PNG spec, table 11.1).
PNG_BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN_CONTENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Markup that makes a browser or a PDF reader take the bytes for a web page. In an image it has
# no business anywhere (a comment or text chunk carrying it is a polyglot); in a PDF it is looked
# for at the start only, where browsers sniff, as a PDF's own streams may quote anything.
# A tag must be followed by a delimiter: "<svg" alone turns up by chance in about one 5 MB photo
# in a hundred, "<svg " or "<svg/" in one in thirty thousand.
WEB_MARKUP = re.compile(rb"<(?:html|script|svg|iframe|body|object|embed|\?php)[\s/>]|<!doctype\s+html|javascript:",
                        re.IGNORECASE)
_MARKUP_OVERLAP = 24  # longer than any match of WEB_MARKUP


@dataclass(frozen=True)
class Wording:
    """The messages an app wants for its field (the structural ones name the kind otherwise)."""

    unsupported: str
    too_large: str  # with %(limit)s, in MB
    damaged: str | None = None


DOCUMENT_WORDING = Wording(
    unsupported=gettext_lazy("This file type is not supported. Upload a PDF, DOCX, ODT, PNG or JPEG document."),
    too_large=gettext_lazy("The file is too large. The maximum size is %(limit)s MB."),
)


@dataclass(frozen=True)
class Inspected:
    """What `inspect_upload` found out about a valid upload."""

    kind: str
    extension: str
    content_type: str
    size: int
    sha256: str


def format_mb(limit: int) -> str:
    """A byte limit in megabytes for people: "20", "0.5"."""
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1 and megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.2f}".rstrip("0").rstrip(".") or "0"


class _Refusal:
    """Builds the ValidationError of one field with the app's wording."""

    def __init__(self, field: str, wording: Wording):
        self.field = field
        self.wording = wording

    def __call__(self, message) -> ValidationError:
        return ValidationError({self.field: [str(message)]})

    def damaged(self, message) -> ValidationError:
        return self(self.wording.damaged or message)

    def unsupported(self) -> ValidationError:
        return self(self.wording.unsupported)

    def too_large(self, limit: int) -> ValidationError:
        return self(str(self.wording.too_large) % {"limit": format_mb(limit)})

    def empty(self) -> ValidationError:
        return self(_("The file is empty."))


def rewind(upload) -> None:
    try:
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        pass


def _read_at(upload, offset: int, length: int) -> bytes:
    upload.seek(offset)
    return upload.read(length) or b""


@dataclass
class _Scan:
    size: int
    sha256: str
    markup: bool


def _scan(upload, limit: int, refuse: _Refusal) -> _Scan:
    """One pass over the upload: the real size (refused past `limit` without reading further),
    the SHA-256 and whether web markup occurs anywhere (chunks overlap so a marker split between
    two chunks is found too). Memory stays one chunk."""
    digest = hashlib.sha256()
    size = 0
    markup = False
    carry = b""
    rewind(upload)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise refuse.too_large(limit)
        digest.update(chunk)
        if not markup:
            window = carry + chunk
            markup = WEB_MARKUP.search(window) is not None
            carry = window[-_MARKUP_OVERLAP:]
    return _Scan(size=size, sha256=digest.hexdigest(), markup=markup)


def _scan_within(upload, limit: int, refuse: _Refusal) -> _Scan:
    """`_scan`, refusing an empty upload and one whose declared size is over `limit` first."""
    declared = getattr(upload, "size", None)
    if declared == 0:
        raise refuse.empty()
    if declared is not None and declared > limit:
        raise refuse.too_large(limit)
    scan = _scan(upload, limit, refuse)
    if scan.size == 0:
        raise refuse.empty()
    return scan


def _detect(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(ZIP_MAGIC):
        return "zip"
    return None


def inspect_upload(upload, *, limit: int, kinds: Collection[str] = DOCUMENT_KINDS, field: str = "file",
                   wording: Wording = DOCUMENT_WORDING) -> Inspected:
    """Validate an upload by its content; see the module docstring.

    Raises ValidationError({field: [message]}) when the file is empty, larger than `limit`
    bytes, not one of `kinds`, disguised, a polyglot or structurally broken. The upload is
    always rewound to the start afterwards."""
    refuse = _Refusal(field, wording)
    try:
        scan = _scan_within(upload, limit, refuse)
        head = _read_at(upload, 0, HEAD_BYTES)
        tail = _read_at(upload, max(0, scan.size - TAIL_BYTES), TAIL_BYTES)

        detected = _detect(head)
        if detected == "zip" and any(kind in ARCHIVE_KINDS for kind in kinds):
            kind = _check_office_zip(upload, limit, refuse)
        elif detected in kinds:
            kind = {PDF: _check_pdf, PNG: _check_png, JPEG: _check_jpeg, WEBP: _check_webp}[detected](
                upload, scan.size, head, tail, refuse)
            _check_not_polyglot(upload, scan, head, kind, refuse)
        else:
            raise refuse.unsupported()
        if kind not in kinds:
            raise refuse.unsupported()
    finally:
        rewind(upload)

    return Inspected(kind=kind, extension=KINDS[kind].extension, content_type=KINDS[kind].content_type,
                     size=scan.size, sha256=scan.sha256)


def _check_not_polyglot(upload, scan: _Scan, head: bytes, kind: str, refuse: _Refusal) -> None:
    """A PDF or an image that another program would read as something else is refused."""
    zip_tail = _read_at(upload, max(0, scan.size - ZIP_TAIL_BYTES), ZIP_TAIL_BYTES)
    if ZIP_END_SIGNATURE in zip_tail:
        raise refuse(_("The file also contains an archive and cannot be accepted."))
    if kind == PDF:
        return  # its start was checked for markup by _check_pdf
    # PDF readers accept a header anywhere in the first kilobyte.
    if b"%PDF-" in head:
        raise refuse(_("The file also contains a PDF document and cannot be accepted."))
    if scan.markup:
        raise refuse(_("The image contains embedded web content and cannot be accepted."))


def _check_pdf(upload, size: int, head: bytes, tail: bytes, refuse: _Refusal) -> str:
    if WEB_MARKUP.search(head):
        raise refuse(_("The PDF file contains embedded web content and cannot be accepted."))
    if b"%%EOF" not in tail:
        raise refuse.damaged(_("The PDF file is incomplete or damaged."))
    return PDF


def _check_png(upload, size: int, head: bytes, tail: bytes, refuse: _Refusal) -> str:
    damaged = refuse.damaged(_("The PNG image is damaged."))
    ihdr = head[8:33]  # length (4) + type (4) + data (13) + CRC (4)
    if len(ihdr) < 25:
        raise damaged
    length, chunk_type = struct.unpack(">I4s", ihdr[:8])
    data, crc = ihdr[8:21], struct.unpack(">I", ihdr[21:25])[0]
    if length != 13 or chunk_type != b"IHDR" or zlib.crc32(chunk_type + data) != crc:
        raise damaged
    width, height, bit_depth, colour_type, compression, filter_method, interlace = struct.unpack(
        ">IIBBBBB", data)
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


def _check_jpeg(upload, size: int, head: bytes, tail: bytes, refuse: _Refusal) -> str:
    """Walk the JPEG marker segments up to the frame header (SOF) and check the EOI marker at the
    very end (data after it is what JPEG polyglots hide)."""
    damaged = refuse.damaged(_("The JPEG image is damaged."))
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


def _check_webp(upload, size: int, head: bytes, tail: bytes, refuse: _Refusal) -> str:
    """RIFF container: its length must be the file's (nothing after it) and its first chunk an
    image chunk."""
    damaged = refuse.damaged(_("The WebP image is damaged."))
    if len(head) < 20:
        raise damaged
    (riff_length,) = struct.unpack("<I", head[4:8])
    if riff_length + 8 != size or head[12:16] not in WEBP_CHUNKS:
        raise damaged
    return WEBP


# --------------------------------------------------------------------------- archives


def _is_unsafe_member_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return True
    if any(ord(char) < 32 for char in normalized):
        return True
    return ".." in normalized.split("/")


def _declared_entries(upload) -> int | None:
    """The entry count the archive's end record states, read from the tail without parsing the
    central directory (an archive of a million empty entries costs nothing to refuse)."""
    upload.seek(0, 2)
    size = upload.tell()
    tail = _read_at(upload, max(0, size - ZIP_TAIL_BYTES), ZIP_TAIL_BYTES)
    position = tail.rfind(ZIP_END_SIGNATURE)
    if position < 0 or len(tail) < position + 22:
        return None
    return struct.unpack("<H", tail[position + 10:position + 12])[0]


@contextlib.contextmanager
def checked_archive(upload, *, field: str, max_expanded: int, damaged: str, too_expanded: str,
                    max_entries: int = ZIP_MAX_ENTRIES, verify: bool = False) -> Iterator[zipfile.ZipFile]:
    """The upload opened as a ZIP archive once it passed the checks of the module docstring
    (`damaged` and `too_expanded` are the app's messages). Rewinds the upload when done."""

    def refuse(message) -> ValidationError:
        return ValidationError({field: [str(message)]})

    try:
        declared = _declared_entries(upload)
        # 0xFFFF: a ZIP64 archive, whose real count is elsewhere; none of ours needs that many.
        if declared is None or declared == 0 or declared > max_entries:
            raise refuse(damaged if declared in (None, 0) else _(
                "The archive has more than %(limit)s parts and cannot be accepted.") % {"limit": max_entries})
        upload.seek(0)
        try:
            archive = zipfile.ZipFile(upload)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
            raise refuse(damaged) from None
        with archive:
            entries = archive.infolist()
            if not entries or len(entries) > max_entries:
                raise refuse(damaged)
            expanded = 0
            for info in entries:
                if _is_unsafe_member_name(info.filename):
                    raise refuse(_("The document contains unsafe file paths and cannot be accepted."))
                if info.flag_bits & 0x1:
                    raise refuse(_("Encrypted documents cannot be accepted."))
                expanded += info.file_size
            if expanded > max_expanded:
                raise refuse(too_expanded)
            if verify:
                _inflate_all(archive, max_expanded, refuse, damaged, too_expanded)
            yield archive
    finally:
        rewind(upload)


def _inflate_all(archive: zipfile.ZipFile, max_expanded: int, refuse, damaged, too_expanded) -> None:
    """Inflate every member once in bounded chunks: zipfile stops at the declared size and
    checks the CRC, so an archive whose headers understate its members is refused here, before
    a parser reads it, and memory stays one chunk. An XML part declaring a document type (the
    way to entity-expansion and external-entity attacks) is refused too: spreadsheet programs
    never write one, and text in a cell would be escaped."""
    total = 0
    try:
        for info in archive.infolist():
            carry = b""
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    total += len(chunk)
                    if total > max_expanded:
                        raise refuse(too_expanded)
                    window = carry + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise refuse(_("The file contains XML document type declarations and cannot be "
                                       "accepted."))
                    carry = window[-8:]
    except ValidationError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, zlib.error, RuntimeError):
        raise refuse(damaged) from None


def check_size(upload, *, limit: int, field: str = "file", wording: Wording = DOCUMENT_WORDING) -> int:
    """The real size of the upload (its bytes counted, the declared size may lie), or a
    ValidationError on `field` when it is empty or larger than `limit`. Rewinds the upload."""
    try:
        return _scan_within(upload, limit, _Refusal(field, wording)).size
    finally:
        rewind(upload)


def _check_office_zip(upload, limit: int, refuse: _Refusal) -> str:
    damaged = refuse.wording.damaged or _("The document is damaged or is not a valid DOCX or ODT file.")
    with checked_archive(upload, field=refuse.field, max_expanded=limit * ZIP_EXPANSION_FACTOR, damaged=damaged,
                         too_expanded=_("The document expands to an unreasonable size and cannot be accepted.")
                         ) as archive:
        entries = archive.infolist()
        names = {info.filename for info in entries}
        try:
            first = entries[0]
            if first.filename == "mimetype":
                if first.compress_type != zipfile.ZIP_STORED:
                    raise refuse(damaged)
                with archive.open(first) as member:
                    mimetype = member.read(len(ODT_MIMETYPE) + 1)
                if mimetype != ODT_MIMETYPE:
                    # Another OpenDocument type (spreadsheet, presentation...) or garbage.
                    raise refuse.unsupported()
                return ODT

            if "[Content_Types].xml" in names and "word/document.xml" in names:
                if "word/vbaProject.bin" in names:
                    raise refuse(_("Documents with macros cannot be accepted."))
                content_types = archive.getinfo("[Content_Types].xml")
                if content_types.file_size > 1024 * 1024:
                    raise refuse(damaged)
                with archive.open(content_types) as member:
                    declared_types = member.read(1024 * 1024 + 1)
                if b"macroEnabled" in declared_types:
                    raise refuse(_("Documents with macros cannot be accepted."))
                if DOCX_MAIN_CONTENT_TYPE not in declared_types:
                    raise refuse(damaged)
                return DOCX
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, zlib.error):
            raise refuse(damaged) from None
    # A valid ZIP archive, but not a word-processing document.
    raise refuse.unsupported()


# --------------------------------------------------------------------------- names

_SAFE_ID = re.compile(r"^[1-9][0-9]{0,19}$")
_SAFE_PREFIX = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {
    f"LPT{i}" for i in range(1, 10)}
# Characters that are dangerous or annoying in file names and headers.
_FORBIDDEN_NAME_CHARS = re.compile(r"[\"'`<>:|?*;%\\/]")


def storage_name(prefix: str, *ids, extension: str) -> str:
    """Generated relative storage path `<prefix>/<id>/<id>/<uuid4 hex>.<ext>`: nothing in it comes
    from the user's file name, so it can neither collide with another upload nor point outside
    the media folder. The ids must be positive integers and the extension one of KINDS'
    (ValueError otherwise)."""
    if not _SAFE_PREFIX.match(prefix):
        raise ValueError(f"Unsafe prefix for a storage path: {prefix!r}")
    parts = []
    for value in ids:
        text = str(value)
        if value is None or isinstance(value, bool) or not _SAFE_ID.match(text):
            raise ValueError(f"Unsafe id for a storage path: {value!r}")
        parts.append(text)
    if extension not in {kind.extension for kind in KINDS.values()}:
        raise ValueError(f"Unknown file extension: {extension!r}")
    return "/".join([prefix, *parts, f"{uuid.uuid4().hex}.{extension}"])


def clean_text(value: str) -> str:
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


def safe_display_name(original_name, inspected: Inspected, *, fallback: str = "document") -> str:
    """A download name derived from the user's file name, made harmless.

    Directories, control characters, quotes and traversal sequences are removed, the length is
    capped at 120 characters and the extension is forced to the detected one. Falls back to
    `<fallback>.<ext>`."""
    kind = KINDS[inspected.kind]
    extension, aliases = kind.extension, kind.aliases
    name = str(original_name or "").replace("\\", "/")
    name = name.rsplit("/", 1)[-1]  # strip any directories
    name = clean_text(name)
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
        stem = fallback
    return f"{stem}.{extension}"


def content_disposition(display_name: str, *, as_attachment: bool = True) -> str:
    """A `Content-Disposition` value; non-ASCII names use `filename*`. The name is cleaned again
    (CR, LF and other controls, path separators, quotes dropped), so even a name stored before
    these rules cannot split the header or name a folder."""
    name = _FORBIDDEN_NAME_CHARS.sub("", clean_text(str(display_name or ""))).strip(" .") or "document"
    return content_disposition_header(as_attachment=as_attachment, filename=name)
