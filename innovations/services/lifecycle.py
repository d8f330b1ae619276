"""The life cycle of an innovation: one service moves it between stages, with explicit guards.

    proposed ──> in review ──> approved for pilot ──> piloting ──> evaluated ──> implementing ──> disseminating
       │            │  ^                                               │              │                │
       │            v  │                                               v              v                v
       │     revision requested                                     archived       archived         archived
       v            │
    rejected <──────┘ (and from in review)            proposed / revision requested ──> archived (withdrawn)

The guards, each refusing with its reason:
- proposed → in review: at least N experts (the cluster's policy) assigned for the round.
- in review → approved for pilot: at least N submitted reviews in the round, their mean score
  at or above the policy's threshold, and, when the reviewers' scores differ by more than the
  policy's spread, the consensus step held first.
- in review → revision requested: at least one submitted review and a comment for the authors.
- in review → rejected, proposed → rejected: a reason; from review, N submitted reviews and
  the consensus step as for an approval.
- revision requested → in review: a new round; the last round's reviewers who are still experts
  are assigned again, and N experts must be assigned for it.
- approved for pilot → piloting: at least one pilot site (not stopped) with its period and at
  least one measure with its baseline.
- piloting → evaluated: every pilot not stopped has a result for each measure and a
  conclusion, and there is at least one.
- implementing → disseminating: at least one adoption by another member, not abandoned.

Who: the review moves (in review, approved for pilot, revision requested from review,
rejected, archiving after a decision) are the coordinators'; resubmission, withdrawal and
the pilot and implementation moves are the authors' side (permissions.can_steer), coordinators
included.

Concurrency: every move locks the innovation's row first and then checks the move from the
stage it finds, so of two people acting at the same moment the second is refused with the
reason (the move is no longer possible from the new stage). A caller that shows a stage (the
board) passes `expected_stage` and is refused when the innovation has moved meanwhile.

Every move writes one StageTransition row (who, when, from, to, comment) and sets the
innovation's stage and stage_changed_at.
"""

from __future__ import annotations

import datetime
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from cluster_platform import names
from cluster_platform.services import add_error, audit, is_int, raise_errors
from cluster_platform.tenancy import roles_for
from members.models import ClusterRole, Organization, OrganizationRole, Person

from .. import permissions, selectors
from ..models import (
    Adoption,
    ExpertReview,
    Innovation,
    InnovationAuthor,
    Pilot,
    PilotMeasure,
    Stage,
    StageTransition,
    SubjectField,
)

__all__ = [
    "MOVES", "innovation_propose", "move_blockers", "innovation_transition", "innovation_update", "may_move", "moves_for",
    "needs_consensus", "round_figures", "set_authors",
]

COORDINATOR = "coordinator"
AUTHORS = "authors"

MOVES = {
    (Stage.PROPOSED, Stage.IN_REVIEW): COORDINATOR,
    (Stage.PROPOSED, Stage.REJECTED): COORDINATOR,
    (Stage.PROPOSED, Stage.ARCHIVED): AUTHORS,  # withdrawn
    (Stage.IN_REVIEW, Stage.APPROVED_FOR_PILOT): COORDINATOR,
    (Stage.IN_REVIEW, Stage.REVISION_REQUESTED): COORDINATOR,
    (Stage.IN_REVIEW, Stage.REJECTED): COORDINATOR,
    (Stage.REVISION_REQUESTED, Stage.IN_REVIEW): AUTHORS,  # resubmitted
    (Stage.REVISION_REQUESTED, Stage.ARCHIVED): AUTHORS,  # withdrawn
    (Stage.APPROVED_FOR_PILOT, Stage.PILOTING): AUTHORS,
    (Stage.APPROVED_FOR_PILOT, Stage.ARCHIVED): COORDINATOR,
    (Stage.PILOTING, Stage.EVALUATED): AUTHORS,
    (Stage.EVALUATED, Stage.IMPLEMENTING): AUTHORS,
    (Stage.EVALUATED, Stage.ARCHIVED): COORDINATOR,
    (Stage.IMPLEMENTING, Stage.DISSEMINATING): AUTHORS,
    (Stage.IMPLEMENTING, Stage.ARCHIVED): COORDINATOR,
    (Stage.DISSEMINATING, Stage.ARCHIVED): COORDINATOR,
}
REASON_REQUIRED = {Stage.REJECTED, Stage.REVISION_REQUESTED}


def _label(stage) -> str:
    return str(Stage(stage).label).lower()


def may_move(roles, innovation: Innovation, to_stage: str) -> bool:
    """Whether these roles may make this move, guards aside (for showing the buttons)."""
    who = MOVES.get((innovation.stage, to_stage))
    if who is None:
        return False
    if who == COORDINATOR:
        return permissions.can_run_review(roles, innovation)
    return permissions.can_steer(roles, innovation)


def moves_for(roles, innovation: Innovation) -> list[str]:
    """The stages these roles may try to move the innovation to, in the life cycle's order."""
    return [to for (from_, to) in MOVES if from_ == innovation.stage and may_move(roles, innovation, to)]


# --- Proposal ---------------------------------------------------------------------------------

def _clean_fields(data: dict, errors: dict) -> dict:
    cleaned = {}
    for field, limit in (("title", 255), ("summary", None), ("expected_effect", None)):
        if field not in data:
            continue
        value = (data[field] or "").strip()
        if field in ("title", "summary") and not value:
            add_error(errors, field, _("This field is required."))
        elif limit and len(value) > limit:
            add_error(errors, field, _("Use at most %(limit)s characters.") % {"limit": limit})
        cleaned[field] = value
    if "title_translations" in data:
        cleaned["title_translations"] = names.collect_translations(errors, data["title_translations"],
                                                                   model=Innovation, field="title")
    for field, choices in (("kind", Innovation.Kind), ("education_level", Innovation.Level)):
        if field in data:
            if data[field] not in choices.values:
                add_error(errors, field, _("Choose one of the offered values."))
            cleaned[field] = data[field]
    if "subject_fields" in data:
        fields = list(dict.fromkeys(data["subject_fields"] or []))
        unknown = [value for value in fields if value not in SubjectField.values]
        if unknown:
            add_error(errors, "subject_fields", _("Unknown subject fields: %(values)s.") % {
                "values": ", ".join(map(str, unknown))})
        cleaned["subject_fields"] = fields
    if "keywords" in data:
        keywords = list(dict.fromkeys(
            keyword.strip() for keyword in (data["keywords"] or []) if isinstance(keyword, str) and keyword.strip()))
        if len(keywords) > 12:
            add_error(errors, "keywords", _("Give at most 12 keywords."))
        if any(len(keyword) > 60 for keyword in keywords):
            add_error(errors, "keywords", _("A keyword has at most 60 characters."))
        cleaned["keywords"] = keywords
    return cleaned


def _authors(cluster, person_ids, errors: dict) -> list[Person]:
    """The authors in the order given: active people of this cluster, at least one."""
    ids = list(dict.fromkeys(person_ids or []))
    if not ids:
        add_error(errors, "authors", _("Name at least one author."))
        return []
    if not all(is_int(i) for i in ids):
        add_error(errors, "authors", _("Choose the authors among the people of this cluster."))
        return []
    people = Person.objects.for_cluster(cluster).filter(pk__in=ids, is_active=True).in_bulk()
    missing = [str(i) for i in ids if i not in people]
    if missing:
        add_error(errors, "authors", _("Unknown people: %(ids)s. Choose active people of this cluster.") % {
            "ids": ", ".join(missing)})
        return []
    return [people[i] for i in ids]


def set_authors(cluster, innovation: Innovation, people: list[Person]) -> None:
    """Replace the authors; the ones with a user account hold the co-author grant, the others'
    grants go. The caller holds the transaction and the audit context."""
    InnovationAuthor.objects.for_cluster(cluster).filter(innovation=innovation).delete()
    InnovationAuthor.objects.bulk_create([
        InnovationAuthor(cluster=cluster, innovation=innovation, person=person, position=position)
        for position, person in enumerate(people, start=1)
    ])
    user_ids = {person.user_id for person in people if person.user_id}
    innovation.user_grants.filter(permission__codename=permissions.AUTHOR).exclude(user_id__in=user_ids).delete()
    held = set(innovation.user_grants.filter(permission__codename=permissions.AUTHOR).values_list("user_id", flat=True))
    for user in get_user_model().objects.filter(pk__in=user_ids - held):
        assign_perm(permissions.AUTHOR, user, innovation)
    innovation.__dict__.pop("_author_user_ids", None)


def _record(cluster, innovation: Innovation, *, actor, from_stage: str, to_stage: str, comment: str, now) -> None:
    StageTransition.objects.create(
        cluster=cluster, innovation=innovation, from_stage=from_stage, to_stage=to_stage, actor=actor,
        comment=comment, created_at=now,
    )


@transaction.atomic
def innovation_propose(*, cluster, actor, title: str, summary: str, kind: str, education_level: str,
                       origin_organization_id: int, authors: list[int], subject_fields=(), keywords=(),
                       expected_effect: str = "", title_translations: dict | None = None) -> Innovation:
    """A new proposal of the origin organization by its authors (people of the cluster)."""
    roles = roles_for(actor, cluster)
    errors: dict = {}
    origin = (
        Organization.objects.for_cluster(cluster).filter(pk=origin_organization_id).first()
        if is_int(origin_organization_id) else None
    )
    if origin is None:
        add_error(errors, "origin_organization", _("Choose an organization of this cluster."))
    elif origin.status != Organization.Status.ACTIVE:
        add_error(errors, "origin_organization", _("%(organization)s is not an active member of the cluster.") % {
            "organization": origin})
    if origin is not None and not permissions.can_propose(roles, origin.pk):
        permissions.deny()
    if origin is None and not permissions.can_propose(roles):
        permissions.deny()
    cleaned = _clean_fields({
        "title": title, "summary": summary, "kind": kind, "education_level": education_level,
        "subject_fields": subject_fields, "keywords": keywords, "expected_effect": expected_effect,
        "title_translations": title_translations,
    }, errors)
    people = _authors(cluster, authors, errors)
    raise_errors(errors)
    now = timezone.now()
    with audit(actor, service="innovation_propose"):
        innovation = Innovation.objects.create(
            cluster=cluster, origin_organization=origin, stage=Stage.PROPOSED, stage_changed_at=now,
            created_at=now, created_by=actor, **cleaned,
        )
        set_authors(cluster, innovation, people)
        _record(cluster, innovation, actor=actor, from_stage="", to_stage=Stage.PROPOSED, comment="", now=now)
    return innovation


@transaction.atomic
def innovation_update(*, cluster, actor, innovation_id: int, **changes) -> Innovation:
    """Edit the proposal (while proposed or under revision); `authors` replaces the authors."""
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    roles = roles_for(actor, cluster)
    permissions.require_visible(actor, cluster, innovation)
    if not permissions.can_steer(roles, innovation):
        permissions.deny()
    if innovation.stage not in permissions.EDITABLE_STAGES:
        raise ValidationError({"stage": _("The proposal is edited while it is proposed or under revision; it is "
                                          "%(stage)s.") % {"stage": _label(innovation.stage)}})
    allowed = {"title", "title_translations", "summary", "kind", "education_level", "subject_fields", "keywords",
               "expected_effect", "authors"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    errors: dict = {}
    cleaned = _clean_fields(changes, errors)
    people = _authors(cluster, changes["authors"], errors) if "authors" in changes else None
    if people:
        reviewing = set(ExpertReview.objects.for_cluster(cluster).filter(
            innovation=innovation, round__gte=innovation.review_round,
        ).exclude(status=ExpertReview.Status.WITHDRAWN).values_list("expert_id", flat=True))
        clashing = [person.full_name for person in people if person.user_id in reviewing]
        if clashing:
            add_error(errors, "authors", _("%(names)s reviews this innovation and cannot be one of its authors.") % {
                "names": ", ".join(clashing)})
    raise_errors(errors)
    with audit(actor, service="innovation_update"):
        for field, value in cleaned.items():
            setattr(innovation, field, value)
        innovation.save()
        if people is not None:
            set_authors(cluster, innovation, people)
    return innovation


# --- Guards -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundFigures:
    assigned: int
    submitted: int
    mean: float | None
    spread: float | None


def _figure_aggregates() -> dict:
    """How a round's reviews (not withdrawn) are summed up, for round_figures and
    with_round_figures alike."""
    submitted = Q(status=ExpertReview.Status.SUBMITTED)
    score = (F("novelty") + F("relevance") + F("feasibility") + F("evidence") + F("transferability")) / 5.0
    return {"assigned": Count("pk"), "submitted": Count("pk", filter=submitted),
            "mean": Avg(score, filter=submitted), "low": Min(score, filter=submitted),
            "high": Max(score, filter=submitted)}


def _round_figures(values: dict) -> RoundFigures:
    spread = None if values["low"] is None else float(values["high"]) - float(values["low"])
    mean = None if values["mean"] is None else round(float(values["mean"]), 2)
    return RoundFigures(values["assigned"] or 0, values["submitted"] or 0, mean, spread)


def round_figures(cluster, innovation: Innovation, round_: int | None = None) -> RoundFigures:
    """The reviews of one round (the current one by default) in one query: how many are assigned
    (not withdrawn), how many submitted, the mean of their mean scores and their spread."""
    return _round_figures(ExpertReview.objects.for_cluster(cluster).filter(
        innovation=innovation, round=innovation.review_round if round_ is None else round_,
    ).exclude(status=ExpertReview.Status.WITHDRAWN).aggregate(**_figure_aggregates()))


def with_round_figures(cluster, innovations):
    """The innovations with their current round's figures in their own query, for
    round_figures_of: a page that loads the innovation anyway reads them with it."""
    reviews = ExpertReview.objects.for_cluster(cluster).filter(
        innovation=OuterRef("pk"), round=OuterRef("review_round"),
    ).exclude(status=ExpertReview.Status.WITHDRAWN).order_by().values("innovation")
    return innovations.annotate(**{
        f"round_{name}": Subquery(reviews.annotate(value=aggregate).values("value"))
        for name, aggregate in _figure_aggregates().items()
    })


def round_figures_of(innovation: Innovation) -> RoundFigures:
    """The current round's figures of an innovation loaded with_round_figures."""
    return _round_figures({name: getattr(innovation, f"round_{name}") for name in _figure_aggregates()})


def needs_consensus(figures: RoundFigures, policy, innovation: Innovation) -> bool:
    return (figures.spread is not None and figures.spread > float(policy.consensus_spread)
            and innovation.consensus_started_at is None)


def _decision_guard(innovation: Innovation, policy, errors: dict, figures: RoundFigures) -> RoundFigures:
    required = policy.reviewers_required
    if figures.submitted < required:
        add_error(errors, "stage", _("%(submitted)s of the %(required)s expert reviews needed are submitted.") % {
            "submitted": figures.submitted, "required": required})
    elif needs_consensus(figures, policy, innovation):
        add_error(errors, "stage", _(
            "The reviewers' scores differ by %(spread).1f, more than %(limit)s: hold the consensus step first, "
            "so the reviewers see each other's reviews and may revise them.") % {
            "spread": figures.spread, "limit": policy.consensus_spread})
    return figures


def _carry_reviewers(cluster, innovation: Innovation, policy, *, actor, now) -> None:
    """At resubmission: the last round's reviewers who are still experts review the new round."""
    previous = innovation.review_round
    innovation.review_round = previous + 1
    experts = set(ClusterRole.objects.for_cluster(cluster).filter(role=ClusterRole.Role.EXPERT)
                  .values_list("user_id", flat=True))
    assigned = set(ExpertReview.objects.for_cluster(cluster).filter(
        innovation=innovation, round=innovation.review_round).values_list("expert_id", flat=True))
    # Not those who have since joined the origin organization or the authors.
    conflicted = set(InnovationAuthor.objects.for_cluster(cluster).filter(
        innovation=innovation, person__user__isnull=False).values_list("person__user_id", flat=True))
    conflicted |= set(OrganizationRole.objects.for_cluster(cluster).filter(
        organization_id=innovation.origin_organization_id).values_list("user_id", flat=True))
    conflicted |= set(Person.objects.for_cluster(cluster).filter(
        organization_id=innovation.origin_organization_id, user__isnull=False).values_list("user_id", flat=True))
    carried = ExpertReview.objects.for_cluster(cluster).filter(
        innovation=innovation, round=previous, status=ExpertReview.Status.SUBMITTED, expert_id__in=experts,
    ).exclude(expert_id__in=assigned | conflicted).values_list("expert_id", flat=True)
    due = timezone.localdate() + datetime.timedelta(days=policy.review_days)
    ExpertReview.objects.bulk_create([
        ExpertReview(cluster=cluster, innovation=innovation, expert_id=expert_id, round=innovation.review_round,
                     due_date=due, assigned_by=actor, assigned_at=now)
        for expert_id in carried
    ])


def _writes(innovation: Innovation, to_stage: str) -> bool:
    """Whether the guard of this move writes: a resubmission carries the last round's reviewers."""
    return to_stage == Stage.IN_REVIEW and innovation.stage == Stage.REVISION_REQUESTED


def _check_guard(cluster, innovation: Innovation, to_stage: str, *, comment: str, now, actor, policy=None,
                 read_figures: Callable[[], RoundFigures] | None = None) -> None:
    """Raise the reasons the move is refused. A caller that has the `policy`, or a way to read the
    current round's figures once for several moves (`read_figures`), gives them."""
    errors: dict = {}
    from_stage = innovation.stage
    policy = policy or selectors.policy_for(cluster)
    read_figures = read_figures or (lambda: round_figures(cluster, innovation))
    if to_stage in REASON_REQUIRED and not comment:
        add_error(errors, "comment", _("Give the reason: the authors read it."))
    if to_stage == Stage.IN_REVIEW:
        if from_stage == Stage.REVISION_REQUESTED:
            _carry_reviewers(cluster, innovation, policy, actor=actor, now=now)
            figures = round_figures(cluster, innovation)  # of the new round
        else:
            figures = read_figures()
        if figures.assigned < policy.reviewers_required:
            add_error(errors, "stage", _("%(assigned)s of the %(required)s experts needed are assigned: a "
                                         "coordinator assigns the others.") % {
                "assigned": figures.assigned, "required": policy.reviewers_required})
    elif to_stage == Stage.APPROVED_FOR_PILOT:
        figures = _decision_guard(innovation, policy, errors, read_figures())
        if not errors and figures.mean < float(policy.approval_threshold):
            add_error(errors, "stage", _("The mean score %(mean).2f is below the %(threshold)s needed for a pilot.") % {
                "mean": figures.mean, "threshold": policy.approval_threshold})
    elif to_stage == Stage.REJECTED and from_stage == Stage.IN_REVIEW:
        _decision_guard(innovation, policy, errors, read_figures())
    elif to_stage == Stage.REVISION_REQUESTED:
        if read_figures().submitted < 1:
            add_error(errors, "stage", _("A revision is requested after at least one expert review is submitted."))
    elif to_stage == Stage.PILOTING:
        ready = Pilot.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
            status=Pilot.Status.STOPPED).filter(measures__isnull=False).distinct()
        if not ready.exists():
            add_error(errors, "stage", _("Add at least one pilot site with its period and a measure with its "
                                         "baseline before the pilot starts."))
    elif to_stage == Stage.EVALUATED:
        pilots = Pilot.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
            status=Pilot.Status.STOPPED).select_related("organization")
        if not pilots:
            add_error(errors, "stage", _("There is no pilot to evaluate."))
        missing_results = set(PilotMeasure.objects.for_cluster(cluster).filter(
            pilot__in=pilots, result__isnull=True).values_list("pilot_id", flat=True))
        for pilot in pilots:
            if pilot.pk in missing_results:
                add_error(errors, "stage", _("%(organization)s: enter the result of every measure.") % {
                    "organization": pilot.organization})
            if not pilot.conclusion.strip():
                add_error(errors, "stage", _("%(organization)s: enter the pilot's conclusion.") % {
                    "organization": pilot.organization})
    elif to_stage == Stage.DISSEMINATING:
        adopted = Adoption.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
            status=Adoption.Status.ABANDONED).exclude(organization_id=innovation.origin_organization_id)
        if not adopted.exists():
            add_error(errors, "stage", _("Dissemination starts when at least one other member adopts the "
                                         "innovation."))
    raise_errors(errors)


def move_blockers(cluster, innovation: Innovation, to_stage: str, *, policy=None,
                  read_figures: Callable[[], RoundFigures] | None = None) -> list[str]:
    """Why the guard of this move would refuse it now (empty: it would pass), for pages that show
    a move disabled with its reason instead of a button bound to fail. The guard itself runs; one
    that writes runs in a savepoint rolled back at once (the resubmission's carried reviewers are
    not kept). The reason a person gives on the confirmation page is not asked for here. A page
    that asks about several moves gives the `policy` and `read_figures` (round_figures, read
    once) it shares between them."""
    review_round = innovation.review_round
    reasons: list[str] = []
    writes = _writes(innovation, to_stage)
    with transaction.atomic() if writes else nullcontext():
        try:
            _check_guard(cluster, innovation, to_stage, comment="-", now=timezone.now(), actor=None, policy=policy,
                         read_figures=read_figures)
        except ValidationError as error:
            reasons = error.message_dict.get("stage", error.messages)
        if writes:
            transaction.set_rollback(True)
    innovation.review_round = review_round
    return reasons


# --- The move ---------------------------------------------------------------------------------

@transaction.atomic
def innovation_transition(*, cluster, actor, innovation_id: int, to_stage: str, comment: str = "",
                          expected_stage: str | None = None) -> Innovation:
    """Move the innovation to `to_stage` if the move is legal, the actor may make it and its
    guard holds; otherwise refuse with the reason and change nothing."""
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    roles = roles_for(actor, cluster)
    comment = (comment or "").strip()
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": _("Unknown stage.")})
    if expected_stage and expected_stage != innovation.stage:
        raise ValidationError({"stage": _("Someone moved it to %(stage)s meanwhile: look again before you move "
                                          "it.") % {"stage": _label(innovation.stage)}})
    if (innovation.stage, to_stage) not in MOVES:
        raise ValidationError({"to_stage": _("An innovation cannot move from %(from)s to %(to)s.") % {
            "from": _label(innovation.stage), "to": _label(to_stage)}})
    if not may_move(roles, innovation, to_stage):
        permissions.deny()
    now = timezone.now()
    with audit(actor, service="innovation_transition"):
        _check_guard(cluster, innovation, to_stage, comment=comment, now=now, actor=actor)
        from_stage = innovation.stage
        innovation.stage, innovation.stage_changed_at = to_stage, now
        if to_stage == Stage.IN_REVIEW:
            innovation.consensus_started_at = None
        if to_stage == Stage.REJECTED:
            innovation.decision_reason = comment
        innovation.save(update_fields=["stage", "stage_changed_at", "review_round", "consensus_started_at",
                                       "decision_reason", "updated_at"])
        _record(cluster, innovation, actor=actor, from_stage=from_stage, to_stage=to_stage, comment=comment, now=now)
    return innovation
