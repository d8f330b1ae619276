"""members: the scale users, organizations of every kind with their districts, statuses and
status history, people, roles, membership applications and quarterly school ratings."""

from __future__ import annotations

import math
import random

from django.contrib.auth import get_user_model

from members.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    Cluster,
    ClusterRole,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)

from . import vocab
from .loader import Loader
from .presets import Region, split
from .world import ACADEMIC_KINDS, ClusterUsers, Org, User, World, pick_weighted

# The tenant tables this module writes.
MODELS = (Organization, MembershipStatusChange, Person, ClusterRole, OrganizationRole, MembershipApplication,
          SchoolRating)
GREEN_FROM, YELLOW_FROM = 70, 50
FOUNDED_DAYS_AGO = 5 * 365

# People per organization, relative to a school (which has some 40-50 staff at national scale).
PEOPLE_WEIGHT = {
    "pedagogical_university": 6.0, "university": 4.5, "iro": 3.0, "research_institute": 1.5, "college": 0.9,
    "school": 1.0, "preschool": 0.3, "enterprise": 0.11, "authority": 0.2, "ngo": 0.08,
}
TEACHING_POSITIONS = {
    "O'qituvchi", "Dotsent", "Katta o'qituvchi", "Professor", "Assistent", "Kafedra mudiri", "Trener",
    "Ishlab chiqarish ta'limi ustasi", "Metodist", "Ustoz-murabbiy", "Mutaxassis", "Ilmiy xodim",
    "Katta ilmiy xodim", "Yetakchi ilmiy xodim",
}
EXIT_KINDS = ("school", "college", "enterprise", "preschool", "ngo")


def username(role: str, slug: str, number: int = 1) -> str:
    return f"scale-{role}-{slug}" + (f"-{number}" if number > 1 else "")


def person_name(rng: random.Random, female_share: float) -> tuple[str, str]:
    if rng.random() < female_share:
        return rng.choice(vocab.FEMALE), rng.choice(vocab.SURNAMES) + "a"
    return rng.choice(vocab.MALE), rng.choice(vocab.SURNAMES)


def ascii_slug(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", "-") if ch.isascii() and (ch.isalnum() or ch == "-"))


# --- users (before any cluster: auth_user is not tenant data) ------------------------------------

def plan_users(*, regions: list[Region], experts: list[int], seed: int, first_id: int) -> list[ClusterUsers]:
    next_id = first_id
    planned = []
    for region, count in zip(regions, experts, strict=True):
        rng = random.Random(f"{seed}:{region.slug}:users")

        def user(role: str, number: int = 1) -> User:
            nonlocal next_id
            first, last = person_name(rng, 0.5)
            made = User(next_id, username(role, region.slug, number), first, last, role)
            next_id += 1
            return made

        planned.append(ClusterUsers(
            coordinator=user("coordinator"), authority=user("authority"), admin=user("admin"),
            experts=[user("expert", number) for number in range(1, count + 1)],
        ))
    return planned


USER_COLUMNS = ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                "is_staff", "is_active", "date_joined")


def load_users(loader: Loader, users: list[ClusterUsers], *, password: str, joined: str) -> None:
    rows = ((user.id, password, None, "f", user.username, user.first_name, user.last_name,
             f"{user.username}@scale.example.uz", "f", "t", joined)
            for cluster_users in users for user in cluster_users.all)
    loader.copy(get_user_model(), USER_COLUMNS, rows)


CLUSTER_COLUMNS = ("id", "name", "slug", "region", "goals", "languages", "is_active", "created_at", "centre_id",
                   "logo", "primary_colour", "accent_colour")


def load_clusters(loader: Loader, regions: list[Region], *, created: str) -> None:
    rows = ((index, region.name, region.slug, region.region,
             f"{region.region}da ta'lim sifatini oshirish, pedagoglar malakasini rivojlantirish va pedagogik "
             "innovatsiyalarni tarqatish.", "{uz,ru,en}", "t", created, None,
             "", DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR)
            for index, region in enumerate(regions, start=1))
    loader.copy(Cluster, CLUSTER_COLUMNS, rows)


# --- the plan of a cluster's members -------------------------------------------------------------

def plan(world: World) -> None:
    """Organizations (kinds, districts, join and exit days, names), their rating histories and
    how many people each has, and which people are the scale users."""
    rng = world.rng("organizations")
    clock, counts = world.clock, world.counts
    world.founded = clock.today - FOUNDED_DAYS_AGO
    research = round(0.15 * (counts["universities"] - 2))
    layout = (
        ("pedagogical_university", 1), ("iro", 1), ("university", counts["universities"] - 2 - research),
        ("research_institute", research), ("authority", counts["authorities"]), ("college", counts["colleges"]),
        ("school", counts["schools"]), ("preschool", counts["preschools"]), ("enterprise", counts["enterprises"]),
        ("ngo", counts["ngos"]),
    )
    districts = len(world.region.districts)
    for kind, count in layout:
        for number in range(count):
            district = number % districts if kind == "authority" else (
                0 if kind in ACADEMIC_KINDS and rng.random() < 0.7 else rng.randrange(districts))
            org = Org(world.take("members_organization"), len(world.orgs), kind, district)
            world.orgs.append(org)
            world.by_kind.setdefault(kind, []).append(org)
    world.centre = world.by_kind["pedagogical_university"][0]
    world.admin_school = world.by_kind["school"][0]
    _name(world, rng)
    _join(world, rng)
    _exits(world, rng)
    _ratings(world, rng)
    _people(world, rng)


def _name(world: World, rng: random.Random) -> None:
    region = world.region
    city = region.city
    numbers: dict[tuple, int] = {}
    templates = list(vocab.UNIVERSITY_NAMES)
    for org in world.orgs:
        district = region.districts[org.district]
        key = (org.kind, org.district)
        numbers[key] = numbers.get(key, 0) + 1
        number = numbers[key]
        kind = org.kind
        if kind == "pedagogical_university":
            org.name, org.short_name = f"{city} davlat pedagogika instituti", f"{city[:3].upper()}DPI"
        elif kind == "iro":
            org.name = f"{region.region} pedagoglarni yangi metodikalarga o'rgatish hududiy markazi"
            org.short_name = f"{city} HPM"
        elif kind == "university":
            universities = numbers[("university",)] = numbers.get(("university",), 0) + 1
            org.name = templates[(universities - 1) % len(templates)].format(city=city)
            if universities > len(templates):  # the first of each kind in the city, the others branches
                org.name = f"{org.name} {district} filiali"
            org.short_name = "".join(word[0] for word in org.name.split()[:4]).upper()
        elif kind == "research_institute":
            org.name = vocab.RESEARCH_NAMES[(number - 1) % len(vocab.RESEARCH_NAMES)].format(city=district)
            org.short_name = f"ITI {district}"
        elif kind == "authority":
            regional = org is world.by_kind["authority"][0]
            org.name = (f"{region.region} maktabgacha va maktab ta'limi boshqarmasi" if regional
                        else f"{district} maktabgacha va maktab ta'limi bo'limi")
            org.short_name = f"MMTB {district}"
        elif kind == "college":
            org.name = f"{district} {number}-son {rng.choice(('politexnikumi', 'texnikumi', 'kasb-hunar maktabi'))}"
            org.short_name = f"{number}-texnikum ({district})"
        elif kind == "school":
            org.name = f"{number}-son umumiy o'rta ta'lim maktabi ({district})"
            org.short_name = f"{number}-maktab ({district})"
        elif kind == "preschool":
            org.name = f"{number}-son maktabgacha ta'lim tashkiloti ({district})"
            org.short_name = f"{number}-MTT ({district})"
        elif kind == "enterprise":
            word = rng.choice(vocab.ENTERPRISE_WORDS)
            org.name = f'"{district} {word}" {rng.choice(vocab.ENTERPRISE_FORMS)}'
            org.short_name = f"{district} {word}"
        else:
            word = rng.choice(vocab.NGO_WORDS)
            org.name = f'"{word}" nodavlat notijorat tashkiloti ({district})'
            org.short_name = word
    seen: dict[str, int] = {}
    for org in world.orgs:  # the same name twice in a cluster gets a number
        seen[org.name] = seen.get(org.name, 0) + 1
        if seen[org.name] > 1:
            org.name = f"{org.name} ({seen[org.name]})"


def _join(world: World, rng: random.Random) -> None:
    clock = world.clock
    schools = world.by_kind["school"]
    # schools[1] is a founding member too: its ratings climb over the last quarters (see _ratings).
    founding = {world.centre, world.by_kind["iro"][0], world.by_kind["authority"][0], world.admin_school, schools[1]}
    for org in world.orgs:
        org.joined = world.founded if org in founding else clock.pick(
            rng, world.founded, clock.today, recent=1.8)
    # Every cluster has members that joined this quarter and the last one, and a few applicants.
    schools[-1].joined = rng.randint(*clock.current)
    schools[-2].joined = rng.randint(*clock.previous)
    founding |= {schools[-1], schools[-2]}
    candidates = [org for org in world.kinds("school", "enterprise", "college") if org not in founding]
    applicants = max(1, round(0.005 * len(candidates)))
    for org in rng.sample(candidates, min(applicants, len(candidates))):
        org.status, org.joined = "applicant", None


def _exits(world: World, rng: random.Random) -> None:
    """Suspensions, withdrawals and reinstatements with their dates (MembershipStatusChange)."""
    clock = world.clock
    world.status_changes = []
    candidates = [org for org in world.kinds(*EXIT_KINDS)
                  if org not in world.by_kind["school"][:2] and org.joined is not None
                  and org.joined < clock.previous[0] - 60]
    count = min(len(candidates), max(3, round(0.02 * len(world.orgs))))
    for number, org in enumerate(rng.sample(candidates, count)):
        if number == 0:
            fate, day = "suspended", rng.randint(*clock.current)
        elif number == 1:
            fate, day = "withdrawn", rng.randint(*clock.previous)
        elif number == 2:
            fate, day = "reinstated", rng.randint(*clock.current)
        else:
            fate = pick_weighted(rng, (("suspended", 45), ("withdrawn", 35), ("reinstated", 20)))
            day = clock.pick(rng, org.joined + 60, clock.today, recent=0.8, current=0.03, previous=0.03)
        changes = world.status_changes
        if fate == "suspended":
            org.status, org.exit = "suspended", day
            changes.append((org, "active", "suspended", day))
        elif fate == "withdrawn":
            org.status, org.exit = "withdrawn", day
            if rng.random() < 0.4 and day - org.joined > 120:
                suspended = day - rng.randint(30, 90)
                changes.append((org, "active", "suspended", suspended))
                changes.append((org, "suspended", "withdrawn", day))
            else:
                changes.append((org, "active", "withdrawn", day))
        else:
            suspended = max(org.joined + 1, day - rng.randint(20, 120))
            org.reinstated = True
            changes.append((org, "active", "suspended", suspended))
            changes.append((org, "suspended", "active", day))


def _ratings(world: World, rng: random.Random) -> None:
    """Each school's colour per quarter from a score that moves: most improve a little, some slip."""
    clock = world.clock
    world.rating_starts = starts = clock.quarter_starts(world.counts["rating_quarters"])
    world.rating_scores = {}
    for org in world.by_kind["school"]:
        org.colours = [None] * len(starts)
        if org.joined is None:
            continue
        score = min(97.0, max(18.0, rng.gauss(60, 13)))
        scores = []
        for index, start in enumerate(starts):
            withdrawn = org.status == "withdrawn" and org.exit is not None and org.exit <= start
            if org.joined > start + 20 or withdrawn:
                scores.append(None)
                continue
            score = min(99.0, max(10.0, score + rng.gauss(0.4, 4.2) + 0.05 * (60 - score)))
            scores.append(score)
        if org is world.by_kind["school"][1]:  # red, then yellow, then green: a school the cluster lifted
            scores[-3:] = [rng.uniform(40, 48), rng.uniform(55, 65), rng.uniform(71, 80)][-len(scores):]
        for index, score in enumerate(scores):
            if score is not None:
                org.colours[index] = "green" if score >= GREEN_FROM else "yellow" if score >= YELLOW_FROM else "red"
        world.rating_scores[org.id] = scores


def _people(world: World, rng: random.Random) -> None:
    weights = [PEOPLE_WEIGHT[org.kind] * rng.lognormvariate(0, 0.35) for org in world.orgs]
    # The admin's school is the cluster's largest school.
    weights[world.admin_school.index] = 1.3 * max(weights[org.index] for org in world.by_kind["school"])
    next_person = world.ids.get("members_person", 1)
    for org, people in zip(world.orgs, split(world.counts["people"], weights, minimum=3), strict=True):
        org.first_person, org.people = next_person, people
        next_person += people
    world.ids["members_person"] = next_person
    users = world.users
    world.user_person = {
        world.admin_school.first_person: users.admin,
        world.centre.first_person + 1: users.coordinator,
        world.by_kind["authority"][0].first_person: users.authority,
    }
    academic = world.kinds(*ACADEMIC_KINDS)
    slots = [(org, index) for index in range(2, 60) for org in academic if index < org.people]
    slots = [(org, index) for org, index in slots if org.first_person + index not in world.user_person]
    if len(slots) < len(users.experts):
        raise RuntimeError(f"{world.region.slug}: too few people at universities for {len(users.experts)} experts.")
    world.expert_org = {}
    for user, (org, index) in zip(users.experts, slots, strict=False):
        world.user_person[org.first_person + index] = user
        world.expert_org[user.id] = org


# --- rows --------------------------------------------------------------------------------------------

ORGANIZATION_COLUMNS = (
    "id", "kind", "name", "short_name", "tax_id", "district", "address", "latitude", "longitude", "website", "email",
    "phone", "specialisations", "cluster_role", "status", "joined_on", "suspended_on", "withdrawn_on",
    "status_reason", "current_rating", "created_at", "updated_at", "cluster_id",
)


def _organization_rows(world: World):
    rng = world.rng("organization-rows")
    clock, region, cluster = world.clock, world.region, world.cluster_id
    districts = len(region.districts)
    suspended_on, last_change = {}, {}
    for org, _from, to, day in world.status_changes:
        if to == "suspended":
            suspended_on[org.id] = day
        last_change[org.id] = day
    for org in world.orgs:
        district = region.districts[org.district]
        angle = 2 * math.pi * org.district / districts
        latitude = region.centre[0] + 0.22 * math.cos(angle) * (org.district > 0) + rng.uniform(-0.03, 0.03)
        longitude = region.centre[1] + 0.3 * math.sin(angle) * (org.district > 0) + rng.uniform(-0.03, 0.03)
        created_day = org.joined if org.joined is not None else clock.pick(rng, clock.today - 60, clock.today)
        created = clock.ts(clock.office(rng, created_day))
        changed = last_change.get(org.id)
        updated = clock.ts(clock.office(rng, changed)) if changed is not None and changed > created_day else created
        kind = org.kind
        associate = kind in ("enterprise", "ngo") or (kind == "research_institute" and org.index % 2)
        role = "centre" if org is world.centre else "associate" if associate else "member"
        email = (f"info@{ascii_slug(org.short_name)}.uz" if kind in ("university", "pedagogical_university", "iro")
                 else f"{kind}{org.index}.{ascii_slug(district)}@edu.uz" if rng.random() < 0.7 else "")
        website = f"https://{ascii_slug(org.short_name)}.uz" if kind in ("university", "pedagogical_university",
                                                                         "iro", "research_institute") else ""
        colours = [colour for colour in (org.colours or ()) if colour]
        status = org.status
        reason = ""
        if status in ("suspended", "withdrawn") or org.reinstated:
            reason = rng.choice(vocab.STATUS_REASONS["active" if org.reinstated else status])
        yield (
            org.id, kind, org.name, org.short_name, f"{300_000_000 + world.index * 1_000_000 + org.index * 3:09d}",
            district, f"{rng.choice(vocab.STREETS)} ko'chasi, {rng.randint(1, 160)}-uy, {district}",
            f"{latitude:.6f}", f"{longitude:.6f}", website, email,
            f"+998 {region.phone_code} {rng.randint(200, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            vocab.SPECIALISATIONS.get(kind, ""), role, status,
            clock.date(org.joined) if org.joined is not None else None,
            clock.date(suspended_on[org.id]) if org.id in suspended_on else None,
            clock.date(org.exit) if status == "withdrawn" else None,
            reason, colours[-1] if colours else "", created, updated, cluster,
        )


STATUS_CHANGE_COLUMNS = ("id", "from_status", "to_status", "effective_on", "reason", "created_at", "actor_id",
                         "cluster_id", "organization_id")


def _status_change_rows(world: World):
    rng = world.rng("status-changes")
    clock = world.clock
    actor = world.users.coordinator.id
    for org, source, target, day in sorted(world.status_changes, key=lambda change: (change[3], change[0].id)):
        yield (world.take("members_membershipstatuschange"), source, target, clock.date(day),
               rng.choice(vocab.STATUS_REASONS[target]), clock.ts(clock.office(rng, day)), actor, world.cluster_id,
               org.id)


PERSON_COLUMNS = ("id", "full_name", "position", "subject", "email", "phone", "is_active", "created_at",
                  "updated_at", "cluster_id", "organization_id", "user_id")


def _person_rows(world: World):
    rng = world.rng("people")
    clock, cluster, code = world.clock, world.cluster_id, world.region.phone_code
    linked = world.user_person
    for org in world.orgs:
        head, deputy, rest, subjects = vocab.POSITIONS[org.kind]
        female = 0.7 if org.kind in ("school", "preschool") else 0.45
        start = org.joined if org.joined is not None else clock.today - 30
        for offset in range(org.people):
            person_id = org.first_person + offset
            position = head if offset == 0 else deputy if offset == 1 else pick_weighted(rng, rest)
            subject = rng.choice(subjects) if subjects and position in TEACHING_POSITIONS else ""
            user = linked.get(person_id)
            if user is not None:
                first, last = user.first_name, user.last_name
            else:
                first, last = person_name(rng, female)
            email = f"{ascii_slug(first)}.{ascii_slug(last)}{person_id}@mail.uz" if rng.random() < 0.25 else ""
            phone = f"+998 {code} {rng.randint(200, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}" \
                if rng.random() < 0.4 else ""
            created = clock.ts(clock.office(rng, min(clock.today, start + int(rng.random() * 40))))
            active = "f" if user is None and offset > 1 and rng.random() < 0.03 else "t"
            yield (person_id, f"{first} {last}", position, subject, email, phone, active, created, created, cluster,
                   org.id, user.id if user is not None else None)


ROLE_COLUMNS = ("id", "role", "granted_at", "cluster_id", "granted_by_id", "user_id")
ORG_ROLE_COLUMNS = ("id", "role", "granted_at", "cluster_id", "granted_by_id", "organization_id", "user_id")


def _application_rows(world: World):
    rng = world.rng("applications")
    clock, region, cluster = world.clock, world.region, world.cluster_id
    coordinator = world.users.coordinator.id
    salt = random.Random(f"{world.seed}:references").getrandbits(32)
    recent = [org for org in world.kinds("school", "college", "enterprise", "preschool", "ngo")
              if org.joined is not None and org.joined > world.founded + 30 and org.joined > clock.today - 730]
    rng.shuffle(recent)
    for number in range(world.counts["applications"]):
        application_id = world.take("members_membershipapplication")
        fate = "submitted" if number == 0 else pick_weighted(
            rng, (("submitted", 30), ("approved", 45), ("rejected", 25)))
        if fate == "approved" and not recent:
            fate = "rejected"
        organization = recent.pop() if fate == "approved" else None
        if organization is not None:
            decided_day = organization.joined
            submitted_day = max(world.founded, decided_day - rng.randint(3, 25))
            kind, name, district = organization.kind, organization.name, organization.district
            tax_id = f"{300_000_000 + world.index * 1_000_000 + organization.index * 3:09d}"
        else:
            kind = rng.choice(("school", "college", "enterprise", "preschool"))
            district = rng.randrange(len(region.districts))
            noun = "maktab" if kind == "school" else "tashkilot"
            name = f"{rng.randint(40, 140)}-son {noun} ({region.districts[district]})"
            tax_id = f"{400_000_000 + world.index * 1_000_000 + number * 7:09d}"
            if fate == "submitted":
                submitted_day = clock.pick(rng, clock.today - 45, clock.today)
            else:
                submitted_day = clock.pick(rng, world.founded, clock.today - 5)
            decided_day = min(clock.today, submitted_day + rng.randint(2, 20))
        submitted = clock.office(rng, submitted_day)
        decided = max(submitted + 60, clock.office(rng, decided_day)) if fate != "submitted" else None
        first, last = person_name(rng, 0.5)
        yield (
            application_id, f"APP-{(application_id * 2654435761 + salt) % 2 ** 32:08X}", name, kind, tax_id,
            region.districts[district], f"{rng.choice(vocab.STREETS)} ko'chasi, {rng.randint(1, 160)}-uy", "",
            f"{first} {last}", f"murojaat{application_id}@example.uz",
            f"+998 {region.phone_code} {rng.randint(200, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            rng.choice(vocab.APPLICATION_MOTIVATIONS), fate, clock.ts(submitted),
            clock.ts(decided) if decided else None, rng.choice(vocab.REJECTION_REASONS) if fate == "rejected" else "",
            cluster, coordinator if decided else None, organization.id if organization else None,
            clock.ts(decided + 3) if decided else None,
        )


APPLICATION_COLUMNS = (
    "id", "reference", "organization_name", "kind", "tax_id", "district", "address", "website", "contact_name",
    "contact_email", "contact_phone", "motivation", "status", "submitted_at", "decided_at", "rejection_reason",
    "cluster_id", "decided_by_id", "organization_id", "decision_sent_at",
)
RATING_COLUMNS = ("id", "period", "colour", "score", "note", "created_at", "cluster_id", "organization_id",
                  "recorded_by_id")


def _rating_rows(world: World):
    rng = world.rng("ratings")
    clock, cluster = world.clock, world.cluster_id
    coordinator = world.users.coordinator.id
    starts = world.rating_starts
    for index, start in enumerate(starts):
        period = clock.date(start)
        for org in world.by_kind["school"]:
            colour = org.colours[index]
            if colour is None:
                continue
            score = world.rating_scores[org.id][index]
            day = min(clock.today, max(start + rng.randint(3, 30), org.joined))
            note = "Qo'llab-quvvatlash rejasi kelishilgan" if colour == "red" else ""
            yield (world.take("members_schoolrating"), period, colour, f"{score:.2f}", note,
                   clock.ts(clock.office(rng, day)), cluster, org.id, coordinator)


def load(world: World, loader: Loader) -> None:
    clock, cluster = world.clock, world.cluster_id
    loader.copy(Organization, ORGANIZATION_COLUMNS, _organization_rows(world))
    loader.copy(MembershipStatusChange, STATUS_CHANGE_COLUMNS, _status_change_rows(world))
    loader.copy(Person, PERSON_COLUMNS, _person_rows(world))
    users = world.users
    granted = clock.ts(clock.at(world.founded, 9))
    roles = [(users.coordinator, "coordinator"), (users.authority, "authority")]
    roles += [(expert, "expert") for expert in users.experts]
    loader.copy(ClusterRole, ROLE_COLUMNS, (
        (world.take("members_clusterrole"), role, granted, cluster, None, user.id) for user, role in roles))
    loader.copy(OrganizationRole, ORG_ROLE_COLUMNS, [
        (world.take("members_organizationrole"), "admin", granted, cluster, users.coordinator.id,
         world.admin_school.id, users.admin.id)])
    loader.copy(MembershipApplication, APPLICATION_COLUMNS, _application_rows(world))
    loader.copy(SchoolRating, RATING_COLUMNS, _rating_rows(world))
