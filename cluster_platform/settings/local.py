"""Development and the demo: the embedded default unless DATABASE_URL / CELERY_BROKER_URL are set."""

from .base import *  # noqa: F403
from .base import env

# The demo is tried by people who are not developers: its 404 and 500 are the platform's own
# pages, not Django's debug pages (runserver --insecure serves the static files).
DEBUG = env.bool("DEBUG", default=not env.bool("DEMO_MODE", default=False))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

from .base import broker_url, cache_config, database_config, database_owner  # noqa: E402

DATABASES = {"default": database_config(embedded_default=True)}
DATABASE_OWNER = database_owner(embedded_default=True)
CELERY_BROKER_URL = broker_url(embedded_default=True)
# CACHE_URL, or database 1 of the embedded Redis (or of CELERY_BROKER_URL's server).
CACHES = {"default": cache_config(CELERY_BROKER_URL)}
