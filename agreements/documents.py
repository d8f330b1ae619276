"""What an agreement document may be, on top of the platform's upload inspection.

Agreement documents (drafts and signed scans) may be PDF, DOCX, ODT, PNG or JPEG, at most
AGREEMENT_DOCUMENT_MAX_BYTES. The checks themselves (type by content, real size, polyglots, zip
bombs, names) are cluster_platform.uploads, shared by every app that accepts a file; this module
only applies the agreements' limit and kinds and their storage folder.

* :func:`inspect_upload` — validates an uploaded file and returns :class:`Inspected`
  (kind, extension, content type, size, SHA-256) or raises ``ValidationError``
  with a ``{"file": [...]}`` message dict.
* :func:`storage_name` — ``agreements/<cluster>/<agreement>/<uuid4 hex>.<ext>``.
* :func:`safe_display_name`, :func:`content_disposition` — from cluster_platform.uploads.
"""

from __future__ import annotations

from django.conf import settings

from cluster_platform import uploads
from cluster_platform.uploads import Inspected, content_disposition, safe_display_name

__all__ = ["DEFAULT_MAX_BYTES", "KINDS", "Inspected", "content_disposition", "inspect_upload",
           "max_upload_bytes", "safe_display_name", "storage_name"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

#: kind -> (stored extension, content type, other accepted spellings of the extension)
KINDS = {kind: (uploads.KINDS[kind].extension, uploads.KINDS[kind].content_type, uploads.KINDS[kind].aliases)
         for kind in uploads.DOCUMENT_KINDS}


def max_upload_bytes() -> int:
    return int(getattr(settings, "AGREEMENT_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def inspect_upload(upload) -> Inspected:
    """Validate an uploaded agreement document by its content (cluster_platform.uploads).

    Raises ``ValidationError({"file": [message]})`` when the file is empty, too large,
    of an unsupported or disguised type, a polyglot, or structurally broken. The upload is
    always rewound to the start afterwards."""
    return uploads.inspect_upload(upload, limit=max_upload_bytes(), kinds=uploads.DOCUMENT_KINDS, field="file")


def storage_name(*, cluster_id, agreement_id, inspected: Inspected) -> str:
    """Generated relative storage path: ``agreements/<cluster>/<agreement>/<uuid4 hex>.<ext>``.

    Nothing in it comes from the user's file name, so it cannot collide with another
    upload or point outside the media folder."""
    if KINDS.get(inspected.kind, (None,))[0] != inspected.extension:
        raise ValueError(f"Unknown document kind: {inspected.kind!r}")
    return uploads.storage_name("agreements", cluster_id, agreement_id, extension=inspected.extension)
