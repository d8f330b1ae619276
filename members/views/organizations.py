"""The member registry: list, exports, profile page, create and edit, status, ratings."""

from __future__ import annotations

from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import push_url

from agreements import selectors as agreement_selectors
from cluster_platform.forms import search_options

from .. import importing, permissions, selectors, services
from ..forms import OrganizationFilterForm, OrganizationForm, SchoolRatingForm, StatusChangeForm
from ..models import Organization
from .base import ClusterPage, ServiceFormView, organization_section, paginate

RESULTS_ID = "organization-results"
AGREEMENTS_SHOWN = 10


def _filter_form(request, cluster) -> OrganizationFilterForm:
    return OrganizationFilterForm(
        request.GET or None, districts=selectors.organization_districts(cluster=cluster)
    )


def _filtered(cluster, form: OrganizationFilterForm):
    return selectors.organization_list(cluster=cluster, filters=form.filters()).order_by(*form.ordering())


class OrganizationOptionsView(ClusterPage):
    """The options of a searchable organization select (cluster_platform.forms.offer_choices):
    of the cluster's organizations (`all`), its active members (`active`) or those whose people
    may be given access (`invitable`), the ones whose name matches. For anyone with a role in the
    cluster: the names its forms' selects show anyway."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        which = kwargs["which"]
        if which == "invitable":
            objects = selectors.invitable_organizations(cluster=self.cluster)
        else:
            objects = selectors.organization_choices(cluster=self.cluster, active_only=which == "active")
        return HttpResponse(search_options(request, objects))


class OrganizationListView(ClusterPage):
    template_name = "members/organization_list.html"
    allowed = permissions.can_view_registry
    nav_section = "organizations"

    def get_template_names(self):
        # The live search swaps only the results block.
        htmx = self.request.htmx
        if htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request:
            return ["members/partials/organization_results.html"]
        return [self.template_name]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.request.htmx:
            # The address bar shows the search without the form's empty fields.
            query = "?" + context["export_query"] if context["export_query"] else ""
            push_url(response, self.request.path + query)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = _filter_form(self.request, self.cluster)
        page = paginate(self.request, _filtered(self.cluster, form))
        # The current filters without the page number and the form's empty fields.
        export_query = QueryDict(mutable=True)
        for key, values in self.request.GET.lists():
            kept = [value for value in values if value]
            if kept and key != "page":
                export_query.setlist(key, kept)
        context.update(
            form=form,
            page_obj=page,
            organizations=page.object_list,
            sort_columns=form.sort_columns(),
            is_filtered=bool(form.filters()),
            results_id=RESULTS_ID,
            can_export=permissions.can_export(self.roles),
            can_manage=permissions.can_manage_members(self.roles),
            export_query=export_query.urlencode(),
        )
        return context


class OrganizationExportView(ClusterPage):
    """The filtered and sorted list as a CSV or XLSX download."""

    allowed = permissions.can_export
    formats = {
        "csv": ("text/csv; charset=utf-8", importing.export_csv),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", importing.export_xlsx),
    }

    def get(self, request, *args, **kwargs):
        content_type, export = self.formats[kwargs["fmt"]]
        form = _filter_form(request, self.cluster)
        body = export(_filtered(self.cluster, form))
        # The slug is restricted to [a-z0-9-], so the file name needs no escaping beyond
        # what content_disposition_header already does.
        filename = f"organizations-{self.cluster.slug}-{timezone.localdate():%Y-%m-%d}.{kwargs['fmt']}"
        return HttpResponse(body, content_type=content_type, headers={
            "Content-Disposition": content_disposition_header(True, filename),
            "X-Content-Type-Options": "nosniff",
        })


class OrganizationDetailView(ClusterPage):
    template_name = "members/organization_detail.html"
    allowed = permissions.can_view_registry
    nav_section = "organizations"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            organization = selectors.organization_detail(cluster=self.cluster, pk=self.kwargs["pk"],
                                                         with_people=False)
        except Organization.DoesNotExist:
            raise Http404
        # The profile is open to every member; its people and accounts only to those who may
        # read this organization's people (not even loaded otherwise).
        show_people = permissions.can_view_people(self.roles, organization)
        if show_people:
            selectors.organization_prefetch_people(cluster=self.cluster, organization=organization)
        context.update(
            nav_section=organization_section(self.roles, organization),
            organization=organization,
            can_edit=permissions.can_edit_organization(self.roles, organization),
            can_manage_staff=permissions.can_manage_staff(self.roles, organization),
            can_manage_members=permissions.can_manage_members(self.roles),
            can_record_ratings=(permissions.can_record_ratings(self.roles)
                                and organization.kind == Organization.Kind.SCHOOL),
            is_school=organization.kind == Organization.Kind.SCHOOL,
            show_people=show_people,
        )
        # The agreements this organization is party to, as far as the viewer may read them.
        agreements = list(agreement_selectors.agreement_list(
            cluster=self.cluster, roles=self.roles, filters={"organization": organization.pk},
        ).order_by("-start_date", "-pk")[:AGREEMENTS_SHOWN + 1])
        context.update(
            agreements=agreements[:AGREEMENTS_SHOWN],
            agreements_more=len(agreements) > AGREEMENTS_SHOWN,
        )
        return context


class OrganizationFormView(ServiceFormView):
    """Create (coordinator) or edit (coordinator, or an admin of the organization)."""

    template_name = "members/organization_form.html"
    form_class = OrganizationForm
    nav_section = "organizations"
    organization = None

    def get_form_kwargs(self):
        # Exactly the fields the service will accept from this user.
        return {
            "field_names": services.organization_writable_fields(cluster=self.cluster, actor=self.request.user),
            "instance": self.organization,
        }

    def get_success_message(self):
        return _("%(name)s was saved.") % {"name": self.object.localized_name}

    def get_success_url(self):
        return reverse("organization_detail", args=[self.cluster.slug, self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context


class OrganizationCreateView(OrganizationFormView):
    allowed = permissions.can_manage_members

    def perform(self, form):
        return services.organization_create(cluster=self.cluster, actor=self.request.user,
                                            data=form.service_data())


class OrganizationEditView(OrganizationFormView):
    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_edit_organization(self.roles, self.organization))

    def perform(self, form):
        return services.organization_update(cluster=self.cluster, actor=self.request.user,
                                            organization_id=self.organization.pk, data=form.service_data())


STATUS_ACTIONS = {
    Organization.Status.SUSPENDED: {
        "verb": gettext_lazy("Suspend"),
        "explanation": gettext_lazy(
            "The member's status becomes Suspended from the effective date. Its administrators keep "
            "their access and it can be reinstated later. The reason is kept in its status history."
        ),
        "button": "btn-warning",
    },
    Organization.Status.WITHDRAWN: {
        "verb": gettext_lazy("Withdraw"),
        "explanation": gettext_lazy(
            "The member leaves the cluster from the effective date: its administrators and staff lose "
            "their access through it. It can be reinstated later. The reason is kept in its status history."
        ),
        "button": "btn-danger",
    },
    Organization.Status.ACTIVE: {
        "verb": gettext_lazy("Reinstate"),
        "explanation": gettext_lazy(
            "The member becomes active again and its administrators and staff regain their access. "
            "The change is kept in its status history."
        ),
        "button": "btn-success",
    },
}


class OrganizationStatusView(ServiceFormView):
    """Suspend, withdraw or reinstate: the page says what will happen; only POST changes."""

    template_name = "members/organization_status.html"
    form_class = StatusChangeForm
    allowed = permissions.can_manage_members
    nav_section = "organizations"

    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        targets = services.organization_status_targets(organization=self.organization)
        self.actions = [{"status": status, **STATUS_ACTIONS[status]} for status in targets]
        wanted = self.request.POST.get("to_status") or self.request.GET.get("to")
        self.action = next((a for a in self.actions if a["status"] == wanted), None)

    def get_form(self, data=None):
        form = super().get_form(data)
        if data is not None and self.action is None:
            form.add_error(None, _("Choose one of the actions offered for this member."))
        return form

    def perform(self, form):
        return services.organization_change_status(
            cluster=self.cluster, actor=self.request.user, organization_id=self.organization.pk,
            to_status=self.action["status"], reason=form.cleaned_data["reason"],
            effective_on=form.cleaned_data["effective_on"],
        )

    def get_success_message(self):
        return _("The status of %(name)s was changed.") % {"name": self.organization.localized_name}

    def get_success_url(self):
        return reverse("organization_detail", args=[self.cluster.slug, self.organization.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(organization=self.organization, actions=self.actions, action=self.action)
        return context


class SchoolRatingCreateView(ServiceFormView):
    template_name = "members/rating_form.html"
    form_class = SchoolRatingForm
    allowed = permissions.can_record_ratings
    nav_section = "organizations"

    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))

    def perform(self, form):
        return services.school_rating_record(cluster=self.cluster, actor=self.request.user,
                                             organization_id=self.organization.pk, **form.service_data())

    def get_success_message(self):
        return _("The rating was recorded.")

    def get_success_url(self):
        return reverse("organization_detail", args=[self.cluster.slug, self.organization.pk]) + "#ratings"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context
