"""Roles and invitations: the coordinator's roles page and an organization's own staff access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import InvitationForm, OrganizationInvitationForm
from ..models import ClusterRole, Organization, OrganizationRole
from .base import ClusterPage, organization_section, paginate


def _invitable_organizations(cluster):
    return selectors.organization_list(cluster=cluster).filter(
        status__in=[Organization.Status.ACTIVE, Organization.Status.SUSPENDED]
    ).order_by("name")


class RoleListView(ClusterPage):
    """Cluster roles with revoke, pending invitations, and the invitation form."""

    template_name = "members/role_list.html"
    allowed = permissions.can_grant_cluster_roles
    nav_section = "roles"

    def get_form(self, data=None):
        return InvitationForm(data, organizations=_invitable_organizations(self.cluster))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["cluster_roles"] = list(selectors.cluster_role_list(cluster=self.cluster))
        context["invitations"] = paginate(
            self.request,
            selectors.invitation_list(cluster=self.cluster)
            .filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at", "-pk"),
        )
        return context


class InvitationCreateView(RoleListView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_send(cluster=self.cluster, actor=request.user,
                                                      **form.service_data())
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
                return redirect("role_list", cluster_slug=self.cluster.slug)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ClusterRoleRevokeView(ClusterPage):
    template_name = "members/role_revoke.html"
    allowed = permissions.can_grant_cluster_roles
    nav_section = "roles"

    def load(self) -> ClusterRole:
        return self.get_object(selectors.cluster_role_list(cluster=self.cluster))

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(grant=self.load()))

    def post(self, request, *args, **kwargs):
        grant = self.load()
        try:
            services.cluster_role_revoke(cluster=self.cluster, actor=request.user, role_id=grant.pk)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(grant=grant, errors=error.messages), status=422)
        messages.success(request, _("%(user)s is no longer %(role)s.") % {
            "user": grant.user.get_username(), "role": grant.get_role_display().lower()})
        if grant.user_id == request.user.pk:
            return redirect("home")
        return redirect("role_list", cluster_slug=self.cluster.slug)


class OrganizationInviteView(ClusterPage):
    """An organization admin (or a coordinator) invites staff to the organization."""

    template_name = "members/organization_invite.html"

    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def get_form(self, data=None):
        people = selectors.person_list(cluster=self.cluster, organization=self.organization).filter(
            user__isnull=True, is_active=True)
        return OrganizationInvitationForm(data, people=people)

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_send(cluster=self.cluster, actor=request.user,
                                                      organization_id=self.organization.pk, **form.service_data())
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
                return redirect("organization_detail", cluster_slug=self.cluster.slug, pk=self.organization.pk)
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["nav_section"] = organization_section(self.roles, self.organization)
        return context


class OrganizationRoleRevokeView(ClusterPage):
    template_name = "members/organization_role_revoke.html"

    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))
        try:
            return (
                OrganizationRole.objects.for_cluster(self.cluster).select_related("user")
                .get(organization=self.organization, pk=self.kwargs["role_pk"])
            )
        except OrganizationRole.DoesNotExist:
            raise Http404

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(grant=self.load()))

    def post(self, request, *args, **kwargs):
        grant = self.load()
        try:
            services.organization_role_revoke(cluster=self.cluster, actor=request.user, role_id=grant.pk)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(grant=grant, errors=error.messages), status=422)
        messages.success(request, _("%(user)s is no longer %(role)s of %(organization)s.") % {
            "user": grant.user.get_username(), "role": grant.get_role_display().lower(),
            "organization": self.organization.name})
        return redirect("organization_detail", cluster_slug=self.cluster.slug, pk=self.organization.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["nav_section"] = organization_section(self.roles, self.organization)
        return context
