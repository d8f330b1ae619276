"""Production: every secret and host from the environment; refuses to start without them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import broker_url, cache_config, database_config, database_owner, env

# Never the embedded servers: without these variables the settings refuse to load, and
# cluster_platform.embedded (the `demo` extra, not in the image) is never imported.
DATABASES = {"default": database_config(embedded_default=False)}
DATABASE_OWNER = database_owner(embedded_default=False)
CELERY_BROKER_URL = broker_url(embedded_default=False)
# CACHE_URL, or the broker's Redis server with the next database number. Rate limits need it
# shared by every web process and atomic.
CACHES = {"default": cache_config(CELERY_BROKER_URL)}

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
if SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Invitations must reach people: no silent default that prints them to a log.
if not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "Set the EMAIL_URL environment variable (e.g. smtp+tls://user:password@smtp.example.org:587)."
    )
DEMO_MODE = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Cookies only over HTTPS and out of reach of scripts. SameSite Lax, not Strict: a link from an
# email (an invitation, a booking) must open the signed-in page; Lax still withholds the cookies
# from another site's POSTs. No script reads the CSRF cookie: pages carry the token themselves
# (forms, and htmx's hx-headers in base.html).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # and the CSP's frame-ancestors 'none' (base settings)

# Static files are served by WhiteNoise from STATIC_ROOT (collectstatic at build time).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
