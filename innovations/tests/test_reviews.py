"""The expert review services and selectors: assigning experts and their conflicts, the
suggestions, drafts and submission, visibility, the consensus step, the policy and the experts'
subject fields."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cluster_platform.tenancy import roles_for
from innovations import permissions, review_selectors, selectors, services
from innovations.models import ExpertProfile, ExpertReview, Innovation, InnovationPolicy
from innovations.services.lifecycle import set_authors
from innovations.tests.factories import (
    ExpertProfileFactory,
    ExpertReviewFactory,
    InnovationFactory,
    SubmittedReviewFactory,
)
from members.tests.factories import (
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
Status = ExpertReview.Status


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = InnovationFactory(origin_organization=origin, subject_fields=["mathematics", "digital"])
    set_authors(cluster, innovation, [author])
    return innovation


def make_expert(cluster, username, organization=None, fields=None):
    user = UserFactory(username=username)
    ClusterRoleFactory(cluster=cluster, user=user, role="expert")
    if organization is not None:
        PersonFactory(organization=organization, user=user, full_name=username.title())
    if fields is not None:
        ExpertProfileFactory(cluster=cluster, user=user, subject_fields=fields)
    return user


def assign(cluster, coordinator, innovation, expert, **kwargs):
    return services.expert_assign(cluster=cluster, actor=coordinator, innovation_id=innovation.pk,
                                  expert_id=expert.pk, **kwargs)


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- Assigning -----------------------------------------------------------------------------------

def test_coordinator_assigns_an_expert_with_the_policy_deadline(cluster, coordinator, innovation, experts):
    review = assign(cluster, coordinator, innovation, experts[0])
    assert (review.round, review.status, review.assigned_by) == (1, Status.ASSIGNED, coordinator)
    assert review.due_date == timezone.localdate() + datetime.timedelta(days=14)


def test_the_deadline_follows_the_clusters_review_days(cluster, coordinator, innovation, experts):
    InnovationPolicy.objects.create(cluster=cluster, review_days=5)
    review = assign(cluster, coordinator, innovation, experts[0])
    assert review.due_date == timezone.localdate() + datetime.timedelta(days=5)


def test_a_deadline_today_or_earlier_is_refused(cluster, coordinator, innovation, experts):
    errors = refusal(lambda: assign(cluster, coordinator, innovation, experts[0], due_date=timezone.localdate()))
    assert list(errors) == ["due_date"]
    assert not ExpertReview.objects.for_cluster(cluster).exists()


def test_expert_with_a_role_in_the_origin_organization_is_refused(cluster, coordinator, innovation, origin):
    insider = make_expert(cluster, "insider")
    OrganizationRoleFactory(organization=origin, user=insider, role="staff")
    errors = refusal(lambda: assign(cluster, coordinator, innovation, insider))
    assert errors == {"expert": ["This expert belongs to the origin organization of the innovation."]}
    assert not ExpertReview.objects.for_cluster(cluster).exists()


def test_expert_who_is_a_person_of_the_origin_organization_is_refused(cluster, coordinator, innovation, origin):
    teacher = make_expert(cluster, "teacher", organization=origin)
    errors = refusal(lambda: assign(cluster, coordinator, innovation, teacher))
    assert errors == {"expert": ["This expert belongs to the origin organization of the innovation."]}


def test_an_author_from_another_organization_is_refused(cluster, coordinator, innovation, author):
    university = OrganizationFactory(cluster=cluster, name="University")
    coauthor = make_expert(cluster, "coauthor", organization=university)
    set_authors(cluster, innovation, [author, coauthor.people.get(cluster=cluster)])
    errors = refusal(lambda: assign(cluster, coordinator, innovation, coauthor))
    assert errors == {"expert": ["This expert is one of the authors of the innovation."]}


def test_a_user_without_the_expert_role_is_refused(cluster, coordinator, innovation, org_admin):
    errors = refusal(lambda: assign(cluster, coordinator, innovation, org_admin))
    assert errors == {"expert": ["Choose an expert of this cluster."]}


def test_an_expert_of_another_cluster_is_refused(cluster, other_cluster, coordinator, innovation):
    stranger = UserFactory(username="stranger")
    ClusterRoleFactory(cluster=other_cluster, user=stranger, role="expert")
    assert list(refusal(lambda: assign(cluster, coordinator, innovation, stranger))) == ["expert"]


def test_assigning_twice_in_a_round_is_refused_and_a_withdrawn_one_is_renewed(cluster, coordinator, innovation,
                                                                               experts):
    review = assign(cluster, coordinator, innovation, experts[0])
    errors = refusal(lambda: assign(cluster, coordinator, innovation, experts[0]))
    assert errors == {"expert": ["This expert is already assigned in round 1."]}
    services.expert_withdraw(cluster=cluster, actor=coordinator, review_id=review.pk)
    renewed = assign(cluster, coordinator, innovation, experts[0])
    assert renewed.pk == review.pk and renewed.status == Status.ASSIGNED
    assert ExpertReview.objects.for_cluster(cluster).count() == 1


@pytest.mark.parametrize("who", ["expert", "authority", "origin_admin"])
def test_only_coordinators_assign(request, cluster, innovation, experts, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        assign(cluster, actor, innovation, experts[0])
    assert not ExpertReview.objects.for_cluster(cluster).exists()


def test_no_assignment_after_the_decision(cluster, coordinator, innovation, experts):
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.APPROVED_FOR_PILOT)
    assert list(refusal(lambda: assign(cluster, coordinator, innovation, experts[0]))) == ["stage"]


def test_during_a_revision_experts_are_assigned_to_the_next_round(cluster, coordinator, innovation, experts, author):
    SubmittedReviewFactory(innovation=innovation, expert=experts[0], score=4)
    SubmittedReviewFactory(innovation=innovation, expert=experts[1], score=4)
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.REVISION_REQUESTED)
    innovation.refresh_from_db()
    review = assign(cluster, coordinator, innovation, experts[2])
    assert review.round == 2
    # The resubmission carries the last round's reviewers over and keeps this assignment.
    services.innovation_transition(cluster=cluster, actor=author.user, innovation_id=innovation.pk,
                                   to_stage=Stage.IN_REVIEW)
    innovation.refresh_from_db()
    assert innovation.review_round == 2
    assert sorted(ExpertReview.objects.for_cluster(cluster).filter(round=2).values_list("expert__username", flat=True)) \
        == ["expert0", "expert1", "expert2"]


def test_withdrawing_a_submitted_review_is_refused(cluster, coordinator, innovation, experts):
    review = SubmittedReviewFactory(innovation=innovation, expert=experts[0], score=4)
    assert list(refusal(lambda: services.expert_withdraw(cluster=cluster, actor=coordinator, review_id=review.pk))) \
        == ["status"]


# --- Suggestions -------------------------------------------------------------------------------

def test_suggestions_are_ordered_by_shared_fields_then_load_then_name(cluster, coordinator, innovation, origin,
                                                                      django_assert_num_queries):
    university = OrganizationFactory(cluster=cluster, name="University")
    both_idle = make_expert(cluster, "zafar", university, ["digital", "mathematics", "arts"])
    both_busy = make_expert(cluster, "aziza", university, ["mathematics", "digital"])
    one_idle = make_expert(cluster, "bobur", university, ["mathematics"])
    none_b = make_expert(cluster, "nodir", university, ["arts"])
    none_a = make_expert(cluster, "malika", university)  # no profile at all
    conflicted = make_expert(cluster, "insider", origin, ["mathematics", "digital"])
    assigned = make_expert(cluster, "assigned", university, ["mathematics", "digital"])
    ExpertReviewFactory(innovation=innovation, expert=assigned)
    for n in range(2):  # aziza is busy elsewhere, one review overdue
        ExpertReviewFactory(innovation=InnovationFactory(origin_organization=origin), expert=both_busy,
                            due_date=timezone.localdate() - datetime.timedelta(days=n))
    with django_assert_num_queries(1):
        suggestions = services.expert_suggestions(cluster=cluster, innovation=innovation, limit=10)
    assert [user.username for user in suggestions] == ["zafar", "aziza", "bobur", "malika", "nodir"]
    rows = {user.username: (user.overlap, user.open_reviews, user.overdue_reviews, sorted(user.subject_fields))
            for user in suggestions}
    assert rows["aziza"] == (2, 2, 1, ["digital", "mathematics"])
    assert rows["zafar"] == (2, 0, 0, ["arts", "digital", "mathematics"])
    assert rows["malika"] == (0, 0, 0, [])
    assert suggestions[0].name == "Zafar"
    assert conflicted not in suggestions and both_idle == suggestions[0] and one_idle == suggestions[2]
    assert none_a == suggestions[3] and none_b == suggestions[4]
    assert [u.username for u in services.expert_suggestions(cluster=cluster, innovation=innovation, limit=2)] == [
        "zafar", "aziza"]


# --- Drafts and submission ----------------------------------------------------------------------

@pytest.fixture
def in_review(cluster, innovation):
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.IN_REVIEW)
    innovation.refresh_from_db()
    return innovation


def test_an_expert_saves_a_draft_that_others_do_not_see(cluster, in_review, experts, coordinator):
    mine = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=5)
    services.review_save(cluster=cluster, actor=experts[0], review_id=mine.pk, novelty=4, comment="Promising")
    mine.refresh_from_db()
    assert (mine.novelty, mine.relevance, mine.comment, mine.status) == (4, None, "Promising", Status.ASSIGNED)
    other = roles_for(experts[1], cluster)
    assert list(permissions.reviews_visible_to(cluster, other, in_review).values_list("expert", flat=True)) == [
        experts[1].pk]
    seen_by_coordinator = permissions.reviews_visible_to(cluster, roles_for(coordinator, cluster), in_review).get(
        pk=mine.pk)
    assert permissions.review_access(roles_for(coordinator, cluster), seen_by_coordinator,
                                     selectors.policy_for(cluster)) == {
        "scores": False, "feedback": False, "reviewer": True}


def test_only_the_assigned_expert_writes_the_review(cluster, in_review, experts, coordinator):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    for actor in (experts[1], coordinator):
        with pytest.raises(PermissionDenied):
            services.review_save(cluster=cluster, actor=actor, review_id=review.pk, novelty=1)
    review.refresh_from_db()
    assert review.novelty is None


def test_a_score_outside_one_to_five_is_refused(cluster, in_review, experts):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    errors = refusal(lambda: services.review_save(cluster=cluster, actor=experts[0], review_id=review.pk,
                                                  novelty=6, feasibility=0, relevance=3))
    assert sorted(errors) == ["feasibility", "novelty"]
    review.refresh_from_db()
    assert review.relevance is None


def test_submitting_names_every_missing_field(cluster, in_review, experts):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    errors = refusal(lambda: services.review_submit(cluster=cluster, actor=experts[0], review_id=review.pk,
                                                    novelty=3))
    assert sorted(errors) == ["evidence", "feasibility", "recommendation", "relevance", "transferability"]
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED and review.novelty is None


def test_a_recommendation_to_reject_needs_a_comment(cluster, in_review, experts):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    scores = dict.fromkeys(("novelty", "relevance", "feasibility", "evidence", "transferability"), 2)
    errors = refusal(lambda: services.review_submit(cluster=cluster, actor=experts[0], review_id=review.pk,
                                                    recommendation="reject", **scores))
    assert list(errors) == ["comment"]
    submitted = services.review_submit(cluster=cluster, actor=experts[0], review_id=review.pk,
                                       recommendation="reject", comment="No evidence yet.", **scores)
    assert submitted.status == Status.SUBMITTED and submitted.submitted_at is not None


def test_a_review_is_submitted_only_while_the_innovation_is_in_review(cluster, innovation, experts):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0], novelty=3, relevance=3, feasibility=3,
                                 evidence=3, transferability=3, recommendation="pilot")
    assert list(refusal(lambda: services.review_submit(cluster=cluster, actor=experts[0], review_id=review.pk))) \
        == ["stage"]


def test_a_submitted_review_is_no_draft_any_more(cluster, in_review, experts):
    review = SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=4)
    assert list(refusal(lambda: services.review_save(cluster=cluster, actor=experts[0], review_id=review.pk,
                                                     novelty=1))) == ["status"]


# --- Visibility --------------------------------------------------------------------------------

@pytest.fixture
def reviewed(cluster, in_review, experts):
    """e0 submitted (scores 4, recommends a revision), e1 has a draft, e2 was withdrawn."""
    return {
        "submitted": SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=4, recommendation="revise",
                                         comment="Add evidence."),
        "draft": ExpertReviewFactory(innovation=in_review, expert=experts[1], novelty=2),
        "withdrawn": ExpertReviewFactory(innovation=in_review, expert=experts[2], status=Status.WITHDRAWN),
    }


def visible(cluster, user, innovation):
    return sorted(permissions.reviews_visible_to(cluster, roles_for(user, cluster), innovation)
                  .values_list("expert__username", flat=True))


@pytest.mark.parametrize("stage, who, expected", [
    (Stage.IN_REVIEW, "coordinator", ["expert0", "expert1", "expert2"]),
    (Stage.IN_REVIEW, "authority", ["expert0", "expert1", "expert2"]),
    (Stage.IN_REVIEW, "expert0", ["expert0"]),
    (Stage.IN_REVIEW, "expert1", ["expert1"]),
    (Stage.IN_REVIEW, "expert2", []),
    (Stage.IN_REVIEW, "author", []),
    (Stage.IN_REVIEW, "origin_admin", []),
    (Stage.IN_REVIEW, "org_admin", []),
    (Stage.REVISION_REQUESTED, "expert0", ["expert0"]),
    (Stage.REVISION_REQUESTED, "expert1", ["expert0", "expert1"]),
    (Stage.REVISION_REQUESTED, "expert2", []),
    (Stage.REVISION_REQUESTED, "author", ["expert0"]),
    (Stage.REVISION_REQUESTED, "origin_admin", ["expert0"]),
    (Stage.REVISION_REQUESTED, "org_admin", []),
])
def test_who_sees_which_review(request, cluster, in_review, reviewed, experts, author, stage, who, expected):
    Innovation.objects.for_cluster(cluster).filter(pk=in_review.pk).update(stage=stage)
    in_review.refresh_from_db()
    users = {"expert0": experts[0], "expert1": experts[1], "expert2": experts[2], "author": author.user}
    user = users.get(who) or request.getfixturevalue(who)
    assert visible(cluster, user, in_review) == expected


def test_authors_read_the_feedback_without_scores_and_without_names_when_blind(cluster, in_review, reviewed, author):
    Innovation.objects.for_cluster(cluster).filter(pk=in_review.pk).update(stage=Stage.REVISION_REQUESTED)
    roles = roles_for(author.user, cluster)
    review = permissions.reviews_visible_to(cluster, roles, in_review).get()
    assert permissions.review_access(roles, review, InnovationPolicy(cluster=cluster)) == {
        "scores": False, "feedback": True, "reviewer": True}
    assert permissions.review_access(roles, review, InnovationPolicy(cluster=cluster, blind_review=True)) == {
        "scores": False, "feedback": True, "reviewer": False}


def test_a_later_round_keeps_its_drafts_and_opens_the_earlier_round(cluster, in_review, reviewed, experts):
    Innovation.objects.for_cluster(cluster).filter(pk=in_review.pk).update(review_round=2)
    in_review.refresh_from_db()
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], round=2, score=5)
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], round=2, score=3)
    assert sorted(permissions.reviews_visible_to(cluster, roles_for(experts[1], cluster), in_review)
                  .values_list("expert__username", "round")) == [("expert0", 1), ("expert1", 1), ("expert1", 2)]


def test_blind_review_hides_the_authors_from_the_assigned_experts_only(cluster, in_review, experts, author,
                                                                       coordinator, origin_admin, expert):
    ExpertReviewFactory(innovation=in_review, expert=experts[0])
    blind, open_ = InnovationPolicy(cluster=cluster, blind_review=True), InnovationPolicy(cluster=cluster)

    def hidden(user, policy):
        return permissions.authors_hidden_from(roles_for(user, cluster), Innovation.objects.for_cluster(cluster).get(pk=in_review.pk),
                                               policy)

    assert hidden(experts[0], blind) is True
    assert hidden(experts[0], open_) is False
    for user in (coordinator, author.user, origin_admin, expert):
        assert hidden(user, blind) is False


# --- Consensus ---------------------------------------------------------------------------------

SCORES = ("novelty", "relevance", "feasibility", "evidence", "transferability")


def test_consensus_is_refused_when_the_scores_agree(cluster, coordinator, in_review, experts):
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=4)
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=3)
    errors = refusal(lambda: services.consensus_start(cluster=cluster, actor=coordinator, innovation_id=in_review.pk))
    assert errors == {"stage": ["The reviewers' scores differ by 1.0, not more than 1.5: no consensus step is "
                                "needed."]}
    in_review.refresh_from_db()
    assert in_review.consensus_started_at is None


def test_consensus_waits_for_every_assigned_review(cluster, coordinator, in_review, experts):
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=5)
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=1)
    ExpertReviewFactory(innovation=in_review, expert=experts[2])
    assert list(refusal(lambda: services.consensus_start(cluster=cluster, actor=coordinator,
                                                         innovation_id=in_review.pk))) == ["stage"]


def test_consensus_lets_the_reviewers_see_each_other_and_revise_before_the_approval(cluster, coordinator, in_review,
                                                                                     experts):
    high = SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=5)
    low = SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=2)
    approve = dict(cluster=cluster, actor=coordinator, innovation_id=in_review.pk, to_stage=Stage.APPROVED_FOR_PILOT)
    assert "consensus step" in refusal(lambda: services.innovation_transition(**approve))["stage"][0]
    assert visible(cluster, experts[1], in_review) == ["expert1"]
    with pytest.raises(ValidationError):  # no revising before the step
        services.review_revise(cluster=cluster, actor=experts[1], review_id=low.pk, novelty=4)

    with pytest.raises(PermissionDenied):
        services.consensus_start(cluster=cluster, actor=experts[0], innovation_id=in_review.pk)
    services.consensus_start(cluster=cluster, actor=coordinator, innovation_id=in_review.pk)
    assert visible(cluster, experts[1], in_review) == ["expert0", "expert1"]
    assert visible(cluster, experts[0], in_review) == ["expert0", "expert1"]

    revised = services.review_revise(cluster=cluster, actor=experts[1], review_id=low.pk,
                                     **dict.fromkeys(SCORES, 4), comment="Convinced by the pilot data.")
    assert revised.revised_at is not None and revised.status == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.review_revise(cluster=cluster, actor=experts[1], review_id=high.pk, novelty=1)
    errors = refusal(lambda: services.review_revise(cluster=cluster, actor=experts[0], review_id=high.pk,
                                                    novelty=None))
    assert list(errors) == ["novelty"]

    moved = services.innovation_transition(**approve)
    assert moved.stage == Stage.APPROVED_FOR_PILOT


# --- Policy and subject fields ----------------------------------------------------------------------

def test_the_policy_is_created_and_its_ranges_checked(cluster, coordinator, authority):
    policy = services.policy_update(cluster=cluster, actor=coordinator, reviewers_required=3, blind_review=True)
    assert (policy.reviewers_required, policy.blind_review, policy.review_days) == (3, True, 14)
    errors = refusal(lambda: services.policy_update(cluster=cluster, actor=coordinator, reviewers_required=0,
                                                    approval_threshold="7", review_days=14))
    assert sorted(errors) == ["approval_threshold", "reviewers_required"]
    assert InnovationPolicy.objects.for_cluster(cluster).get().reviewers_required == 3
    with pytest.raises(PermissionDenied):
        services.policy_update(cluster=cluster, actor=authority, reviewers_required=1)


def test_experts_set_their_own_fields_and_coordinators_anyones(cluster, coordinator, experts):
    services.expert_profile_set(cluster=cluster, actor=experts[0], user_id=experts[0].pk,
                                subject_fields=["digital", "digital", "mathematics"])
    assert ExpertProfile.objects.for_cluster(cluster).get(user=experts[0]).subject_fields == ["digital", "mathematics"]
    with pytest.raises(PermissionDenied):
        services.expert_profile_set(cluster=cluster, actor=experts[1], user_id=experts[0].pk, subject_fields=[])
    services.expert_profile_set(cluster=cluster, actor=coordinator, user_id=experts[1].pk, subject_fields=["arts"])
    assert ExpertProfile.objects.for_cluster(cluster).get(user=experts[1]).subject_fields == ["arts"]
    errors = refusal(lambda: services.expert_profile_set(cluster=cluster, actor=coordinator, user_id=coordinator.pk,
                                                         subject_fields=["astrology"]))
    assert sorted(errors) == ["subject_fields", "user"]


def test_assignment_round_and_open_counts_stay_in_the_cluster(cluster, other_cluster, innovation, experts):
    other = InnovationFactory(origin_organization=OrganizationFactory(cluster=other_cluster))
    ClusterRoleFactory(cluster=other_cluster, user=experts[0], role="expert")
    ExpertReviewFactory(innovation=other, expert=experts[0])
    loads = {u.username: u.open_reviews for u in review_selectors.experts_with_load(cluster)}
    assert loads == {"expert0": 0, "expert1": 0, "expert2": 0}
