"""A cluster's branding: its primary and accent colours and its logo, and how the pages, PDFs and
emails of the cluster carry them.

- The primary colour is the header's and the buttons' background, under white text: it must give
  white text a contrast of at least 4.5:1 (WCAG AA). The accent colour draws lines only (under
  the header, under PDF headings, the certificate's frame), so any colour will do.
- The logo is a PNG or JPEG of at most CLUSTER_LOGO_MAX_BYTES, checked by its content
  (cluster_platform.uploads and cluster_platform.images, as every upload of the platform), then
  re-encoded by Pillow within LOGO_KEPT_PIXELS: what is stored holds no metadata and no bytes of
  the upload, and is small enough to embed in every certificate. The logo is the one thing of a
  cluster anyone may fetch without signing in: pages, the cluster's own and its public ones (the
  application form, the check of a certificate), load it from its versioned public address
  (`logo_url`, members.views.public.ClusterLogoView); PDFs embed it as a data: URL
  (cluster_platform.pdf fetches nothing from media).
- Colours reach a page through a <style> block carrying the response's CSP nonce (base.html),
  never a style attribute; `theme_css` writes only values that are #RRGGBB, whatever the row holds.
"""

from __future__ import annotations

import base64
import io
import math
import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from cluster_platform import images, uploads
from cluster_platform.services import add_error

from .models import DEFAULT_ACCENT_COLOUR, DEFAULT_PRIMARY_COLOUR

COLOUR_FIELDS = ("primary_colour", "accent_colour")
DEFAULTS = {"primary_colour": DEFAULT_PRIMARY_COLOUR, "accent_colour": DEFAULT_ACCENT_COLOUR}
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: WCAG 2 AA for normal text: white text on the primary colour.
MIN_CONTRAST = 4.5

DEFAULT_LOGO_MAX_BYTES = 512 * 1024
#: Decoded at most: a 512 KB file could otherwise decode to gigabytes.
LOGO_MAX_PIXELS = 16_000_000
#: What is kept: 300 x 300, or 600 x 150. Plenty for a 40-pixel header and an 18 mm PDF header,
#: and small enough (at most ~360 KB of pixels) for the PDF fetcher's data: URL limit.
LOGO_KEPT_PIXELS = 90_000
LOGO_KINDS = (uploads.PNG, uploads.JPEG)
LOGO_WORDING = uploads.Wording(
    unsupported=gettext_lazy("The logo must be a PNG or JPEG image."),
    too_large=gettext_lazy("The logo is too large. The maximum size is %(limit)s MB."),
    damaged=gettext_lazy("The logo image is damaged or incomplete."),
)


def max_logo_bytes() -> int:
    return int(getattr(settings, "CLUSTER_LOGO_MAX_BYTES", DEFAULT_LOGO_MAX_BYTES))


# --- Colours ------------------------------------------------------------------------------------

def _field_label(field: str) -> str:
    return {"primary_colour": _("primary colour"), "accent_colour": _("accent colour")}[field]


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def ratio_text(ratio: float) -> str:
    """A contrast ratio as the reader's language writes a number: 4.5, or 4,5."""
    return formats.number_format(round(ratio, 1), 1)


def contrast_with_white(colour: str) -> float:
    """The WCAG 2 contrast ratio of white against `colour` (#RRGGBB): 1 to 21."""
    red, green, blue = (int(colour[index:index + 2], 16) for index in (1, 3, 5))
    luminance = 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)
    return 1.05 / (luminance + 0.05)


def clean_colours(data: dict, current) -> dict[str, str]:
    """The colours of `data` (`current`'s where left out), as lowercase #rrggbb, or a
    ValidationError whose messages name their field: another field, a value that is not a hex
    colour, a primary colour too light for white text."""
    errors: dict[str, list[str]] = {}
    for field in sorted(set(data) - set(COLOUR_FIELDS)):
        add_error(errors, field, _("This field cannot be changed here."))
    colours = {}
    for field in COLOUR_FIELDS:
        value = data.get(field, getattr(current, field))
        value = value.strip() if isinstance(value, str) else ""
        if not HEX_COLOUR.match(value):
            add_error(errors, field, _("Enter the %(field)s as # and six hex digits, such as #0B3D91.") % {
                "field": _field_label(field)})
            continue
        colours[field] = value.lower()
    primary = colours.get("primary_colour")
    if primary and contrast_with_white(primary) < MIN_CONTRAST:
        add_error(errors, "primary_colour", _(
            "The primary colour %(colour)s is too light: white text on it has a contrast of %(ratio)s:1. "
            "The header and the buttons put white text on this colour, which needs at least %(minimum)s:1 "
            "(WCAG AA). Choose a darker colour.") % {
            "colour": primary.upper(), "ratio": ratio_text(contrast_with_white(primary)),
            "minimum": ratio_text(MIN_CONTRAST)})
    if errors:
        raise ValidationError(errors)
    return colours


def safe_colour(value, field: str) -> str:
    """`value` if it is a #RRGGBB colour, else the field's default: what goes into CSS."""
    return value.lower() if isinstance(value, str) and HEX_COLOUR.match(value) else DEFAULTS[field]


def theme_css(cluster) -> SafeString:
    """The custom properties the layout's stylesheet (css/app.css) reads, for a <style> block."""
    return format_html(":root{{--cluster-primary:{};--cluster-accent:{}}}",
                       safe_colour(cluster.primary_colour, "primary_colour"),
                       safe_colour(cluster.accent_colour, "accent_colour"))


def document_colours(cluster) -> dict[str, str]:
    """The colours for a PDF's stylesheet: {"primary": "#rrggbb", "accent": "#rrggbb"}."""
    return {"primary": safe_colour(cluster.primary_colour, "primary_colour"),
            "accent": safe_colour(cluster.accent_colour, "accent_colour")}


# --- The logo -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Logo:
    """A logo ready to store: the re-encoded image."""

    content: bytes
    extension: str
    width: int
    height: int


# Modes each format keeps as they are; any other is converted (palettes, 16-bit, CMYK...).
_KEPT_MODES = {"PNG": ("RGB", "RGBA", "L", "LA"), "JPEG": ("RGB", "L")}


def _reencoded(decoded: images.Decoded) -> Logo:
    with Image.open(io.BytesIO(decoded.data), formats=[decoded.format]) as opened:
        image = ImageOps.exif_transpose(opened)
        if image.mode not in _KEPT_MODES[decoded.format]:
            image = image.convert("RGBA" if decoded.format == "PNG" else "RGB")
        width, height = image.size
        if width * height > LOGO_KEPT_PIXELS:
            scale = math.sqrt(LOGO_KEPT_PIXELS / (width * height))
            width, height = max(1, int(width * scale)), max(1, int(height * scale))
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if decoded.format == "PNG":
            image.save(out, "PNG", optimize=True)
        else:
            image.save(out, "JPEG", quality=90, optimize=True)
    return Logo(content=out.getvalue(), extension=uploads.KINDS[images.FORMATS[decoded.format]].extension,
                width=width, height=height)


def logo_from_upload(upload) -> Logo:
    """The upload as the logo to store, or ValidationError({"logo": [message]}): not a sound PNG
    or JPEG (by its content), larger than CLUSTER_LOGO_MAX_BYTES, or too many pixels."""
    if upload is None:
        raise ValidationError({"logo": [_("Choose an image to upload.")]})
    inspected = uploads.inspect_upload(upload, limit=max_logo_bytes(), kinds=LOGO_KINDS, field="logo",
                                       wording=LOGO_WORDING)
    decoded = images.decode(upload, inspected, max_pixels=LOGO_MAX_PIXELS, field="logo", wording=LOGO_WORDING)
    try:
        return _reencoded(decoded)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError({"logo": [str(LOGO_WORDING.damaged)]}) from None


def logo_storage_name(cluster, logo: Logo) -> str:
    """clusters/<cluster id>/<uuid4 hex>.<png|jpg>: a new name for every logo, so its address
    (`logo_url`) changes with it and browsers may keep it for long."""
    return uploads.storage_name("clusters", cluster.pk, extension=logo.extension)


def logo_content_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


def logo_version(cluster) -> str:
    """The version of the cluster's logo ("" without one): its stored name's uuid."""
    return cluster.logo.name.rsplit("/", 1)[-1].split(".", 1)[0] if cluster.logo else ""


def logo_url(cluster) -> str:
    """The public address of the cluster's logo ("" without one): versioned by the stored name, so
    a new logo is a new address, and only the current version answers."""
    if not cluster.logo:
        return ""
    return f"{reverse('cluster_logo', args=[cluster.slug])}?v={logo_version(cluster)}"


def public_context(cluster) -> dict[str, str]:
    """What a page outside the cluster's own (the application form, a certificate's check) shows
    of its branding: the colours for the layout's <style> block and the logo's address. The name
    the page shows itself; nothing else of the row."""
    return {"cluster_theme_css": theme_css(cluster), "cluster_logo_url": logo_url(cluster)}


def logo_data_uri(cluster) -> str:
    """The logo as a data: URL for PDFs ("" without one, or when the file cannot be read: the
    document is then made without it)."""
    if not cluster.logo:
        return ""
    try:
        with default_storage.open(cluster.logo.name, "rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    return f"data:{logo_content_type(cluster.logo.name)};base64,{base64.b64encode(content).decode('ascii')}"


# --- Emails -------------------------------------------------------------------------------------

def from_email(cluster) -> str:
    """DEFAULT_FROM_EMAIL's address under the cluster's name, so a message says whose it is."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((" ".join(str(cluster.name).split()), address))
