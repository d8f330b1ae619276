"""The hourly bookings task (migration 0002): approved bookings that have ended become
completed, in every active cluster. Each cluster's work is one transaction and idempotent, so a
retry after a failure part way, or a second run, redoes nothing already done."""

import datetime

from celery import shared_task
from django.utils import timezone

from cluster_platform import rls
from cluster_platform.jobs import PERIODIC_TASK_OPTIONS

from . import services


@shared_task(**PERIODIC_TASK_OPTIONS)
def bookings_complete_all(now: str | None = None) -> dict[str, int]:
    """`now` (an ISO datetime with its offset) is for tests and catching up by hand."""
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    return {
        cluster.slug: services.bookings_complete(cluster=cluster, now=moment)
        for cluster in rls.active_clusters()
    }
