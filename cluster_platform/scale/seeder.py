"""seed(): the whole load in one transaction on the owner's connection.

Clusters are loaded one after the other; each cluster's generators share a World that is
dropped before the next cluster starts, and every table is streamed by COPY, so memory stays
at about one cluster's plan. Ids are given explicitly from 1 (auth_user: after the highest id
left), in the order rows are generated, and the sequences are set after them: the same Scale,
seed and as_of on an empty database give the same rows, ids included.
"""

from __future__ import annotations

import datetime
import random
import string

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from cluster_platform import rls
from members.models import Cluster

from . import agreements, innovations, members, programs, resources
from .clock import Clock
from .loader import Loader, SecondaryStructures, Timer, analyze, set_sequences, set_triggers, tables_with_user_triggers
from .presets import REGIONS, Scale, split
from .world import World

SCALE_PASSWORD = "scale-pass"
DEFAULT_SEED = 20261207
USER_PREFIX = "scale-"
LARGE_ROWS = 100_000

# The counts split over the clusters, with the least each cluster gets.
SPLIT = {
    "schools": 3, "universities": 2, "colleges": 0, "enterprises": 0, "preschools": 0, "authorities": 1, "ngos": 0,
    "agreements": 0, "bookings": 0, "innovations": 0, "enrolments": 0, "resources": 1, "programmes": 3,
    "applications": 0, "employer_needs": 0, "experts": 3,
}
MODULES = (members, agreements, resources, programs, innovations)
ORGANIZATION_FIELDS = ("schools", "universities", "colleges", "enterprises", "preschools", "authorities", "ngos")


class Result(dict):
    """{table: rows} of the load, with the seconds per table and in all."""

    seconds: dict
    total_seconds: float


def cluster_counts(scale: Scale) -> list[dict]:
    """Each cluster's share of every count of the scale; the shares add up to the totals."""
    weights = [REGIONS[slug].weight for slug in scale.cluster_slugs]
    shares = {name: split(getattr(scale, name), weights, least) for name, least in SPLIT.items()}
    organizations = [sum(shares[name][i] for name in ORGANIZATION_FIELDS) for i in range(len(weights))]
    # Every organization gets a dozen people at least, every programme a session.
    spare = scale.people - 12 * sum(organizations)
    if spare < 0:
        raise ValueError(f"Scale.people must be at least {12 * sum(organizations)}.")
    shares["people"] = [12 * orgs + extra for orgs, extra in zip(organizations, split(spare, weights), strict=True)]
    shares["sessions"] = [programmes + extra for programmes, extra in zip(
        shares["programmes"], split(scale.sessions - scale.programmes, weights), strict=True)]
    return [
        {**{name: values[i] for name, values in shares.items()}, "rating_quarters": scale.rating_quarters}
        for i in range(len(weights))
    ]


def seed(scale: Scale, *, seed: int = DEFAULT_SEED, as_of: datetime.date | None = None, replace: bool = False,
         stdout=None) -> Result:
    """Load the synthetic data set of `scale` and return {table: rows}.

    `as_of` (default: today) anchors every date: the history runs to it, and its quarter and the
    one before it have activity in every indicator. `replace` first empties every tenant table and
    deletes the clusters and the scale users (TRUNCATE ... CASCADE as the owner); without it a
    platform that has a cluster is refused. Must be called outside a transaction."""
    if connection.in_atomic_block:
        raise CommandError("seed_scale loads in a transaction of its own: call it outside transaction.atomic().")
    as_of = as_of or timezone.localdate()
    clock = Clock(as_of)
    regions = [REGIONS[slug] for slug in scale.cluster_slugs]
    counts = cluster_counts(scale)
    password = _password(seed)
    timer = Timer()
    write = (lambda text: stdout.write(text)) if stdout is not None else (lambda text: None)
    with rls.as_owner():
        with transaction.atomic(), connection.cursor() as cursor:
            emptying = Timer()
            _make_room(cursor, replace)
            if replace:
                write(f"emptied the tenant tables: {emptying.seconds:.1f} s\n")
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
            # Django's foreign keys are deferred to the commit: checked after each COPY instead, the
            # queue of pending checks stays small and the triggers can be switched back on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            loader = Loader(cursor.cursor)
            cursor.execute("SELECT set_config('maintenance_work_mem', '512MB', true)")  # index builds
            triggered = tables_with_user_triggers(cursor, _all_tables(cursor))
            set_triggers(cursor, triggered, enabled=False)
            # A large load drops the foreign keys and plain indexes and makes them again at the end;
            # for a small one that costs more than it saves.
            tables = [model._meta.db_table for module in MODULES for model in module.MODELS]
            structures = SecondaryStructures(cursor, tables if _large(scale) else [])
            structures.drop()
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {get_user_model()._meta.db_table}")
            first_user = cursor.fetchone()[0]
            users = members.plan_users(regions=regions, experts=[share["experts"] for share in counts], seed=seed,
                                       first_id=first_user)
            founded = clock.ts(clock.at(clock.today - members.FOUNDED_DAYS_AGO, 9))
            members.load_users(loader, users, password=password, joined=founded)
            members.load_clusters(loader, regions, created=founded)
            ids: dict[str, int] = {}
            for index, (region, share, cluster_users) in enumerate(zip(regions, counts, users, strict=True), start=1):
                started = Timer()
                world = World(index=index, cluster_id=index, region=region, counts=share, clock=clock, seed=seed,
                              users=cluster_users, ids=ids)
                before = sum(loader.rows.values())
                _load_cluster(world, loader)
                cursor.execute(f"UPDATE {Cluster._meta.db_table} SET centre_id = %s WHERE id = %s",
                               [world.centre.id, index])
                write(f"{region.slug}: {sum(loader.rows.values()) - before:,} rows in {started.seconds:.1f} s\n")
                del world
            if structures.indexes or structures.foreign_keys:
                rebuilding = Timer()
                structures.restore()
                write(f"indexes and foreign keys made again: {rebuilding.seconds:.1f} s\n")
            set_triggers(cursor, triggered, enabled=True)
            set_sequences(cursor, loader.last_id)
        analyzing = Timer()
        with connection.cursor() as cursor:
            analyze(cursor, [table for table, rows in loader.rows.items() if rows])
        write(f"VACUUM (ANALYZE): {analyzing.seconds:.1f} s\n")
    result = Result(sorted(loader.rows.items()))
    result.seconds = dict(loader.seconds)
    result.total_seconds = timer.seconds
    return result


def _large(scale: Scale) -> bool:
    return scale.people + scale.bookings + scale.enrolments >= LARGE_ROWS


def _password(seed: int) -> str:
    """SCALE_PASSWORD hashed once (hashing is slow on purpose) with a salt drawn from the seed, so
    the users' rows are the same from one load to the next too; 22 characters, the entropy
    Django's hashers ask of a salt (a shorter one would be rehashed at the first sign-in)."""
    rng = random.Random(f"{seed}:salt")
    return make_password(SCALE_PASSWORD, salt="".join(rng.choice(string.ascii_letters + string.digits)
                                                      for _ in range(22)))


def _load_cluster(world: World, loader: Loader) -> None:
    members.plan(world)
    resources.plan(world)
    members.load(world, loader)
    agreements.load(world, loader)
    resources.load_catalogue(world, loader)
    programs.plan(world)
    programs.load_programmes(world, loader)
    bookings = resources.Bookings(world)
    booked = bookings.for_sessions(world.session_requests)
    resources.load_bookings(world, loader, bookings)
    programs.load_sessions(world, loader, booked)
    programs.load_people_side(world, loader)
    innovations.load(world, loader)


def _all_tables(cursor) -> list[str]:
    cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace")
    return [row[0] for row in cursor.fetchall()]


def _make_room(cursor, replace: bool) -> None:
    """Refuse a platform that has clusters or scale users, or (replace) empty it first."""
    User = get_user_model()
    clusters = Cluster.objects.count()
    scale_users = User.objects.filter(username__startswith=USER_PREFIX)
    if not replace:
        if clusters:
            raise CommandError(
                f"The database has {clusters} cluster(s): seed_scale loads into a platform without clusters. "
                "Pass --replace (replace=True) to delete every cluster and all tenant data first.")
        if scale_users.exists():
            raise CommandError(
                "Scale users (usernames starting with 'scale-') are left from an earlier load: pass --replace "
                "(replace=True) to delete them with the tenant data.")
        return
    tables = set(rls.tenant_tables(cursor)) | {Cluster._meta.db_table}
    tables |= {model._meta.db_table for model in apps.get_models()
               if getattr(model, "pgh_tracked_model", None) is Cluster}
    quote = connection.ops.quote_name
    cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in sorted(tables))} RESTART IDENTITY CASCADE")
    scale_users.delete()


