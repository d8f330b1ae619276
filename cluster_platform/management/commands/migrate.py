"""`migrate` as the tables' owner (DATABASE_OWNER_URL), then row-level security on every
tenant table (cluster_platform/rls.py runs after the last app's post_migrate)."""

from django.core.management.commands.migrate import Command as MigrateCommand

from cluster_platform.rls import as_owner


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
