"""The life-cycle service: every legal move with its guard met, every illegal pair refused, each
guard's refusal, who may move, stale pages, concurrent moves, and who sees which innovation.

Users: `coordinator`, `authority`, `author` (a teacher of the origin school, the lead author),
`origin_admin`, `org_admin` (admin of School No. 1, unrelated to the innovation), `experts`
(three experts of a university) and `outsider` (another cluster's coordinator).
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cluster_platform.tenancy import forget_roles, roles_for
from innovations import permissions, services
from innovations.models import ExpertReview, Innovation, InnovationPolicy, Pilot, Stage, StageTransition
from innovations.services.lifecycle import MOVES
from innovations.tests.factories import (
    AdoptionFactory,
    ExpertReviewFactory,
    InnovationFactory,
    PilotFactory,
    PilotMeasureFactory,
    add_authors,
)
from members.models import ClusterRole
from members.tests.factories import (
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)
from tests.concurrency import race

pytestmark = pytest.mark.django_db

COORDINATOR_MOVES = {move for move, who in MOVES.items() if who == "coordinator"}


@pytest.fixture
def innovation(cluster, origin, author):
    return add_authors(InnovationFactory(cluster=cluster, origin_organization=origin), author)


def at(innovation, stage, round_=1):
    innovation.stage = stage
    innovation.review_round = round_
    innovation.save(update_fields=["stage", "review_round"])
    return innovation


def move(innovation, actor, to_stage, comment="", expected_stage=None):
    return services.innovation_transition(cluster=innovation.cluster, actor=actor, innovation_id=innovation.pk,
                                          to_stage=to_stage, comment=comment, expected_stage=expected_stage)


def transitions(innovation):
    return list(StageTransition.objects.for_cluster(innovation.cluster).filter(innovation=innovation)
                .values_list("from_stage", "to_stage"))


def stage_of(innovation):
    return Innovation.objects.for_cluster(innovation.cluster).get(pk=innovation.pk).stage


def messages(excinfo, field="stage"):
    return " ".join(excinfo.value.message_dict[field])


def reviews(innovation, experts, *scores, round_=1):
    for expert, score in zip(experts, scores):
        ExpertReviewFactory(innovation=innovation, expert=expert, round=round_, scores=score)


def satisfy(innovation, from_stage, to_stage, experts) -> str:
    """Meet the guard of one legal move; the comment the move is made with."""
    if (from_stage, to_stage) == (Stage.PROPOSED, Stage.IN_REVIEW):
        for expert in experts[:2]:
            ExpertReviewFactory(innovation=innovation, expert=expert)
    elif from_stage == Stage.IN_REVIEW:
        reviews(innovation, experts, 4, 4)
    elif (from_stage, to_stage) == (Stage.REVISION_REQUESTED, Stage.IN_REVIEW):
        reviews(innovation, experts, 3, 3)
    elif to_stage == Stage.PILOTING:
        PilotMeasureFactory(pilot=PilotFactory(innovation=innovation))
    elif to_stage == Stage.EVALUATED:
        pilot = PilotFactory(innovation=innovation, conclusion="Scores rose by a third.")
        PilotMeasureFactory(pilot=pilot, result=71)
    elif to_stage == Stage.DISSEMINATING:
        AdoptionFactory(innovation=innovation, organization=OrganizationFactory(cluster=innovation.cluster))
    return "The reason, for the authors." if to_stage in (Stage.REJECTED, Stage.REVISION_REQUESTED) else ""


# --- Every legal move -----------------------------------------------------------------------

@pytest.mark.parametrize(("from_stage", "to_stage"), list(MOVES), ids=[f"{a}->{b}" for a, b in MOVES])
def test_every_legal_move_with_its_guard_met_succeeds_and_writes_one_transition(
        innovation, coordinator, author, experts, from_stage, to_stage):
    at(innovation, from_stage)
    comment = satisfy(innovation, from_stage, to_stage, experts)
    actor = coordinator if (from_stage, to_stage) in COORDINATOR_MOVES else author.user

    moved = move(innovation, actor, to_stage, comment=comment)

    assert moved.stage == to_stage == stage_of(innovation)
    rows = list(StageTransition.objects.for_cluster(innovation.cluster).filter(innovation=innovation))
    assert [(row.from_stage, row.to_stage, row.actor_id, row.comment) for row in rows] == [
        (from_stage, to_stage, actor.pk, comment)]
    assert moved.stage_changed_at == rows[0].created_at


ILLEGAL = [(a, b) for a, b in itertools.product(Stage.values, Stage.values) if (a, b) not in MOVES]


def test_the_illegal_pairs_are_the_other_84():
    assert len(ILLEGAL) == 100 - len(MOVES) == 84


@pytest.mark.parametrize(("from_stage", "to_stage"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_move_is_refused_with_the_reason_and_writes_nothing(
        innovation, coordinator, from_stage, to_stage):
    at(innovation, from_stage)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, to_stage, comment="Because.")
    from_label, to_label = Stage(from_stage).label.lower(), Stage(to_stage).label.lower()
    assert messages(excinfo, "to_stage") == f"An innovation cannot move from {from_label} to {to_label}."
    assert stage_of(innovation) == from_stage
    assert transitions(innovation) == []


def test_an_unknown_stage_is_refused(innovation, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, "published")
    assert messages(excinfo, "to_stage") == "Unknown stage."
    assert transitions(innovation) == []


# --- The guards -----------------------------------------------------------------------------

def test_review_needs_the_policys_number_of_experts_assigned(innovation, coordinator, experts):
    InnovationPolicy.objects.create(cluster=innovation.cluster, reviewers_required=3)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    ExpertReviewFactory(innovation=innovation, expert=experts[1])
    ExpertReviewFactory(innovation=innovation, expert=experts[2], status=ExpertReview.Status.WITHDRAWN)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.IN_REVIEW)
    assert messages(excinfo) == "2 of the 3 experts needed are assigned: a coordinator assigns the others."
    assert stage_of(innovation) == Stage.PROPOSED and transitions(innovation) == []


def test_review_with_the_default_two_experts_assigned_starts(innovation, coordinator, experts):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    with pytest.raises(ValidationError, match="1 of the 2 experts"):
        move(innovation, coordinator, Stage.IN_REVIEW)
    ExpertReviewFactory(innovation=innovation, expert=experts[1])
    assert move(innovation, coordinator, Stage.IN_REVIEW).stage == Stage.IN_REVIEW


def test_approval_needs_the_policys_number_of_submitted_reviews(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    reviews(innovation, experts, 5)
    ExpertReviewFactory(innovation=innovation, expert=experts[1])  # assigned, not submitted
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.APPROVED_FOR_PILOT)
    assert messages(excinfo) == "1 of the 2 expert reviews needed are submitted."
    assert stage_of(innovation) == Stage.IN_REVIEW and transitions(innovation) == []


def test_approval_needs_the_mean_score_at_the_threshold(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    reviews(innovation, experts, 3, 4)  # mean 3.5, the default threshold: enough
    InnovationPolicy.objects.create(cluster=innovation.cluster, approval_threshold="3.60")
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.APPROVED_FOR_PILOT)
    assert messages(excinfo) == "The mean score 3.50 is below the 3.60 needed for a pilot."
    InnovationPolicy.objects.for_cluster(innovation.cluster).update(approval_threshold="3.50")
    assert move(innovation, coordinator, Stage.APPROVED_FOR_PILOT).stage == Stage.APPROVED_FOR_PILOT


def test_a_wide_spread_calls_for_the_consensus_step_before_a_decision(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    reviews(innovation, experts, 5, 2)  # spread 3 > 1.5; mean 3.5
    for to_stage in (Stage.APPROVED_FOR_PILOT, Stage.REJECTED):
        with pytest.raises(ValidationError) as excinfo:
            move(innovation, coordinator, to_stage, comment="Decided.")
        assert "hold the consensus step first" in messages(excinfo)
    assert transitions(innovation) == []

    Innovation.objects.for_cluster(innovation.cluster).filter(pk=innovation.pk).update(
        consensus_started_at=innovation.created_at)
    assert move(innovation, coordinator, Stage.APPROVED_FOR_PILOT).stage == Stage.APPROVED_FOR_PILOT


def test_a_spread_within_the_policy_needs_no_consensus(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    InnovationPolicy.objects.create(cluster=innovation.cluster, consensus_spread="3.00")
    reviews(innovation, experts, 5, 2)
    assert move(innovation, coordinator, Stage.APPROVED_FOR_PILOT).stage == Stage.APPROVED_FOR_PILOT


def test_a_revision_needs_a_submitted_review_and_a_comment(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.REVISION_REQUESTED, comment="Add the evidence.")
    assert messages(excinfo) == "A revision is requested after at least one expert review is submitted."

    reviews(innovation, experts[1:], 3)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.REVISION_REQUESTED, comment="   ")
    assert messages(excinfo, "comment") == "Give the reason: the authors read it."
    assert transitions(innovation) == []

    assert move(innovation, coordinator, Stage.REVISION_REQUESTED, comment="Add the evidence.").stage == \
        Stage.REVISION_REQUESTED


@pytest.mark.parametrize("from_stage", [Stage.PROPOSED, Stage.IN_REVIEW])
def test_a_rejection_needs_a_reason_which_is_kept(innovation, coordinator, experts, from_stage):
    at(innovation, from_stage)
    if from_stage == Stage.IN_REVIEW:
        reviews(innovation, experts, 2, 2)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.REJECTED)
    assert messages(excinfo, "comment") == "Give the reason: the authors read it."
    assert transitions(innovation) == []
    rejected = move(innovation, coordinator, Stage.REJECTED, comment="Not new in this region.")
    assert rejected.decision_reason == "Not new in this region."


def test_a_rejection_from_review_needs_the_submitted_reviews(innovation, coordinator, experts):
    at(innovation, Stage.IN_REVIEW)
    reviews(innovation, experts, 2)
    with pytest.raises(ValidationError, match="1 of the 2 expert reviews needed are submitted"):
        move(innovation, coordinator, Stage.REJECTED, comment="Weak.")


def test_piloting_needs_a_pilot_site_with_a_measure(innovation, author):
    at(innovation, Stage.APPROVED_FOR_PILOT)
    expected = ("Add at least one pilot site with its period and a measure with its baseline before the pilot "
                "starts.")
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, author.user, Stage.PILOTING)
    assert messages(excinfo) == expected
    pilot = PilotFactory(innovation=innovation)
    with pytest.raises(ValidationError, match="Add at least one pilot site"):
        move(innovation, author.user, Stage.PILOTING)
    stopped = PilotFactory(innovation=innovation, status=Pilot.Status.STOPPED)
    PilotMeasureFactory(pilot=stopped)
    with pytest.raises(ValidationError, match="Add at least one pilot site"):
        move(innovation, author.user, Stage.PILOTING)
    assert transitions(innovation) == []
    PilotMeasureFactory(pilot=pilot)
    assert move(innovation, author.user, Stage.PILOTING).stage == Stage.PILOTING


def test_evaluation_needs_results_and_a_conclusion_for_every_pilot_not_stopped(innovation, author, cluster):
    at(innovation, Stage.PILOTING)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, author.user, Stage.EVALUATED)
    assert messages(excinfo) == "There is no pilot to evaluate."

    first = PilotFactory(innovation=innovation, organization=OrganizationFactory(cluster=cluster, name="School 21"))
    PilotMeasureFactory(pilot=first, result=70)
    second = PilotFactory(innovation=innovation, organization=OrganizationFactory(cluster=cluster, name="Lyceum 3"),
                          conclusion="Works in upper grades.")
    measure = PilotMeasureFactory(pilot=second)
    stopped = PilotFactory(innovation=innovation, status=Pilot.Status.STOPPED,
                           organization=OrganizationFactory(cluster=cluster, name="School 40"))
    PilotMeasureFactory(pilot=stopped)  # no result, no conclusion: a stopped pilot is not evaluated
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, author.user, Stage.EVALUATED)
    assert excinfo.value.message_dict["stage"] == [
        "School 21: enter the pilot's conclusion.", "Lyceum 3: enter the result of every measure."]
    assert transitions(innovation) == []

    Pilot.objects.for_cluster(cluster).filter(pk=first.pk).update(conclusion="Scores rose.")
    measure.result = 60
    measure.save()
    assert move(innovation, author.user, Stage.EVALUATED).stage == Stage.EVALUATED


def test_dissemination_needs_an_adoption_by_another_member(innovation, author, cluster):
    at(innovation, Stage.IMPLEMENTING)
    AdoptionFactory(innovation=innovation, organization=OrganizationFactory(cluster=cluster), status="abandoned")
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, author.user, Stage.DISSEMINATING)
    assert messages(excinfo) == "Dissemination starts when at least one other member adopts the innovation."
    AdoptionFactory(innovation=innovation, organization=OrganizationFactory(cluster=cluster), status="planned")
    assert move(innovation, author.user, Stage.DISSEMINATING).stage == Stage.DISSEMINATING


def test_resubmission_starts_round_two_with_the_previous_reviewers(innovation, author, experts):
    at(innovation, Stage.REVISION_REQUESTED)
    reviews(innovation, experts, 3, 2)

    resubmitted = move(innovation, author.user, Stage.IN_REVIEW, comment="Evidence added.")

    assert resubmitted.review_round == 2
    round_two = ExpertReview.objects.for_cluster(innovation.cluster).filter(innovation=innovation, round=2)
    assert sorted(round_two.values_list("expert_id", flat=True)) == sorted([experts[0].pk, experts[1].pk])
    assert set(round_two.values_list("status", flat=True)) == {ExpertReview.Status.ASSIGNED}
    assert resubmitted.consensus_started_at is None
    assert transitions(innovation) == [(Stage.REVISION_REQUESTED, Stage.IN_REVIEW)]


def test_resubmission_without_enough_reviewers_left_changes_nothing(innovation, author, experts, cluster):
    at(innovation, Stage.REVISION_REQUESTED)
    reviews(innovation, experts, 3, 2)
    ClusterRole.objects.for_cluster(cluster).filter(user=experts[1], role="expert").delete()

    with pytest.raises(ValidationError) as excinfo:
        move(innovation, author.user, Stage.IN_REVIEW)

    assert "1 of the 2 experts needed are assigned" in messages(excinfo)
    innovation.refresh_from_db()
    assert innovation.review_round == 1 and innovation.stage == Stage.REVISION_REQUESTED
    assert not ExpertReview.objects.for_cluster(cluster).filter(innovation=innovation, round=2).exists()
    assert transitions(innovation) == []


# --- Who may move ---------------------------------------------------------------------------

def test_the_coordinator_makes_the_review_moves_the_authors_may_not(innovation, author, origin_admin, experts):
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    for actor in (author.user, origin_admin):
        with pytest.raises(PermissionDenied):
            move(innovation, actor, Stage.IN_REVIEW)
    assert stage_of(innovation) == Stage.PROPOSED and transitions(innovation) == []


def test_the_origins_admin_and_the_author_make_the_authors_moves(innovation, origin_admin, author):
    at(innovation, Stage.APPROVED_FOR_PILOT)
    PilotMeasureFactory(pilot=PilotFactory(innovation=innovation))
    assert move(innovation, origin_admin, Stage.PILOTING).stage == Stage.PILOTING
    at(innovation, Stage.EVALUATED)
    assert move(innovation, author.user, Stage.IMPLEMENTING).stage == Stage.IMPLEMENTING


def test_the_coordinator_may_make_the_authors_moves_too(innovation, coordinator):
    assert move(innovation, coordinator, Stage.ARCHIVED).stage == Stage.ARCHIVED


def test_a_co_author_from_another_organization_may_withdraw(innovation, author, cluster):
    colleague = UserFactory(username="methodologist")
    university = OrganizationFactory(cluster=cluster, name="Institute")
    OrganizationRoleFactory(organization=university, user=colleague, role="staff")
    add_authors(innovation, author, PersonFactory(organization=university, user=colleague))
    assert move(innovation, colleague, Stage.ARCHIVED, comment="Withdrawn.").stage == Stage.ARCHIVED


def test_the_authority_reads_but_moves_nothing(innovation, authority):
    for stage, to_stage in ((Stage.PROPOSED, Stage.ARCHIVED), (Stage.EVALUATED, Stage.IMPLEMENTING)):
        at(innovation, stage)
        with pytest.raises(PermissionDenied):
            move(innovation, authority, to_stage)
    assert transitions(innovation) == []


def test_an_unrelated_organizations_admin_cannot_move_a_shared_innovation(innovation, org_admin):
    at(innovation, Stage.EVALUATED)  # every member sees it now
    with pytest.raises(PermissionDenied):
        move(innovation, org_admin, Stage.IMPLEMENTING)
    assert stage_of(innovation) == Stage.EVALUATED and transitions(innovation) == []


def test_an_innovation_the_actor_cannot_see_does_not_exist_for_them(innovation, org_admin, outsider):
    for actor in (org_admin, outsider):
        with pytest.raises(Innovation.DoesNotExist):
            move(innovation, actor, Stage.ARCHIVED)
    assert transitions(innovation) == []


def test_an_assigned_expert_cannot_move_the_innovation(innovation, experts):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    with pytest.raises(PermissionDenied):
        move(innovation, experts[0], Stage.ARCHIVED)


def test_a_move_from_a_stale_page_is_refused(innovation, coordinator, experts):
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    move(innovation, coordinator, Stage.IN_REVIEW, expected_stage=Stage.PROPOSED)
    with pytest.raises(ValidationError) as excinfo:
        move(innovation, coordinator, Stage.REJECTED, comment="No.", expected_stage=Stage.PROPOSED)
    assert messages(excinfo) == "Someone moved it to in review meanwhile: look again before you move it."
    assert transitions(innovation) == [(Stage.PROPOSED, Stage.IN_REVIEW)]


# --- Two people at the same moment ------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_people_moving_one_innovation_at_once_make_one_move(cluster, origin, author, experts):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin), author)
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    first = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord1"), role="coordinator").user
    second = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord2"), role="coordinator").user

    outcomes = race([
        lambda: services.innovation_transition(cluster=cluster, actor=first, innovation_id=innovation.pk,
                                               to_stage=Stage.IN_REVIEW, expected_stage=Stage.PROPOSED),
        lambda: services.innovation_transition(cluster=cluster, actor=second, innovation_id=innovation.pk,
                                               to_stage=Stage.IN_REVIEW, expected_stage=Stage.PROPOSED),
    ])

    moved = [o for o in outcomes if isinstance(o, Innovation)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(moved) == 1 and len(refused) == 1, outcomes
    assert refused[0].message_dict["stage"] == [
        "Someone moved it to in review meanwhile: look again before you move it."]
    assert transitions(innovation) == [(Stage.PROPOSED, Stage.IN_REVIEW)]
    assert stage_of(innovation) == Stage.IN_REVIEW


@pytest.mark.django_db(transaction=True)
def test_two_different_moves_at_once_make_only_the_first(cluster, origin, author, experts):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin), author)
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    coordinator = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord1"), role="coordinator").user

    outcomes = race([
        lambda: services.innovation_transition(cluster=cluster, actor=coordinator, innovation_id=innovation.pk,
                                               to_stage=Stage.IN_REVIEW),
        lambda: services.innovation_transition(cluster=cluster, actor=author.user, innovation_id=innovation.pk,
                                               to_stage=Stage.ARCHIVED, comment="Withdrawn."),
    ])

    assert sum(isinstance(o, Innovation) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1, outcomes
    rows = transitions(innovation)
    assert len(rows) == 1 and rows[0][1] == stage_of(innovation)


# --- Who sees what --------------------------------------------------------------------------

@pytest.fixture
def world(cluster, origin, author, experts):
    """A proposal and a piloted innovation of the origin school, and one of another school;
    experts[0] is assigned to the proposal, experts[1] to the other school's, withdrawn."""
    other = OrganizationFactory(cluster=cluster, name="School No. 99")
    proposal = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin, title="Proposal"), author)
    piloted = InnovationFactory(cluster=cluster, origin_organization=origin, title="Piloted",
                                stage=Stage.PILOTING)
    elsewhere = InnovationFactory(cluster=cluster, origin_organization=other, title="Elsewhere")
    ExpertReviewFactory(innovation=proposal, expert=experts[0])
    ExpertReviewFactory(innovation=elsewhere, expert=experts[1], status=ExpertReview.Status.WITHDRAWN)
    InnovationFactory(cluster=OrganizationFactory(name="Far away").cluster, title="Another cluster's")
    return {"proposal": proposal, "piloted": piloted, "elsewhere": elsewhere, "other": other}


def visible(cluster, user):
    forget_roles(user)
    roles = roles_for(user, cluster)
    titles = set(permissions.visible_innovations(cluster, roles).values_list("title", flat=True))
    # can_view agrees with the queryset for every innovation of the cluster
    for innovation in Innovation.objects.for_cluster(cluster):
        assert permissions.can_view(roles, innovation) == (innovation.title in titles), innovation.title
    return titles


def test_coordinators_and_authorities_see_every_innovation_of_their_cluster(cluster, world, coordinator,
                                                                            authority):
    assert visible(cluster, coordinator) == visible(cluster, authority) == {"Proposal", "Piloted", "Elsewhere"}


def test_an_author_sees_their_innovation_from_any_organization(cluster, world, author):
    colleague = UserFactory(username="coauthor")
    institute = OrganizationFactory(cluster=cluster, name="Institute")
    OrganizationRoleFactory(organization=institute, user=colleague, role="staff")
    add_authors(world["elsewhere"], PersonFactory(organization=institute, user=colleague))
    assert visible(cluster, colleague) == {"Elsewhere", "Piloted"}
    assert visible(cluster, author.user) == {"Proposal", "Piloted"}


def test_the_origins_staff_see_its_innovations_at_every_stage(cluster, world, origin, origin_admin):
    staff = UserFactory(username="originstaff")
    OrganizationRoleFactory(organization=origin, user=staff, role="staff")
    assert visible(cluster, staff) == visible(cluster, origin_admin) == {"Proposal", "Piloted"}


def test_other_members_see_an_innovation_once_it_is_piloted(cluster, world, org_admin):
    assert visible(cluster, org_admin) == {"Piloted"}
    at(world["piloted"], Stage.APPROVED_FOR_PILOT)
    assert visible(cluster, org_admin) == set()
    for stage in permissions.SHARED_STAGES:
        at(world["piloted"], stage)
        assert visible(cluster, org_admin) == {"Piloted"}
    at(world["piloted"], Stage.ARCHIVED)
    assert visible(cluster, org_admin) == set()


def test_an_expert_sees_only_the_innovations_assigned_to_them(cluster, world, experts, expert):
    assert visible(cluster, experts[0]) == {"Proposal"}
    assert visible(cluster, experts[1]) == set()  # withdrawn
    assert visible(cluster, expert) == set()  # never assigned


def test_an_outsider_sees_nothing_of_the_cluster(cluster, world, outsider):
    assert visible(cluster, outsider) == set()
