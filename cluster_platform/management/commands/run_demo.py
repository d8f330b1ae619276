"""`make demo`: prepare the database, then run the web server, a Celery worker and beat.

The three run as child processes, each in its own process group, so that Ctrl-C reaches
this command alone and it stops them in order: SIGTERM, a grace period, then SIGKILL for
whatever is left of the group. If one of them dies, everything stops and the command
fails with the reason. Last, the embedded PostgreSQL and Redis are stopped, but only when
they are the embedded ones: a DATABASE_URL or CELERY_BROKER_URL names a server this
command does not own.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from cluster_platform import embedded
from cluster_platform.celery import REPORT_WORKER_OPTIONS
from members import demo_data

BASE_DIR = Path(settings.BASE_DIR)
STOP_GRACE_SECONDS = 15  # a worker finishes the task in hand on SIGTERM
READY_TIMEOUT_SECONDS = 90


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the forked child (Linux): receive SIGTERM should run_demo itself be killed outright."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One long-running process; its output is copied line by line with a name in front."""

    def __init__(self, name: str, argv: list[str], *, ready_marker: str | None = None):
        self.name = name
        self.argv = argv
        self.ready_marker = ready_marker
        self.ready = threading.Event()
        self.process: subprocess.Popen | None = None
        self._pump_thread: threading.Thread | None = None

    def start(self, env: dict):
        self.process = subprocess.Popen(
            self.argv, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, process_group=0,
            preexec_fn=_die_with_parent if _LIBC is not None else None,
        )

    def pump_output(self, write):
        def pump():
            for raw in self.process.stdout:
                line = raw.decode(errors="replace").rstrip()
                write(f"{self.name:<6}| {line}")
                if self.ready_marker and self.ready_marker in line:
                    self.ready.set()

        self._pump_thread = threading.Thread(target=pump, name=f"output-{self.name}", daemon=True)
        self._pump_thread.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def drain(self):
        if self._pump_thread is not None:
            self._pump_thread.join(timeout=2)


class Command(BaseCommand):
    help = "The demo: migrate, seed the demo data, then run the web server, a Celery worker and beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1", help="address of the web server (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port of the web server (default 8000)")

    def handle(self, *args, addr, port, **options):
        if not settings.DEMO_MODE:
            raise CommandError("run_demo is the demo and needs DEMO_MODE=1; `make demo` sets it.")
        self._output_lock = threading.Lock()
        self._stop = threading.Event()
        self._stop_reason = ""
        self._force = False
        self.children: list[Child] = []
        base_url = f"http://{addr}:{port}"
        if not _can_bind(addr, port):
            raise CommandError(
                f"{addr}:{port} is already in use (another demo still running?). Stop it, or choose "
                "another port: .venv/bin/python manage.py run_demo --port 8001"
            )
        started = time.monotonic()
        failure = None
        # From here Ctrl-C only asks to stop: a migration or the seeding is never cut short.
        self._install_signal_handlers()
        try:
            self._prepare_database()
            if not self._stop.is_set():
                self._start_children(addr, port, base_url)
                failure = self._wait_until_ready(addr, port)
            if failure is None and not self._stop.is_set():
                self._print_banner(base_url, time.monotonic() - started)
                failure = self._supervise()
        finally:
            self._stop_children()
            self._stop_embedded_servers()
        if failure:
            raise CommandError(failure)
        self._say(self.style.SUCCESS(f"Demo stopped ({self._stop_reason or 'done'})."))

    # --- preparation --------------------------------------------------------------------------

    def _prepare_database(self):
        where = "the embedded PostgreSQL in .local/" if not os.environ.get("DATABASE_URL") else "DATABASE_URL"
        self._say(f"Preparing the database ({where})...")
        call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout, stderr=self.stderr)
        call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        # The children open their own connections; this process only waits from here on.
        connections.close_all()

    def _install_signal_handlers(self):
        def on_signal(signum, frame):
            if self._stop.is_set():
                self._force = True  # a second Ctrl-C: do not wait for the children
                return
            self._stop_reason = f"received {signal.Signals(signum).name}"
            self._stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, on_signal)

    def _start_children(self, addr: str, port: int, base_url: str):
        env = os.environ.copy()
        env.update(
            DEMO_MODE="1",
            # Resolved once here, so they all share the embedded Redis this process started.
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"],
            PYTHONUNBUFFERED="1",
        )
        env.setdefault("PUBLIC_BASE_URL", base_url)  # links in the invitation emails
        python = sys.executable
        self.children = [
            Child("web", [python, "manage.py", "runserver", "--noreload", "--skip-checks", "--insecure",
                         f"{addr}:{port}"]),
            Child(
                "worker",
                [python, "-m", "celery", "-A", "cluster_platform", "worker", "--loglevel", "INFO",
                 "--queues", "celery", "--concurrency", "2", "--hostname", "demo@%h", "--without-mingle",
                 "--without-gossip"],
                ready_marker=" ready.",
            ),
            Child(
                "reports",
                [python, "-m", "celery", "-A", "cluster_platform", "worker", "--loglevel", "INFO",
                 "--queues", settings.REPORTS_QUEUE or "celery", *REPORT_WORKER_OPTIONS,
                 "--hostname", "demo-reports@%h", "--without-mingle", "--without-gossip"],
                ready_marker=" ready.",
            ),
            Child(
                "beat",
                [python, "-m", "celery", "-A", "cluster_platform", "beat", "--loglevel", "INFO",
                 "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
                ready_marker="beat: Starting",
            ),
        ]
        # All are forked before any output thread starts: a fork with preexec_fn is
        # only safe while this process has a single thread.
        for child in self.children:
            child.start(env)
        for child in self.children:
            child.pump_output(self._say)

    def _wait_until_ready(self, addr: str, port: int) -> str | None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        web_ready = False
        while not self._stop.is_set():
            failure = self._dead_child()
            if failure:
                return failure
            web_ready = web_ready or _answers(addr, port)
            if web_ready and all(child.ready.is_set() for child in self.children if child.ready_marker):
                return None
            if time.monotonic() > deadline:
                waiting = [c.name for c in self.children if c.ready_marker and not c.ready.is_set()]
                if not web_ready:
                    waiting.insert(0, "web")
                return f"Not ready after {READY_TIMEOUT_SECONDS} s: {', '.join(waiting)}. See the output above."
            self._stop.wait(0.2)
        return None

    def _print_banner(self, base_url: str, seconds: float):
        cluster_names = {spec.slug: spec.region for spec in demo_data.CLUSTERS}
        first = demo_data.CLUSTERS[0].slug
        lines = [
            "",
            "=" * 78,
            f"Cluster platform demo is running (started in {seconds:.0f} s).",
            "",
            f"  Open              {base_url}/",
            f"  Apply to join     {base_url}/apply/{first}/",
            f"  API docs          {base_url}/api/v1/docs/",
            f"  Admin             {base_url}/admin/  (superuser: .venv/bin/python manage.py createsuperuser)",
            "",
            f"  Demo logins, password \"{demo_data.DEMO_PASSWORD}\":",
        ]
        for user in demo_data.DEMO_USERS:
            role = "organization admin" if user.role == "admin" else user.role
            lines.append(f"    {user.username:<13} {role:<19} {cluster_names[user.cluster_slug]}")
        lines += [
            "",
            "  Emails (invitations, decisions) are printed by the worker below.",
            "  Press Ctrl-C to stop.",
            "=" * 78,
            "",
        ]
        self._say("\n".join(lines))

    # --- running --------------------------------------------------------------------------------

    def _supervise(self) -> str | None:
        while not self._stop.is_set():
            failure = self._dead_child()
            if failure:
                return failure
            self._stop.wait(0.5)
        return None

    def _dead_child(self) -> str | None:
        for child in self.children:
            code = child.process.poll() if child.process else None
            if code is not None:
                child.drain()
                self._stop_reason = f"the {child.name} process stopped"
                return f"The {child.name} process exited with code {code}; see its output above. The demo was stopped."
        return None

    # --- stopping ---------------------------------------------------------------------------------

    def _stop_children(self):
        started = [child for child in self.children if child.process is not None]
        if not started:
            return
        self._say("Stopping the web server, the worker and beat...")
        for child in reversed(started):  # beat first: nothing new is scheduled while the worker ends
            if child.running:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while any(child.running for child in started) and time.monotonic() < deadline and not self._force:
            time.sleep(0.1)
        for child in started:
            if child.running:
                self._say(f"The {child.name} process did not stop in time: killing it.")
            # Also whatever it left behind in its group (a worker's pool processes).
            if child.running or child.group_alive():
                child.signal_group(signal.SIGKILL)
            child.process.wait()
            child.drain()
            child.process.stdout.close()

    def _stop_embedded_servers(self):
        connections.close_all()
        if not os.environ.get("CELERY_BROKER_URL"):
            embedded.stop_redis()
            self._say("Stopped the embedded Redis.")
        if not os.environ.get("DATABASE_URL"):
            embedded.stop_postgres()
            self._say("Stopped the embedded PostgreSQL.")

    def _say(self, text: str):
        with self._output_lock:
            try:
                self.stdout.write(text)
                self.stdout.flush()
            except (BrokenPipeError, ValueError):
                pass  # the terminal went away; keep stopping the processes


def _answers(addr: str, port: int) -> bool:
    try:
        with socket.create_connection((addr, port), timeout=0.5):
            return True
    except OSError:
        return False


def _can_bind(addr: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((addr, port))
        except OSError:
            return False
    return True
