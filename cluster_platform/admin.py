from django.contrib import admin


class TenantAdmin(admin.ModelAdmin):
    """Admin for tenant data. The admin site is for platform superusers, the one narrow
    path that reads across clusters, so it asks for the unscoped queryset explicitly."""

    list_select_related = ["cluster"]

    def get_queryset(self, request):
        return self.model.objects.get_queryset().unscoped().select_related("cluster")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser
