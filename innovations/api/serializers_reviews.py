"""Serializers of the expert review API.

Input serializers (`...In`) check the shape of a body only; the rules (who may review, which
scores are complete, conflicts of interest) are innovations.services.reviews', whose
ValidationErrors reach the client as 400 answers naming the field. Output serializers
(`...Out`) show of each review what the caller may see (permissions.review_access, given as
`access` in the context per review): the scores, the recommendation and comment, the reviewer.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer

from ..models import CRITERIA, ExpertReview, SubjectField


def _score(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=5, allow_null=True, required=False, **kwargs)


class ReviewIn(InputSerializer):
    """A draft (any field), a submission (with any last changes) or a revision."""

    novelty = _score()
    relevance = _score()
    feasibility = _score()
    evidence = _score(help_text=_("Evidence of effect."))
    transferability = _score()
    recommendation = ChoiceText(choices=ExpertReview.Recommendation.choices, allow_blank=True, required=False)
    comment = serializers.CharField(allow_blank=True, required=False, max_length=10_000)


class AssignIn(InputSerializer):
    expert = serializers.IntegerField(min_value=1, help_text=_("User id of an expert of the cluster."))
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text=_("The deadline; by default today plus the policy's days to review."))


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    innovation = serializers.IntegerField(source="innovation_id", read_only=True)
    innovation_title = serializers.CharField(source="innovation.title", read_only=True)
    round = serializers.IntegerField(read_only=True)
    status = ChoiceText(choices=ExpertReview.Status.choices, read_only=True)
    due_date = serializers.DateField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Not submitted and past the deadline."))
    expert = serializers.SerializerMethodField(help_text=_("User id of the expert; null when the review is blind."))
    expert_name = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField(help_text=_("The five scores, when you may see them."))
    mean_score = serializers.SerializerMethodField()
    recommendation = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()
    assigned_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revised_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def _access(self, review) -> dict:
        return self.context["access"](review)

    def get_expert(self, review) -> int | None:
        return review.expert_id if self._access(review)["reviewer"] else None

    def get_expert_name(self, review) -> str | None:
        return review.expert_name if self._access(review)["reviewer"] else None

    def get_scores(self, review) -> dict | None:
        if not self._access(review)["scores"]:
            return None
        return {name: getattr(review, name) for name in CRITERIA}

    def get_mean_score(self, review) -> float | None:
        return review.mean_score if self._access(review)["scores"] else None

    def get_recommendation(self, review) -> str | None:
        return (review.recommendation or None) if self._access(review)["feedback"] else None

    def get_comment(self, review) -> str | None:
        return review.comment if self._access(review)["feedback"] else None


class ExpertOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    subject_fields = serializers.ListField(child=ChoiceText(choices=SubjectField.choices), read_only=True)
    open_reviews = serializers.IntegerField(read_only=True, help_text=_("Assigned, not submitted, in the cluster."))
    overdue_reviews = serializers.IntegerField(read_only=True)
    shared_fields = serializers.IntegerField(source="overlap", read_only=True,
                                             help_text=_("Subject fields shared with the innovation."))


class AssignmentOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    expert = serializers.IntegerField(source="expert_id", read_only=True)
    expert_name = serializers.CharField(read_only=True)
    round = serializers.IntegerField(read_only=True)
    status = ChoiceText(choices=ExpertReview.Status.choices, read_only=True)
    due_date = serializers.DateField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)


class ExpertsOut(serializers.Serializer):
    assignment_round = serializers.IntegerField(read_only=True)
    assignments = AssignmentOut(many=True, read_only=True)
    suggestions = ExpertOut(many=True, read_only=True)
