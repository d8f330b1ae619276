"""`make messages` runs this between makemessages and compilemessages: the Uzbek Cyrillic
catalogue (locale/uz_Cyrl) generated from the Latin one (locale/uz); see
cluster_platform/catalogues.py."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cluster_platform import catalogues


class Command(BaseCommand):
    help = (
        "Write locale/uz_Cyrl/LC_MESSAGES/*.po from locale/uz/LC_MESSAGES/*.po, every translation "
        "transliterated into Cyrillic (then run compilemessages). --check: only report stale files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--locale-dir", type=Path, default=None,
                            help="the directory holding uz/ and uz_Cyrl/ (default: the first of LOCALE_PATHS)")
        parser.add_argument("--check", action="store_true",
                            help="write nothing; fail when a uz_Cyrl catalogue differs from what it should be")

    def handle(self, *args, locale_dir, check, **options):
        locale_dir = locale_dir or Path(settings.LOCALE_PATHS[0])
        if not (locale_dir / catalogues.SOURCE_LOCALE / "LC_MESSAGES").is_dir():
            raise CommandError(f"No Uzbek catalogue in {locale_dir}.")
        if check:
            stale = catalogues.stale_catalogues(locale_dir)
            if stale:
                raise CommandError("Stale, run `make messages`: " + ", ".join(map(str, stale)))
            self.stdout.write("The Uzbek Cyrillic catalogue is up to date.")
            return
        changed = catalogues.write_cyrillic_catalogues(locale_dir)
        for path in changed:
            self.stdout.write(f"{'written' if path.is_file() else 'deleted'}: {path}")
        if not changed:
            self.stdout.write("The Uzbek Cyrillic catalogue is up to date.")
