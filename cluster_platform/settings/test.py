"""The test suite: PostgreSQL (DATABASE_URL or the embedded one), a real broker for worker tests."""

from .base import *  # noqa: F403
from .base import broker_url, database_config, database_owner

DATABASES = {"default": database_config(embedded_default=True)}
DATABASE_OWNER = database_owner(embedded_default=True)
CELERY_BROKER_URL = broker_url(embedded_default=True)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks inline; tests marked celery_worker switch this off and use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# Tests that run a worker give it a queue of their own, for every task (reports included).
REPORTS_QUEUE = ""
# Figures follow the data a test has just written (reports/tests/test_dashboard.py turns it on).
REPORTS_DASHBOARD_CACHE_SECONDS = 0
# Counts and estimates follow the rows a test has just written (test_pagination turns it on).
LIST_ESTIMATE_CACHE_SECONDS = 0
# Each request of a test starts with no cluster set and gives the test its scope back, as a
# request's own transaction would in production (cluster_platform/rls.py).
MIDDLEWARE = ["cluster_platform.rls.RequestScopeForTests", *MIDDLEWARE]  # noqa: F405
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
# Rate-limit counters and throttle histories in this process's memory: nothing leaks into a
# later run or into a demo sharing the Redis server. django-ratelimit's checks object to a
# cache that is not shared between processes (E003) and to any backend off its list (W001);
# the tests run in one process.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
