"""Innovations: attachments use cases.

Attachments (the method description, lesson plans, photos of the work) go through the platform's
upload inspection (cluster_platform.uploads, as agreement documents do) with the innovations' own
limit, the INNOVATION_ATTACHMENT_MAX_BYTES setting: the type is decided by the file's content,
never by its name or the content type the browser sends; hostile files (SVG, HTML, polyglots,
macros, archives that expand without bound) are refused; the stored name is generated and the
display name cleaned.

Like agreements.services.document_upload, `attachment_add` stores its file outside the database:
callers run it outside their own atomic blocks, so a refused or failed upload leaves neither row
nor file behind.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform import uploads
from cluster_platform.services import audit
from cluster_platform.tenancy import roles_for

from .. import permissions, selectors
from ..models import Innovation, InnovationAttachment

__all__ = ["attachment_add", "attachment_remove"]

DESCRIPTION_MAX_LENGTH = 255
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "INNOVATION_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_limit_mb(limit: int | None = None) -> str:
    """The limit in megabytes for people: "20", "0.5"."""
    return uploads.format_mb(attachment_max_bytes() if limit is None else limit)


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
    inspected = uploads.inspect_upload(upload, limit=attachment_max_bytes(), kinds=uploads.DOCUMENT_KINDS,
                                       field="file")
    name = uploads.storage_name("innovations", cluster.pk, innovation.pk, extension=inspected.extension)
    display_name = uploads.safe_display_name(getattr(upload, "name", ""), inspected)

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
