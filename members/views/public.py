"""Pages without a login: applying to join a cluster, accepting an invitation, and the cluster's
logo (the one thing of a cluster anyone may fetch)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.decorators import ratelimit

from cluster_platform.tenancy import find_cluster

from .. import branding, services
from ..forms import ApplicationForm, InvitationAcceptForm


def application_rate(group, request) -> str:
    # Read per request so the limit follows the settings (and test overrides).
    return f"{settings.APPLICATION_RATE_LIMIT}/h"


def application_page_rate(group, request) -> str:
    return settings.APPLICATION_PAGE_RATE_LIMIT


# Two limits per address: opening the form (checked before the cluster is even looked up, so the
# page cannot be used to list clusters quickly) and sending it (APPLICATION_RATE_LIMIT per hour).
@method_decorator(ratelimit(key="ip", rate=application_page_rate, method=["GET", "HEAD"], group="application_page",
                            block=False), name="dispatch")
@method_decorator(ratelimit(key="ip", rate=application_rate, method="POST", block=False), name="post")
class ApplicationApplyView(View):
    template_name = "members/apply.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and getattr(request, "limited", False):
            response = render(request, "429.html", {
                "message": _("Too many pages were opened from your network. Please wait a minute and reload the page."),
            }, status=429)
            response["Retry-After"] = "60"
            return response
        # The cluster of the page, also the current one of its transaction (row-level security).
        self.cluster = find_cluster(kwargs["cluster_slug"])
        if self.cluster is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra) -> dict:
        # With the cluster's logo and colours: applicants see whose form this is.
        return {"cluster": self.cluster, **branding.public_context(self.cluster), **extra}

    def render(self, form, *, status=200, **extra):
        return render(self.request, self.template_name, self.context(form=form, **extra), status=status)

    def get(self, request, *args, **kwargs):
        return self.render(ApplicationForm())

    def post(self, request, *args, **kwargs):
        form = ApplicationForm(request.POST)
        if getattr(request, "limited", False):
            response = self.render(form, status=429, rate_limited=True)
            response["Retry-After"] = "3600"
            return response
        if form.is_valid():
            try:
                application = services.application_submit(cluster=self.cluster, data=form.service_data())
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                return render(request, "members/apply_done.html", self.context(application=application))
        return self.render(form, status=422)


@method_decorator([never_cache, sensitive_post_parameters("password", "password_confirm")], name="dispatch")
class InvitationAcceptView(View):
    """Create an account from an invitation (or accept it as the signed-in user)."""

    template_name = "members/invitation_accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.token = kwargs["token"]
        self.invitation = services.invitation_by_token(self.token)
        if self.invitation is None:
            return render(request, "members/invitation_invalid.html", status=404)
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, *, status=200, errors=()):
        return render(self.request, self.template_name, {
            "invitation": self.invitation, "form": form, "errors": errors,
        }, status=status)

    def get(self, request, *args, **kwargs):
        return self.render(InvitationAcceptForm(initial={"username": self.invitation.email.split("@")[0]}))

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.POST.get("as_current_user"):
            return self.accept_as_current_user()
        form = InvitationAcceptForm(request.POST)
        if form.is_valid():
            try:
                user, cluster = services.invitation_accept(
                    token=self.token, username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                # authenticate() picks the configured backend, as a normal sign-in would.
                signed_in = authenticate(request, username=user.get_username(),
                                         password=form.cleaned_data["password"])
                if signed_in is None:
                    return redirect("login")
                login(request, signed_in)
                return redirect("dashboard", cluster_slug=cluster.slug)
        return self.render(form, status=422)

    def accept_as_current_user(self):
        try:
            _user, cluster = services.invitation_accept(token=self.token, username="", password="",
                                                        user=self.request.user)
        except ValidationError as error:
            return self.render(InvitationAcceptForm(), status=422, errors=error.messages)
        return redirect("dashboard", cluster_slug=cluster.slug)


class ClusterLogoView(View):
    """GET only, without a login: the cluster's logo, which its pages, its public ones included,
    show (members.branding).

    The address must carry the logo's current version (branding.logo_url): any cache may then
    keep the image for a year, as a new logo gets a new address. An unknown or inactive cluster,
    one without a logo and any other version answer alike, 404, so the address cannot be used to
    find out which clusters exist (the application form allows that only at a limited rate)."""

    http_method_names = ["get", "head", "options"]
    cache_control = "public, max-age=31536000, immutable"

    def get(self, request, *args, **kwargs):
        cluster = find_cluster(kwargs["cluster_slug"])
        version = branding.logo_version(cluster) if cluster is not None else ""
        if not version or request.GET.get("v") != version:
            raise Http404
        headers = {"ETag": f'"{version}"', "Cache-Control": self.cache_control}
        conditional = get_conditional_response(request, etag=headers["ETag"])
        if conditional is not None:  # 304: the caller holds this very image
            for name, value in headers.items():
                conditional[name] = value
            return conditional
        try:
            handle = default_storage.open(cluster.logo.name, "rb")
        except OSError:
            raise Http404
        response = FileResponse(handle, content_type=branding.logo_content_type(cluster.logo.name), headers=headers)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
