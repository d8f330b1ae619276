"""Validation and storage names of resource photos.

A photo may be JPEG, PNG or WebP. The platform's upload inspection (cluster_platform.uploads,
shared by every app that accepts a file) decides the type by the content, counts the real bytes
against RESOURCE_PHOTO_MAX_BYTES (the declared size may lie) and refuses damaged files and
polyglots (HTML or script inside the image, an archive or PDF hidden in it). cluster_platform.images
then bounds the pixel count before any decoding (decompression bombs), checks the structure and
decodes the image once in full, so a truncated or damaged file is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy

from cluster_platform import images, uploads

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: At most this many pixels (width x height): a 5 MB file could otherwise decode to gigabytes.
DEFAULT_MAX_PIXELS = 40_000_000

#: Pillow format -> the upload kind it must have been recognised as.
FORMATS = images.FORMATS

WORDING = uploads.Wording(
    unsupported=gettext_lazy("This file is not a photo. Upload a JPEG, PNG or WebP image."),
    too_large=gettext_lazy("The photo is too large. The maximum size is %(limit)s MB."),
    damaged=gettext_lazy("The image is damaged or incomplete."),
)


@dataclass(frozen=True)
class InspectedPhoto:
    format: str
    extension: str
    content_type: str
    size: int
    width: int
    height: int


def max_photo_bytes() -> int:
    return int(getattr(settings, "RESOURCE_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_photo_pixels() -> int:
    return int(getattr(settings, "RESOURCE_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def inspect_photo(upload) -> InspectedPhoto:
    """Raise ValidationError({"image": [message]}) unless the upload is a sound JPEG, PNG or
    WebP image within the size and pixel limits; the upload is rewound afterwards."""
    inspected = uploads.inspect_upload(upload, limit=max_photo_bytes(), kinds=uploads.IMAGE_KINDS, field="image",
                                       wording=WORDING)
    decoded = images.decode(upload, inspected, max_pixels=max_photo_pixels(), field="image", wording=WORDING)
    return InspectedPhoto(format=decoded.format, extension=inspected.extension, content_type=inspected.content_type,
                          size=inspected.size, width=decoded.width, height=decoded.height)


def storage_name(*, cluster_id, resource_id, inspected: InspectedPhoto) -> str:
    """Generated relative storage path: resources/<cluster>/<resource>/<uuid4 hex>.<ext>.
    Nothing in it comes from the user's file name."""
    kind = FORMATS.get(inspected.format)
    if kind is None or uploads.KINDS[kind].extension != inspected.extension:
        raise ValueError(f"Unknown photo format: {inspected.format!r}")
    return uploads.storage_name("resources", cluster_id, resource_id, extension=inspected.extension)
