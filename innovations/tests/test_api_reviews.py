"""The expert review API: /api/v1/c/<cluster_slug>/reviews/ and innovations/<id>/experts/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from innovations.models import ExpertReview, Innovation, InnovationPolicy
from innovations.services.lifecycle import set_authors
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, SubmittedReviewFactory
from members.tests.factories import ClusterRoleFactory, UserFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
Status = ExpertReview.Status


@pytest.fixture
def innovation(cluster, origin, author):
    innovation = InnovationFactory(origin_organization=origin, stage=Stage.IN_REVIEW, subject_fields=["mathematics"])
    set_authors(cluster, innovation, [author])
    return innovation


def api(cluster, tail):
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


SCORES = {"novelty": 4, "relevance": 4, "feasibility": 4, "evidence": 3, "transferability": 4}


def test_an_expert_saves_and_submits_through_the_api(cluster, innovation, experts):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0])
    client = client_for(experts[0])
    saved = client.patch(api(cluster, f"reviews/{review.pk}/"), {"novelty": 5, "comment": "Good"}, format="json")
    assert saved.status_code == 200 and saved.json()["scores"]["novelty"] == 5
    refused = client.post(api(cluster, f"reviews/{review.pk}/submit/"), {}, format="json")
    assert refused.status_code == 400
    assert sorted(refused.json()) == ["evidence", "feasibility", "recommendation", "relevance", "transferability"]
    bad = client.patch(api(cluster, f"reviews/{review.pk}/"), {"novelty": 9}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["novelty"]
    unknown = client.patch(api(cluster, f"reviews/{review.pk}/"), {"colour": "red"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["colour"]
    done = client.post(api(cluster, f"reviews/{review.pk}/submit/"), {**SCORES, "recommendation": "pilot"},
                       format="json")
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    review.refresh_from_db()
    assert (review.status, review.novelty, review.evidence) == (Status.SUBMITTED, 4, 3)


def test_a_draft_is_hidden_from_the_other_expert_and_empty_for_the_coordinator(cluster, innovation, experts,
                                                                               coordinator):
    draft = ExpertReviewFactory(innovation=innovation, expert=experts[0], novelty=5, comment="secret")
    ExpertReviewFactory(innovation=innovation, expert=experts[1])
    assert client_for(experts[1]).get(api(cluster, f"reviews/{draft.pk}/")).status_code == 404
    assert client_for(experts[1]).patch(api(cluster, f"reviews/{draft.pk}/"), {"novelty": 1},
                                        format="json").status_code == 404
    seen = client_for(coordinator).get(api(cluster, f"reviews/{draft.pk}/")).json()
    assert (seen["scores"], seen["comment"], seen["expert"]) == (None, None, experts[0].pk)
    draft.refresh_from_db()
    assert draft.novelty == 5


def test_authors_read_feedback_without_the_reviewer_when_blind(cluster, innovation, experts, author):
    InnovationPolicy.objects.create(cluster=cluster, blind_review=True)
    SubmittedReviewFactory(innovation=innovation, expert=experts[0], score=2, recommendation="revise",
                           comment="Show the effect.")
    client = client_for(author.user)
    assert client.get(api(cluster, "reviews/")).json()["count"] == 0
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.REVISION_REQUESTED)
    row = client.get(api(cluster, "reviews/")).json()["results"][0]
    assert (row["recommendation"], row["comment"], row["scores"], row["expert"], row["expert_name"]) == (
        "revise", "Show the effect.", None, None, None)


def test_the_list_filters_by_status_and_innovation(cluster, innovation, experts, coordinator, origin):
    SubmittedReviewFactory(innovation=innovation, expert=experts[0])
    ExpertReviewFactory(innovation=innovation, expert=experts[1])
    ExpertReviewFactory(innovation=InnovationFactory(origin_organization=origin), expert=experts[1])
    client = client_for(coordinator)
    assert client.get(api(cluster, "reviews/?status=submitted")).json()["count"] == 1
    assert client.get(api(cluster, f"reviews/?innovation={innovation.pk}")).json()["count"] == 2


def test_coordinator_gets_suggestions_and_assigns(cluster, innovation, experts, coordinator, author):
    ClusterRoleFactory(cluster=cluster, user=author.user, role="expert")
    client = client_for(coordinator)
    body = client.get(api(cluster, f"innovations/{innovation.pk}/experts/")).json()
    assert body["assignment_round"] == 1 and body["assignments"] == []
    assert [row["id"] for row in body["suggestions"]] == [user.pk for user in experts]  # the author is not offered
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    created = client.post(api(cluster, f"innovations/{innovation.pk}/experts/"),
                          {"expert": experts[1].pk, "due_date": due}, format="json")
    assert created.status_code == 201 and created.json()["due_date"] == due
    refused = client.post(api(cluster, f"innovations/{innovation.pk}/experts/"), {"expert": author.user.pk},
                          format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["expert"]
    body = client.get(api(cluster, f"innovations/{innovation.pk}/experts/")).json()
    assert [row["expert"] for row in body["assignments"]] == [experts[1].pk]
    withdrawn = client.post(api(cluster, f"reviews/{created.json()['id']}/withdraw/"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


@pytest.mark.parametrize("who", ["expert", "authority", "origin_admin"])
def test_only_coordinators_assign_through_the_api(request, cluster, innovation, experts, who):
    client = client_for(request.getfixturevalue(who))
    response = client.post(api(cluster, f"innovations/{innovation.pk}/experts/"), {"expert": experts[0].pk},
                           format="json")
    assert response.status_code == 403
    assert not ExpertReview.objects.for_cluster(cluster).exists()


def test_an_expert_cannot_withdraw(cluster, innovation, experts):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0])
    assert client_for(experts[0]).post(api(cluster, f"reviews/{review.pk}/withdraw/")).status_code == 403
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED


def test_another_clusters_reviews_are_404(cluster, other_cluster, outsider, innovation, experts, other_school):
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0])
    client = client_for(outsider)
    assert client.get(api(other_cluster, f"reviews/{review.pk}/")).status_code == 404
    assert client.post(api(other_cluster, f"innovations/{innovation.pk}/experts/"), {"expert": experts[0].pk},
                       format="json").status_code == 404
    assert client.get(api(cluster, "reviews/")).status_code == 404


def _many(innovation, n):
    for i in range(n):
        user = UserFactory(username=f"load{innovation.pk}-{i}")
        ClusterRoleFactory(cluster=innovation.cluster, user=user, role="expert")
        (SubmittedReviewFactory if i % 2 else ExpertReviewFactory)(innovation=innovation, expert=user)


@pytest.mark.parametrize("path", ["reviews/", "innovations/{pk}/experts/"])
def test_the_lists_need_the_same_queries_for_10_and_30_reviews(cluster, innovation, coordinator, path):
    client = client_for(coordinator)
    address = api(cluster, path.format(pk=innovation.pk))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    _many(innovation, 10)
    count()  # the first request of a client loads what every later one finds cached
    few = count()
    _many(InnovationFactory(origin_organization=innovation.origin_organization), 20)
    assert count() == few
