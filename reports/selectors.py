"""Reads of the reports app that pages share."""

from __future__ import annotations

import datetime
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from . import indicators

COMPUTE_SECONDS = 30
WAIT_STEP_SECONDS = 0.1
# At most this many dashboard fragments per process (see dashboard_fragment): a few clusters'
# default periods in each language, ~0.1 MB each.
MAX_FRAGMENTS = 48

_fragments: OrderedDict[tuple, SafeString] = OrderedDict()
_fragments_lock = threading.Lock()


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


def dashboard_fragment(cluster, start: datetime.date, end: datetime.date, computed_at: datetime.datetime,
                       build: Callable[[], SafeString]) -> SafeString:
    """Markup drawn from one computation of dashboard_snapshot (the key figures, the charts and
    their tables), built by `build` once per process and language and reused while those figures
    are served.

    Drawing the charts and formatting the tables' few hundred numbers takes longer than the rest
    of the page; the markup depends only on the figures, the language and the time zone, and a
    computation of the figures is named by its cluster, period and computed_at (a new computation
    has a new time, so a fragment is never served with other figures). Kept in the process
    rather than the shared cache: reading ~0.1 MB from it would cost every view a quarter of a
    millisecond, building it costs a few milliseconds once per process and language every
    REPORTS_DASHBOARD_CACHE_SECONDS. With no cache time (0) the figures are new on every view, and
    so is the markup."""
    seconds = settings.REPORTS_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return build()
    key = (cluster.pk, start, end, computed_at, translation.get_language(), timezone.get_current_timezone_name())
    fragment = _fragments.get(key)
    if fragment is not None:
        return fragment
    fragment = build()
    # Figures computed before this horizon have left the shared cache: their markup is never asked for again.
    horizon = timezone.now() - datetime.timedelta(seconds=seconds + COMPUTE_SECONDS)
    with _fragments_lock:
        for stale in [known for known in _fragments if known[3] < horizon]:
            del _fragments[stale]
        _fragments[key] = fragment
        while len(_fragments) > MAX_FRAGMENTS:
            _fragments.popitem(last=False)
    return fragment
