"""Tests for the agreement document upload validator (agreements.documents)."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.documents import (
    Inspected,
    content_disposition,
    inspect_upload,
    safe_display_name,
    storage_name,
)

# --------------------------------------------------------------------------- builders


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def _png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def make_png(width=1, height=1) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _row in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
        + b"\xff\xc0" + struct.pack(">H", len(sof0) + 2) + sof0
        + b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos
        + b"\x00\x00\x00"
        + b"\xff\xd9"
    )


CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Agreement</w:t></w:r></w:p></w:body></w:document>"
)


def make_zip(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data, *rest in entries:
            archive.writestr(name, data, compress_type=rest[0] if rest else compression)
    return buffer.getvalue()


def make_docx(extra=()) -> bytes:
    return make_zip([("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", DOCUMENT_XML), *extra])


def make_odt(mimetype=b"application/vnd.oasis.opendocument.text", mimetype_compression=zipfile.ZIP_STORED) -> bytes:
    return make_zip(
        [
            ("mimetype", mimetype, mimetype_compression),
            ("content.xml", "<office:document-content/>"),
            ("META-INF/manifest.xml", "<manifest:manifest/>"),
        ]
    )


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def error_message(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["file"])


def assert_refused(name, content, content_type="application/octet-stream") -> str:
    with pytest.raises(ValidationError) as excinfo:
        inspect_upload(upload(name, content, content_type))
    assert list(excinfo.value.message_dict) == ["file"]
    return error_message(excinfo)


# --------------------------------------------------------------------------- accepted types


@pytest.mark.parametrize(
    "name, builder, kind, extension, content_type",
    [
        ("draft.pdf", make_pdf, "pdf", "pdf", "application/pdf"),
        (
            "draft.docx",
            make_docx,
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("draft.odt", make_odt, "odt", "odt", "application/vnd.oasis.opendocument.text"),
        ("scan.png", make_png, "png", "png", "image/png"),
        ("scan.jpg", make_jpeg, "jpeg", "jpg", "image/jpeg"),
    ],
)
def test_accepts_supported_types(name, builder, kind, extension, content_type):
    content = builder()
    file = upload(name, content)
    result = inspect_upload(file)
    assert result == Inspected(
        kind=kind,
        extension=extension,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert file.tell() == 0  # rewound for whoever saves it next
    assert file.read() == content


def test_type_comes_from_content_not_from_name_or_browser():
    result = inspect_upload(upload("photo.jpg", make_pdf(), "image/jpeg"))
    assert result.kind == "pdf"
    assert result.content_type == "application/pdf"


def test_sha256_matches_hashlib_for_multi_chunk_file():
    content = make_pdf().replace(b"%%EOF", b"%" + b"x" * 200_000 + b"\n%%EOF")
    file = upload("big.pdf", content)
    file.DEFAULT_CHUNK_SIZE = 4096
    result = inspect_upload(file)
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.size == len(content)


# --------------------------------------------------------------------------- refused content


def test_refuses_renamed_elf_executable():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    assert "not supported" in assert_refused("scan.pdf", elf, "application/pdf")


def test_refuses_windows_executable_named_pdf():
    assert "not supported" in assert_refused("scan.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_refuses_markup_and_scripts_named_png(content):
    assert "not supported" in assert_refused("scan.png", content, "image/png")


def test_refuses_empty_file():
    assert "empty" in assert_refused("empty.pdf", b"")


def test_refuses_oversize_file_and_names_limit(settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024 * 1024
    content = make_pdf().replace(b"%%EOF", b"%" + b"x" * (1024 * 1024) + b"\n%%EOF")
    message = assert_refused("big.pdf", content)
    assert "1 MB" in message


def test_oversize_detected_even_if_declared_size_lies(settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 100
    file = upload("big.pdf", make_pdf() + b"%" + b"x" * 500 + b"\n%%EOF")
    file.size = 10
    with pytest.raises(ValidationError) as excinfo:
        inspect_upload(file)
    assert "too large" in error_message(excinfo)
    assert file.tell() == 0


def test_default_limit_is_20_mb(settings):
    del settings.AGREEMENT_DOCUMENT_MAX_BYTES
    file = upload("huge.pdf", b"%PDF-")
    file.size = 20 * 1024 * 1024 + 1  # declared size is checked before reading anything
    with pytest.raises(ValidationError) as excinfo:
        inspect_upload(file)
    assert "20 MB" in error_message(excinfo)


def test_refuses_zip_bomb_docx(settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 64 * 1024  # expansion limit: 640 KB
    bomb = make_docx(extra=[("word/media/bomb.bin", b"\x00" * (2 * 1024 * 1024))])
    assert len(bomb) < 64 * 1024  # small on the wire, huge when expanded
    assert "unreasonable size" in assert_refused("bomb.docx", bomb)


@pytest.mark.parametrize("entry", ["../evil", "word/../../evil.xml", "/etc/passwd", "C:/evil.dll", "..\\evil"])
def test_refuses_docx_with_traversal_entry(entry):
    assert "unsafe file paths" in assert_refused("evil.docx", make_docx(extra=[(entry, b"x")]))


def test_refuses_zip_that_is_neither_docx_nor_odt():
    plain_zip = make_zip([("readme.txt", b"hello"), ("payload.exe", b"MZ")])
    assert "not supported" in assert_refused("contract.docx", plain_zip)


def test_refuses_docx_missing_document_xml():
    broken = make_zip([("[Content_Types].xml", CONTENT_TYPES_XML)])
    assert "not supported" in assert_refused("contract.docx", broken)


def test_refuses_macro_enabled_docx():
    macro = make_docx(extra=[("word/vbaProject.bin", b"\x00" * 10)])
    assert "macros" in assert_refused("contract.docx", macro)


def test_refuses_odt_with_compressed_mimetype():
    assert "damaged" in assert_refused("draft.odt", make_odt(mimetype_compression=zipfile.ZIP_DEFLATED))


def test_refuses_other_opendocument_types():
    spreadsheet = make_odt(mimetype=b"application/vnd.oasis.opendocument.spreadsheet")
    assert "not supported" in assert_refused("sheet.odt", spreadsheet)


def test_refuses_truncated_zip():
    assert "damaged" in assert_refused("draft.docx", make_docx()[:40])


def test_refuses_pdf_polyglot_with_script():
    polyglot = b"%PDF-1.4\n<script>alert(document.cookie)</script>\n" + make_pdf()[9:]
    assert "web content" in assert_refused("contract.pdf", polyglot)


def test_refuses_pdf_polyglot_with_html():
    polyglot = b"%PDF-1.4\n%<HTML><body>hi</body></HTML>\n" + make_pdf()[9:]
    assert "web content" in assert_refused("contract.pdf", polyglot)


def test_refuses_pdf_without_eof_marker():
    assert "damaged" in assert_refused("draft.pdf", make_pdf().replace(b"%%EOF", b""))


def test_refuses_pdf_header_not_at_start():
    assert "not supported" in assert_refused("draft.pdf", b" " + make_pdf())


def test_refuses_png_with_broken_ihdr_crc():
    png = bytearray(make_png())
    png[20] ^= 0xFF  # flip a byte of the IHDR data without fixing the CRC
    assert "damaged" in assert_refused("scan.png", bytes(png))


def test_refuses_png_magic_only():
    assert "damaged" in assert_refused("scan.png", b"\x89PNG\r\n\x1a\n" + b"<html></html>")


def test_refuses_png_with_data_after_iend():
    assert "damaged" in assert_refused("scan.png", make_png() + b"<script>alert(1)</script>")


def test_refuses_jpeg_without_end_marker():
    assert "damaged" in assert_refused("scan.jpg", make_jpeg()[:-2])


def test_refuses_jpeg_magic_only():
    assert "damaged" in assert_refused("scan.jpg", b"\xff\xd8\xff\xe0<html></html>\xff\xd9")


# --------------------------------------------------------------------------- names


def pdf_inspected():
    return inspect_upload(upload("x.pdf", make_pdf()))


def test_storage_name_is_generated_and_contained():
    inspected = pdf_inspected()
    first = storage_name(cluster_id=7, agreement_id=42, inspected=inspected)
    second = storage_name(cluster_id=7, agreement_id=42, inspected=inspected)
    assert first != second
    for name in (first, second):
        assert name.startswith("agreements/7/42/")
        assert name.endswith(".pdf")
        assert ".." not in name
        assert not name.startswith("/")
        assert "x.pdf" not in name and "/x." not in name
        assert len(name.rsplit("/", 1)[1]) == 32 + len(".pdf")


@pytest.mark.parametrize("bad", ["../1", "/etc", "1/2", "", None, "a b"])
def test_storage_name_rejects_unsafe_ids(bad):
    with pytest.raises(ValueError):
        storage_name(cluster_id=bad, agreement_id=1, inspected=pdf_inspected())


@pytest.mark.parametrize(
    "original, expected",
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("a\r\nb.pdf", "a b.pdf"),
        ('quo"te.pdf', "quote.pdf"),
        ("scan.exe", "scan.pdf"),
        ("contract.PDF", "contract.pdf"),
        ("..", "document.pdf"),
        ("", "document.pdf"),
        (None, "document.pdf"),
        ("Договор аренды.pdf", "Договор аренды.pdf"),
        ("shartnoma oʻzbek.pdf", "shartnoma oʻzbek.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),
    ],
)
def test_safe_display_name(original, expected):
    assert safe_display_name(original, pdf_inspected()) == expected


def test_safe_display_name_limits_length():
    name = safe_display_name("x" * 300 + ".pdf", pdf_inspected())
    assert len(name) == 120
    assert name.endswith(".pdf")


def test_safe_display_name_keeps_jpeg_spelling():
    inspected = inspect_upload(upload("a.jpeg", make_jpeg()))
    assert safe_display_name("photo.jpeg", inspected) == "photo.jpeg"
    assert safe_display_name("photo.png", inspected) == "photo.jpg"


def test_safe_display_name_has_no_dangerous_characters():
    name = safe_display_name("../a\x00b\tc\"d'e`f<g>h|i;j%k\\l/m.pdf", pdf_inspected())
    assert name == "m.pdf"
    weird = safe_display_name("a\x00b\tc\"d'e`f<g>h|i;j%k.pdf", pdf_inspected())
    for char in "\x00\t\"'`<>|;%\\/\r\n":
        assert char not in weird
    assert ".." not in weird


def test_content_disposition_cyrillic_uses_rfc5987():
    header = content_disposition("Договор.pdf")
    assert header.startswith("attachment; ")
    assert "filename*=utf-8''" in header
    assert "%D0%94" in header  # "Д"
    assert "\r" not in header and "\n" not in header


def test_content_disposition_uzbek_modifier_letter():
    header = content_disposition("shartnoma oʻzbek.pdf")
    assert "filename*=utf-8''" in header
    assert "%CA%BB" in header  # U+02BB


def test_content_disposition_ascii_and_injection():
    assert content_disposition("contract.pdf") == 'attachment; filename="contract.pdf"'
    header = content_disposition('a"\r\nSet-Cookie: x=1.pdf')
    assert "\r" not in header and "\n" not in header
    assert content_disposition("") == 'attachment; filename="document"'
