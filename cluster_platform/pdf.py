"""PDF rendering with WeasyPrint and a deny-by-default URL fetcher.

WeasyPrint fetches every stylesheet, image and font a document names. Documents here carry user
text (names, titles), so a fetcher that follows any URL would let a crafted value read local
files or reach internal hosts. SafeURLFetcher allows only:
- `data:` URLs (inline images such as the certificate's QR code), and
- `file:` URLs of files inside the project's own static directories: the folders the
  staticfiles finders search (each app's static/, STATICFILES_DIRS) and STATIC_ROOT. The path
  is resolved (symbolic links, "..", percent-encoding) before it is compared, so traversal out
  of those folders is refused.
Everything else (http, https, ftp, file: elsewhere) is refused with URLRefused, before any socket
or file is opened; so is a data: URL longer than DATA_URL_MAX_LENGTH and a path that cannot be a
file (a NUL byte). Redirects are not followed. WeasyPrint logs the refusal and renders without
the resource.

`render_pdf` refuses a document larger than MAX_HTML_BYTES (DocumentTooLarge) before WeasyPrint
parses it: rendering time grows with the size of the document and of its stylesheets (5 MB of
CSS selectors takes WeasyPrint minutes), and a report or certificate is a few hundred kilobytes,
so a larger one is a document that went wrong, not one to spend the worker's time limit on.

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


#: The largest HTML document render_pdf accepts (a report with its inline charts is ~0.3 MB).
MAX_HTML_BYTES = 2 * 1024 * 1024
#: The longest data: URL the fetcher decodes (the certificate's QR code is ~3 KB).
DATA_URL_MAX_LENGTH = 512 * 1024


class URLRefused(ValueError):
    """The URL is outside what documents may load."""


class DocumentTooLarge(ValueError):
    """The HTML given to render_pdf is larger than MAX_HTML_BYTES."""


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
    unquoted = unquote(parts.path)
    if "\x00" in unquoted or not unquoted.startswith("/"):
        raise URLRefused(f"Refused a file URL that is not an absolute path: {url}")
    try:
        path = os.path.realpath(unquoted)
    except (OSError, ValueError):
        raise URLRefused(f"Refused a file URL that cannot be resolved: {url}") from None
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
            if len(url) > DATA_URL_MAX_LENGTH:
                raise URLRefused(f"Refused a data: URL of {len(url)} characters.")
            return super().fetch(url, headers)
        if scheme == "file":
            path = static_file_path(url)
            # The path is already resolved: a symbolic link swapped in since then is not followed.
            try:
                descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                raise URLRefused(f"Refused a file URL that cannot be opened: {url}") from None
            with os.fdopen(descriptor, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse("file://" + path, body, {"Content-Type": content_type})
        raise URLRefused(f"Refused a URL: {url}")


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document; resources load through SafeURLFetcher only. DocumentTooLarge
    when the document is larger than MAX_HTML_BYTES."""
    size = len(html.encode("utf-8")) if isinstance(html, str) else len(html)
    if size > MAX_HTML_BYTES:
        raise DocumentTooLarge(f"Refused to render a document of {size} bytes (at most {MAX_HTML_BYTES}).")
    return HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher()).write_pdf()
