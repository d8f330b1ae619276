"""What the review of the innovations app found and the tests now hold: blind review hides the
origin from lists too, a former expert keeps no access through their old review, an author is
never also a reviewer, and reminders go only for reviews that can be submitted now."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from innovations import services
from innovations.models import ExpertReview, InnovationPolicy, Stage
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, StageTransitionFactory, add_authors
from members.models import ClusterRole, Person
from members.tests.factories import OrganizationRoleFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                               title="Project-based mathematics", stage=Stage.IN_REVIEW), author)
    StageTransitionFactory(innovation=innovation)
    return innovation


@pytest.fixture
def blind(cluster):
    return InnovationPolicy.objects.create(cluster=cluster, blind_review=True)


def test_a_blind_reviewer_sees_no_origin_in_the_api_list_and_cannot_filter_by_it(
        cluster, innovation, experts, blind):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    client = api(experts[0])
    rows = client.get(f"/api/v1/c/{cluster.slug}/innovations/").data["results"]
    assert [(row["id"], row["origin_organization"], row["origin_organization_name"]) for row in rows] == [
        (innovation.pk, None, None)]
    refused = client.get(f"/api/v1/c/{cluster.slug}/innovations/", {"origin": innovation.origin_organization_id})
    assert refused.status_code == 400 and list(refused.data) == ["origin"]


def test_without_blind_review_the_expert_sees_the_origin(cluster, innovation, experts):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    rows = api(experts[0]).get(f"/api/v1/c/{cluster.slug}/innovations/").data["results"]
    assert rows[0]["origin_organization_name"] == "School No. 7"


def test_a_blind_reviewer_sees_no_origin_in_the_catalogue(client, cluster, innovation, experts, blind):
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    client.force_login(experts[0])
    page = client.get(reverse("innovation_list", args=[cluster.slug])).content.decode()
    assert "Project-based mathematics" in page and "School No. 7" not in page


def test_a_former_expert_keeps_no_access_through_their_review(client, cluster, innovation, experts):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0])
    ClusterRole.objects.for_cluster(cluster).filter(user=experts[0], role="expert").delete()
    assert api(experts[0]).get(f"/api/v1/c/{cluster.slug}/reviews/{review.pk}/").status_code == 404
    client.force_login(experts[0])
    assert client.get(reverse("review_form", args=[cluster.slug, review.pk])).status_code == 404


def test_an_assigned_expert_cannot_be_made_an_author(cluster, origin, author, experts, origin_admin):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin), author)
    ExpertReviewFactory(innovation=innovation, expert=experts[0])
    expert_person = Person.objects.for_cluster(cluster).get(user=experts[0])  # "Expert 0" of the university
    with pytest.raises(ValidationError) as refused:
        services.innovation_update(cluster=cluster, actor=origin_admin, innovation_id=innovation.pk,
                                   authors=[author.pk, expert_person.pk])
    assert refused.value.message_dict == {
        "authors": ["Expert 0 reviews this innovation and cannot be one of its authors."]}
    assert list(innovation.authors.values_list("person_id", flat=True)) == [author.pk]


def test_a_resubmission_does_not_carry_a_reviewer_who_joined_the_origin(
        cluster, coordinator, origin, author, experts):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                               stage=Stage.REVISION_REQUESTED), author)
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert, scores=3)
    # The second reviewer has since joined the origin school's staff.
    OrganizationRoleFactory(organization=origin, user=experts[1], role="staff")
    ExpertReviewFactory(innovation=innovation, expert=experts[2], round=2)
    services.innovation_transition(cluster=cluster, actor=author.user, innovation_id=innovation.pk,
                                   to_stage=Stage.IN_REVIEW)
    assert set(ExpertReview.objects.for_cluster(cluster).filter(innovation=innovation, round=2)
               .values_list("expert_id", flat=True)) == {experts[0].pk, experts[2].pk}


def test_reminders_skip_assignments_waiting_for_a_resubmission(cluster, origin, author, experts):
    today = timezone.localdate()
    waiting = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                            stage=Stage.REVISION_REQUESTED), author)
    in_review = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                              stage=Stage.IN_REVIEW), author)
    due = today + datetime.timedelta(days=1)
    next_round = ExpertReviewFactory(innovation=waiting, expert=experts[0], round=2, due_date=due)
    current = ExpertReviewFactory(innovation=in_review, expert=experts[0], due_date=due)
    due_now = services.review_reminders_due(cluster=cluster, today=today)
    assert due_now["remind"] == [current.pk] and next_round.pk not in due_now["overdue"]


def test_the_innovation_page_shows_a_move_its_guard_would_refuse_as_disabled_with_the_reason(
        client, cluster, coordinator, innovation):
    innovation.stage = Stage.PROPOSED
    innovation.save()
    client.force_login(coordinator)
    page = client.get(reverse("innovation_detail", args=[cluster.slug, innovation.pk])).content.decode()
    assert "0 of the 2 experts needed are assigned: a coordinator assigns the others." in page
    assert 'disabled aria-describedby="blocked-%d-in_review"' % innovation.pk in page


def test_checking_a_resubmission_for_the_page_carries_no_reviewer(cluster, origin, author, experts):
    innovation = add_authors(InnovationFactory(cluster=cluster, origin_organization=origin,
                                               stage=Stage.REVISION_REQUESTED), author)
    for expert in experts[:2]:
        ExpertReviewFactory(innovation=innovation, expert=expert, scores=3)
    assert services.move_blockers(cluster, innovation, Stage.IN_REVIEW) == []  # both would be carried
    assert not ExpertReview.objects.for_cluster(cluster).filter(innovation=innovation, round=2).exists()
    assert innovation.review_round == 1
