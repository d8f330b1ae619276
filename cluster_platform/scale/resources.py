"""resources: the shared-resource catalogue (weekly hours, holidays), and bookings over two years
up to two months ahead.

Bookings keep to a grid so that approved and completed ones of one resource never overlap (the
exclusion constraint would refuse the load otherwise): a resource with weekly hours is booked by
two-hour units (09-11, 11-13, 14-16, 16-18; Saturday mornings where it opens then), alone, in
pairs or for the whole day; a round-the-clock one (dormitory, digital licence) by whole days,
from 14:00 to 12:00. Each approved or completed booking takes its units; a request whose units
are taken is declined ("the resource is busy then"), as the owner would. Requested, declined and
cancelled bookings take no time and may overlap anything, as they do in the platform.
"""

from __future__ import annotations

import random

from resources.models import BookedResource, Booking, ClosedDate, OpeningHours, Resource

from . import vocab
from .loader import Loader
from .presets import split
from .world import World, pick_weighted

# The tenant tables this module writes.
MODELS = (Resource, OpeningHours, ClosedDate, Booking, BookedResource)
UNITS = ((540, 660), (660, 780), (840, 960), (960, 1080))  # minutes of the day
HISTORY_DAYS = 730
AHEAD_DAYS = 60

OWNER_WEIGHT = {
    "pedagogical_university": 14, "university": 8, "iro": 9, "research_institute": 3, "college": 3, "school": 0.3,
    "preschool": 0.08, "enterprise": 0.5, "authority": 0.6, "ngo": 0.15,
}
KINDS_BY_OWNER = {
    "school": (("hall", 30), ("classroom", 25), ("laboratory", 25), ("library", 10), ("equipment", 10)),
    "pedagogical_university": (("laboratory", 22), ("classroom", 20), ("hall", 14), ("library", 8), ("dormitory", 5),
                               ("digital", 5), ("expert_time", 14), ("equipment", 12)),
    "iro": (("classroom", 35), ("digital", 10), ("expert_time", 35), ("hall", 20)),
    "research_institute": (("laboratory", 50), ("expert_time", 30), ("equipment", 20)),
    "college": (("laboratory", 50), ("equipment", 25), ("classroom", 15), ("dormitory", 10)),
    "enterprise": (("equipment", 40), ("laboratory", 30), ("expert_time", 30)),
    "preschool": (("hall", 60), ("classroom", 40)),
    "authority": (("hall", 80), ("digital", 20)),
    "ngo": (("expert_time", 60), ("classroom", 40)),
}
KINDS_BY_OWNER["university"] = KINDS_BY_OWNER["pedagogical_university"]
BOOKING_WEIGHT = {"hall": 1.3, "laboratory": 1.2, "classroom": 1.2, "equipment": 0.8, "library": 0.6,
                  "expert_time": 0.9, "digital": 0.25, "dormitory": 0.25}
SHARING_OWNERS = ("pedagogical_university", "university", "iro", "research_institute", "college", "enterprise")


class Res:
    __slots__ = ("id", "owner", "kind", "name", "always", "saturday", "capacity", "created", "active", "access",
                 "first", "last", "closed", "used")

    def __init__(self, id, owner, kind):
        self.id, self.owner, self.kind = id, owner, kind
        self.closed: dict[int, str] = {}
        self.used: set[int] = set()


def plan(world: World) -> None:
    """The resources: owners, kinds, names, terms and the days they can be booked."""
    rng = world.rng("resources")
    clock = world.clock
    owners = [org for org in world.orgs if org.joined is not None and org.status != "withdrawn"]
    weights = [OWNER_WEIGHT[org.kind] * rng.lognormvariate(0, 0.5) for org in owners]
    admin = owners.index(world.admin_school)
    counts = split(world.counts["resources"], weights)
    while counts[admin] < min(3, world.counts["resources"]):  # the admin's school shares a few rooms
        richest = max(range(len(counts)), key=lambda i: (counts[i], -i))
        counts[richest] -= 1
        counts[admin] += 1
    for org, count in zip(owners, counts, strict=True):
        org.resources = count
        taken: dict[str, int] = {}
        for _ in range(count):
            kind = pick_weighted(rng, KINDS_BY_OWNER[org.kind])
            res = Res(world.take("resources_resource"), org, kind)
            names, (low, high), schedule = vocab.RESOURCES[kind]
            name = rng.choice(names)
            taken[name] = taken.get(name, 0) + 1
            res.name = name if taken[name] == 1 else f"{name} {taken[name]}"
            res.always = schedule == "always"
            res.saturday = not res.always and rng.random() < 0.4
            res.capacity = rng.randint(low, high)
            res.created = clock.pick(rng, min(org.joined + 5, clock.today - 20), clock.today - 20, recent=1.4)
            res.active = org is world.admin_school or rng.random() > 0.03
            if not res.active:  # archived a while ago, after some use
                res.created = max(org.joined, min(res.created, clock.today - 120))
            res.access = "agreement" if org.kind in SHARING_OWNERS and rng.random() < 0.1 else "cluster"
            res.first = max(res.created + 1, clock.today - HISTORY_DAYS)
            res.last = clock.today + AHEAD_DAYS if res.active else clock.today - 30
            world.resources.append(res)
    _closed_dates(world, rng)


def _closed_dates(world: World, rng: random.Random) -> None:
    clock = world.clock
    holidays = {}
    first_year = clock.date_of(clock.today - HISTORY_DAYS).year
    for year in range(first_year, clock.date_of(clock.today + 90).year + 1):
        for month, day, name in vocab.HOLIDAYS:
            holidays[clock.day_of(clock.date_of(0).replace(year=year, month=month, day=day))] = name
    for res in world.resources:
        if res.always:
            continue
        res.closed = {day: name for day, name in holidays.items() if res.first <= day <= clock.today + 90}
        if rng.random() < 0.05:  # a renovation
            start = rng.randint(res.first, clock.today + 60)
            for day in range(start, start + rng.randint(3, 10)):
                res.closed.setdefault(day, "Ta'mirlash ishlari")


RESOURCE_COLUMNS = ("id", "name", "kind", "description", "capacity", "location", "terms", "price", "price_unit",
                    "access", "always_open", "is_active", "created_at", "updated_at", "cluster_id", "created_by_id",
                    "owner_id")
HOURS_COLUMNS = ("id", "weekday", "opens", "closes", "cluster_id", "resource_id")
CLOSED_COLUMNS = ("id", "date", "reason", "cluster_id", "resource_id")


def _resource_rows(world: World):
    rng = world.rng("resource-rows")
    clock, cluster = world.clock, world.cluster_id
    for res in world.resources:
        terms, price, unit = "free", None, ""
        if rng.random() < 0.25:
            terms = "cost_recovery"
            unit = "per_day" if res.kind == "dormitory" else "per_booking" if res.kind in ("equipment", "digital") \
                else "per_hour"
            price = f"{rng.randint(5, 40) * 10_000}.00"
        location = "Onlayn" if res.kind == "digital" else (
            f"{rng.randint(1, 4)}-bino, {rng.randint(1, 4)}{rng.randint(1, 30):02d}-xona")
        created = clock.ts(clock.office(rng, res.created))
        yield (res.id, res.name, res.kind, f"{res.name}: klaster a'zolari uchun.", res.capacity, location, terms,
               price, unit, res.access, "t" if res.always else "f", "t" if res.active else "f", created, created,
               cluster, world.user_of(res.owner) or world.users.coordinator.id, res.owner.id)


def load_catalogue(world: World, loader: Loader) -> None:
    cluster = world.cluster_id
    loader.copy(Resource, RESOURCE_COLUMNS, _resource_rows(world))
    loader.copy(OpeningHours, HOURS_COLUMNS, (
        (world.take("resources_openinghours"), weekday, "09:00", "13:00" if weekday == 5 else "18:00", cluster, res.id)
        for res in world.resources if not res.always
        for weekday in range(6 if res.saturday else 5)))
    loader.copy(ClosedDate, CLOSED_COLUMNS, (
        (world.take("resources_closeddate"), world.clock.date(day), reason, cluster, res.id)
        for res in world.resources for day, reason in sorted(res.closed.items())))


# --- bookings ----------------------------------------------------------------------------------------

BOOKING_COLUMNS = ("id", "purpose", "participants", "period", "status", "decided_at", "decision_reason",
                   "cancelled_at", "created_at", "updated_at", "agreement_id", "cancelled_by_id", "cluster_id",
                   "decided_by_id", "requested_by_id", "requester_id")
BOOKED_COLUMNS = ("id", "period", "status", "cluster_id", "booking_id", "resource_id")
TAKES_TIME = ("approved", "completed")


def _opens(res: Res, clock, day: int) -> bool:
    weekday = clock.weekday(day)
    return weekday < 5 or (weekday == 5 and res.saturday)


def _shape(rng: random.Random, res: Res, clock, day: int) -> tuple[int, int, list[int]]:
    """(start, end, the grid keys taken) of a booking of `res` on `day`."""
    if res.always:
        nights = rng.randint(1, 5 if res.kind == "dormitory" else 7)
        return clock.at(day, 14), clock.at(day + nights, 12), [(day + n) * 4 for n in range(nights)]
    draw = rng.random()
    saturday = clock.weekday(day) == 5
    if draw < 0.5:
        units = [rng.randrange(2 if saturday else 4)]
    elif draw < 0.85 or saturday:
        units = [0, 1] if saturday or rng.random() < 0.5 else [2, 3]
    else:
        units = [0, 1, 2, 3]
    base = day * 1440
    return base + UNITS[units[0]][0], base + UNITS[units[-1]][1], [day * 4 + unit for unit in units]


def _status(rng: random.Random, start: int, end: int, now: int) -> str:
    if end <= now:
        return pick_weighted(rng, (("completed", 77), ("cancelled", 10), ("declined", 13)))
    if start <= now:
        return "approved"
    return pick_weighted(rng, (("approved", 60), ("requested", 30), ("cancelled", 5), ("declined", 5)))


class Bookings:
    """Writes a cluster's bookings; the items go to a list that is copied after them."""

    def __init__(self, world: World):
        self.world = world
        self.clock = world.clock
        self.rng = world.rng("bookings")
        self.items: list[tuple] = []
        self.made = 0
        self.by_owner: dict[int, list[Res]] = {}
        for res in world.resources:
            if res.active and not res.always:
                self.by_owner.setdefault(res.owner.id, []).append(res)
        self.requesters = [org for org in world.orgs if org.joined is not None]
        self.by_district: dict[int, list] = {}
        for org in self.requesters:
            self.by_district.setdefault(org.district, []).append(org)

    def row(self, *, resources: list[Res], start: int, end: int, status: str, requester, purpose: str,
            participants: int, lead: int, agreement: int | None = None, reason: str = "") -> tuple:
        """The booking's row (its items go to self.items); requested `lead` days before it starts."""
        world, clock, rng = self.world, self.clock, self.rng
        booking_id = world.take("resources_booking")
        self.made += 1
        first = resources[0]
        created_day = max(first.created, min(start // 1440 - lead, clock.today))
        created = min(clock.office(rng, created_day), start - 30, clock.now)
        decided = cancelled = None
        coordinator = world.users.coordinator.id
        if status != "requested":
            decided = min(created + rng.randint(30, 2880), max(created + 1, min(start, clock.now)))
        if status == "cancelled":
            cancelled, decided = decided, None
        updated = cancelled or decided or created
        if status == "completed":
            updated = max(updated, min(end + rng.randint(1, 59), clock.now))
        if status == "declined" and not reason:  # the first reason, "busy then", is for real clashes
            reason = rng.choice(vocab.DECLINE_REASONS[1:])
        period = f'["{clock.ts(start)}","{clock.ts(end)}")'
        for res in resources:
            self.items.append((world.take("resources_bookedresource"), period, status, world.cluster_id, booking_id,
                               res.id))
        requester_user = world.user_of(requester)
        return (
            booking_id, purpose, participants, period, status, clock.ts(decided) if decided else None, reason,
            clock.ts(cancelled) if cancelled else None, clock.ts(created), clock.ts(updated), agreement,
            (requester_user or coordinator) if cancelled else None, world.cluster_id,
            (world.user_of(first.owner) or coordinator) if decided else None, requester_user, requester.id,
        )

    def free(self, resources: list[Res], keys: list[int]) -> bool:
        return all(key not in res.used for res in resources for key in keys)

    def take(self, resources: list[Res], keys: list[int]) -> None:
        for res in resources:
            res.used.update(keys)

    # --- sessions of programmes ----------------------------------------------------------------------

    def for_sessions(self, requests: list) -> dict[int, int]:
        """Bookings for the programme sessions that ask for a room: {session index: booking id}.
        A session whose room is closed or taken at its time goes without."""
        world, clock, rng = self.world, self.clock, self.rng
        rooms = [res for res in world.resources if res.active and not res.always and res.access == "cluster"
                 and res.kind in ("classroom", "hall", "laboratory")]
        booked: dict[int, int] = {}
        rows = []
        for index, lead, day, units, participants, purpose in requests:
            if self.made >= world.counts["bookings"] // 2:
                break
            own = [res for res in self.by_owner.get(lead.id, ()) if res.kind in ("classroom", "hall", "laboratory")]
            pool = own if own and rng.random() < 0.5 else rooms
            if not pool:
                continue
            res = pool[int(rng.random() * len(pool))]
            keys = [day * 4 + unit for unit in units]
            if not (res.first <= day <= res.last and _opens(res, clock, day) and day not in res.closed
                    and self.free([res], keys)):
                continue
            if (clock.weekday(day) == 5 and units[-1] > 1) or not lead.active_on(min(day, clock.today)):
                continue
            start, end = clock.at(day, 0) + UNITS[units[0]][0], clock.at(day, 0) + UNITS[units[-1]][1]
            status = "completed" if end <= clock.now else "approved"
            self.take([res], keys)
            row = self.row(resources=[res], start=start, end=end, status=status, requester=lead, purpose=purpose,
                           participants=min(participants, res.capacity), lead=rng.randint(1, 45))
            booked[index] = row[0]
            rows.append(row)
        self.session_rows = rows
        return booked

    # --- the rest ------------------------------------------------------------------------------------

    def rows(self):
        yield from self.session_rows
        world, rng = self.world, self.rng
        remaining = world.counts["bookings"] - self.made
        resources = world.resources
        # Popular kinds more, archived ones less, and each by how long it could be booked.
        weights = [BOOKING_WEIGHT[res.kind] * rng.lognormvariate(0, 0.5) * (1 if res.active else 0.3)
                   * max(1, res.last - res.first) for res in resources]
        for res, count in zip(resources, split(remaining, weights), strict=True):
            for _ in range(count):
                yield self._one(res)

    def _one(self, res: Res) -> tuple:
        clock, rng = self.clock, self.rng
        for _attempt in range(6):
            # Requested some days or weeks ahead: a day further ahead than that is not booked yet.
            for _draw in range(10):
                day, lead = clock.pick(rng, res.first, res.last, recent=0.75), rng.randint(1, 45)
                if day - lead <= clock.today:
                    break
            day = self._open_day(res, day)
            start, end, keys = _shape(rng, res, clock, day)
            status = _status(rng, start, end, clock.now)
            together = [res]
            if not res.always and rng.random() < 0.08:
                others = [other for other in self.by_owner.get(res.owner.id, ()) if other is not res]
                if others:
                    companion = others[int(rng.random() * len(others))]
                    if companion.first <= day <= companion.last and _opens(companion, clock, day) \
                            and day not in companion.closed and self.free([companion], keys):
                        together.append(companion)
            if status not in TAKES_TIME or self.free(together, keys):
                break
        else:
            status, together = "declined", [res]
        reason = vocab.DECLINE_REASONS[0] if status == "declined" and not self.free(together, keys) else ""
        if status in TAKES_TIME:
            self.take(together, keys)
        requester, agreement = self._requester(res, day)
        capacity = sum(item.capacity for item in together)
        low = 1 if res.kind in ("equipment", "expert_time", "digital") else max(1, capacity // 3)
        return self.row(resources=together, start=start, end=end, status=status, requester=requester,
                        purpose=rng.choice(vocab.BOOKING_PURPOSES), participants=rng.randint(low, capacity),
                        lead=lead, agreement=agreement, reason=reason)

    def _open_day(self, res: Res, day: int) -> int:
        """The day, or the nearest one after it (else before it) the resource is open."""
        if res.always:
            return day
        for candidate in [day + step for step in range(15)] + [day - step for step in range(1, 15)]:
            if _opens(res, self.clock, candidate) and candidate not in res.closed:
                return candidate
        return day

    def _requester(self, res: Res, day: int):
        world, rng = self.world, self.rng
        owner = res.owner
        moment = min(day, world.clock.today)
        if res.access == "agreement":
            deals = [deal for deal in world.sharing.get(owner.id, ()) if deal[2] <= moment <= deal[3]]
            if deals:
                agreement, partners, _first, _last = deals[int(rng.random() * len(deals))]
                partner = world.choose_active(rng, partners, moment, tries=5)
                if partner is not None:
                    return partner, agreement
            return owner, None
        if rng.random() < 0.1:
            return owner, None
        pool = self.by_district.get(owner.district, self.requesters) if rng.random() < 0.5 else self.requesters
        requester = world.choose_active(rng, pool, moment, exclude=(owner,), tries=10)
        return (requester or owner), None


def load_bookings(world: World, loader: Loader, bookings: Bookings) -> None:
    loader.copy(Booking, BOOKING_COLUMNS, bookings.rows())
    loader.copy(BookedResource, BOOKED_COLUMNS, bookings.items)
    bookings.items = []
