"""Innovations: attachments use cases.

Attachments (the method description, lesson plans, photos of the work) are validated exactly
like agreement documents (agreements.documents): the type is decided by the file's content,
never by its name or the content type the browser sends; hostile files (SVG, HTML, polyglots,
macros, archives that expand without bound) are refused; the stored name is generated and the
display name cleaned. The size limit is the INNOVATION_ATTACHMENT_MAX_BYTES setting.

Like agreements.services.document_upload, `attachment_add` stores its file outside the database:
callers run it outside their own atomic blocks, so a refused or failed upload leaves neither row
nor file behind.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from agreements import documents
from cluster_platform.services import audit
from cluster_platform.tenancy import roles_for

from .. import permissions, selectors
from ..models import Innovation, InnovationAttachment

__all__ = ["attachment_add", "attachment_remove"]

DESCRIPTION_MAX_LENGTH = 255


def attachment_max_bytes() -> int:
    return int(getattr(settings, "INNOVATION_ATTACHMENT_MAX_BYTES", documents.DEFAULT_MAX_BYTES))


def size_limit_mb(limit: int | None = None) -> str:
    """The limit in megabytes for people: "20", "0.5"."""
    megabytes = (attachment_max_bytes() if limit is None else limit) / (1024 * 1024)
    if megabytes >= 1 and megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.2f}".rstrip("0").rstrip(".") or "0"


def _check_size(upload, limit: int) -> None:
    """The innovation's own limit, on the declared size and on the bytes really sent (the
    declared size may lie). agreements.documents.inspect_upload then checks the content."""
    too_large = ValidationError({"file": [_("The file is too large. The maximum size is %(limit)s MB.") % {
        "limit": size_limit_mb(limit)}]})
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise too_large
    size = 0
    try:
        upload.seek(0)
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                raise too_large
    finally:
        upload.seek(0)


def _storage_name(*, cluster_id: int, innovation_id: int, inspected: documents.Inspected) -> str:
    """`innovations/<cluster>/<innovation>/<uuid4 hex>.<ext>`: nothing of the user's file name,
    so it can neither collide nor leave the media folder."""
    for value in (cluster_id, innovation_id):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"Unsafe id for a storage path: {value!r}")
    extension = documents.KINDS[inspected.kind][0]
    if extension != inspected.extension:
        raise ValueError(f"Unknown document kind: {inspected.kind!r}")
    return f"innovations/{cluster_id}/{innovation_id}/{uuid.uuid4().hex}.{extension}"


def _visible(cluster, actor, innovation_id) -> Innovation:
    """The innovation, if the actor may see it (DoesNotExist otherwise, as for another cluster's)."""
    innovation = Innovation.objects.for_cluster(cluster).get(pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    return innovation


def attachment_add(*, cluster, actor, innovation_id: int, upload, description: str = "") -> InnovationAttachment:
    """Attach a file to the innovation (the authors' side, until it is rejected or archived).

    Permission first (invisible: DoesNotExist; visible but not the actor's to change:
    PermissionDenied), then the content is inspected (ValidationError on "file") before any lock
    is taken; under the innovation's row lock the permission is checked again (it may have been
    archived meanwhile), the file stored under its generated name and the row written."""
    innovation = _visible(cluster, actor, innovation_id)
    if not permissions.can_attach(roles_for(actor, cluster), innovation):
        permissions.deny()
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": [_("Use at most %(limit)s characters.") % {
            "limit": DESCRIPTION_MAX_LENGTH}]})
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    _check_size(upload, attachment_max_bytes())
    inspected = documents.inspect_upload(upload)
    name = _storage_name(cluster_id=cluster.pk, innovation_id=innovation.pk, inspected=inspected)
    display_name = documents.safe_display_name(getattr(upload, "name", ""), inspected)

    stored = None
    try:
        with transaction.atomic():
            innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation.pk)
            if not permissions.can_attach(roles_for(actor, cluster), innovation):
                permissions.deny()
            stored = default_storage.save(name, upload)
            if stored != name:
                raise RuntimeError(f"Storage renamed the innovation attachment {name!r} to {stored!r}.")
            attachment = InnovationAttachment(
                cluster=cluster, innovation=innovation, original_name=display_name,
                content_type=inspected.content_type, size=inspected.size, sha256=inspected.sha256,
                description=description, uploaded_by=actor,
            )
            attachment.file.name = stored
            with audit(actor, service="attachment_add"):
                attachment.save()
    except BaseException:
        if stored is not None:
            default_storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, cluster, actor, attachment_id: int) -> InnovationAttachment:
    """Remove an attachment: the authors' side, while the proposal is editable (proposed or
    under revision); afterwards the files are part of what was reviewed and stay. The file goes
    from the storage once the row's removal is committed."""
    attachment = InnovationAttachment.objects.for_cluster(cluster).get(pk=attachment_id)
    _visible(cluster, actor, attachment.innovation_id)
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=attachment.innovation_id)
    roles = roles_for(actor, cluster)
    if not permissions.can_steer(roles, innovation):
        permissions.deny()
    if not permissions.can_edit(roles, innovation):
        raise ValidationError({"stage": _("Attachments are removed while the proposal is proposed or under "
                                          "revision; it is %(stage)s.") % {
            "stage": str(innovation.get_stage_display()).lower()}})
    name = attachment.file.name
    with audit(actor, service="attachment_remove"):
        attachment.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
    return attachment
