"""The daily agreements task, run by beat at 00:05 Asia/Tashkent (see migration 0002).

Each cluster's work is one transaction and idempotent, so a retry after a failure part way
through redoes nothing already done."""

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from members.models import Cluster

from . import services


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=3)
def agreements_daily_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """`today` (ISO date) is for tests and catching up by hand; by default the date in the
    platform's time zone (TIME_ZONE, Asia/Tashkent), not UTC: at 00:05 local it is still
    the previous day in UTC."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return {
        cluster.slug: services.agreements_daily(cluster=cluster, today=day)
        for cluster in Cluster.objects.filter(is_active=True).order_by("pk")
    }
