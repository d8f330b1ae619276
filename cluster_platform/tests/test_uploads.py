"""The shared upload inspection (cluster_platform.uploads): the caller's limit, kinds, field and
wording; WebP; the archive checks; names. The hostile corpus against every entry point is
tests/test_hostile_uploads.py; the document kinds in detail are agreements/tests/test_documents.py."""

import io
import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cluster_platform import uploads
from tests import hostile_files as corpus


def webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 200, 10)).save(buffer, format="WEBP")
    return buffer.getvalue()


def refused(content, **kwargs) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        uploads.inspect_upload(SimpleUploadedFile("x", content), **{"limit": 1024 * 1024, **kwargs})
    return excinfo.value.message_dict


def test_it_uses_the_callers_limit_field_and_kinds():
    assert uploads.inspect_upload(SimpleUploadedFile("a", corpus.pdf()), limit=1024).kind == "pdf"
    assert "1 MB" in refused(corpus.pdf(padding=2 * 1024 * 1024))["file"][0]
    assert list(refused(corpus.png(), kinds=(uploads.PDF,), field="scan")) == ["scan"]
    assert uploads.inspect_upload(SimpleUploadedFile("a", corpus.png()), limit=1024,
                                  kinds=uploads.IMAGE_KINDS).content_type == "image/png"


def test_it_recognises_webp_and_refuses_data_after_its_riff_container():
    inspected = uploads.inspect_upload(SimpleUploadedFile("a", webp()), limit=1024 * 1024, kinds=uploads.IMAGE_KINDS)
    assert (inspected.kind, inspected.extension, inspected.content_type) == ("webp", "webp", "image/webp")
    assert "damaged" in refused(webp() + corpus.HTML_PAGE, kinds=uploads.IMAGE_KINDS)["file"][0]
    assert "not supported" in refused(webp())["file"][0]  # not a document kind


def test_the_wording_is_the_callers():
    wording = uploads.Wording(unsupported="Not a photo.", too_large="Over %(limit)s MB.", damaged="Broken.")
    assert refused(corpus.GIF, wording=wording) == {"file": ["Not a photo."]}
    assert refused(corpus.jpeg()[:-2], wording=wording) == {"file": ["Broken."]}
    assert refused(corpus.pdf(padding=2 * 1024 * 1024), wording=wording) == {"file": ["Over 1 MB."]}


def test_markup_is_found_across_chunk_boundaries():
    upload = SimpleUploadedFile("a", corpus.png((b"tEXt", b"c\x00" + b"x" * 5000 + b"<script>alert(1)")))
    upload.DEFAULT_CHUNK_SIZE = 5003  # "<script>" straddles the first two chunks
    with pytest.raises(ValidationError, match="web content"):
        uploads.inspect_upload(upload, limit=1024 * 1024, kinds=uploads.IMAGE_KINDS)


def test_check_size_counts_the_real_bytes():
    upload = SimpleUploadedFile("a", b"x" * 2000)
    upload.size = 10
    with pytest.raises(ValidationError, match="maximum size is 0"):
        uploads.check_size(upload, limit=1000)
    assert uploads.check_size(SimpleUploadedFile("a", b"x" * 10), limit=1000) == 10


def test_the_archive_entry_count_is_read_before_the_archive_is_parsed():
    with pytest.raises(ValidationError, match="more than 100 parts"):
        with uploads.checked_archive(SimpleUploadedFile("a", corpus.many_members_xlsx()), field="file",
                                     max_expanded=10**9, max_entries=100, damaged="Damaged.", too_expanded="Big."):
            pass


def test_a_verified_archive_that_understates_its_sizes_is_damaged():
    with pytest.raises(ValidationError) as excinfo:
        with uploads.checked_archive(SimpleUploadedFile("a", corpus.lying_zip_bomb_xlsx()), field="file",
                                     max_expanded=10**8, damaged="Damaged.", too_expanded="Big.", verify=True):
            pass
    assert excinfo.value.message_dict == {"file": ["Damaged."]}


def test_storage_names_are_generated_under_the_prefix():
    name = uploads.storage_name("innovations", 3, 14, extension="pdf")
    prefix, cluster, owner, file_name = name.split("/")
    assert (prefix, cluster, owner) == ("innovations", "3", "14") and len(file_name) == 32 + 4
    for bad in (("../x", 1), ("innovations", "../1"), ("innovations", 0), ("innovations", True)):
        with pytest.raises(ValueError):
            uploads.storage_name(*bad, extension="pdf")
    with pytest.raises(ValueError):
        uploads.storage_name("innovations", 1, extension="html")


def test_content_disposition_drops_separators_and_line_breaks_of_a_stored_name():
    header = uploads.content_disposition("../a\r\nSet-Cookie: x=1/b.pdf")
    assert header == 'attachment; filename="a Set-Cookie x=1b.pdf"'



def test_a_webp_whose_riff_length_lies_is_damaged():
    content = bytearray(webp())
    content[4:8] = struct.pack("<I", len(content) + 100)
    assert "damaged" in refused(bytes(content), kinds=uploads.IMAGE_KINDS)["file"][0]
