"""The benchmark's database: one per scale on the platform's PostgreSQL server (DATABASE_URL and
DATABASE_OWNER_URL, or the embedded server when they are unset), created by the tables' owner,
migrated, seeded once and reused while it still holds what was seeded.

What was seeded is written on the database itself (COMMENT ON DATABASE, JSON): the scale, its
parameters and the row counts of the main tables right after seeding. A later run reuses the
database when the comment names the same scale and parameters and the tables still hold those
counts (the bench itself adds rows only to tables outside that list: sessions, tokens, reports,
audit events); otherwise it seeds again with replace=True.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "cluster_platform.settings.bench"

# The tables whose row counts identify a seeded database (and are shown in the results).
MAIN_TABLES = (
    "members_cluster",
    "members_organization",
    "members_person",
    "members_schoolrating",
    "members_membershipstatuschange",
    "agreements_agreement",
    "agreements_agreementparty",
    "agreements_obligation",
    "resources_resource",
    "resources_booking",
    "resources_bookedresource",
    "programs_program",
    "programs_enrollment",
    "innovations_innovation",
    "innovations_stagetransition",
    "innovations_adoption",
)


@dataclass
class Server:
    """Where and as whom: the platform's server, its app role and the tables' owner."""

    host: str
    port: str
    base_name: str
    app_user: str
    app_password: str
    owner_user: str
    owner_password: str

    @classmethod
    def from_settings(cls) -> Server:
        # The same helpers the settings modules use, so the bench finds the same server (and
        # starts the embedded one when DATABASE_URL is unset).
        from cluster_platform.settings.base import database_config, database_owner

        config = database_config(embedded_default=True)
        owner = database_owner(embedded_default=True) or {"USER": config["USER"],
                                                          "PASSWORD": config.get("PASSWORD", "")}
        return cls(host=config.get("HOST") or "", port=str(config.get("PORT") or ""), base_name=config["NAME"],
                   app_user=config["USER"], app_password=config.get("PASSWORD") or "",
                   owner_user=owner["USER"], owner_password=owner.get("PASSWORD") or "")

    def default_name(self, scale: str) -> str:
        return f"{self.base_name}_bench_{scale}"

    def connect(self, database: str = "postgres", *, owner: bool = True) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host or None, port=self.port or None, dbname=database, autocommit=True,
            user=self.owner_user if owner else self.app_user,
            password=(self.owner_password if owner else self.app_password) or None,
        )

    def url(self, database: str, *, owner: bool) -> str:
        user, password = (self.owner_user, self.owner_password) if owner else (self.app_user, self.app_password)
        credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host  # a socket folder
        location = f"{host}:{self.port}" if self.port else host
        return f"postgres://{credentials}@{location}/{quote(database, safe='')}"

    def version(self) -> str:
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


def environment(database: str, **extra) -> dict:
    """The environment of every process of the bench (migrate, seed, gunicorn, measurements)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "BENCH_DATABASE_NAME": database,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH", "")])),
            **extra}


def exists(server: Server, database: str) -> bool:
    with server.connect() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def create(server: Server, database: str, *, template: str | None = None) -> str:
    """Create the database as the tables' owner; from `template` (a migrated database nobody is
    connected to) when given and possible. Returns how it was made."""
    with server.connect() as conn:
        if template:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(database), sql.Identifier(template)))
                return f"copied from {template}"
            except psycopg.Error as error:
                print(f"bench: cannot copy {template} ({error.diag.message_primary}); migrating instead",
                      file=sys.stderr)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return "created"


def drop(server: Server, database: str) -> None:
    with server.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def migrate(database: str) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE_DIR, check=True,
                   env=environment(database))


def row_counts(server: Server, database: str, tables=MAIN_TABLES) -> dict[str, int]:
    """Exact row counts, read as the owner (row-level security does not hold the owner)."""
    counts = {}
    with server.connect(database) as conn:
        present = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        for table in tables:
            if table in present:
                query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                counts[table] = conn.execute(query).fetchone()[0]
    return counts


def read_marker(server: Server, database: str) -> dict | None:
    with server.connect() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [database]).fetchone()
    try:
        marker = json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None
    return marker if isinstance(marker, dict) and "bench_scale" in marker else None


def write_marker(server: Server, database: str, *, scale: str, parameters: str, counts: dict) -> dict:
    marker = {"bench_scale": scale, "parameters": parameters, "counts": counts,
              "seeded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    with server.connect() as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(database), sql.Literal(json.dumps(marker))))
    return marker


def seeded_as(server: Server, database: str, *, scale: str, parameters: str) -> dict | None:
    """The marker when the database holds what that scale seeded, else None."""
    marker = read_marker(server, database)
    if not marker or marker.get("bench_scale") != scale or marker.get("parameters") != parameters:
        return None
    if row_counts(server, database, tuple(marker.get("counts") or ())) != marker.get("counts"):
        return None
    return marker
