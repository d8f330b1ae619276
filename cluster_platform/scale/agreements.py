"""agreements: partnership agreements between two or more members, numbered as the service
numbers them, each with a timeline that follows agreements.services.MOVES (drafted, negotiated,
signed by every party, activated by the daily task on the start date, expired the day after the
end, or suspended or terminated by the coordinator on the way), renewals, and obligations that
are done, open, overdue or cancelled with their agreement.

The first agreements of each cluster are placed so that the current and the previous quarter each
have one concluded, one terminated and one expiring: the report's agreement figures are never
empty, whatever the scale."""

from __future__ import annotations

import random
from types import SimpleNamespace

from agreements.models import Agreement, AgreementNumberSequence, AgreementParty, AgreementTransition, Obligation
from agreements.services import DAILY_TASK_COMMENT, cluster_code

from . import vocab
from .loader import Loader
from .world import Org, World, pick_weighted

# The tenant tables this module writes.
MODELS = (Agreement, AgreementParty, AgreementTransition, Obligation, AgreementNumberSequence)
KINDS = (("memorandum", 30), ("network_programme", 15), ("dual_education", 14), ("resource_sharing", 15),
         ("research", 10), ("internship", 16))
DURATIONS = {"memorandum": (730, 1095, 1825), "network_programme": (365, 730, 1095), "dual_education": (365, 730),
             "resource_sharing": (365, 730), "research": (365, 730, 1095), "internship": (182, 365)}
POOLS = {
    "memorandum": (("pedagogical_university", "iro", "university"),
                   ("school", "college", "preschool", "research_institute", "authority", "ngo")),
    "network_programme": (("pedagogical_university", "university", "iro"), ("school", "college")),
    "dual_education": (("college",), ("enterprise",)),
    "resource_sharing": ((), ("school", "college", "university", "preschool", "ngo")),
    "research": (("university", "research_institute", "pedagogical_university"),
                 ("school", "university", "research_institute", "college")),
    "internship": (("pedagogical_university", "university", "college"), ("school", "enterprise", "preschool")),
}


class Spec:
    __slots__ = ("kind", "parties", "draft", "negotiation", "signed", "start", "end", "fate", "fate_day",
                 "renewal_of", "id", "order")


def _parties(world: World, rng: random.Random, kind: str, day: int) -> list[tuple[Org, str]]:
    first_kinds, other_kinds = POOLS[kind]
    if kind == "resource_sharing":
        first = world.choose_active(rng, world.owners, day)
    else:
        first = world.choose_active(rng, world.kinds(*first_kinds), day)
    first = first or world.centre
    count = pick_weighted(rng, ((2, 72), (3, 18), (4, 7), (5, 3)))
    others = world.kinds(*other_kinds)
    chosen = [first]
    for _ in range(count - 1):
        org = world.choose_active(rng, others, day, exclude=chosen, tries=12)
        if org is not None:
            chosen.append(org)
    if len(chosen) == 1:
        chosen.append(world.by_kind["iro"][0] if first is world.centre else world.centre)
    if kind == "resource_sharing":
        return [(chosen[0], "provider")] + [(org, "beneficiary") for org in chosen[1:]]
    return [(chosen[0], "initiator")] + [(org, "partner") for org in chosen[1:]]


def _spec(world: World, rng: random.Random, order: int, anchor: int | None) -> Spec:
    clock = world.clock
    spec = Spec()
    spec.order, spec.renewal_of, spec.fate, spec.fate_day = order, None, "", None
    spec.kind = pick_weighted(rng, KINDS)
    duration = rng.choice(DURATIONS[spec.kind])
    if anchor in (0, 1):  # concluded in the current / previous quarter
        spec.signed = rng.randint(*(clock.current if anchor == 0 else clock.previous))
        spec.start = spec.signed + rng.randint(1, 20)
    elif anchor in (2, 3):  # terminated in the current / previous quarter
        spec.fate, spec.fate_day = "terminated", rng.randint(*(clock.current if anchor == 2 else clock.previous))
        spec.start = spec.fate_day - rng.randint(60, 300)
        spec.signed = spec.start - rng.randint(1, 20)
        duration = max(duration, spec.fate_day - spec.start + 60)
    elif anchor in (4, 5):  # ends within 90 days after the current / previous quarter
        end = (clock.current_end if anchor == 4 else clock.previous[1]) + rng.randint(10, 80)
        duration = max(min(duration, end - world.founded - 120), end - clock.today + 60)
        spec.start = end - duration + 1
        spec.signed = spec.start - rng.randint(1, 20)
    else:
        spec.draft = clock.pick(rng, world.founded + 20, clock.today, recent=0.85)
        spec.negotiation = spec.draft + rng.randint(2, 15)
        spec.signed = spec.negotiation + rng.randint(5, 40)
        spec.start = spec.signed + rng.randint(1, 30)
        draw = rng.random()
        if draw < 0.05:
            spec.fate = "terminated"
        elif draw < 0.07:
            spec.fate = "suspended"
        elif draw < 0.15 and spec.draft > clock.today - 150:
            spec.fate = rng.choice(("stalled_draft", "stalled_negotiation"))
    if anchor is not None:
        spec.negotiation = spec.signed - rng.randint(5, 40)
        spec.draft = spec.negotiation - rng.randint(2, 15)
    spec.end = spec.start + duration - 1
    if spec.fate in ("terminated", "suspended") and spec.fate_day is None:
        spec.fate_day = spec.start + rng.randint(30, max(31, duration - 30))
    spec.parties = _parties(world, rng, spec.kind, spec.draft)
    return spec


def _renewal(world: World, rng: random.Random, order: int, previous: Spec) -> Spec:
    spec = Spec()
    spec.order, spec.kind, spec.parties, spec.renewal_of = order, previous.kind, previous.parties, previous
    spec.fate, spec.fate_day = "", None
    spec.draft = previous.end - rng.randint(30, 60)
    spec.negotiation = spec.draft + rng.randint(2, 10)
    spec.signed = spec.negotiation + rng.randint(3, 15)
    spec.start = previous.end + 1
    spec.end = spec.start + rng.choice(DURATIONS[spec.kind]) - 1
    return spec


def plan(world: World) -> list[Spec]:
    rng = world.rng("agreements")
    clock = world.clock
    world.owners = [org for org in world.orgs if org.resources]
    specs: list[Spec] = []
    total = world.counts["agreements"]
    while len(specs) < total:
        spec = _spec(world, rng, len(specs), len(specs) if len(specs) < 6 else None)
        specs.append(spec)
        renewable = not spec.fate and spec.end - 30 <= clock.today and spec.end - 90 > spec.signed
        if len(specs) < total and renewable and rng.random() < 0.3:
            renewal = _renewal(world, rng, len(specs), spec)
            if renewal.draft <= clock.today:
                specs.append(renewal)
    specs.sort(key=lambda spec: (spec.draft, spec.order))
    for spec in specs:
        spec.id = world.take("agreements_agreement")
    return specs


AGREEMENT_COLUMNS = ("id", "number", "title", "kind", "description", "status", "start_date", "end_date",
                     "termination_reason", "created_at", "updated_at", "cluster_id", "created_by_id", "renewal_of_id")
PARTY_COLUMNS = ("id", "role", "signed_on", "signed_by_name", "agreement_id", "cluster_id", "organization_id",
                 "signatory_id")
TRANSITION_COLUMNS = ("id", "from_status", "to_status", "comment", "created_at", "actor_id", "agreement_id",
                      "cluster_id")
OBLIGATION_COLUMNS = ("id", "description", "due_date", "status", "completed_at", "agreement_id", "cluster_id",
                      "completed_by_id", "party_id")
SEQUENCE_COLUMNS = ("id", "year", "last_number", "cluster_id")


class Writer:
    def __init__(self, world: World, specs: list[Spec]):
        self.world, self.specs = world, specs
        self.rng = world.rng("agreement-rows")
        self.parties: list[tuple] = []
        self.transitions: list[tuple] = []
        self.obligations: list[tuple] = []
        self.numbers: dict[int, int] = {}

    def _timeline(self, spec: Spec) -> tuple[str, list[tuple]]:
        clock, rng = self.world.clock, self.rng
        coordinator = self.world.users.coordinator.id
        moves = [("", "draft", clock.office(rng, spec.draft), coordinator, "")]
        fate, today = spec.fate, clock.today
        if fate == "stalled_draft" or spec.negotiation > today:
            return "draft", moves
        moves.append(("draft", "negotiation", clock.office(rng, spec.negotiation), coordinator, ""))
        if fate == "stalled_negotiation" or spec.signed > today:
            return "negotiation", moves
        moves.append(("negotiation", "signed", clock.office(rng, spec.signed), coordinator, ""))
        if spec.start > today:
            return "signed", moves
        moves.append(("signed", "active", clock.at(spec.start, 0, 5), None, DAILY_TASK_COMMENT))
        status = "active"
        if fate and spec.fate_day <= min(today, spec.end):
            if fate == "terminated":
                moves.append(("active", "terminated", clock.office(rng, spec.fate_day), coordinator,
                              rng.choice(vocab.TERMINATION_REASONS)))
                return "terminated", moves
            moves.append(("active", "suspended", clock.office(rng, spec.fate_day), coordinator,
                          rng.choice(vocab.SUSPENSION_COMMENTS)))
            status = "suspended"
        if spec.end + 1 <= today:
            moves.append((status, "expired", clock.at(spec.end + 1, 0, 5), None, DAILY_TASK_COMMENT))
            status = "expired"
        return status, moves

    def rows(self):
        world, rng = self.world, self.rng
        clock, cluster = world.clock, world.cluster_id
        coordinator = world.users.coordinator.id
        code = cluster_code(SimpleNamespace(slug=world.region.slug))
        for spec in self.specs:
            status, moves = self._timeline(spec)
            year = clock.date_of(spec.draft).year
            self.numbers[year] = number = self.numbers.get(year, 0) + 1
            party_ids = []
            signed = status not in ("draft", "negotiation")
            signature_days = sorted(rng.randint(spec.negotiation, spec.signed) for _ in spec.parties)
            signature_days[-1] = spec.signed
            for (org, role), day in zip(spec.parties, signature_days, strict=True):
                party_id = world.take("agreements_agreementparty")
                party_ids.append(party_id)
                self.parties.append((party_id, role, clock.date(day) if signed else None, "", spec.id, cluster,
                                     org.id, org.first_person))
            for source, target, moment, actor, comment in moves:
                self.transitions.append((world.take("agreements_agreementtransition"), source, target, comment,
                                         clock.ts(moment), actor, spec.id, cluster))
            self._obligations(spec, status, moves, party_ids)
            if spec.kind == "resource_sharing" and signed and status != "draft":
                last = spec.end
                if spec.fate and spec.fate_day is not None:
                    last = min(last, spec.fate_day - 1)
                world.sharing.setdefault(spec.parties[0][0].id, []).append(
                    (spec.id, [org for org, _role in spec.parties[1:]], spec.start, last))
            names = " – ".join(org.short_name for org, _role in spec.parties[:2])
            termination = moves[-1][4] if status == "terminated" else ""
            yield (spec.id, f"{code}-{year}-{number:04d}", f"{rng.choice(vocab.AGREEMENT_TITLES[spec.kind])}: {names}",
                   spec.kind, "", status, clock.date(spec.start), clock.date(spec.end), termination,
                   clock.ts(moves[0][2]), clock.ts(moves[-1][2]), cluster, coordinator,
                   spec.renewal_of.id if spec.renewal_of else None)

    def _obligations(self, spec: Spec, status: str, moves: list, party_ids: list[int]) -> None:
        world, rng = self.world, self.rng
        clock = world.clock
        signed = status not in ("draft", "negotiation")
        if not signed and rng.random() > 0.3:
            return
        count = pick_weighted(rng, ((0, 10), (1, 30), (2, 30), (3, 20), (4, 10))) if signed else rng.randint(1, 2)
        terminated = moves[-1][2] // 1440 if status == "terminated" else None
        coordinator = world.users.coordinator.id
        for _ in range(count):
            due = spec.start + rng.randint(30, max(31, min(spec.end - spec.start, 540)))
            completed = None
            if terminated is not None and due > terminated:
                state = "cancelled"
            elif due < clock.today:
                state = "done" if signed and rng.random() < 0.72 else "overdue"
            else:
                state = "done" if signed and rng.random() < 0.05 else "open"
            if state == "done":
                day = min(clock.today, max(spec.signed + 1, due - rng.randint(0, 25)))
                completed = min(clock.office(rng, day), clock.now)
            self.obligations.append((
                world.take("agreements_obligation"), rng.choice(vocab.OBLIGATIONS), clock.date(due), state,
                clock.ts(completed) if completed else None, spec.id, world.cluster_id,
                coordinator if completed else None, rng.choice(party_ids),
            ))


def load(world: World, loader: Loader) -> None:
    writer = Writer(world, plan(world))
    loader.copy(Agreement, AGREEMENT_COLUMNS, writer.rows())
    loader.copy(AgreementParty, PARTY_COLUMNS, writer.parties)
    loader.copy(AgreementTransition, TRANSITION_COLUMNS, writer.transitions)
    loader.copy(Obligation, OBLIGATION_COLUMNS, writer.obligations)
    loader.copy(AgreementNumberSequence, SEQUENCE_COLUMNS, (
        (world.take("agreements_agreementnumbersequence"), year, last, world.cluster_id)
        for year, last in sorted(writer.numbers.items())))
