"""Validation and storage names of resource photos.

A photo may be JPEG, PNG or WebP. The platform's upload inspection (cluster_platform.uploads,
shared by every app that accepts a file) decides the type by the content, counts the real bytes
against RESOURCE_PHOTO_MAX_BYTES (the declared size may lie) and refuses damaged files and
polyglots (HTML or script inside the image, an archive or PDF hidden in it). Pillow then bounds
the pixel count before any decoding (decompression bombs), checks the structure with
Image.verify() and decodes the image once in full, so a truncated or damaged file is refused too.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from cluster_platform import uploads

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: At most this many pixels (width x height): a 5 MB file could otherwise decode to gigabytes.
DEFAULT_MAX_PIXELS = 40_000_000

#: Pillow format -> the upload kind it must have been recognised as.
FORMATS = {"JPEG": uploads.JPEG, "PNG": uploads.PNG, "WEBP": uploads.WEBP}

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


def _invalid(message: str) -> ValidationError:
    return ValidationError({"image": [message]})


def inspect_photo(upload) -> InspectedPhoto:
    """Raise ValidationError({"image": [message]}) unless the upload is a sound JPEG, PNG or
    WebP image within the size and pixel limits; the upload is rewound afterwards."""
    inspected = uploads.inspect_upload(upload, limit=max_photo_bytes(), kinds=uploads.IMAGE_KINDS, field="image",
                                       wording=WORDING)
    try:
        data = upload.read(inspected.size + 1)
    finally:
        uploads.rewind(upload)

    unsupported = _invalid(str(WORDING.unsupported))
    damaged = _invalid(str(WORDING.damaged))
    too_many_pixels = _invalid(_("The image has too many pixels. The maximum is %(limit)s megapixels.") % {
        "limit": max_photo_pixels() // 1_000_000})
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit: make every bomb warning an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image_format = image.format
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise damaged
                if width * height > max_photo_pixels():
                    raise too_many_pixels
                image.verify()
            # verify() leaves the image unusable and does not decode the pixels: decode once.
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()
        except ValidationError:
            raise
        except UnidentifiedImageError:
            raise unsupported from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except (OSError, SyntaxError, ValueError, TypeError, IndexError, EOFError):
            raise damaged from None
    # Pillow must agree with the inspection on what the bytes are.
    if FORMATS.get(image_format) != inspected.kind or len(data) != inspected.size:
        raise unsupported
    return InspectedPhoto(format=image_format, extension=inspected.extension, content_type=inspected.content_type,
                          size=inspected.size, width=width, height=height)


def storage_name(*, cluster_id, resource_id, inspected: InspectedPhoto) -> str:
    """Generated relative storage path: resources/<cluster>/<resource>/<uuid4 hex>.<ext>.
    Nothing in it comes from the user's file name."""
    kind = FORMATS.get(inspected.format)
    if kind is None or uploads.KINDS[kind].extension != inspected.extension:
        raise ValueError(f"Unknown photo format: {inspected.format!r}")
    return uploads.storage_name("resources", cluster_id, resource_id, extension=inspected.extension)
