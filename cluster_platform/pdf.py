"""PDF rendering with WeasyPrint and a deny-by-default URL fetcher.

WeasyPrint fetches every stylesheet, image and font a document names. Documents here carry user
text (names, titles), so a fetcher that follows any URL would let a crafted value read local
files or reach internal hosts. SafeURLFetcher allows only:
- `data:` URLs (inline images such as the certificate's QR code), and
- `file:` URLs of files inside the project's own static directories: the folders the
  staticfiles finders search (each app's static/, STATICFILES_DIRS) and STATIC_ROOT. The path
  is resolved (symbolic links, "..", percent-encoding) before it is compared, so traversal out
  of those folders is refused.
Everything else (http, https, ftp, file: elsewhere) is refused with URLRefused. WeasyPrint logs
the refusal and renders without the resource.

Templates reach a static file with `static_file_url("css/app.css")` in their context, which
gives the file: URL the fetcher accepts.
"""

from __future__ import annotations

import mimetypes
import os
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class URLRefused(ValueError):
    """The URL is outside what documents may load."""


@lru_cache(maxsize=1)
def static_roots() -> tuple[str, ...]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location and os.path.isdir(location):
                roots.append(os.path.realpath(location))
    if settings.STATIC_ROOT and os.path.isdir(settings.STATIC_ROOT):
        roots.append(os.path.realpath(settings.STATIC_ROOT))
    return tuple(dict.fromkeys(roots))


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def static_file_path(url: str) -> str:
    """The real path of a file: URL inside a static root, or URLRefused."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise URLRefused(f"Refused a file URL on another host: {url}")
    path = os.path.realpath(unquote(parts.path))
    if not any(_inside(path, root) for root in static_roots()):
        raise URLRefused(f"Refused a file outside the static directories: {url}")
    if not os.path.isfile(path):
        raise URLRefused(f"No such static file: {url}")
    return path


def static_file_url(relative_path: str) -> str:
    """The file: URL of a project static file (as {% static %} names it), for PDF templates."""
    found = finders.find(relative_path)
    if not found:
        raise URLRefused(f"No such static file: {relative_path}")
    return "file://" + os.path.realpath(found if isinstance(found, str) else found[0])


class SafeURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, allowing data: URLs and the project's static files only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allowed_protocols", ("data", "file"))
        kwargs.setdefault("allow_redirects", False)
        super().__init__(**kwargs)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = static_file_path(url)
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse("file://" + path, body, {"Content-Type": content_type})
        raise URLRefused(f"Refused a URL: {url}")


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document; resources load through SafeURLFetcher only."""
    return HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher()).write_pdf()
