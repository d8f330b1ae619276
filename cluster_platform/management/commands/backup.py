"""`make backup`: the database (pg_dump) and the media files in one archive in BACKUP_DIR.

See cluster_platform/backups.py for what the archive holds and README "Backups".
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cluster_platform import backups


class Command(BaseCommand):
    help = (
        "Back up the database and the media files (MEDIA_ROOT) into one archive in BACKUP_DIR: "
        "<UTC time>.tar with database.dump (pg_dump --format=custom), media.tar and manifest.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="the database alias to back up (default: default)")

    def handle(self, *args, database, **options):
        try:
            result = backups.create_backup(
                alias=database, directory=backups.backup_dir(), media_root=settings.MEDIA_ROOT, log=self.stdout.write,
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        db, media = manifest["database"], manifest["media"]
        self.stdout.write(
            f'  database "{db["name"]}" (PostgreSQL {db["server_version"]}, pg_dump {db["pg_dump_version"]}): '
            f'{len(manifest["tables"])} tables, {sum(manifest["tables"].values())} rows, '
            f'{len(manifest["migrations"])} migrations applied'
        )
        self.stdout.write(
            f'  media: {len(media["files"])} files, '
            f'{backups.human_size(sum(entry["size"] for entry in media["files"]))}'
        )
        for name in result.skipped:
            self.stdout.write(self.style.WARNING(f"  not saved (not a regular file): {name}"))
        self.stdout.write(self.style.SUCCESS(
            f"Backup written: {result.path} ({backups.human_size(result.path.stat().st_size)})."
        ))
