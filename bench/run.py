"""`make bench`: the platform under gunicorn on loopback, driven by wrk, against a seeded database.

    python -m bench --scale national|region|small --duration SECONDS --connections N --out bench/results.md

One run: creates (or reuses) the scale's database, starts gunicorn with the bench settings (the
worker set-up chosen by measurement unless --workers names one), drives every endpoint in turn for
--duration seconds with --connections connections, then measures the quarterly indicators
(reports/indicators.py against bench/hand_sql.py) and the summary PDF of the largest cluster in
fresh processes, and prints one Markdown report, also written to --out. Targets are ratios within
the run and are shown as pass or miss; the exit code is non-zero only on errors (a non-2xx answer
or a socket error under load, figures that disagree, a step that failed), never on a missed target.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import database
from .load import Target, driver
from .server import Gunicorn, Workers

SCALES = ("national", "region", "small")
WORKER_CANDIDATES = ("sync:2", "sync:3", "gthread:2x4")
PAGE_RATIO = 3.0
DEEP_RATIO = 1.2
INDICATOR_RATIO = 1.5
INDICATOR_SECONDS = 2.0
PDF_SECONDS = 15.0
PDF_MB = 500.0
PEOPLE_RPS = 200.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="national")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--out", default="bench/results.md", help="the Markdown report (default bench/results.md)")
    parser.add_argument("--json", help="also write every figure as JSON here")
    parser.add_argument("--workers", default="auto",
                        help="gunicorn workers: auto (measure %s), or e.g. sync:3, gthread:2x4"
                             % ", ".join(WORKER_CANDIDATES))
    parser.add_argument("--database", help="database name (default <DATABASE_URL's name>_bench_<scale>)")
    parser.add_argument("--cluster", help="the cluster to measure (default: the scale's largest)")
    parser.add_argument("--template", help="create a missing database as a copy of this migrated one")
    parser.add_argument("--reseed", action="store_true", help="seed again even when the database is seeded")
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is (no seeding)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--as-owner", action="store_true",
                        help="serve and measure as the tables' owner, whom row-level security does not hold: "
                             "compared with a normal run, the cost of the policies")
    parser.add_argument("--driver", choices=["wrk", "builtin"], default="wrk")
    parser.add_argument("--no-install", action="store_true", help="do not try to install wrk")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the indicators in each process (default 3)")
    parser.add_argument("--statement-timeout", type=int, default=120,
                        help="seconds a statement of the server or a measurement may run before PostgreSQL "
                             "cancels it, failing its row (default 120; 0: none)")
    return parser.parse_args(argv)


_STARTED = time.monotonic()


def say(text: str = "") -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {text}" if text else "", flush=True)


class Errors(list):
    def add(self, text: str) -> None:
        say(f"ERROR: {text}")
        self.append(text)


# --- Steps -------------------------------------------------------------------------------------

def prepare_database(args, server: database.Server, name: str) -> dict:
    made = "reused"
    if not database.exists(server, name):
        made = database.create(server, name, template=args.template)
        say(f"database {name}: {made}")
    if not made.startswith("copied"):  # a template is a migrated database already
        say(f"database {name}: migrating")
        database.migrate(name)
    os.environ.update(DJANGO_SETTINGS_MODULE=database.SETTINGS_MODULE, BENCH_DATABASE_NAME=name)
    import django

    django.setup()
    if args.no_seed:
        return {"made": made, "seeded": "as it was (--no-seed)", "counts": database.row_counts(server, name)}
    from cluster_platform.scale import DEFAULT_SEED, Scale

    # What the seeder makes of the scale: its counts and seed (the dates follow the day it ran).
    parameters = f"{Scale.named(args.scale)!r} seed={DEFAULT_SEED}"
    marker = None if args.reseed else database.seeded_as(server, name, scale=args.scale, parameters=parameters)
    if marker:
        say(f"database {name}: already seeded at {args.scale} scale on {marker['seeded_at']}, reused")
        return {"made": made, "seeded": f"reused (seeded {marker['seeded_at']})", "counts": marker["counts"]}
    say(f"database {name}: seeding at {args.scale} scale (replace=True); national scale takes minutes")
    seeded = measure(name, "seed", "--scale", args.scale)
    counts = database.row_counts(server, name)
    database.write_marker(server, name, scale=args.scale, parameters=parameters, counts=counts)
    return {"made": made, "seeded": f"seeded in {seeded['seconds']} s", "counts": counts}


def measure(name: str, what: str, *arguments: str, statement_timeout: int = 0) -> dict:
    """A measurement in a fresh process (bench/measure.py); its JSON answer."""
    with tempfile.NamedTemporaryFile(suffix=".json", prefix="bench-", delete=False) as handle:
        out = handle.name
    try:
        subprocess.run([sys.executable, "-m", "bench.measure", what, *arguments, "--out", out],
                       cwd=database.BASE_DIR, check=True,
                       env=database.environment(name, BENCH_STATEMENT_TIMEOUT=str(statement_timeout)))
        with open(out) as answer:
            return json.load(answer)
    finally:
        os.unlink(out)


def targets_of(plan, base_url: str) -> dict[str, Target]:
    return {endpoint.key: Target(url=base_url + endpoint.path, headers=plan.headers[endpoint.auth],
                                 method=endpoint.method, bodies=endpoint.bodies)
            for endpoint in plan.endpoints}


def preflight(plan, web: Gunicorn, times: int, timeout: float) -> list[str]:
    """Each endpoint asked a few times, one by one: it must answer 2xx with the expected type (a
    redirect to the sign-in page would otherwise be measured as a fast page). Warms every worker."""
    problems = []
    for endpoint in plan.endpoints:
        headers = plan.headers[endpoint.auth]
        for attempt in range(times):
            body = None
            if endpoint.bodies:
                body = endpoint.bodies[-1 - attempt % len(endpoint.bodies)].encode()
                headers = {**headers, "Content-Type": "application/json"}
            connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)
            try:
                connection.request(endpoint.method, endpoint.path, body=body, headers=headers)
                answer = connection.getresponse()
                content = answer.read()
                kind = answer.getheader("Content-Type", "")
            except TimeoutError:
                problems.append(f"{endpoint.key} {endpoint.method} {endpoint.path}: no answer within {timeout:.0f} s")
                break
            finally:
                connection.close()
            expected = "text/html" if endpoint.auth.endswith("session") else "application/json"
            if not 200 <= answer.status <= 299 or expected not in kind:
                problems.append(f"{endpoint.key} {endpoint.method} {endpoint.path}: {answer.status} {kind} "
                                f"{content[:200]!r}")
                break
    return problems


def choose_workers(args, plan, load) -> tuple[Workers, list[dict]]:
    if args.workers != "auto":
        return Workers.parse(args.workers), []
    seconds = max(2.0, min(5.0, args.duration / 2))
    trials = []
    for text in WORKER_CANDIDATES:
        workers = Workers.parse(text)
        with Gunicorn(plan.database, workers, statement_timeout=args.statement_timeout) as web:
            web.wait_ready()
            problems = preflight_one(plan, web, "people_api", workers.count + 1, request_timeout(args))
            result = load.run(targets_of(plan, web.base_url)["people_api"], duration=seconds,
                              connections=args.connections, threads=args.threads, timeout=request_timeout(args))
        trials.append({"workers": str(workers), "describe": workers.describe(), "rps": result.rps,
                       "p95_ms": result.p95_ms, "ok": not result.failed and not problems})
        say(f"  workers {workers.describe()}: {result.rps:.0f} rps, p95 {result.p95_ms:.0f} ms on the members API")
    usable = [trial for trial in trials if trial["ok"]] or trials
    best = max(usable, key=lambda trial: trial["rps"])
    return Workers.parse(best["workers"]), trials


def preflight_one(plan, web, key, times, timeout):
    one = type(plan)(**{**plan.__dict__, "endpoints": [e for e in plan.endpoints if e.key == key]})
    return preflight(one, web, times, timeout)


def request_timeout(args) -> float:
    """How long the load waits for one answer: past the statement timeout, the server has failed it."""
    return args.statement_timeout + 15 if args.statement_timeout else 600


def reports_made_since(cluster_id: int, after_id: int, *, delete: bool) -> int:
    from cluster_platform import rls
    from reports.models import Report

    with rls.platform_scope():
        made = Report.objects.for_cluster(cluster_id).filter(pk__gt=after_id)
        count = made.count()
        if delete:
            made.delete()
    return count


def last_report_id(cluster_id: int) -> int:
    from django.db.models import Max

    from cluster_platform import rls
    from reports.models import Report

    with rls.platform_scope():
        return Report.objects.for_cluster(cluster_id).aggregate(m=Max("pk"))["m"] or 0


def purge_bench_queue() -> int:
    from django.conf import settings

    from cluster_platform.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE) or 0


def run_http(args, plan, load, workers: Workers, errors: Errors) -> tuple[dict, dict, dict]:
    """Every endpoint under load, in the plan's order, each held to the baseline measured just
    before it: (results, notes, the baseline beside each endpoint)."""
    results, notes, beside_baseline = {}, {}, {}
    before = before_load = last_report_id(plan.cluster_id)
    try:
        with Gunicorn(plan.database, workers, statement_timeout=args.statement_timeout) as web:
            web.wait_ready()
            problems = preflight(plan, web, times=workers.count + 1, timeout=request_timeout(args))
            for problem in problems:
                errors.add(f"preflight: {problem}\n{web.log_tail(2000)}")
            targets = targets_of(plan, web.base_url)
            before_load = last_report_id(plan.cluster_id)
            for endpoint in plan.endpoints:
                if any(problem.startswith(endpoint.key + " ") for problem in problems):
                    continue
                web.settle()
                if endpoint.target == "baseline":
                    # The baseline again, just before: its p95 is what this endpoint is held to.
                    # One baseline for the whole run was seen to swing 11 -> 18 ms between two
                    # runs of the same code, and every ratio with it.
                    beside = load.run(targets["baseline"], duration=max(1.0, args.duration / 2),
                                      connections=args.connections, threads=args.threads,
                                      timeout=request_timeout(args))
                    if beside.failed:
                        errors.add(f"baseline before {endpoint.key}: {beside.non2xx} non-2xx answers, socket "
                                   f"errors {beside.errors}\n{web.log_tail(1500)}")
                    else:
                        beside_baseline[endpoint.key] = beside
                    web.settle()
                result = load.run(targets[endpoint.key], duration=args.duration, connections=args.connections,
                                  threads=args.threads, timeout=request_timeout(args))
                results[endpoint.key] = result
                say(f"  {endpoint.label:<40} p50 {result.p50_ms:8.1f} ms  p95 {result.p95_ms:8.1f} ms  "
                    f"{result.rps:8.1f} rps  ({result.requests} requests)")
                if result.failed:
                    errors.add(f"{endpoint.key}: {result.non2xx} non-2xx answers (first {result.first_non2xx_status}), "
                               f"socket errors {result.errors}, {result.requests} requests\n{web.log_tail(1500)}")
    finally:
        made_by_load = reports_made_since(plan.cluster_id, before_load, delete=False)
        made = reports_made_since(plan.cluster_id, before, delete=True)
        try:
            purged = purge_bench_queue()
        except Exception as error:  # the broker went away: say so, the rows are deleted all the same
            purged = 0
            errors.add(f"could not purge the bench's task queue: {error!r}")
    notes["queue"] = {"reports_made": made, "reports_made_by_load": made_by_load, "messages_purged": purged}
    requests = results.get("report_request")
    if requests is not None:
        periods = len(next(e for e in plan.endpoints if e.key == "report_request").bodies)
        notes["report_request"] = (
            f"each request names another month, quarter or year ({periods} periods): "
            f"{made_by_load:,} of the {requests.requests:,} requests queued a report (201) and "
            f"{max(0, requests.requests - made_by_load):,} met a report of their period already queued (200 with "
            f"it, what a user asking twice meets); afterwards {purged} task messages were purged from the bench's "
            f"own queue and the {made} reports of the run (warm-up included) deleted")
    return results, notes, beside_baseline


# --- The report --------------------------------------------------------------------------------

def _ms(value: float) -> str:
    return f"{value:,.1f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**miss**"


def machine_facts(args, server, plan, workers, load_description, trials, db_info) -> list[tuple[str, str]]:
    import django
    import gunicorn

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    facts = [
        ("date", datetime.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("cores", f"{os.cpu_count()} ({cpu})" if cpu else str(os.cpu_count())),
        ("memory", memory),
        ("load average at the end", ", ".join(f"{value:.2f}" for value in os.getloadavg())),
        ("PostgreSQL", server.version()),
        ("Python / Django / gunicorn", f"{platform.python_version()} / {django.get_version()} / {gunicorn.__version__}"),
        ("scale", args.scale),
        ("database role", "the tables' owner: row-level security NOT applied (--as-owner)" if args.as_owner
         else f"{server.app_user}, held by row-level security as in production"),
        ("database", f"{plan.database} ({db_info['made']}; {db_info['seeded']})"),
        ("cluster measured", f"{plan.slug} (id {plan.cluster_id}): {plan.facts['organizations']:,} organizations, "
                             f"{plan.facts['people']:,} people"),
        ("users", f"{plan.coordinator} (coordinator), {plan.school_admin} (admin of {plan.school})"),
        ("gunicorn workers", workers.describe() + (" (chosen by measurement: " + "; ".join(
            f"{t['describe']} {t['rps']:.0f} rps" for t in trials) + ")" if trials else " (as asked)")),
        ("load tool", load_description),
        ("load", f"{args.duration:g} s per endpoint, {args.connections} connections, "
                 f"{min(args.threads, args.connections)} load threads; server, database and load tool on this machine"),
        ("statement timeout", f"{args.statement_timeout} s for the server and the measurements (a statement "
                              "running longer is cancelled and fails its row)" if args.statement_timeout else "none"),
    ]
    return facts


def render(args, plan, results, notes, figures, facts, counts, beside_baseline) -> tuple[str, list[dict]]:
    baseline = results.get("baseline")
    page_one = results.get("people_api")
    lines = [f"# Benchmark: {args.scale} scale, cluster {plan.slug}", "",
             "## HTTP endpoints", "",
             "Each endpoint is held to the baseline measured just before it (for half as long): the "
             "baseline's p95 drifts during a run and between runs, and a ratio to a figure taken minutes "
             "earlier carries that drift.", "",
             "| endpoint | p50 ms | p95 ms | p99 ms | req/s | requests | baseline p95 ms | p95 / baseline p95 | target "
             "| result |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    checks = []
    for endpoint in plan.endpoints:
        result = results.get(endpoint.key)
        label = f"{endpoint.label} `{endpoint.method} {endpoint.path}`"
        if endpoint.note:
            label += f" ({endpoint.note})"
        if result is None:
            lines.append(f"| {label} | – | – | – | – | – | – | – | – | **FAILED** (see errors) |")
            checks.append({"target": endpoint.key, "ok": False, "error": True})
            continue
        reference = beside_baseline.get(endpoint.key) or baseline
        base_p95 = reference.p95_ms if reference else None
        ratio = result.p95_ms / base_p95 if base_p95 else None
        target, ok = "reference", True
        if endpoint.target == "baseline":
            target, ok = f"p95 ≤ {PAGE_RATIO:g}× baseline", ratio is not None and ratio <= PAGE_RATIO
        elif endpoint.target == "page-1" and page_one is not None:
            deep = result.p95_ms / page_one.p95_ms if page_one.p95_ms else None
            target = f"p95 ≤ {DEEP_RATIO:g}× page 1 (is {_ratio(deep)})"
            ok = deep is not None and deep <= DEEP_RATIO
            checks.append({"target": "deep page vs page 1", "value": deep, "limit": DEEP_RATIO, "ok": ok})
        if endpoint.key == "people_api":
            target += f"; ≥ {PEOPLE_RPS:g} req/s"
            checks.append({"target": "members list API req/s", "value": result.rps, "limit": PEOPLE_RPS,
                           "ok": result.rps >= PEOPLE_RPS, "op": "≥"})
            ok = ok and result.rps >= PEOPLE_RPS
        if endpoint.target == "baseline":
            checks.append({"target": f"{endpoint.key} p95 / baseline", "value": ratio, "limit": PAGE_RATIO,
                           "ok": ratio is not None and ratio <= PAGE_RATIO})
        verdict = "**FAILED**" if result.failed else ("–" if target == "reference" else _verdict(ok))
        lines.append(f"| {label} | {_ms(result.p50_ms)} | {_ms(result.p95_ms)} | {_ms(result.p99_ms)} | "
                     f"{result.rps:,.1f} | {result.requests:,} | {_ms(base_p95) if base_p95 else '–'} | "
                     f"{_ratio(ratio)} | {target} | {verdict} |")
    for key, note in notes.items():
        if isinstance(note, str):
            lines += ["", f"*{key}*: {note}."]

    lines += ["", "## Quarterly indicators and the summary PDF (largest cluster, fresh processes)", "",
              "| measurement | time | peak memory (RSS) | target | result |", "|---|---:|---:|---|---|"]
    ind, hand, pdf = figures.get("indicators"), figures.get("hand"), figures.get("pdf")
    after = []
    for label, failed in (("indicators via reports/indicators.py", ind), ("the same figures by hand SQL", hand),
                          ("summary PDF", pdf)):
        if failed and failed.get("error"):
            lines.append(f"| {label}, {failed['period']} | – | {failed['peak_mb']:.0f} MB | – | **FAILED**: "
                         f"{failed['error']} |")
            checks.append({"target": label, "ok": False, "error": True})
    ind, hand, pdf = ((None if not value or value.get("error") else value) for value in (ind, hand, pdf))
    ratio = ind["median"] / hand["median"] if ind and hand and hand["median"] else None
    if ind:
        ok_ratio = ratio is not None and ratio <= INDICATOR_RATIO
        ok_time = ind["median"] < INDICATOR_SECONDS
        lines.append(f"| indicators of {ind['period']} via reports/indicators.py (median of {len(ind['seconds'])} "
                     f"runs; first {ind['first']:.3f} s) | {ind['median']:.3f} s | {ind['peak_mb']:.0f} MB "
                     f"(after set-up {ind['setup_mb']:.0f} MB) | ≤ {INDICATOR_RATIO:g}× hand SQL (is {_ratio(ratio)}) "
                     f"and < {INDICATOR_SECONDS:g} s | {_verdict(ok_ratio and ok_time)} |")
        if hand:
            checks.append({"target": "indicators / hand SQL", "value": ratio, "limit": INDICATOR_RATIO,
                           "ok": ok_ratio})
        checks.append({"target": "indicators seconds", "value": ind["median"], "limit": INDICATOR_SECONDS,
                       "ok": ok_time, "op": "<"})
    if hand:
        lines.append(f"| the same figures by hand-written SQL, bench/hand_sql.py (median of {len(hand['seconds'])} "
                     f"runs; first {hand['first']:.3f} s) | {hand['median']:.3f} s | {hand['peak_mb']:.0f} MB "
                     f"(after set-up {hand['setup_mb']:.0f} MB) | reference | – |")
    if ind and hand:
        differences = figures.get("differences")
        after.append(f"Figures compared: {len(hand['figures'])} (the key figures and the PDF's breakdowns; "
                     "indicators.py also computes flow series, spread generations and by-kind splits that the "
                     "hand SQL does not). " + (
                         "indicators.py and the hand SQL agree on every one." if differences == [] else
                         "**They DISAGREE**: " + "; ".join(differences or ["not compared"])))
    if pdf:
        ok_pdf = pdf["seconds"] < PDF_SECONDS and pdf["peak_mb"] < PDF_MB
        lines.append(f"| summary PDF of {pdf['period']} ({pdf['language']}) as the report task builds it "
                     f"(reports.tasks.build: snapshot, then reports.rendering): {pdf['pages']} pages, "
                     f"{pdf['bytes'] / 1024:,.0f} KiB, {pdf['districts']} districts; of which snapshot "
                     f"{pdf['snapshot_seconds']:.2f} s, render {pdf['render_seconds']:.2f} s | "
                     f"{pdf['seconds']:.2f} s | {pdf['peak_mb']:.0f} MB (after set-up {pdf['setup_mb']:.0f} MB) | "
                     f"< {PDF_SECONDS:g} s and < {PDF_MB:g} MB | {_verdict(ok_pdf)} |")
        checks.append({"target": "PDF seconds", "value": pdf["seconds"], "limit": PDF_SECONDS,
                       "ok": pdf["seconds"] < PDF_SECONDS, "op": "<"})
        checks.append({"target": "PDF peak MB", "value": pdf["peak_mb"], "limit": PDF_MB, "ok": pdf["peak_mb"] < PDF_MB,
                       "op": "<"})
    if after:
        lines += ["", *after]

    passed = sum(1 for check in checks if check.get("ok"))
    lines += ["", f"## Targets: {passed} of {len(checks)} met", "", "| target | measured | limit | result |",
              "|---|---:|---:|---|"]
    for check in checks:
        value, limit = check.get("value"), check.get("limit")
        shown = "–" if value is None else f"{value:,.2f}"
        lines.append(f"| {check['target']} | {shown} | {check.get('op', '≤')} {limit:g} | "
                     f"{_verdict(check.get('ok', False))} |" if limit is not None else
                     f"| {check['target']} | – | – | **FAILED** |")
    lines += ["", "## Machine and data", ""]
    lines += [f"- {name}: {value}" for name, value in facts]
    lines += ["", "| table | rows |", "|---|---:|"]
    lines += [f"| {table} | {count:,} |" for table, count in counts.items()]
    return "\n".join(lines) + "\n", checks


def main(argv=None) -> int:
    args = parse_args(argv)
    # Stopped from outside (kill, a test's timeout): the finally clauses still stop gunicorn and
    # drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    errors = Errors()
    started = time.monotonic()
    server = database.Server.from_settings()
    name = args.database or server.default_name(args.scale)
    say(f"bench: {args.scale} scale on database {name} ({server.host or 'local socket'})")
    results, notes, figures, trials, plan = {}, {}, {}, [], None
    try:
        db_info = prepare_database(args, server, name)
        if args.as_owner:
            # Every process started from here on (gunicorn, the measurements) connects as the owner.
            os.environ["DATABASE_URL"] = server.url(name, owner=True)
        from . import plan as planning

        plan = planning.build(scale=args.scale, slug=args.cluster)
        plan.database = name
        load, load_description = driver(prefer_wrk=args.driver == "wrk", install=not args.no_install)
        say(f"load tool: {load_description}")
        if args.workers == "auto":
            say("choosing the gunicorn workers by measurement:")
        workers, trials = choose_workers(args, plan, load)
        say(f"gunicorn: {workers.describe()} on 127.0.0.1; {len(plan.endpoints)} endpoints, "
            f"{args.duration:g} s each, {args.connections} connections")
        results, notes, beside_baseline = run_http(args, plan, load, workers, errors)

        say("quarterly indicators: reports/indicators.py, then the hand-written SQL, each in a fresh process")
        for key, what in (("indicators", "indicators"), ("hand", "hand-sql")):
            figures[key] = measure(name, what, "--cluster", plan.slug, "--repeat", str(args.repeat),
                                   statement_timeout=args.statement_timeout)
            if figures[key].get("error"):
                errors.add(f"{what}: {figures[key]['error']}")
        if not figures["indicators"].get("error") and not figures["hand"].get("error"):
            from .hand_sql import differences

            figures["differences"] = differences(figures["indicators"]["figures"], figures["hand"]["figures"])
            for line in figures["differences"]:
                errors.add(f"figures disagree: {line}")
        say("summary PDF: a fresh process, as the report task")
        figures["pdf"] = measure(name, "pdf", "--cluster", plan.slug, statement_timeout=args.statement_timeout)
        if figures["pdf"].get("error"):
            errors.add(f"summary PDF: {figures['pdf']['error']}")

        from django.db import connections

        connections.close_all()
        facts = machine_facts(args, server, plan, workers, f"{load.describe()}; {load_description}", trials,
                              db_info)
        counts = database.row_counts(server, name)
        report, checks = render(args, plan, results, notes, figures, facts, counts, beside_baseline)
        if errors:
            report += "\n## Errors\n\n" + "\n".join(f"- {error.splitlines()[0]}" for error in errors) + "\n"
        report += f"\nWhole run: {time.monotonic() - started:.0f} s.\n"
        say()
        print(report, flush=True)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
        say(f"written to {out}")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "scale": args.scale, "cluster": plan.slug, "workers": str(workers), "trials": trials,
                "endpoints": [{**endpoint.__dict__, "bodies": len(endpoint.bodies),
                               "result": results[endpoint.key].__dict__ if endpoint.key in results else None,
                               "baseline_beside": beside_baseline[endpoint.key].__dict__
                               if endpoint.key in beside_baseline else None}
                              for endpoint in plan.endpoints],
                "notes": notes, "indicators": figures.get("indicators"), "hand": figures.get("hand"),
                "differences": figures.get("differences"), "pdf": figures.get("pdf"), "checks": checks,
                "facts": dict(facts), "counts": counts, "errors": list(errors),
            }, default=str, indent=1))
    except subprocess.CalledProcessError as error:
        errors.add(f"a step failed: {' '.join(map(str, error.cmd))} exited with {error.returncode}")
    finally:
        if args.drop:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # Django never set up: nothing to close
                pass
            database.drop(server, name)
            say(f"database {name}: dropped")
    return 1 if errors else 0
