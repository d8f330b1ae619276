"""The daily programmes task (00:15 Asia/Tashkent, migration 0002): open programmes whose start
date has come start running; running programmes whose end date has passed are completed, with
the completion rule applied and certificates issued. Each cluster's work is one transaction and
idempotent, so a retry after a failure part way, or a second run, redoes nothing already done."""

from celery import shared_task

from cluster_platform import rls
from cluster_platform.jobs import PERIODIC_TASK_OPTIONS, local_day

from . import services


@shared_task(**PERIODIC_TASK_OPTIONS)
def programs_daily_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """`today` (ISO date) is for tests and catching up by hand; by default the local date."""
    day = local_day(today)
    return {
        cluster.slug: services.programs_daily(cluster=cluster, today=day)
        for cluster in rls.active_clusters()
    }
