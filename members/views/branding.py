"""The cluster's branding: the coordinators' page (colours with a preview, a new logo) and removing
the logo (asked first). The logo itself is served by members.views.public.ClusterLogoView."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cluster_platform.forms import ConfirmForm

from .. import branding, permissions, services
from ..forms import BrandingForm
from .base import ServiceFormView


class BrandingPage(ServiceFormView):
    """A coordinators' page of the branding; back to the Branding page once done."""

    allowed = permissions.can_manage_branding
    nav_section = "dashboard"

    def get_success_url(self):
        return reverse("cluster_branding", args=[self.cluster.slug])


class BrandingView(BrandingPage):
    """GET shows the colours, the logo and a preview of them; POST saves, or with `preview`
    shows the preview of the colours typed without saving them."""

    template_name = "members/branding.html"
    form_class = BrandingForm

    def _current_colours(self) -> dict[str, str]:
        return {field: getattr(self.cluster, field) for field in branding.COLOUR_FIELDS}

    def get_form(self, data=None):
        if data is None:
            return BrandingForm(initial=self._current_colours())
        return BrandingForm(data, self.request.FILES)

    def post(self, request, *args, **kwargs):
        if "preview" not in request.POST:
            return super().post(request, *args, **kwargs)
        self.load()
        form = self.get_form(request.POST)
        preview = None
        if form.is_valid():
            try:
                preview = branding.clean_colours(form.colours(), self.cluster)
            except ValidationError as error:
                form.apply_service_error(error)
        context = self.get_context_data(form=form, preview=preview)
        return self.render_to_response(context, status=200 if preview else 422)

    def perform(self, form):
        return services.cluster_branding_update(cluster=self.cluster, actor=self.request.user, data=form.colours(),
                                                logo=form.cleaned_data.get("logo"))

    def get_success_message(self):
        return _("The branding was saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = kwargs.get("preview") or self._current_colours()
        primary = branding.safe_colour(shown["primary_colour"], "primary_colour")
        accent = branding.safe_colour(shown["accent_colour"], "accent_colour")
        context.update(
            preview_css=format_html(".branding-preview{{--preview-primary:{};--preview-accent:{}}}", primary, accent),
            preview_primary=primary.upper(),
            preview_accent=accent.upper(),
            preview_contrast=branding.ratio_text(branding.contrast_with_white(primary)),
            minimum_contrast=branding.ratio_text(branding.MIN_CONTRAST),
            logo_url=branding.logo_url(self.cluster),
        )
        return context


class LogoRemoveView(BrandingPage):
    """GET asks whether to remove the logo, POST removes it."""

    template_name = "members/branding_logo_remove.html"
    form_class = ConfirmForm

    def get(self, request, *args, **kwargs):
        if not self.cluster.logo:
            messages.info(request, _("The cluster has no logo."))
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return services.cluster_branding_update(cluster=self.cluster, actor=self.request.user, data={},
                                                remove_logo=True)

    def get_success_message(self):
        return _("The logo was removed.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["logo_url"] = branding.logo_url(self.cluster)
        return context

