"""Validation and storage names of resource photos.

A photo may be JPEG, PNG or WebP, decided from its content with Pillow: the user's file name
and the browser's content type are never trusted. The real bytes are counted against
RESOURCE_PHOTO_MAX_BYTES (the declared size may lie), the pixel count is bounded before any
decoding (decompression bombs), the structure is checked with Image.verify() and the image is
then decoded once in full, so a truncated or damaged file is refused too.

agreements/documents.py does the same for agreement documents with hand-written parsers; its
helpers are specific to those kinds (their names, messages and the "agreements/" prefix), so
this module keeps its own small equivalents.
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: At most this many pixels (width x height): a 5 MB file could otherwise decode to gigabytes.
DEFAULT_MAX_PIXELS = 40_000_000

#: Pillow format -> (stored extension, content type)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}

_SAFE_ID = re.compile(r"^[0-9]{1,20}$")


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


def _format_mb(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1 and megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.2f}".rstrip("0").rstrip(".") or "0"


def _too_large(limit: int) -> ValidationError:
    return _invalid(_("The photo is too large. The maximum size is %(limit)s MB.") % {"limit": _format_mb(limit)})


def _read(upload, limit: int) -> bytes:
    try:
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    buffer = io.BytesIO()
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        buffer.write(chunk)
    return buffer.getvalue()


def inspect_photo(upload) -> InspectedPhoto:
    """Raise ValidationError({"image": [message]}) unless the upload is a sound JPEG, PNG or
    WebP image within the size and pixel limits; the upload is rewound afterwards."""
    limit = max_photo_bytes()
    declared = getattr(upload, "size", None)
    if declared == 0:
        raise _invalid(_("The file is empty."))
    if declared is not None and declared > limit:
        raise _too_large(limit)
    try:
        data = _read(upload, limit)
    finally:
        try:
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
    if not data:
        raise _invalid(_("The file is empty."))

    unsupported = _invalid(_("This file is not a photo. Upload a JPEG, PNG or WebP image."))
    damaged = _invalid(_("The image is damaged or incomplete."))
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
    if image_format not in FORMATS:
        raise unsupported
    extension, content_type = FORMATS[image_format]
    return InspectedPhoto(format=image_format, extension=extension, content_type=content_type, size=len(data),
                          width=width, height=height)


def storage_name(*, cluster_id, resource_id, inspected: InspectedPhoto) -> str:
    """Generated relative storage path: resources/<cluster>/<resource>/<uuid4 hex>.<ext>.
    Nothing in it comes from the user's file name."""
    parts = []
    for label, value in (("cluster_id", cluster_id), ("resource_id", resource_id)):
        if value is None or isinstance(value, bool) or not _SAFE_ID.match(str(value)):
            raise ValueError(f"Unsafe {label} for a storage path: {value!r}")
        parts.append(str(value))
    if FORMATS.get(inspected.format, (None,))[0] != inspected.extension:
        raise ValueError(f"Unknown photo format: {inspected.format!r}")
    return f"resources/{parts[0]}/{parts[1]}/{uuid.uuid4().hex}.{inspected.extension}"
