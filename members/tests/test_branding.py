"""A cluster's branding (members.branding and services.cluster_branding_update): coordinators
alone change it; colours are #RRGGBB and the primary one keeps white text at 4.5:1; the logo is a
PNG or JPEG checked by its content and size, stored re-encoded under a generated name; a refused
change writes nothing, neither row nor file, and a change is recorded with who made it."""

import base64
import io
import re
from pathlib import Path

import pghistory.models
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members import branding, services
from members.models import DEFAULT_ACCENT_COLOUR, DEFAULT_PRIMARY_COLOUR, Cluster
from tests import hostile_files as corpus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def image_bytes(fmt="PNG", size=(120, 60), colour=(11, 61, 145)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(content: bytes, name="logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def update(cluster, actor, data=None, **kwargs) -> Cluster:
    return services.cluster_branding_update(cluster=cluster, actor=actor, data=data or {}, **kwargs)


def branding_of(cluster) -> tuple:
    row = Cluster.objects.get(pk=cluster.pk)
    return row.primary_colour, row.accent_colour, row.logo.name


# --- Colours --------------------------------------------------------------------------------------

def test_a_new_cluster_has_the_platforms_colours_and_no_logo(cluster):
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert branding.contrast_with_white(DEFAULT_PRIMARY_COLOUR) >= branding.MIN_CONTRAST


@pytest.mark.parametrize("colour, ratio", [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54),
                                           ("#0b3d91", 10.04)])
def test_the_contrast_is_the_wcag_ratio(colour, ratio):
    assert branding.contrast_with_white(colour) == pytest.approx(ratio, abs=0.01)


def test_the_coordinator_sets_the_colours_written_in_lowercase(cluster, coordinator):
    updated = update(cluster, coordinator, {"primary_colour": " #0F5257 ", "accent_colour": "#D4A017"})
    assert (updated.primary_colour, updated.accent_colour) == ("#0f5257", "#d4a017")
    assert branding_of(cluster) == ("#0f5257", "#d4a017", "")


def test_a_colour_left_out_keeps_its_value(cluster, coordinator):
    update(cluster, coordinator, {"accent_colour": "#d4a017"})
    assert branding_of(cluster)[:2] == (DEFAULT_PRIMARY_COLOUR, "#d4a017")


@pytest.mark.parametrize("field, label", [("primary_colour", "primary colour"), ("accent_colour", "accent colour")])
@pytest.mark.parametrize("value", ["0b3d91", "#0b3d9", "#0b3d911", "#gggggg", "blue", "", "#0b3d91;}body{", None])
def test_a_colour_that_is_not_hex_is_refused_naming_the_field(cluster, coordinator, field, label, value):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, {field: value})
    assert list(error.value.message_dict) == [field]
    assert error.value.message_dict[field] == [f"Enter the {label} as # and six hex digits, such as #0B3D91."]
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")


def test_a_primary_colour_too_light_for_white_text_is_refused_saying_why(cluster, coordinator):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, {"primary_colour": "#777777", "accent_colour": "#d4a017"})
    assert error.value.message_dict == {"primary_colour": [
        "The primary colour #777777 is too light: white text on it has a contrast of 4.5:1. The header and the "
        "buttons put white text on this colour, which needs at least 4.5:1 (WCAG AA). Choose a darker colour."]}
    # Nothing was saved half-way: not even the valid accent colour.
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")


def test_the_darkest_grey_that_passes_is_accepted_and_any_accent_will_do(cluster, coordinator):
    update(cluster, coordinator, {"primary_colour": "#767676", "accent_colour": "#ffff00"})
    assert branding_of(cluster)[:2] == ("#767676", "#ffff00")


def test_another_field_cannot_be_changed_here(cluster, coordinator):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, {"name": "Taken over", "primary_colour": "#0f5257"})
    assert error.value.message_dict == {"name": ["This field cannot be changed here."]}
    assert Cluster.objects.get(pk=cluster.pk).name == cluster.name
    assert branding_of(cluster)[0] == DEFAULT_PRIMARY_COLOUR


# --- Who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["authority", "expert", "org_admin", "outsider"])
def test_only_the_clusters_coordinators_change_it(request, cluster, media_root, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        update(cluster, user, {"primary_colour": "#0f5257"}, logo=upload(image_bytes()))
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert stored_files(media_root) == []


def test_the_change_is_recorded_with_who_made_it(cluster, coordinator):
    update(cluster, coordinator, {"primary_colour": "#0f5257"})
    event = pghistory.models.Events.objects.get(pgh_obj_model="members.Cluster", pgh_obj_id=str(cluster.pk),
                                                pgh_label="update")
    assert event.pgh_diff["primary_colour"] == [DEFAULT_PRIMARY_COLOUR, "#0f5257"]
    assert event.pgh_context["user"] == coordinator.pk
    assert event.pgh_context["service"] == "cluster_branding_update"


# --- The logo ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, extension", [("PNG", "png"), ("JPEG", "jpg")])
def test_a_logo_is_stored_re_encoded_under_a_generated_name(cluster, coordinator, media_root, fmt, extension):
    updated = update(cluster, coordinator, logo=upload(image_bytes(fmt), name="../../My logo.exe"))
    assert re.fullmatch(rf"clusters/{cluster.pk}/[0-9a-f]{{32}}\.{extension}", updated.logo.name)
    stored = (media_root / updated.logo.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == (fmt, (120, 60))
    assert stored_files(media_root) == [media_root / updated.logo.name]


def test_a_large_logo_is_scaled_down_keeping_its_shape(cluster, coordinator, media_root):
    updated = update(cluster, coordinator, logo=upload(image_bytes(size=(1200, 300))))
    with Image.open(media_root / updated.logo.name) as image:
        width, height = image.size
    assert width * height <= branding.LOGO_KEPT_PIXELS
    assert (width, height) == (600, 150)


def test_metadata_of_the_upload_is_not_kept(cluster, coordinator, media_root):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (40, 40), (20, 20, 20)).save(buffer, format="JPEG", exif=exif)
    updated = update(cluster, coordinator, logo=upload(buffer.getvalue(), name="logo.jpg"))
    assert b"secret description" not in (media_root / updated.logo.name).read_bytes()


@pytest.mark.parametrize("content, message", [
    (image_bytes("GIF"), "The logo must be a PNG or JPEG image."),
    (image_bytes("WEBP"), "The logo must be a PNG or JPEG image."),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "The logo must be a PNG or JPEG image."),
    (b"%PDF-1.7\n%%EOF", "The logo must be a PNG or JPEG image."),
    (image_bytes("PNG")[:60], "The logo image is damaged or incomplete."),
    (corpus.png_with_script(), "The image contains embedded web content and cannot be accepted."),
    (corpus.jpeg_with_zip(), "The file also contains an archive and cannot be accepted."),
])
def test_a_logo_that_is_not_a_sound_png_or_jpeg_is_refused_and_nothing_is_saved(
        cluster, coordinator, media_root, content, message):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, {"primary_colour": "#0f5257"}, logo=upload(content))
    assert error.value.message_dict == {"logo": [message]}
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert stored_files(media_root) == []


def test_a_logo_over_the_size_limit_is_refused_naming_the_limit(cluster, coordinator, media_root, settings):
    assert settings.CLUSTER_LOGO_MAX_BYTES == 512 * 1024
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, logo=upload(corpus.oversize(512 * 1024)))
    assert error.value.message_dict == {"logo": ["The logo is too large. The maximum size is 0.5 MB."]}
    assert branding_of(cluster)[2] == "" and stored_files(media_root) == []


def test_a_logo_of_too_many_pixels_is_refused_before_it_is_decoded(cluster, coordinator, media_root):
    # 5000 x 5000 of one colour compresses to a few kilobytes.
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, logo=upload(image_bytes(size=(5000, 5000))))
    assert error.value.message_dict == {"logo": ["The image has too many pixels. The maximum is 16 megapixels."]}
    assert stored_files(media_root) == []


def test_every_error_comes_at_once(cluster, coordinator):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, {"primary_colour": "#eeeeee", "accent_colour": "gold"},
               logo=upload(b"not an image"))
    assert set(error.value.message_dict) == {"primary_colour", "accent_colour", "logo"}


def test_a_new_logo_replaces_the_old_file_once_committed(cluster, coordinator, media_root,
                                                         django_capture_on_commit_callbacks):
    first = update(cluster, coordinator, logo=upload(image_bytes())).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        second = update(cluster, coordinator, logo=upload(image_bytes("JPEG"), name="logo.jpg")).logo.name
    assert first != second
    assert stored_files(media_root) == [media_root / second]
    assert branding_of(cluster)[2] == second


def test_removing_the_logo_deletes_its_file_once_committed(cluster, coordinator, media_root,
                                                           django_capture_on_commit_callbacks):
    update(cluster, coordinator, logo=upload(image_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        update(cluster, coordinator, remove_logo=True)
    assert branding_of(cluster)[2] == "" and stored_files(media_root) == []


def test_a_new_logo_and_its_removal_together_are_refused(cluster, coordinator, media_root):
    with pytest.raises(ValidationError) as error:
        update(cluster, coordinator, logo=upload(image_bytes()), remove_logo=True)
    assert error.value.message_dict == {"logo": ["Upload a new logo or remove the logo, not both."]}
    assert stored_files(media_root) == []


def test_the_stored_file_is_removed_when_the_row_cannot_be_written(cluster, coordinator, media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Cluster, "save", fail)
    with pytest.raises(RuntimeError):
        update(cluster, coordinator, {"primary_colour": "#0f5257"}, logo=upload(image_bytes()))
    monkeypatch.undo()
    assert branding_of(cluster) == (DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, "")
    assert stored_files(media_root) == []


# --- What pages, documents and emails get ----------------------------------------------------------

def test_the_theme_writes_only_hex_colours_whatever_the_row_holds(cluster):
    cluster.primary_colour = "red;}</style><script>"
    cluster.accent_colour = "#D4A017"
    assert branding.theme_css(cluster) == ":root{--cluster-primary:#0b3d91;--cluster-accent:#d4a017}"


def test_the_logo_as_a_data_url_is_the_stored_file(cluster, coordinator, media_root):
    assert branding.logo_data_uri(cluster) == ""
    updated = update(cluster, coordinator, logo=upload(image_bytes()))
    uri = branding.logo_data_uri(updated)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == (media_root / updated.logo.name).read_bytes()


def test_the_logo_url_changes_with_the_logo(cluster, coordinator):
    assert branding.logo_url(cluster) == ""
    first = branding.logo_url(update(cluster, coordinator, logo=upload(image_bytes())))
    second = branding.logo_url(update(cluster, coordinator, logo=upload(image_bytes())))
    assert first.startswith(f"/logos/{cluster.slug}/?v=") and first != second


def test_emails_are_sent_under_the_clusters_name(cluster, settings):
    settings.DEFAULT_FROM_EMAIL = "Cluster platform <no-reply@cluster.example.org>"
    assert branding.from_email(cluster) == "Tashkent test cluster <no-reply@cluster.example.org>"
    cluster.name = "Toshkent, \u201cklaster\u201d\nBcc: x@example.org"
    sender = branding.from_email(cluster)
    assert "\n" not in sender and sender.endswith("<no-reply@cluster.example.org>")


def test_a_colour_left_out_keeps_the_rows_value_not_the_callers_copy(cluster, coordinator):
    stale = Cluster.objects.get(pk=cluster.pk)
    update(cluster, coordinator, {"primary_colour": "#0f5257"})
    update(stale, coordinator, {"accent_colour": "#d4a017"})
    assert branding_of(cluster)[:2] == ("#0f5257", "#d4a017")
