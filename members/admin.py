from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cluster_platform.admin import TenantAdmin

from . import services
from .models import (
    Cluster,
    ClusterRole,
    MembershipApplication,
    Organization,
    OrganizationRole,
    Person,
    Profile,
    SchoolRating,
)


class ClusterAdminForm(forms.ModelForm):
    coordinator_email = forms.EmailField(
        label=_("Invite a coordinator"), required=False,
        help_text=_("An invitation to become the cluster's coordinator is emailed to this address."),
    )

    class Meta:
        model = Cluster
        fields = ["name", "slug", "region", "goals", "languages", "is_active"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    form = ClusterAdminForm
    list_display = ["name", "slug", "region", "is_active", "created_at"]
    search_fields = ["name", "slug", "region"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = services.cluster_create(
                actor=request.user, name=obj.name, slug=obj.slug, region=obj.region, goals=obj.goals,
                languages=obj.languages,
            )
            obj.pk = created.pk
        email = form.cleaned_data.get("coordinator_email")
        if email:
            services.cluster_invite_coordinator(cluster=obj, email=email, actor=request.user)


@admin.register(ClusterRole)
class ClusterRoleAdmin(TenantAdmin):
    list_display = ["user", "role", "cluster", "granted_at"]
    list_filter = ["role", "cluster"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user", "granted_by"]


@admin.register(Organization)
class OrganizationAdmin(TenantAdmin):
    list_display = ["name", "kind", "status", "district", "cluster"]
    list_filter = ["cluster", "kind", "status"]
    search_fields = ["name", "short_name", "tax_id"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(OrganizationRole)
class OrganizationRoleAdmin(TenantAdmin):
    list_display = ["user", "organization", "role", "cluster"]
    list_filter = ["cluster", "role"]
    raw_id_fields = ["user", "organization", "granted_by"]


@admin.register(Person)
class PersonAdmin(TenantAdmin):
    list_display = ["full_name", "organization", "position", "cluster"]
    list_filter = ["cluster"]
    search_fields = ["full_name", "email"]
    raw_id_fields = ["organization", "user"]


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(TenantAdmin):
    list_display = ["reference", "organization_name", "status", "submitted_at", "cluster"]
    list_filter = ["cluster", "status"]
    search_fields = ["reference", "organization_name", "contact_email"]


@admin.register(SchoolRating)
class SchoolRatingAdmin(TenantAdmin):
    list_display = ["organization", "period", "colour", "score", "cluster"]
    list_filter = ["cluster", "colour", "period"]
    raw_id_fields = ["organization", "recorded_by"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to its user for good; only the language changes.
        return ["user", "updated_at"] if obj is not None else ["updated_at"]

    def save_model(self, request, obj, form, change):
        profile = services.language_set(user=obj.user, language=obj.language)
        obj.pk, obj.updated_at = profile.pk, profile.updated_at
