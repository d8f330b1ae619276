"""Photos: checked by their content with Pillow, stored under a generated name."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from resources import photos, services
from resources.models import Resource, ResourcePhoto

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def image_bytes(fmt="PNG", size=(64, 48), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def add(cluster, actor, resource, content, name="photo.png", **kwargs):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    return services.photo_add(cluster=cluster, actor=actor, resource_id=resource.pk, upload=upload, **kwargs)


@pytest.mark.parametrize("fmt, extension, content_type", [
    ("PNG", "png", "image/png"), ("JPEG", "jpg", "image/jpeg"), ("WEBP", "webp", "image/webp")])
def test_a_real_image_is_stored_under_a_generated_name(cluster, uni_admin, lab, media_root, fmt, extension,
                                                        content_type):
    photo = add(cluster, uni_admin, lab, image_bytes(fmt), name="../../etc/My lab.exe", caption=" Bench ")
    photo.refresh_from_db()
    assert re.fullmatch(rf"resources/{cluster.pk}/{lab.pk}/[0-9a-f]{{32}}\.{extension}", photo.image.name)
    assert (photo.content_type, photo.width, photo.height, photo.caption, photo.position) == (
        content_type, 64, 48, "Bench", 1)
    assert (media_root / photo.image.name).read_bytes() == image_bytes(fmt)
    assert photo.size == len(image_bytes(fmt))


def test_photos_are_numbered_in_order(cluster, uni_admin, lab):
    first = add(cluster, uni_admin, lab, image_bytes())
    second = add(cluster, uni_admin, lab, image_bytes("JPEG"), name="b.jpg")
    assert (first.position, second.position) == (1, 2)
    assert list(lab.photos.values_list("pk", flat=True)) == [first.pk, second.pk]


@pytest.mark.parametrize("content, message", [
    (b"#!/bin/sh\nrm -rf /\n", "This file is not a photo. Upload a JPEG, PNG or WebP image."),
    (b"MZ\x90\x00" + b"\x00" * 200, "This file is not a photo. Upload a JPEG, PNG or WebP image."),
    (b"%PDF-1.7\n%%EOF", "This file is not a photo. Upload a JPEG, PNG or WebP image."),
    (image_bytes("GIF"), "This file is not a photo. Upload a JPEG, PNG or WebP image."),
    (image_bytes("JPEG")[:300], "The image is damaged or incomplete."),
    (image_bytes("PNG")[:60], "The image is damaged or incomplete."),
    (b"", "The file is empty."),
])
def test_a_file_that_is_not_a_sound_photo_is_refused_and_nothing_is_kept(cluster, uni_admin, lab, media_root,
                                                                          content, message):
    with pytest.raises(ValidationError) as refused:
        add(cluster, uni_admin, lab, content, name="photo.jpg")
    assert refused.value.message_dict == {"image": [message]}
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()
    assert stored_files(media_root) == []


def test_an_oversize_photo_is_refused(settings, cluster, uni_admin, lab, media_root):
    settings.RESOURCE_PHOTO_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 1024 * 1024  # random pixels do not compress
    with pytest.raises(ValidationError) as refused:
        add(cluster, uni_admin, lab, buffer.getvalue())
    assert refused.value.message_dict == {"image": ["The photo is too large. The maximum size is 1 MB."]}
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()
    assert stored_files(media_root) == []


def test_the_size_limit_counts_the_real_bytes_not_the_declared_size(settings):
    settings.RESOURCE_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    upload = SimpleUploadedFile("p.png", b"\x00" * (3 * 1024 * 1024))
    upload.size = 10  # a lie
    with pytest.raises(ValidationError) as refused:
        photos.inspect_photo(upload)
    assert refused.value.message_dict == {"image": ["The photo is too large. The maximum size is 2 MB."]}


def test_too_many_pixels_are_refused_before_decoding(settings):
    settings.RESOURCE_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as refused:
        photos.inspect_photo(SimpleUploadedFile("p.png", image_bytes(size=(100, 100))))
    assert "too many pixels" in refused.value.message_dict["image"][0]


def test_only_managers_add_and_remove_photos(cluster, uni_admin, org_admin, lab, media_root):
    with pytest.raises(PermissionDenied):
        add(cluster, org_admin, lab, image_bytes())
    photo = add(cluster, uni_admin, lab, image_bytes())
    with pytest.raises(PermissionDenied):
        services.photo_remove(cluster=cluster, actor=org_admin, photo_id=photo.pk)
    assert ResourcePhoto.objects.for_cluster(cluster).count() == 1


def test_removing_a_photo_deletes_its_file_after_commit(cluster, uni_admin, lab, media_root,
                                                        django_capture_on_commit_callbacks):
    photo = add(cluster, uni_admin, lab, image_bytes())
    path = media_root / photo.image.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_remove(cluster=cluster, actor=uni_admin, photo_id=photo.pk)
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()
    assert not path.exists()


def test_another_clusters_resource_takes_no_photo(other_cluster, outsider, lab, media_root):
    with pytest.raises(Resource.DoesNotExist):
        add(other_cluster, outsider, lab, image_bytes())
    assert stored_files(media_root) == []


def test_the_file_is_removed_when_the_row_cannot_be_written(cluster, uni_admin, lab, media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ResourcePhoto, "save", fail)
    with pytest.raises(RuntimeError):
        add(cluster, uni_admin, lab, image_bytes())
    assert stored_files(media_root) == []
