"""The benchmark (`make bench`, bench/): production as it runs, on loopback, on a database of its own.

Everything production does per request stays on: the middleware (CSP nonces, sessions, CSRF,
axes, pghistory), one transaction per request, the platform's role held by row-level security,
persistent health-checked connections, WhiteNoise. What differs is only what a benchmark on
127.0.0.1 cannot have or must not meet: no HTTPS (no redirect, no secure-only cookies, no HSTS),
a fixed secret key, emails printed, and the sign-in guards set so high that the load never trips
them (the load signs in by session cookie and token, never through the sign-in form).

BENCH_DATABASE_NAME names the database (bench.run creates, migrates and seeds it); the server,
roles and broker are those of DATABASE_URL, DATABASE_OWNER_URL and CELERY_BROKER_URL, or the
embedded ones when they are unset. ROOT_URLCONF adds /bench/baseline/, the reference endpoint.
"""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, broker_url, cache_config, database_config, database_owner, env

DATABASES = {"default": database_config(embedded_default=True)}
DATABASES["default"]["NAME"] = env.str("BENCH_DATABASE_NAME", default=DATABASES["default"]["NAME"])
# As production's DATABASE_URL path: persistent connections checked before reuse (the embedded
# default opens one per request, which production never does).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Set by bench.run for the server and the measurements (not for migrating or seeding): a statement
# running longer is cancelled, so one runaway query fails its row loudly instead of stalling the run.
if env.int("BENCH_STATEMENT_TIMEOUT", default=0):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _timeout = f"-c statement_timeout={env.int('BENCH_STATEMENT_TIMEOUT')}s"
    _options["options"] = f"{_options.get('options', '')} {_timeout}".strip()
DATABASE_OWNER = database_owner(embedded_default=True)
CELERY_BROKER_URL = broker_url(embedded_default=True)
CACHES = {"default": cache_config(CELERY_BROKER_URL)}
# The reports the load requests go to a queue of their own that no worker reads; the bench
# empties it afterwards without touching any other queue of a shared broker.
CELERY_TASK_DEFAULT_QUEUE = "cluster-platform-bench"
REPORTS_QUEUE = CELERY_TASK_DEFAULT_QUEUE  # report renders too (cluster_platform.celery.route_task)

ROOT_URLCONF = "bench.urls"
DEBUG = False
DEMO_MODE = False
SECRET_KEY = "bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOGGING["root"]["level"] = LOG_LEVEL  # noqa: F405

# Production's headers and cookie flags, except those that need HTTPS.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files through WhiteNoise as in production, from the apps' folders (no collectstatic
# step: the pages measured here serve no static file; {% static %} resolves without a manifest).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
WHITENOISE_USE_FINDERS = True

# Guards that would refuse a load, not slow it: axes stays on (its middleware and backend run on
# every request as in production) but no lockout within a run; the token endpoint unthrottled.
AXES_FAILURE_LIMIT = 1_000_000
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000000/min"}}  # noqa: F405
