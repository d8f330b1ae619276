"""Reads of innovations, always scoped to one cluster."""

from __future__ import annotations

from django.db.models import CharField, Exists, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from cluster_platform import names
from cluster_platform.permission_filters import any_of
from members import selectors as member_selectors
from members.models import Organization, Person

from . import permissions
from .models import Innovation, InnovationAttachment, InnovationPolicy


def policy_for(cluster) -> InnovationPolicy:
    """The cluster's review rules; the defaults (unsaved) when the cluster never set them."""
    policy = InnovationPolicy.objects.for_cluster(cluster).first()
    return policy if policy is not None else InnovationPolicy(cluster=cluster)


def innovation_get_for_update(*, cluster, pk) -> Innovation:
    """The innovation row, locked until the end of the transaction: two people moving one
    innovation at the same moment act one after the other, the second on the first's result."""
    return Innovation.objects.for_cluster(cluster).select_for_update().get(pk=pk)


def filter_innovations(queryset, filters: dict):
    """The catalogue's filters (InnovationFilterForm.filters(), the API's FilterSet)."""
    if q := filters.get("q"):
        queryset = queryset.filter(names.matching("title", q) | Q(summary__icontains=q) | Q(keywords__contains=[q]))
    if stage := filters.get("stage"):
        queryset = queryset.filter(stage=stage)
    if kind := filters.get("kind"):
        queryset = queryset.filter(kind=kind)
    if level := filters.get("level"):
        queryset = queryset.filter(education_level=level)
    if origin := filters.get("origin"):
        queryset = queryset.filter(origin_organization_id=origin)
    if subject_field := filters.get("subject_field"):
        queryset = queryset.filter(subject_fields__contains=[subject_field])
    return queryset


def stage_columns(innovations, stages, *, limit: int) -> list[Innovation]:
    """The board's cards: of each of `stages`, the `limit` (at least 1) innovations of
    `innovations` that entered it last (-stage_changed_at, -pk), stage after stage, each with
    only what a card shows (title and its translations, stage, stage_changed_at), `origin_name` and
    `origin_name_translations` (cluster_platform/names.localized reads them), and `stage_count`:
    how many of `innovations` are in its stage. A stage without any has no card.

    One statement. Per stage (a row of `board_stage`, a materialized CTE, so its count runs
    once), `innovations` (the reader's visible ones, scoped to the cluster) narrowed to that
    stage, in a LATERAL join: each read takes the first entries of its stage from the (cluster,
    stage, -stage_changed_at, -id) index (migration 0003) and stops, and the count reads the
    same index alone. The origin's name is a subquery, run for the kept rows alone: a join there
    was costed from row-level security's underestimate into a hash join and a sort of the whole
    stage. At 9,500 innovations: 3 ms, where a window ranking each stage read and ranked them
    all (30 ms), and a UNION of a queryset per stage took 5 ms to compile."""
    if not stages:
        return []
    this_stage = RawSQL('"board_stage"."stage"', (), output_field=CharField())
    count_sql, count_params = innovations.filter(stage=this_stage).order_by().annotate(
        n=Func(template="COUNT(*)", output_field=IntegerField())).values("n").query.sql_with_params()
    cards_sql, cards_params = (
        innovations.filter(stage=this_stage)
        .only("pk", "cluster", "title", "title_translations", "stage", "stage_changed_at", "origin_organization_id")
        .annotate(**{column: Subquery(Organization.objects.filter(
            pk=OuterRef("origin_organization_id"), cluster=OuterRef("cluster")).order_by().values(field))
            for column, field in (("origin_name", "name"), ("origin_name_translations", "name_translations"))})
        .order_by("-stage_changed_at", "-pk")[:limit]
    ).query.sql_with_params()
    return list(Innovation.objects.raw(
        "WITH board_stage AS MATERIALIZED ("
        f"SELECT stage, position, ({count_sql}) AS stage_count"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS board_stage (stage, position))"
        f" SELECT card.*, board_stage.stage_count FROM board_stage CROSS JOIN LATERAL ({cards_sql}) AS card"
        " ORDER BY board_stage.position, card.stage_changed_at DESC, card.id DESC",
        [*count_params, list(stages), *cards_params],
    ))


def my_innovations(cluster, roles):
    """Where the user is an author, and the innovations of the organizations they administer."""
    condition = Q(origin_organization_id__in=sorted(roles.organizations_with("admin")))
    if roles.user_id is not None:
        # An arm of an OR: any_of, not EXISTS (see permissions.visible_innovations).
        condition |= any_of("pk", permissions.author_grants(cluster, roles.user_id).values("content_object_id"))
    return permissions.visible_innovations(cluster, roles).filter(condition)


def visible_attachment(cluster, roles, pk) -> InnovationAttachment:
    """An attachment of an innovation these roles may see (DoesNotExist otherwise)."""
    return InnovationAttachment.objects.for_cluster(cluster).select_related("innovation").filter(
        permissions.visible_innovation_filter(cluster, roles)).get(pk=pk)


def author_candidates(cluster, *, organizations, chosen):
    """The active people of these organizations, and these people: the authors a form offers."""
    wanted = Q(pk__in=sorted({pk for pk in chosen if pk})) | Q(
        organization_id__in=sorted({pk for pk in organizations if pk}))
    return (Person.objects.for_cluster(cluster).filter(wanted, is_active=True)
            .select_related("organization")
            .only("pk", "full_name", *(f"organization__{field}" for field in Organization.NAME_FIELDS))
            .order_by("organization__name", "full_name", "pk"))


def origin_choices(cluster, roles, *, blind: bool):
    """The organizations the catalogue filters by: the origins of the innovations these roles
    see; none for a blind reader (no list of origins to pick from, and no filtering by one)."""
    organizations = member_selectors.organization_choices(cluster=cluster).filter(Exists(
        permissions.visible_innovations(cluster, roles).filter(origin_organization_id=OuterRef("pk"))))
    return organizations.none() if blind else organizations
