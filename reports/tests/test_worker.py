"""Reports through a real broker and real workers (settings.CELERY_BROKER_URL).

- A report requested through the service is rendered by a worker (in a thread of this process,
  as cluster_platform/tests/test_celery_worker.py does).
- A worker killed mid-render: a real `celery worker` subprocess (prefork, one child) takes the
  task; while the render is held (settings.REPORTS_RENDER_PAUSE_FILE) the test SIGKILLs the
  child, as the kernel's OOM killer or a crash would. acks_late + reject_on_worker_lost make the
  worker give the message back; a fresh child takes it, finds the row running, and renders it
  again: one row, ready, two attempts.
- The report worker's options (one child, replaced after each task): two reports, two children.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from cluster_platform.celery import REPORT_WORKER_OPTIONS, app
from reports import services
from reports.models import Report

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue():
    """Tasks go through the broker on a queue of this test's own (no other worker takes them)."""
    name = f"test-reports-{uuid.uuid4().hex}"
    saved = {"task_always_eager": app.conf.task_always_eager, "task_default_queue": app.conf.task_default_queue}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.update(saved)
        with app.connection_for_write() as broker:
            bound = app.amqp.queues[name](broker.default_channel)
            bound.declare()
            bound.delete()


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _report(cluster, pk) -> Report:
    return Report.objects.for_cluster(cluster).get(pk=pk)


def _assert_ready_with_its_file(report: Report):
    assert report.status == "ready"
    with report.pdf.open("rb") as handle:
        body = handle.read()
    assert report.size == len(body) and report.sha256 == hashlib.sha256(body).hexdigest()


def test_a_worker_renders_the_requested_report(cluster, coordinator, media, queue):
    with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=30):
        # No transaction around the test: the service commits, then queues the task on commit.
        report = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q4")
        assert _wait_for(lambda: _report(cluster, report.pk).status == "ready"), "not ready within 30 s"
    report = _report(cluster, report.pk)
    _assert_ready_with_its_file(report)
    assert report.attempts == 1


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


@pytest.fixture
def worker_process_factory(tmp_path, queue, media):
    """Starts a `celery worker` subprocess: prefork with one child, this test's queue, the test
    database, the same media folder, and the render held while the pause file exists; extra
    command-line options as given."""
    pause = tmp_path / "pause"
    module = tmp_path / "reports_worker_settings.py"
    module.write_text(
        "from cluster_platform.settings.test import *  # noqa\n"
        f"DATABASES['default']['NAME'] = {connection.settings_dict['NAME']!r}\n"
        f"MEDIA_ROOT = {str(media)!r}\n"
        f"REPORTS_RENDER_PAUSE_FILE = {str(pause)!r}\n"
        "CELERY_TASK_ALWAYS_EAGER = False\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reports_worker_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)])}
    log = open(tmp_path / "worker.log", "w+b")
    started = []

    def start(*options):
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cluster_platform", "worker", "--pool", "prefork",
             "--concurrency", "1", "--queues", queue, "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--hostname", f"{queue}@%h", *options],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process, pause, tmp_path / "worker.log"

    start.queue = queue
    try:
        yield start
    finally:
        pause.unlink(missing_ok=True)
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        log.close()


@pytest.fixture
def worker_process(worker_process_factory):
    return worker_process_factory()


def test_a_worker_killed_mid_render_leaves_the_report_to_be_rendered_again(cluster, coordinator, worker_process):
    process, pause, log = worker_process
    pause.touch()
    report = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q4")

    def log_text():
        return log.read_bytes().decode(errors="replace")

    assert _wait_for(lambda: _report(cluster, report.pk).status == "running", timeout=40), log_text()
    held = _report(cluster, report.pk)
    assert held.attempts == 1
    (child,) = _children(process.pid)
    os.kill(child, signal.SIGKILL)
    assert _wait_for(lambda: child not in _children(process.pid), timeout=10)
    pause.unlink()

    assert _wait_for(lambda: _report(cluster, report.pk).status == "ready", timeout=40), log_text()
    report = _report(cluster, report.pk)
    _assert_ready_with_its_file(report)
    assert report.attempts == 2
    assert Report.objects.for_cluster(cluster).count() == 1
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))) == 1
    assert "SIGKILL" in log_text() or "signal 9" in log_text()


def test_report_renders_take_the_reports_queue_and_a_fresh_child_each(
        cluster, coordinator, worker_process_factory, settings):
    """The worker of REPORTS_QUEUE, with the options docker-compose and `make demo` give it,
    renders each report in a child process of its own (the memory of one large PDF is given
    back before the next)."""
    process, _pause, log = worker_process_factory(*REPORT_WORKER_OPTIONS)
    settings.REPORTS_QUEUE = worker_process_factory.queue
    first = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q3")
    second = services.report_request(cluster=cluster, actor=coordinator, kind="quarter", period="2025-Q4")

    def log_text():
        return log.read_bytes().decode(errors="replace")

    for report in (first, second):
        assert _wait_for(lambda: _report(cluster, report.pk).status == "ready", timeout=60), log_text()
    children = set(re.findall(r"ForkPoolWorker-(\d+)\] Task reports\.tasks\.render_report\[[^]]+\] succeeded",
                              log_text()))
    assert len(children) == 2, log_text()
