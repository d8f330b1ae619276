"""Who may see and do what with innovations. Services call `require`; views and the API use
the same predicates to show or hide actions, so each rule lives here once.

Seeing an innovation:
- Coordinators and authorities see every innovation of the cluster.
- The authors (people with the django-guardian "author_innovation" grant on it) and the admins
  and staff of its origin organization see it at every stage.
- An expert sees the innovations assigned to them for review (any round, unless withdrawn).
- The admins and staff of a pilot site see it once the site is named.
- Once an innovation is piloted (piloting, evaluated, implementing, disseminating) every
  member of the cluster sees it: that is how others learn of it and take it up.

Doing:
- A coordinator runs the review: assigns experts, decides (approve for a pilot, request a
  revision, reject), archives; and may make every other move too.
- Authors and the origin's admins edit the proposal while it is proposed or under revision,
  resubmit it, withdraw it, and run its pilots and implementation (add pilot sites and
  measures, move it to piloting, evaluated, implementing, disseminating).
- A pilot site's admins record their pilot's results and conclusion.
- An organization admin records and updates the adoption of an innovation by their own
  organization.
- Authorities read; they change nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils.translation import gettext as _

from cluster_platform.permission_filters import any_of
from cluster_platform.tenancy import Roles, roles_for

from .models import ExpertReview, Innovation, InnovationUserGrant, Pilot, Stage

AUTHOR = "author_innovation"
SHARED_STAGES = (Stage.PILOTING, Stage.EVALUATED, Stage.IMPLEMENTING, Stage.DISSEMINATING)
EDITABLE_STAGES = (Stage.PROPOSED, Stage.REVISION_REQUESTED)
ADOPTION_STAGES = (Stage.IMPLEMENTING, Stage.DISSEMINATING)


def visible_innovations(cluster, roles: Roles):
    """The innovations these roles may read: one query. The grants, pilot sites and reviews
    that let a user see an innovation are subqueries of it (each on its (cluster, ...) index),
    arms of one OR with the stage and the origin, so `any_of` rather than EXISTS
    (cluster_platform.permission_filters says why). The user's organizations come from the
    roles already loaded: a handful of ids, not a list read from the data."""
    innovations = Innovation.objects.for_cluster(cluster)
    if roles.is_coordinator or roles.is_authority:
        return innovations
    if not roles.any:
        return innovations.none()
    organization_ids = sorted(roles.organization_roles)
    condition = Q(pk__in=[])
    if organization_ids:
        condition |= Q(stage__in=SHARED_STAGES) | Q(origin_organization_id__in=organization_ids)
        condition |= any_of("pk", Pilot.objects.for_cluster(cluster).filter(
            organization_id__in=organization_ids).values("innovation_id"))
    if roles.user_id is not None:
        condition |= any_of("pk", author_grants(cluster, roles.user_id).values("content_object_id"))
        if roles.is_expert:
            condition |= any_of("pk", ExpertReview.objects.for_cluster(cluster).filter(expert_id=roles.user_id)
                                .exclude(status=ExpertReview.Status.WITHDRAWN).values("innovation_id"))
    return innovations.filter(condition)


def author_grants(cluster, user_id):
    """The user's co-author grants in the cluster (django-guardian rows, read here only)."""
    return InnovationUserGrant.objects.filter(cluster=cluster, user_id=user_id, permission__codename=AUTHOR)


def visible_innovation_filter(cluster, roles: Roles, innovation_ref: str = "innovation_id") -> Q:
    """The condition on rows of an innovation (pilots, adoptions, attachments: `innovation_ref`
    names their innovation) that keeps those of an innovation these roles may read: nothing to
    check for coordinators and authorities, else one EXISTS on visible_innovations in the
    list's own query (no list of ids, no second query)."""
    if roles.is_coordinator or roles.is_authority:
        return Q()
    if not roles.any:
        return Q(pk__in=[])
    return Q(Exists(visible_innovations(cluster, roles).filter(pk=OuterRef(innovation_ref))))


def can_browse(roles: Roles, obj=None) -> bool:
    """Open the innovations section at all: everyone with a role in the cluster."""
    return roles.any


def with_authorship(cluster, roles: Roles, innovations):
    """The innovations with whether the reader holds the co-author grant, read in their own
    query: `is_author` then asks no query of its own (a page that loads the innovation anyway)."""
    if roles.user_id is None:
        return innovations
    return innovations.annotate(
        authorship_of=Value(roles.user_id),
        reader_is_author=Exists(author_grants(cluster, roles.user_id).filter(content_object_id=OuterRef("pk"))),
    )


def is_author(roles: Roles, innovation: Innovation) -> bool:
    """Whether the user holds the co-author grant. One query per innovation and user,
    remembered on the innovation object for the rest of the request; none when the innovation
    was loaded `with_authorship` for this user."""
    if roles.user_id is None:
        return False
    cache = innovation.__dict__.setdefault("_author_user_ids", {})
    if roles.user_id not in cache and getattr(innovation, "authorship_of", None) == roles.user_id:
        cache[roles.user_id] = innovation.reader_is_author
    if roles.user_id not in cache:
        cache[roles.user_id] = InnovationUserGrant.objects.filter(
            cluster_id=innovation.cluster_id, content_object_id=innovation.pk, user_id=roles.user_id,
            permission__codename=AUTHOR,
        ).exists()
    return cache[roles.user_id]


def is_assigned_expert(roles: Roles, innovation: Innovation) -> bool:
    if roles.user_id is None or not roles.is_expert:
        return False
    cache = innovation.__dict__.setdefault("_assigned_user_ids", {})
    if roles.user_id not in cache:
        cache[roles.user_id] = ExpertReview.objects.filter(
            cluster_id=innovation.cluster_id, innovation_id=innovation.pk, expert_id=roles.user_id,
        ).exclude(status=ExpertReview.Status.WITHDRAWN).exists()
    return cache[roles.user_id]


def can_view(roles: Roles, innovation: Innovation) -> bool:
    if roles.is_coordinator or roles.is_authority:
        return True
    if innovation.origin_organization_id in roles.organization_roles:
        return True
    if innovation.stage in SHARED_STAGES and roles.organization_roles:
        return True
    return (is_author(roles, innovation) or is_assigned_expert(roles, innovation)
            or is_pilot_site(roles, innovation))


def is_pilot_site(roles: Roles, innovation: Innovation) -> bool:
    """Whether one of the user's organizations is a pilot site of the innovation: its people see
    the innovation from the moment the site is named, before the pilot starts."""
    if not roles.organization_roles:
        return False
    cache = innovation.__dict__.setdefault("_pilot_site_users", {})
    if roles.user_id not in cache:
        cache[roles.user_id] = Pilot.objects.filter(
            cluster_id=innovation.cluster_id, innovation_id=innovation.pk,
            organization_id__in=list(roles.organization_roles),
        ).exists()
    return cache[roles.user_id]


def can_propose(roles: Roles, organization_id=None) -> bool:
    """A coordinator, or an admin or staff member of the origin organization (of any, when it is
    None: whether the user may propose at all)."""
    if roles.is_coordinator:
        return True
    if organization_id is None:
        return bool(roles.organization_roles)
    return organization_id in roles.organization_roles


def can_steer(roles: Roles, innovation: Innovation) -> bool:
    """The authors' side: the authors, the origin's admins and the coordinators."""
    return (roles.is_coordinator or roles.is_org_admin(innovation.origin_organization_id)
            or is_author(roles, innovation))


def can_edit(roles: Roles, innovation: Innovation) -> bool:
    return innovation.stage in EDITABLE_STAGES and can_steer(roles, innovation)


def can_attach(roles: Roles, innovation: Innovation) -> bool:
    return innovation.stage not in (Stage.REJECTED, Stage.ARCHIVED) and can_steer(roles, innovation)


def can_run_review(roles: Roles, innovation: Innovation = None) -> bool:
    return roles.is_coordinator


def can_record_pilot(roles: Roles, pilot) -> bool:
    """Results and the conclusion of one pilot: the innovation's side or the pilot site's admins."""
    return roles.is_org_admin(pilot.organization_id) or can_steer(roles, pilot.innovation)


def can_record_adoption(roles: Roles, innovation: Innovation, organization_id=None) -> bool:
    """A coordinator for any member, an organization admin for their own (organization_id None:
    whether the user may record any adoption of this innovation)."""
    if innovation.stage not in ADOPTION_STAGES:
        return False
    if roles.is_coordinator:
        return True
    if organization_id is None:
        return bool(roles.organizations_with("admin") - {innovation.origin_organization_id})
    return organization_id != innovation.origin_organization_id and roles.is_org_admin(organization_id)


ACTIONS = {
    "view": can_view,
    "propose": can_propose,
    "steer": can_steer,
    "edit": can_edit,
    "attach": can_attach,
    "run_review": can_run_review,
    "record_pilot": can_record_pilot,
}


def allowed(user, cluster, action: str, obj=None) -> bool:
    return ACTIONS[action](roles_for(user, cluster), obj)


def deny():
    raise PermissionDenied(_("You do not have permission to do this."))


def require(user, cluster, action: str, obj=None) -> None:
    if not allowed(user, cluster, action, obj):
        deny()


def require_visible(user, cluster, innovation: Innovation) -> None:
    """No access and no such innovation answer alike."""
    if not allowed(user, cluster, "view", innovation):
        raise Innovation.DoesNotExist


def can_view_flow(roles: Roles, obj=None) -> bool:
    """The flow figures and charts of the whole pipeline: coordinators and authorities."""
    return roles.is_coordinator or roles.is_authority


# --- Expert reviews (who reads which review, and how much of it) ------------------------------
#
# - Coordinators and authorities see every assignment of the cluster; the scores, the
#   recommendation and the comment of a review once it is submitted.
# - An expert sees their own assignments (not the withdrawn ones) with their own draft; the
#   other experts' submitted reviews of a round they review themselves once the round's
#   consensus step is on, or once the round is decided (the innovation left "in review" for a
#   decision, or a later round began): they then see how the others judged, whatever the
#   decision was.
# - The authors' side (the authors and the origin's admins) sees, once a round is decided, the
#   recommendation and the comment of each submitted review of it, without the scores, and
#   without the reviewer's name when the cluster's policy is blind review.
# - Nobody sees someone else's unsubmitted draft: an unsubmitted assignment shows only who is
#   assigned, its status and deadline, and only to coordinators and authorities.



def _round_decided() -> Q:
    """Reviews (rows of ExpertReview) whose round is over: a later round began, or the
    innovation left review for a decision."""
    return Q(round__lt=F("innovation__review_round")) | (
        Q(round=F("innovation__review_round"))
        & ~Q(innovation__stage__in=(Stage.PROPOSED, Stage.IN_REVIEW))
    )


def _round_in_consensus() -> Q:
    return Q(round=F("innovation__review_round"), innovation__stage=Stage.IN_REVIEW,
             innovation__consensus_started_at__isnull=False)


def review_scope(cluster, roles: Roles):
    """The expert reviews these roles may see, across the cluster: one query. Rows that a
    non-coordinator sees as another expert of the same round carry `reader_is_peer`."""
    reviews = ExpertReview.objects.for_cluster(cluster)
    if roles.is_coordinator or roles.is_authority:
        return reviews
    if roles.user_id is None:
        return reviews.none()
    # One's own reviews while one is still an expert of the cluster: a former expert keeps none.
    own = (Q(expert_id=roles.user_id) & ~Q(status=ExpertReview.Status.WITHDRAWN)) if roles.is_expert else Q(pk__in=[])
    submitted = Q(status=ExpertReview.Status.SUBMITTED)
    peer = Exists(ExpertReview.objects.filter(
        cluster=cluster, innovation_id=OuterRef("innovation_id"), round=OuterRef("round"), expert_id=roles.user_id,
    ).exclude(status=ExpertReview.Status.WITHDRAWN))
    # An arm of an OR: any_of, not EXISTS (see visible_innovations).
    authors_side = any_of("innovation_id", author_grants(cluster, roles.user_id).values("content_object_id"))
    admin_of = roles.organizations_with("admin")
    if admin_of:
        authors_side |= Q(innovation__origin_organization_id__in=sorted(admin_of))
    condition = own | (submitted & _round_decided() & authors_side)
    if roles.is_expert:
        condition |= submitted & Q(reader_is_peer=True) & (_round_decided() | _round_in_consensus())
    return reviews.annotate(reader_is_peer=peer).filter(condition)


def reviews_visible_to(cluster, roles: Roles, innovation: Innovation):
    """The reviews of one innovation these roles may see (see review_scope)."""
    return review_scope(cluster, roles).filter(innovation=innovation)


def review_access(roles: Roles, review: ExpertReview, policy) -> dict:
    """How much of a review (one of review_scope's rows) the reader sees: `scores` (the five
    scores), `feedback` (recommendation and comment) and `reviewer` (the expert's name)."""
    submitted = review.status == ExpertReview.Status.SUBMITTED
    if roles.user_id is not None and review.expert_id == roles.user_id:
        return {"scores": True, "feedback": True, "reviewer": True}
    if roles.is_coordinator or roles.is_authority:
        return {"scores": submitted, "feedback": submitted, "reviewer": True}
    if getattr(review, "reader_is_peer", False) and roles.is_expert:
        return {"scores": submitted, "feedback": submitted, "reviewer": True}
    # The authors' side, after the decision.
    return {"scores": False, "feedback": submitted, "reviewer": not policy.blind_review}


def authors_hidden_from(roles: Roles, innovation: Innovation, policy) -> bool:
    """Blind review: an expert assigned to the innovation does not see who wrote it, unless they
    may see it anyway as a coordinator, an authority, an author or a member of the origin."""
    if not policy.blind_review or not is_assigned_expert(roles, innovation):
        return False
    if roles.is_coordinator or roles.is_authority:
        return False
    if innovation.origin_organization_id in roles.organization_roles:
        return False
    return not is_author(roles, innovation)


def blind_reader(roles: Roles, policy) -> bool:
    """Whether lists shown to this reader hide the origin of the innovations they review (the
    origin names the authors' school): an expert under blind review without a coordinator's or
    an authority's role. Rows of the reader's own organizations keep their origin."""
    return policy.blind_review and roles.is_expert and not (roles.is_coordinator or roles.is_authority)


def origin_hidden(roles: Roles, innovation: Innovation, blind: bool) -> bool:
    return blind and innovation.origin_organization_id not in roles.organization_roles


def can_review(roles: Roles, review: ExpertReview) -> bool:
    """Write one's own review: the assigned expert only."""
    return roles.is_expert and roles.user_id is not None and review.expert_id == roles.user_id


def can_see_review_queue(roles: Roles, obj=None) -> bool:
    return roles.is_expert or roles.is_coordinator or roles.is_authority


def can_set_expert_profile(roles: Roles, user_id) -> bool:
    """An expert's subject fields: the expert themself, or a coordinator."""
    return roles.is_coordinator or (roles.is_expert and roles.user_id is not None and roles.user_id == user_id)
