"""GET and PATCH /api/v1/c/<slug>/branding/: every member reads the cluster's colours and logo;
coordinators change them through services.cluster_branding_update (the Branding page's service),
in JSON or multipart/form-data with a new logo, and a refused change names its field and changes
nothing. Another cluster's people get 404; the operations are in the schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from members import branding
from members.models import DEFAULT_ACCENT_COLOUR, DEFAULT_PRIMARY_COLOUR, Cluster
from members.tests.test_api import EVERY_ROLE, client_for, token_client, url
from members.tests.test_branding import branding_of, image_bytes, stored_files, update, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def branding_url(cluster) -> str:
    return url(cluster, "branding")


def fresh(cluster) -> Cluster:
    return Cluster.objects.get(pk=cluster.pk)


# --- Reading -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_member_reads_the_colours_and_the_logos_address(request, cluster, coordinator, role):
    updated = update(cluster, coordinator, {"primary_colour": "#0f5257"}, logo=upload(image_bytes()))
    response = client_for(request.getfixturevalue(role)).get(branding_url(cluster))
    assert response.status_code == 200
    assert response.data == {"primary_colour": "#0f5257", "accent_colour": DEFAULT_ACCENT_COLOUR,
                             "logo_url": f"http://testserver{branding.logo_url(updated)}"}


def test_without_a_logo_its_address_is_null(cluster, coordinator):
    response = client_for(coordinator).get(branding_url(cluster))
    assert response.data == {"primary_colour": DEFAULT_PRIMARY_COLOUR, "accent_colour": DEFAULT_ACCENT_COLOUR,
                             "logo_url": None}


def test_the_logo_address_answers_the_image(cluster, coordinator):
    update(cluster, coordinator, logo=upload(image_bytes()))
    address = client_for(coordinator).get(branding_url(cluster)).data["logo_url"]
    response = client_for(None).get(address.removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_reading_takes_a_fixed_few_queries(cluster, coordinator, django_assert_max_num_queries):
    update(cluster, coordinator, logo=upload(image_bytes()))
    # The token, the cluster with the caller's roles, and their organization roles.
    with django_assert_max_num_queries(4):
        assert token_client(coordinator).get(branding_url(cluster)).status_code == 200


# --- Changing --------------------------------------------------------------------------------

def test_a_coordinator_changes_a_colour_and_the_other_stays(cluster, coordinator):
    response = client_for(coordinator).patch(branding_url(cluster), {"accent_colour": "#D4A017"}, format="json")
    assert response.status_code == 200
    assert response.data == {"primary_colour": DEFAULT_PRIMARY_COLOUR, "accent_colour": "#d4a017", "logo_url": None}
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, "#d4a017", "")


def test_a_coordinator_uploads_a_logo_with_the_colours_in_multipart(cluster, coordinator, media_root):
    response = client_for(coordinator).patch(branding_url(cluster), {
        "primary_colour": "#0f5257", "logo": upload(image_bytes("JPEG"), name="logo.jpg")}, format="multipart")
    assert response.status_code == 200
    primary, _accent, logo = branding_of(cluster)
    assert primary == "#0f5257" and logo.endswith(".jpg")
    assert response.data["logo_url"] == f"http://testserver{branding.logo_url(fresh(cluster))}"
    assert stored_files(media_root) == [media_root / logo]


def test_a_coordinator_removes_the_logo(cluster, coordinator, media_root, django_capture_on_commit_callbacks):
    update(cluster, coordinator, logo=upload(image_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).patch(branding_url(cluster), {"remove_logo": True}, format="json")
    assert response.status_code == 200 and response.data["logo_url"] is None
    assert branding_of(cluster)[2] == "" and stored_files(media_root) == []


def test_the_change_is_in_the_audit_trail(cluster, coordinator):
    client_for(coordinator).patch(branding_url(cluster), {"primary_colour": "#0f5257"}, format="json")
    [event] = client_for(coordinator).get(url(cluster, "audit"), {"kind": "cluster"}).data["results"]
    assert event["who"] == "coord"
    assert event["changes"] == [{"field": "Primary colour", "old": DEFAULT_PRIMARY_COLOUR, "new": "#0f5257"}]


# --- Refused changes ----------------------------------------------------------------------------

def test_a_colour_too_light_for_white_text_is_named_and_nothing_is_saved(cluster, coordinator, media_root):
    response = client_for(coordinator).patch(branding_url(cluster), {
        "primary_colour": "#eeeeee", "accent_colour": "#d4a017", "logo": upload(image_bytes())}, format="multipart")
    assert response.status_code == 400
    assert list(response.data) == ["primary_colour"]
    assert "(WCAG AA)" in str(response.data["primary_colour"][0])
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert stored_files(media_root) == []


@pytest.mark.parametrize("body, fields", [
    ({"accent_colour": "blue"}, {"accent_colour"}),
    ({"primary_colour": "", "accent_colour": "#12345"}, {"primary_colour", "accent_colour"}),
    ({"name": "Taken over"}, {"name"}),
    ({"logo": "data:image/png;base64,AAAA"}, {"logo"}),
    ({"remove_logo": "perhaps"}, {"remove_logo"}),
])
def test_a_bad_json_body_is_400_naming_each_field(cluster, coordinator, body, fields):
    before = branding_of(cluster)
    response = client_for(coordinator).patch(branding_url(cluster), body, format="json")
    assert response.status_code == 400 and set(response.data) == fields
    assert branding_of(cluster) == before and fresh(cluster).name == "Tashkent test cluster"


def test_a_logo_that_is_not_an_image_or_with_a_removal_is_named(cluster, coordinator, media_root):
    client = client_for(coordinator)
    response = client.patch(branding_url(cluster), {"logo": upload(b"<svg onload='alert(1)'/>", name="logo.svg")},
                            format="multipart")
    assert response.status_code == 400 and response.data == {"logo": ["The logo must be a PNG or JPEG image."]}
    response = client.patch(branding_url(cluster), {"logo": upload(image_bytes()), "remove_logo": "true"},
                            format="multipart")
    assert response.status_code == 400 and list(response.data) == ["logo"]
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert stored_files(media_root) == []


@pytest.mark.parametrize("role", ["authority", "expert", "org_admin"])
def test_the_other_roles_may_not_change_it(request, cluster, coordinator, media_root, role):
    update(cluster, coordinator, logo=upload(image_bytes()))
    before, files = branding_of(cluster), stored_files(media_root)
    client = client_for(request.getfixturevalue(role))
    assert client.patch(branding_url(cluster), {"primary_colour": "#000000"}, format="json").status_code == 403
    assert client.patch(branding_url(cluster), {"logo": upload(image_bytes())}, format="multipart").status_code == 403
    assert client.patch(branding_url(cluster), {"remove_logo": True}, format="json").status_code == 403
    assert branding_of(cluster) == before and stored_files(media_root) == files


def test_another_clusters_coordinator_gets_404_and_changes_nothing(cluster, coordinator, outsider):
    update(cluster, coordinator, {"primary_colour": "#0f5257"})
    before = branding_of(cluster)
    client = client_for(outsider)
    assert client.get(branding_url(cluster)).status_code == 404
    assert client.patch(branding_url(cluster), {"primary_colour": "#000000"}, format="json").status_code == 404
    assert client.get(url(Cluster(slug="no-such-region"), "branding")).status_code == 404
    assert branding_of(cluster) == before


def test_anonymous_callers_get_401(cluster):
    assert client_for(None).get(branding_url(cluster)).status_code == 401
    assert client_for(None).patch(branding_url(cluster), {"remove_logo": True}, format="json").status_code == 401


def test_the_operations_are_in_the_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"]["/api/v1/c/{cluster_slug}/branding/"]
    assert set(operations) - {"parameters"} == {"get", "patch"}
    patch = operations["patch"]
    assert set(patch["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "400", "403", "404"} <= set(patch["responses"])
    output = schema["components"]["schemas"]["BrandingOut"]["properties"]
    assert set(output) == {"primary_colour", "accent_colour", "logo_url"} and output["logo_url"]["nullable"]
