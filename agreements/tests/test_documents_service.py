"""document_upload and document_get: versions per agreement and kind, the stored name, and
that a refused upload leaves neither a row nor a file behind."""

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from agreements import documents, selectors, services
from agreements.models import Agreement, AgreementDocument
from agreements.tests.test_documents import make_docx, make_jpeg, make_odt, make_pdf, make_png
from cluster_platform.tenancy import roles_for
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory

pytestmark = pytest.mark.usefixtures("media_root")  # uploads to a folder of the test's own (conftest.py)

DRAFT, SIGNED_SCAN = AgreementDocument.Kind.DRAFT, AgreementDocument.Kind.SIGNED_SCAN


@pytest.fixture
def agreement(make_agreement):
    return make_agreement()


def stored_files(root: Path) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


def no_documents(cluster) -> bool:
    return not AgreementDocument.objects.for_cluster(cluster).exists()


def upload(cluster, actor, agreement, content, name="agreement.pdf", kind=DRAFT):
    return services.document_upload(cluster=cluster, actor=actor, agreement_id=agreement.pk, kind=kind,
                                    upload=SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "builder", "content_type", "extension"),
    [
        ("Draft v1.pdf", make_pdf, "application/pdf", "pdf"),
        ("Draft.docx", make_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        ("Draft.odt", make_odt, "application/vnd.oasis.opendocument.text", "odt"),
        ("scan.png", make_png, "image/png", "png"),
        ("scan.jpeg", make_jpeg, "image/jpeg", "jpg"),
    ],
)
def test_it_stores_each_supported_type_under_a_generated_name(
        cluster, coordinator, agreement, media_root, name, builder, content_type, extension):
    content = builder()
    document = upload(cluster, coordinator, agreement, content, name=name)
    document.refresh_from_db()
    assert (document.kind, document.version, document.content_type, document.size) == (
        DRAFT, 1, content_type, len(content))
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.display_name == name
    assert document.uploaded_by == coordinator
    assert document.file.name.startswith(f"agreements/{cluster.pk}/{agreement.pk}/")
    assert document.file.name.endswith(f".{extension}")
    assert (Path(media_root) / document.file.name).read_bytes() == content
    assert stored_files(media_root) == [Path(media_root) / document.file.name]


def test_it_numbers_versions_per_agreement_and_kind(cluster, coordinator, org_admin, make_agreement, agreement):
    other = make_agreement()
    first = upload(cluster, coordinator, agreement, make_pdf())
    second = upload(cluster, org_admin, agreement, make_docx(), name="Draft.docx")
    scan = upload(cluster, coordinator, agreement, make_png(), kind=SIGNED_SCAN)
    elsewhere = upload(cluster, coordinator, other, make_pdf())
    third = upload(cluster, coordinator, agreement, make_pdf())
    assert [d.version for d in (first, second, third)] == [1, 2, 3]
    assert (scan.version, elsewhere.version) == (1, 1)
    assert len({d.file.name for d in (first, second, scan, elsewhere, third)}) == 5
    assert list(agreement.documents.filter(kind=DRAFT).values_list("version", flat=True)) == [3, 2, 1]


def test_the_version_is_unique_per_agreement_and_kind(cluster, coordinator, agreement):
    document = upload(cluster, coordinator, agreement, make_pdf())
    with pytest.raises(IntegrityError):
        AgreementDocument.objects.create(
            cluster=cluster, agreement=agreement, kind=DRAFT, version=document.version, file="x.pdf",
            display_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contract.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),  # a renamed executable
        ("contract.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        ("contract.docx", make_docx(extra=[("../../evil.sh", "#!/bin/sh\n")])),  # traversal inside
    ],
)
def test_a_refused_file_leaves_no_row_and_no_file(cluster, coordinator, agreement, media_root, name, content):
    with pytest.raises(ValidationError) as excinfo:
        upload(cluster, coordinator, agreement, content, name=name)
    assert "file" in excinfo.value.message_dict
    assert no_documents(cluster)
    assert stored_files(media_root) == []


def test_an_oversize_file_is_refused_and_nothing_is_stored(settings, cluster, coordinator, agreement, media_root):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    content = make_pdf().replace(b"%%EOF", b"%" + b"x" * 2048 + b"\n%%EOF")
    with pytest.raises(ValidationError) as excinfo:
        upload(cluster, coordinator, agreement, content)
    assert "file" in excinfo.value.message_dict
    assert no_documents(cluster)
    assert stored_files(media_root) == []


def test_a_path_traversal_file_name_cannot_place_the_file(cluster, coordinator, agreement, media_root):
    """The user's file name never reaches the storage: the file lands under its generated name
    inside MEDIA_ROOT and the name survives only, cleaned, for downloads."""
    crafted = ContentFile(make_pdf(), name="../../../etc/cron.d/evil.pdf")
    document = services.document_upload(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                        kind=DRAFT, upload=crafted)
    assert document.display_name == "evil.pdf"
    assert ".." not in document.file.name
    assert stored_files(media_root) == [Path(media_root) / document.file.name]
    assert not (Path(media_root).parent / "etc").exists()


def test_an_unknown_kind_is_refused(cluster, coordinator, agreement, media_root):
    with pytest.raises(ValidationError) as excinfo:
        upload(cluster, coordinator, agreement, make_pdf(), kind="invoice")
    assert "kind" in excinfo.value.message_dict
    assert no_documents(cluster) and stored_files(media_root) == []


def test_the_stored_file_is_removed_when_the_row_cannot_be_written(
        monkeypatch, cluster, coordinator, agreement, media_root):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(AgreementDocument, "save", fail)
    with pytest.raises(IntegrityError):
        upload(cluster, coordinator, agreement, make_pdf())
    monkeypatch.undo()
    assert no_documents(cluster)
    assert stored_files(media_root) == []


def test_an_authority_may_read_but_not_upload(cluster, authority, agreement, media_root):
    with pytest.raises(PermissionDenied):
        upload(cluster, authority, agreement, make_pdf())
    assert no_documents(cluster) and stored_files(media_root) == []


def test_party_staff_may_not_upload(cluster, school, agreement, media_root):
    staff = OrganizationRoleFactory(organization=school, user=UserFactory(username="teacher"), role="staff").user
    with pytest.raises(PermissionDenied):
        upload(cluster, staff, agreement, make_pdf())
    assert no_documents(cluster) and stored_files(media_root) == []


def test_an_admin_of_a_non_party_organization_is_refused(cluster, agreement, media_root):
    stranger_org = OrganizationFactory(cluster=cluster, name="Lyceum No. 9", tax_id="100000009")
    stranger = OrganizationRoleFactory(organization=stranger_org, user=UserFactory(username="lyceum"),
                                       role="admin").user
    with pytest.raises(Agreement.DoesNotExist):
        upload(cluster, stranger, agreement, make_pdf())
    assert no_documents(cluster) and stored_files(media_root) == []


def test_another_clusters_agreement_does_not_exist(other_cluster, outsider, cluster, agreement, media_root):
    with pytest.raises(Agreement.DoesNotExist):
        upload(other_cluster, outsider, agreement, make_pdf())
    assert no_documents(cluster) and stored_files(media_root) == []


def test_document_get_answers_only_for_a_visible_agreement(
        cluster, other_cluster, coordinator, authority, outsider, agreement, make_agreement):
    document = upload(cluster, coordinator, agreement, make_pdf(), name="Memo.pdf")
    found = selectors.document_get(cluster=cluster, roles=roles_for(authority, cluster),
                                   agreement_id=agreement.pk, pk=document.pk)
    assert found == document
    assert documents.content_disposition(found.display_name) == 'attachment; filename="Memo.pdf"'

    stranger_org = OrganizationFactory(cluster=cluster, name="Lyceum No. 9", tax_id="100000009")
    stranger = OrganizationRoleFactory(organization=stranger_org, user=UserFactory(username="lyceum"),
                                       role="admin").user
    cases = [
        (cluster, roles_for(stranger, cluster), agreement.pk),  # not a party
        (cluster, roles_for(coordinator, cluster), make_agreement().pk),  # another agreement's id
        (other_cluster, roles_for(outsider, other_cluster), agreement.pk),  # another cluster
    ]
    for in_cluster, roles, agreement_id in cases:
        with pytest.raises(AgreementDocument.DoesNotExist):
            selectors.document_get(cluster=in_cluster, roles=roles, agreement_id=agreement_id, pk=document.pk)
    assert list(selectors.document_list(cluster=cluster, roles=roles_for(stranger, cluster),
                                        agreement_id=agreement.pk)) == []
    assert list(selectors.document_list(cluster=cluster, roles=roles_for(authority, cluster),
                                        agreement_id=agreement.pk)) == [document]
