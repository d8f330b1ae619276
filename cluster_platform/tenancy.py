"""The cluster gate: tenant models and querysets, cluster resolution, view and viewset bases.

Every tenant-owned row carries a `cluster` key. A tenant queryset that is evaluated without
a filter on that key raises `UnscopedQueryError` instead of returning every cluster's rows
(fail closed). Querysets reached from an already-loaded object (`organization.people.all()`,
prefetches) are scoped through their parent and pass. Platform-level work, such as the
admin site for superusers, says so explicitly with `.unscoped()`.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection, models
from django.db.models.lookups import Exact, In
from django.http import Http404

from .prepared import PreparedQuery


class UnscopedQueryError(RuntimeError):
    """A tenant queryset was evaluated without the cluster in its filter."""


def _filters_on_cluster(where) -> bool:
    if where.connector != "AND" or where.negated:
        return False
    for child in where.children:
        if isinstance(child, (Exact, In)):
            target = getattr(child.lhs, "target", None)
            if target is not None and target.name == "cluster" and target.model is not None:
                return True
        elif hasattr(child, "children") and _filters_on_cluster(child):
            return True
    return False


def cluster_filter_value(where):
    """The cluster id of a query's top-level `cluster = X` filter, or None."""
    if where.connector != "AND" or where.negated:
        return None
    for child in where.children:
        if isinstance(child, Exact):
            target = getattr(child.lhs, "target", None)
            if target is not None and target.name == "cluster" and target.model is not None:
                value = child.rhs
                return getattr(value, "pk", value) if isinstance(getattr(value, "pk", value), int) else None
        elif hasattr(child, "children"):
            found = cluster_filter_value(child)
            if found is not None:
                return found
    return None


def _scoped_by_parent(instance) -> bool:
    """A related queryset is scoped by its parent only when the parent belongs to one
    cluster: `organization.people` is, `user.organization_roles` (all clusters) is not."""
    if instance is None:
        return False
    from members.models import Cluster

    return isinstance(instance, (TenantModel, Cluster))


class TenantQuerySet(models.QuerySet):
    _platform_scope = False
    _count_with_page = False

    def _clone(self):
        clone = super()._clone()
        clone._platform_scope = self._platform_scope
        clone._count_with_page = self._count_with_page
        return clone

    def counted_with_page(self) -> TenantQuerySet:
        """Marks rows that are costly to find and cheap to count once found (a search whose
        every match the database collects before it can sort them): the paginators count them
        in the page's own query (cluster_platform.pagination.page_and_total) instead of
        finding them twice."""
        clone = self._chain()
        clone._count_with_page = True
        return clone

    def for_cluster(self, cluster) -> TenantQuerySet:
        if cluster is None:
            raise UnscopedQueryError(f"{self.model.__name__}: for_cluster() needs a cluster.")
        return self.filter(cluster=cluster)

    def unscoped(self) -> TenantQuerySet:
        """The explicit, narrow path for platform-level work across clusters."""
        clone = self._chain()
        clone._platform_scope = True
        return clone

    def _assert_scoped(self):
        if self._platform_scope or _scoped_by_parent(self._hints.get("instance")):
            return
        if _filters_on_cluster(self.query.where):
            return
        raise UnscopedQueryError(
            f"{self.model.__name__} is tenant data: filter it with .for_cluster(cluster)."
        )

    def _platform(self):
        """Platform-level querysets run under the database's platform scope too (rls.py)."""
        if not self._platform_scope:
            return nullcontext()
        from cluster_platform.rls import platform_scope

        return platform_scope()

    def _fetch_all(self):
        if self._result_cache is None:
            self._assert_scoped()
        elif not self._prefetch_related_lookups or self._prefetch_done:
            return
        with self._platform():
            super()._fetch_all()

    def count(self):
        self._assert_scoped()
        with self._platform():
            return super().count()

    def exists(self):
        self._assert_scoped()
        with self._platform():
            return super().exists()

    def aggregate(self, *args, **kwargs):
        self._assert_scoped()
        with self._platform():
            return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._assert_scoped()
        if not self._platform_scope:
            return super().iterator(*args, **kwargs)
        return self._platform_iterator(super().iterator(*args, **kwargs))

    def _platform_iterator(self, rows):
        with self._platform():
            yield from rows

    def update(self, **kwargs):
        self._assert_scoped()
        with self._platform():
            return super().update(**kwargs)

    def delete(self):
        self._assert_scoped()
        with self._platform():
            return super().delete()


def audited():
    """Record inserts, updates and deletes with database triggers (bulk changes included)."""
    import pghistory

    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    pass


class TenantModel(models.Model):
    cluster = models.ForeignKey("members.Cluster", on_delete=models.PROTECT, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True


class ClusterGrant(models.Model):
    """The cluster key of a django-guardian direct foreign-key permission table.

    Mixed into a `UserObjectPermissionBase` or `GroupObjectPermissionBase` subclass (not a
    TenantModel: guardian's assign_perm and remove_perm need its own manager as `objects`).
    The cluster is taken from the object the grant is about, so guardian's shortcuts write it
    too; each app's permissions.py reads its grants with the cluster in the query."""

    cluster = models.ForeignKey("members.Cluster", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.cluster_id is None and self.content_object_id is not None:
            self.cluster_id = self.content_object.cluster_id
        super().save(*args, **kwargs)


# --- Who is asking: the user's roles in one cluster ------------------------------------

@dataclass(frozen=True)
class Roles:
    """A user's roles in one cluster: cluster roles and roles per organization id."""

    cluster_roles: frozenset = frozenset()
    organization_roles: dict = field(default_factory=dict)
    # Whose roles these are: apps with per-object grants (django-guardian) look them up by it.
    user_id: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.cluster_roles or self.organization_roles)

    def has(self, *roles: str) -> bool:
        return bool(self.cluster_roles.intersection(roles))

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.cluster_roles

    @property
    def is_authority(self) -> bool:
        return "authority" in self.cluster_roles

    @property
    def is_expert(self) -> bool:
        return "expert" in self.cluster_roles

    def organizations_with(self, role: str) -> set:
        return {org_id for org_id, roles in self.organization_roles.items() if role in roles}

    def is_org_admin(self, organization_id=None) -> bool:
        admin_of = self.organizations_with("admin")
        return bool(admin_of) if organization_id is None else organization_id in admin_of


def roles_for(user, cluster) -> Roles:
    """The user's roles in the cluster, cached on the user object for the request."""
    if user is None or not user.is_authenticated or cluster is None:
        return Roles()
    cache = user.__dict__.setdefault("_cluster_roles_cache", {})
    if cluster.pk not in cache:
        from members.selectors import user_roles

        cache[cluster.pk] = user_roles(user=user, cluster=cluster)
    return cache[cluster.pk]


def forget_roles(user):
    user.__dict__.pop("_cluster_roles_cache", None)


def find_cluster(slug: str, user=None, *, switcher: bool = True):
    """The active cluster at `slug`, which becomes the current cluster of the request's
    transaction for row-level security (rls.py) in the same query, or None.

    Given a signed-in user, the same query reads the user's roles there (cached for the
    request, see roles_for) and, with `switcher`, the active clusters where the user has a role,
    for the cluster switcher of every page: they are the cluster's `user_clusters`, by name.
    Only the row at `slug` sets the current cluster and reads roles.

    Every request of the platform runs this query: a PreparedQuery (built once per shape)."""
    import json

    from members.selectors import roles_from_rows

    signed_in = user is not None and user.is_authenticated
    shape = (signed_in, signed_in and switcher, connection.in_atomic_block)
    if signed_in:
        rows = _CLUSTER_QUERY.rows(shape=shape, slug=slug, user_id=user.pk)
    else:
        rows = _CLUSTER_QUERY.rows(shape=shape, slug=slug)
    cluster = next((row for row in rows if row.slug == slug), None)
    if cluster is None or not signed_in:
        return cluster
    roles = roles_from_rows(json.loads(cluster._roles or "[]"), user_id=user.pk)
    user.__dict__.setdefault("_cluster_roles_cache", {})[cluster.pk] = roles
    if switcher:
        cluster.user_clusters = [row for row in rows if row._mine]
    return cluster


def _cluster_query(signed_in: bool, switcher: bool, local: bool, *, slug: str, user_id: int | None = None):
    """find_cluster's queryset. `local`: in a transaction, where the current cluster is set for
    the transaction alone (rls.set_cluster_sql)."""
    from django.db.models import BooleanField, Case, ExpressionWrapper, Q, TextField, Value, When
    from django.db.models.expressions import RawSQL

    from cluster_platform.rls import set_cluster_sql
    from members.models import Cluster
    from members.selectors import user_cluster_ids, user_roles_sql

    table = Cluster._meta.db_table
    sql, params = set_cluster_sql(table, local=local)
    active = Cluster.objects.filter(is_active=True)
    if not signed_in:
        return active.filter(slug=slug).annotate(_current=RawSQL(sql, params))

    def at_slug(sql, params):
        # A CASE evaluates its THEN only for the row that matches: set_config runs once, and
        # the roles are read for that row's cluster alone.
        return Case(When(slug=slug, then=RawSQL(sql, params)), default=Value(None), output_field=TextField())

    roles_sql, roles_params = user_roles_sql(user_id=user_id, cluster_column=f'"{table}"."id"')
    annotations = {"_current": at_slug(sql, params), "_roles": at_slug(roles_sql, roles_params)}
    wanted = Q(slug=slug)
    if switcher:
        mine = user_cluster_ids(user_id=user_id)
        wanted |= Q(pk__in=mine)
        annotations["_mine"] = ExpressionWrapper(Q(pk__in=mine), output_field=BooleanField())
    return active.filter(wanted).annotate(**annotations).order_by("name")


_CLUSTER_QUERY = PreparedQuery(_cluster_query)


def resolve_cluster(user, slug: str, *, switcher: bool = True):
    """The cluster at `slug` and the user's roles there; 404 for anyone without a role.

    Unknown clusters and clusters the user has no role in answer alike, so the response
    gives no hint that a cluster exists. `switcher=False` (the API, which draws no page) skips
    reading the user's other clusters with it.
    """
    cluster = find_cluster(slug, user, switcher=switcher)
    if cluster is None:
        raise Http404
    roles = roles_for(user, cluster)
    if not roles.any:
        raise Http404
    return cluster, roles


def render_in_transaction(response):
    """Render a template response now, inside the request's transaction, where its cluster is
    set for row-level security: Django would render it after the view, outside it."""
    if getattr(response, "is_rendered", True) is False:
        response.render()
    return response


class ClusterViewMixin(LoginRequiredMixin):
    """Browser views under /c/<slug>/: resolves self.cluster and self.roles once.

    Subclasses supply `scoped_queryset()`; `get_queryset` and `get_object` are owned here,
    so every object lookup carries the cluster.
    """

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        from cluster_platform.rls import request_scope

        with request_scope():
            self.cluster, self.roles = resolve_cluster(request.user, kwargs["cluster_slug"])
            request.cluster = self.cluster
            request.cluster_roles = self.roles
            request.user_clusters = self.cluster.user_clusters  # the switcher's, read with the cluster
            self.check_cluster_permission()
            return render_in_transaction(super().dispatch(request, *args, **kwargs))

    def check_cluster_permission(self):
        """Override to raise PermissionDenied for roles that may not use this view."""

    def scoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        queryset = self.scoped_queryset()
        if isinstance(queryset, TenantQuerySet):
            queryset._assert_scoped()
        return queryset

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (queryset.model.DoesNotExist, ValueError):
            raise Http404

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cluster"] = self.cluster
        context["roles"] = self.roles
        return context
