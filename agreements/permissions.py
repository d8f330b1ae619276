"""Who may do what with agreements. Services call `require`; later views and the API use the
same predicates to show or hide actions, so each rule lives here once.

- A coordinator manages every agreement of the cluster.
- An organization admin may propose a draft with its own organization as a party, move the
  agreements its organization is party to between draft and negotiation, sign for its own
  party, comment, and mark its own party's obligations done.
- A party representative (a person of the party organization whom a coordinator or the
  organization's admin named for one agreement) acts for that party on that agreement alone:
  moves it through negotiation, signs, comments, uploads documents and marks the party's
  obligations done. The grant is a django-guardian per-object permission ("represent_party")
  on the party, and counts only while the person keeps a role in the party's organization.
- Authorities read every agreement; admins and staff of a party organization read that one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cluster_platform.tenancy import Roles, roles_for

from .models import Agreement, AgreementParty, AgreementPartyUserGrant

REPRESENT = "represent_party"
RENEWABLE = {Agreement.Status.SIGNED, Agreement.Status.ACTIVE, Agreement.Status.SUSPENDED, Agreement.Status.EXPIRED}


def can_browse(roles: Roles, obj=None) -> bool:
    """Who has an agreements section at all: the cluster's coordinators and authorities, and
    the people of member organizations (who see their organizations' agreements)."""
    return roles.is_coordinator or roles.is_authority or bool(roles.organization_roles)


def party_organization_ids(agreement: Agreement) -> set[int]:
    # parties.all() reads the prefetch cache when the selector filled it.
    return {party.organization_id for party in agreement.parties.all()}


def visible_agreement_filter(cluster, roles: Roles, agreement_ref: str = "pk") -> Q:
    """The condition that keeps the agreements these roles may read, on the rows whose
    `agreement_ref` names an agreement ("pk" on agreements, "agreement_id" on obligations and
    documents). Nothing to check for coordinators and authorities; for the people of member
    organizations one EXISTS on the parties, inside the same query as the list. The user's
    organizations come from the roles already loaded: a handful of ids, not a list read from
    the data."""
    if roles.is_coordinator or roles.is_authority:
        return Q()
    organization_ids = sorted(roles.organization_roles)
    if not organization_ids:
        return Q(pk__in=[])
    return Q(Exists(AgreementParty.objects.for_cluster(cluster).filter(
        agreement_id=OuterRef(agreement_ref), organization_id__in=organization_ids)))


def visible_agreements(cluster, roles: Roles):
    """The agreements these roles may read, as a queryset scoped to the cluster."""
    agreements = Agreement.objects.for_cluster(cluster)
    if not (roles.is_coordinator or roles.is_authority or roles.organization_roles):
        return agreements.none()
    return agreements.filter(visible_agreement_filter(cluster, roles))


def can_view(roles: Roles, agreement: Agreement) -> bool:
    if roles.is_coordinator or roles.is_authority:
        return True
    return bool(set(roles.organization_roles) & party_organization_ids(agreement))


def can_manage(roles: Roles) -> bool:
    return roles.is_coordinator


def can_create(roles: Roles, organization_ids) -> bool:
    """A coordinator, or an organization admin whose organization is among the parties."""
    if roles.is_coordinator:
        return True
    return any(roles.is_org_admin(org_id) for org_id in organization_ids or ())


def represented_party_ids(roles: Roles, agreement: Agreement) -> set[int]:
    """The parties of this agreement the user represents by an explicit grant, while they keep
    a role in the party's organization. One query per agreement and user, remembered on the
    agreement object for the rest of the request."""
    if roles.user_id is None or not roles.organization_roles:
        return set()
    cache = agreement.__dict__.setdefault("_represented_party_ids", {})
    parties = getattr(agreement, "_prefetched_objects_cache", {}).get("parties")
    if roles.user_id not in cache and parties is not None and all(
            hasattr(party, "representative_grants") for party in parties):
        # Loaded by selectors.agreement_get with the grants: no query needed.
        cache[roles.user_id] = {
            party.pk for party in parties if party.organization_id in roles.organization_roles
            and any(grant.user_id == roles.user_id for grant in party.representative_grants)
        }
    if roles.user_id not in cache:
        cache[roles.user_id] = {
            party_id
            for party_id, organization_id in AgreementPartyUserGrant.objects.filter(
                cluster_id=agreement.cluster_id, user_id=roles.user_id, permission__codename=REPRESENT,
                content_object__agreement_id=agreement.pk,
            ).values_list("content_object_id", "content_object__organization_id")
            if organization_id in roles.organization_roles
        }
    return cache[roles.user_id]


def represents(roles: Roles, party: AgreementParty) -> bool:
    return party.pk in represented_party_ids(roles, party.agreement)


def can_propose(roles: Roles, agreement: Agreement) -> bool:
    """Move between draft and negotiation and declare it signed: a coordinator, an admin of a
    party organization or a representative of a party."""
    return can_create(roles, party_organization_ids(agreement)) or bool(represented_party_ids(roles, agreement))


def can_renew(roles: Roles, agreement: Agreement) -> bool:
    """A renewal is a new agreement: who may create one with these parties."""
    return can_create(roles, party_organization_ids(agreement))


def can_renew_now(roles: Roles, agreement: Agreement) -> bool:
    """Whether to offer the renewal: only a signed agreement is renewed (a draft or one under
    negotiation is edited instead), by whoever may renew it."""
    return agreement.status in RENEWABLE and can_renew(roles, agreement)


def can_name_representatives(roles: Roles, party: AgreementParty) -> bool:
    """A coordinator, or an admin of the party's organization, while the agreement can change."""
    if party.agreement.status in Agreement.FINAL_STATUSES:
        return False
    return roles.is_coordinator or roles.is_org_admin(party.organization_id)


def can_sign(roles: Roles, party: AgreementParty) -> bool:
    return roles.is_coordinator or roles.is_org_admin(party.organization_id) or represents(roles, party)


def can_add_obligation(roles: Roles, agreement: Agreement) -> bool:
    """A coordinator at any time before the end; party admins while the text is negotiated."""
    if agreement.status in Agreement.FINAL_STATUSES:
        return False
    if roles.is_coordinator:
        return True
    return agreement.status in (Agreement.Status.DRAFT, Agreement.Status.NEGOTIATION) and can_propose(
        roles, agreement
    )


def can_complete_obligation(roles: Roles, obligation) -> bool:
    return (roles.is_coordinator or roles.is_org_admin(obligation.party.organization_id)
            or obligation.party_id in represented_party_ids(roles, obligation.agreement))


ACTIONS = {
    "view": can_view,
    "manage": lambda roles, obj: can_manage(roles),
    "create": can_create,
    "propose": can_propose,
    "renew": can_renew,
    "name_representatives": can_name_representatives,
    "sign": can_sign,
    "add_obligation": can_add_obligation,
    "complete_obligation": can_complete_obligation,
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def deny():
    raise PermissionDenied(_("You do not have permission to do this."))


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        deny()


def require_visible(user, cluster, agreement: Agreement) -> None:
    """No access and no such agreement answer alike."""
    if not allowed(user, cluster, "view", agreement):
        raise Agreement.DoesNotExist


# --- Documents -------------------------------------------------------------------------------

def can_upload_document(roles: Roles, agreement: Agreement) -> bool:
    """Drafts and signed scans: a coordinator, an admin of a party organization or a party's
    representative (the people who negotiate and sign it). Authorities and the other staff of
    the parties read the documents but upload none."""
    return can_propose(roles, agreement)


ACTIONS["upload_document"] = can_upload_document
