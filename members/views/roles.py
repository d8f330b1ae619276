"""Roles and invitations: the coordinator's roles page and an organization's own staff access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import InvitationForm, OrganizationInvitationForm
from ..models import OrganizationRole
from .base import ClusterPage, ServiceFormView, organization_section, paginate


class RoleListView(ServiceFormView):
    """Cluster roles with revoke, pending invitations, and the invitation form (which posts
    to InvitationCreateView)."""

    template_name = "members/role_list.html"
    form_class = InvitationForm
    allowed = permissions.can_grant_cluster_roles
    nav_section = "roles"
    http_method_names = ["get", "head", "options"]

    def get_form_kwargs(self):
        return {"organizations": selectors.invitable_organizations(cluster=self.cluster),
                "organizations_url": reverse("organization_options_invitable", args=[self.cluster.slug]),
                "initial": {"language": services.invitation_language_default(cluster=self.cluster)}}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # the form: ServiceFormView's get and post give it
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

    def perform(self, form):
        return services.invitation_send(cluster=self.cluster, actor=self.request.user, **form.service_data())

    def get_success_message(self):
        return _("An invitation was sent to %(email)s.") % {"email": self.object.email}

    def get_success_url(self):
        return reverse("role_list", args=[self.cluster.slug])


class OrganizationInviteView(ServiceFormView):
    """An organization admin (or a coordinator) invites staff to the organization."""

    template_name = "members/organization_invite.html"
    form_class = OrganizationInvitationForm

    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def get_form_kwargs(self):
        people = selectors.person_list(cluster=self.cluster, organization=self.organization).filter(
            user__isnull=True, is_active=True)
        return {"people": people,
                "initial": {"language": services.invitation_language_default(cluster=self.cluster)}}

    def perform(self, form):
        return services.invitation_send(cluster=self.cluster, actor=self.request.user,
                                        organization_id=self.organization.pk, **form.service_data())

    def get_success_message(self):
        return _("An invitation was sent to %(email)s.") % {"email": self.object.email}

    def get_success_url(self):
        return reverse("organization_detail", args=[self.cluster.slug, self.organization.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["nav_section"] = organization_section(self.roles, self.organization)
        return context


class RoleRevokeView(ClusterPage):
    """Revoking a role: GET asks first (members/role_revoke.html), only POST revokes.

    Subclasses load the grant through the cluster, call their service and say where to go.
    """

    template_name = "members/role_revoke.html"
    organization = None

    def load(self):
        raise NotImplementedError

    def revoke(self, grant) -> None:
        raise NotImplementedError

    def success_message(self, grant) -> str:
        raise NotImplementedError

    def get_success_url(self, grant) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(grant=self.load()))

    def post(self, request, *args, **kwargs):
        grant = self.load()
        try:
            self.revoke(grant)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(grant=grant, errors=error.messages), status=422)
        messages.success(request, self.success_message(grant))
        return redirect(self.get_success_url(grant))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context


class ClusterRoleRevokeView(RoleRevokeView):
    allowed = permissions.can_grant_cluster_roles
    nav_section = "roles"

    def load(self):
        return self.get_object(selectors.cluster_role_list(cluster=self.cluster))

    def revoke(self, grant):
        services.cluster_role_revoke(cluster=self.cluster, actor=self.request.user, role_id=grant.pk)

    def success_message(self, grant):
        return _("%(user)s is no longer %(role)s.") % {
            "user": grant.user.get_username(), "role": grant.get_role_display().lower()}

    def get_success_url(self, grant):
        # Who revoked their own role may have no page left in this cluster.
        if grant.user_id == self.request.user.pk:
            return reverse("home")
        return reverse("role_list", args=[self.cluster.slug])


class OrganizationRoleRevokeView(RoleRevokeView):
    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))
        try:
            return selectors.organization_role_get(cluster=self.cluster, organization=self.organization,
                                                   pk=self.kwargs["role_pk"])
        except OrganizationRole.DoesNotExist:
            raise Http404

    def revoke(self, grant):
        services.organization_role_revoke(cluster=self.cluster, actor=self.request.user, role_id=grant.pk)

    def success_message(self, grant):
        return _("%(user)s is no longer %(role)s of %(organization)s.") % {
            "user": grant.user.get_username(), "role": grant.get_role_display().lower(),
            "organization": self.organization.localized_name}

    def get_success_url(self, grant):
        return reverse("organization_detail", args=[self.cluster.slug, self.organization.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_section"] = organization_section(self.roles, self.organization)
        return context
