from django.contrib import admin

from cluster_platform.admin import TenantAdmin

from .models import BookedResource, Booking, ClosedDate, OpeningHours, Resource, ResourcePhoto


@admin.register(Resource)
class ResourceAdmin(TenantAdmin):
    list_display = ["name", "kind", "owner", "capacity", "terms", "access", "is_active", "cluster"]
    list_select_related = ["cluster", "owner"]
    list_filter = ["kind", "terms", "access", "is_active"]
    search_fields = ["name"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(TenantAdmin):
    list_display = ["resource", "weekday", "opens", "closes", "cluster"]
    list_select_related = ["cluster", "resource"]


@admin.register(ClosedDate)
class ClosedDateAdmin(TenantAdmin):
    list_display = ["resource", "date", "reason", "cluster"]
    list_select_related = ["cluster", "resource"]


@admin.register(ResourcePhoto)
class ResourcePhotoAdmin(TenantAdmin):
    list_display = ["resource", "caption", "position", "content_type", "size", "cluster"]
    list_select_related = ["cluster", "resource"]


class BookedResourceInline(admin.TabularInline):
    model = BookedResource
    fields = ["resource", "period", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped().select_related("resource")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(TenantAdmin):
    list_display = ["pk", "requester", "period", "participants", "status", "created_at", "cluster"]
    list_select_related = ["cluster", "requester"]
    list_filter = ["status"]
    inlines = [BookedResourceInline]
