"""Backups of the database and the media files, and their restore (`make backup`, `make restore`).

An archive is one uncompressed tar file, BACKUP_DIR/<UTC time>.tar, of three members:

    manifest.json   what was saved: rows per table, every media file with its size and
                    SHA-256, the applied migrations, the server and pg_dump versions, the
                    time; and the size and SHA-256 of the two members below
    database.dump   `pg_dump --format=custom` (pg_dump compresses it)
    media.tar       the files under MEDIA_ROOT

The row counts are taken in the very snapshot pg_dump dumps (`pg_export_snapshot`), so they
match the dump even while the platform keeps writing. A restore checks the whole archive
before it changes anything, restores the database in one transaction (with --force, the
old schema objects are dropped in that same transaction), then the files, and last
compares what is there with the manifest.

Every connection (pg_dump, psql, the counts) takes its parameters from
`database_connection_args`: the one place that decides which server, database and role a
backup uses.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from psycopg import sql

from .archive import (CHUNK, DATABASE_DUMP, FORMAT, MANIFEST, MEDIA_TAR, Archive, anonymous, file_facts, file_sha256,
                      media_conflicts, media_listing, media_path, publish, write_media_tar)
from .clients import (BackupError, client_dirs, client_env, connect, database_connection_args, describe_database,
                      find_clients, run, tail)

__all__ = ["BackupError", "create_backup", "database_connection_args", "find_clients", "newest_archive",
           "restore_backup"]


# --- What the database holds ----------------------------------------------------------------

_SYSTEM_SCHEMA = "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
_NOT_OF_AN_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"


def _tables(conn) -> list[tuple[str, str]]:
    """Every ordinary table pg_dump saves the rows of (the tables of extensions excepted)."""
    return conn.execute(
        f"""SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND {_SYSTEM_SCHEMA} AND {_NOT_OF_AN_EXTENSION.format(oid='c.oid')}
            ORDER BY 1, 2"""
    ).fetchall()


def row_counts(conn) -> dict[str, int]:
    return {
        f"{schema}.{table}": conn.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchone()[0]
        for schema, table in _tables(conn)
    }


def _applied_migrations(conn) -> list[list[str]]:
    if conn.execute("SELECT to_regclass('public.django_migrations')").fetchone()[0] is None:
        return []
    return [list(row) for row in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]


def schema_objects(conn) -> list[str]:
    """What a restore would collide with: schemas other than `public`, relations, functions
    and extensions (plpgsql, in every database, excepted). Empty: the database is empty."""
    return [
        name for (name,) in conn.execute(
            f"""SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE {_SYSTEM_SCHEMA} AND n.nspname <> 'public'
                UNION ALL
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_SYSTEM_SCHEMA}
                  AND {_NOT_OF_AN_EXTENSION.format(oid='c.oid')}
                UNION ALL
                SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE {_SYSTEM_SCHEMA} AND {_NOT_OF_AN_EXTENSION.format(oid='p.oid')}
                UNION ALL
                SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
                ORDER BY 1"""
        )
    ]


def _server_version(conn) -> tuple[int, str]:
    number = conn.info.server_version  # e.g. 150020
    return number // 10000, conn.execute("SHOW server_version").fetchone()[0].split()[0]


# --- Backup ---------------------------------------------------------------------------------

@dataclass
class BackupResult:
    path: Path
    manifest: dict
    skipped: list[str] = field(default_factory=list)  # media entries that are not regular files


def create_backup(*, alias: str = "default", directory: Path, media_root: Path,
                  log: Callable[[str], None] = lambda text: None) -> BackupResult:
    """Write one archive of database `alias` and of `media_root` into `directory`."""
    _require_media_on_disk()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)  # an archive holds every password hash
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    args = database_connection_args(alias)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=directory))
    try:
        dump = work / DATABASE_DUMP
        log(f"Dumping the database {describe_database(args)}...")
        with connect(args) as conn:
            server_major, server_version = _server_version(conn)
            bin_dir, client = find_clients(("pg_dump",), at_least=server_major, prefer=server_major,
                                           dirs=client_dirs(server_major))
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                # pg_dump dumps this transaction's snapshot: the counts describe exactly the dump.
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
                tables = row_counts(conn)
                migrations = _applied_migrations(conn)
                run([bin_dir / "pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}",
                     f"--file={dump}"], env=client_env(args), what="pg_dump")
        # The files after the snapshot: a file is written before the row naming it commits, so
        # every file the dumped rows name is there by now.
        log(f"Saving the media files of {media_root}...")
        media_tar = work / MEDIA_TAR
        files, skipped = write_media_tar(Path(media_root), media_tar, exclude=directory)
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "database": {
                "name": args.get("dbname", ""),
                "server_version": server_version,
                "server_major": server_major,
                "pg_dump_version": client,
                "pg_dump_major": int(client.split(".")[0]),
                **file_facts(dump),
            },
            "tables": tables,
            "migrations": migrations,
            "media": {**file_facts(media_tar), "files": files},
        }
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            content = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(content), created.timestamp(), 0o600
            archive.addfile(info, io.BytesIO(content))
            for path in (dump, media_tar):
                archive.add(path, arcname=path.name, filter=anonymous)
        os.chmod(partial, 0o600)
        path = publish(partial, directory, created)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path=path, manifest=manifest, skipped=skipped)


def _require_media_on_disk():
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            f"The media files are not under MEDIA_ROOT but in {type(default_storage).__name__}: back them up "
            "with that storage's own tools; this command saves MEDIA_ROOT only."
        )


# --- Restore --------------------------------------------------------------------------------

@dataclass
class RestoreSummary:
    archive: Path
    manifest: dict
    tables: int
    rows: int
    files: int
    bytes: int
    files_already_there: int
    extra_files: list[str]
    unapplied_migrations: list[str]  # in the code, not in the backup: `migrate` applies them
    unknown_migrations: list[str]  # in the backup, not in the code: the code is older


def newest_archive(directory: Path) -> Path:
    archives = sorted(path for path in Path(directory).glob("*.tar") if path.is_file())
    if not archives:
        raise BackupError(f"No archive in {directory} (BACKUP_DIR). Name one: manage.py restore path/to/archive.tar")
    return archives[-1]  # the names are UTC times


def restore_backup(archive_path: Path, *, alias: str = "default", media_root: Path, force: bool = False,
                   log: Callable[[str], None] = lambda text: None) -> RestoreSummary:
    """Restore an archive into database `alias`, which must be empty (with `force`, its schema
    objects are dropped first), and its files into `media_root`; then check both against the
    manifest. Everything is checked before anything is changed."""
    _require_media_on_disk()
    archive_path = Path(archive_path)
    media_root = Path(media_root)
    args = database_connection_args(alias)
    with tempfile.TemporaryDirectory(prefix="cluster-platform-restore-") as work, Archive(archive_path) as archive:
        log(f"Checking {archive_path}...")
        manifest = archive.manifest
        dump = archive.extract_dump(Path(work))
        archive.check_media()
        with connect(args) as conn:
            server_major, server_version = _server_version(conn)
            database = manifest["database"]
            if database["server_major"] > server_major:
                raise BackupError(
                    f"The archive was made on PostgreSQL {database['server_version']}; this server is "
                    f"{server_version}. Restore it into PostgreSQL {database['server_major']} or newer. Nothing was changed."
                )
            bin_dir, _ = find_clients(("pg_restore", "psql"), at_least=max(server_major, database["pg_dump_major"]),
                                      prefer=server_major, dirs=client_dirs(server_major))
            run([bin_dir / "pg_restore", "--list", dump], env=client_env(args),
                what=f"Reading the archive's {DATABASE_DUMP} (nothing was changed): pg_restore --list")
            existing = schema_objects(conn)
            if existing and not force:
                shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
                raise BackupError(
                    f"The database {describe_database(args)} is not empty ({len(existing)} objects: {shown}). "
                    "Restore into an empty database, or pass --force to drop its schema objects and all their "
                    "data first. Nothing was changed."
                )
            conflicts = media_conflicts(manifest, media_root)
            if conflicts and not force:
                shown = ", ".join(conflicts[:5]) + (", ..." if len(conflicts) > 5 else "")
                raise BackupError(
                    f"{len(conflicts)} files in {media_root} (MEDIA_ROOT) differ from the archive's files of the same "
                    f"name ({shown}). Restore into an empty MEDIA_ROOT, or pass --force to overwrite them. "
                    "Nothing was changed."
                )
            log(f"Restoring the database {describe_database(args)}" + (" (dropping its schema objects first)..."
                                                                        if existing else "..."))
            _restore_database(bin_dir, dump, args, drop=[*_schemas(conn)] if existing else None,
                              server_major=server_major)
            log(f"Restoring {len(manifest['media']['files'])} media files into {media_root}...")
            try:
                already_there = archive.restore_media(media_root)
            except OSError as error:
                raise BackupError(f"The database was restored, but writing the media files failed: {error}. "
                                  "Remove the cause, then restore again with --force.") from None
            log("Verifying...")
            problems = _verify(conn, manifest, media_root)
        if problems:
            raise BackupError("The restore finished but does not match the archive:\n  " + "\n  ".join(problems))
    known = {f"{app}.{name}" for app, name in _code_migrations()}
    applied = {f"{app}.{name}" for app, name in manifest["migrations"]}
    listed = {entry["path"] for entry in manifest["media"]["files"]}
    return RestoreSummary(
        archive=archive_path, manifest=manifest, tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()), files=len(listed),
        bytes=sum(entry["size"] for entry in manifest["media"]["files"]), files_already_there=already_there,
        extra_files=sorted(set(media_listing(media_root)) - listed),
        unapplied_migrations=sorted(known - applied), unknown_migrations=sorted(applied - known),
    )


def _schemas(conn) -> list[str]:
    return [name for (name,) in conn.execute(f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM_SCHEMA}")]


def _restore_database(bin_dir: Path, dump: Path, args: dict, *, drop: list[str] | None, server_major: int):
    """pg_restore writes the dump as one transaction of SQL (BEGIN ... COMMIT), which psql
    runs, stopping at the first error. With `drop`, those schemas are dropped first inside
    the same transaction, so a failed restore leaves the old objects in place. When pg_restore
    fails half-way its COMMIT never comes and the server rolls everything back."""
    env = client_env(args)
    prelude = b""
    if drop is not None:
        # pg_restore's own BEGIN then only warns that a transaction is open: silence it.
        statements = ["SET client_min_messages = error;", "BEGIN;"]
        statements += [f"DROP SCHEMA {_quote(name)} CASCADE;" for name in drop]
        # The public schema as a new database has it (PostgreSQL 15 made it owned by the
        # database owner and creatable only by it).
        statements.append("CREATE SCHEMA public;")
        statements += (["ALTER SCHEMA public OWNER TO pg_database_owner;", "GRANT USAGE ON SCHEMA public TO PUBLIC;"]
                       if server_major >= 15 else ["GRANT ALL ON SCHEMA public TO PUBLIC;"])
        prelude = ("\n".join(statements) + "\n").encode()
    with tempfile.TemporaryFile() as psql_errors, tempfile.TemporaryFile() as restore_errors:
        psql = subprocess.Popen(
            [str(bin_dir / "psql"), "--no-psqlrc", "--quiet", "--no-password", "--set", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env,
        )
        # --no-owner: the objects belong to the role that restores, whatever role owned them
        # on the old server (which may not exist here).
        restore = subprocess.Popen(
            [str(bin_dir / "pg_restore"), "--single-transaction", "--no-owner", "--file=-", str(dump)],
            stdout=subprocess.PIPE, stderr=restore_errors, env=env,
        )
        try:
            psql.stdin.write(prelude)
            shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
        except BrokenPipeError:
            pass  # psql stopped at an error: its message tells why
        finally:
            restore.stdout.close()
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
            restore_code, psql_code = restore.wait(), psql.wait()
        if psql_code != 0:
            psql_errors.seek(0)
            raise BackupError("Restoring the database failed; it was rolled back and is as before. psql said: "
                              + tail(psql_errors.read().decode(errors="replace")))
        if restore_code != 0:
            restore_errors.seek(0)
            raise BackupError("pg_restore could not read the dump; the database was rolled back and is as before: "
                              + tail(restore_errors.read().decode(errors="replace")))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _verify(conn, manifest: dict, media_root: Path) -> list[str]:
    problems = []
    counts = row_counts(conn)
    for table in sorted(set(counts) | set(manifest["tables"])):
        expected, found = manifest["tables"].get(table), counts.get(table)
        if expected != found:
            problems.append(f"table {table}: {found if found is not None else 'missing'} rows, "
                            f"the archive has {expected if expected is not None else 'no such table'}")
    if _applied_migrations(conn) != manifest["migrations"]:
        problems.append("the applied migrations differ from the archive's")
    for entry in manifest["media"]["files"]:
        path = media_root / media_path(entry["path"])
        if not path.is_file():
            problems.append(f"media file {entry['path']}: missing")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"media file {entry['path']}: its SHA-256 differs from the archive's")
    return problems


def _code_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def human_size(size: float) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"

