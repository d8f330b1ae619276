"""Where a cluster's branding shows: the coordinators' Branding page (403 for the other roles, 404
for another cluster's people), the header of every page of the cluster (colours in a style block
with the CSP nonce, the logo with the cluster's name), certificates and reports (the logo
embedded as a data: URL, the colours in their stylesheet) and emails (sent under the cluster's
name). The logo's public address and the public pages: test_branding_public.py."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from cluster_platform.tests.test_security import nonce_of
from members import branding, services
from members.models import DEFAULT_PRIMARY_COLOUR, Cluster
from members.tests.test_branding import branding_of, image_bytes, stored_files
from programs import certificates
from programs.models import Enrollment
from programs.selectors import with_certificate_details
from programs.tests.factories import EnrollmentFactory, ProgramFactory
from reports import indicators, rendering
from reports.models import Report
from reports.tests.scenario import END, START

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

PAGES = ["cluster_branding", "cluster_logo_remove"]


def url(name, cluster):
    return reverse(name, args=[cluster.slug])


def with_logo(cluster, coordinator, **colours) -> Cluster:
    upload = SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")
    return services.cluster_branding_update(cluster=cluster, actor=coordinator, data=colours, logo=upload)


# --- Who reaches the pages ------------------------------------------------------------------

def test_the_coordinator_reaches_branding_from_the_dashboard(client, cluster, coordinator):
    client.force_login(coordinator)
    dashboard = client.get(url("dashboard", cluster)).content.decode()
    assert f'href="{url("cluster_branding", cluster)}"' in dashboard
    response = client.get(url("cluster_branding", cluster))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="primary_colour" value="#0b3d91"' in html and 'name="accent_colour" value="#0062cc"' in html
    assert "No logo yet" in html


@pytest.mark.parametrize("role", ["authority", "expert", "org_admin"])
def test_the_other_roles_of_the_cluster_are_refused_and_change_nothing(request, client, cluster, coordinator,
                                                                       media_root, role):
    with_logo(cluster, coordinator)
    before = branding_of(cluster)
    client.force_login(request.getfixturevalue(role))
    for name in ("cluster_branding", "cluster_logo_remove"):
        assert client.get(url(name, cluster)).status_code == 403
        assert client.post(url(name, cluster), {"primary_colour": "#000000", "accent_colour": "#000000"}
                           ).status_code == 403
    assert branding_of(cluster) == before
    # Their header shows the logo: its address answers them.
    assert client.get(branding.logo_url(Cluster.objects.get(pk=cluster.pk))).status_code == 200


def test_another_clusters_coordinator_gets_404_on_every_branding_page(client, cluster, coordinator, outsider):
    with_logo(cluster, coordinator)
    before = branding_of(cluster)
    client.force_login(outsider)
    for name in PAGES:
        assert client.get(url(name, cluster)).status_code == 404, name
        assert client.post(url(name, cluster), {"primary_colour": "#000000"}).status_code == 404, name
    assert branding_of(cluster) == before


def test_signed_out_visitors_are_sent_to_sign_in(client, cluster):
    for name in PAGES:
        response = client.get(url(name, cluster))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name


# --- Saving, previewing, removing ---------------------------------------------------------------

def test_saving_the_colours_and_a_logo(client, cluster, coordinator, media_root):
    client.force_login(coordinator)
    response = client.post(url("cluster_branding", cluster), {
        "primary_colour": "#0F5257", "accent_colour": "#d4a017",
        "logo": SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")}, follow=True)
    assert response.redirect_chain == [(url("cluster_branding", cluster), 302)]
    primary, accent, logo = branding_of(cluster)
    assert (primary, accent) == ("#0f5257", "#d4a017") and logo
    html = response.content.decode()
    assert "The branding was saved." in html
    assert f'href="{url("cluster_logo_remove", cluster)}"' in html


def test_a_refused_colour_is_shown_beside_its_field_and_nothing_is_saved(client, cluster, coordinator, media_root):
    client.force_login(coordinator)
    response = client.post(url("cluster_branding", cluster), {
        "primary_colour": "#eeeeee", "accent_colour": "#d4a017",
        "logo": SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")})
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["primary_colour"]
    html = response.content.decode()
    assert 'id="id_primary_colour_error"' in html and "(WCAG AA)" in html
    assert branding_of(cluster) == ("#0b3d91", "#0062cc", "")
    assert stored_files(media_root) == []


def test_a_logo_that_is_not_an_image_is_shown_beside_its_field(client, cluster, coordinator, media_root):
    client.force_login(coordinator)
    response = client.post(url("cluster_branding", cluster), {
        "primary_colour": "#0f5257", "accent_colour": "#d4a017",
        "logo": SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")})
    assert response.status_code == 422
    assert response.context["form"].errors == {"logo": ["The logo must be a PNG or JPEG image."]}
    assert branding_of(cluster) == ("#0b3d91", "#0062cc", "") and stored_files(media_root) == []


def test_the_preview_shows_the_colours_typed_without_saving_them(client, cluster, coordinator):
    client.force_login(coordinator)
    response = client.post(url("cluster_branding", cluster),
                           {"primary_colour": "#1E3A8A", "accent_colour": "#2ab7ca", "preview": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    nonce = nonce_of(response)
    assert (f'<style nonce="{nonce}">.branding-preview{{--preview-primary:#1e3a8a;--preview-accent:#2ab7ca}}'
            '</style>') in html
    assert "Preview (not saved yet)" in html and "10.4:1" in html
    assert branding_of(cluster)[:2] == ("#0b3d91", "#0062cc")
    # A refused colour is not previewed.
    response = client.post(url("cluster_branding", cluster),
                           {"primary_colour": "#ffff00", "accent_colour": "#2ab7ca", "preview": "1"})
    assert response.status_code == 422 and "primary_colour" in response.context["form"].errors


def test_removing_the_logo_is_asked_first(client, cluster, coordinator, media_root,
                                          django_capture_on_commit_callbacks):
    stored = with_logo(cluster, coordinator).logo.name
    client.force_login(coordinator)
    page = client.get(url("cluster_logo_remove", cluster))
    assert page.status_code == 200 and "Remove the logo of Tashkent test cluster?" in page.content.decode()
    assert branding_of(cluster)[2] == stored
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cluster_logo_remove", cluster))
    assert response.status_code == 302 and response["Location"] == url("cluster_branding", cluster)
    assert branding_of(cluster)[2] == "" and stored_files(media_root) == []
    # Nothing left to remove: the page goes back to the branding page.
    assert client.get(url("cluster_logo_remove", cluster))["Location"] == url("cluster_branding", cluster)


def test_the_page_runs_the_same_few_queries_with_or_without_a_logo(client, cluster, coordinator,
                                                                   django_assert_max_num_queries):
    client.force_login(coordinator)
    client.get(url("cluster_branding", cluster))  # the session's first read
    with django_assert_max_num_queries(8):
        assert client.get(url("cluster_branding", cluster)).status_code == 200
    with_logo(cluster, coordinator)
    with django_assert_max_num_queries(8):
        assert client.get(url("cluster_branding", cluster)).status_code == 200


# --- The header and the logo's address -------------------------------------------------------------

def test_every_page_of_the_cluster_carries_its_colours_in_a_nonced_style_block(client, cluster, coordinator,
                                                                               expert):
    services.cluster_branding_update(cluster=cluster, actor=coordinator,
                                     data={"primary_colour": "#0f5257", "accent_colour": "#d4a017"})
    client.force_login(expert)
    for name in ("dashboard", "organization_list", "resource_list"):
        response = client.get(url(name, cluster))
        assert (f'<style nonce="{nonce_of(response)}">:root{{--cluster-primary:#0f5257;--cluster-accent:#d4a017}}'
                '</style>') in response.content.decode(), name


def test_pages_outside_a_cluster_keep_the_platforms_look(client, cluster, coordinator):
    services.cluster_branding_update(cluster=cluster, actor=coordinator, data={"primary_colour": "#0f5257"})
    client.force_login(coordinator)
    html = client.get(reverse("password_change")).content.decode()
    assert "--cluster-primary" not in html and "#0f5257" not in html


def test_the_header_shows_the_logo_named_by_the_cluster(client, cluster, coordinator, expert):
    client.force_login(expert)
    dashboard = url("dashboard", cluster)
    html = client.get(dashboard).content.decode()
    assert f'<a class="navbar-brand text-wrap" href="{dashboard}">{cluster.name}</a>' in html
    logo_url = branding.logo_url(with_logo(cluster, coordinator))
    html = client.get(dashboard).content.decode()
    assert re.search(
        rf'<a class="navbar-brand text-wrap has-logo" href="{dashboard}"><img class="navbar-logo" '
        rf'src="{re.escape(logo_url)}" alt="{cluster.name}"><span aria-hidden="true">{cluster.name}</span></a>', html)


# --- Certificates and reports -------------------------------------------------------------------

@pytest.fixture
def certificate(cluster, school):
    program = ProgramFactory(cluster=cluster, lead_organization=school, title="STEM laboratory methods")
    enrollment = EnrollmentFactory(program=program, status="completed", certificate_code="ABCDEFGHJKLM")
    return with_certificate_details(Enrollment.objects.for_cluster(cluster), cluster).get(pk=enrollment.pk)


def pdf_images(body: bytes) -> int:
    return len(PdfReader(io.BytesIO(body)).pages[0].images)


def test_a_certificate_carries_the_clusters_logo_and_colours(cluster, coordinator, certificate):
    plain = certificates.certificate_html(certificate)
    assert "data:image/png;base64," not in plain.split('class="verify"')[0]
    assert f"border: 3px double {DEFAULT_PRIMARY_COLOUR}" in plain
    without_logo = pdf_images(certificates.certificate_pdf(certificate))  # the QR code

    updated = with_logo(cluster, coordinator, primary_colour="#0f5257", accent_colour="#d4a017")
    certificate.cluster = updated
    html = certificates.certificate_html(certificate)
    # The alt text is in the certificate's language (here the cluster's first): it names the cluster.
    assert re.search(rf'<img class="logo" src="{re.escape(branding.logo_data_uri(updated))}" alt="[^"]*'
                     rf'Tashkent test cluster[^"]*">', html)
    assert "border: 3px double #0f5257" in html and "border-bottom: 1.5mm solid #d4a017" in html
    body = certificates.certificate_pdf(certificate)
    assert pdf_images(body) == without_logo + 1
    assert len(PdfReader(io.BytesIO(body)).pages) == 1


def test_the_zip_of_certificates_reads_the_logo_once(cluster, coordinator, certificate, monkeypatch):
    with_logo(cluster, coordinator)
    EnrollmentFactory(program=certificate.program, status="completed", certificate_code="MNPQRSTVWXYZ")
    reads = []
    original = branding.logo_data_uri
    monkeypatch.setattr(branding, "logo_data_uri", lambda cluster: reads.append(cluster.pk) or original(cluster))
    certificates.certificates_zip(certificate.program)
    assert reads == [cluster.pk]


def test_the_report_carries_the_clusters_logo_and_colours(cluster, coordinator):
    updated = with_logo(cluster, coordinator, primary_colour="#1e3a8a", accent_colour="#2ab7ca")
    report = Report.objects.create(cluster=updated, kind="quarter", period_start=START, period_end=END, language="en")
    html = rendering.render_html(report, data=indicators.snapshot(updated, START, END))
    # The alt text is in the certificate's language (here the cluster's first): it names the cluster.
    assert re.search(rf'<img class="logo" src="{re.escape(branding.logo_data_uri(updated))}" alt="[^"]*'
                     rf'Tashkent test cluster[^"]*">', html)
    assert "h1, h2, h3, .title-page .cluster { color: #1e3a8a; }" in html
    assert "h2 { border-bottom-color: #2ab7ca; }" in html
    assert pdf_images(rendering.html_to_pdf(html)) == 1


# --- Emails ------------------------------------------------------------------------------------

def test_emails_of_the_cluster_are_sent_under_its_name(cluster, coordinator, settings,
                                                       django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "Cluster platform <no-reply@cluster.example.org>"
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org", cluster_role="expert")
    (message,) = mail.outbox
    assert message.from_email == "Tashkent test cluster <no-reply@cluster.example.org>"
    assert "Tashkent test cluster" in message.subject
