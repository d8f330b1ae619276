"""Who may hold a calendar link (an iCalendar feed behind a secret URL). Each person holds
their own links; these predicates take the roles from cluster_platform.tenancy.roles_for.

- A resource's feed: the people who manage the resource (permissions.can_manage: the owner's
  admins, coordinators, and the holders of a grant that counts).
- An organization's feed (its own requests and the bookings of the resources it owns): the
  admins and staff of that organization, and the coordinators.
- A link is revoked by the person who created it, by a coordinator, or by an admin of the
  organization concerned (the resource's owner, or the organization itself).

The same predicates decide whether a link still answers: a link whose creator has since lost
the right stops working (the public feed view asks again at every request), so a link given
out by someone who left the organization does not keep its bookings flowing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cluster_platform.tenancy import Roles

from .models import CalendarFeed, Resource
from .permissions import can_manage


def can_use_calendar_links(roles: Roles) -> bool:
    """Whether the calendar links page has anything for these roles."""
    return roles.is_coordinator or bool(roles.organization_roles)


def can_hold_resource_feed(roles: Roles, resource: Resource) -> bool:
    return can_manage(roles, resource)


def can_hold_organization_feed(roles: Roles, organization_id: int | None) -> bool:
    if roles.is_coordinator:
        return True
    return organization_id is not None and bool(roles.organization_roles.get(organization_id))


def can_hold_feed(roles: Roles, feed: CalendarFeed) -> bool:
    """May have this feed's link (create it, keep using it). A resource feed reads
    `feed.resource`: load it with select_related."""
    if feed.resource_id is not None:
        return can_hold_resource_feed(roles, feed.resource)
    return can_hold_organization_feed(roles, feed.organization_id)


def can_revoke_feed(roles: Roles, feed: CalendarFeed) -> bool:
    if roles.is_coordinator:
        return True
    if roles.user_id is not None and feed.created_by_id == roles.user_id:
        return True
    concerned = feed.resource.owner_id if feed.resource_id is not None else feed.organization_id
    return roles.is_org_admin(concerned)


def require(permitted: bool) -> None:
    if not permitted:
        raise PermissionDenied(_("You do not have permission to do this."))
