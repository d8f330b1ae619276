"""Reads of the expert review: who may be assigned, the suggestions, the queues. Always scoped
to one cluster; each list is one query whatever the number of rows.

An expert is "in conflict" with an innovation when they belong to its origin organization (a
role in it, or a person of it whose account they are) or are one of its authors (an author
person's account). The services refuse such an assignment; the selectors never offer it.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from members.models import ClusterRole, OrganizationRole, Person

from .models import ExpertProfile, ExpertReview, Innovation, InnovationAuthor, Stage

# Stages in which experts are assigned: before the review, during it, and during a revision
# (for the next round, which starts when the authors resubmit).
ASSIGNABLE_STAGES = (Stage.PROPOSED, Stage.IN_REVIEW, Stage.REVISION_REQUESTED)

SUBJECT_ARRAY = ArrayField(models.CharField(max_length=20))


class _CommonCount(Func):
    """How many elements two arrays share: cardinality(ARRAY(SELECT unnest(a) INTERSECT SELECT unnest(b)))."""

    template = "cardinality(ARRAY(SELECT unnest(%(expressions)s)))"
    arg_joiner = ") INTERSECT SELECT unnest("
    output_field = IntegerField()


def assignment_round(innovation: Innovation) -> int:
    """The round new assignments belong to: the current one, or during a revision the next one
    (lifecycle._carry_reviewers starts it at resubmission and keeps what was assigned to it)."""
    if innovation.stage == Stage.REVISION_REQUESTED:
        return innovation.review_round + 1
    return innovation.review_round


def person_name(cluster, user_ref="pk"):
    """The name of the user's person record in this cluster (a subquery on OuterRef(user_ref))."""
    return Subquery(Person.objects.filter(cluster=cluster, user_id=OuterRef(user_ref))
                    .order_by("pk").values("full_name")[:1])


def display_name(cluster, via: str = ""):
    """A user's name for people: their person record here, else their account's name, else the
    username. `via` names the foreign key to the user ("expert") when the rows are not users."""
    prefix = f"{via}__" if via else ""
    return Coalesce(
        person_name(cluster, f"{via}_id" if via else "pk"),
        NullIf(Trim(Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"))), Value("")),
        F(f"{prefix}username"),
        output_field=models.CharField(),
    )


def _open_reviews(cluster, today: datetime.date | None = None):
    reviews = ExpertReview.objects.filter(cluster=cluster, expert_id=OuterRef("pk"),
                                          status=ExpertReview.Status.ASSIGNED)
    if today is not None:
        reviews = reviews.filter(due_date__lt=today)
    counted = reviews.order_by().values("expert_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def experts_with_load(cluster, today: datetime.date | None = None):
    """The cluster's experts (users), each with `name`, `subject_fields`, `open_reviews` (assigned,
    not submitted, across the cluster) and `overdue_reviews` (of those, past their deadline)."""
    today = today or timezone.localdate()
    return get_user_model().objects.filter(
        Exists(ClusterRole.objects.filter(cluster=cluster, user_id=OuterRef("pk"), role=ClusterRole.Role.EXPERT)),
    ).annotate(
        name=display_name(cluster),
        subject_fields=Coalesce(
            Subquery(ExpertProfile.objects.filter(cluster=cluster, user_id=OuterRef("pk")).values("subject_fields")[:1],
                     output_field=SUBJECT_ARRAY),
            Value([], output_field=SUBJECT_ARRAY),
        ),
        open_reviews=_open_reviews(cluster),
        overdue_reviews=_open_reviews(cluster, today),
    )


def conflict_condition(cluster, innovation: Innovation) -> Q:
    """Users (OuterRef "pk") in conflict with the innovation: of its origin or one of its authors."""
    return (
        Q(Exists(OrganizationRole.objects.filter(cluster=cluster, organization_id=innovation.origin_organization_id,
                                                 user_id=OuterRef("pk"))))
        | Q(Exists(Person.objects.filter(cluster=cluster, organization_id=innovation.origin_organization_id,
                                         user_id=OuterRef("pk"))))
        | Q(Exists(InnovationAuthor.objects.filter(cluster=cluster, innovation_id=innovation.pk,
                                                   person__user_id=OuterRef("pk"))))
    )


def expert_candidates(cluster, innovation: Innovation, today: datetime.date | None = None):
    """The suitable experts for the innovation's assignment round, best first: no conflict, not
    assigned in the round (a withdrawn assignment may be renewed); ordered by how many subject
    fields they share with the innovation, then by fewest open reviews, then by name. One query,
    with `overlap` besides the annotations of experts_with_load."""
    round_ = assignment_round(innovation)
    assigned = ExpertReview.objects.filter(
        cluster=cluster, innovation_id=innovation.pk, round=round_, expert_id=OuterRef("pk"),
    ).exclude(status=ExpertReview.Status.WITHDRAWN)
    wanted = list(innovation.subject_fields or [])
    overlap = Coalesce(
        Subquery(ExpertProfile.objects.filter(cluster=cluster, user_id=OuterRef("pk")).annotate(
            common=_CommonCount(F("subject_fields"), Value(wanted, output_field=SUBJECT_ARRAY)),
        ).values("common")[:1], output_field=IntegerField()),
        Value(0),
    )
    return (
        experts_with_load(cluster, today)
        .exclude(conflict_condition(cluster, innovation))
        .exclude(Exists(assigned))
        .annotate(overlap=overlap)
        .order_by("-overlap", "open_reviews", "name", "pk")
    )


def expert_suggestions(*, cluster, innovation: Innovation, limit: int = 5) -> list:
    """The `limit` best suited experts (see expert_candidates): one query."""
    return list(expert_candidates(cluster, innovation)[:limit])


def with_overdue(queryset, today: datetime.date | None = None):
    """Reviews with `is_overdue`: still assigned (not submitted) and past the deadline."""
    today = today or timezone.localdate()
    return queryset.annotate(is_overdue=ExpressionWrapper(
        Q(status=ExpertReview.Status.ASSIGNED, due_date__lt=today), output_field=BooleanField()))


def with_expert_name(queryset, cluster):
    """Reviews with `expert_name` (see display_name), in the same query."""
    return queryset.annotate(expert_name=display_name(cluster, "expert"))


def assignments(*, cluster, innovation: Innovation, today: datetime.date | None = None):
    """Every assignment of the innovation, the latest round first, with names and overdue flags."""
    reviews = ExpertReview.objects.for_cluster(cluster).filter(innovation=innovation)
    return with_overdue(with_expert_name(reviews, cluster), today).order_by("-round", "assigned_at", "pk")


def review_queue(*, cluster, queryset=None, today: datetime.date | None = None):
    """Reviews for a queue page, with the innovation, the expert's name and the overdue flag."""
    reviews = ExpertReview.objects.for_cluster(cluster) if queryset is None else queryset
    return with_overdue(with_expert_name(reviews, cluster), today).select_related("innovation")
