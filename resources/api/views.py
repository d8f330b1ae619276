"""The resources API: thin viewsets over resources.services and resources.selectors.

The base class resolves the cluster of the URL and the caller's roles (404 for anyone without
a role there). Every detail route loads its object through the scoped queryset before it
reads the body, so another cluster's id never reaches a service, and a booking the caller may
not read (permissions.visible_bookings) answers 404 like one that does not exist. Writes the
caller's roles do not allow are refused with 403 before the body is read (the same predicates
of resources.permissions the services then check again); the services' ValidationErrors are
400 answers naming the field.

Photos are uploaded at .../resources/<id>/photos/ (multipart) and streamed at
.../resources/<id>/photos/<photo_id>/, answering only under their own resource.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agreements.api.views import DownloadContentNegotiation
from cluster_platform import uploads
from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses, file_responses
from resources import permissions, selectors, services
from resources.models import Booking, ClosedDate, Resource, ResourcePhoto

from .filters import BookingFilter, ResourceFilter
from .serializers import (
    AvailabilityOut,
    AvailabilityQueryIn,
    BookingCreateIn,
    BookingOut,
    ClosedDateIn,
    ClosedDateOut,
    DeclineIn,
    ManagerIn,
    OpeningHoursIn,
    PhotoIn,
    PhotoOut,
    ResourceCreateIn,
    ResourceDetailOut,
    ResourceOut,
    ResourceUpdateIn,
)



def photo_file_response(photo: ResourcePhoto) -> FileResponse:
    """The stored image, inline, with the content type detected at upload. `nosniff` and a
    sandboxing CSP keep a browser from treating it as anything but an image."""
    if not photo.image.name:
        raise Http404
    try:
        handle = photo.image.storage.open(photo.image.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=photo.content_type)
    extension = photo.image.name.rsplit(".", 1)[-1] if "." in photo.image.name else "img"
    response["Content-Disposition"] = f'inline; filename="resource-{photo.resource_id}-photo-{photo.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class DetailUnfiltered:
    """List filters (and the catalogue's "active only" default) apply to lists: a detail
    route finds its object whatever the query string says."""

    def filter_queryset(self, queryset):
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


# --- Resources -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("The catalogue of shared resources"),
                       description=_("Active resources unless include_archived is true. free_start and "
                                     "free_end (both or neither, ISO date-times) keep the resources free "
                                     "over that whole range.")),
)
@extend_schema(tags=["resources"])
class ResourceViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = Resource
    # services.photo_add stores its file outside the database and must run outside any
    # transaction of the caller; every other write here is a service that holds its own transaction.
    non_atomic_actions = frozenset({"photos"})
    serializer_class = ResourceOut
    filterset_class = ResourceFilter
    ordering_fields = ["name", "kind", "capacity", "created_at"]
    ordering = ["name"]

    # action -> the permissions.py action it needs on the resource
    OBJECT_ACTIONS = {
        "partial_update": "edit", "archive": "edit", "restore": "edit", "managers": "edit",
        "remove_manager": "edit", "hours": "manage", "closed_dates": "manage", "closed_date": "manage",
    }
    INPUT = {
        "create": ResourceCreateIn, "partial_update": ResourceUpdateIn, "hours": OpeningHoursIn,
        "closed_dates": ClosedDateIn, "managers": ManagerIn, "remove_manager": ManagerIn, "photos": PhotoIn,
    }

    def scoped_queryset(self):
        if self.action == "list":
            return selectors.resource_list(cluster=self.cluster, filters={"include_archived": True})
        return Resource.objects.for_cluster(self.cluster).select_related("owner")

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "register", None)

    def check_cluster_object_permission(self, obj):
        needed = self.OBJECT_ACTIONS.get(self.action)
        if self.action in ("photos", "photo") and self.request.method in ("POST", "DELETE"):
            needed = "manage"
        if needed:
            permissions.require(self.request.user, self.cluster, needed, obj)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ResourceDetailOut
        return self.INPUT.get(self.action, ResourceOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        resource = selectors.resource_get(cluster=self.cluster, pk=pk)
        resource.manager_users = list(selectors.resource_managers(cluster=self.cluster, resource=resource))
        resource.can_edit = permissions.can_edit(self.roles, resource)
        resource.can_manage = permissions.can_manage(self.roles, resource)
        return Response(ResourceDetailOut(resource, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(summary=_("One resource with its hours, upcoming closed dates, photos and managers"),
                   responses={200: ResourceDetailOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Register a resource (coordinators, or an admin of the owner organization)"),
                   request=ResourceCreateIn, responses={201: ResourceDetailOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(ResourceCreateIn)
        resource = services.resource_create(cluster=self.cluster, actor=request.user, owner_id=data.pop("owner"),
                                            **data)
        return self._detail(resource.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change a resource (coordinators, or an admin of the owner organization)"),
                   description=_("Any of the fields; the owner never changes. Switching to free terms "
                                 "clears the price."),
                   request=ResourceUpdateIn, responses={200: ResourceDetailOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(ResourceUpdateIn, partial=True)
        services.resource_update(cluster=self.cluster, actor=request.user, resource_id=resource.pk, **data)
        return self._detail(resource.pk)

    @extend_schema(summary=_("Archive: the resource leaves the catalogue and cannot be booked"),
                   request=None, responses={200: ResourceDetailOut, **error_responses(403, 404)})
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        resource = self.get_object()
        services.resource_archive(cluster=self.cluster, actor=request.user, resource_id=resource.pk)
        return self._detail(resource.pk)

    @extend_schema(summary=_("Restore an archived resource to the catalogue"),
                   request=None, responses={200: ResourceDetailOut, **error_responses(403, 404)})
    @action(detail=True, methods=["post"])
    def restore(self, request, *args, **kwargs):
        resource = self.get_object()
        services.resource_restore(cluster=self.cluster, actor=request.user, resource_id=resource.pk)
        return self._detail(resource.pk)

    @extend_schema(summary=_("Replace the whole week's opening hours (the resource's managers)"),
                   request=OpeningHoursIn, responses={200: ResourceDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["put"])
    def hours(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(OpeningHoursIn)
        services.opening_hours_set(cluster=self.cluster, actor=request.user, resource_id=resource.pk,
                                   hours=[dict(interval) for interval in data["hours"]],
                                   always_open=data["always_open"])
        return self._detail(resource.pk)

    @extend_schema(summary=_("Add a date on which the resource is closed (the resource's managers)"),
                   request=ClosedDateIn, responses={201: ClosedDateOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"], url_path="closed-dates")
    def closed_dates(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(ClosedDateIn)
        closed = services.closed_date_add(cluster=self.cluster, actor=request.user, resource_id=resource.pk, **data)
        return Response(ClosedDateOut(closed).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Remove a closed date (the resource's managers)"),
                   request=None, responses={204: None, **error_responses(403, 404)})
    @action(detail=True, methods=["delete"], url_path=r"closed-dates/(?P<closed_pk>[0-9]+)",
            url_name="closed-date")
    def closed_date(self, request, *args, **kwargs):
        resource = self.get_object()
        closed = ClosedDate.objects.for_cluster(self.cluster).filter(resource=resource, pk=kwargs["closed_pk"]).first()
        if closed is None:
            raise exceptions.NotFound()
        services.closed_date_remove(cluster=self.cluster, actor=request.user, closed_date_id=closed.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Name a person of the owner organization to manage the resource"),
                   request=ManagerIn, responses={200: ResourceDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def managers(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(ManagerIn)
        services.manager_grant(cluster=self.cluster, actor=request.user, resource_id=resource.pk,
                               user_id=data["user"])
        return self._detail(resource.pk)

    @extend_schema(summary=_("Stop a person managing the resource"),
                   request=ManagerIn, responses={200: ResourceDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"], url_path="managers/remove")
    def remove_manager(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(ManagerIn)
        services.manager_revoke(cluster=self.cluster, actor=request.user, resource_id=resource.pk,
                                user_id=data["user"])
        return self._detail(resource.pk)

    @extend_schema(summary=_("Upload a photo of the resource (the resource's managers)"),
                   description=_("multipart/form-data with `image` and `caption`. JPEG, PNG or WebP, "
                                 "recognized by the content; the size limit is a setting (5 MB unless "
                                 "configured otherwise)."),
                   request={"multipart/form-data": PhotoIn},
                   responses={201: PhotoOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, *args, **kwargs):
        resource = self.get_object()
        data = self.validate_input(PhotoIn)
        photo = services.photo_add(cluster=self.cluster, actor=request.user, resource_id=resource.pk,
                                   upload=data["image"], caption=data["caption"])
        return Response(PhotoOut(photo, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary=_("The photo's image"),
                   description=_("The image inline, with the content type detected at upload."),
                   request=None,
                   responses={**file_responses(uploads.content_types(uploads.IMAGE_KINDS), _("The image.")),
                              **error_responses(404)})
    @extend_schema(methods=["DELETE"], summary=_("Remove a photo (the resource's managers)"),
                   request=None, responses={204: None, **error_responses(403, 404)})
    @action(detail=True, methods=["get", "delete"], url_path=r"photos/(?P<photo_pk>[0-9]+)", url_name="photo",
            renderer_classes=[JSONRenderer], content_negotiation_class=DownloadContentNegotiation)
    def photo(self, request, *args, **kwargs):
        resource = self.get_object()
        photo = ResourcePhoto.objects.for_cluster(self.cluster).filter(resource=resource, pk=kwargs["photo_pk"]).first()
        if photo is None:
            raise exceptions.NotFound()
        if request.method == "DELETE":
            services.photo_remove(cluster=self.cluster, actor=request.user, photo_id=photo.pk)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return photo_file_response(photo)

    @extend_schema(summary=_("The free time of the resource in a range"),
                   description=_("The opening intervals of each local day, less closed dates and approved "
                                 "bookings, clipped to [start, end). Requested bookings do not take time until "
                                 "approved. start and end are ISO date-times with their UTC offset, at most "
                                 "62 days apart."),
                   parameters=[AvailabilityQueryIn], request=None,
                   responses={200: AvailabilityOut, **error_responses(400, 404)})
    @action(detail=True, methods=["get"])
    def availability(self, request, *args, **kwargs):
        resource = self.get_object()
        query = AvailabilityQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        slots = selectors.free_slots(cluster=self.cluster, resource=resource, start=start, end=end)
        return Response(AvailabilityOut({
            "resource": resource.pk, "start": start, "end": end,
            "slots": [{"start": slot_start, "end": slot_end} for slot_start, slot_end in slots],
        }).data)


# --- Bookings ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("The bookings you may see"),
                       description=_("Coordinators and authorities see every booking; the people of an "
                                     "organization see its requests and the bookings of the resources it owns. "
                                     "mine=true: your organizations' requests; to_approve=true: requests "
                                     "awaiting your decision; from/to: bookings overlapping that range.")),
)
@extend_schema(tags=["bookings"])
class BookingViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = Booking
    serializer_class = BookingOut
    filterset_class = BookingFilter
    ordering_fields = ["created_at", "period", "status"]
    ordering = ["-created_at", "-id"]  # the newest first, in the order of an index

    def scoped_queryset(self):
        return selectors.booking_list(cluster=self.cluster, roles=self.roles)

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "request", None)

    def check_cluster_object_permission(self, obj):
        if self.action in ("approve", "decline"):
            permissions.require(self.request.user, self.cluster, "decide", obj)
        elif self.action == "cancel":
            permissions.require(self.request.user, self.cluster, "cancel", obj)

    def get_serializer_class(self):
        return {"create": BookingCreateIn, "decline": DeclineIn}.get(self.action, BookingOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        booking = selectors.booking_get(cluster=self.cluster, roles=self.roles, pk=pk)
        return Response(BookingOut(booking).data, status=status_code)

    @extend_schema(summary=_("One booking with its resources"), responses={200: BookingOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Request one or more resources of one owner for a time range"),
                   description=_("For an organization of which you are admin or staff (coordinators: any). "
                                 "Refused with the reason when outside opening hours, on a closed date, above "
                                 "capacity, in the past, overlapping an approved booking, or without the "
                                 "resource-sharing agreement the resource requires."),
                   request=BookingCreateIn, responses={201: BookingOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = BookingCreateIn.to_service_kwargs(self.validate_input(BookingCreateIn))
        booking = services.booking_request(cluster=self.cluster, actor=request.user, **data)
        return self._detail(booking.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Approve a requested booking as a whole (the resources' managers)"),
                   request=None, responses={200: BookingOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        booking = self.get_object()
        services.booking_approve(cluster=self.cluster, actor=request.user, booking_id=booking.pk)
        return self._detail(booking.pk)

    @extend_schema(summary=_("Decline a requested booking with a reason (the resources' managers)"),
                   request=DeclineIn, responses={200: BookingOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        booking = self.get_object()
        data = self.validate_input(DeclineIn)
        services.booking_decline(cluster=self.cluster, actor=request.user, booking_id=booking.pk,
                                 reason=data["reason"])
        return self._detail(booking.pk)

    @extend_schema(summary=_("Cancel a request, or an approved booking before it begins (the requester)"),
                   request=None, responses={200: BookingOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        booking = self.get_object()
        services.booking_cancel(cluster=self.cluster, actor=request.user, booking_id=booking.pk)
        return self._detail(booking.pk)
