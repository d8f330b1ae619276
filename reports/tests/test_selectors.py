"""selectors.dashboard_fragment: markup kept per computation of the figures and language, and let go."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from reports import periods, selectors

pytestmark = pytest.mark.django_db

Q1 = periods.parse_period("quarter", "2026-Q1")


def fragment(cluster, computed_at, text):
    return selectors.dashboard_fragment(cluster, Q1.start, Q1.end, computed_at, lambda: mark_safe(text))


def test_markup_is_drawn_once_per_computation_and_language(cluster, settings):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    now = timezone.now()
    with translation.override("en"):
        assert fragment(cluster, now, "english") == "english"
        assert fragment(cluster, now, "drawn again") == "english"
        assert fragment(cluster, now + datetime.timedelta(seconds=1), "recomputed") == "recomputed"
    with translation.override("ru"):
        assert fragment(cluster, now, "russian") == "russian"


def test_without_a_cache_time_markup_is_drawn_on_every_view(cluster, settings):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 0
    now = timezone.now()
    assert fragment(cluster, now, "first") == "first" and fragment(cluster, now, "second") == "second"
    assert not [key for key in selectors._fragments if key[0] == cluster.pk]


def test_markup_of_figures_gone_from_the_cache_is_let_go(cluster, settings):
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 600
    now = timezone.now()
    fragment(cluster, now - datetime.timedelta(seconds=600 + selectors.COMPUTE_SECONDS + 1), "expired")
    fragment(cluster, now, "served")
    assert [key[3] for key in selectors._fragments if key[0] == cluster.pk] == [now]
    for second in range(selectors.MAX_FRAGMENTS + 5):
        fragment(cluster, timezone.now() + datetime.timedelta(seconds=second), "many")
    assert len(selectors._fragments) == selectors.MAX_FRAGMENTS
