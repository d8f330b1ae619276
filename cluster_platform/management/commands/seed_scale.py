"""`manage.py seed_scale --scale national|region|small`: the synthetic data set of
cluster_platform.scale, with the rows and seconds of each table."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from cluster_platform.scale import DEFAULT_SEED, PRESETS, Scale, seed


class Command(BaseCommand):
    help = (
        "Load a deterministic synthetic data set: national (14 clusters, ~600,000 people, 1,000,000 bookings, "
        "2,000,000 enrolments), region (one cluster, a tenth of it) or small (two clusters, a few thousand rows). "
        "Refuses a database that has clusters unless --replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(PRESETS), default="small")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None,
                            help="The day the data leads up to (YYYY-MM-DD); default today.")
        parser.add_argument("--replace", action="store_true",
                            help="Delete every cluster, all tenant data and the scale users first.")

    def handle(self, *args, **options):
        try:
            result = seed(Scale.named(options["scale"]), seed=options["seed"], as_of=options["as_of"],
                          replace=options["replace"], stdout=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from error
        width = max(map(len, result), default=5)
        for table, rows in result.items():
            self.stdout.write(f"{table:<{width}}  {rows:>10,}  {result.seconds.get(table, 0.0):7.1f} s")
        self.stdout.write(self.style.SUCCESS(
            f"{'total':<{width}}  {sum(result.values()):>10,}  {result.total_seconds:7.1f} s"))
