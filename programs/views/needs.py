"""Employer needs: the list, posting one (the admins of an enterprise or an education authority,
coordinators), a need's page with the programmes that answer it and whether it is met; the
coordinators link and unlink programmes, the posting organization's admins close it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_platform.forms import ConfirmForm
from members import selectors as member_selectors
from members.views.base import paginate

from .. import permissions, selectors, services
from ..forms import NeedFilterForm, NeedForm, NeedLinkForm
from ..models import EmployerNeed, Program
from ..services.needs import NEED_KINDS
from .base import ProgramActionView, ProgramPage


def need_organizations(cluster, roles):
    """The organizations whose needs the user may post: any enterprise or authority for a
    coordinator, those they administer otherwise."""
    organizations = member_selectors.organization_choices(cluster=cluster, active_only=True).filter(
        kind__in=NEED_KINDS)
    if not roles.is_coordinator:
        organizations = organizations.filter(pk__in=sorted(roles.organizations_with("admin")))
    return organizations


def can_post_any_need(cluster, roles) -> bool:
    return roles.is_coordinator or (permissions.can_post_need(roles, None) and need_organizations(
        cluster, roles).exists())


class NeedPage(ProgramPage):
    need = None

    def load_need(self) -> EmployerNeed:
        try:
            self.need = selectors.need_get(cluster=self.cluster, pk=self.kwargs["pk"])
        except (EmployerNeed.DoesNotExist, ValueError):
            raise Http404
        return self.need

    def need_url(self) -> str:
        return reverse("need_detail", args=[self.cluster.slug, self.need.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["need"] = self.need
        return context


class NeedListView(NeedPage):
    template_name = "programs/need_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = NeedFilterForm(self.request.GET or None)
        filters = form.filters()
        page = paginate(self.request, selectors.need_list(cluster=self.cluster, filters=filters))
        context.update(form=form, page_obj=page, needs=page.object_list, is_filtered=bool(filters),
                       can_create=can_post_any_need(self.cluster, self.roles))
        return context


class NeedCreateView(NeedPage, ProgramActionView):
    template_name = "programs/need_form.html"
    form_class = NeedForm

    def load(self):
        if not can_post_any_need(self.cluster, self.roles):
            raise PermissionDenied

    def get_form_kwargs(self):
        organizations = list(need_organizations(self.cluster, self.roles))
        kwargs = {"organizations": organizations}
        if len(organizations) == 1:
            kwargs["initial"] = {"organization": organizations[0].pk}
        return kwargs

    def perform(self, form):
        return services.need_create(cluster=self.cluster, actor=self.request.user, **form.service_data())

    def get_success_message(self):
        return _("The need %(title)s was posted.") % {"title": self.object.title}

    def get_success_url(self):
        return reverse("need_detail", args=[self.cluster.slug, self.object.pk])


def linkable_programs(cluster, need):
    linked = {link.program_id for link in need.program_links.all()}
    programs = selectors.program_list(cluster=cluster).select_related(None).prefetch_related(None).exclude(
        status=Program.Status.CANCELLED).only(
        "pk", "title", "title_translations").order_by("title", "pk")
    return [program for program in programs if program.pk not in linked]


def need_context(view, need, link_form=None, link_errors=()) -> dict:
    can_link = permissions.can_link_needs(view.roles)
    return {
        "links": need.program_links.all(),
        "can_link": can_link,
        "link_form": link_form or (NeedLinkForm(programs=linkable_programs(view.cluster, need)) if can_link else None),
        "link_errors": link_errors,
        "can_close": need.status == EmployerNeed.Status.OPEN
        and permissions.can_post_need(view.roles, need.organization_id),
    }


class NeedDetailView(NeedPage):
    template_name = "programs/need_detail.html"

    def get_context_data(self, **kwargs):
        need = self.load_need()
        context = super().get_context_data(**kwargs)
        context.update(need_context(self, need))
        return context


class NeedActionView(NeedPage, ProgramActionView):
    def load(self):
        self.load_need()
        self.load_target()

    def get_success_url(self):
        return self.need_url()


class NeedLinkView(NeedActionView):
    template_name = "programs/need_detail.html"
    form_class = NeedLinkForm

    def load_target(self):
        self.require(permissions.can_link_needs(self.roles))

    def get_form_kwargs(self):
        return {"programs": linkable_programs(self.cluster, self.need)}

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        context = super().get_context_data(**kwargs)
        context.update(need_context(self, self.need, link_form=form))
        return context

    def perform(self, form):
        return services.need_link(cluster=self.cluster, actor=self.request.user, need_id=self.need.pk,
                                  program_id=form.cleaned_data["program"])

    def get_success_message(self):
        return _("%(title)s now answers this need.") % {"title": self.object.program.localized_title}


class NeedUnlinkView(NeedActionView):
    template_name = "programs/need_detail.html"
    form_class = NeedLinkForm
    http_method_names = ["post"]

    def load_target(self):
        self.require(permissions.can_link_needs(self.roles))

    def get_form_kwargs(self):
        return {"programs": [link.program for link in self.need.program_links.all()]}

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        context = super().get_context_data(**kwargs)
        errors = [error for errors in form.errors.values() for error in errors] if form is not None else []
        context.update(need_context(self, self.need, link_errors=errors))
        return context

    def perform(self, form):
        return services.need_unlink(cluster=self.cluster, actor=self.request.user, need_id=self.need.pk,
                                    program_id=form.cleaned_data["program"])

    def get_success_message(self):
        return _("The programme no longer answers this need.")


class NeedCloseView(NeedActionView):
    template_name = "programs/need_close.html"
    form_class = ConfirmForm

    def load_target(self):
        self.require(permissions.can_post_need(self.roles, self.need.organization_id))

    def perform(self, form):
        return services.need_close(cluster=self.cluster, actor=self.request.user, need_id=self.need.pk)

    def get_success_message(self):
        return _("The need was closed.")
