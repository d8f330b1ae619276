from django.contrib import admin
from django.utils.translation import gettext_lazy as _


def _platform_administrators_only(request):
    # The admin site reads across clusters: it is for platform superusers alone, whatever
    # model permissions a staff account may hold.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _platform_administrators_only
admin.site.site_header = _("Cluster platform administration")


class TenantAdmin(admin.ModelAdmin):
    """Read-only admin for tenant data, the one narrow path that reads across clusters.

    Changes to tenant data go through the services (the cluster pages and the API), which
    check the rules and keep the audit; the admin only shows.
    """

    list_select_related = ["cluster"]

    def get_queryset(self, request):
        return self.model.objects.get_queryset().unscoped().select_related("cluster")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
