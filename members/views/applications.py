"""The coordinator's application queue, with htmx approve and reject.

Approve and reject are POST endpoints that answer an htmx request with the replaced table
row (plus an announcement for screen readers) and a plain form post with a redirect, so the
queue works with and without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import APPLICATION_STATUS_ALL, ApplicationFilterForm, RejectForm
from ..models import MembershipApplication
from .base import ClusterPage, paginate, redirect_back


class ApplicationListView(ClusterPage):
    template_name = "members/application_list.html"
    allowed = permissions.can_manage_members
    nav_section = "applications"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ApplicationFilterForm(
            self.request.GET if "status" in self.request.GET else None,
            initial={"status": MembershipApplication.Status.SUBMITTED},
        )
        status = form.selected_status()
        applications = selectors.application_list(
            cluster=self.cluster, status=None if status == APPLICATION_STATUS_ALL else status
        )
        page = paginate(self.request, applications)
        context.update(form=form, status=status, page_obj=page, applications=page.object_list,
                       reject_form=RejectForm(), next_url=self.request.get_full_path())
        return context


class ApplicationDetailView(ClusterPage):
    template_name = "members/application_detail.html"
    allowed = permissions.can_manage_members
    nav_section = "applications"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["application"] = self.get_object(selectors.application_list(cluster=self.cluster))
        context.setdefault("reject_form", RejectForm())
        context["next_url"] = self.request.get_full_path()
        return context


class ApplicationDecisionView(ClusterPage):
    """Base of approve and reject: POST only, row partial for htmx, redirect otherwise."""

    allowed = permissions.can_manage_members
    http_method_names = ["post"]
    row_template = "members/partials/application_row.html"

    def decide(self, application, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        application = self.get_object(selectors.application_list(cluster=self.cluster))
        form = RejectForm(request.POST)
        form.is_valid()
        try:
            application = self.decide(application, form)
        except ValidationError as error:
            form.apply_service_error(error)
            return self.refused(application, form)
        return self.done(application)

    def done(self, application):
        announcement = self.success_message(application)
        if self.request.htmx:
            return self.row(application, RejectForm(), announcement=announcement)
        messages.success(self.request, announcement)
        return redirect_back(self.request, reverse("application_list", args=[self.cluster.slug]))

    def refused(self, application, form):
        # Re-read: the service may have refused because someone else decided it meanwhile.
        application = self.get_object(selectors.application_list(cluster=self.cluster))
        if self.request.htmx:
            return self.row(application, form, status=422)
        detail_url = reverse("application_detail", args=[self.cluster.slug, application.pk])
        return TemplateResponse(
            self.request, "members/application_detail.html",
            self.get_context_data(application=application, reject_form=form, next_url=detail_url), status=422,
        )

    def row(self, application, form, *, announcement="", status=200):
        # The row's forms go on posting from the page the user is on (the filtered queue).
        next_url = self.request.htmx.current_url_abs_path or reverse("application_list", args=[self.cluster.slug])
        context = self.get_context_data(application=application, reject_form=form, announcement=announcement,
                                        next_url=next_url)
        return TemplateResponse(self.request, self.row_template, context, status=status)


class ApplicationApproveView(ApplicationDecisionView):
    def decide(self, application, form):
        return services.application_approve(
            cluster=self.cluster, actor=self.request.user, application_id=application.pk
        )

    def success_message(self, application):
        return _("%(name)s was approved and is now a member. Its contact was invited.") % {
            "name": application.organization_name}


class ApplicationRejectView(ApplicationDecisionView):
    def decide(self, application, form):
        return services.application_reject(
            cluster=self.cluster, actor=self.request.user, application_id=application.pk,
            reason=form.cleaned_data.get("reason", ""),
        )

    def success_message(self, application):
        return _("The application of %(name)s was rejected.") % {"name": application.organization_name}
