"""Who may do what with the periodic reports. Services call `require`; views and the API use the
same predicates to show or hide actions, so each rule lives here once. There are no per-object
grants yet: every rule follows from the cluster roles (members.ClusterRole).

- Coordinators and authorities read the reports of their cluster (list, detail, status,
  download, data exports) and request new ones (on demand) or retry a failed one: the issue
  gives authorities "read-only + reports", and requesting a report changes no cluster data.
- Everyone else with a role in the cluster (experts, organization admins and staff) is refused
  (403); someone with no role in the cluster never gets this far (404 at the cluster gate).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cluster_platform.tenancy import Roles, roles_for

from .models import Report


def can_view(roles: Roles, obj=None) -> bool:
    return roles.is_coordinator or roles.is_authority


def can_request(roles: Roles, obj=None) -> bool:
    """Request a report on demand, or retry a failed one (`obj` is the report, when there is one)."""
    return roles.is_coordinator or roles.is_authority


def can_retry(roles: Roles, report: Report | None = None) -> bool:
    """Whether to offer the retry button: who may request, and the report has failed."""
    if not can_request(roles, report):
        return False
    return report is None or report.status == Report.Status.FAILED


def visible_reports(cluster, roles: Roles):
    """The reports these roles may read, as a queryset scoped to the cluster."""
    reports = Report.objects.for_cluster(cluster)
    return reports if can_view(roles) else reports.none()


ACTIONS = {
    "view": can_view,
    "request": can_request,
    "retry": can_request,
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def deny():
    raise PermissionDenied(_("You do not have permission to do this."))


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        deny()
