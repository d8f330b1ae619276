"""programs: programmes of every kind with their partners and status timeline, sessions (some
holding a booking of a shared room), enrolments with hours, pre/post scores and certificates, and
employers' needs.

Completion follows programs.services.records: a completed enrolment met the attendance and, where
asked, the post-assessment pass score, and carries a certificate issued when the programme was
completed (the day after its end); the others of a completed programme did not complete, or
withdrew. Certificate codes are unique across clusters: an odd multiplier modulo 32^12 maps each
enrolment id to its own code. Attendance marks per session are not written (hours attended are).

The first programmes of each cluster are placed so that the current and previous quarters each
have completions, and one runs now."""

from __future__ import annotations

import math
import random

from programs.models import (
    Enrollment,
    EmployerNeed,
    Program,
    ProgramNeed,
    ProgramPartner,
    ProgramTransition,
    Session,
)
from programs.selectors import CODE_ALPHABET, CODE_LENGTH

from . import vocab
from .loader import Loader
from .presets import split
from .resources import UNITS
from .world import PersonPool, World, array, pick_weighted

# The tenant tables this module writes.
MODELS = (Program, ProgramPartner, ProgramTransition, Session, Enrollment, EmployerNeed, ProgramNeed)
LEADS = {
    "professional_development": (("iro", 45), ("pedagogical_university", 30), ("university", 15), ("college", 10)),
    "seminar": (("school", 40), ("iro", 30), ("university", 20), ("college", 10)),
    "network_degree": (("pedagogical_university", 70), ("university", 30)),
    "internship": (("university", 40), ("pedagogical_university", 30), ("college", 30)),
    "olympiad": (("iro", 50), ("authority", 30), ("university", 20)),
    "research": (("university", 40), ("research_institute", 30), ("pedagogical_university", 30)),
}
PARTNER_KINDS = ("school", "college", "enterprise", "university", "preschool")
STATUS_WEIGHT = {"planned": 0.0, "cancelled": 0.15, "open": 0.6, "running": 1.0, "completed": 1.0}
_MULTIPLIER = 0x2545F4914F6CDD1D % 32 ** CODE_LENGTH | 1  # odd: a bijection modulo 32^12


def certificate_code(enrolment_id: int, offset: int) -> str:
    value = (enrolment_id * _MULTIPLIER + offset) % 32 ** CODE_LENGTH
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def split_capped(total: int, weights: list[float], caps: list[int], minimum: int = 0) -> list[int]:
    """split(), no part above its cap: what a capped part cannot hold goes to the others."""
    parts = split(total, weights, minimum)
    for _ in range(20):
        over = sum(max(0, part - cap) for part, cap in zip(parts, caps, strict=True))
        if not over:
            return parts
        parts = [min(part, cap) for part, cap in zip(parts, caps, strict=True)]
        room = [cap - part if weight else 0 for part, cap, weight in zip(parts, caps, weights, strict=True)]
        if sum(room) < over:
            raise ValueError(f"{total} cannot be held by parts capped at {sum(caps)} in all.")
        extra = split(over, [spare if spare > 0 else 0 for spare in room]) if sum(room) else []
        parts = [part + add for part, add in zip(parts, extra, strict=True)]
    return parts


class Prog:
    __slots__ = ("id", "kind", "lead", "start", "end", "status", "hours", "capacity", "topic", "title", "competences",
                 "priority_share", "attendance", "assessed", "created", "opened", "cancelled", "sessions", "partners")


def _slot_count(clock, start: int, end: int) -> int:
    count = 0
    for day in range(start, end + 1):
        weekday = clock.weekday(day)
        count += 2 if weekday < 5 else 1 if weekday == 5 else 0
    return count


def _slots(clock, start: int, end: int) -> list[tuple[int, tuple]]:
    """The possible (day, units) of a programme's sessions, in order: pairs of units on weekdays,
    the morning on Saturdays."""
    slots = []
    for day in range(start, end + 1):
        weekday = clock.weekday(day)
        if weekday < 5:
            slots += [(day, (0, 1)), (day, (2, 3))]
        elif weekday == 5:
            slots.append((day, (0, 1)))
    return slots


def plan(world: World) -> None:
    rng = world.rng("programmes")
    clock = world.clock
    kinds = tuple((kind, spec[1]) for kind, spec in vocab.PROGRAMME_KINDS.items())
    for number in range(world.counts["programmes"]):
        prog = Prog()
        prog.kind = kind = pick_weighted(rng, kinds)
        pattern, _share, hours, (shortest, longest), _weight, capacity, competences = vocab.PROGRAMME_KINDS[kind]
        length = rng.randint(shortest, longest)
        if number == 0:  # completed in the current quarter
            prog.end = rng.randint(clock.current[0], max(clock.current[0], clock.today - 1))
            prog.start = prog.end - length
        elif number == 1:  # completed in the previous quarter
            prog.end = rng.randint(*clock.previous)
            prog.start = prog.end - length
        elif number == 2:  # running now
            prog.start = clock.today - rng.randint(0, length)
        else:
            prog.start = clock.pick(rng, world.founded + 60, clock.today + 120, recent=0.8)
        prog.end = prog.start + length
        prog.id = world.take("programs_program")
        prog.created = max(world.founded, min(prog.start - 45, clock.today))
        prog.lead = world.choose_active(rng, world.kinds(pick_weighted(rng, LEADS[kind])), prog.created) \
            or world.choose_active(rng, world.kinds("iro", "pedagogical_university"), prog.created)
        prog.cancelled = None
        if number > 2 and rng.random() < 0.03:
            prog.status = "cancelled"
            prog.cancelled = min(clock.today, max(prog.created + 1, prog.start - rng.randint(1, 20)))
        elif prog.start > clock.today:
            prog.status = "open" if prog.start <= clock.today + 60 else "planned"
        elif prog.end < clock.today:
            prog.status = "completed"
        else:
            prog.status = "running"
        prog.opened = min(prog.start - 30, clock.today) if prog.status != "planned" else None
        if prog.opened is not None:
            prog.created = min(prog.created, prog.opened - 1)
        if prog.cancelled is not None and prog.opened is not None and prog.opened >= prog.cancelled:
            prog.opened = None
        prog.topic = rng.choice(vocab.PROGRAMME_TOPICS)
        prog.title = pattern.format(topic=prog.topic)
        prog.hours = rng.choice(hours)
        prog.capacity = rng.randint(*capacity)
        prog.competences = rng.sample(competences, rng.randint(1, min(3, len(competences))))
        prog.assessed = kind in ("professional_development", "network_degree", "internship")
        prog.attendance = 80 if kind in ("professional_development", "network_degree") else 70
        prog.priority_share = rng.randint(15, 30) if kind == "professional_development" else (
            rng.randint(0, 10) if kind == "seminar" else 0)
        partners = []
        for _ in range(pick_weighted(rng, ((0, 30), (1, 35), (2, 25), (3, 10)))):
            org = world.choose_active(rng, world.kinds(*PARTNER_KINDS), prog.created, exclude=[prog.lead, *partners],
                                      tries=8)
            if org is not None:
                partners.append(org)
        prog.partners = partners
        world.programmes.append(prog)
    _sessions(world, rng)


def _sessions(world: World, rng: random.Random) -> None:
    clock = world.clock
    programmes = world.programmes
    weights = [vocab.PROGRAMME_KINDS[prog.kind][4] * rng.lognormvariate(0, 0.3) for prog in programmes]
    caps = [max(1, _slot_count(clock, prog.start, prog.end)) for prog in programmes]
    counts = split_capped(world.counts["sessions"], weights, caps, minimum=1)
    world.sessions = []
    world.session_requests = []
    for prog, count in zip(programmes, counts, strict=True):
        found = _slots(clock, prog.start, prog.end)
        if not found:  # a one-day programme on a Sunday: its session is on that day
            found = [(prog.start, (0, 1))]
        if count >= len(found):
            chosen = found[:count]
        else:
            chosen = [found[round(k * (len(found) - 1) / max(1, count - 1))] for k in range(count)] if count > 1 \
                else [found[0]]
            # Evenly spaced indices never repeat while count <= len(found).
        prog.sessions = []
        for number, (day, units) in enumerate(chosen, start=1):
            if rng.random() < 0.5 and clock.weekday(day) < 5:
                units = (units[0],)  # a two-hour session
            index = len(world.sessions)
            world.sessions.append((prog, number, day, units))
            prog.sessions.append(index)
            wants_room = prog.kind in ("professional_development", "seminar", "olympiad", "network_degree")
            if wants_room and prog.status != "cancelled" and rng.random() < 0.06 \
                    and clock.today - 700 <= day <= clock.today + 55:
                world.session_requests.append((index, prog.lead, day, units, prog.capacity,
                                               f"{prog.title}: {number}-mashg'ulot"))


PROGRAM_COLUMNS = ("id", "title", "kind", "description", "audience", "competences", "hours", "start_date",
                   "end_date", "capacity", "status", "priority_share", "min_attendance_percent",
                   "requires_post_assessment", "pass_score", "cancellation_reason", "created_at", "updated_at",
                   "cluster_id", "created_by_id", "lead_organization_id")
PARTNER_COLUMNS = ("id", "cluster_id", "organization_id", "program_id")
TRANSITION_COLUMNS = ("id", "from_status", "to_status", "comment", "created_at", "actor_id", "cluster_id",
                      "program_id")
SESSION_COLUMNS = ("id", "topic", "date", "start_time", "end_time", "venue", "booking_id", "cluster_id",
                   "program_id")
ENROLMENT_COLUMNS = ("id", "status", "waitlist_position", "priority", "applied_at", "confirmed_at", "withdrawn_at",
                     "withdrawal_reason", "completed_at", "hours_attended", "pre_score", "post_score",
                     "certificate_code", "certificate_issued_at", "created_at", "updated_at", "cluster_id",
                     "enrolled_by_id", "organization_id", "person_id", "program_id")
NEED_COLUMNS = ("id", "title", "competences", "people_needed", "deadline", "description", "status", "created_at",
                "cluster_id", "created_by_id", "organization_id")
PROGRAM_NEED_COLUMNS = ("id", "linked_at", "cluster_id", "linked_by_id", "need_id", "program_id")


def _timeline(world: World, rng: random.Random, prog: Prog) -> list[tuple[str, str, int]]:
    clock = world.clock
    moves = [("", "planned", clock.office(rng, prog.created))]
    if prog.opened is not None:
        moves.append(("planned", "open", clock.office(rng, prog.opened)))
    if prog.status == "cancelled":
        moves.append((moves[-1][1], "cancelled", max(moves[-1][2] + 1, clock.office(rng, prog.cancelled))))
        return moves
    if prog.status in ("running", "completed"):
        moves.append(("open", "running", clock.at(prog.start, 8)))
    if prog.status == "completed":
        moves.append(("running", "completed", clock.at(prog.end + 1, 9)))
    return moves


def load_programmes(world: World, loader: Loader) -> None:
    rng = world.rng("programme-rows")
    clock, cluster = world.clock, world.cluster_id
    coordinator = world.users.coordinator.id
    transitions, partners = [], []
    audiences = vocab.AUDIENCES
    _enrolment_plan(world, rng)

    def rows():
        for prog in world.programmes:
            moves = _timeline(world, rng, prog)
            for source, target, moment in moves:
                transitions.append((world.take("programs_programtransition"), source, target,
                                    rng.choice(vocab.CANCELLATION_REASONS) if target == "cancelled" else "",
                                    clock.ts(moment), coordinator, cluster, prog.id))
            for org in prog.partners:
                partners.append((world.take("programs_programpartner"), cluster, org.id, prog.id))
            yield (prog.id, prog.title, prog.kind, f"{prog.topic} bo'yicha {prog.hours} soatlik dastur.",
                   rng.choice(audiences), array(prog.competences), prog.hours, clock.date(prog.start),
                   clock.date(prog.end), prog.capacity, prog.status, prog.priority_share, prog.attendance,
                   "t" if prog.assessed else "f", "60.00" if prog.assessed else None,
                   transitions[-1][3] if prog.status == "cancelled" else "", clock.ts(moves[0][2]),
                   clock.ts(moves[-1][2]), cluster, world.user_of(prog.lead) or coordinator, prog.lead.id)

    loader.copy(Program, PROGRAM_COLUMNS, rows())
    loader.copy(ProgramPartner, PARTNER_COLUMNS, partners)
    loader.copy(ProgramTransition, TRANSITION_COLUMNS, transitions)


def _enrolment_plan(world: World, rng: random.Random) -> None:
    """How many enrolments each programme has, and its capacity to match."""
    programmes = world.programmes
    people = sum(org.people for org in world.orgs)
    weights = [STATUS_WEIGHT[prog.status] * (prog.opened is not None) * sum(vocab.PROGRAMME_KINDS[prog.kind][5])
               * rng.lognormvariate(0, 0.4) for prog in programmes]
    caps = [int(people * 0.6) if weight else 0 for weight in weights]
    world.enrolled = split_capped(world.counts["enrolments"], weights, caps)
    for prog, enrolled in zip(programmes, world.enrolled, strict=True):
        if enrolled:
            prog.capacity = max(5, math.ceil(enrolled * rng.uniform(0.95, 1.2) / 5) * 5)


def load_sessions(world: World, loader: Loader, booked: dict[int, int]) -> None:
    clock, cluster = world.clock, world.cluster_id
    hours = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, 1440, 60)]

    def rows():
        for index, (prog, number, day, units) in enumerate(world.sessions):
            start, end = UNITS[units[0]][0], UNITS[units[-1]][1]
            yield (world.take("programs_session"), f"{number}-mashg'ulot: {prog.topic}", clock.date(day),
                   hours[start // 60], hours[end // 60], prog.lead.short_name, booked.get(index), cluster, prog.id)

    loader.copy(Session, SESSION_COLUMNS, rows())


def _statuses(prog: Prog) -> tuple:
    if prog.status == "completed":
        return (("completed", 80), ("not_completed", 11), ("withdrawn", 9))
    if prog.status == "running":
        return (("confirmed", 90), ("withdrawn", 6), ("waitlisted", 4))
    if prog.status == "open":
        return (("applied", 35), ("confirmed", 55), ("withdrawn", 6), ("waitlisted", 4))
    return (("withdrawn", 1),)


def _enrolment_rows(world: World):
    rng = world.rng("enrolments")
    clock, cluster = world.clock, world.cluster_id
    coordinator = world.users.coordinator.id
    teachers = PersonPool(world.kinds("school", "preschool", "college"))
    everyone = PersonPool(world.orgs)
    offset = random.Random(f"{world.seed}:certificates").getrandbits(60)
    starts = world.rating_starts
    now = clock.now
    for prog, count in zip(world.programmes, world.enrolled, strict=True):
        if not count:
            continue
        taken: set[int] = set()
        statuses = _statuses(prog)
        quarter = clock.quarter_index(prog.start, starts)
        opened = prog.opened if prog.opened is not None else prog.created
        last_apply = max(opened, min(prog.start - 1, clock.today, prog.cancelled or clock.today))
        waiting = 0
        hours, attendance = prog.hours, prog.attendance
        progress = min(1.0, max(0.0, (clock.today - prog.start) / max(1, prog.end - prog.start)))
        completed_at = clock.at(prog.end + 1, 9) if prog.status == "completed" else None
        pool = teachers if prog.kind not in ("internship", "research") else everyone
        for _ in range(count):
            enrolment_id = world.take("programs_enrollment")
            for _try in range(50):
                person, org = pool.pick(rng) if rng.random() < 0.9 else everyone.pick(rng)
                if person not in taken:
                    break
            else:
                person, org = next((p, o) for o in everyone.orgs
                                   for p in range(o.first_person, o.first_person + o.people) if p not in taken)
            taken.add(person)
            status = pick_weighted(rng, statuses)
            applied = min(now, clock.office(rng, rng.randint(opened, last_apply)))
            confirmed = withdrawn = completed = issued = code = position = None
            reason = ""
            attended = "0.00"
            pre = post = None
            if status in ("confirmed", "completed", "not_completed") or (status == "withdrawn" and rng.random() < 0.6):
                confirmed = min(now, applied + rng.randint(1, 4) * 1440, max(applied + 60, clock.at(prog.start, 8)))
            if status == "withdrawn":
                upto = min(clock.at(prog.end, 17), now, clock.at(prog.cancelled, 12) if prog.cancelled else now)
                since = confirmed or applied
                withdrawn = min(now, max(since + 60, min(upto, since + rng.randint(1, 40) * 1440)))
                reasons = vocab.CANCELLATION_REASONS if prog.status == "cancelled" else vocab.WITHDRAWAL_REASONS
                reason = rng.choice(reasons)
            elif status == "waitlisted":
                waiting += 1
                position = waiting
            if status in ("completed", "not_completed") or (status == "confirmed" and prog.status == "running"):
                share = progress if status == "confirmed" else 1.0
                if status == "completed":
                    share *= rng.uniform(attendance / 100 + 0.02, 1.0)
                elif status == "not_completed":
                    share *= rng.uniform(0.3, attendance / 100 - 0.05)
                else:
                    share *= rng.uniform(0.75, 1.0)
                attended = f"{hours * share:.2f}"
                if rng.random() < 0.92:
                    pre = min(95.0, max(5.0, rng.gauss(55, 12)))
                if status != "confirmed" and (pre is not None or prog.assessed):
                    base = pre if pre is not None else 55.0
                    post = min(100.0, max(0.0, base + rng.gauss(14, 10)))
                    if status == "completed" and prog.assessed and post < 60:
                        post = rng.uniform(60, 85)
            if status == "completed":
                completed = issued = completed_at
                code = certificate_code(enrolment_id, offset)
            updated = max(moment for moment in (applied, confirmed, withdrawn, completed) if moment is not None)
            colour = org.colours[quarter] if org.colours is not None and quarter >= 0 else None
            yield (
                enrolment_id, status, position,
                "t" if colour in ("red", "yellow") else "f",
                clock.ts(applied), clock.ts(confirmed) if confirmed else None,
                clock.ts(withdrawn) if withdrawn else None, reason,
                clock.ts(completed) if completed else None, attended,
                f"{pre:.2f}" if pre is not None else None, f"{post:.2f}" if post is not None else None,
                code, clock.ts(issued) if issued else None, clock.ts(applied), clock.ts(updated), cluster,
                world.user_of(org) or (coordinator if confirmed else None), org.id, person, prog.id,
            )


def _needs(world: World, links: list):
    rng = world.rng("needs")
    clock, cluster = world.clock, world.cluster_id
    coordinator = world.users.coordinator.id
    employers = world.kinds("enterprise", "authority")
    matching = [prog for prog in world.programmes if prog.kind in ("internship", "professional_development")]
    for _ in range(world.counts["employer_needs"]):
        need_id = world.take("programs_employerneed")
        day = clock.pick(rng, world.founded + 100, clock.today, recent=0.8)
        org = world.choose_active(rng, employers, day) or world.by_kind["authority"][0]
        deadline = day + rng.randint(30, 180)
        status = "closed" if deadline < clock.today and rng.random() < 0.7 else "open"
        created = clock.office(rng, day)
        chosen = rng.sample(matching, min(len(matching), rng.randint(0, 2))) if rng.random() < 0.6 else []
        for prog in chosen:
            linked = min(clock.now, created + rng.randint(60, 3000))
            links.append((world.take("programs_programneed"), clock.ts(linked), cluster, coordinator, need_id, prog.id))
        yield (need_id, rng.choice(vocab.NEEDS),
               array(rng.sample(("vocational", "digital", "stem", "foreign_languages"), rng.randint(1, 2))),
               rng.randint(2, 30), clock.date(deadline), "", status, clock.ts(created), cluster, coordinator, org.id)


def load_people_side(world: World, loader: Loader) -> None:
    loader.copy(Enrollment, ENROLMENT_COLUMNS, _enrolment_rows(world))
    links: list = []
    loader.copy(EmployerNeed, NEED_COLUMNS, _needs(world, links))
    loader.copy(ProgramNeed, PROGRAM_NEED_COLUMNS, links)

