"""`flush` as the tables' owner: the platform's own role may not empty whole tables
(TRUNCATE passes row-level security by), and post_migrate then runs as the owner too."""

from django.core.management.commands.flush import Command as FlushCommand

from cluster_platform.rls import as_owner


class Command(FlushCommand):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
