"""Decoding an uploaded image once it passed `cluster_platform.uploads.inspect_upload`.

The inspection decides the kind by the bytes and refuses polyglots; Pillow then bounds the pixel
count before any decoding (a small file can decode to gigabytes: decompression bombs), checks the
structure with Image.verify() and decodes the image once in full, so a truncated or damaged file
is refused too, and must agree with the inspection on what the bytes are. Resource photos and
cluster logos share it, each with its own limits and wording.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from . import uploads

#: Pillow format -> the upload kind it must have been recognised as.
FORMATS = {"JPEG": uploads.JPEG, "PNG": uploads.PNG, "WEBP": uploads.WEBP}


@dataclass(frozen=True)
class Decoded:
    format: str  # Pillow's name: "JPEG", "PNG", "WEBP"
    width: int
    height: int
    data: bytes  # the upload's bytes, read once


def decode(upload, inspected: uploads.Inspected, *, max_pixels: int, field: str,
           wording: uploads.Wording) -> Decoded:
    """The image of an inspected upload, decoded once in full; ValidationError({field: [...]})
    when it is damaged, has more than `max_pixels` pixels or is not what the inspection found.
    The upload is rewound afterwards."""
    try:
        data = upload.read(inspected.size + 1)
    finally:
        uploads.rewind(upload)

    def invalid(message) -> ValidationError:
        return ValidationError({field: [str(message)]})

    unsupported = invalid(wording.unsupported)
    damaged = invalid(wording.damaged or _("The image is damaged or incomplete."))
    too_many_pixels = invalid(_("The image has too many pixels. The maximum is %(limit)s megapixels.") % {
        "limit": max_pixels // 1_000_000})
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit: make every bomb warning an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image_format = image.format
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise damaged
                if width * height > max_pixels:
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
    return Decoded(format=image_format, width=width, height=height, data=data)
