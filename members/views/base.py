"""What every members page shares: the cluster gate, role checks, paging and redirects."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from cluster_platform.tenancy import ClusterViewMixin

from .. import selectors

PAGE_SIZE = 25


class ClusterPage(ClusterViewMixin, TemplateView):
    """A page under /c/<cluster_slug>/.

    `allowed` is a predicate from `members.permissions` taking the user's roles; a user with
    a role in the cluster but without that permission gets 403 (outsiders already got 404).
    """

    allowed = None
    nav_section = ""

    def check_cluster_permission(self):
        # Read through the class so a plain function is not bound as a method.
        predicate = type(self).allowed
        if predicate is not None and not predicate(self.roles):
            raise PermissionDenied

    def require(self, permitted: bool):
        """Object-level checks, once the object is loaded through the cluster."""
        if not permitted:
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_section"] = self.nav_section
        admin_of = self.roles.organizations_with("admin")
        # Lazy: evaluated only by the navbar of organization admins with several organizations.
        context["nav_admin_organizations"] = (
            selectors.organization_list(cluster=self.cluster).filter(pk__in=sorted(admin_of))
            .only("pk", "name", "short_name")
            if len(admin_of) > 1 else ()
        )
        context["nav_admin_organization_id"] = next(iter(admin_of)) if len(admin_of) == 1 else None
        return context


class ServiceFormView(ClusterPage):
    """A page whose form hands its data to a service.

    GET shows the form. POST checks the form's shape, calls `perform(form)` (the service
    call, returning the saved object), then says `get_success_message()` and redirects to
    `get_success_url()`. A ValidationError from the service is shown on the form (beside the
    field it names, else above it) and the page answers 422, like an invalid form.
    """

    form_class = None

    def load(self) -> None:
        """Load the page's objects through the cluster and check object permissions;
        runs before GET and POST."""

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None):
        return self.form_class(data, **self.get_form_kwargs())

    def perform(self, form):
        raise NotImplementedError

    def get_success_message(self) -> str:
        return ""

    def get_success_url(self) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.object = self.perform(form)
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                if message := self.get_success_message():
                    messages.success(request, message)
                return redirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form), status=422)


def organization_section(roles, organization) -> str:
    """The navbar entry an organization's pages belong to: "My organization" for its admins."""
    return "my_organization" if organization.pk in roles.organizations_with("admin") else "organizations"


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; out-of-range or malformed page numbers give the nearest page."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def redirect_back(request, fallback: str):
    """Redirect to the `next` the form carried when it is a local URL, else to `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)
