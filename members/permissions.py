"""Who may do what in the members app. Services call `require`; views and the API use the
same predicates to show or hide actions, so a rule lives in one place."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cluster_platform.tenancy import Roles, roles_for


def can_view_registry(roles: Roles) -> bool:
    # Every member of the cluster may read the registry of its members.
    return roles.any


def people_scope(roles: Roles):
    """Whose people's details (names, emails, accounts) the roles may read: None for every
    organization of the cluster (coordinators, authorities), else the set of organization
    ids (admins and staff read their own colleagues; experts read none)."""
    if roles.is_coordinator or roles.is_authority:
        return None
    return set(roles.organization_roles)


def can_view_people(roles: Roles, organization=None) -> bool:
    """May read people at all (organization None), or the people of this organization."""
    scope = people_scope(roles)
    if scope is None:
        return True
    return bool(scope) if organization is None else organization.pk in scope


def can_manage_members(roles: Roles) -> bool:
    return roles.is_coordinator


def can_edit_organization(roles: Roles, organization) -> bool:
    return roles.is_coordinator or roles.is_org_admin(organization.pk)


def can_manage_staff(roles: Roles, organization) -> bool:
    return roles.is_coordinator or roles.is_org_admin(organization.pk)


def can_grant_cluster_roles(roles: Roles) -> bool:
    return roles.is_coordinator


def can_record_ratings(roles: Roles) -> bool:
    return roles.is_coordinator


def can_manage_branding(roles: Roles) -> bool:
    # The cluster's name, logo and colours on every member's pages and documents.
    return roles.is_coordinator


def can_export(roles: Roles) -> bool:
    return roles.is_coordinator or roles.is_authority


ACTIONS = {
    "view_registry": lambda roles, obj: can_view_registry(roles),
    "view_people": can_view_people,
    "manage_members": lambda roles, obj: can_manage_members(roles),
    "edit_organization": can_edit_organization,
    "manage_staff": can_manage_staff,
    "grant_cluster_roles": lambda roles, obj: can_grant_cluster_roles(roles),
    "record_ratings": lambda roles, obj: can_record_ratings(roles),
    "export": lambda roles, obj: can_export(roles),
    "manage_branding": lambda roles, obj: can_manage_branding(roles),
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
