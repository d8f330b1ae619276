"""Who may read the audit trail of a cluster."""

from cluster_platform.tenancy import Roles


def can_view(roles: Roles) -> bool:
    # Coordinators run the cluster; the trail names people and shows raw field values, so it
    # is not part of the authorities' read-only view.
    return roles.is_coordinator
