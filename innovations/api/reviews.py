"""The innovations API: reviews. `register(router)` adds its viewsets; `urlpatterns` any other routes.

- reviews/ (list, retrieve): the reviews the caller may see (permissions.review_scope), each
  showing what the caller may read of it (permissions.review_access); filter by status,
  innovation and round. PATCH saves the expert's draft (or, during the consensus step, revises
  their submitted review); POST reviews/<id>/submit/ submits it; POST reviews/<id>/withdraw/
  takes back an unsubmitted assignment (coordinators).
- innovations/<id>/experts/: GET the assignments and the suggested experts; POST assigns one
  (coordinators).

Objects are loaded through the cluster and the caller's visibility first, so another cluster's
id and a review the caller may not see answer 404 alike; the services' refusals are 403 and
400 answers naming the field.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses

from .. import permissions, review_selectors, selectors, services
from ..models import ExpertReview, Innovation
from .serializers_reviews import AssignIn, AssignmentOut, ExpertsOut, ReviewIn, ReviewOut


class ReviewFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ExpertReview.Status.choices)
    innovation = filters.NumberFilter(field_name="innovation_id", label=_("Id of an innovation"))
    round = filters.NumberFilter(field_name="round")

    class Meta:
        model = ExpertReview
        fields = ["status", "innovation", "round"]


class _Detail:
    """List filters apply to lists: a detail route finds its object whatever the query says."""

    def filter_queryset(self, queryset):
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(summary=_("The expert reviews you may see"), description=_(
        "Coordinators and authorities: every assignment (the scores, recommendation and comment once submitted). "
        "Experts: their own, and the other reviews of their round during its consensus step or after the "
        "decision. The authors' side: the recommendation and comment of each submitted review after the "
        "decision (without the reviewer under blind review).")),
)
@extend_schema(tags=["innovations"])
class ReviewViewSet(_Detail, ListMixin, ClusterScopedViewSet):
    model = ExpertReview
    serializer_class = ReviewOut
    filterset_class = ReviewFilter
    ordering_fields = ["due_date", "assigned_at", "submitted_at", "round", "status"]
    ordering = ["due_date"]

    def scoped_queryset(self):
        return review_selectors.review_queue(cluster=self.cluster,
                                             queryset=permissions.review_scope(self.cluster, self.roles))

    def check_cluster_object_permission(self, obj):
        if self.action == "withdraw":
            permissions.require(self.request.user, self.cluster, "run_review", obj.innovation)

    def get_serializer_class(self):
        return ReviewIn if self.action in ("partial_update", "submit") else ReviewOut

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.cluster is not None:
            policy = selectors.policy_for(self.cluster)
            context["access"] = lambda review: permissions.review_access(self.roles, review, policy)
        return context

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        review = self.get_queryset().get(pk=pk)
        return Response(ReviewOut(review, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(summary=_("One expert review"), responses={200: ReviewOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Save your draft, or revise your submitted review during the consensus step"),
                   request=ReviewIn, responses={200: ReviewOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        review = self.get_object()
        data = self.validate_input(ReviewIn, partial=True)
        use_case = services.review_revise if review.status == ExpertReview.Status.SUBMITTED else services.review_save
        use_case(cluster=self.cluster, actor=request.user, review_id=review.pk, **data)
        return self._detail(review.pk)

    @extend_schema(summary=_("Submit your review (with any last changes)"), description=_(
        "Every score from 1 to 5, a recommendation, and a comment when recommending a revision or a rejection; "
        "while the innovation is in review and the review belongs to its current round."),
        request=ReviewIn, responses={200: ReviewOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        review = self.get_object()
        data = self.validate_input(ReviewIn, partial=True)
        services.review_submit(cluster=self.cluster, actor=request.user, review_id=review.pk, **data)
        return self._detail(review.pk)

    @extend_schema(summary=_("Withdraw an unsubmitted assignment (coordinators)"),
                   request=None, responses={200: ReviewOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        review = self.get_object()
        services.expert_withdraw(cluster=self.cluster, actor=request.user, review_id=review.pk)
        return self._detail(review.pk)


@extend_schema(tags=["innovations"])
class InnovationExpertsViewSet(ClusterScopedViewSet):
    """innovations/<id>/experts/: the assignment of experts to one innovation (coordinators)."""

    model = Innovation
    serializer_class = ExpertsOut

    def scoped_queryset(self):
        return permissions.visible_innovations(self.cluster, self.roles)

    def check_cluster_permission(self):
        if not permissions.can_run_review(self.roles):
            permissions.deny()

    def get_serializer_class(self):
        return AssignIn if self.action == "assign" else ExpertsOut

    def _experts(self, innovation):
        return Response(ExpertsOut({
            "assignment_round": review_selectors.assignment_round(innovation),
            "assignments": review_selectors.assignments(cluster=self.cluster, innovation=innovation),
            "suggestions": services.expert_suggestions(cluster=self.cluster, innovation=innovation),
        }).data)

    @extend_schema(summary=_("The innovation's assignments and the suggested experts"), description=_(
        "Suggestions: experts without a conflict (the origin organization, the authors) and not assigned in the "
        "round, sharing the most subject fields with the innovation, then with the fewest open reviews."),
        responses={200: ExpertsOut, **error_responses(403, 404)})
    def experts(self, request, *args, **kwargs):
        return self._experts(self.get_object())

    @extend_schema(summary=_("Assign an expert"), request=AssignIn,
                   responses={201: AssignmentOut, **error_responses(400, 403, 404)})
    def assign(self, request, *args, **kwargs):
        innovation = self.get_object()
        data = self.validate_input(AssignIn)
        review = services.expert_assign(cluster=self.cluster, actor=request.user, innovation_id=innovation.pk,
                                        expert_id=data["expert"], due_date=data.get("due_date"))
        row = review_selectors.assignments(cluster=self.cluster, innovation=innovation).get(pk=review.pk)
        return Response(AssignmentOut(row).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("innovations/<int:pk>/experts/",
         InnovationExpertsViewSet.as_view({"get": "experts", "post": "assign"}, detail=True,
                                          basename="api-innovation-experts"),
         name="api-innovation-experts"),
]


def register(router) -> None:
    router.register("reviews", ReviewViewSet, basename="api-review")
