"""The expert review: assigning experts (with their conflicts refused), the review itself (draft,
submission, revision during the consensus step), the consensus step, the cluster's review
policy, the experts' subject fields, and the daily reminders.

Who: the coordinators assign and withdraw experts, start the consensus step and set the
policy; only the assigned expert writes their review; an expert sets their own subject fields
(a coordinator anyone's).

Concurrency: assigning, withdrawing, submitting and starting the consensus step lock the
innovation's row first (selectors.innovation_get_for_update), like every stage move does, so
the lifecycle's guards and these changes never interleave (two coordinators assigning the
same expert at the same moment: the second is refused as already assigned).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.services import add_error, audit, is_int, raise_errors
from cluster_platform.tenancy import roles_for
from members.models import ClusterRole, OrganizationRole, Person

from .. import permissions, review_selectors, selectors
from ..models import CRITERIA, ExpertProfile, ExpertReview, InnovationAuthor, InnovationPolicy, Stage, SubjectField
from .lifecycle import needs_consensus, round_figures

__all__ = [
    "consensus_refusal",
    "consensus_start", "expert_assign", "expert_profile_set", "expert_suggestions", "expert_withdraw",
    "policy_update", "review_reminders_due", "review_revise", "review_save", "review_submit",
]

Status = ExpertReview.Status
Recommendation = ExpertReview.Recommendation
REVIEW_FIELDS = (*CRITERIA, "recommendation", "comment")
POLICY_FIELDS = ("reviewers_required", "approval_threshold", "consensus_spread", "review_days", "reminder_days",
                 "blind_review")
COMMENT_LIMIT = 10_000

expert_suggestions = review_selectors.expert_suggestions


def _label(stage) -> str:
    return str(Stage(stage).label).lower()


def _require_coordinator(actor, cluster, innovation=None) -> None:
    if not permissions.can_run_review(roles_for(actor, cluster), innovation):
        permissions.deny()


# --- Assigning experts ------------------------------------------------------------------------

def _conflict(cluster, innovation, user_id: int) -> str | None:
    """Why this user may not review this innovation, or None."""
    origin = innovation.origin_organization_id
    if (OrganizationRole.objects.for_cluster(cluster).filter(organization_id=origin, user_id=user_id).exists()
            or Person.objects.for_cluster(cluster).filter(organization_id=origin, user_id=user_id).exists()):
        return _("This expert belongs to the origin organization of the innovation.")
    if InnovationAuthor.objects.for_cluster(cluster).filter(innovation=innovation, person__user_id=user_id).exists():
        return _("This expert is one of the authors of the innovation.")
    return None


@transaction.atomic
def expert_assign(*, cluster, actor, innovation_id: int, expert_id: int,
                  due_date: datetime.date | None = None) -> ExpertReview:
    """Assign an expert to review the innovation in its assignment round (the current round;
    during a revision, the next one). A withdrawn assignment of that round is renewed."""
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    _require_coordinator(actor, cluster, innovation)
    errors: dict = {}
    if innovation.stage not in review_selectors.ASSIGNABLE_STAGES:
        add_error(errors, "stage", _("Experts are assigned while the innovation is proposed, in review or under "
                                     "revision; it is %(stage)s.") % {"stage": _label(innovation.stage)})
    round_ = review_selectors.assignment_round(innovation)
    existing = None
    if not is_int(expert_id) or not ClusterRole.objects.for_cluster(cluster).filter(
            user_id=expert_id, role=ClusterRole.Role.EXPERT).exists():
        add_error(errors, "expert", _("Choose an expert of this cluster."))
    else:
        conflict = _conflict(cluster, innovation, expert_id)
        if conflict:
            add_error(errors, "expert", conflict)
        existing = ExpertReview.objects.for_cluster(cluster).filter(
            innovation=innovation, expert_id=expert_id, round=round_).first()
        if existing is not None and existing.status != Status.WITHDRAWN:
            add_error(errors, "expert", _("This expert is already assigned in round %(round)s.") % {"round": round_})
    policy = selectors.policy_for(cluster)
    today = timezone.localdate()
    if due_date is None:
        due_date = today + datetime.timedelta(days=policy.review_days)
    elif not isinstance(due_date, datetime.date):
        add_error(errors, "due_date", _("Enter a valid date."))
    elif due_date <= today:
        add_error(errors, "due_date", _("The deadline must be in the future."))
    raise_errors(errors)
    now = timezone.now()
    with audit(actor, service="expert_assign"):
        if existing is not None:
            existing.status, existing.due_date, existing.assigned_by, existing.assigned_at = (
                Status.ASSIGNED, due_date, actor, now)
            existing.reminder_sent_at = None
            existing.save(update_fields=["status", "due_date", "assigned_by", "assigned_at", "reminder_sent_at"])
            return existing
        return ExpertReview.objects.create(
            cluster=cluster, innovation=innovation, expert_id=expert_id, round=round_, due_date=due_date,
            assigned_by=actor, assigned_at=now,
        )


def _review_for_update(cluster, review_id):
    """The review and its innovation, both locked (the innovation first, as every move does)."""
    if not is_int(review_id):
        raise ExpertReview.DoesNotExist
    innovation_id = ExpertReview.objects.for_cluster(cluster).values_list("innovation_id", flat=True).get(pk=review_id)
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    review = ExpertReview.objects.for_cluster(cluster).select_for_update().get(pk=review_id)
    review.innovation = innovation
    return review


@transaction.atomic
def expert_withdraw(*, cluster, actor, review_id: int) -> ExpertReview:
    """Take back an assignment that is not submitted yet."""
    review = _review_for_update(cluster, review_id)
    _require_coordinator(actor, cluster, review.innovation)
    if review.status != Status.ASSIGNED:
        raise ValidationError({"status": _("Only an assignment that is not submitted can be withdrawn; this one is "
                                           "%(status)s.") % {"status": review.get_status_display().lower()}})
    with audit(actor, service="expert_withdraw"):
        review.status = Status.WITHDRAWN
        review.save(update_fields=["status"])
    return review


# --- The review -------------------------------------------------------------------------------

def _apply(review: ExpertReview, fields: dict, errors: dict) -> list[str]:
    """Check and set the given review fields; returns the names set."""
    unknown = sorted(set(fields) - set(REVIEW_FIELDS))
    for name in unknown:
        add_error(errors, name, _("This field cannot be changed here."))
    changed = []
    for name in CRITERIA:
        if name not in fields:
            continue
        value = fields[name]
        if value in (None, ""):
            value = None
        elif isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if value is not None and (not is_int(value) or not 1 <= value <= 5):
            add_error(errors, name, _("Give a score from 1 to 5."))
            continue
        setattr(review, name, value)
        changed.append(name)
    if "recommendation" in fields:
        value = fields["recommendation"] or ""
        if value and value not in Recommendation.values:
            add_error(errors, "recommendation", _("Choose one of the offered recommendations."))
        else:
            review.recommendation = value
            changed.append("recommendation")
    if "comment" in fields:
        value = (fields["comment"] or "").strip()
        if len(value) > COMMENT_LIMIT:
            add_error(errors, "comment", _("Use at most %(limit)s characters.") % {"limit": COMMENT_LIMIT})
        else:
            review.comment = value
            changed.append("comment")
    return changed


def _check_complete(review: ExpertReview, errors: dict) -> None:
    for name in CRITERIA:
        if getattr(review, name) is None:
            add_error(errors, name, _("Give a score from 1 to 5."))
    if not review.recommendation:
        add_error(errors, "recommendation", _("Choose a recommendation."))
    elif review.recommendation in (Recommendation.REVISE, Recommendation.REJECT) and not review.comment:
        add_error(errors, "comment", _("Explain a recommendation to revise or to reject: the authors read it."))


def _own_review(cluster, actor, review_id) -> ExpertReview:
    review = _review_for_update(cluster, review_id)
    if not permissions.can_review(roles_for(actor, cluster), review):
        permissions.deny()
    return review


@transaction.atomic
def review_save(*, cluster, actor, review_id: int, **fields) -> ExpertReview:
    """Save the expert's draft (any of the five scores, the recommendation and the comment),
    while the review is assigned and not submitted."""
    review = _own_review(cluster, actor, review_id)
    errors: dict = {}
    if review.status != Status.ASSIGNED:
        add_error(errors, "status", _("Only a review that is not submitted yet can be saved as a draft."))
    changed = _apply(review, fields, errors)
    raise_errors(errors)
    with audit(actor, service="review_save"):
        if changed:
            review.save(update_fields=changed)
    return review


@transaction.atomic
def review_submit(*, cluster, actor, review_id: int, **fields) -> ExpertReview:
    """Submit the review (with any last changes): every score, a recommendation, and a comment
    when recommending a revision or a rejection; while the innovation is in review and the
    review belongs to its current round."""
    review = _own_review(cluster, actor, review_id)
    innovation = review.innovation
    errors: dict = {}
    if review.status != Status.ASSIGNED:
        add_error(errors, "status", _("This review is %(status)s: it cannot be submitted.") % {
            "status": review.get_status_display().lower()})
    elif innovation.stage != Stage.IN_REVIEW:
        add_error(errors, "stage", _("Reviews are submitted while the innovation is in review; it is %(stage)s.") % {
            "stage": _label(innovation.stage)})
    elif review.round != innovation.review_round:
        add_error(errors, "round", _("This review belongs to round %(round)s; the innovation is in round "
                                     "%(current)s.") % {"round": review.round, "current": innovation.review_round})
    changed = _apply(review, fields, errors)
    if not errors:
        _check_complete(review, errors)
    raise_errors(errors)
    with audit(actor, service="review_submit"):
        review.status, review.submitted_at = Status.SUBMITTED, timezone.now()
        review.save(update_fields=[*changed, "status", "submitted_at"])
    return review


@transaction.atomic
def review_revise(*, cluster, actor, review_id: int, **fields) -> ExpertReview:
    """During the consensus step the expert revises their submitted review, having read the
    others'; it stays complete."""
    review = _own_review(cluster, actor, review_id)
    innovation = review.innovation
    errors: dict = {}
    if review.status != Status.SUBMITTED:
        add_error(errors, "status", _("Only a submitted review is revised; submit this one first."))
    elif (innovation.stage != Stage.IN_REVIEW or innovation.consensus_started_at is None
          or review.round != innovation.review_round):
        add_error(errors, "stage", _("A submitted review is revised only during the consensus step of its round."))
    changed = _apply(review, fields, errors)
    if not errors:
        _check_complete(review, errors)
    raise_errors(errors)
    with audit(actor, service="review_revise"):
        review.revised_at = timezone.now()
        review.save(update_fields=[*changed, "revised_at"])
    return review


def consensus_refusal(innovation, figures, policy) -> str | None:
    """Why the round's consensus step cannot start (None: it can), from the round's figures:
    every assigned review submitted, at least two, and scores differing by more than the spread."""
    if figures.submitted < 2 or figures.submitted < figures.assigned:
        return _("%(submitted)s of the %(assigned)s assigned reviews are submitted: the consensus step starts "
                 "when all are, and at least two.") % {"submitted": figures.submitted, "assigned": figures.assigned}
    if not needs_consensus(figures, policy, innovation):
        return _("The reviewers' scores differ by %(spread).1f, not more than %(limit)s: no consensus step is "
                 "needed.") % {"spread": figures.spread, "limit": policy.consensus_spread}
    return None


@transaction.atomic
def consensus_start(*, cluster, actor, innovation_id: int):
    """Open the consensus step of the current round: the reviewers see each other's reviews and
    may revise theirs. Only when every assigned review is submitted and the scores differ by
    more than the policy's spread; the decision is then allowed (lifecycle.needs_consensus)."""
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    _require_coordinator(actor, cluster, innovation)
    if innovation.stage != Stage.IN_REVIEW:
        raise ValidationError({"stage": _("The consensus step is held while the innovation is in review; it is "
                                          "%(stage)s.") % {"stage": _label(innovation.stage)}})
    if innovation.consensus_started_at is not None:
        raise ValidationError({"stage": _("The consensus step of this round has already started.")})
    refusal = consensus_refusal(innovation, round_figures(cluster, innovation), selectors.policy_for(cluster))
    if refusal:
        raise ValidationError({"stage": refusal})
    with audit(actor, service="consensus_start"):
        innovation.consensus_started_at = timezone.now()
        innovation.save(update_fields=["consensus_started_at", "updated_at"])
    return innovation


# --- The policy and the experts' fields -------------------------------------------------------

@transaction.atomic
def policy_update(*, cluster, actor, **fields) -> InnovationPolicy:
    """Change the cluster's review rules (the row is created with the defaults the first time)."""
    if not roles_for(actor, cluster).is_coordinator:
        permissions.deny()
    unknown = sorted(set(fields) - set(POLICY_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    policy, _created = InnovationPolicy.objects.select_for_update().get_or_create(cluster=cluster)
    for name, value in fields.items():
        setattr(policy, name, value)
    # The model's validators hold the ranges; full_clean names each field at fault.
    policy.full_clean(exclude=["cluster"])
    with audit(actor, service="policy_update"):
        policy.save()
    return policy


@transaction.atomic
def expert_profile_set(*, cluster, actor, user_id: int, subject_fields) -> ExpertProfile:
    """Set an expert's subject fields (the suggestions match them with the innovations')."""
    roles = roles_for(actor, cluster)
    if not permissions.can_set_expert_profile(roles, user_id):
        permissions.deny()
    errors: dict = {}
    if not is_int(user_id) or not ClusterRole.objects.for_cluster(cluster).filter(
            user_id=user_id, role=ClusterRole.Role.EXPERT).exists():
        add_error(errors, "user", _("Choose an expert of this cluster."))
    fields = list(dict.fromkeys(subject_fields or []))
    unknown = [value for value in fields if value not in SubjectField.values]
    if unknown:
        add_error(errors, "subject_fields", _("Unknown subject fields: %(values)s.") % {"values": ", ".join(
            map(str, unknown))})
    raise_errors(errors)
    with audit(actor, service="expert_profile_set"):
        profile, _created = ExpertProfile.objects.for_cluster(cluster).update_or_create(
            cluster=cluster, user_id=user_id, defaults={"subject_fields": fields})
    return profile


# --- Reminders --------------------------------------------------------------------------------



def reviews_under_way(cluster):
    """Assigned reviews an expert can submit now: of innovations in review, in the round under
    review. Their deadlines are reminded and flagged."""
    return ExpertReview.objects.for_cluster(cluster).filter(
        status=Status.ASSIGNED, innovation__stage=Stage.IN_REVIEW, round=F("innovation__review_round"))


def review_reminders_due(*, cluster, today: datetime.date) -> dict:
    """The reviews to remind their experts of today (assigned, not reminded yet, the deadline at
    most policy.reminder_days away and not passed) and the overdue ones (assigned, the deadline
    passed), of innovations in review, in the round under review (an assignment made during a
    revision waits for the resubmission). Returns their ids: {"remind": [...], "overdue": [...]}."""
    policy = selectors.policy_for(cluster)
    horizon = today + datetime.timedelta(days=policy.reminder_days)
    open_reviews = reviews_under_way(cluster).order_by("due_date", "pk")
    remind = list(open_reviews.filter(reminder_sent_at__isnull=True, due_date__gte=today, due_date__lte=horizon)
                  .values_list("pk", flat=True))
    overdue = list(open_reviews.filter(due_date__lt=today).values_list("pk", flat=True))
    return {"remind": remind, "overdue": overdue}
