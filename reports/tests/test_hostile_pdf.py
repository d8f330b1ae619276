"""Hostile content in the PDFs: reports and certificates carry text users typed (the cluster's
name and region, organization names and districts, programme titles, people's names). Markup in
that text (file: and internal-address images and stylesheets, @import, url(), redirects, iframes,
objects, ../ paths, huge CSS) must come out as text, make the renderer fetch nothing but the
project's static files, open no socket and no file outside the static folders, and the render
must finish well within its time limit. The URL fetcher is also fed the hostile URLs directly.

Sockets and file opens are watched with a Python audit hook (sys.addaudithook, PEP 578): every
`open` and `socket.connect` made by Python code while a render runs is recorded. A tiny HTTP
server on 127.0.0.1 stands for internal services: it must receive no request at all.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from pypdf import PdfReader

from cluster_platform import pdf as pdf_module
from cluster_platform.pdf import DocumentTooLarge, SafeURLFetcher, URLRefused, static_file_url, static_roots
from innovations.tests.factories import InnovationFactory
from members.tests.factories import OrganizationFactory, PersonFactory
from programs.certificates import certificate_pdf
from programs.models import Enrollment, ProgramPartner
from programs.tests.factories import EnrollmentFactory, ProgramFactory
from reports import indicators, rendering, tasks
from reports.models import Report
from reports.tests.scenario import END, START

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Watching sockets and file opens -------------------------------------------------------------

_recorders: list[list] = []
_hook_installed = False
WATCHED_EVENTS = {"open", "socket.connect", "socket.getaddrinfo", "urllib.Request", "subprocess.Popen", "os.system"}


def _audit(event, args):
    if _recorders and event in WATCHED_EVENTS:
        _recorders[-1].append((event, args))


@contextlib.contextmanager
def watched():
    """The audit events of Python code run inside the block (a hook cannot be removed, so one is
    installed once and records only while a block is open)."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    events: list = []
    _recorders.append(events)
    try:
        yield events
    finally:
        _recorders.remove(events)


def _library_roots() -> list[Path]:
    """The installed libraries' own data (WeasyPrint's user-agent stylesheet, hyphenation
    dictionaries, Python's modules): a render may read those."""
    return [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]


def _weasyprint_scratch(path: Path) -> bool:
    """WeasyPrint's own scratch files (the fonts it subsets) in the temporary folder."""
    scratch = Path(tempfile.gettempdir()).resolve()
    return path.is_relative_to(scratch) and path.relative_to(scratch).parts[0].startswith("weasyprint-")


def assert_nothing_reached_outside(events) -> None:
    """Only file opens, each in a static folder, the installed libraries or WeasyPrint's scratch
    folder, and data: URLs (the certificate's QR code): no socket, no other URL."""
    statics = [Path(root) for root in static_roots()]
    libraries = _library_roots()
    for event, args in events:
        if event == "urllib.Request" and str(args[0]).startswith("data:"):
            continue
        assert event == "open", (event, args)
        target = args[0]
        if isinstance(target, int):  # an already open descriptor
            continue
        path = Path(os.fsdecode(target)).resolve()
        assert any(path.is_relative_to(root) for root in statics + libraries) or _weasyprint_scratch(path), \
            f"opened {path}"


# --- A stand-in for internal services ----------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        body = b"body { background: url(file:///etc/passwd) } @import url(http://169.254.169.254/);"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def internal_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def hostile_snippets(port: int) -> list[str]:
    internal = f"http://127.0.0.1:{port}"
    static_css = static_file_url("reports/pdf.css")
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel=stylesheet href="{internal}/evil.css">',
        "<style>@import url(http://169.254.169.254/latest/meta-data/);</style>",
        '<div style="background:url(file:///etc/shadow)">x</div>',
        f'<img src="{internal}/redirect?to=file:///etc/passwd">',
        f'<iframe src="{internal}/frame"></iframe>',
        f'<object data="{internal}/object"></object><embed src="{internal}/embed">',
        '<img src="../../../../cluster_platform/settings/base.py">',
        f'<link rel="stylesheet" href="{static_css}/../../../../../../../etc/passwd">',
        '<svg><image href="file:///etc/passwd"/></svg><a rel="attachment" href="file:///etc/hosts">a</a>',
        f'<img src="http://[::1]:{port}/v6"><img src="http://localhost:{port}/name">',
        "<style>" + "p{color:red}" * 12 + "</style>",
    ]


def _text(body: bytes) -> str:
    """The PDF's text without any whitespace: long names wrap where the layout breaks them."""
    return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages)


def _squashed(value: str) -> str:
    return "".join(value.split())


# --- Reports ------------------------------------------------------------------------------------------

def _report(cluster):
    return Report.objects.create(cluster=cluster, kind="quarter", period_start=START, period_end=END, language="en")


def test_hostile_names_in_a_report_are_text_and_reach_nothing(cluster, internal_server):
    snippets = hostile_snippets(internal_server.server_port)
    centre = OrganizationFactory(cluster=cluster, name=("Centre " + snippets[1])[:255], district=snippets[0][:120])
    for number, snippet in enumerate(snippets):
        OrganizationFactory(cluster=cluster, name=f"Member {number} {snippet}"[:255], district=snippet[:120])
        InnovationFactory(origin_organization=centre, title=f"Innovation {snippet}"[:255])
    cluster.name = ("Cluster " + snippets[2])[:200]
    cluster.region = snippets[3][:120]
    cluster.centre = centre
    cluster.save()

    report = _report(cluster)
    data = indicators.snapshot(cluster, START, END)
    html = rendering.render_html(report, data)
    assert len(html.encode()) < pdf_module.MAX_HTML_BYTES / 4  # the limit leaves a real report room
    for snippet in snippets:
        assert snippet[:120] not in html  # escaped, never markup
    started = time.monotonic()
    with watched() as events:
        body = pdf_module.render_pdf(html)
    elapsed = time.monotonic() - started

    assert elapsed < tasks.SOFT_TIME_LIMIT / 4, elapsed
    assert internal_server.requests == []
    assert_nothing_reached_outside(events)
    text = _text(body)
    for value in (cluster.name, f"District: {snippets[0][:120]}", snippets[3][:120], centre.name):
        assert _squashed(value) in text, value


def test_the_report_task_renders_hostile_names_within_its_time_limit(cluster, internal_server):
    snippets = hostile_snippets(internal_server.server_port)
    cluster.name = ("Cluster " + snippets[4])[:200]
    cluster.save()
    OrganizationFactory(cluster=cluster, name=snippets[5], district=snippets[6][:120])
    report = _report(cluster)
    started = time.monotonic()
    assert tasks.render_report.delay(report.pk).get() == "ready"
    assert time.monotonic() - started < tasks.SOFT_TIME_LIMIT / 4
    assert internal_server.requests == []
    report.refresh_from_db()
    with report.pdf.open("rb") as handle:
        assert _squashed(cluster.name) in _text(handle.read())


# --- Certificates -------------------------------------------------------------------------------------

def test_hostile_names_on_a_certificate_are_text_and_reach_nothing(cluster, internal_server):
    snippets = hostile_snippets(internal_server.server_port)
    cluster.name = ("Cluster " + snippets[7])[:200]
    cluster.save()
    lead = OrganizationFactory(cluster=cluster, kind="iro", name=("Institute " + snippets[1])[:255])
    program = ProgramFactory(lead_organization=lead, title=("Course " + snippets[2])[:255], status="completed",
                             start_date=datetime.date(2026, 1, 10), end_date=datetime.date(2026, 1, 20))
    for snippet in snippets[8:11]:
        ProgramPartner.objects.create(cluster=cluster, program=program,
                                      organization=OrganizationFactory(cluster=cluster, name=snippet[:255]))
    person = PersonFactory(organization=lead, full_name=("Dilnoza " + snippets[0])[:200])
    enrollment = EnrollmentFactory(program=program, person=person, status="completed", certificate_code="ABCDEFGHJKMN",
                                   hours_attended=36)
    enrollment = Enrollment.objects.for_cluster(cluster).select_related(
        "cluster", "person__user", "program__lead_organization").get(pk=enrollment.pk)

    certificate_pdf(enrollment)  # once first, so templates and translations are loaded (and cached)
    started = time.monotonic()
    with watched() as events:
        body = certificate_pdf(enrollment)
    # Rendered in the request: far below any web worker's timeout.
    assert time.monotonic() - started < 30
    assert internal_server.requests == []
    assert_nothing_reached_outside(events)
    text = _text(body)
    for value in (person.full_name, program.title, lead.name):
        assert _squashed(value) in text, value


# --- Documents that went wrong: the renderer itself holds -------------------------------------------

def test_markup_that_reached_a_document_still_fetches_nothing(internal_server):
    html = "<html><body><p>Report</p>" + "".join(hostile_snippets(internal_server.server_port)) + "</body></html>"
    with watched() as events:
        body = pdf_module.render_pdf(html)
    assert body.startswith(b"%PDF")
    assert internal_server.requests == []
    assert_nothing_reached_outside(events)


def test_huge_css_is_refused_at_once_instead_of_eating_the_time_limit():
    # 5 MB of selectors: WeasyPrint would spend minutes matching them.
    css = "".join(f".c{i} > p ~ span:not(.x{i}) {{ color: red }}\n" for i in range(120_000))
    assert len(css) > 5 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(DocumentTooLarge):
        pdf_module.render_pdf(f"<html><head><style>{css}</style></head><body><p>x</p></body></html>")
    assert time.monotonic() - started < 1


def test_a_huge_text_in_a_report_is_refused_not_rendered_for_minutes(cluster):
    report = _report(cluster)
    data = indicators.snapshot(cluster, START, END)
    data["current"]["districts"] = [{"district": "p{color:red}" * 200_000, "members": 1, "schools": 0,
                                     "ratings": {"red": 0, "yellow": 0, "green": 0}, "participants": 0,
                                     "trained": 0, "adoptions": 0}]
    started = time.monotonic()
    with pytest.raises(DocumentTooLarge):
        rendering.render_pdf(report, data=data)
    assert time.monotonic() - started < 5


def test_moderately_large_css_still_renders():
    css = "p { color: #333 }\n" * 2000
    assert pdf_module.render_pdf(f"<html><head><style>{css}</style></head><body><p>Report</p></body></html>") \
        .startswith(b"%PDF")


# --- The fetcher, fed hostile URLs directly ---------------------------------------------------------

@pytest.fixture
def fetcher():
    return SafeURLFetcher()


def _static_dir() -> str:
    return os.path.dirname(static_file_url("reports/pdf.css").removeprefix("file://"))


def hostile_urls(port: int) -> list[str]:
    static = _static_dir()
    settings_file = Path(django_settings.BASE_DIR) / "cluster_platform" / "settings" / "base.py"
    return [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://127.0.0.1/etc/passwd",
        f"file://{settings_file}",
        f"file://{static}/../../../../../../etc/passwd",
        f"file://{static}/../../cluster_platform/settings/base.py",
        f"file://{static}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"file://{static}/%252e%252e/%252e%252e/etc/passwd",
        f"file://{static}/pdf.css%00.png",
        f"file://{static}",  # a directory
        f"file://{static}/../",
        f"http://127.0.0.1:{port}/evil.css",
        f"http://127.0.0.1:{port}/redirect",
        f"http://[::1]:{port}/",
        f"http://localhost:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/x.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:6379/_INFO",
        "dict://127.0.0.1:6379/info",
        "jar:file:///etc/passwd!/",
        " http://127.0.0.1/",
        "//127.0.0.1/x.css",
        "../../../../etc/passwd",
        "/etc/passwd",
        "data:text/css;base64," + "A" * (pdf_module.DATA_URL_MAX_LENGTH + 1),
        "data:image/png;base64," + "iVBORw0KGgo" * 600_000,
    ]


def test_every_hostile_url_is_refused_without_a_socket_or_a_file(fetcher, internal_server):
    for url in hostile_urls(internal_server.server_port):
        with watched() as events:
            with pytest.raises((URLRefused, ValueError)):
                fetcher.fetch(url)
        assert [event for event in events if event[0] != "open"] == [], url
        assert_nothing_reached_outside(events)
    assert internal_server.requests == []


def test_a_symbolic_link_out_of_a_static_folder_is_refused(fetcher, settings, tmp_path):
    static_root = tmp_path / "static"
    static_root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("the database password")
    (static_root / "innocent.css").symlink_to(secret)
    (static_root / "folder").symlink_to(tmp_path)
    (static_root / "real.css").write_text("p { color: red }")
    settings.STATIC_ROOT = str(static_root)
    static_roots.cache_clear()
    try:
        assert fetcher.fetch(f"file://{static_root}/real.css").read() == b"p { color: red }"
        for url in (f"file://{static_root}/innocent.css", f"file://{static_root}/folder/secret.txt"):
            with pytest.raises(URLRefused):
                fetcher.fetch(url)
    finally:
        settings.STATIC_ROOT = django_settings.STATIC_ROOT
        static_roots.cache_clear()


def test_the_fetcher_still_serves_static_files_and_small_data_urls(fetcher):
    assert fetcher.fetch(static_file_url("reports/pdf.css")).read()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
