"""Browser URLs of the members app.

Names are not namespaced: `invitation_accept` is reversed by members.tasks for the emails.
"""

from django.urls import include, path

from .views import applications, branding, dashboard, imports, organizations, people, public, roles

cluster_patterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    # Organizations (the member registry)
    path("organizations/", organizations.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/export.csv", organizations.OrganizationExportView.as_view(), {"fmt": "csv"},
         name="organization_export_csv"),
    path("organizations/export.xlsx", organizations.OrganizationExportView.as_view(), {"fmt": "xlsx"},
         name="organization_export_xlsx"),
    path("organizations/new/", organizations.OrganizationCreateView.as_view(), name="organization_create"),
    *(path(f"organizations/options/{which}/", organizations.OrganizationOptionsView.as_view(), {"which": which},
           name=f"organization_options_{which}") for which in ("all", "active", "invitable")),
    path("organizations/import/", imports.OrganizationImportView.as_view(), name="organization_import"),
    path("organizations/import/confirm/", imports.OrganizationImportConfirmView.as_view(),
         name="organization_import_confirm"),
    path("organizations/<int:pk>/", organizations.OrganizationDetailView.as_view(), name="organization_detail"),
    path("organizations/<int:pk>/edit/", organizations.OrganizationEditView.as_view(), name="organization_edit"),
    path("organizations/<int:pk>/status/", organizations.OrganizationStatusView.as_view(),
         name="organization_status"),
    path("organizations/<int:pk>/ratings/new/", organizations.SchoolRatingCreateView.as_view(),
         name="rating_create"),
    path("organizations/<int:pk>/people/new/", people.PersonCreateView.as_view(), name="person_create"),
    path("organizations/<int:pk>/invite/", roles.OrganizationInviteView.as_view(), name="organization_invite"),
    path("organizations/<int:pk>/roles/<int:role_pk>/revoke/", roles.OrganizationRoleRevokeView.as_view(),
         name="organization_role_revoke"),
    # People
    path("people/", people.PersonListView.as_view(), name="person_list"),
    path("people/<int:pk>/edit/", people.PersonEditView.as_view(), name="person_edit"),
    # Applications
    path("applications/", applications.ApplicationListView.as_view(), name="application_list"),
    path("applications/<int:pk>/", applications.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/approve/", applications.ApplicationApproveView.as_view(),
         name="application_approve"),
    path("applications/<int:pk>/reject/", applications.ApplicationRejectView.as_view(),
         name="application_reject"),
    # Roles and invitations
    path("roles/", roles.RoleListView.as_view(), name="role_list"),
    path("roles/invite/", roles.InvitationCreateView.as_view(), name="invitation_create"),
    path("roles/<int:pk>/revoke/", roles.ClusterRoleRevokeView.as_view(), name="role_revoke"),
    # Branding: the coordinators' page (the logo itself is public, below)
    path("branding/", branding.BrandingView.as_view(), name="cluster_branding"),
    path("branding/logo/remove/", branding.LogoRemoveView.as_view(), name="cluster_logo_remove"),
]

urlpatterns = [
    path("apply/<slug:cluster_slug>/", public.ApplicationApplyView.as_view(), name="application_apply"),
    # The cluster's logo, at its versioned address (members.branding.logo_url): public.
    path("logos/<slug:cluster_slug>/", public.ClusterLogoView.as_view(), name="cluster_logo"),
    path("invitations/<str:token>/", public.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("c/<slug:cluster_slug>/", include(cluster_patterns)),
]
