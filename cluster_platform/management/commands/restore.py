"""`make restore`: an archive of `make backup` back into an empty database and MEDIA_ROOT.

See cluster_platform/backups.py for the checks and README "Backups".
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cluster_platform import backups


class Command(BaseCommand):
    help = (
        "Restore an archive of `manage.py backup` (default: the newest in BACKUP_DIR) into the configured "
        "database, which must be empty, and its files into MEDIA_ROOT; then check both against the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="the archive (.tar); default: the newest in BACKUP_DIR")
        parser.add_argument(
            "--force", action="store_true",
            help="restore into a database that is not empty: drop its schema objects (and all their data) first, "
                 "and overwrite media files of the same name",
        )
        parser.add_argument("--database", default="default", help="the database alias to restore into (default: default)")

    def handle(self, *args, archive, force, database, **options):
        try:
            path = Path(archive) if archive else backups.newest_archive(backups.backup_dir())
            summary = backups.restore_backup(
                path, alias=database, media_root=Path(settings.MEDIA_ROOT), force=force, log=self.stdout.write,
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        created = summary.manifest["created_at"]
        self.stdout.write(
            f"  database: {summary.tables} tables, {summary.rows} rows: every row count matches the archive"
        )
        self.stdout.write(
            f"  media: {summary.files} files, {backups.human_size(summary.bytes)}: every SHA-256 matches"
            + (f" ({summary.files_already_there} were already there)" if summary.files_already_there else "")
        )
        if summary.extra_files:
            self.stdout.write(self.style.WARNING(
                f"  {len(summary.extra_files)} files in MEDIA_ROOT are not in the archive and were left alone"
            ))
        if summary.unknown_migrations:
            self.stdout.write(self.style.WARNING(
                f"  the archive has {len(summary.unknown_migrations)} migrations this code does not know "
                f"(e.g. {summary.unknown_migrations[0]}): it was made by a newer version; run that version"
            ))
        if summary.unapplied_migrations:
            self.stdout.write(self.style.WARNING(
                f"  this code has {len(summary.unapplied_migrations)} migrations the archive lacks: "
                "run `manage.py migrate`"
            ))
        self.stdout.write(self.style.SUCCESS(f"Restored {summary.archive} (made {created})."))
