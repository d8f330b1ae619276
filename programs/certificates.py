"""Certificates as PDF: one participant's (certificate_pdf) and all of a programme's in one zip
(certificates_zip). Rendered with cluster_platform.pdf (the deny-by-default URL fetcher) in the
person's language; the QR code of the verification link is an inline data: PNG made by segno,
and the cluster's logo (members.branding) a data: URL too, so the document loads nothing from
outside. The frame and the headings take the cluster's colours."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from cluster_platform.jobs import public_url
from cluster_platform.pdf import render_pdf
from members import branding, languages

from .models import Enrollment, Program
from .selectors import completion_date, format_code, with_certificate_details


def verify_url(code: str) -> str:
    return public_url(f"/verify/{code}")


def certificate_language(enrollment: Enrollment) -> str:
    """The person's language: the one their user chose on their profile (members.Profile), if the
    person has a user who chose one; else the cluster's first language that the platform speaks;
    else LANGUAGE_CODE. Load the enrolment with select_related("person__user__profile") so that
    many certificates cost no query each; a user without a profile is then known without one."""
    return (languages.remembered_language(enrollment.person.user) or languages.cluster_language(enrollment.cluster)
            or settings.LANGUAGE_CODE)


def _qr_data_url(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=6, border=2)


def _context(enrollment: Enrollment, logo_data_uri: str) -> dict:
    program = enrollment.program
    return {
        "cluster_name": enrollment.cluster.name,
        "logo_data_uri": logo_data_uri,
        "colours": branding.document_colours(enrollment.cluster),
        "person_name": enrollment.person.full_name,
        "program_title": program.localized_title,
        "program_kind": program.get_kind_display().lower(),
        "hours": enrollment.hours_attended.normalize() if enrollment.hours_attended % 1 == 0
        else enrollment.hours_attended,
        "completion_date": completion_date(enrollment),
        "lead_organization": program.lead_organization.localized_name,
        "partners": [link.organization.localized_name for link in program.partner_links.all()],
        "code": format_code(enrollment.certificate_code),
        "verify_url": verify_url(enrollment.certificate_code),
        "qr_data_url": _qr_data_url(verify_url(enrollment.certificate_code)),
    }


def _require_issued(enrollment: Enrollment) -> None:
    if enrollment.status != Enrollment.Status.COMPLETED or not enrollment.certificate_code:
        raise ValueError(f"Enrollment {enrollment.pk} has no issued certificate.")


def certificate_html(enrollment: Enrollment, logo_data_uri: str | None = None) -> str:
    """The certificate as the HTML the PDF is made from, in the person's language, with the
    cluster's colours and logo (`logo_data_uri`: read from the cluster's logo when not given)."""
    _require_issued(enrollment)
    if logo_data_uri is None:
        logo_data_uri = branding.logo_data_uri(enrollment.cluster)
    language = certificate_language(enrollment)
    with translation.override(language):
        return render_to_string("programs/certificate.html",
                                {**_context(enrollment, logo_data_uri), "language": language})


def certificate_pdf(enrollment: Enrollment, logo_data_uri: str | None = None) -> bytes:
    """The certificate of one completed participant (the enrolment loaded with its cluster)."""
    return render_pdf(certificate_html(enrollment, logo_data_uri))


def _safe_name(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:60] or "certificate"


def certificates_zip(program: Program) -> bytes:
    """Every issued certificate of the programme, one PDF each, named
    "<person>-<code>.pdf" (ASCII; the code makes names unique)."""
    enrollments = with_certificate_details(
        Enrollment.objects.for_cluster(program.cluster_id)
        .filter(program=program, status=Enrollment.Status.COMPLETED, certificate_code__isnull=False),
        program.cluster_id,
    ).order_by("person__full_name", "pk")
    logo_data_uri = None  # the cluster's logo, read once for them all
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for enrollment in enrollments:
            if logo_data_uri is None:
                logo_data_uri = branding.logo_data_uri(enrollment.cluster)
            name = f"{_safe_name(enrollment.person.full_name)}-{enrollment.certificate_code}.pdf"
            archive.writestr(name, certificate_pdf(enrollment, logo_data_uri))
    return buffer.getvalue()
