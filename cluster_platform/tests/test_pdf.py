import io
import os

import pytest
from django.contrib.staticfiles import finders
from pypdf import PdfReader

from cluster_platform.pdf import SafeURLFetcher, URLRefused, render_pdf, static_file_url


@pytest.fixture
def fetcher():
    return SafeURLFetcher()


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1/",
    "https://example.org/style.css",
    "ftp://127.0.0.1/x",
    "file://otherhost/etc/passwd",
])
def test_it_refuses_urls_outside_the_static_files(fetcher, url):
    with pytest.raises(URLRefused):
        fetcher.fetch(url)


def test_it_refuses_path_traversal_out_of_a_static_directory(fetcher):
    static_css = static_file_url("css/app.css")
    directory = os.path.dirname(static_css)
    with pytest.raises(URLRefused):
        fetcher.fetch(directory + "/../../../../../../etc/passwd")
    with pytest.raises(URLRefused):
        fetcher.fetch(directory + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd")


def test_it_allows_a_project_static_file_and_data_urls(fetcher):
    response = fetcher.fetch(static_file_url("css/app.css"))
    with open(finders.find("css/app.css"), "rb") as handle:
        assert response.read() == handle.read()
    assert response.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


def test_render_pdf_renders_text_and_skips_refused_resources():
    html = ('<html><body><p>Certificate of Dilnoza</p><img src="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></body></html>')
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "Certificate of Dilnoza" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
