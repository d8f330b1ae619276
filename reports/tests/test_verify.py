"""The public /verify/<code>/ page for a report: its identity and checksum, no figures; an uploaded
PDF compared with the checksum, never kept."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.selectors import format_code
from reports.models import Report
from reports.tests.test_views import PDF, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT

FIGURES = {"current": {"members": {"at_end": {"total": 987654}}}, "previous": {}, "change": {
    "members": {"current": 987654, "previous": 123456, "change": 864198, "change_percent": 700.1}}}


@pytest.fixture
def report(cluster):
    return make_report(cluster, data=FIGURES, version=2)


def verify(client, code, **kwargs):
    return client.get(reverse("certificate_verify", args=[code]), **kwargs)


def upload(client, code, content, name="report.pdf", **kwargs):
    return client.post(reverse("certificate_verify", args=[code]),
                       {"pdf": SimpleUploadedFile(name, content, content_type="application/pdf")}, **kwargs)


def test_a_reports_code_shows_its_identity_and_checksum_without_login(client, report):
    response = verify(client, report.verification_code)
    assert response.status_code == 200
    text = response.text
    for fact in ("Tashkent test cluster", "Quarterly", "Q1 2026", report.sha256, str(len(PDF)),
                 format_code(report.verification_code)):
        assert fact in text
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_page_shows_no_figures(client, report):
    text = verify(client, report.verification_code).text
    for figure in ("987654", "987,654", "123456", "864198", "700.1"):
        assert figure not in text


def test_the_code_is_accepted_as_typed(client, report):
    typed = format_code(report.verification_code).lower()
    assert verify(client, typed).status_code == 200


@pytest.mark.parametrize("status", [Report.Status.QUEUED, Report.Status.FAILED])
def test_a_report_not_ready_is_unknown(client, cluster, status):
    pending = make_report(cluster, status=status)
    response = verify(client, pending.verification_code)
    assert response.status_code == 404 and "No certificate has this code" in response.text


def test_a_report_of_an_inactive_cluster_is_unknown(client, cluster, report):
    cluster.is_active = False
    cluster.save(update_fields=["is_active"])
    assert verify(client, report.verification_code).status_code == 404


def test_the_uploaded_pdf_matches(client, report, media):
    before = sorted(p for p in media.rglob("*") if p.is_file())
    response = upload(client, report.verification_code, PDF)
    assert response.status_code == 200
    assert 'id="upload-result"' in response.text and "Match:" in response.text
    # Nothing of the upload was kept.
    assert sorted(p for p in media.rglob("*") if p.is_file()) == before


def test_another_pdf_does_not_match(client, report):
    changed = PDF + b"% one more line\n"
    response = upload(client, report.verification_code, changed)
    assert response.status_code == 200
    assert "No match" in response.text and hashlib.sha256(changed).hexdigest() in response.text
    assert "Match:" not in response.text


def test_an_upload_without_a_file_or_too_large_is_refused(client, report, settings):
    response = client.post(reverse("certificate_verify", args=[report.verification_code]), {})
    assert response.status_code == 422 and "Choose the PDF file" in response.text
    settings.REPORT_VERIFY_MAX_BYTES = 16
    response = upload(client, report.verification_code, PDF)
    assert response.status_code == 413 and "too large" in response.text and "Match" not in response.text


def test_an_upload_for_an_unknown_code_is_404(client, report):
    assert upload(client, "ZZZZ-ZZZZ-ZZZZ", PDF).status_code == 404


def test_the_upload_needs_the_csrf_token(report):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert upload(strict, report.verification_code, PDF).status_code == 403


def test_checks_and_uploads_share_the_certificates_rate_limit(client, report, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = "3/m"
    assert verify(client, report.verification_code).status_code == 200
    assert upload(client, report.verification_code, PDF).status_code == 200
    assert verify(client, "ZZZZ-ZZZZ-ZZZZ").status_code == 404
    limited = upload(client, report.verification_code, PDF)
    assert limited.status_code == 429 and report.sha256 not in limited.text
    assert verify(client, report.verification_code).status_code == 429
    assert verify(client, report.verification_code, REMOTE_ADDR="10.0.0.9").status_code == 200
