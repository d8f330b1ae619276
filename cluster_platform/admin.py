from functools import wraps

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .rls import platform_scope
from .tenancy import render_in_transaction


def _platform_administrators_only(request):
    # The admin site reads across clusters: it is for platform superusers alone, whatever
    # model permissions a staff account may hold.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _platform_administrators_only
_admin_view = admin.site.admin_view


def _platform_admin_view(view, cacheable=False):
    """The admin's pages run in the platform scope of row-level security (rls.py): its one
    narrow path across clusters, for platform superusers."""
    inner = _admin_view(view, cacheable)

    @wraps(inner)
    def wrapper(request, *args, **kwargs):
        if not _platform_administrators_only(request):
            return inner(request, *args, **kwargs)  # the admin's own sign-in redirect
        with platform_scope():
            return render_in_transaction(inner(request, *args, **kwargs))

    return wrapper


admin.site.admin_view = _platform_admin_view
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
