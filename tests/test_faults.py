"""Faults: the broker down when a report is requested, and PostgreSQL restarted during a burst of
requests. Each test starts private servers of its own and breaks them; the machine's shared Redis
and PostgreSQL are never stopped.

1. The broker down (a private `redis-server`, stopped, then hung with SIGSTOP). A report asked
   for in the browser or through the API is saved as queued; the request answers within seconds
   (302 with a warning that says so, 202 with `waiting_for_queue`), never 500. Redis back, the
   beat's re-dispatch sends them and a real worker renders each once. An invitation sent while
   the broker is down is saved too (no 500).
2. PostgreSQL restarted (a private server from the machine's binaries, `pg_ctl restart -m fast`)
   under a burst of concurrent requests to a gunicorn of the platform with persistent
   connections (CONN_MAX_AGE 600). No request hangs; those that fail answer 500/503 with the
   platform's page (JSON under /api/), naming nothing of the database; afterwards every page
   answers 200 again from the same gunicorn workers, also through connections opened before a
   restart (CONN_HEALTH_CHECKS). While the server is stopped, /healthz answers 503.
"""

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from cluster_platform import errors
from cluster_platform.celery import app
from members import services as member_services
from members.models import Invitation
from reports import services, tasks
from reports.forms import recent_periods
from reports.models import Report

pytestmark = pytest.mark.faults

BASE_DIR = Path(settings.BASE_DIR)
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# What an error answer must never show (the database's own words, its port, Python's).
LEAKS = ("traceback", "psycopg", "operationalerror", "interfaceerror", "terminating connection",
         "connection refused", "server closed", "shutting down", "django.db", "select ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


# --- 1. The broker down ----------------------------------------------------------------------------

class RedisServer:
    """A redis-server of this test: a free port, a folder of its own, nothing saved to disk."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(0.5)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.answers, timeout=10), "the private redis-server did not start"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def pause(self):
        """Hung: the kernel still accepts connections, the server answers nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)


def _drop_broker_connections():
    # Celery keeps the connection and producer pools of the broker URL it first used; forgotten
    # (not closed: kombu's registry keeps each URL's pool for the next user), the next publish
    # takes the pool of the URL now in app.conf.
    app._pool = None
    app.amqp._producer_pool = None


needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server on PATH")


@pytest.fixture
def private_broker(tmp_path, monkeypatch):
    """The Celery app publishing to a private Redis, on a queue of this test's own."""
    server = RedisServer(tmp_path)
    server.start()
    queue = f"test-faults-{uuid.uuid4().hex}"
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager,
             "task_default_queue": app.conf.task_default_queue}
    _drop_broker_connections()
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    for name in ("CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL"):
        monkeypatch.delenv(name, raising=False)
    app.conf.update(broker_url=server.url, task_always_eager=False, task_default_queue=queue)
    try:
        yield server, queue
    finally:
        server.stop()
        _drop_broker_connections()
        app.conf.update(saved)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@needs_redis_server
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_while_the_broker_is_down_is_kept_and_rendered_once_it_is_back(
        cluster, coordinator, private_broker, media):
    server, queue = private_broker
    browser = Client()
    browser.force_login(coordinator)
    last_quarter, quarter_before = recent_periods("quarter")[1:3]

    # The browser, Redis stopped (connections refused).
    server.stop()
    started = time.monotonic()
    response = browser.post(f"/c/{cluster.slug}/reports/new/", {"kind": "quarter", "period": last_quarter.code})
    assert time.monotonic() - started < 5
    assert response.status_code == 302
    (first,) = Report.objects.for_cluster(cluster)
    assert response["Location"] == f"/c/{cluster.slug}/reports/{first.pk}/"
    page = " ".join(browser.get(response["Location"]).content.decode().split())
    assert '<div class="alert alert-warning" role="status">The task queue cannot be reached right now. The report ' \
           "is saved and will be produced when the queue is back" in page
    assert "The report is being prepared." not in page
    assert (first.status, first.dispatched_at, first.waiting_for_queue) == ("queued", None, True)

    # The API, Redis hung: it accepts the connection and never answers.
    server.start()
    server.pause()
    started = time.monotonic()
    response = browser.post(f"/api/v1/c/{cluster.slug}/reports/", {"kind": "quarter", "period": quarter_before.code},
                            content_type="application/json")
    waited = time.monotonic() - started
    server.resume()
    assert waited < 10
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["waiting_for_queue"], body["period"]) == ("queued", True, quarter_before.code)
    second = Report.objects.for_cluster(cluster).get(pk=body["id"])
    assert second.dispatched_at is None

    # Redis is back: the beat's re-dispatch (past the grace a request has to publish) sends both.
    later = timezone.now() + services.DISPATCH_GRACE + datetime.timedelta(seconds=5)
    sent = tasks.reports_redispatch.apply(kwargs={"now": later.isoformat()}).get()
    assert sorted(sent) == sorted([first.pk, second.pk])

    with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=30):
        reports = Report.objects.for_cluster(cluster)
        assert wait_for(lambda: set(reports.values_list("status", flat=True)) == {"ready"}, timeout=40), \
            list(reports.values_list("pk", "status", "attempts", "error"))
    # Each rendered by one message, once, even if the hung publish reached Redis after all.
    assert sorted(reports.values_list("pk", "attempts")) == sorted([(first.pk, 1), (second.pk, 1)])
    assert not any(report.waiting_for_queue for report in reports)
    assert len(list(Path(media).rglob("*.pdf"))) == 2
    assert browser.get(f"/api/v1/c/{cluster.slug}/reports/{second.pk}/").json()["waiting_for_queue"] is False


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_an_invitation_sent_while_the_broker_is_down_is_saved_without_an_error(cluster, coordinator, private_broker):
    server, _queue = private_broker
    server.stop()
    started = time.monotonic()
    invitation = member_services.invitation_send(cluster=cluster, actor=coordinator, email="expert@example.org",
                                                 cluster_role="expert")
    assert time.monotonic() - started < 5
    saved = Invitation.objects.for_cluster(cluster).get(pk=invitation.pk)
    assert (saved.email, saved.sent_at) == ("expert@example.org", None)


# --- The error pages -------------------------------------------------------------------------------

def _answer_to(error: Exception, path: str):
    request = RequestFactory().get(path)
    try:
        raise error
    except Exception:
        return errors.server_error(request)  # as Django calls it: inside the except


def test_an_unreachable_database_is_a_503_page_and_other_errors_the_500_page():
    with translation.override("en"):
        down = _answer_to(OperationalError("connection to server at 10.0.0.5 failed"), "/c/x/")
        broken = _answer_to(ValueError("internal detail"), "/c/x/")
        api_down = _answer_to(InterfaceError("connection already closed"), "/api/v1/c/x/organizations/")
        api_broken = _answer_to(KeyError("internal detail"), "/api/v1/c/x/organizations/")
    assert (down.status_code, down["Retry-After"]) == (503, str(errors.RETRY_AFTER_SECONDS))
    assert "The platform is temporarily unavailable" in down.content.decode()
    assert broken.status_code == 500 and "Something went wrong" in broken.content.decode()
    assert not broken.has_header("Retry-After")
    assert (api_down.status_code, api_down["Content-Type"]) == (503, "application/json")
    assert json.loads(api_down.content) == {"detail": "The service is temporarily unavailable. Try again in a minute."}
    assert api_broken.status_code == 500 and set(json.loads(api_broken.content)) == {"detail"}
    for answer in (down, broken, api_down, api_broken):
        assert b"10.0.0.5" not in answer.content and b"internal detail" not in answer.content


def test_the_error_pages_follow_the_language_of_the_request():
    with translation.override("ru"):
        broken = _answer_to(ValueError("boom"), "/").content.decode()
        down = _answer_to(OperationalError("down"), "/").content.decode()
    assert '<html lang="ru">' in broken and "Что-то пошло не так" in broken
    assert '<html lang="ru">' in down


# --- 2. PostgreSQL restarted ----------------------------------------------------------------------

class PrivatePostgres:
    """A PostgreSQL server of this test, from the machine's binaries, in a temporary folder, on a
    free port. initdb refuses root: as root, the server runs as the `postgres` user."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str, **options) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60, cwd=self.root,
                              **options)

    def _pg_ctl(self, *args: str):
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t",
                  "30", *args)

    def init(self):
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def start(self):
        self._pg_ctl("-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                           "-c full_page_writes=off -c synchronous_commit=off", "start")

    def stop(self, mode: str = "fast"):
        self._pg_ctl("-m", mode, "stop")

    def restart(self):
        self._pg_ctl("-m", "fast", "restart")  # the options of the last start are kept

    def psql(self, database: str, sql: bytes):
        subprocess.run([str(PG_BIN / "psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(self.port), "-U", "postgres", "-d", database], input=sql, check=True,
                       capture_output=True, timeout=120)

    def remove(self):
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)


def _environment(**extra) -> dict:
    # The private server has one role (its superuser): no owner of the test server's.
    inherited = {key: value for key, value in os.environ.items() if key != "DATABASE_OWNER_URL"}
    return {**inherited, "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.test", "PYTHONPATH": str(BASE_DIR),
            # Nothing here publishes a task; the URL only has to be set.
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0", **extra}


def _owner(source) -> tuple[str, str]:
    """The tables' owner and password (row-level security keeps pg_dump from the platform's role)."""
    owner = getattr(settings, "DATABASE_OWNER", None) or {"USER": source["USER"] or "postgres",
                                                          "PASSWORD": source["PASSWORD"] or ""}
    return owner["USER"], owner.get("PASSWORD") or ""


def _copy_the_test_schema(server: PrivatePostgres, database: str):
    """The schema of the (migrated) test database, dumped into the private server: the same as
    running the migrations there, which takes minutes on a small machine. Should the machine's
    pg_dump be older than the test server, the migrations run instead."""
    source = connection.settings_dict
    command = [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", "-U", _owner(source)[0],
               source["NAME"]]
    if source["HOST"]:
        command[1:1] = ["-h", source["HOST"], "-p", str(source["PORT"] or 5432)]
    dump = subprocess.run(command, capture_output=True, timeout=120,
                          env={**os.environ, "PGPASSWORD": _owner(source)[1]})
    if dump.returncode == 0:
        server.psql(database, dump.stdout)
    else:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE_DIR, check=True, timeout=900,
                       env=_environment(DATABASE_URL=server.url(database)))


SEED = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from members.tests.factories import ClusterFactory, ClusterRoleFactory, OrganizationFactory, UserFactory
cluster = ClusterFactory(slug="faults", name="Faults cluster")
user = ClusterRoleFactory(cluster=cluster, user=UserFactory(username="faults-coordinator"), role="coordinator").user
OrganizationFactory(cluster=cluster, name="School No. 5", tax_id="500000005")
browser = Client()
browser.force_login(user)
print(json.dumps({"slug": cluster.slug, "token": Token.objects.create(user=user).key,
                  "cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"}))
"""


@dataclass
class Answer:
    path: str
    status: int = 0
    body: str = ""
    seconds: float = 0.0
    error: str = ""


class Gunicorn:
    """The platform in a gunicorn of its own: two workers of four threads, each thread keeping its
    database connection (DATABASE_CONN_MAX_AGE)."""

    TIMEOUT = 20  # seconds a request may take before the test calls it hung

    def __init__(self, folder: Path, database_url: str):
        self.port = free_port()
        self.log = open(folder / "gunicorn.log", "w+b")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "cluster_platform.wsgi:application", "--bind",
             f"127.0.0.1:{self.port}", "--workers", "2", "--worker-class", "gthread", "--threads", "4",
             "--timeout", "60", "--graceful-timeout", "5"],
            cwd=BASE_DIR, env=_environment(DATABASE_URL=database_url, DATABASE_CONN_MAX_AGE="600"),
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def fetch(self, path: str, headers: dict | None = None) -> Answer:
        answer = Answer(path)
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.TIMEOUT)
        try:
            client.request("GET", path, headers=headers or {})
            response = client.getresponse()
            answer.status, answer.body = response.status, response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            answer.error = repr(error)
        finally:
            client.close()
        answer.seconds = time.monotonic() - started
        return answer

    def workers(self) -> set[int]:
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.add(int(entry.name))
        return found

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def platform_on_private_postgres(db, tmp_path):
    """A private PostgreSQL with the platform's schema and a coordinator, and a gunicorn serving
    the platform from it. Yields (server, gunicorn, pages); pages are (path, headers)."""
    server = PrivatePostgres()
    web = None
    try:
        server.init()
        server.start()
        server.psql("postgres", b"CREATE DATABASE platform")
        _copy_the_test_schema(server, "platform")
        seeded = subprocess.run([sys.executable, "-c", SEED], cwd=BASE_DIR, capture_output=True, check=True,
                                timeout=120, env=_environment(DATABASE_URL=server.url("platform")))
        seed = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
        web = Gunicorn(tmp_path, server.url("platform"))
        assert wait_for(lambda: web.fetch("/healthz").status == 200, timeout=60), web.log_text()
        pages = [
            ("/accounts/login/", {}),
            ("/healthz", {}),
            (f"/c/{seed['slug']}/", {"Cookie": seed["cookie"]}),
            (f"/api/v1/c/{seed['slug']}/organizations/", {"Authorization": f"Token {seed['token']}",
                                                          "Accept": "application/json"}),
        ]
        yield server, web, pages
    finally:
        if web is not None:
            web.stop()
        server.remove()


def burst(web: Gunicorn, pages, *, threads: int = 8, during) -> list[Answer]:
    """Every thread asks for the pages in turn, without pause, while `during()` runs."""
    answers, lock, done = [], threading.Lock(), threading.Event()

    def ask(offset: int):
        turn = offset
        while not done.is_set():
            path, headers = pages[turn % len(pages)]
            answer = web.fetch(path, headers)
            with lock:
                answers.append(answer)
            turn += 1

    workers = [threading.Thread(target=ask, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    try:
        during()
    finally:
        done.set()
        for worker in workers:
            worker.join(timeout=web.TIMEOUT + 5)
    assert not any(worker.is_alive() for worker in workers), "a request hung"
    return answers


def assert_clean(answers: list[Answer], port: int):
    """Every request completed in time; those that failed show the platform's page and no detail."""
    for answer in answers:
        assert not answer.error, answer
        assert answer.seconds < Gunicorn.TIMEOUT, answer
        assert answer.status in (200, 500, 503), answer
        if answer.status == 200:
            continue
        lowered = answer.body.lower()
        assert not any(leak in lowered for leak in LEAKS) and f":{port}" not in lowered, answer
        if answer.path == "/healthz":
            assert answer.body == "database unavailable", answer
        elif answer.path.startswith("/api/"):
            assert set(json.loads(answer.body)) == {"detail"}, answer
        else:
            assert "The platform is temporarily unavailable" in answer.body or "Something went wrong" in answer.body, \
                answer


def all_ok(answers: list[Answer]) -> bool:
    return bool(answers) and all(answer.status == 200 for answer in answers)


def summary(answers: list[Answer]) -> list:
    return sorted({(answer.path, answer.status, answer.error[:80]) for answer in answers})


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"no PostgreSQL server binaries in {PG_BIN}")
def test_postgresql_restarted_during_a_burst_fails_cleanly_and_the_platform_recovers_by_itself(
        platform_on_private_postgres):
    server, web, pages = platform_on_private_postgres
    workers = web.workers()
    assert len(workers) == 2

    # A restart in the middle of a burst: nothing hangs, failures are clean.
    def restart_midway():
        time.sleep(1)
        server.restart()
        time.sleep(1)

    answers = burst(web, pages, during=restart_midway)
    assert_clean(answers, server.port)
    assert len(answers) >= 8

    # Every thread holds a connection, the server restarts while nobody asks: the first request
    # on each stale connection finds it dead before use and opens another (CONN_HEALTH_CHECKS).
    assert all_ok(burst(web, pages, during=lambda: time.sleep(1.5)))
    server.restart()
    answers = burst(web, pages, during=lambda: time.sleep(1.5))
    assert all_ok(answers), summary(answers) + [web.log_text()]

    # The server stopped: /healthz says so, the pages answer 503 with the platform's page.
    server.stop()
    down = [web.fetch(path, headers) for path, headers in pages for _round in range(3)]
    assert_clean(down, server.port)
    by_path = {answer.path: answer for answer in down}
    assert (by_path["/healthz"].status, by_path["/healthz"].body) == (503, "database unavailable")
    dashboard, api = by_path[pages[2][0]], by_path[pages[3][0]]
    assert dashboard.status == 503 and "The platform is temporarily unavailable" in dashboard.body
    assert api.status == 503 and json.loads(api.body)["detail"].startswith("The service is temporarily unavailable")

    # Started again: every page answers 200, from the same gunicorn workers (no restart of the web).
    server.start()
    answers = burst(web, pages, during=lambda: time.sleep(1.5))
    assert all_ok(answers), summary(answers) + [web.log_text()]
    assert web.workers() == workers
