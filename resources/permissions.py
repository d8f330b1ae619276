"""Who may do what with resources and bookings. Services call `require`; later views and the
API use the same predicates to show or hide actions, so each rule lives here once. This is the
only module that reads the django-guardian grants (ResourceUserObjectPermission), always with
the cluster in the query.

- Anyone with a role in the cluster reads the catalogue.
- A coordinator, or an admin of the owner organization, registers and edits a resource and
  names its managers.
- The resource's managers decide on its bookings (approve, decline) and keep its opening hours,
  closed dates and photos: the admins of the owner organization, the coordinators, and the
  people holding the "manage_resource" grant on it while they keep a role in the owner
  organization (a grant left behind when the role went gives nothing).
- A booking is requested for an organization by its admins or staff, or by a coordinator; it
  is cancelled by the requesting organization's admins, by the person who requested it (while
  they keep a role in that organization) or by a coordinator.
- A booking is read by coordinators and authorities, by the people of the requesting
  organization and by the people of the organization that owns the resources.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.permission_filters import any_of
from cluster_platform.tenancy import Roles, roles_for
from members.models import OrganizationRole
from members.selectors import ACCESS_STATUSES

from .models import MANAGE_PERMISSION, BookedResource, Booking, Resource, ResourceUserObjectPermission


def _grants(cluster_id, user_id):
    return ResourceUserObjectPermission.objects.filter(
        cluster_id=cluster_id, user_id=user_id, permission__codename=MANAGE_PERMISSION,
    )


def granted_resource_ids(roles: Roles, resources) -> set[int]:
    """Of these resources (of one cluster), those the user manages by an explicit grant that
    still counts: the user keeps a role in the resource's owner organization. One query for the
    lot, remembered on each resource object for the rest of the request."""
    resources = list(resources)
    if roles.user_id is None or not resources:
        return set()
    unknown = [r for r in resources if roles.user_id not in r.__dict__.get("_granted_to", {})]
    if unknown:
        granted = set(
            _grants(unknown[0].cluster_id, roles.user_id)
            .filter(content_object_id__in=[r.pk for r in unknown])
            .values_list("content_object_id", flat=True)
        )
        for resource in unknown:
            resource.__dict__.setdefault("_granted_to", {})[roles.user_id] = resource.pk in granted
    return {
        r.pk for r in resources
        if r.__dict__["_granted_to"][roles.user_id] and r.owner_id in roles.organization_roles
    }


# --- Resources -------------------------------------------------------------------------------

def can_view_catalogue(roles: Roles, obj=None) -> bool:
    return roles.any


def can_register(roles: Roles, owner_id=None) -> bool:
    """A coordinator, or an admin of the owner organization (of any, when owner_id is None:
    whether the user may register resources at all)."""
    if roles.is_coordinator:
        return True
    return roles.is_org_admin(owner_id)


def can_edit(roles: Roles, resource: Resource) -> bool:
    """Change the description, terms and access, archive, name managers."""
    return can_register(roles, resource.owner_id)


def can_manage(roles: Roles, resource: Resource) -> bool:
    """Decide on bookings; keep opening hours, closed dates and photos."""
    if roles.is_coordinator or roles.is_org_admin(resource.owner_id):
        return True
    if resource.owner_id not in roles.organization_roles:
        return False
    return resource.pk in granted_resource_ids(roles, [resource])


def _manages(cluster, roles: Roles) -> Q:
    """On resources (of a non-coordinator with a role in an organization): managed by these
    roles. The organization ids come from the roles already loaded (a handful); the grants are
    a subquery of the same statement, an arm of an OR (any_of: see
    cluster_platform.permission_filters)."""
    granted = any_of("pk", _grants(cluster.pk, roles.user_id).values("content_object_id"))
    return Q(owner_id__in=sorted(roles.organizations_with("admin"))) | (
        granted & Q(owner_id__in=sorted(roles.organization_roles)))


def managed_resources(cluster, roles: Roles):
    """The resources these roles manage, as a queryset scoped to the cluster."""
    resources = Resource.objects.for_cluster(cluster)
    if roles.is_coordinator:
        return resources
    if not roles.organization_roles or roles.user_id is None:
        return resources.none()
    return resources.filter(_manages(cluster, roles))


def managed_bookings_filter(cluster, roles: Roles) -> Q:
    """The condition on bookings that keeps those whose every resource these roles manage (and
    which have a resource): EXISTS and NOT EXISTS on the booked items, in the list's query."""
    items = BookedResource.objects.for_cluster(cluster).filter(booking_id=OuterRef("pk"))
    if roles.is_coordinator:
        return Q(Exists(items))
    if not roles.organization_roles or roles.user_id is None:
        return Q(pk__in=[])
    managed = Exists(Resource.objects.for_cluster(cluster).filter(_manages(cluster, roles), pk=OuterRef("resource_id")))
    return Q(Exists(items.filter(managed))) & ~Q(Exists(items.filter(~managed)))


# --- Bookings --------------------------------------------------------------------------------

def can_request(roles: Roles, requester_id=None) -> bool:
    """Request for the organization: its admins and staff, or a coordinator (requester_id None:
    whether the user may request for any organization at all)."""
    if roles.is_coordinator:
        return True
    if requester_id is None:
        return bool(roles.organization_roles)
    return bool(roles.organization_roles.get(requester_id))


def _booking_resources(booking: Booking) -> list[Resource]:
    # items.all() reads the prefetch cache when the selector filled it.
    return [item.resource for item in booking.items.all()]


def can_decide(roles: Roles, booking: Booking) -> bool:
    """Approve or decline: who manages every resource of the booking."""
    resources = _booking_resources(booking)
    if not resources:
        return False
    if roles.is_coordinator:
        return True
    not_by_role = [r for r in resources if not roles.is_org_admin(r.owner_id)]
    return set(r.pk for r in not_by_role) <= granted_resource_ids(roles, not_by_role)


def can_cancel(roles: Roles, booking: Booking) -> bool:
    if roles.is_coordinator or roles.is_org_admin(booking.requester_id):
        return True
    return (
        roles.user_id is not None and booking.requested_by_id == roles.user_id
        and booking.requester_id in roles.organization_roles
    )


def is_cancellable(booking: Booking, now=None) -> bool:
    """A request, or an approved booking that has not begun yet."""
    if booking.status == Booking.Status.REQUESTED:
        return True
    return booking.status == Booking.Status.APPROVED and booking.period.lower > (now or timezone.now())


def can_cancel_now(roles: Roles, booking: Booking) -> bool:
    """Whether to offer the cancel button: services.booking_cancel decides with the same rules."""
    return is_cancellable(booking) and can_cancel(roles, booking)


def visible_bookings(cluster, roles: Roles):
    """The bookings these roles may read, as a queryset scoped to the cluster."""
    bookings = Booking.objects.for_cluster(cluster)
    if roles.is_coordinator or roles.is_authority:
        return bookings
    organization_ids = set(roles.organization_roles)
    if not organization_ids:
        return bookings.none()
    # The bookings of the organizations' own resources: a subquery of the same statement, an
    # arm of an OR (any_of: see cluster_platform.permission_filters).
    of_own_resources = BookedResource.objects.for_cluster(cluster).filter(
        resource__owner_id__in=sorted(organization_ids)).values("booking_id")
    return bookings.filter(Q(requester_id__in=sorted(organization_ids)) | any_of("pk", of_own_resources))


def can_view_booking(roles: Roles, booking: Booking) -> bool:
    if roles.is_coordinator or roles.is_authority:
        return True
    organization_ids = set(roles.organization_roles)
    if booking.requester_id in organization_ids:
        return True
    return any(resource.owner_id in organization_ids for resource in _booking_resources(booking))


ACTIONS = {
    "view": can_view_catalogue,
    "register": can_register,
    "edit": can_edit,
    "manage": can_manage,
    "request": can_request,
    "decide": can_decide,
    "cancel": can_cancel,
    "view_booking": can_view_booking,
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def deny():
    raise PermissionDenied(_("You do not have permission to do this."))


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        deny()


def require_visible_booking(user, cluster, booking: Booking) -> None:
    """No access and no such booking answer alike."""
    if not allowed(user, cluster, "view_booking", booking):
        raise Booking.DoesNotExist


def manager_grants(cluster, resource: Resource, *, effective: bool = True):
    """The manage grants on the resource; with `effective`, only those whose holder still has a
    role in the owner organization (the grants that count). One query wherever it is used."""
    grants = ResourceUserObjectPermission.objects.filter(
        cluster=cluster, content_object_id=resource.pk, permission__codename=MANAGE_PERMISSION)
    if effective:
        grants = grants.filter(Exists(OrganizationRole.objects.for_cluster(cluster).filter(
            user_id=OuterRef("user_id"), organization_id=resource.owner_id,
            organization__status__in=ACCESS_STATUSES)))
    return grants


def manager_user_ids(cluster, resource: Resource, *, effective: bool = True) -> set[int]:
    """The ids of the users holding the manage grant on the resource (see manager_grants)."""
    return set(manager_grants(cluster, resource, effective=effective).values_list("user_id", flat=True))
