"""PostgreSQL row-level security: the database's own fence around each cluster.

The ORM already filters every tenant query by cluster (cluster_platform.tenancy fails closed
when it does not). This is the second fence, for the day a query slips past the first:

- The platform connects as a role that is neither superuser, BYPASSRLS nor the tables'
  owner (DATABASE_URL); migrations run as the owner (DATABASE_OWNER_URL, see `as_owner`).
- Every table with a `cluster_id` column has row-level security and one policy,
  `cluster_isolation`: a row is visible and writable only when its cluster is the current
  one, `app.cluster_id`, or when platform-level work says so with `app.platform`.
  `install()` (run after every migrate) grants the platform's role its rights and puts the
  policy on every such table, so a new tenant model is covered without a step of its own.
- A request sets the cluster it resolved (`tenancy.resolve_cluster`) for its transaction:
  every request is one transaction (ATOMIC_REQUESTS), so the setting ends with it. A Celery
  task sets the cluster it was given (`cluster_platform.celery`). Work across clusters (the
  admin site of platform superusers, the beat fan-out, a lookup by a secret token that finds
  its cluster, the demo seeder) goes through `platform_scope()` alone; `.unscoped()` tenant
  querysets use it for their own evaluation.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connection

CLUSTER = "app.cluster_id"
PLATFORM = "app.platform"
POLICY = "cluster_isolation"
# Rows of the current cluster, or every row when platform-level work is under way. An unset
# cluster matches nothing (NULL), so a query with no cluster set sees no tenant row at all.
POLICY_EXPRESSION = (
    f"cluster_id = NULLIF(current_setting('{CLUSTER}', true), '')::bigint "
    f"OR current_setting('{PLATFORM}', true) = 'on'"
)


# --- The current cluster ----------------------------------------------------------------

def _is_local() -> bool:
    # Inside a transaction the setting ends with it; outside one (a task, a command) it lasts
    # for the session and the scope puts the previous value back.
    return connection.in_atomic_block


def _swap(cluster: str, platform: str) -> tuple[str, str]:
    """Set both values and return the previous ones, in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting(%s, true), ''), coalesce(current_setting(%s, true), ''), "
            "set_config(%s, %s, %s), set_config(%s, %s, %s)",
            [CLUSTER, PLATFORM, CLUSTER, cluster, _is_local(), PLATFORM, platform, _is_local()],
        )
        previous_cluster, previous_platform, _, _ = cursor.fetchone()
    return previous_cluster, previous_platform


@contextmanager
def _scope(cluster: str, platform: str):
    previous = _swap(cluster, platform)
    try:
        yield
    finally:
        # A closed connection starts its next session empty; a broken transaction is about
        # to be rolled back, and the values set inside it with it.
        if connection.connection is not None and not connection.needs_rollback:
            _swap(*previous)


def cluster_scope(cluster_id):
    """Tenant rows of this cluster only, for the block (tasks, commands, tests)."""
    return _scope("" if cluster_id is None else str(int(cluster_id)), "")


def platform_scope():
    """Every cluster's rows, for the block: the one path for platform-level work."""
    return _scope("", "on")


@contextmanager
def request_scope():
    """Around a cluster view. A request is one transaction, and the cluster it sets ends with
    it; a view that commits its own work before answering (transaction.non_atomic_requests)
    sets it for the session instead, so this puts the previous values back when it ends."""
    if connection.in_atomic_block:
        yield
        return
    with _scope("", ""):
        yield


def active_clusters():
    """Every active cluster in turn, each inside its own scope while the caller works on it:
    how platform-level work (the beat) goes over the clusters."""
    from members.models import Cluster

    for cluster in list(Cluster.objects.filter(is_active=True).order_by("pk")):
        with cluster_scope(cluster.pk):
            yield cluster


def use_cluster(cluster_id) -> None:
    """Set the current cluster for the rest of this transaction (a request that found its
    cluster by a public slug or a secret token). Inside a request only: outside a
    transaction use `cluster_scope`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, %s)", [CLUSTER, str(int(cluster_id)), _is_local()])


def set_cluster_sql(table: str, *, local: bool | None = None) -> tuple[str, list]:
    """An expression that sets the current cluster to `table`.id as a query reads the row:
    `resolve_cluster` folds the setting into its lookup of the cluster (no extra round trip).
    `local`: for the transaction alone (the default inside one) or for the session."""
    return f"set_config(%s, {table}.id::text, %s)", [CLUSTER, _is_local() if local is None else local]


# --- Roles and policies -----------------------------------------------------------------

def app_role() -> str | None:
    """The role the platform connects as, when migrations use another one."""
    owner = getattr(settings, "DATABASE_OWNER", None) or {}
    role = owner.get("APP_ROLE")
    return role if role and role != owner.get("USER") else None


@contextmanager
def as_owner(using: str = "default"):
    """Run the block on a connection of the tables' owner (migrate, flush, test database
    set-up, backups). Without DATABASE_OWNER_URL the one role does everything."""
    from django.db import connections

    owner = getattr(settings, "DATABASE_OWNER", None)
    target = connections[using]
    if not owner or target.settings_dict.get("USER") == owner.get("USER"):
        yield
        return
    saved = {key: target.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    target.close()
    target.settings_dict.update(USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))
    try:
        yield
    finally:
        target.close()
        target.settings_dict.update(saved)


def tenant_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND c.column_name = 'cluster_id' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name"
    )
    return [row[0] for row in cursor.fetchall()]


def install(using: str = "default") -> None:
    """Grant the platform's role its rights and put the policy on every tenant table.
    Idempotent; run by post_migrate as the owner."""
    from django.db import connections

    role = app_role()
    with connections[using].cursor() as cursor:
        if role:
            quoted = connections[using].ops.quote_name(role)
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, p.qual IS NOT NULL FROM pg_class c "
            "LEFT JOIN pg_policies p ON p.schemaname = current_schema() AND p.tablename = c.relname "
            "AND p.policyname = %s WHERE c.relnamespace = current_schema()::regnamespace",
            [POLICY],
        )
        state = {name: (enabled, has_policy) for name, enabled, has_policy in cursor.fetchall()}
        for table in tenant_tables(cursor):
            enabled, has_policy = state.get(table, (False, False))
            quoted = connections[using].ops.quote_name(table)
            if not enabled:
                cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
            if not has_policy:
                cursor.execute(
                    f"CREATE POLICY {POLICY} ON {quoted} USING ({POLICY_EXPRESSION}) WITH CHECK ({POLICY_EXPRESSION})"
                )


def install_after_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per app; the last app's signal finds every table in place.
    if sender.label == _last_app_label():
        install(using)


def _last_app_label() -> str:
    from django.apps import apps

    return [config for config in apps.get_app_configs() if config.models_module is not None][-1].label


# --- Tests ------------------------------------------------------------------------------

class RequestScopeForTests:
    """Test settings only. In production each request is a transaction of its own, so the
    cluster it sets starts empty and ends with it. A test client's request runs inside the
    test's transaction instead: this gives it the same empty start and puts the test's own
    scope back afterwards, on the raw connection so that query counts match production. The
    test's transaction stands in for the request's (whose savepoint would add two statements
    to every count); requests of a live server (browser tests) keep their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read by the tests' own connection hook: a connection opened during the request
        # does not start in the tests' platform scope.
        connection.serving_request_for_tests = True
        try:
            return self._call(request)
        finally:
            connection.serving_request_for_tests = False

    def _call(self, request):
        try:
            with _raw_cursor() as raw:
                raw.execute(f"SELECT coalesce(current_setting('{CLUSTER}', true), ''), "
                            f"coalesce(current_setting('{PLATFORM}', true), ''), "
                            f"set_config('{CLUSTER}', '', false), set_config('{PLATFORM}', '', false)")
                previous = raw.fetchone()[:2]
        except Exception:
            # No connection yet, a broken transaction, or a server gone (the fault tests run a
            # server with these settings): the request meets that on its own.
            return self.get_response(request)
        # Django reads ATOMIC_REQUESTS from the settings shared by every thread; a test that
        # holds a transaction open has no live server beside it.
        nested = connection.in_atomic_block and connection.settings_dict["ATOMIC_REQUESTS"]
        if nested:
            connection.settings_dict["ATOMIC_REQUESTS"] = False
        try:
            return self.get_response(request)
        finally:
            if nested:
                connection.settings_dict["ATOMIC_REQUESTS"] = True
            try:
                with _raw_cursor() as raw:
                    raw.execute("SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
                                [CLUSTER, previous[0], PLATFORM, previous[1]])
            except Exception:
                pass  # as above: nothing to put back on a connection that is gone


def _raw_cursor():
    """A cursor of the underlying psycopg connection (not counted by Django). No connection yet:
    the request's first query opens a session with nothing set."""
    if connection.connection is None or connection.needs_rollback:
        raise LookupError("no usable connection")
    return connection.connection.cursor()
