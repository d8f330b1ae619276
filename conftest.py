"""Fixtures shared by every test: two clusters and the three kinds of user in each test
(a coordinator and an organization admin of cluster A, and an outsider from cluster B)."""

import threading

import pytest

from members.tests.factories import (
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    UserFactory,
)


@pytest.fixture
def cluster(db):
    return ClusterFactory(slug="tashkent-test", name="Tashkent test cluster")


@pytest.fixture
def other_cluster(db):
    return ClusterFactory(slug="samarkand-test", name="Samarkand test cluster")


@pytest.fixture
def coordinator(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="coord"), role="coordinator").user


@pytest.fixture
def authority(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="auth"), role="authority").user


@pytest.fixture
def expert(cluster):
    return ClusterRoleFactory(cluster=cluster, user=UserFactory(username="exp"), role="expert").user


@pytest.fixture
def school(cluster):
    return OrganizationFactory(cluster=cluster, name="School No. 1", tax_id="100000001")


@pytest.fixture
def org_admin(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schooladmin"), role="admin").user


@pytest.fixture
def outsider(other_cluster):
    """A coordinator, but of the other cluster."""
    return ClusterRoleFactory(cluster=other_cluster, user=UserFactory(username="outsider"), role="coordinator").user


@pytest.fixture
def other_school(other_cluster):
    return OrganizationFactory(cluster=other_cluster, name="Samarkand School No. 7", tax_id="200000007")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded and generated files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created, migrated and dropped by the tables' owner..."""
    from django.conf import settings
    from django.db import connections

    owner = getattr(settings, "DATABASE_OWNER", None)
    config = connections["default"].settings_dict
    if owner and owner["USER"] != config["USER"]:
        config.update(_PLATFORM_USER=config["USER"], _PLATFORM_PASSWORD=config.get("PASSWORD", ""),
                      USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and the tests connect as the platform's own role, held by row-level security.

    Test code builds and checks rows of several clusters: it runs in the platform scope (each
    new connection of the test's own thread starts in it; a worker's thread does not). Each
    request it makes runs as in production, with no cluster until it resolves one
    (cluster_platform.rls.RequestScopeForTests)."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    config = connection.settings_dict
    owner = {"USER": config["USER"], "PASSWORD": config.get("PASSWORD", "")}
    main_thread = threading.get_ident()

    def platform_scope_for_test_code(sender, connection, **kwargs):
        if threading.get_ident() == main_thread and not getattr(connection, "serving_request_for_tests", False):
            with connection.cursor() as cursor:
                cursor.execute(PLATFORM_SCOPE)

    with django_db_blocker.unblock():
        _restore_migration_rows()
        connection.close()
        if "_PLATFORM_USER" in config:
            connection.settings_dict.update(USER=config["_PLATFORM_USER"], PASSWORD=config["_PLATFORM_PASSWORD"])
    connection_created.connect(platform_scope_for_test_code, dispatch_uid="tests.platform_scope")
    yield
    connection_created.disconnect(dispatch_uid="tests.platform_scope")
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(owner)


PLATFORM_SCOPE = "SELECT set_config('app.cluster_id', '', false), set_config('app.platform', 'on', false)"

# Rows that data migrations make (the beat schedule). A transactional test ends with a flush
# that empties them too; a database kept for the next run (--reuse-db) would start it without
# them. Each function is idempotent (get_or_create): made again here at the start of a run.
MIGRATION_ROWS = (
    ("agreements.migrations.0002_daily_task_schedule", "create_schedule"),
    ("agreements.migrations.0003_documents_and_reminders", "create_reminders_schedule"),
    ("innovations.migrations.0002_review_reminders_schedule", "create_schedule"),
    ("programs.migrations.0002_daily_task_schedule", "create_schedule"),
    ("reports.migrations.0004_redispatch_schedule", "create_schedule"),
    ("resources.migrations.0002_hourly_completion_schedule", "create_schedule"),
)


def _restore_migration_rows():
    import importlib

    from django.apps import apps

    for module, function in MIGRATION_ROWS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _platform_scope_for_test_code(request):
    """A test starts in the platform scope, whatever the test before it left."""
    from django.test import TransactionTestCase

    if not ({"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
            & set(request.fixturenames) or request.node.get_closest_marker("django_db")
            or isinstance(getattr(request, "instance", None), TransactionTestCase)):
        return
    if "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PLATFORM_SCOPE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language_after_the_test():
    """A request of the test client leaves its language active in the thread (LocaleMiddleware
    activates it and nothing deactivates it): the next test starts in the default language."""
    yield
    from django.utils import translation

    translation.deactivate()
