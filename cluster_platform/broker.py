"""Handing a task to the broker without letting an unreachable broker break the request.

A task queued on a request path (a report asked for, an invitation sent) is published after
the transaction commits: the row is saved whatever happens to the publish. When the broker is
down, refusing connections, or hung, the publish fails within seconds (the settings bound it:
CELERY_BROKER_TRANSPORT_OPTIONS' socket timeouts and CELERY_TASK_PUBLISH_RETRY_POLICY) with
kombu's OperationalError. `publish` turns that into False and a warning in the log, so the
request answers normally (not 500) and its caller decides what the user is told and how the
work is sent later (reports: the row stays queued and the beat sends it again,
reports.services.reports_redispatch).

Only the broker's own failure is caught: an error of the task itself (run inline by the unit
tests' eager mode) still propagates.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

__all__ = ["publish", "publish_on_commit"]


def publish(task, *args, **kwargs) -> bool:
    """Send `task(*args, **kwargs)` to the broker now; False when the broker could not be reached."""
    try:
        task.apply_async(args, kwargs)
    except OperationalError as error:
        logger.warning("The task queue could not be reached; %s%r was not sent: %s", task.name, args, error)
        return False
    return True


def publish_on_commit(task, *args, **kwargs) -> None:
    """`publish` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
