"""The platform under gunicorn on 127.0.0.1, with the bench settings, stopped by its own pid."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .database import BASE_DIR, environment


@dataclass(frozen=True)
class Workers:
    """A gunicorn worker set-up, written `sync:2` or `gthread:2x4` (class:workers[xthreads])."""

    kind: str
    count: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> Workers:
        kind, _, size = text.partition(":")
        count, _, threads = size.partition("x")
        if kind not in ("sync", "gthread") or not count.isdigit() or (threads and not threads.isdigit()):
            raise ValueError(f"workers as sync:N or gthread:NxT, not {text!r}")
        return cls(kind, int(count), int(threads or (4 if kind == "gthread" else 1)))

    def __str__(self) -> str:
        return f"{self.kind}:{self.count}" + (f"x{self.threads}" if self.kind == "gthread" else "")

    def describe(self) -> str:
        if self.kind == "gthread":
            return f"{self.count} gthread workers x {self.threads} threads"
        return f"{self.count} sync workers"

    def arguments(self) -> list[str]:
        arguments = ["--workers", str(self.count), "--worker-class", self.kind]
        if self.kind == "gthread":
            arguments += ["--threads", str(self.threads)]
        return arguments


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, database: str, workers: Workers, *, statement_timeout: int = 0):
        self.workers = workers
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [str(gunicorn), "cluster_platform.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             *workers.arguments(), "--timeout", str(statement_timeout + 30 if statement_timeout else 120),
             "--graceful-timeout", "5", "--backlog", "2048", "--log-level", "warning"],
            cwd=BASE_DIR, env=environment(database, BENCH_STATEMENT_TIMEOUT=str(statement_timeout)),
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settle(self, timeout: float = 60, quick: float = 0.05) -> None:
        """Wait until the requests of the last load are served: a request joins the end of the
        listen queue, so two quick /healthz answers in a row mean nothing is left waiting (the
        next endpoint's figures do not carry the previous one's backlog)."""
        deadline = time.monotonic() + timeout
        quick_in_a_row = 0
        while time.monotonic() < deadline and quick_in_a_row < 2:
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                connection.request("GET", "/healthz")
                connection.getresponse().read()
            except OSError:
                time.sleep(0.2)
                continue
            finally:
                connection.close()
            quick_in_a_row = quick_in_a_row + 1 if time.monotonic() - started < quick else 0

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, size: int = 4000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-size:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
