"""The public check of certificates and reports: /verify/ asks for a code, /verify/<code>/ answers.

No login, no cluster in the address: the code alone finds the certificate
(selectors.certificate_verify, the app's one read across clusters) or the periodic report
(`report_verify` below, the reports' one), and the page shows only what the document itself
states. For a report that is its identity and checksum, never its figures; whoever holds the
PDF can upload it to compare its SHA-256 with the report's: the file is hashed as it arrives and
discarded (an upload handler that keeps nothing, not even a temporary file), up to a size limit.

Codes are accepted as printed or typed (dashes, spaces, lower case). Requests are rate-limited
by the client's address (cluster_platform.net), checks and uploads together, so the page cannot
be used to try codes in bulk; it asks search engines not to index it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_ratelimit.decorators import ratelimit

from members import branding

from ..forms import VerifyForm
from ..selectors import CODE_ALPHABET, CODE_LENGTH, certificate_verify, format_code, normalize_code

DEFAULT_RATE = "30/m"
UPLOAD_FIELD = "pdf"


def verify_rate(group, request) -> str:
    # Read per request so the limit follows the settings (and test overrides).
    return getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", DEFAULT_RATE)


def upload_limit() -> int:
    # The largest PDF the upload check reads (a report is far smaller).
    return settings.REPORT_VERIFY_MAX_BYTES


def report_verify(code: str):
    """The ready report with this verification code, or None.

    Like certificate_verify, a read across clusters on purpose (the page is public and the code,
    60 random bits, is all it gets): `.unscoped()` says so. The page shows only the facts listed
    in the template (cluster, kind, period, version, when, size, checksum), never `data`."""
    from reports.models import Report
    from reports.periods import period_of

    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    report = (
        Report.objects.unscoped()
        .filter(verification_code=code, status=Report.Status.READY, cluster__is_active=True)
        .select_related("cluster")
        .only("kind", "period_start", "period_end", "version", "finished_at", "size", "sha256",
              "verification_code", "cluster__name", "cluster__slug", "cluster__logo", "cluster__primary_colour",
              "cluster__accent_colour")
        .first()
    )
    if report is None:
        return None
    return {
        "code": format_code(code),
        "cluster_name": report.cluster.name,
        "kind": report.get_kind_display(),
        "period": period_of(report.kind, report.period_start).label,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "version": report.version,
        "generated_at": report.finished_at,
        "size": report.size,
        "sha256": report.sha256,
        "brand": branding.public_context(report.cluster),
    }


class HashingUploadHandler(FileUploadHandler):
    """Hashes the uploaded PDF as its chunks arrive and keeps none of them: no file reaches
    request.FILES, memory or disk. Stops reading past `limit` bytes."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = upload_limit() if limit is None else limit
        self.digest = None
        self.received = 0
        self.too_large = False
        self._hash = None

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self._hash = hashlib.sha256() if field_name == UPLOAD_FIELD and self.digest is None else None
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        if self._hash is None:
            return None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self._hash = None
            raise StopUpload(connection_reset=False)
        self._hash.update(raw_data)
        return None

    def file_complete(self, file_size):
        if self._hash is not None and self.received:
            self.digest = self._hash.hexdigest()
        self._hash = None
        return None


def _render(request, template, context, status=200):
    # A certificate or report found: the page takes its cluster's logo and colours.
    found = context.get("certificate") or context.get("report") or {}
    response = render(request, template, {**found.get("brand", {}), **context}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


# One counter per address for the form, the code pages and the uploads: the same group and the
# same methods (django-ratelimit keys its counter by both). HEAD counts too: it runs the GET.
RATE_LIMITED_METHODS = ["GET", "HEAD", "POST"]


@method_decorator(ratelimit(key="ip", rate=verify_rate, method=RATE_LIMITED_METHODS, group="certificate_verify",
                            block=False), name="get")
class VerifyFormView(View):
    """A small form to type a code; GET with ?code= goes to the code's page."""

    def get(self, request):
        if getattr(request, "limited", False):
            return _render(request, "programs/verify.html", {"rate_limited": True, "form": VerifyForm()}, 429)
        if "code" in request.GET:
            form = VerifyForm(request.GET)
            if form.is_valid() and normalize_code(form.cleaned_data["code"]):
                return redirect("certificate_verify", code=normalize_code(form.cleaned_data["code"]))
            return _render(request, "programs/verify.html", {"form": form}, 422)
        return _render(request, "programs/verify.html", {"form": VerifyForm()})


# CSRF is checked in `_check_upload`, after the upload handlers are replaced: the middleware
# would read the body (with the default handlers, which store it) before the view could.
@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(ratelimit(key="ip", rate=verify_rate, method=RATE_LIMITED_METHODS, group="certificate_verify",
                            block=False), name="dispatch")
class VerifyView(View):
    def get(self, request, code):
        form = VerifyForm(initial={"code": code})
        if getattr(request, "limited", False):
            return _render(request, "programs/verify.html", {"rate_limited": True, "form": form}, 429)
        facts = certificate_verify(code)
        if facts is not None:
            return _render(request, "programs/verify.html", {"certificate": facts, "form": VerifyForm()})
        report = report_verify(code)
        if report is not None:
            return _render(request, "programs/verify.html", {"report": report, "form": VerifyForm()})
        return _render(request, "programs/verify.html", {"not_found": True, "code": code, "form": form}, 404)

    def post(self, request, code):
        """Compare an uploaded PDF's SHA-256 with the report's."""
        handler = HashingUploadHandler(request, upload_limit())
        request.upload_handlers = [handler]
        return self._check_upload(request, code, handler)

    @method_decorator(csrf_protect)
    def _check_upload(self, request, code, handler):
        form = VerifyForm(initial={"code": code})
        if getattr(request, "limited", False):
            return _render(request, "programs/verify.html", {"rate_limited": True, "form": form}, 429)
        report = report_verify(code)
        if report is None:
            return _render(request, "programs/verify.html", {"not_found": True, "code": code, "form": form}, 404)
        context = {"report": report, "form": VerifyForm()}
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > handler.limit + 64 * 1024:
            # Refused before the body is read at all.
            context["upload_error"] = "too_large"
            return _render(request, "programs/verify.html", context, 413)
        request.POST  # noqa: B018 (parses the body through the hashing handler, if csrf_protect has not)
        if handler.too_large:
            context["upload_error"] = "too_large"
            return _render(request, "programs/verify.html", context, 413)
        if handler.digest is None:
            context["upload_error"] = "missing"
            return _render(request, "programs/verify.html", context, 422)
        context["upload_matches"] = handler.digest == report["sha256"]
        context["upload_sha256"] = handler.digest
        return _render(request, "programs/verify.html", context)
