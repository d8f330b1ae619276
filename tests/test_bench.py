"""The benchmark harness (bench/, `make bench`) run whole at small scale for a second per
endpoint, so it cannot rot: a private database copied from the migrated test database, seeded,
served by gunicorn, driven by wrk (or the built-in driver where wrk is missing), then dropped.
It checks the harness, not the platform's speed: every row has figures, the hand-written SQL
agrees with reports/indicators.py, and nothing is left running or behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bench import database

BASE_DIR = Path(__file__).resolve().parent.parent

# transaction=True: the test database is set up, and no transaction of the test holds a connection
# to it while it is copied.
pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]


def _processes_serving(name: str) -> list[int]:
    """The gunicorn processes still serving the bench's database `name` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"gunicorn" in part for part in command) and f"BENCH_DATABASE_NAME={name}".encode() in environment:
            found.append(int(entry.name))
    return found


@pytest.fixture
def test_database(transactional_db):
    """The migrated test database's name, with no connection of ours left open on it (it is
    copied as the template of the bench's database)."""
    from django.db import connection, connections

    name = connection.settings_dict["NAME"]
    connections.close_all()
    return name


def test_the_benchmark_runs_at_small_scale_and_reports_every_figure(test_database, tmp_path):
    server = database.Server.from_settings()
    name = f"{test_database[:40]}_bench_{uuid.uuid4().hex[:8]}"
    out, figures = tmp_path / "results.md", tmp_path / "results.json"
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "bench", "--scale", "small", "--duration", "1", "--connections", "2",
             "--threads", "1", "--workers", "sync:2", "--repeat", "1", "--database", name,
             "--template", test_database, "--drop", "--no-install", "--out", str(out), "--json", str(figures)],
            cwd=BASE_DIR, capture_output=True, text=True, timeout=300,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        output = finished.stdout + finished.stderr
        assert finished.returncode == 0, output[-6000:]
    finally:
        leftovers = _processes_serving(name)
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        if database.exists(server, name):
            database.drop(server, name)
            pytest.fail(f"the bench left its database {name} behind")
    assert leftovers == [], "gunicorn of the bench still running after it finished"

    result = json.loads(figures.read_text())
    table = out.read_text()
    keys = [endpoint["key"] for endpoint in result["endpoints"]]
    assert keys == ["baseline", "people_api", "people_api_filtered", "people_api_search", "people_api_deep",
                    "people_api_admin", "organizations_api", "agreements_api", "agreements_page", "people_page",
                    "calendar_page", "innovation_board", "indicator_dashboard", "report_request"]
    for endpoint in result["endpoints"]:
        measured = endpoint["result"]
        assert measured is not None, endpoint["key"]
        assert measured["requests"] > 0 and measured["rps"] > 0, endpoint["key"]
        assert 0 < measured["p50_ms"] <= measured["p95_ms"] <= measured["p99_ms"], endpoint["key"]
        assert measured["non2xx"] == 0 and sum(measured["errors"].values()) == 0, endpoint["key"]
        # Each row of the Markdown table carries its label and numbers in every column.
        row = next(line for line in table.splitlines() if line.startswith(f"| {endpoint['label']} "))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert all(re.fullmatch(r"[\d,]+(\.\d+)?", cell) for cell in cells[1:7]), row
        # A page or endpoint is held to the baseline measured just before it, whose p95 the row shows.
        if endpoint["target"] == "baseline":
            beside = endpoint["baseline_beside"]
            assert beside["requests"] > 0 and cells[6] == f"{beside['p95_ms']:,.1f}", row
    assert "deep page" in table and "p95 ≤ 1.2× page 1" in table
    # Every report the load queued was published to the bench's own queue and purged from it.
    queue = result["notes"]["queue"]
    assert queue["reports_made_by_load"] > 0 and queue["messages_purged"] == queue["reports_made"]

    indicators, hand, pdf = result["indicators"], result["hand"], result["pdf"]
    assert indicators["median"] > 0 and indicators["peak_mb"] > 0 and hand["median"] > 0
    assert result["differences"] == []
    assert indicators["figures"]["members.total"] > 0
    assert pdf["pages"] > 1 and pdf["seconds"] > 0 and pdf["peak_mb"] > pdf["setup_mb"] > 0
    assert result["facts"]["gunicorn workers"].startswith("2 sync workers")
    assert result["counts"]["members_person"] > 0
    assert "written to" in output
