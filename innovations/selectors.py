"""Reads of innovations, always scoped to one cluster."""

from __future__ import annotations

from .models import Innovation, InnovationPolicy


def policy_for(cluster) -> InnovationPolicy:
    """The cluster's review rules; the defaults (unsaved) when the cluster never set them."""
    policy = InnovationPolicy.objects.for_cluster(cluster).first()
    return policy if policy is not None else InnovationPolicy(cluster=cluster)


def innovation_get_for_update(*, cluster, pk) -> Innovation:
    """The innovation row, locked until the end of the transaction: two people moving one
    innovation at the same moment act one after the other, the second on the first's result."""
    return Innovation.objects.for_cluster(cluster).select_for_update().get(pk=pk)
