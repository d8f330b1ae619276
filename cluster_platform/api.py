"""The cluster-scoped viewset base (PostHog's routing pattern)."""

from __future__ import annotations

import pghistory
from rest_framework import exceptions, viewsets

from .tenancy import TenantQuerySet, UnscopedQueryError, resolve_cluster


class ClusterScopedViewSet(viewsets.GenericViewSet):
    """Every viewset under /api/v1/c/<cluster_slug>/.

    The cluster and the user's roles are resolved once in `initial`; subclasses implement
    `scoped_queryset()` and cannot replace `get_queryset`/`get_object`.
    """

    cluster = None
    roles = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object"):
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} must implement scoped_queryset(), not {name}().")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: 401 before 404
        self.cluster, self.roles = resolve_cluster(request.user, kwargs["cluster_slug"])
        pghistory.context(user=request.user.pk, url=request.path)

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
        return self.serializer_class.Meta.model

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            obj = queryset.get(**{self.lookup_field: lookup})
        except (queryset.model.DoesNotExist, ValueError, TypeError):
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, obj)
        return obj
