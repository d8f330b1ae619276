"""The browser pages of the expert review: assigning, the queue, the review form, the consensus
step, the policy, the experts' subject fields, the reviews section of the innovation page, and
query counts that do not grow with the rows."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cluster_platform.tenancy import roles_for
from innovations.models import ExpertProfile, ExpertReview, Innovation, InnovationPolicy
from innovations.services.lifecycle import set_authors
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, SubmittedReviewFactory
from innovations.views.reviews import detail_context
from members.tests.factories import ClusterRoleFactory, UserFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
Status = ExpertReview.Status


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = InnovationFactory(origin_organization=origin, title="Project-based mathematics",
                                   subject_fields=["mathematics"])
    set_authors(cluster, innovation, [author])
    return innovation


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def count_queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


# --- Assigning --------------------------------------------------------------------------------

def test_coordinator_sees_suggestions_and_assigns_one(client, cluster, coordinator, innovation, experts):
    client.force_login(coordinator)
    page = client.get(url("innovation_experts", cluster, innovation.pk))
    assert page.status_code == 200
    assert f'id="suggestion-{experts[0].pk}"' in page.content.decode()
    response = client.post(url("innovation_experts", cluster, innovation.pk), {"expert": experts[0].pk})
    assert response.status_code == 302
    review = ExpertReview.objects.for_cluster(cluster).get()
    assert (review.expert, review.due_date) == (experts[0], timezone.localdate() + datetime.timedelta(days=14))
    page = client.get(url("innovation_experts", cluster, innovation.pk)).content.decode()
    assert f'id="review-{review.pk}"' in page and f'id="suggestion-{experts[0].pk}"' not in page


def test_a_conflicted_expert_is_refused_on_the_page(client, cluster, coordinator, innovation, author):
    ClusterRoleFactory(cluster=cluster, user=author.user, role="expert")
    client.force_login(coordinator)
    response = client.post(url("innovation_experts", cluster, innovation.pk), {"expert": author.user.pk})
    assert response.status_code == 422  # not offered, so the form itself refuses the choice
    assert not ExpertReview.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("who", ["expert", "authority", "origin_admin"])
def test_only_coordinators_open_the_assignment_page(client, request, cluster, innovation, experts, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(url("innovation_experts", cluster, innovation.pk), {"expert": experts[0].pk})
    assert response.status_code in (403, 404)
    assert not ExpertReview.objects.for_cluster(cluster).exists()


def test_another_clusters_innovation_is_404(client, cluster, other_cluster, outsider, coordinator, other_school):
    foreign = InnovationFactory(origin_organization=other_school)
    client.force_login(coordinator)
    assert client.get(url("innovation_experts", cluster, foreign.pk)).status_code == 404


def test_withdrawing_asks_first(client, cluster, coordinator, innovation, experts):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0])
    client.force_login(coordinator)
    page = client.get(url("review_withdraw", cluster, review.pk))
    assert page.status_code == 200 and "Expert 0" in page.content.decode()
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED
    assert client.post(url("review_withdraw", cluster, review.pk)).status_code == 302
    review.refresh_from_db()
    assert review.status == Status.WITHDRAWN


# --- The queue ----------------------------------------------------------------------------------

def test_the_expert_queue_flags_overdue_reviews(client, cluster, innovation, experts):
    late = ExpertReviewFactory(innovation=innovation, expert=experts[0],
                               due_date=timezone.localdate() - datetime.timedelta(days=1))
    ExpertReviewFactory(innovation=InnovationFactory(origin_organization=innovation.origin_organization),
                        expert=experts[1])
    client.force_login(experts[0])
    page = client.get(url("review_queue", cluster)).content.decode()
    assert f'<tr id="review-{late.pk}" class="table-danger">' in page and "Overdue" in page
    assert page.count('<tr id="review-') == 1


def test_coordinators_see_every_open_review(client, cluster, coordinator, innovation, experts):
    for expert in experts:
        ExpertReviewFactory(innovation=innovation, expert=expert)
    client.force_login(coordinator)
    page = client.get(url("review_queue", cluster)).content.decode()
    assert page.count('<tr id="review-') == 3


def test_the_queue_is_closed_to_organization_members(client, cluster, org_admin):
    client.force_login(org_admin)
    assert client.get(url("review_queue", cluster)).status_code == 403


def _reviews(innovation, experts, n):
    for i in range(n):
        other = InnovationFactory(origin_organization=innovation.origin_organization)
        ExpertReviewFactory(innovation=other, expert=experts[i % 3])


@pytest.mark.parametrize("who", ["coordinator", "expert0"])
def test_the_queue_page_needs_the_same_queries_for_10_and_30_reviews(client, request, cluster, coordinator,
                                                                      innovation, experts, who):
    client.force_login(coordinator if who == "coordinator" else experts[0])
    _reviews(innovation, experts, 10)
    few = count_queries(client, url("review_queue", cluster))
    _reviews(innovation, experts, 20)
    assert count_queries(client, url("review_queue", cluster)) == few


def test_the_assignment_and_expert_pages_need_the_same_queries_for_more_experts(client, cluster, coordinator,
                                                                                 innovation, experts):
    client.force_login(coordinator)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    few = (count_queries(client, url("innovation_experts", cluster, innovation.pk)),
           count_queries(client, url("expert_list", cluster)))
    for n in range(10):
        user = UserFactory(username=f"more{n}")
        ClusterRoleFactory(cluster=cluster, user=user, role="expert")
        ExpertReviewFactory(innovation=innovation, expert=user)
    assert (count_queries(client, url("innovation_experts", cluster, innovation.pk)),
            count_queries(client, url("expert_list", cluster))) == few


# --- The review form ----------------------------------------------------------------------------

@pytest.fixture
def in_review(cluster, innovation):
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.IN_REVIEW)
    innovation.refresh_from_db()
    return innovation


def review_post(action, **changes):
    data = {"novelty": 4, "relevance": 4, "feasibility": 3, "evidence": 3, "transferability": 4,
            "recommendation": "pilot", "comment": "", "action": action}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_expert_saves_a_draft_then_submits(client, cluster, in_review, experts):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    client.force_login(experts[0])
    page = client.get(url("review_form", cluster, review.pk)).content.decode()
    assert 'name="novelty"' in page and "Save draft" in page and "Dilnoza Karimova" in page
    response = client.post(url("review_form", cluster, review.pk), review_post("save", evidence=None))
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.novelty, review.evidence) == (Status.ASSIGNED, 4, None)

    unconfirmed = client.post(url("review_form", cluster, review.pk), review_post("submit"))
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.content.decode()
    # The queue shows the started review as a draft.
    assert "Draft" in client.get(url("review_queue", cluster)).content.decode()
    # Without the tick and without a score: both reasons at once, and nothing submitted.
    both = client.post(url("review_form", cluster, review.pk), review_post("submit", evidence=None))
    assert both.status_code == 422
    assert both.context["form"].errors["evidence"] == ["Give a score from 1 to 5."]
    assert both.context["form"].errors["confirm"] == ["Tick the box to confirm that your review is final."]
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED and review.submitted_at is None
    incomplete = client.post(url("review_form", cluster, review.pk), review_post("submit", evidence=None,
                                                                                 confirm="on"))
    assert incomplete.status_code == 422
    assert incomplete.context["form"].errors["evidence"] == ["Give a score from 1 to 5."]
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED

    done = client.post(url("review_form", cluster, review.pk), review_post("submit", confirm="on"))
    assert done.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.evidence) == (Status.SUBMITTED, 3)


def test_blind_review_hides_the_authors_on_the_review_form(client, cluster, in_review, experts, coordinator):
    InnovationPolicy.objects.create(cluster=cluster, blind_review=True)
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0])
    client.force_login(experts[0])
    page = client.get(url("review_form", cluster, review.pk)).content.decode()
    assert "Dilnoza Karimova" not in page and "School No. 7" not in page and "Blind review" in page
    client.force_login(coordinator)
    page = client.get(url("review_form", cluster, review.pk)).content.decode()
    assert "Dilnoza Karimova" in page


def test_another_experts_draft_is_404(client, cluster, in_review, experts):
    review = ExpertReviewFactory(innovation=in_review, expert=experts[0], novelty=5)
    ExpertReviewFactory(innovation=in_review, expert=experts[1])
    client.force_login(experts[1])
    assert client.get(url("review_form", cluster, review.pk)).status_code == 404
    assert client.post(url("review_form", cluster, review.pk), review_post("save")).status_code == 404


def test_coordinators_read_a_review_without_changing_it(client, cluster, in_review, experts, coordinator):
    review = SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=3)
    client.force_login(coordinator)
    page = client.get(url("review_form", cluster, review.pk))
    assert page.status_code == 200 and 'name="novelty"' not in page.content.decode()
    assert client.post(url("review_form", cluster, review.pk), review_post("save", novelty=1)).status_code == 403
    review.refresh_from_db()
    assert review.novelty == 3


# --- Consensus ------------------------------------------------------------------------------------

def test_consensus_page_shows_the_spread_and_starts_the_step(client, cluster, in_review, experts, coordinator):
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=5)
    low = SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=2)
    client.force_login(coordinator)
    page = client.get(url("innovation_consensus", cluster, in_review.pk)).content.decode()
    assert "3.00" in page
    assert client.post(url("innovation_consensus", cluster, in_review.pk)).status_code == 302
    in_review.refresh_from_db()
    assert in_review.consensus_started_at is not None
    client.force_login(experts[1])
    page = client.get(url("review_form", cluster, low.pk)).content.decode()
    assert "Save the revised review" in page
    response = client.post(url("review_form", cluster, low.pk), review_post("revise", novelty=5))
    assert response.status_code == 302
    low.refresh_from_db()
    assert low.novelty == 5 and low.revised_at is not None


def test_consensus_refused_without_spread_shows_why(client, cluster, in_review, experts, coordinator):
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=4)
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=4)
    client.force_login(coordinator)
    response = client.post(url("innovation_consensus", cluster, in_review.pk))
    assert response.status_code == 422 and "no consensus step is needed" in response.content.decode()


# --- Policy and experts --------------------------------------------------------------------------

def test_the_policy_form_saves_and_checks_ranges(client, cluster, coordinator, expert):
    client.force_login(coordinator)
    data = {"reviewers_required": 3, "approval_threshold": "4.00", "consensus_spread": "1.00", "review_days": 10,
            "reminder_days": 2, "blind_review": "on"}
    assert client.post(url("review_policy", cluster), data).status_code == 302
    policy = InnovationPolicy.objects.for_cluster(cluster).get()
    assert (policy.reviewers_required, policy.blind_review, policy.review_days) == (3, True, 10)
    assert client.post(url("review_policy", cluster), {**data, "reviewers_required": 0}).status_code == 422
    client.force_login(expert)
    assert client.get(url("review_policy", cluster)).status_code == 403


def test_an_expert_edits_their_own_fields_only(client, cluster, experts, coordinator):
    client.force_login(experts[0])
    page = client.get(url("expert_list", cluster)).content.decode()
    assert f'id="expert-{experts[0].pk}"' in page and f'id="expert-{experts[1].pk}"' not in page
    assert client.post(url("expert_list", cluster), {"user": experts[0].pk, "subject_fields": ["digital"]}) \
        .status_code == 302
    assert client.post(url("expert_list", cluster), {"user": experts[1].pk, "subject_fields": ["arts"]}) \
        .status_code == 403
    assert ExpertProfile.objects.for_cluster(cluster).get().subject_fields == ["digital"]
    client.force_login(coordinator)
    assert client.post(url("expert_list", cluster), {"user": experts[1].pk, "subject_fields": ["arts"]}) \
        .status_code == 302
    assert ExpertProfile.objects.for_cluster(cluster).get(user=experts[1]).subject_fields == ["arts"]


# --- The innovation page's section -----------------------------------------------------------------

def section_for(cluster, user, innovation):
    view = SimpleNamespace(cluster=cluster, roles=roles_for(user, cluster), request=None)
    return detail_context(view, Innovation.objects.for_cluster(cluster).get(pk=innovation.pk))["reviews_section"]


def test_the_section_shows_each_reader_their_reviews(cluster, in_review, experts, coordinator, author):
    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=5)
    SubmittedReviewFactory(innovation=in_review, expert=experts[1], score=2)
    ExpertReviewFactory(innovation=in_review, expert=experts[2], novelty=1)
    mine = section_for(cluster, coordinator, in_review)
    assert len(mine["rows"]) == 3 and mine["can_assign"] and mine["can_start_consensus"]
    assert (mine["figures"].submitted, mine["figures"].spread) == (2, 3.0)
    seen = section_for(cluster, experts[0], in_review)
    assert [row["review"].expert_id for row in seen["rows"]] == [experts[0].pk] and not seen["can_assign"]
    assert seen["figures"] is None  # the expert does not see the other's scores, so not the spread either
    assert section_for(cluster, author.user, in_review)["show"] is False


def test_the_section_needs_a_fixed_number_of_queries(cluster, in_review, coordinator, django_assert_max_num_queries):
    for n in range(10):
        user = UserFactory(username=f"reviewer{n}")
        ClusterRoleFactory(cluster=cluster, user=user, role="expert")
        SubmittedReviewFactory(innovation=in_review, expert=user, score=1 + n % 5)
    with django_assert_max_num_queries(6):
        section = section_for(cluster, coordinator, in_review)
    assert len(section["rows"]) == 10 and section["figures"].submitted == 10


def test_the_section_renders_for_the_innovation_page(rf, cluster, in_review, experts, coordinator):
    from django.template.loader import render_to_string

    SubmittedReviewFactory(innovation=in_review, expert=experts[0], score=5, comment="Convincing.")
    ExpertReviewFactory(innovation=in_review, expert=experts[1])
    context = {"cluster": cluster, "innovation": in_review, **section_context(cluster, coordinator, in_review)}
    html = render_to_string("innovations/partials/reviews.html", context)
    assert 'id="reviews"' in html and "Convincing." in html and "Assign experts" in html
    assert html.count('<tr id="review-') == 2


def section_context(cluster, user, innovation):
    return {"reviews_section": section_for(cluster, user, innovation)}


def test_the_policy_page_shows_the_current_rules(client, cluster, coordinator):
    InnovationPolicy.objects.create(cluster=cluster, review_days=21)
    client.force_login(coordinator)
    page = client.get(url("review_policy", cluster))
    assert page.status_code == 200 and 'value="21"' in page.content.decode()
