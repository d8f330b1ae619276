"""The state one cluster's generators share while it is loaded: its organizations, people
ranges, users and plans, kept compact (ids and small objects), and dropped when the next
cluster starts. Also the small text helpers every generator uses."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field

from .clock import Clock
from .presets import Region

# The kinds counted as "universities and institutes" in a Scale.
ACADEMIC_KINDS = ("pedagogical_university", "university", "iro", "research_institute")


def array(values) -> str:
    """A PostgreSQL array literal of text values."""
    return "{" + ",".join('"' + value.replace('"', "") + '"' for value in values) + "}"


def pick_weighted(rng: random.Random, choices: tuple) -> str:
    """One of ((value, weight), ...)."""
    total = sum(weight for _value, weight in choices)
    draw = rng.random() * total
    for value, weight in choices:
        draw -= weight
        if draw < 0:
            return value
    return choices[-1][0]


@dataclass
class User:
    id: int
    username: str
    first_name: str
    last_name: str
    role: str  # coordinator, authority, expert, admin


@dataclass
class ClusterUsers:
    coordinator: User
    authority: User
    admin: User
    experts: list[User]

    @property
    def all(self) -> list[User]:
        return [self.coordinator, self.authority, self.admin, *self.experts]


class Org:
    __slots__ = ("id", "index", "kind", "district", "status", "joined", "exit", "reinstated", "first_person",
                 "people", "resources", "colours", "name", "short_name")

    def __init__(self, id: int, index: int, kind: str, district: int):
        self.id = id
        self.index = index
        self.kind = kind
        self.district = district
        self.status = "active"
        self.joined: int | None = None  # the day it joined; None for an applicant
        self.exit: int | None = None  # the day it was suspended or withdrew (and is so now)
        self.reinstated = False
        self.first_person = 0
        self.people = 0
        self.resources = 0
        self.colours: list | None = None  # per rating quarter: "red" / "yellow" / "green" / None
        self.name = ""
        self.short_name = ""

    def active_on(self, day: int) -> bool:
        return self.joined is not None and self.joined <= day and (self.exit is None or day < self.exit)


class PersonPool:
    """Pick people of a set of organizations, each person alike: a random index into the
    organizations' people laid end to end."""

    def __init__(self, orgs: list[Org]):
        self.orgs = [org for org in orgs if org.people]
        self.ends = []
        total = 0
        for org in self.orgs:
            total += org.people
            self.ends.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> tuple[int, Org]:
        draw = int(rng.random() * self.total)
        index = bisect_right(self.ends, draw)
        org = self.orgs[index]
        before = self.ends[index] - org.people
        return org.first_person + draw - before, org


@dataclass
class World:
    index: int
    cluster_id: int
    region: Region
    counts: dict
    clock: Clock
    seed: int
    users: ClusterUsers
    ids: dict  # table -> the next free id, shared by every cluster
    founded: int = 0  # the day the cluster was set up
    orgs: list[Org] = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)
    centre: Org | None = None
    admin_school: Org | None = None
    user_person: dict = field(default_factory=dict)  # person id -> User
    rating_starts: list = field(default_factory=list)
    rating_scores: dict = field(default_factory=dict)  # school id -> score per rating quarter (None: unrated)
    status_changes: list = field(default_factory=list)  # (org, from status, to status, day)
    expert_org: dict = field(default_factory=dict)  # expert user id -> the organization they work at
    sharing: dict = field(default_factory=dict)  # owner org id -> [(agreement id, partner orgs, first day, last day)]
    resources: list = field(default_factory=list)
    owners: list = field(default_factory=list)  # organizations with resources
    programmes: list = field(default_factory=list)
    enrolled: list = field(default_factory=list)  # enrolments per programme
    sessions: list = field(default_factory=list)  # (programme, number, day, units)
    session_requests: list = field(default_factory=list)  # sessions asking for a room, see resources.Bookings

    def rng(self, name: str) -> random.Random:
        """The generator of one table (or concern) of this cluster: the same seed, region and name
        give the same sequence, whatever else is generated."""
        return random.Random(f"{self.seed}:{self.region.slug}:{name}")

    def take(self, table: str) -> int:
        value = self.ids.get(table, 1)
        self.ids[table] = value + 1
        return value

    def kinds(self, *kinds: str) -> list[Org]:
        return [org for kind in kinds for org in self.by_kind.get(kind, ())]

    def user_of(self, org: Org) -> int | None:
        """The user acting for an organization's side: its scale admin, else nobody."""
        return self.users.admin.id if org is self.admin_school else None

    def choose_active(self, rng: random.Random, orgs: list[Org], day: int, *, exclude=(),
                      tries: int = 30) -> Org | None:
        """A random organization of `orgs` that was an active member on `day`."""
        if not orgs:
            return None
        for _ in range(tries):
            org = orgs[int(rng.random() * len(orgs))]
            if org.active_on(day) and org not in exclude:
                return org
        for org in orgs:
            if org.active_on(day) and org not in exclude:
                return org
        return None
