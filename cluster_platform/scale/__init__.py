"""Deterministic synthetic data at the scale of a country, a region or a test (`manage.py seed_scale`).

    from cluster_platform.scale import Scale, seed
    seed(Scale.named("small"), as_of=date(2026, 12, 7), replace=True)   # -> {table: rows}
    seed(dataclasses.replace(Scale.named("region"), people=80_000))

One cluster per region of Uzbekistan (the first, toshkent-shahri, the largest), with members,
people, ratings, agreements, resources and bookings, programmes and enrolments, innovations and
their flow, every table loaded by COPY on the owner's connection (see seeder.py). Each cluster has
the users `scale-coordinator-<slug>`, `scale-authority-<slug>`, `scale-expert-<slug>` (and
`-2`, `-3`... more experts) and `scale-admin-<slug>` (admin of the cluster's largest school), all
with the password SCALE_PASSWORD. Same scale, seed and as_of on an empty database: same rows.
"""

from .members import username
from .presets import PRESETS, REGIONS, Scale
from .seeder import DEFAULT_SEED, SCALE_PASSWORD, Result, cluster_counts, seed

__all__ = ["DEFAULT_SEED", "PRESETS", "REGIONS", "Result", "SCALE_PASSWORD", "Scale", "cluster_counts", "seed",
           "username"]
