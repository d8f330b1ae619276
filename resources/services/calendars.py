"""Calendar links: secret URLs of iCalendar feeds, per resource and per organization.

The secret is a random 32-byte URL-safe token (secrets.token_urlsafe(32)); only its SHA-256
is stored, so the full link is shown once, to the person who created it. Each person holds at
most one active link per resource and per organization: creating a new one revokes their old
one in the same transaction (a lost link is replaced, never shown again). The partial unique
constraints keep that true even when the same person creates two at once.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.tenancy import roles_for
from members.models import Organization

from .. import calendar_permissions
from ..models import CalendarFeed, Resource
from ._common import audit

TOKEN_BYTES = 32
TOUCH_EVERY = datetime.timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _target(cluster, resource_id, organization_id):
    if (resource_id is None) == (organization_id is None):
        raise ValidationError({"resource": _("Choose a resource or an organization for the calendar link.")})
    if resource_id is not None:
        resource = Resource.objects.for_cluster(cluster).select_related("owner").filter(pk=resource_id).first()
        if resource is None:
            raise ValidationError({"resource": _("Choose a resource of this cluster.")})
        return resource, None
    organization = Organization.objects.for_cluster(cluster).filter(pk=organization_id).first()
    if organization is None:
        raise ValidationError({"organization": _("Choose an organization of this cluster.")})
    return None, organization


@transaction.atomic
def feed_create(*, cluster, actor, resource_id: int | None = None,
                organization_id: int | None = None) -> tuple[CalendarFeed, str]:
    """A new calendar link of the actor for one resource (its managers) or one organization
    (its admins and staff, and coordinators). Returns the feed and its secret token, which is
    not stored and cannot be read again; the actor's active link for the same target is
    revoked."""
    roles = roles_for(actor, cluster)
    calendar_permissions.require(calendar_permissions.can_use_calendar_links(roles))
    resource, organization = _target(cluster, resource_id, organization_id)
    if resource is not None:
        calendar_permissions.require(calendar_permissions.can_hold_resource_feed(roles, resource))
    else:
        calendar_permissions.require(calendar_permissions.can_hold_organization_feed(roles, organization.pk))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    previous = CalendarFeed.objects.for_cluster(cluster).filter(
        revoked_at__isnull=True, created_by=actor, resource=resource, organization=organization)
    with audit(actor, service="feed_create"):
        previous.update(revoked_at=timezone.now())
        try:
            with transaction.atomic():
                feed = CalendarFeed.objects.create(
                    cluster=cluster, resource=resource, organization=organization, created_by=actor,
                    token_hash=token_hash(token))
        except IntegrityError:
            # The same person created another link for this target at the same moment.
            raise ValidationError({"resource" if resource else "organization": _(
                "Another calendar link was created at the same moment; reload the page.")}) from None
    return feed, token


@transaction.atomic
def feed_revoke(*, cluster, actor, feed_id: int) -> CalendarFeed:
    """The link stops working at once. Revoking a revoked link changes nothing."""
    feed = (CalendarFeed.objects.for_cluster(cluster).select_for_update(of=("self",))
            .select_related("resource").get(pk=feed_id))
    calendar_permissions.require(calendar_permissions.can_revoke_feed(roles_for(actor, cluster), feed))
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        with audit(actor, service="feed_revoke"):
            feed.save(update_fields=["revoked_at"])
    return feed


def feed_touch(*, feed: CalendarFeed, now: datetime.datetime) -> None:
    """Remember when a link was last read, at most once an hour (the public feed view calls
    it; calendar applications poll often)."""
    if feed.last_used_at is not None and now - feed.last_used_at < TOUCH_EVERY:
        return
    with audit(None, service="feed_touch"):
        CalendarFeed.objects.for_cluster(feed.cluster).filter(pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now
