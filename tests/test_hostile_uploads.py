"""Every place that accepts a file refuses the hostile corpus (tests/hostile_files.py).

The entry points, browser form and API alike, as a user allowed to upload (a coordinator):
agreement documents, innovation attachments, resource photos, the cluster's logo, the
organizations import, the attendance import, and the public /verify/<code>/ page (which hashes a PDF and keeps nothing).
For each hostile file: refused with an error naming the field (a form error and 422, or 400
JSON), no row written and no file under MEDIA_ROOT (a temporary folder). A harmless file with a
hostile name is accepted, its stored name generated inside MEDIA_ROOT, its display name cleaned,
and its download's Content-Disposition cannot be split. Zip bombs are refused quickly and
without inflating them in memory.
"""

from __future__ import annotations

import datetime
import re
import time
import tracemalloc
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agreements import services as agreement_services
from agreements.models import AgreementDocument
from agreements.tests.factories import AgreementDocumentFactory, AgreementFactory
from cluster_platform import uploads
from innovations import services as innovation_services
from innovations.models import InnovationAttachment
from innovations.tests.factories import InnovationAttachmentFactory, InnovationFactory
from members import importing as member_importing
from members.models import Cluster, Organization
from members.tests.factories import OrganizationFactory, PersonFactory
from programs import importing as attendance_importing
from programs.models import Attendance, Program
from programs.tests.factories import EnrollmentFactory, ProgramFactory, SessionFactory
from reports.tests.test_views import PDF as REPORT_PDF
from reports.tests.test_views import make_report
from resources.models import ResourcePhoto
from resources.tests.factories import ResourceFactory
from tests import hostile_files as corpus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# --- The world: one thing of each kind to upload to -------------------------------------------------

@dataclass
class World:
    cluster: object
    coordinator: object
    agreement: object
    innovation: object
    resource: object
    program: object
    enrollment: object
    session: object


@pytest.fixture
def world(cluster, coordinator):
    today = timezone.localdate()
    institute = OrganizationFactory(cluster=cluster, kind="iro", name="Regional IRO")
    program = ProgramFactory(lead_organization=institute, status=Program.Status.RUNNING,
                             start_date=today - datetime.timedelta(days=14), end_date=today + datetime.timedelta(days=14))
    session = SessionFactory(program=program, date=today - datetime.timedelta(days=7))
    enrollment = EnrollmentFactory(program=program, person=PersonFactory(
        organization=institute, full_name="Aziza Karimova", email="aziza@school1.uz"))
    return World(
        cluster=cluster, coordinator=coordinator,
        agreement=AgreementFactory(cluster=cluster),
        innovation=InnovationFactory(origin_organization=OrganizationFactory(cluster=cluster, name="School No. 7")),
        resource=ResourceFactory(owner=OrganizationFactory(cluster=cluster, kind="pedagogical_university")),
        program=program, enrollment=enrollment, session=session,
    )


def api(path: str) -> str:
    return f"/api/v1/c/{path}"


@dataclass(frozen=True)
class EntryPoint:
    id: str
    field: str
    api: bool
    accepts: str  # "document", "image" or "sheet": what a harmless file for it is
    limit_setting: str

    def url(self, w: World) -> str:
        slug = w.cluster.slug
        return {
            "agreement-document": reverse("agreement_document_upload", args=[slug, w.agreement.pk]),
            "agreement-document-api": api(f"{slug}/agreements/{w.agreement.pk}/documents/"),
            "innovation-attachment": reverse("innovation_attachments", args=[slug, w.innovation.pk]),
            "innovation-attachment-api": api(f"{slug}/innovations/{w.innovation.pk}/attachments/"),
            "resource-photo": reverse("resource_photo_upload", args=[slug, w.resource.pk]),
            "resource-photo-api": api(f"{slug}/resources/{w.resource.pk}/photos/"),
            "organization-import": reverse("organization_import", args=[slug]),
            "attendance-import": reverse("program_attendance_import", args=[slug, w.program.pk]),
            "cluster-logo": reverse("cluster_branding", args=[slug]),
        }[self.id]

    def other_fields(self) -> dict:
        if self.id == "cluster-logo":
            return {"primary_colour": "#0b3d91", "accent_colour": "#0062cc"}
        return {"kind": "draft"} if self.id.startswith("agreement-document") else {}

    def client(self, w: World, django_client):
        if self.api:
            client = APIClient()
            client.force_authenticate(w.coordinator)
            return client
        django_client.force_login(w.coordinator)
        return django_client

    def post(self, w: World, django_client, name: str, content: bytes):
        upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        data = {**self.other_fields(), self.field: upload}
        client = self.client(w, django_client)
        if self.api:
            return client.post(self.url(w), data, format="multipart")
        return client.post(self.url(w), data)

    def post_raw_name(self, w: World, django_client, name: str, content: bytes):
        """The file name exactly as an attacker's client sends it (RFC 2231 `filename*`, so
        nothing of it is lost on the way): the test client would keep only its basename."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in self.other_fields().items()
        ]
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{self.field}\"; "
            f"filename*=UTF-8''{urllib.parse.quote(name, safe='')}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        client = self.client(w, django_client)
        client.raise_request_exception = False  # Django's own 400s are answers here, not errors
        return client.generic("POST", self.url(w), body, content_type=f"multipart/form-data; boundary={boundary}")

    def harmless(self) -> tuple[str, bytes]:
        return {"document": ("Memo.pdf", corpus.pdf()), "image": ("photo.png", corpus.png()),
                "sheet": ("members.csv", corpus.members_csv())}[self.accepts]

    def assert_refused(self, response) -> list[str]:
        """Refused, the error beside the field; returns the messages."""
        if self.api:
            assert response.status_code == 400, (response.status_code, response.content[:300])
            body = response.json()
            assert list(body) == [self.field], body
            messages = body[self.field]
        else:
            assert response.status_code == 422, (response.status_code, response.content[:300])
            form = response.context["form"]
            assert list(form.errors) == [self.field], form.errors
            messages = form.errors[self.field]
            assert f'id="id_{self.field}_error"' in response.content.decode()
        assert messages and all(message.strip() for message in messages)
        return messages


ENTRY_POINTS = [
    EntryPoint("agreement-document", "file", False, "document", "AGREEMENT_DOCUMENT_MAX_BYTES"),
    EntryPoint("agreement-document-api", "file", True, "document", "AGREEMENT_DOCUMENT_MAX_BYTES"),
    EntryPoint("innovation-attachment", "file", False, "document", "INNOVATION_ATTACHMENT_MAX_BYTES"),
    EntryPoint("innovation-attachment-api", "file", True, "document", "INNOVATION_ATTACHMENT_MAX_BYTES"),
    EntryPoint("resource-photo", "image", False, "image", "RESOURCE_PHOTO_MAX_BYTES"),
    EntryPoint("resource-photo-api", "image", True, "image", "RESOURCE_PHOTO_MAX_BYTES"),
    EntryPoint("organization-import", "file", False, "sheet", "IMPORT_MAX_BYTES"),
    EntryPoint("attendance-import", "file", False, "sheet", "IMPORT_MAX_BYTES"),
    EntryPoint("cluster-logo", "logo", False, "image", "CLUSTER_LOGO_MAX_BYTES"),
]
NAMED_ENTRY_POINTS = [entry for entry in ENTRY_POINTS if entry.accepts == "document"]


def saved_state(w: World) -> dict:
    """Everything an upload could leave behind, files apart."""
    return {
        "documents": AgreementDocument.objects.for_cluster(w.cluster).count(),
        "attachments": InnovationAttachment.objects.for_cluster(w.cluster).count(),
        "photos": ResourcePhoto.objects.for_cluster(w.cluster).count(),
        "organizations": Organization.objects.for_cluster(w.cluster).count(),
        "attendance": Attendance.objects.for_cluster(w.cluster).count(),
        "logo": Cluster.objects.get(pk=w.cluster.pk).logo.name,
    }


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in Path(root).rglob("*") if path.is_file()) if Path(root).exists() else []


def pending_imports(client) -> list[str]:
    """Rows of an import waiting in the session for their confirmation."""
    return [key for key in client.session.keys() if "import" in key]


# --- Every hostile file at every entry point ------------------------------------------------------

@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.id)
@pytest.mark.parametrize("hostile", corpus.CONTENT_CORPUS, ids=lambda hostile: hostile.id)
def test_every_hostile_file_is_refused_and_nothing_is_kept(client, world, media_root, tmp_path, entry, hostile):
    before = saved_state(world)
    response = entry.post(world, client, hostile.name, hostile.content())
    entry.assert_refused(response)
    assert saved_state(world) == before
    assert files_under(tmp_path) == []
    if not entry.api:
        assert pending_imports(client) == []


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.id)
def test_a_file_one_byte_over_the_limit_is_refused_naming_the_limit(client, world, tmp_path, entry):
    limit = getattr(django_settings, entry.limit_setting)
    before = saved_state(world)
    messages = entry.assert_refused(entry.post(world, client, "big.pdf", corpus.oversize(limit)))
    assert any(f"{uploads.format_mb(limit)} MB" in message for message in messages), messages
    assert saved_state(world) == before
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.id)
def test_the_harmless_file_is_accepted_at_every_entry_point(client, world, media_root, entry):
    """The corpus is refused for what it is, not because the entry points refuse everything."""
    name, content = entry.harmless()
    if entry.id == "attendance-import":
        name, content = "attendance.csv", f"person,{world.session.date.isoformat()}\naziza@school1.uz,1\n".encode()
    response = entry.post(world, client, name, content)
    assert response.status_code in (200, 201, 302), (response.status_code, response.content[:300])
    for path in files_under(media_root):
        assert path.resolve().is_relative_to(Path(media_root).resolve())


def test_each_app_applies_its_own_limit(world, settings):
    """Attachments once went through the agreements' inspection, limit included: a file within the
    innovations' limit but over the agreements' was refused."""
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    settings.INNOVATION_ATTACHMENT_MAX_BYTES = 1024 * 1024
    attachment = innovation_services.attachment_add(
        cluster=world.cluster, actor=world.coordinator, innovation_id=world.innovation.pk,
        upload=SimpleUploadedFile("Handbook.pdf", corpus.pdf(padding=4096)))
    assert attachment.size > 4096
    with pytest.raises(ValidationError, match="too large"):
        agreement_services.document_upload(cluster=world.cluster, actor=world.coordinator,
                                           agreement_id=world.agreement.pk, kind="draft",
                                           upload=SimpleUploadedFile("Memo.pdf", corpus.pdf(padding=4096)))


# --- Hostile names on a harmless file ----------------------------------------------------------------

def assert_harmless_display_name(name: str) -> None:
    assert name and len(name) <= 120
    assert not any(char in name for char in "/\\\r\n\x00\"")
    assert not name.startswith(".") and ".." not in name
    assert not any(unicodedata_category(char).startswith("C") for char in name), repr(name)


def unicodedata_category(char: str) -> str:
    import unicodedata

    return unicodedata.category(char)


def assert_unsplittable_disposition(header: str) -> None:
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    assert header.startswith("attachment;")
    quoted = re.search(r'filename="((?:[^"\\]|\\.)*)"', header)
    encoded = re.search(r"filename\*=utf-8''([^;]+)", header)
    assert quoted or encoded, header
    name = quoted.group(1) if quoted else urllib.parse.unquote(encoded.group(1))
    assert "/" not in name and "\\" not in name.replace('\\"', "") and ".." not in name


def stored_rows(w: World, entry: EntryPoint):
    if entry.id.startswith("agreement-document"):
        return [(row.display_name, row.file) for row in AgreementDocument.objects.for_cluster(w.cluster)]
    return [(row.original_name, row.file) for row in InnovationAttachment.objects.for_cluster(w.cluster)]


def download_urls(w: World, entry: EntryPoint) -> list[str]:
    slug = w.cluster.slug
    if entry.id.startswith("agreement-document"):
        documents = AgreementDocument.objects.for_cluster(w.cluster)
        return [url for row in documents for url in (
            reverse("agreement_document_download", args=[slug, w.agreement.pk, row.pk]),
            api(f"{slug}/agreements/{w.agreement.pk}/documents/{row.pk}/download/"))]
    attachments = InnovationAttachment.objects.for_cluster(w.cluster)
    return [url for row in attachments for url in (
        reverse("innovation_attachment_download", args=[slug, row.pk]),
        api(f"{slug}/innovations/attachments/{row.pk}/download/"))]


@pytest.mark.parametrize("entry", NAMED_ENTRY_POINTS, ids=lambda entry: entry.id)
@pytest.mark.parametrize("name", corpus.HOSTILE_NAMES, ids=lambda name: repr(name)[:40])
def test_a_hostile_name_is_cleaned_and_cannot_place_the_file(client, world, media_root, tmp_path, entry, name):
    response = entry.post_raw_name(world, client, name, corpus.pdf())
    if response.status_code == 400 and len(name) > 900:
        # Django refuses a part header over 1 KB before any view runs: nothing is kept.
        assert stored_rows(world, entry) == [] and files_under(tmp_path) == []
        return
    if name == "..":
        # Django's parser drops a file named only "..": the field is missing, and said so.
        entry.assert_refused(response)
        assert stored_rows(world, entry) == [] and files_under(tmp_path) == []
        return
    assert response.status_code in (201, 302), (response.status_code, response.content[:300])
    [(display_name, stored)] = stored_rows(world, entry)
    assert_harmless_display_name(display_name)
    assert display_name.endswith(".pdf")
    root = Path(media_root).resolve()
    assert Path(stored.path).resolve().is_relative_to(root)
    assert re.fullmatch(r"[a-z]+/\d+/\d+/[0-9a-f]{32}\.pdf", stored.name), stored.name
    # Nothing landed anywhere else under the test's folder.
    assert [path.resolve() for path in files_under(tmp_path)] == [Path(stored.path).resolve()]
    coordinator_api = APIClient()
    coordinator_api.force_authenticate(world.coordinator)
    client.force_login(world.coordinator)
    for url in download_urls(world, entry):
        downloader = coordinator_api if url.startswith("/api/") else client
        download = downloader.get(url, HTTP_ACCEPT="application/pdf")
        assert download.status_code == 200, url
        assert_unsplittable_disposition(download["Content-Disposition"])


def raw_named(name: str, content: bytes) -> SimpleUploadedFile:
    """An upload whose name is exactly `name` (UploadedFile's setter would already strip it)."""
    upload = SimpleUploadedFile("x.pdf", content)
    upload._name = name
    return upload


@pytest.mark.parametrize("name", corpus.HOSTILE_NAMES, ids=lambda name: repr(name)[:40])
def test_the_services_clean_a_hostile_name_even_when_it_arrives_unsanitised(world, media_root, name):
    """Django's multipart parser already drops directories and control characters; a service
    called otherwise (a task, a command, another parser) must not rely on it."""
    document = agreement_services.document_upload(
        cluster=world.cluster, actor=world.coordinator, agreement_id=world.agreement.pk, kind="draft",
        upload=raw_named(name, corpus.pdf()))
    attachment = innovation_services.attachment_add(
        cluster=world.cluster, actor=world.coordinator, innovation_id=world.innovation.pk,
        upload=raw_named(name, corpus.pdf()))
    root = Path(media_root).resolve()
    for display_name, stored in ((document.display_name, document.file), (attachment.original_name, attachment.file)):
        assert_harmless_display_name(display_name)
        assert Path(stored.path).resolve().is_relative_to(root)


@pytest.mark.parametrize("entry", [entry for entry in ENTRY_POINTS if entry.accepts != "document"],
                         ids=lambda entry: entry.id)
@pytest.mark.parametrize("name", corpus.HOSTILE_NAMES[:8], ids=lambda name: repr(name)[:40])
def test_a_hostile_name_on_a_photo_or_import_places_nothing_outside_the_media_folder(client, world, media_root,
                                                                                     tmp_path, entry, name):
    file_name, content = entry.harmless()
    if entry.id == "attendance-import":
        content = f"person,{world.session.date.isoformat()}\naziza@school1.uz,1\n".encode()
    response = entry.post_raw_name(world, client, name, content)
    assert response.status_code in (200, 201, 302), (response.status_code, response.content[:300])
    assert not pending_imports(client) or entry.accepts == "sheet"
    root = Path(media_root).resolve()
    for path in files_under(tmp_path):
        assert path.resolve().is_relative_to(root)
        assert re.fullmatch(r"[0-9a-f]{32}\.png", path.name), path.name


def test_a_stored_name_with_line_breaks_cannot_split_the_download_header(client, world):
    """Rows written before the names were cleaned (or by hand) still download with one header."""
    document = AgreementDocumentFactory(agreement=world.agreement, display_name="a\r\nSet-Cookie: x=1\r\n.pdf")
    attachment = InnovationAttachmentFactory(innovation=world.innovation, original_name="b\r\nLocation: /evil\n.pdf")
    client.force_login(world.coordinator)
    slug = world.cluster.slug
    for url in (reverse("agreement_document_download", args=[slug, world.agreement.pk, document.pk]),
                reverse("innovation_attachment_download", args=[slug, attachment.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert_unsplittable_disposition(response["Content-Disposition"])
        assert not response.has_header("Set-Cookie") and not response.has_header("Location")


# --- Zip bombs: refused before anything inflates them ---------------------------------------------

BOMBS = [corpus.zip_bomb_xlsx, corpus.lying_zip_bomb_xlsx, corpus.many_members_xlsx]


@pytest.mark.parametrize("bomb", BOMBS, ids=lambda bomb: bomb.__name__)
@pytest.mark.parametrize("parse", [member_importing.parse_upload, attendance_importing.parse_upload],
                         ids=["organizations", "attendance"])
def test_a_zip_bomb_is_refused_quickly_and_in_little_memory(bomb, parse):
    content = bomb()
    upload = SimpleUploadedFile("members.xlsx", content)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ValidationError) as refused:
            parse(upload)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert list(refused.value.message_dict) == ["file"]
    assert elapsed < 2, elapsed
    # The upload itself is about a megabyte or two; a gigabyte inflated would show here.
    assert peak < 16 * 1024 * 1024, peak


@pytest.mark.parametrize("bomb", BOMBS, ids=lambda bomb: bomb.__name__)
def test_a_zip_bomb_is_refused_as_a_document_too(bomb):
    from agreements import documents

    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        documents.inspect_upload(SimpleUploadedFile("contract.docx", bomb()))
    assert list(refused.value.message_dict) == ["file"]
    assert time.monotonic() - started < 2


# --- The public /verify/<code>/ page: hashed, never kept ---------------------------------------------

@pytest.fixture
def report(cluster):
    return make_report(cluster)


@pytest.mark.parametrize("hostile", corpus.CONTENT_CORPUS, ids=lambda hostile: hostile.id)
def test_the_verify_page_compares_a_hostile_file_and_keeps_nothing(client, report, tmp_path, hostile):
    before = files_under(tmp_path)
    response = client.post(reverse("certificate_verify", args=[report.verification_code]),
                           {"pdf": SimpleUploadedFile(hostile.name, hostile.content())})
    if hostile.content():
        assert response.status_code == 200 and "No match" in response.text
    else:
        assert response.status_code == 422
    assert "<script>alert" not in response.text and "Match:" not in response.text
    assert files_under(tmp_path) == before


def test_the_verify_page_refuses_a_file_one_byte_over_its_limit(client, report, tmp_path):
    before = files_under(tmp_path)
    limit = django_settings.REPORT_VERIFY_MAX_BYTES
    response = client.post(reverse("certificate_verify", args=[report.verification_code]),
                           {"pdf": SimpleUploadedFile("report.pdf", corpus.oversize(limit))})
    assert response.status_code == 413 and "too large" in response.text
    assert files_under(tmp_path) == before
    assert client.post(reverse("certificate_verify", args=[report.verification_code]),
                       {"pdf": SimpleUploadedFile("report.pdf", REPORT_PDF)}).status_code == 200
