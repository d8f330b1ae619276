"""Reads of the reports app that pages share."""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import indicators

COMPUTE_SECONDS = 30
WAIT_STEP_SECONDS = 0.1


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
    # One view computes; the others that miss meanwhile wait for its figures rather than
    # computing the same seconds-long figures each (up to the time one computation may take).
    if not cache.add(f"{key}:computing", True, COMPUTE_SECONDS):
        deadline = time.monotonic() + COMPUTE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(WAIT_STEP_SECONDS)
            cached = cache.get(key)
            if cached is not None:
                return cached
    try:
        fresh = (indicators.snapshot(cluster, start, end), timezone.now())
        cache.set(key, fresh, seconds)
    finally:
        cache.delete(f"{key}:computing")
    return fresh
