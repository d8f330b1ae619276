"""What the apps' Celery tasks share.

- `PERIODIC_TASK_OPTIONS`: the beat tasks that run every active cluster's work (each cluster's
  one idempotent transaction) retry when the database fails;
- `EMAIL_TASK_OPTIONS`: an email task takes ids, acks late and retries when sending fails;
- `local_day()`: the day a periodic task works for;
- `public_url()`: an absolute link for an email;
- `claim()` / `released_on_failure()`: send once. A task claims its row with a conditional
  update of a "sent at" column, so a redelivered message (acks late) sends nothing twice, and
  releases the claim when sending fails so the retry can send it.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

PERIODIC_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 3,
}

EMAIL_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def local_day(today: str | None) -> datetime.date:
    """`today` (ISO date) is for tests and catching up by hand; by default the date in the
    platform's time zone (TIME_ZONE, Asia/Tashkent), not UTC: just after midnight local it is
    still the previous day in UTC."""
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def public_link(name: str, *args, **kwargs) -> str:
    """The absolute address of a browser page for an email; empty when the page is not routed
    (the browser pages are optional for an email)."""
    try:
        return public_url(reverse(name, args=args or None, kwargs=kwargs or None))
    except NoReverseMatch:
        return ""


def claim(rows, field: str) -> bool:
    """Set `field` (a "sent at" column) on the one row of `rows` if nobody has: True for the
    task that did."""
    return rows.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()}) == 1


@contextmanager
def released_on_failure(rows, field: str):
    """Around the sending: a failure clears the claim on `rows` again, so the retry sends."""
    try:
        yield
    except Exception:
        rows.update(**{field: None})
        raise
