"""The measurements that run in a fresh process of their own (so its peak memory is theirs alone,
as a worker recycled after each task would be): seeding, the quarterly indicators through
reports/indicators.py, the same figures by hand-written SQL (bench/hand_sql.py), and the summary
PDF through the report task's own steps (reports.tasks.build: the snapshot, then
reports.rendering). Each writes its figures as JSON to --out.

    python -m bench.measure seed --scale small --out f.json
    python -m bench.measure indicators --cluster small-a --repeat 3 --out f.json
    python -m bench.measure hand-sql --cluster small-a --repeat 3 --out f.json
    python -m bench.measure pdf --cluster small-a --out f.json

Run with DJANGO_SETTINGS_MODULE=cluster_platform.settings.bench and BENCH_DATABASE_NAME
(bench.database.environment)."""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import sys
import time


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def quarter(today=None):
    """The last quarter that has ended: what the beat reports on at the start of a quarter."""
    from django.utils import timezone

    from reports import periods

    return periods.last_ended(periods.QUARTER, today or timezone.localdate())


def _cluster(slug: str):
    # members_cluster has no row-level security; its centre (an organization) is read later,
    # inside the cluster's scope, as the report task reads it.
    from members.models import Cluster

    return Cluster.objects.get(slug=slug)


def _timed(function, repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        seconds.append(round(time.perf_counter() - started, 4))
    return seconds, result


def seed(args) -> dict:
    from cluster_platform.scale import Scale
    from cluster_platform.scale import seed as run_seed

    started = time.perf_counter()
    rows = run_seed(Scale.named(args.scale), replace=True)
    return {"seconds": round(time.perf_counter() - started, 1), "rows": dict(rows)}


def indicators(args) -> dict:
    from django.db import connection

    from cluster_platform import rls
    from reports import indicators as figures

    from . import hand_sql

    cluster = _cluster(args.cluster)
    period = quarter()
    connection.ensure_connection()
    setup_mb = peak_rss_mb()
    with rls.cluster_scope(cluster.pk):
        if args.what == "indicators":
            seconds, result = _timed(lambda: figures.indicators(cluster, period.start, period.end), args.repeat)
            compared = hand_sql.from_indicators(result)
        else:
            seconds, compared = _timed(lambda: hand_sql.figures(cluster.pk, period.start, period.end), args.repeat)
    return {"period": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "seconds": seconds, "first": seconds[0], "median": statistics.median(seconds),
            "setup_mb": setup_mb, "peak_mb": peak_rss_mb(), "figures": compared}


def pdf(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from cluster_platform import rls
    from reports import rendering, services, tasks
    from reports.models import Report

    cluster = _cluster(args.cluster)
    period = quarter()
    connection.ensure_connection()
    setup_mb = peak_rss_mb()
    # The render step timed apart inside the task's own build (no second run).
    rendered = {}
    original = rendering.render_pdf

    def timed_render(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            rendered["seconds"] = time.perf_counter() - started

    rendering.render_pdf = timed_render
    with rls.cluster_scope(cluster.pk):
        # The row the task would have claimed, unsaved: nothing is written to the database or the
        # media storage, and build() is the task's own computation (snapshot, then the PDF).
        report = Report(cluster=cluster, kind=period.kind, period_start=period.start, period_end=period.end,
                        version=1, status=Report.Status.RUNNING, trigger=Report.Trigger.SCHEDULED,
                        language=services.report_language(cluster=cluster), attempts=1,
                        started_at=timezone.now(), created_at=timezone.now())
        started = time.perf_counter()
        data, document = tasks.build(report)
        total = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    rendering.render_pdf = original
    return {"period": period.code, "language": report.language, "seconds": round(total, 3),
            "snapshot_seconds": round(total - rendered["seconds"], 3), "render_seconds": round(rendered["seconds"], 3),
            "bytes": len(document), "pages": page_count(document), "setup_mb": setup_mb, "peak_mb": peak_mb,
            "districts": len(data["current"]["districts"])}


def page_count(document: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(document)).pages)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("what", choices=["seed", "indicators", "hand-sql", "pdf"])
    parser.add_argument("--scale")
    parser.add_argument("--cluster")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import OperationalError

    started = time.perf_counter()
    try:
        if args.what == "seed":
            result = seed(args)
        elif args.what in ("indicators", "hand-sql"):
            result = indicators(args)
        else:
            result = pdf(args)
    except OperationalError as error:
        if args.what == "seed":
            raise
        # The statement timeout (bench --statement-timeout) cancelled a query: a figure of its own.
        result = {"error": f"{str(error).splitlines()[0]} after {time.perf_counter() - started:.0f} s",
                  "period": quarter().code, "peak_mb": peak_rss_mb()}
    with open(args.out, "w") as handle:
        json.dump(result, handle, default=str)


if __name__ == "__main__":
    sys.exit(main())
