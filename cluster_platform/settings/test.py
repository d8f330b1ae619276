"""The test suite: PostgreSQL (DATABASE_URL or the embedded one), a real broker for worker tests."""

from .base import *  # noqa: F403
from .base import broker_url, database_config

DATABASES = {"default": database_config(embedded_default=True)}
CELERY_BROKER_URL = broker_url(embedded_default=True)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks inline; tests marked celery_worker switch this off and use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
