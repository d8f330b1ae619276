"""The cluster's branding outside its own pages: the logo's public, versioned address (the one
thing of a cluster anyone may fetch: 404 alike for an unknown or inactive cluster, no logo and
any version but the current one), and the public pages tied to a cluster (the application form,
the check of a certificate or report), which show its logo and colours."""

import re

import pytest
from django.urls import reverse

from cluster_platform.tests.test_security import nonce_of
from members import branding
from members.models import Cluster
from members.tests.test_branding import image_bytes, update, upload
from programs.tests.factories import EnrollmentFactory, ProgramFactory
from reports.tests.test_views import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

COLOURS = {"primary_colour": "#0f5257", "accent_colour": "#d4a017"}
THEME = ":root{--cluster-primary:#0f5257;--cluster-accent:#d4a017}"


def with_logo(cluster, coordinator, fmt="PNG", **colours) -> Cluster:
    return update(cluster, coordinator, colours, logo=upload(image_bytes(fmt), name=f"logo.{fmt.lower()}"))


def logo_path(cluster) -> str:
    return reverse("cluster_logo", args=[cluster.slug])


def img_tag(cluster) -> str:
    return f'<img class="branding-logo" src="{branding.logo_url(cluster)}" alt="Logo of {cluster.name}">'


# --- The logo's public address -----------------------------------------------------------------

@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_anyone_fetches_the_logo_as_stored_with_safe_headers(client, cluster, coordinator, media_root, fmt,
                                                             content_type):
    updated = with_logo(cluster, coordinator, fmt)
    response = client.get(branding.logo_url(updated))  # no one signed in
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (media_root / updated.logo.name).read_bytes()
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{branding.logo_version(updated)}"'
    assert "Set-Cookie" not in response


def test_a_caller_holding_the_logo_gets_304(client, cluster, coordinator):
    updated = with_logo(cluster, coordinator)
    etag = f'"{branding.logo_version(updated)}"'
    response = client.get(branding.logo_url(updated), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(branding.logo_url(updated), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_members_fetch_it_too(client, cluster, coordinator, expert):
    updated = with_logo(cluster, coordinator)
    client.force_login(expert)
    assert client.get(branding.logo_url(updated)).status_code == 200


def test_an_unknown_or_inactive_cluster_and_one_without_a_logo_answer_404(client, cluster, coordinator):
    assert client.get(logo_path(cluster)).status_code == 404  # no logo yet
    assert client.get(reverse("cluster_logo", args=["no-such-region"]) + "?v=0").status_code == 404
    updated = with_logo(cluster, coordinator)
    Cluster.objects.filter(pk=cluster.pk).update(is_active=False)
    assert client.get(branding.logo_url(updated)).status_code == 404


def test_only_the_current_version_answers(client, cluster, coordinator):
    """Without the version (a stored name's uuid) the address says nothing, not even whether the
    cluster has a logo: it cannot be used to list clusters."""
    first = branding.logo_url(with_logo(cluster, coordinator))
    second = branding.logo_url(with_logo(cluster, coordinator))
    assert client.get(second).status_code == 200
    for stale in (first, logo_path(cluster), logo_path(cluster) + "?v=", logo_path(cluster) + "?v=../../x"):
        assert client.get(stale).status_code == 404, stale


def test_another_clusters_logo_is_never_served_under_this_clusters_address(client, cluster, other_cluster,
                                                                          coordinator, outsider, media_root):
    mine = with_logo(cluster, coordinator, "PNG")
    theirs = with_logo(other_cluster, outsider, "JPEG")
    wrong = f"{logo_path(cluster)}?v={branding.logo_version(theirs)}"
    assert client.get(wrong).status_code == 404
    response = client.get(branding.logo_url(theirs))
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == (media_root / theirs.logo.name).read_bytes()
    assert client.get(branding.logo_url(mine))["Content-Type"] == "image/png"


def test_the_address_only_reads(client, cluster, coordinator):
    updated = with_logo(cluster, coordinator)
    assert client.post(branding.logo_url(updated)).status_code == 405
    assert client.head(branding.logo_url(updated)).status_code == 200


def test_the_logo_takes_one_query(client, cluster, coordinator, django_assert_num_queries):
    updated = with_logo(cluster, coordinator)
    with django_assert_num_queries(1):
        assert client.get(branding.logo_url(updated)).status_code == 200


# --- The application form --------------------------------------------------------------------------

def test_the_application_form_shows_the_clusters_name_logo_and_colours(client, cluster, coordinator):
    updated = with_logo(cluster, coordinator, **COLOURS)
    response = client.get(reverse("application_apply", args=[cluster.slug]))
    html = response.content.decode()
    assert f'<style nonce="{nonce_of(response)}">{THEME}</style>' in html
    assert img_tag(updated) in html
    assert "Apply to join Tashkent test cluster" in html
    assert client.get(branding.logo_url(updated)).status_code == 200  # the page's image loads signed out


def test_without_a_logo_the_form_shows_the_name_and_colours(client, cluster, coordinator):
    update(cluster, coordinator, COLOURS)
    html = client.get(reverse("application_apply", args=[cluster.slug])).content.decode()
    assert THEME in html and "branding-logo" not in html


def test_the_answer_to_an_application_keeps_the_branding(client, cluster, coordinator):
    updated = with_logo(cluster, coordinator, **COLOURS)
    response = client.post(reverse("application_apply", args=[cluster.slug]), {
        "organization_name": "Lyceum No. 3", "kind": "college", "tax_id": "300000003", "district": "Bektemir",
        "contact_name": "Malika Yusupova", "contact_email": "malika@lyceum3.example.org"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "your application was received" in html and THEME in html and img_tag(updated) in html


def test_the_form_shows_its_own_clusters_branding_only(client, cluster, other_cluster, coordinator, outsider):
    theirs = with_logo(other_cluster, outsider, primary_colour="#1e3a8a", accent_colour="#2ab7ca")
    with_logo(cluster, coordinator, **COLOURS)
    html = client.get(reverse("application_apply", args=[cluster.slug])).content.decode()
    for foreign in (branding.logo_url(theirs), "#1e3a8a", "#2ab7ca", other_cluster.slug, other_cluster.name):
        assert foreign not in html


def test_the_form_takes_the_same_queries_with_or_without_branding(client, cluster, coordinator,
                                                                  django_assert_num_queries):
    url = reverse("application_apply", args=[cluster.slug])
    client.get(url)
    with django_assert_num_queries(1):  # the cluster
        client.get(url)
    with_logo(cluster, coordinator, **COLOURS)
    with django_assert_num_queries(1):
        client.get(url)


# --- The check of a certificate or a report --------------------------------------------------------

def test_a_certificates_check_shows_its_clusters_logo_and_colours(client, cluster, coordinator, school):
    updated = with_logo(cluster, coordinator, **COLOURS)
    program = ProgramFactory(cluster=cluster, lead_organization=school, status="completed")
    EnrollmentFactory(program=program, status="completed", certificate_code="ABCDEFGHJKMN")
    response = client.get(reverse("certificate_verify", args=["ABCDEFGHJKMN"]))
    html = response.content.decode()
    assert response.status_code == 200 and "This certificate is valid" in html
    assert f'<style nonce="{nonce_of(response)}">{THEME}</style>' in html
    assert img_tag(updated) in html
    # An unknown code shows no cluster's branding.
    unknown = client.get(reverse("certificate_verify", args=["ZZZZZZZZZZZZ"])).content.decode()
    assert THEME not in unknown and "branding-logo" not in unknown


def test_a_reports_check_shows_its_clusters_logo_and_colours(client, cluster, coordinator):
    updated = with_logo(cluster, coordinator, **COLOURS)
    report = make_report(cluster, data={"current": {}, "previous": {}, "change": {}})
    html = client.get(reverse("certificate_verify", args=[report.verification_code])).content.decode()
    assert "This report was issued by the platform" in html
    assert THEME in html and img_tag(updated) in html


def test_a_check_shows_the_branding_of_the_documents_cluster(client, cluster, other_cluster, coordinator, outsider):
    with_logo(cluster, coordinator, **COLOURS)
    theirs = with_logo(other_cluster, outsider, primary_colour="#1e3a8a")
    report = make_report(other_cluster, data={"current": {}, "previous": {}, "change": {}})
    html = client.get(reverse("certificate_verify", args=[report.verification_code])).content.decode()
    assert img_tag(theirs) in html and "--cluster-primary:#1e3a8a" in html
    assert THEME not in html and not re.search(rf"/logos/{cluster.slug}/", html)

