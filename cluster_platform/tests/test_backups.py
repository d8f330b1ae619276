"""manage.py backup and restore (`make backup`, `make restore`).

A backup restored into a second, empty database and a second MEDIA_ROOT has every row of
every table (same count, same content checksum, same sequence positions) and every file
(same SHA-256). A database that is not empty, and a truncated or damaged archive, are
refused with nothing changed.

pg_dump reads from its own session, so these tests commit their data (transaction=True).
"""

import hashlib
import os
import stat
import tarfile
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone
from psycopg import sql

from agreements.tests.factories import AgreementDocumentFactory, AgreementFactory
from agreements.tests.test_documents import make_png
from cluster_platform import backups
from cluster_platform.backups.archive import Archive
from cluster_platform.backups.clients import client_env
from innovations.tests.factories import InnovationAttachmentFactory, InnovationFactory
from members.tests.factories import OrganizationFactory, PersonFactory
from reports import periods
from reports.models import Report
from reports.tests import scenario
from resources.models import ResourcePhoto
from resources.tests.factories import ResourceFactory

TARGET = "restore_target"
APPS = ["members", "agreements", "resources", "programs", "innovations", "reports"]
PDF = b"%PDF-1.4\n% a tiny stand-in for a rendered report\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.MEDIA_ROOT


@contextmanager
def database_alias(alias: str, settings_dict: dict):
    """One more entry of DATABASES for the length of a test (never connected by Django)."""
    connections.settings[alias] = settings_dict
    try:
        yield
    finally:
        try:
            del connections[alias]
        except AttributeError:
            pass  # never looked up in this thread
        del connections.settings[alias]


def _admin_args():
    return {**backups.database_connection_args(), "dbname": "postgres"}


@pytest.fixture
def target_db(transactional_db):
    """A second database on the same server, empty, known to Django as "restore_target";
    named after the test database and dropped afterwards."""
    source = connections["default"].settings_dict
    name = f"{source['NAME']}_restore"
    with psycopg.connect(**_admin_args(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))  # an old run's
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    try:
        with database_alias(TARGET, {**source, "NAME": name}):
            yield backups.database_connection_args(TARGET)
    finally:
        with psycopg.connect(**_admin_args(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_state(args) -> dict:
    """Every table's row count and content checksum, and every sequence's position."""
    tables = {}
    with psycopg.connect(**args) as conn:
        names = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in names:
            tables[f"{schema}.{table}"] = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
                    "FROM {}.{} AS t"
                ).format(sql.Identifier(schema), sql.Identifier(table))
            ).fetchone()
        sequences = dict(conn.execute(
            "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences ORDER BY 1"
        ).fetchall())
    return {"tables": tables, "sequences": sequences}


def media_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*") if path.is_file()
    }


def populate(cluster):
    """Rows in every app (the reports' hand-made history, built with each app's factories) and
    stored files of every kind the platform keeps."""
    organizations = scenario.build(cluster)
    AgreementDocumentFactory(agreement=AgreementFactory(cluster=cluster))
    InnovationAttachmentFactory(innovation=InnovationFactory(origin_organization=organizations["s1"]))
    png = make_png(2, 2)
    ResourcePhoto.objects.create(
        cluster=cluster, resource=ResourceFactory(owner=organizations["uni"]), content_type="image/png",
        size=len(png), width=2, height=2,
        image=default_storage.save(f"resources/{cluster.pk}/photo.png", ContentFile(png)),
    )
    quarter = periods.parse_period("quarter", "2026-Q1")
    report = Report(cluster=cluster, kind=quarter.kind, period_start=quarter.start, period_end=quarter.end,
                    version=1, language="en", status=Report.Status.READY, size=len(PDF),
                    sha256=hashlib.sha256(PDF).hexdigest(), finished_at=timezone.now(),
                    data={"current": {}, "previous": {}, "change": {}})
    report.pdf.save(f"reports/{cluster.pk}/2026-Q1-v1.pdf", ContentFile(PDF), save=False)
    report.save()
    # A file no row names, in a nested folder, with a name in Cyrillic: still the platform's.
    default_storage.save("imports/2026/Отчёт о школах.csv", ContentFile("Школа,Рейтинг\n№ 7,green\n".encode()))


def backup() -> Path:
    out = StringIO()
    call_command("backup", stdout=out)
    archives = sorted(backups.backup_dir().glob("*.tar"))
    assert len(archives) == 1, archives
    assert f"Backup written: {archives[0]}" in out.getvalue()
    return archives[0]


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_has_every_row_and_every_file(
        media, settings, tmp_path, cluster, other_cluster, target_db):
    populate(cluster)
    PersonFactory(organization=OrganizationFactory(cluster=other_cluster))
    source = database_state(backups.database_connection_args())
    files = media_files(media)
    for app in APPS:  # every app has rows to lose
        assert any(count for table, (count, _) in source["tables"].items() if table.startswith(f"public.{app}_")), app
    assert {path.split("/")[0] for path in files} == {"agreements", "innovations", "resources", "reports", "imports"}

    archive = backup()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds every password hash
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["manifest.json", "database.dump", "media.tar"]
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = StringIO()
    call_command("restore", str(archive), database=TARGET, stdout=out)

    restored = database_state(target_db)
    assert restored["tables"].keys() == source["tables"].keys()
    for table, (count, checksum) in source["tables"].items():
        assert restored["tables"][table] == (count, checksum), table
    assert restored["sequences"] == source["sequences"]
    assert media_files(settings.MEDIA_ROOT) == files
    assert "every row count matches the archive" in out.getvalue()
    assert f"media: {len(files)} files" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_manifest_describes_the_rows_files_and_migrations(media, cluster):
    document = AgreementDocumentFactory(agreement=AgreementFactory(cluster=cluster))
    archive = backup()
    with Archive(archive) as opened:
        manifest = opened.manifest
    assert manifest["tables"]["public.agreements_agreementdocument"] == 1
    assert manifest["tables"]["public.members_cluster"] == 1
    assert ["agreements", "0001_initial"] in manifest["migrations"]
    assert manifest["media"]["files"] == [
        {"path": document.file.name, "size": document.size, "sha256": document.sha256}
    ]
    assert manifest["database"]["server_major"] == connections["default"].pg_version // 10000
    assert manifest["created_at"].startswith(timezone.now().strftime("%Y-%m-%d"))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(media, settings, tmp_path, cluster):
    AgreementDocumentFactory(agreement=AgreementFactory(cluster=cluster))
    archive = backup()
    before = database_state(backups.database_connection_args())
    settings.MEDIA_ROOT = tmp_path / "other-media"
    with pytest.raises(CommandError, match=r"is not empty \(\d+ objects: .*pass --force.*Nothing was changed"):
        call_command("restore", str(archive), stdout=StringIO())  # into the test database itself
    assert database_state(backups.database_connection_args()) == before
    assert not settings.MEDIA_ROOT.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_with_force_replaces_what_the_database_and_media_held(media, settings, tmp_path, cluster,
                                                                       target_db):
    AgreementDocumentFactory(agreement=AgreementFactory(cluster=cluster))
    source = database_state(backups.database_connection_args())
    files = media_files(media)
    archive = backup()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    call_command("restore", str(archive), database=TARGET, stdout=StringIO())
    with psycopg.connect(**target_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (1)")
        conn.execute("DELETE FROM agreements_agreementdocument")
    (changed,) = files
    (settings.MEDIA_ROOT / changed).write_bytes(b"overwritten since")

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), database=TARGET, stdout=StringIO())
    call_command("restore", str(archive), database=TARGET, force=True, stdout=StringIO())

    assert database_state(target_db) == source  # the leftover table is gone, the document row is back
    assert media_files(settings.MEDIA_ROOT) == files


def _flip_byte_in(member: str):
    def damage(archive: Path):
        with tarfile.open(archive) as tar:
            info = tar.getmember(member)
        with open(archive, "r+b") as handle:
            handle.seek(info.offset_data + info.size // 2)
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0xFF]))
    return damage


def _truncate(archive: Path):
    with open(archive, "r+b") as handle:
        handle.truncate(archive.stat().st_size // 2)


def _replace_with_text(archive: Path):
    archive.write_text("not a backup\n")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage, message", [
    (_truncate, r"is it truncated\?"),
    (_flip_byte_in("database.dump"), r"database.dump differs from the manifest's size and SHA-256"),
    (_flip_byte_in("media.tar"), r"media.tar differs from the manifest's size and SHA-256"),
    (_replace_with_text, r"cannot be read as a tar file"),
], ids=["truncated", "damaged dump", "damaged media", "not an archive"])
def test_a_damaged_archive_is_refused_and_nothing_changes(media, settings, tmp_path, cluster, target_db,
                                                          damage, message):
    AgreementDocumentFactory(agreement=AgreementFactory(cluster=cluster))
    archive = backup()
    damage(archive)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match=message) as refused:
        call_command("restore", str(archive), database=TARGET, stdout=StringIO())
    assert "is not a usable backup archive" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert database_state(target_db) == {"tables": {}, "sequences": {}}
    assert not settings.MEDIA_ROOT.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_without_an_archive_takes_the_newest_and_says_when_there_is_none(media, settings):
    settings.BACKUP_DIR = media.parent / "no-backups-yet"
    with pytest.raises(CommandError, match="No archive in .*no-backups-yet"):
        call_command("restore", stdout=StringIO())
    settings.BACKUP_DIR.mkdir()
    for name in ("20260101T000000Z.tar", "20260301T120000Z.tar", "20260201T000000Z.tar"):
        (settings.BACKUP_DIR / name).write_bytes(b"")
    assert backups.newest_archive(settings.BACKUP_DIR).name == "20260301T120000Z.tar"


def _fake_client(folder: Path, version: str, programs=("pg_dump", "pg_restore", "psql")) -> Path:
    folder.mkdir(parents=True)
    for program in programs:
        script = folder / program
        script.write_text(f"#!/bin/sh\necho '{program} (PostgreSQL) {version}'\n")
        script.chmod(0o755)
    return folder


def test_the_client_of_the_servers_version_is_preferred_and_an_older_one_refused(tmp_path):
    old = _fake_client(tmp_path / "14", "14.11")
    newer = _fake_client(tmp_path / "17", "17.2")
    same = _fake_client(tmp_path / "15", "15.20 (Debian 15.20-0+deb12u1)")
    assert backups.find_clients(("pg_dump",), at_least=15, prefer=15, dirs=[old, newer, same]) == (same, "15.20")
    assert backups.find_clients(("pg_restore", "psql"), at_least=15, prefer=15, dirs=[old, newer]) == (newer, "17.2")
    with pytest.raises(backups.BackupError, match=r"pg_dump of PostgreSQL 15 or newer are needed.*found: 14.11 in "
                                                  r".*apt install postgresql-client-15"):
        backups.find_clients(("pg_dump",), at_least=15, prefer=15, dirs=[old, tmp_path / "missing"])


def test_the_clients_get_the_password_and_libpq_options_through_the_environment():
    probe = {**connections["default"].settings_dict, "USER": "backup_probe", "PASSWORD": "s3cret", "HOST": "db.example",
             "OPTIONS": {"sslmode": "require", "server_side_binding": True}}
    with database_alias("probe", probe):
        args = backups.database_connection_args("probe")
    assert args["password"] == "s3cret" and args["sslmode"] == "require" and "server_side_binding" not in args
    env = client_env(args)
    assert env["PGPASSWORD"] == "s3cret" and env["PGHOST"] == "db.example" and env["PGSSLMODE"] == "require"
