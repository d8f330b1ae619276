"""The production settings: Django's deployment checks pass, and a weak secret is refused.

Each case starts a fresh interpreter, because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

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


@pytest.mark.parametrize("missing", ["DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_settings_never_fall_back_to_the_embedded_servers(missing):
    if _env_file_sets(missing):
        pytest.skip(f"the checkout's .env sets {missing}, so it cannot be missing here")
    result = _manage("check", env=_production_env(**{missing: None}))
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr
