"""Attachments: validated like agreement documents (by content), stored under generated names,
removed while the proposal is editable, downloaded only by those who see the innovation and
always as an attachment that a browser will not run."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.tests.test_documents import make_docx, make_pdf, make_png
from innovations import services
from innovations.models import Innovation, InnovationAttachment, Stage
from innovations.tests.factories import InnovationAttachmentFactory, InnovationFactory, add_authors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF_HTML_POLYGLOT = b"%PDF-1.4\n%<html><script>alert(1)</script></html>\n" + make_pdf()[9:]


@pytest.fixture
def innovation(cluster, origin, author):
    return add_authors(InnovationFactory(cluster=cluster, origin_organization=origin), author)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach(innovation, actor, name="Handbook.pdf", content=None, **kwargs):
    return services.attachment_add(cluster=innovation.cluster, actor=actor, innovation_id=innovation.pk,
                                   upload=upload(name, make_pdf() if content is None else content), **kwargs)


def stored_files(media_root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, name), media_root)
                  for folder, _dirs, names in os.walk(media_root) for name in names)


# --- Adding ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "builder", "content_type"), [
    ("Handbook.pdf", make_pdf, "application/pdf"),
    ("Lesson plan.docx", make_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Poster.png", make_png, "image/png"),
])
def test_an_author_attaches_a_supported_file(innovation, author, media_root, name, builder, content_type):
    attachment = attach(innovation, author.user, name, builder(), description="  The   method  ")
    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment.description == "The method"
    assert attachment.uploaded_by == author.user
    assert attachment.file.name.startswith(f"innovations/{innovation.cluster_id}/{innovation.pk}/")
    assert attachment.file.name.endswith("." + name.rsplit(".", 1)[1])
    assert stored_files(media_root) == [attachment.file.name]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("diagram.svg", SVG, "not supported"),
    ("page.html", HTML, "not supported"),
    ("handbook.pdf", HTML, "not supported"),  # a web page named like a PDF
    ("handbook.pdf", PDF_HTML_POLYGLOT, "embedded web content"),
    ("script.png", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "damaged"),
    ("empty.pdf", b"", "empty"),
])
def test_hostile_files_are_refused_and_nothing_is_stored(innovation, author, media_root, name, content, expected):
    with pytest.raises(ValidationError) as excinfo:
        attach(innovation, author.user, name, content)
    assert expected in " ".join(excinfo.value.message_dict["file"])
    assert not InnovationAttachment.objects.for_cluster(innovation.cluster).exists()
    assert stored_files(media_root) == []


def test_an_oversize_file_is_refused_with_the_innovation_limit(innovation, author, settings, media_root):
    settings.INNOVATION_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = make_pdf().replace(b"%%EOF", b"%" + b"x" * (1024 * 1024) + b"\n%%EOF")
    with pytest.raises(ValidationError) as excinfo:
        attach(innovation, author.user, "big.pdf", big)
    assert excinfo.value.message_dict["file"] == ["The file is too large. The maximum size is 1 MB."]
    assert stored_files(media_root) == []


def test_the_size_is_counted_from_the_bytes_not_the_declared_size(innovation, author, settings):
    settings.INNOVATION_ATTACHMENT_MAX_BYTES = 100
    lying = upload("small.pdf", make_pdf() + b"%" + b"x" * 200 + b"\n%%EOF")
    lying.size = 10
    with pytest.raises(ValidationError, match="too large"):
        services.attachment_add(cluster=innovation.cluster, actor=author.user, innovation_id=innovation.pk,
                                upload=lying)


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\Desktop\\plan.pdf", "plan.pdf"),
    ('evil"; filename="x.html.pdf', "evil filename=x.html.pdf"),
    ("line\r\nbreak.pdf", "line break.pdf"),
    ("report.exe", "report.pdf"),
    ("CON.pdf", "document.pdf"),
    ("<script>.pdf", "script.pdf"),
])
def test_bad_names_are_made_harmless(innovation, author, name, expected):
    attachment = attach(innovation, author.user, name)
    assert attachment.original_name == expected
    assert ".." not in attachment.file.name and name not in attachment.file.name


def test_a_long_description_is_refused(innovation, author):
    with pytest.raises(ValidationError) as excinfo:
        attach(innovation, author.user, description="x" * 256)
    assert "description" in excinfo.value.message_dict


def test_who_may_attach(innovation, origin_admin, coordinator, authority, org_admin, experts, media_root):
    assert attach(innovation, origin_admin).uploaded_by == origin_admin
    assert attach(innovation, coordinator).uploaded_by == coordinator
    with pytest.raises(PermissionDenied):
        attach(innovation, authority)
    with pytest.raises(Innovation.DoesNotExist):
        attach(innovation, org_admin)  # cannot even see the proposal
    assert InnovationAttachment.objects.for_cluster(innovation.cluster).count() == 2
    assert len(stored_files(media_root)) == 2


@pytest.mark.parametrize("stage", [Stage.REJECTED, Stage.ARCHIVED])
def test_nothing_is_attached_once_rejected_or_archived(innovation, author, stage, media_root):
    Innovation.objects.for_cluster(innovation.cluster).filter(pk=innovation.pk).update(stage=stage)
    with pytest.raises(PermissionDenied):
        attach(innovation, author.user)
    assert stored_files(media_root) == []


def test_attachments_are_added_during_the_pilot_too(innovation, author):
    Innovation.objects.for_cluster(innovation.cluster).filter(pk=innovation.pk).update(stage=Stage.PILOTING)
    assert attach(innovation, author.user).innovation_id == innovation.pk


# --- Removing -------------------------------------------------------------------------------

def test_an_author_removes_an_attachment_while_the_proposal_is_editable(
        innovation, author, media_root, django_capture_on_commit_callbacks):
    attachment = attach(innovation, author.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(cluster=innovation.cluster, actor=author.user, attachment_id=attachment.pk)
    assert not InnovationAttachment.objects.for_cluster(innovation.cluster).exists()
    assert stored_files(media_root) == []


def test_attachments_stay_once_the_review_started(innovation, author):
    attachment = attach(innovation, author.user)
    Innovation.objects.for_cluster(innovation.cluster).filter(pk=innovation.pk).update(stage=Stage.IN_REVIEW)
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_remove(cluster=innovation.cluster, actor=author.user, attachment_id=attachment.pk)
    assert "stage" in excinfo.value.message_dict
    assert InnovationAttachment.objects.for_cluster(innovation.cluster).filter(pk=attachment.pk).exists()


def test_others_cannot_remove_an_attachment(innovation, author, authority, org_admin, outsider, other_cluster):
    attachment = attach(innovation, author.user)
    with pytest.raises(PermissionDenied):
        services.attachment_remove(cluster=innovation.cluster, actor=authority, attachment_id=attachment.pk)
    with pytest.raises(Innovation.DoesNotExist):
        services.attachment_remove(cluster=innovation.cluster, actor=org_admin, attachment_id=attachment.pk)
    with pytest.raises(InnovationAttachment.DoesNotExist):
        services.attachment_remove(cluster=other_cluster, actor=outsider, attachment_id=attachment.pk)
    assert default_storage.exists(attachment.file.name)
    assert InnovationAttachment.objects.for_cluster(innovation.cluster).filter(pk=attachment.pk).exists()


# --- Downloading ----------------------------------------------------------------------------

def download_url(attachment):
    return reverse("innovation_attachment_download", args=[attachment.cluster.slug, attachment.pk])


def test_the_download_is_an_attachment_a_browser_will_not_run(client, innovation, author):
    attachment = InnovationAttachmentFactory(innovation=innovation, original_name="Метод «Кластер».pdf")
    client.force_login(author.user)
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == make_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_the_download_follows_the_innovations_visibility(client, innovation, org_admin, outsider, coordinator):
    attachment = InnovationAttachmentFactory(innovation=innovation)
    client.force_login(org_admin)
    assert client.get(download_url(attachment)).status_code == 404
    Innovation.objects.for_cluster(innovation.cluster).filter(pk=innovation.pk).update(stage=Stage.PILOTING)
    assert client.get(download_url(attachment)).status_code == 200
    client.force_login(outsider)
    assert client.get(download_url(attachment)).status_code == 404
    client.force_login(coordinator)
    assert client.get(download_url(attachment)).status_code == 200
    assert client.post(download_url(attachment)).status_code == 405


def test_a_missing_file_is_404(client, innovation, coordinator):
    attachment = InnovationAttachmentFactory(innovation=innovation)
    default_storage.delete(attachment.file.name)
    client.force_login(coordinator)
    assert client.get(download_url(attachment)).status_code == 404


# --- The upload and remove pages ------------------------------------------------------------

def test_the_upload_page_attaches_a_file_and_shows_refusals(client, innovation, author, media_root):
    client.force_login(author.user)
    page = reverse("innovation_attachments", args=[innovation.cluster.slug, innovation.pk])
    assert client.get(page).status_code == 200
    refused = client.post(page, {"file": upload("x.svg", SVG), "description": ""})
    assert refused.status_code == 422
    assert "This file type is not supported" in refused.text
    response = client.post(page, {"file": upload("Handbook.pdf", make_pdf()), "description": "Handbook"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/innovations/{innovation.pk}/#attachments")
    assert list(InnovationAttachment.objects.for_cluster(innovation.cluster).values_list("original_name", flat=True)) \
        == ["Handbook.pdf"]


def test_the_upload_page_is_refused_to_readers_who_may_not_attach(client, innovation, authority, org_admin):
    page = reverse("innovation_attachments", args=[innovation.cluster.slug, innovation.pk])
    client.force_login(authority)
    assert client.get(page).status_code == 403
    assert client.post(page, {"file": upload("Handbook.pdf", make_pdf())}).status_code == 403
    client.force_login(org_admin)
    assert client.get(page).status_code == 404
    assert not InnovationAttachment.objects.for_cluster(innovation.cluster).exists()


def test_removing_asks_for_a_confirmation_first(client, innovation, author, media_root):
    attachment = InnovationAttachmentFactory(innovation=innovation)
    client.force_login(author.user)
    page = reverse("innovation_attachment_remove", args=[innovation.cluster.slug, attachment.pk])
    confirm = client.get(page)
    assert confirm.status_code == 200 and "Remove Method handbook.pdf?" in confirm.text
    assert InnovationAttachment.objects.for_cluster(innovation.cluster).filter(pk=attachment.pk).exists()
    assert client.post(page).status_code == 302
    assert not InnovationAttachment.objects.for_cluster(innovation.cluster).exists()
