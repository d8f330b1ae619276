"""The PDF of a report: the figures are in the text extracted from it (pypdf), Cyrillic and the
Uzbek oʻ gʻ included, in the report's language, with a page per district and at most 30 pages;
the packaged fonts are embedded; names typed by users are text, never markup, so the renderer
fetches nothing but the project's static files."""

import io
import os
import re

import pytest
from django.utils import translation
from pypdf import PdfReader

from cluster_platform import pdf as pdf_module
from cluster_platform.pdf import SafeURLFetcher, URLRefused, static_file_url, static_roots
from members.tests.factories import OrganizationFactory
from reports import indicators, rendering, tasks
from reports.models import Report
from reports.tests import scenario
from reports.tests.scenario import END, START

pytestmark = pytest.mark.django_db

UZBEK_NAME = "Toshkent viloyati oʻquv-pedagogik klasteri"
RUSSIAN_NAME = "Ташкентский педагогический кластер"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _text(body: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _fonts(body: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        fonts = page["/Resources"].get_object().get("/Font")
        for font in (fonts.get_object() if fonts is not None else {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def _rendered(report: Report) -> tuple[Report, bytes]:
    assert tasks.render_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    with report.pdf.open("rb") as handle:
        return report, handle.read()


def _report(cluster, language="en", **extra):
    return Report.objects.create(cluster=cluster, kind="quarter", period_start=START, period_end=END,
                                 language=language, **extra)


@pytest.fixture
def scenario_report(cluster):
    cluster.name = f"{UZBEK_NAME} — {RUSSIAN_NAME}"
    cluster.save()
    scenario.build(cluster)
    return _report(cluster)


def test_the_figures_are_in_the_text_of_the_pdf(scenario_report):
    report, body = _rendered(scenario_report)
    text, pages = _text(body)
    single_line = " ".join(text.split())
    # The title page.
    assert UZBEK_NAME in text and RUSSIAN_NAME in text
    assert "Quarterly report" in text and "Q1 2026" in text
    assert "Version 1" in single_line
    assert "-".join(report.verification_code[i:i + 4] for i in range(0, 12, 4)) in text
    assert f"/verify/{report.verification_code}" in single_line
    # Key figures against Q4 2025 (test_indicators.test_change_from_previous has the same numbers).
    assert "Members working together (pairs) 14 11 +3 +27.3 %" in single_line
    assert "Training hours 124 28 +96 +342.9 %" in single_line
    assert "New agreements 2" in single_line
    # Tables per section.
    assert "Obligations overdue at the end 4" in single_line
    assert "Teachers trained 2" in single_line
    assert "14 pairs of members worked together (10 organizations); 5 pairs are new, 2" in single_line
    # A page per district, with its figures.
    for name, figures in [("Chirchik", (6, 4, 0, 3, 1, 4, 2, 3)), ("Yangiyul", (2, 2, 2, 0, 0, 2, 0, 0))]:
        assert f"District: {name}" in text
        page = single_line[single_line.index(f"District: {name}"):]
        labels = ["Active members", "Of them schools", "Schools rated red", "Schools rated yellow",
                  "Schools rated green", "Programme participants", "Teachers trained", "Adoptions of innovations"]
        for label, value in zip(labels, figures):
            assert f"{label} {value}" in page, (name, label)
    assert "District: No district given" in text
    assert pages <= 30
    # The charts are drawn: their axis labels and legends are text of the PDF too.
    for legend in ("Latest rating", "Rating before", "Hours booked", "Hours open", "Moves out of a stage",
                   "Organizations"):
        assert legend in text, legend


def test_the_packaged_font_is_embedded_and_carries_uzbek_and_cyrillic(cluster):
    cluster.name = "Gʻalaba oʻquv markazi — Ташкент"
    cluster.save()
    OrganizationFactory(cluster=cluster, district="Oʻrta Chirchiq")
    _report_, body = _rendered(_report(cluster))
    text, _pages = _text(body)
    assert "Gʻalaba oʻquv markazi — Ташкент" in text
    assert "\u02bb" in text
    assert "District: Oʻrta Chirchiq" in text
    # The packaged DejaVu Sans under the @font-face name the template gives it ("ABCDEF+Report-Sans").
    assert {name.split("+", 1)[1] for name in _fonts(body)} >= {"Report-Sans", "Report-Sans-Bold"}


@pytest.mark.parametrize("language", ["ru", "uz-cyrl"])
def test_the_report_is_in_its_language(cluster, language):
    _report_, body = _rendered(_report(cluster, language=language))
    text, _pages = _text(body)
    with translation.override(language):
        kind = str(Report.Kind.QUARTER.label)
        label = rendering.periods.period_of("quarter", START).label
    assert re.search("[а-яёўқғҳ]", kind.lower()), kind  # the translation, in Cyrillic
    assert label in text
    assert kind.lower() in text.lower() or kind in text


@pytest.mark.parametrize(("language", "expected"), [("ru", "Ташкентский государственный педагогический университет"),
                                                    ("uz-cyrl", "Тошкент давлат педагогика университети"),
                                                    ("en", "Tashkent State Pedagogical University")])
def test_the_centre_is_named_in_the_reports_language(cluster, language, expected):
    cluster.centre = OrganizationFactory(
        cluster=cluster, kind="pedagogical_university", name="Tashkent State Pedagogical University",
        name_translations={"ru": "Ташкентский государственный педагогический университет",
                           "uz": "Toshkent davlat pedagogika universiteti"})
    cluster.save()
    _report_, body = _rendered(_report(cluster, language=language))
    text, _pages = _text(body)
    assert expected in " ".join(text.split())


@pytest.mark.parametrize("count, shared_page, in_table", [(18, None, None), (40, "District 36", None),
                                                          (70, "District 54", "District 70")])
def test_many_districts_stay_within_thirty_pages(cluster, count, shared_page, in_table):
    report = _report(cluster)
    data = indicators.snapshot(cluster, START, END)
    data["current"]["districts"] = [
        {"district": f"District {n:02d}", "members": n, "schools": n, "ratings": {"red": 1, "yellow": 2, "green": n},
         "participants": n, "trained": 0, "adoptions": 0} for n in range(1, count + 1)]
    body = rendering.render_pdf(report, data=data)
    text, pages = _text(body)
    assert pages <= 30
    assert f"District: District {min(count, 54):02d}" in text
    if shared_page:
        assert f"District: {shared_page}" in text
    if in_table:
        # Past 18 pages of 3 districts, the rest share one table.
        assert "Other districts" in text and in_table in text and f"District: {in_table}" not in text
    else:
        assert "Other districts" not in text


# --- Nothing but the project's static files is fetched -----------------------------------------

@pytest.fixture
def fetched(monkeypatch):
    """Every URL the renderer asks the fetcher for, and whether it was served."""
    calls = []
    original = SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except URLRefused:
            calls.append((url, False))
            raise
        calls.append((url, True))
        return response

    monkeypatch.setattr(pdf_module.SafeURLFetcher, "fetch", spy)
    return calls


def test_markup_in_names_is_text_and_fetches_nothing(cluster, fetched):
    hostile_img = '<img src="file:///etc/passwd">'
    hostile_link = '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
    traversal = '<img src="../../../../../../etc/passwd">'
    centre = OrganizationFactory(cluster=cluster, name=f"Centre {hostile_link}", district=traversal)
    cluster.name = f"Cluster {hostile_img}"
    cluster.centre = centre
    cluster.save()
    _report_, body = _rendered(_report(cluster))
    text, _pages = _text(body)
    single_line = " ".join(text.split())
    assert hostile_img in single_line
    assert "Centre " + hostile_link in single_line
    assert "District: " + traversal in single_line
    # Only the stylesheet and the two fonts were asked for, all inside the static folders.
    assert fetched, "the stylesheet and fonts are fetched through the safe fetcher"
    roots = static_roots()
    for url, served in fetched:
        assert served, url
        path = url.removeprefix("file://")
        assert any(os.path.commonpath([path, root]) == root for root in roots), url
    assert {os.path.basename(url) for url, _served in fetched} == {"pdf.css", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1/",
    "https://example.org/x.css",
])
def test_the_reports_fetcher_refuses_outside_urls(url):
    with pytest.raises(URLRefused):
        SafeURLFetcher().fetch(url)


def test_the_reports_fetcher_refuses_traversal_out_of_the_report_stylesheets_folder():
    folder = os.path.dirname(static_file_url("reports/pdf.css"))
    for escape in ("/../../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        with pytest.raises(URLRefused):
            SafeURLFetcher().fetch(folder + escape)
    assert SafeURLFetcher().fetch(static_file_url("fonts/DejaVuSans.ttf")).read()[:4] == b"\x00\x01\x00\x00"


def test_a_refused_resource_in_a_report_document_is_left_out(cluster, fetched):
    """Even markup that reached the document (not through a name: a template) loads nothing
    from outside; the PDF is still made."""
    report = _report(cluster)
    html = rendering.render_html(report, data=indicators.snapshot(cluster, START, END))
    html = html.replace("</body>", '<img src="file:///etc/passwd"><link rel="stylesheet" '
                                   'href="http://127.0.0.1:9/x.css"></body>')
    body = pdf_module.render_pdf(html)
    assert body.startswith(b"%PDF")
    refused = {url for url, served in fetched if not served}
    assert refused == {"file:///etc/passwd", "http://127.0.0.1:9/x.css"}
