"""The audit trail API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls.

GET audit/?kind=&object=&user=&action=&date_from=&date_to=&page= answers the cluster's history
events, newest first, 50 a page, to coordinators; other roles get 403, anyone without a role in
the cluster 404, a bad parameter 400 naming it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from cluster_platform.api import ClusterScopedViewSet, error_responses

from . import permissions, selectors
from .selectors import SYSTEM, AuditFilters
from .sources import ACTIONS, KINDS, SOURCES

MAX_ID = 2**63 - 1


class AuditQueryIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS), required=False,
                                   help_text=_("Only events of this kind (with their children: an agreement's "
                                               "parties, an innovation's stage changes, an organization's roles)."))
    object = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                      help_text=_("One object's history: its id, with `kind`."))
    user = serializers.RegexField(r"^(system|[1-9][0-9]{0,17})$", required=False,
                                  help_text=_("A user id, or \"system\" for changes without a signed-in user "
                                              "(background tasks, bulk changes)."))
    action = serializers.ChoiceField(choices=list(ACTIONS), required=False)
    date_from = serializers.DateField(required=False, help_text=_("From this local date."))
    date_to = serializers.DateField(required=False, help_text=_("Up to this local date, included."))

    def validate(self, data):
        if data.get("object") and not data.get("kind"):
            raise serializers.ValidationError({"object": [_("Choose a kind to see one object's history.")]})
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The end date cannot be before the start date.")]})
        return data

    def filters(self) -> AuditFilters:
        data = self.validated_data
        user = data.get("user")
        return AuditFilters(
            kind=data.get("kind", ""), object_id=data.get("object"),
            user=user if user in (None, SYSTEM) else int(user),
            action=data.get("action", ""), date_from=data.get("date_from"), date_to=data.get("date_to"),
        )


class ChangeOut(serializers.Serializer):
    field = serializers.CharField(help_text=_("The field's name, in the language of the request."))
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class AuditEventOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(source="source", choices=list(SOURCES),
                                   help_text=_("The table the event comes from."))
    kind_label = serializers.CharField()
    action = serializers.CharField(help_text=_("insert, update or delete."))
    action_label = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True, help_text=_("The id of the object the link opens."))
    label = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True, help_text=_("Its browser page; empty once it is gone."))
    who = serializers.CharField()
    who_kind = serializers.ChoiceField(choices=["user", "task", "system"])
    changes = ChangeOut(many=True)


@extend_schema(tags=["audit"])
class AuditEventViewSet(ClusterScopedViewSet):
    serializer_class = AuditEventOut
    filter_backends = []

    def check_cluster_permission(self):
        if not permissions.can_view(self.roles):
            raise PermissionDenied

    @extend_schema(
        summary=_("The audit trail"),
        description=_("Who changed what and when in the cluster, newest first, as the database recorded it "
                      "(changes made through the pages and the API, by background tasks and in bulk). "
                      "Coordinators."),
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(KINDS),
                             description=str(AuditQueryIn().fields["kind"].help_text)),
            OpenApiParameter("object", OpenApiTypes.INT, description=str(AuditQueryIn().fields["object"].help_text)),
            OpenApiParameter("user", OpenApiTypes.STR, pattern=r"^(system|[1-9][0-9]{0,17})$",
                             description=str(AuditQueryIn().fields["user"].help_text)),
            OpenApiParameter("action", OpenApiTypes.STR, enum=list(ACTIONS)),
            OpenApiParameter("date_from", OpenApiTypes.DATE,
                             description=str(AuditQueryIn().fields["date_from"].help_text)),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description=str(AuditQueryIn().fields["date_to"].help_text)),
        ],
        responses={200: AuditEventOut(many=True), **error_responses(400, 403, 404)},
    )
    def list(self, request, *args, **kwargs):
        query = AuditQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.event_list(cluster=self.cluster, filters=query.filters()))
        return self.get_paginated_response(AuditEventOut(page, many=True).data)


urlpatterns = [
    path("audit/", AuditEventViewSet.as_view({"get": "list"}), name="api-audit"),
]
