"""Agreement documents in the browser: the section of the agreement page, the upload page and
the download. Who may upload is permissions.can_upload_document (coordinators and admins of a
party organization); who may download is whoever may read the agreement; anyone else, and
any document of another agreement or cluster, is 404 and changes nothing."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from agreements import services
from agreements.models import AgreementDocument
from agreements.tests.factories import AgreementDocumentFactory
from agreements.tests.test_documents import make_docx, make_pdf, make_png
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

DRAFT, SIGNED_SCAN = AgreementDocument.Kind.DRAFT, AgreementDocument.Kind.SIGNED_SCAN


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def stored_files(root) -> list[Path]:
    return sorted(path for path in Path(root).rglob("*") if path.is_file()) if Path(root).exists() else []


def documents(cluster) -> list[dict]:
    return list(AgreementDocument.objects.for_cluster(cluster).order_by("pk").values())


def upload(cluster, actor, agreement, content=None, name="Draft.pdf", kind=DRAFT):
    return services.document_upload(cluster=cluster, actor=actor, agreement_id=agreement.pk, kind=kind,
                                    upload=SimpleUploadedFile(name, make_pdf() if content is None else content))


@pytest.fixture
def agreement(make_agreement):
    return make_agreement()


@pytest.fixture
def stranger(cluster):
    """The admin of an organization that is not a party."""
    organization = OrganizationFactory(cluster=cluster, name="Lyceum No. 9", tax_id="100000009")
    return OrganizationRoleFactory(organization=organization, user=UserFactory(username="lyceum"), role="admin").user


@pytest.fixture
def signed(cluster, coordinator, agreement):
    services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                  to_status="negotiation")
    for party in agreement.parties.all():
        services.agreement_sign(cluster=cluster, actor=coordinator, agreement_id=agreement.pk, party_id=party.pk,
                                signed_on=timezone.localdate(), signed_by_name="Head")
    return services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                         to_status="signed")


# --- The agreement page ---------------------------------------------------------------------------

def test_the_page_lists_documents_by_kind_newest_version_first(client, cluster, coordinator, agreement):
    first = upload(cluster, coordinator, agreement, name="Memo v1.pdf")
    scan = upload(cluster, coordinator, agreement, make_png(), name="scan.png", kind=SIGNED_SCAN)
    second = upload(cluster, coordinator, agreement, make_docx(), name="Memo v2.docx")
    client.force_login(coordinator)
    body = client.get(url("agreement_detail", cluster, agreement.pk)).content.decode()
    assert 'id="documents"' in body
    rows = [body.index(f'id="document-{document.pk}"') for document in (second, first, scan)]
    assert rows == sorted(rows)  # drafts (v2, v1), then the signed scan
    assert "Memo v2.docx" in body and "scan.png" in body
    assert f'<code title="{first.sha256}">{first.sha256[:12]}…</code>' in body
    assert f"{first.size}\xa0bytes" in body  # filesizeformat
    assert url("agreement_document_download", cluster, agreement.pk, scan.pk) in body
    assert "coord" in body


def test_the_page_shows_an_empty_state_and_the_upload_form_to_those_who_may_upload(
        client, cluster, coordinator, agreement):
    client.force_login(coordinator)
    body = client.get(url("agreement_detail", cluster, agreement.pk)).content.decode()
    assert "No documents are uploaded yet." in body
    assert f'action="{url("agreement_document_upload", cluster, agreement.pk)}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'accept=".pdf,.docx,.odt,.png,.jpg,.jpeg,application/pdf,' in body
    assert "PDF, DOCX, ODT, PNG or JPEG, at most 20 MB." in body


@pytest.mark.parametrize("who", ["authority", "staff"])
def test_readers_see_the_documents_but_no_upload_form(client, request, cluster, coordinator, agreement, who):
    document = upload(cluster, coordinator, agreement, name="Memo.pdf")
    client.force_login(request.getfixturevalue(who))
    body = client.get(url("agreement_detail", cluster, agreement.pk)).content.decode()
    assert "Memo.pdf" in body and url("agreement_document_download", cluster, agreement.pk, document.pk) in body
    assert url("agreement_document_upload", cluster, agreement.pk) not in body


def test_a_signed_agreement_asks_for_its_signed_scan_until_one_is_uploaded(client, cluster, coordinator, signed):
    client.force_login(coordinator)
    detail = url("agreement_detail", cluster, signed.pk)
    body = client.get(detail).content.decode()
    assert "Upload the scan of the signed agreement before you activate it." in body
    assert '<option value="signed_scan" selected>' in body  # the upload form suggests the scan
    upload(cluster, coordinator, signed, kind=SIGNED_SCAN)
    assert "Upload the scan of the signed agreement" not in client.get(detail).content.decode()


def _page_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_agreement_page_query_count_does_not_grow_with_documents(client, cluster, coordinator, agreement,
                                                                      django_assert_max_num_queries):
    client.force_login(coordinator)
    detail = url("agreement_detail", cluster, agreement.pk)
    AgreementDocumentFactory(agreement=agreement, uploaded_by=coordinator)
    with_one = _page_queries(client, detail)
    for n in range(6):
        AgreementDocumentFactory(agreement=agreement, uploaded_by=UserFactory(username=f"uploader{n}"))
        AgreementDocumentFactory(agreement=agreement, kind=SIGNED_SCAN, uploaded_by=coordinator)
    assert _page_queries(client, detail) == with_one
    # The documents cost the page a single query.
    with django_assert_max_num_queries(12):
        assert client.get(detail).status_code == 200


# --- Uploading ----------------------------------------------------------------------------------

def test_a_coordinator_uploads_a_signed_scan(client, cluster, coordinator, signed, media_root):
    client.force_login(coordinator)
    content = make_pdf()
    response = client.post(url("agreement_document_upload", cluster, signed.pk), {
        "kind": "signed_scan", "file": SimpleUploadedFile("Signed agreement.pdf", content, "application/pdf")})
    assert response.status_code == 302
    assert response["Location"] == url("agreement_detail", cluster, signed.pk) + "#documents"
    document = AgreementDocument.objects.for_cluster(cluster).get()
    assert (document.agreement_id, document.kind, document.version, document.display_name) == (
        signed.pk, SIGNED_SCAN, 1, "Signed agreement.pdf")
    assert (document.sha256, document.size, document.uploaded_by) == (
        hashlib.sha256(content).hexdigest(), len(content), coordinator)
    assert stored_files(media_root) == [Path(media_root) / document.file.name]
    body = client.get(response["Location"]).content.decode()
    assert "Signed agreement.pdf was uploaded as signed scan, version 1." in body


def test_a_party_admin_uploads_a_new_draft_version(client, cluster, coordinator, org_admin, agreement):
    upload(cluster, coordinator, agreement)
    client.force_login(org_admin)
    response = client.post(url("agreement_document_upload", cluster, agreement.pk),
                           {"kind": "draft", "file": SimpleUploadedFile("Draft.docx", make_docx())})
    assert response.status_code == 302
    assert list(AgreementDocument.objects.for_cluster(cluster).values_list("version", "uploaded_by__username")) == [
        (2, "schooladmin"), (1, "coord")]


def test_the_upload_page_offers_the_form_with_the_limit_from_the_setting(client, settings, cluster, coordinator,
                                                                        agreement):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
    client.force_login(coordinator)
    response = client.get(url("agreement_document_upload", cluster, agreement.pk), {"kind": "signed_scan"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "at most 5 MB" in body and 'enctype="multipart/form-data"' in body
    assert '<option value="signed_scan" selected>' in body


def test_the_upload_runs_outside_any_request_transaction(cluster):
    """document_upload deletes the stored file when its own transaction fails; an outer
    transaction rolled back later would leave the file behind, so the view opts out."""
    view = resolve(url("agreement_document_upload", cluster, 1)).func
    assert "default" in getattr(view, "_non_atomic_requests", set())


def _refused(client, cluster, agreement, data, field, message):
    response = client.post(url("agreement_document_upload", cluster, agreement.pk), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    return response


def test_a_renamed_executable_is_refused_beside_the_file_field(client, cluster, coordinator, agreement, media_root):
    client.force_login(coordinator)
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500
    _refused(client, cluster, agreement, {"kind": "signed_scan", "file": SimpleUploadedFile("scan.pdf", executable)},
             "file", "This file type is not supported.")
    assert documents(cluster) == [] and stored_files(media_root) == []


def test_an_oversize_file_is_refused_with_the_limit(client, settings, cluster, coordinator, agreement, media_root):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    client.force_login(coordinator)
    content = make_pdf().replace(b"%%EOF", b"%" + b"x" * 2048 + b"\n%%EOF")
    _refused(client, cluster, agreement, {"kind": "draft", "file": SimpleUploadedFile("big.pdf", content)},
             "file", "The file is too large.")
    assert documents(cluster) == [] and stored_files(media_root) == []


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "draft"}, "file"),
    ({"kind": "invoice", "file": b"pdf"}, "kind"),
    ({"file": b"pdf"}, "kind"),
    ({"kind": "draft", "file": b""}, "file"),
])
def test_a_missing_or_unknown_field_is_named_and_nothing_is_saved(client, cluster, coordinator, agreement,
                                                                  media_root, data, field):
    client.force_login(coordinator)
    data = {key: SimpleUploadedFile("x.pdf", make_pdf() if value == b"pdf" else value) if key == "file" else value
            for key, value in data.items()}
    response = client.post(url("agreement_document_upload", cluster, agreement.pk), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert documents(cluster) == [] and stored_files(media_root) == []


def test_a_path_traversal_name_cannot_place_the_file(client, cluster, coordinator, agreement, media_root):
    client.force_login(coordinator)
    response = client.post(url("agreement_document_upload", cluster, agreement.pk),
                           {"kind": "draft", "file": SimpleUploadedFile("../../etc/passwd.pdf", make_pdf())})
    assert response.status_code == 302
    document = AgreementDocument.objects.for_cluster(cluster).get()
    assert document.display_name == "passwd.pdf"
    assert document.file.name.startswith(f"agreements/{cluster.pk}/{agreement.pk}/")
    assert ".." not in document.file.name and "passwd" not in document.file.name
    stored = Path(media_root) / document.file.name
    assert stored_files(media_root) == [stored]
    assert stored.resolve().is_relative_to(Path(media_root).resolve())
    assert not (Path(media_root).parent / "etc").exists()


@pytest.mark.parametrize("who", ["authority", "staff"])
def test_readers_may_not_upload(client, request, cluster, agreement, media_root, who):
    client.force_login(request.getfixturevalue(who))
    upload_url = url("agreement_document_upload", cluster, agreement.pk)
    assert client.get(upload_url).status_code == 403
    response = client.post(upload_url, {"kind": "draft", "file": SimpleUploadedFile("x.pdf", make_pdf())})
    assert response.status_code == 403
    assert documents(cluster) == [] and stored_files(media_root) == []


def test_those_who_may_not_read_the_agreement_cannot_upload(client, cluster, other_cluster, stranger, expert,
                                                          outsider, agreement, media_root):
    for user, target, expected in ((stranger, cluster, 404), (expert, cluster, 403), (outsider, cluster, 404),
                                   (outsider, other_cluster, 404)):
        client.force_login(user)
        response = client.post(url("agreement_document_upload", target, agreement.pk),
                               {"kind": "draft", "file": SimpleUploadedFile("x.pdf", make_pdf())})
        assert response.status_code == expected, (user.username, target.slug)
    assert documents(cluster) == [] and stored_files(media_root) == []


# --- Downloading --------------------------------------------------------------------------------

def _download(client, cluster, agreement_id, document_id):
    return client.get(url("agreement_document_download", cluster, agreement_id, document_id))


@pytest.mark.parametrize("who", ["coordinator", "authority", "org_admin", "staff", "uni_admin"])
def test_those_who_may_read_the_agreement_download_the_file(client, request, cluster, coordinator, agreement, who):
    content = make_pdf()
    document = upload(cluster, coordinator, agreement, content, name="Signed memo.pdf", kind=SIGNED_SCAN)
    client.force_login(request.getfixturevalue(who))
    response = _download(client, cluster, agreement.pk, document.pk)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == 'attachment; filename="Signed memo.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_a_non_ascii_name_is_sent_encoded(client, cluster, coordinator, agreement):
    document = upload(cluster, coordinator, agreement, name="Договор №1.pdf")
    client.force_login(coordinator)
    response = _download(client, cluster, agreement.pk, document.pk)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%961.pdf")


def test_those_who_may_not_read_the_agreement_get_404(client, cluster, coordinator, stranger, expert, agreement):
    document = upload(cluster, coordinator, agreement)
    for user in (stranger, expert):
        client.force_login(user)
        assert _download(client, cluster, agreement.pk, document.pk).status_code == 404, user.username


def test_a_user_of_another_cluster_gets_404(client, cluster, other_cluster, coordinator, outsider, agreement):
    document = upload(cluster, coordinator, agreement)
    client.force_login(outsider)
    assert _download(client, cluster, agreement.pk, document.pk).status_code == 404
    assert _download(client, other_cluster, agreement.pk, document.pk).status_code == 404


def test_a_document_answers_only_under_its_own_agreement(client, cluster, coordinator, make_agreement, agreement):
    other = make_agreement(title="Another agreement")
    document = upload(cluster, coordinator, agreement)
    client.force_login(coordinator)
    assert _download(client, cluster, other.pk, document.pk).status_code == 404
    assert _download(client, cluster, agreement.pk, document.pk + 1000).status_code == 404


def test_the_download_is_get_only(client, cluster, coordinator, agreement):
    document = upload(cluster, coordinator, agreement)
    client.force_login(coordinator)
    before = documents(cluster)
    assert client.post(url("agreement_document_download", cluster, agreement.pk, document.pk)).status_code == 405
    assert documents(cluster) == before


def test_a_file_missing_from_the_storage_is_404(client, cluster, coordinator, agreement, media_root):
    document = upload(cluster, coordinator, agreement)
    (Path(media_root) / document.file.name).unlink()
    client.force_login(coordinator)
    assert _download(client, cluster, agreement.pk, document.pk).status_code == 404
