"""Reads of the reports app that pages share."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import indicators


def dashboard_snapshot(cluster, start: datetime.date, end: datetime.date) -> tuple[dict, datetime.datetime]:
    """The indicator dashboard's figures (indicators.snapshot) and when they were computed.

    Computing them reads a cluster's whole quarter twice over (this period and the previous
    one): seconds for a large cluster, too long for every page view. They are kept in the shared
    cache for REPORTS_DASHBOARD_CACHE_SECONDS (0: computed on every view) and the page says
    when they were computed. Reports (the PDFs) never use this: they compute their own."""
    seconds = settings.REPORTS_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return indicators.snapshot(cluster, start, end), timezone.now()
    key = f"reports:dashboard:v1:{cluster.pk}:{start.isoformat()}:{end.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    fresh = (indicators.snapshot(cluster, start, end), timezone.now())
    cache.set(key, fresh, seconds)
    return fresh
