"""The public certificate check: /verify/ asks for a code, /verify/<code>/ answers.

No login, no cluster in the address: the code alone finds the certificate
(selectors.certificate_verify, the app's one read across clusters), and the page shows only
what the certificate itself states. Codes are accepted as printed or typed (dashes, spaces,
lower case). Requests are rate-limited by the client's address (cluster_platform.net), so the
page cannot be used to try codes in bulk; it asks search engines not to index it.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django_ratelimit.decorators import ratelimit

from ..forms import VerifyForm
from ..selectors import certificate_verify, normalize_code

DEFAULT_RATE = "30/m"


def verify_rate(group, request) -> str:
    # Read per request so the limit follows the settings (and test overrides).
    return getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", DEFAULT_RATE)


def _render(request, template, context, status=200):
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(ratelimit(key="ip", rate=verify_rate, method="GET", group="certificate_verify", block=False),
                  name="get")
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


@method_decorator(ratelimit(key="ip", rate=verify_rate, method="GET", group="certificate_verify", block=False),
                  name="get")
class VerifyView(View):
    def get(self, request, code):
        form = VerifyForm(initial={"code": code})
        if getattr(request, "limited", False):
            return _render(request, "programs/verify.html", {"rate_limited": True, "form": form}, 429)
        facts = certificate_verify(code)
        if facts is None:
            return _render(request, "programs/verify.html", {"not_found": True, "code": code, "form": form}, 404)
        return _render(request, "programs/verify.html", {"certificate": facts, "form": VerifyForm()})
