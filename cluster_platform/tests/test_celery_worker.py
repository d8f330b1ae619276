"""A real Celery worker against the real broker (settings.CELERY_BROKER_URL): CI's Redis, or
locally the embedded one. The worker runs in a thread of this process, so the emails it
sends land in the locmem outbox of the test."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from cluster_platform.celery import app
from members import services
from members.models import Invitation

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    """Tasks go through the broker to a worker consuming a queue of this test's own.

    The queue is unique so that another worker on the same broker (a running `make demo`,
    a parallel test run) cannot take the message, and this worker takes nobody else's.
    """
    queue = f"test-{uuid.uuid4().hex}"
    saved = {"task_always_eager": app.conf.task_always_eager, "task_default_queue": app.conf.task_default_queue}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, loglevel="WARNING",
                          shutdown_timeout=30):
            yield queue
    finally:
        app.conf.update(saved)
        # Declared on a fresh channel first, so that deleting it also drops its bindings.
        with app.connection_for_write() as connection:
            bound = app.amqp.queues[queue](connection.default_channel)
            bound.declare()
            bound.delete()


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_sends_the_invitation_email_queued_by_the_service(cluster, coordinator, worker_queue):
    # No transaction around the test: the service commits, then queues the task on commit.
    invitation = services.invitation_send(
        cluster=cluster, actor=coordinator, email="new.expert@example.org", cluster_role="expert",
    )

    assert _wait_for(lambda: len(mail.outbox) >= 1), "the worker sent no email within 20 s"
    (email,) = mail.outbox
    assert email.to == ["new.expert@example.org"]
    assert cluster.name in email.subject
    assert "/invitations/" in email.body
    assert Invitation.objects.for_cluster(cluster).get().pk == invitation.pk


def test_report_renders_are_routed_to_the_reports_queue(settings):
    from cluster_platform.celery import route_task

    settings.REPORTS_QUEUE = "reports"
    assert route_task("reports.tasks.render_report", (1,), {}, {}) == {"queue": "reports"}
    assert route_task("members.tasks.send_invitation", (1,), {}, {}) is None
    # The router Celery builds from CELERY_TASK_ROUTES asks the function at publish time.
    assert app.amqp.router.route({}, "reports.tasks.render_report", (1,), {})["queue"].name == "reports"
    settings.REPORTS_QUEUE = ""
    assert route_task("reports.tasks.render_report", (1,), {}, {}) is None
