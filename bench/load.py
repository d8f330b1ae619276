"""Driving one endpoint for a while: wrk with a Lua script whose done() prints the figures as
JSON, or, when wrk cannot be found or installed, a small built-in driver (threads, each with a
keep-alive http.client connection). Both report the same figures: requests, requests per
second, p50/p95/p99 latency, non-2xx answers and socket errors."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MARK = "BENCH_JSON "

# Shared by every endpoint: count the answers that are not 2xx (wrk's own `errors.status` counts
# only 4xx and 5xx, a redirect to the sign-in page would pass), and print everything as JSON.
_LUA_COMMON = r"""
local threads = {}
local created = 0

function setup(thread)
    thread:set("id", created)
    created = created + 1
    table.insert(threads, thread)
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = (non2xx or 0) + 1
        if first_bad == nil then first_bad = status end
    end
end

function done(summary, latency, requests)
    local bad, first = 0, 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("non2xx") or 0)
        if first == 0 and thread:get("first_bad") ~= nil then first = thread:get("first_bad") end
    end
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        '%s{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
        '"max_ms": %.3f, "non2xx": %d, "first_non2xx_status": %d, "errors": {"connect": %d, "read": %d, ' ..
        '"write": %d, "timeout": %d}}\n',
        "MARK", summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, bad, first, e.connect, e.read, e.write, e.timeout))
end
""".replace('"MARK"', json.dumps(MARK))

# Requests with a body: each thread walks the list from its own offset, so the threads do not
# repeat one another (BENCH_THREADS: how many there are).
_LUA_BODIES = r"""
function init(args)
    bodies = {}
    for body in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^\n]+") do table.insert(bodies, body) end
    stride = tonumber(os.getenv("BENCH_THREADS") or "1")
    sent = 0
    wrk.method = os.getenv("BENCH_METHOD") or "POST"
    wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end

function request()
    local body = bodies[(id + sent * stride) % #bodies + 1]
    sent = sent + 1
    return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class Target:
    """One endpoint to drive."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)
    content_type: str = "application/json"


@dataclass
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    first_non2xx_status: int
    errors: dict

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def failed(self) -> bool:
        return self.non2xx > 0 or self.socket_errors > 0 or self.requests == 0


def find_wrk(install: bool = True) -> tuple[str | None, str]:
    """wrk's path, installing Debian's package when allowed and possible; and what happened."""
    path = shutil.which("wrk")
    if path:
        return path, "found"
    if install and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
        if sudo is not None:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            installed = subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env,
                                       capture_output=True, text=True)
            if installed.returncode != 0:
                subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, capture_output=True)
                installed = subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env,
                                           capture_output=True, text=True)
            path = shutil.which("wrk")
            if path:
                return path, "installed with apt-get"
    return None, "not found and could not be installed"


class Wrk:
    name = "wrk"

    def __init__(self, path: str):
        self.path = path
        self.version = subprocess.run([path, "-v"], capture_output=True, text=True).stdout.splitlines()[0:1]

    def describe(self) -> str:
        return (self.version[0].split(" [")[0] if self.version else "wrk") + " (Lua done() reports the percentiles)"

    def run(self, target: Target, *, duration: float, connections: int, threads: int = 2,
            timeout: float = 60) -> Result:
        threads = max(1, min(threads, connections))
        script = _LUA_COMMON + (_LUA_BODIES if target.bodies else "")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-", delete=False) as handle:
            handle.write(script)
        env = {**os.environ, "BENCH_BODIES": "\n".join(target.bodies), "BENCH_THREADS": str(threads),
               "BENCH_METHOD": target.method, "BENCH_CONTENT_TYPE": target.content_type}
        command = [self.path, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
                   "--timeout", f"{max(1, round(timeout))}s", "-s", handle.name]
        for name, value in target.headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(target.url)
        try:
            finished = subprocess.run(command, capture_output=True, text=True, env=env,
                                      timeout=duration + timeout + 60)
        finally:
            os.unlink(handle.name)
        for line in finished.stdout.splitlines():
            if line.startswith(MARK):
                return Result(**json.loads(line[len(MARK):]))
        raise RuntimeError(f"wrk printed no figures (exit {finished.returncode}):\n{finished.stdout}\n{finished.stderr}")


class BuiltinDriver:
    """The fallback: `connections` threads, each with one keep-alive connection, asking without
    pause for `duration` seconds. Python's threads share one core's worth of interpreter, so the
    requests per second it reaches are a floor, not the server's ceiling."""

    name = "built-in driver"

    def describe(self) -> str:
        return "built-in driver (Python threads, keep-alive http.client)"

    def run(self, target: Target, *, duration: float, connections: int, threads: int = 2,
            timeout: float = 60) -> Result:
        parts = urlsplit(target.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        latencies: list[float] = []
        counts = {"non2xx": 0, "first": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
        lock = threading.Lock()
        deadline = time.monotonic() + duration

        def worker(index: int):
            connection, sent, mine = None, 0, []
            while time.monotonic() < deadline:
                headers = dict(target.headers)
                body = None
                if target.bodies:
                    body = target.bodies[(index + sent * connections) % len(target.bodies)].encode()
                    headers["Content-Type"] = target.content_type
                sent += 1
                started = time.perf_counter()
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                    connection.request(target.method, path, body=body, headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                    status = answer.status
                    if answer.will_close:
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException) as error:
                    kind = "timeout" if isinstance(error, TimeoutError) else (
                        "connect" if isinstance(error, ConnectionRefusedError) else "read")
                    with lock:
                        counts[kind] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                    continue
                mine.append(time.perf_counter() - started)
                if not 200 <= status <= 299:
                    with lock:
                        counts["non2xx"] += 1
                        counts["first"] = counts["first"] or status
            if connection is not None:
                connection.close()
            with lock:
                latencies.extend(mine)

        started = time.monotonic()
        workers = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        elapsed = time.monotonic() - started
        latencies.sort()

        def percentile(p: float) -> float:
            if not latencies:
                return 0.0
            return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] * 1000

        return Result(requests=len(latencies), seconds=round(elapsed, 3), rps=round(len(latencies) / elapsed, 2),
                      p50_ms=percentile(50), p95_ms=percentile(95), p99_ms=percentile(99),
                      max_ms=(latencies[-1] * 1000 if latencies else 0.0), non2xx=counts["non2xx"],
                      first_non2xx_status=counts["first"],
                      errors={key: counts[key] for key in ("connect", "read", "write", "timeout")})


def driver(*, prefer_wrk: bool = True, install: bool = True):
    """wrk when it can be had, else the built-in driver; and a sentence on how it was found."""
    if prefer_wrk:
        path, how = find_wrk(install=install)
        if path:
            return Wrk(path), f"wrk {how} at {path}"
        return BuiltinDriver(), f"wrk {how}: FALLING BACK to the built-in driver"
    return BuiltinDriver(), "the built-in driver, as asked (--driver builtin)"
