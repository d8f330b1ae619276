"""Who may do what with programmes, enrolments and employer needs. Services call `require`;
later views and the API use the same predicates to show or hide actions, so each rule lives
here once. There are no per-object grants in this app: every rule follows from the cluster and
organization roles (members.ClusterRole, members.OrganizationRole) and from Person.user.

- Everyone with a role in the cluster reads the catalogue: programmes, their sessions and
  partners, and the employer needs.
- A coordinator manages everything: programmes of any lead organization, sessions, enrolments,
  attendance, assessments, certificates, needs and their links to programmes.
- The admins of a programme's lead organization manage that programme: its details, status,
  sessions, attendance, assessments, completion and certificates, and read all its enrolments.
  A coordinator or an organization admin creates a programme (an admin with its own
  organization as the lead).
- An organization admin enrols the organization's people, confirms their applications and
  withdraws them, in any programme (partner organizations' admins alike), and reads their
  enrolments.
- A person with a user account (members.Person.user) applies for themself, withdraws, and
  reads their own enrolments and certificates.
- Authorities read every enrolment and figure; they change nothing.
- Enrolment is open while the programme is open or running (`enrolment_open`); an enrolment
  can be withdrawn while it is active and its programme has not ended (`enrollment_withdrawable`).
  The `can_*` predicates the pages use to offer an action combine the role with that state; the
  services check the role with `require` and the state as validation, so a refusal names the rule.
- The admins of an enterprise or an education authority post that organization's needs; the
  coordinators link programmes to needs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from cluster_platform.permission_filters import any_of
from cluster_platform.tenancy import Roles, roles_for
from members.models import Person

from .models import Enrollment, Program

# The programme statuses in which people enrol, apply and are confirmed.
ENROLMENT_STATUSES = frozenset({Program.Status.OPEN, Program.Status.RUNNING})


def can_view_catalogue(roles: Roles, obj=None) -> bool:
    return roles.any


def can_create(roles: Roles, lead_organization_id=None) -> bool:
    """A coordinator, or an admin of the lead organization (of any, when it is None: whether the
    user may create programmes at all)."""
    return roles.is_coordinator or roles.is_org_admin(lead_organization_id)


def can_manage(roles: Roles, program: Program) -> bool:
    """Edit and move the programme, its sessions, attendance, assessments and certificates."""
    return roles.is_coordinator or roles.is_org_admin(program.lead_organization_id)


def can_view_all_enrollments(roles: Roles, program: Program) -> bool:
    return roles.is_coordinator or roles.is_authority or roles.is_org_admin(program.lead_organization_id)


def can_enroll_for(roles: Roles, organization_id) -> bool:
    """Enrol the organization's people, confirm their applications (organization_id None:
    whether the user may enrol anyone at all)."""
    return roles.is_coordinator or roles.is_org_admin(organization_id)


def enrolment_open(program: Program) -> bool:
    """Whether people may enrol, apply and be confirmed in the programme."""
    return program.status in ENROLMENT_STATUSES


def enrollment_withdrawable(enrollment: Enrollment) -> bool:
    """An application, a place or a place on the waiting list, of a programme not yet ended."""
    return (enrollment.status in Enrollment.ACTIVE_STATUSES
            and enrollment.program.status not in Program.FINAL_STATUSES)


def acts_for(roles: Roles, enrollment: Enrollment) -> bool:
    """The person themself (their user account), their organization's admins, or a coordinator:
    who may withdraw the enrolment (the "withdraw" action the service requires)."""
    if roles.is_coordinator or roles.is_org_admin(enrollment.organization_id):
        return True
    return roles.user_id is not None and enrollment.person.user_id == roles.user_id


def can_withdraw(roles: Roles, enrollment: Enrollment) -> bool:
    """Whether to offer withdrawing: who may, and the enrolment can still be withdrawn."""
    return acts_for(roles, enrollment) and enrollment_withdrawable(enrollment)


def can_confirm(roles: Roles, enrollment: Enrollment) -> bool:
    """Whether to offer confirming an application: its organization's admin or a coordinator,
    while the programme is open for enrolment."""
    return (enrollment.status == Enrollment.Status.APPLIED and enrolment_open(enrollment.program)
            and can_enroll_for(roles, enrollment.organization_id))


def can_view_enrollment(roles: Roles, enrollment: Enrollment) -> bool:
    if acts_for(roles, enrollment) or roles.is_authority:
        return True
    return roles.is_org_admin(enrollment.program.lead_organization_id)


def can_download_certificate(roles: Roles, enrollment: Enrollment) -> bool:
    """The person, their organization's admins, the lead organization's admins, coordinators
    (authorities read enrolments, not the certificates themselves)."""
    return acts_for(roles, enrollment) or roles.is_org_admin(enrollment.program.lead_organization_id)


def can_post_need(roles: Roles, organization_id=None) -> bool:
    """The organization's admins (the kind, enterprise or authority, is the service's check),
    or a coordinator."""
    return roles.is_coordinator or roles.is_org_admin(organization_id)


def can_link_needs(roles: Roles) -> bool:
    return roles.is_coordinator


def enrollment_scope(cluster, roles: Roles):
    """The enrolments these roles may read, as a queryset scoped to the cluster: all for
    coordinators and authorities; otherwise those of programmes led by an organization the user
    administers, those of the user's administered organizations, and the user's own. One query:
    the user's person records and the administered organizations' programmes are subqueries of
    it on their own (cluster, ...) rows, not joins, and arms of one OR (any_of: see
    cluster_platform.permission_filters), so each uses its index on enrolments."""
    enrollments = Enrollment.objects.for_cluster(cluster)
    if roles.is_coordinator or roles.is_authority:
        return enrollments
    if roles.user_id is None:
        return enrollments.none()
    # The organizations the user administers: a handful of ids from the roles already loaded.
    admin_of = sorted(roles.organizations_with("admin"))
    condition = any_of("person_id", Person.objects.for_cluster(cluster).filter(user_id=roles.user_id).values("pk"))
    if admin_of:
        condition |= Q(organization_id__in=admin_of) | any_of("program_id", Program.objects.for_cluster(cluster).filter(
            lead_organization_id__in=admin_of).values("pk"))
    return enrollments.filter(condition)


ACTIONS = {
    "view": can_view_catalogue,
    "create": can_create,
    "manage": can_manage,
    "view_enrollments": can_view_all_enrollments,
    "enroll": can_enroll_for,
    "withdraw": acts_for,
    "view_enrollment": can_view_enrollment,
    "download_certificate": can_download_certificate,
    "post_need": can_post_need,
    "link_needs": lambda roles, obj: can_link_needs(roles),
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def deny():
    raise PermissionDenied(_("You do not have permission to do this."))


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        deny()
