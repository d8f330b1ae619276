"""Reads of innovations, always scoped to one cluster."""

from __future__ import annotations

from django.db.models import Q

from cluster_platform.permission_filters import any_of

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
        queryset = queryset.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(keywords__contains=[q]))
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
