"""Reads of the agreements app. Every query names the cluster; what a user may see is the
rule in permissions.visible_agreements."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from cluster_platform.tenancy import Roles

from .models import Agreement, AgreementParty, AgreementTransition, Obligation
from .permissions import visible_agreements


def _parties(cluster):
    return AgreementParty.objects.for_cluster(cluster).select_related("organization", "signatory")


def agreement_list(*, cluster, roles: Roles, filters: dict | None = None):
    """Visible agreements with their parties; filters: kind, status, organization (a party's
    organization id), expiring_within_days (active and ending between today and then)."""
    filters = filters or {}
    agreements = visible_agreements(cluster, roles)
    if filters.get("kind"):
        agreements = agreements.filter(kind=filters["kind"])
    if filters.get("status"):
        agreements = agreements.filter(status=filters["status"])
    if filters.get("organization"):
        agreements = agreements.filter(
            pk__in=AgreementParty.objects.for_cluster(cluster)
            .filter(organization_id=filters["organization"])
            .values("agreement_id")
        )
    days = filters.get("expiring_within_days")
    if days not in (None, ""):
        today = filters.get("today") or timezone.localdate()
        agreements = agreements.filter(
            status=Agreement.Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=int(days)),
        )
    return agreements.prefetch_related(Prefetch("parties", queryset=_parties(cluster)))


def agreement_get(*, cluster, roles: Roles, pk) -> Agreement:
    """One visible agreement with its parties, obligations and timeline; DoesNotExist alike
    for another cluster's agreement and for one the roles may not read."""
    return (
        visible_agreements(cluster, roles)
        .select_related("renewal_of", "created_by")
        .prefetch_related(
            Prefetch("parties", queryset=_parties(cluster)),
            Prefetch(
                "obligations",
                queryset=Obligation.objects.for_cluster(cluster).select_related(
                    "party__organization", "completed_by"
                ),
            ),
            Prefetch(
                "transitions", queryset=AgreementTransition.objects.for_cluster(cluster).select_related("actor")
            ),
        )
        .get(pk=pk)
    )


def agreement_get_for_update(*, cluster, pk) -> Agreement:
    """The agreement row locked until the transaction ends: status moves are serialized."""
    return Agreement.objects.for_cluster(cluster).select_for_update().get(pk=pk)
