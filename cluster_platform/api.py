"""The cluster-scoped viewset base (PostHog's routing pattern), with the list ordering and
the OPTIONS answers every viewset under /api/v1/c/<cluster_slug>/ shares."""

from __future__ import annotations

import functools

import pghistory
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, filters, metadata, mixins, viewsets
from rest_framework.request import clone_request

from . import api_output
from .api_output import LeanListSerializer, RowsFromQuery
from .pagination import Keyset
from .rls import request_scope
from .tenancy import TenantQuerySet, UnscopedQueryError, render_in_transaction, resolve_cluster


class StableOrderingFilter(filters.OrderingFilter):
    """`?ordering=` that always ends on the primary key.

    Sorting on a column with ties (name, status, dates) leaves the order of the tied rows to
    the database, which may change between two queries: a client walking the pages would
    then see some rows twice and miss others. The key makes every page deterministic.
    """

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not ordering:
            ordering = list(queryset.query.order_by or queryset.model._meta.ordering or ())
        pk_names = {"pk", queryset.model._meta.pk.name}
        if not any(isinstance(term, str) and term.lstrip("-") in pk_names for term in ordering):
            ordering.append("pk")
        return ordering


class ClusterMetadata(metadata.SimpleMetadata):
    """OPTIONS answers that describe what this caller may really send.

    DRF checks each method with the view's permission classes only and describes it with
    the view's default serializer. Here each method is checked as the viewset action it
    maps to, through the cluster role hooks, and described with that action's (input)
    serializer.
    """

    def determine_actions(self, request, view):
        actions = {}
        current_action = view.action
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.action = view.action_map.get(method.lower())
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                view.check_cluster_permission()
                if view.detail:
                    view.get_object()
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.action = current_action
                view.request = request
        return actions


@functools.cache
def serializer_columns(serializer_class) -> tuple[str, ...]:
    """The columns an output serializer reads, for `QuerySet.only()`.

    Sources such as `organization.name` become `organization__name`, so a list loads the
    related columns its rows show through `select_related` and nothing more; the list stays
    in step with the serializer instead of being written out twice. Worked out once per class:
    a ModelSerializer builds its fields (validators and all) each time it is made.
    """
    return tuple(
        field.source.replace(".", "__")
        for field in serializer_class().fields.values()
        if field.source != "*" and not isinstance(field, RowsFromQuery)  # rows the query renders
    )


class ListMixin(mixins.ListModelMixin):
    """DRF's list action, whose page PostgreSQL writes as JSON when the output serializer lets it
    (api_output.row_json) and the client takes JSON: the rows are neither model objects nor
    Python dicts on the way, which is most of a list's cost. Otherwise DRF's own list."""

    def list(self, request, *args, **kwargs):
        row = api_output.row_json(self.get_serializer_class())
        if row is None or self.paginator is None or not isinstance(request.accepted_renderer,
                                                                   api_output.JSONRenderer):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        keyset = Keyset.of(queryset)  # the rows carry their keys for the next page's cursor
        keys = [key.attname for key in keyset.keys] if keyset else []
        page = self.paginate_queryset(queryset.values(*keys, **{api_output.ROW_JSON: row}))
        return self.get_paginated_response(api_output.RawRows(item[api_output.ROW_JSON] for item in page))


class ClusterScopedViewSet(viewsets.GenericViewSet):
    """Every viewset under /api/v1/c/<cluster_slug>/.

    The cluster and the user's roles are resolved once in `initial`; subclasses implement
    `scoped_queryset()` and cannot replace `get_queryset`/`get_object`. Role rules go in
    the two hooks `check_cluster_permission()` (before the handler runs) and
    `check_cluster_object_permission(obj)` (when `get_object` loads a row); both raise
    PermissionDenied and take their predicates from the app's `permissions.py`.
    """

    cluster = None
    roles = None
    # The model behind `scoped_queryset()`, for schema generation (which has no cluster).
    model = None
    # Primary keys are integers: anything else is not a route, so it never reaches a query.
    lookup_value_regex = r"[0-9]+"
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    metadata_class = ClusterMetadata

    # Actions that must run outside the request's transaction (a file stored before the answer,
    # a task queued after its commit): the routes that serve them are left out of
    # ATOMIC_REQUESTS, the others stay one transaction each (their cluster scope is then the
    # transaction's, set in the same query as the cluster is read: no round trips of their own).
    non_atomic_actions: frozenset[str] = frozenset()

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        if actions and cls.non_atomic_actions & set(actions.values()):
            view._non_atomic_requests = {"default"}
        return view

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object"):
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} must implement scoped_queryset(), not {name}().")

    def dispatch(self, request, *args, **kwargs):
        with request_scope():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: 401 before 404
        self.cluster, self.roles = resolve_cluster(request.user, kwargs["cluster_slug"], switcher=False)
        request.cluster = self.cluster
        request.cluster_roles = self.roles
        pghistory.context(user=request.user.pk, url=request.path)
        self.check_cluster_permission()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return render_in_transaction(response)

    def check_cluster_permission(self):
        """Override to refuse (PermissionDenied) roles that may not run `self.action`."""

    def check_cluster_object_permission(self, obj):
        """Override to refuse (PermissionDenied) an action on this particular object."""

    def scoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        if self.cluster is None:
            # Schema generation has no request cluster; never reached by a real request.
            if getattr(self, "swagger_fake_view", False):
                return self.queryset_model_for_schema().objects.none()
            raise UnscopedQueryError("No cluster resolved for this request.")
        queryset = self.scoped_queryset()
        if isinstance(queryset, TenantQuerySet):
            queryset._assert_scoped()
        return queryset

    def queryset_model_for_schema(self):
        if self.model is not None:
            return self.model
        return self.get_serializer_class().Meta.model

    def validate_input(self, serializer_class, *, partial: bool = False) -> dict:
        """The request body checked by an input serializer (400 naming the fields if not)."""
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def get_serializer(self, *args, **kwargs):
        """As DRF's, except that a list's rows are rendered by the output serializer's plan
        (cluster_platform.api_output) where it has one: the same JSON for a fraction of DRF's
        per-row cost. A context given is not built again (schema generation passes its own)."""
        serializer_class = self.get_serializer_class()
        if "context" not in kwargs:
            kwargs["context"] = self.get_serializer_context()
        meta = getattr(serializer_class, "Meta", None)
        if kwargs.get("many") and not getattr(meta, "list_serializer_class", None):
            kwargs.pop("many")
            return LeanListSerializer(*args, child=serializer_class(context=kwargs["context"]), **kwargs)
        return serializer_class(*args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["cluster"] = self.cluster
        context["roles"] = self.roles
        return context

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            obj = queryset.get(**{self.lookup_field: lookup})
        except (queryset.model.DoesNotExist, ValueError, TypeError):
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, obj)
        self.check_cluster_object_permission(obj)
        return obj


# The error answers every app's API documents, by status code: `responses={..., **error_responses(400, 404)}`.
ERROR_RESPONSES = {
    400: OpenApiResponse(description=_("The body or query is invalid; the answer names each field at fault.")),
    403: OpenApiResponse(description=_("Your roles in this cluster do not allow this.")),
    404: OpenApiResponse(description=_("No such object in this cluster, or not one you may see.")),
}


def error_responses(*codes) -> dict:
    return {code: ERROR_RESPONSES[code] for code in codes}


def file_responses(content_types, description) -> dict:
    """A 200 answer that is a file of one of `content_types`, for `responses={...}`: a download
    is sent with its real content type, which the schema must name."""
    return {(200, content_type): OpenApiResponse(response=OpenApiTypes.BINARY, description=description)
            for content_type in content_types}
