"""innovations: proposals moving through the life cycle with a StageTransition per move, expert
reviews per round, pilots with measures, and adoptions spreading from member to member.

Each innovation draws a path through innovations.services.lifecycle.MOVES and walks it from its
proposal day; the walk stops at as_of, so older innovations stand further on. The rows keep the
guards of the life-cycle service: the reviewers of a round (two or three experts, none from the
origin organization) are assigned before it starts and carried into the next round after a
revision; an approval follows submitted reviews whose mean is at least the default policy's 3.5
and whose spread stays within 1.5 (no consensus step needed), a rejection reviews below it, a
revision request at least one submitted review and a comment; a pilot site with a measure
exists before piloting, results and a conclusion before the evaluation; an adoption by another
member comes before dissemination. stage, stage_changed_at and review_round are the last move's.

A few innovations of each cluster are placed so that the current and previous quarters both see
proposals, pilots starting, innovations reaching dissemination or leaving the flow, and
adoptions."""

from __future__ import annotations

import random

from innovations.models import (
    Adoption,
    ExpertProfile,
    ExpertReview,
    Innovation,
    InnovationAuthor,
    Pilot,
    PilotMeasure,
    StageTransition,
)
from innovations.services.lifecycle import COORDINATOR, MOVES

from . import vocab
from .loader import Loader
from .world import Org, World, array, pick_weighted

# The tenant tables this module writes.
MODELS = (ExpertProfile, Innovation, InnovationAuthor, StageTransition, ExpertReview, Pilot, PilotMeasure,
          Adoption)
OUTCOMES = (("rejected_early", 5), ("withdrawn", 4), ("rejected", 16), ("withdrawn_revision", 4),
            ("archived_approved", 3), ("archived_evaluated", 7), ("archived_implementing", 5), ("disseminating", 56))
LEVELS = (("school", 55), ("preschool", 7), ("vocational", 13), ("higher", 10), ("adult", 15))
KINDS = (("methodological", 40), ("digital", 25), ("curricular", 20), ("managerial", 15))
ORIGINS = {"school": ("school",), "preschool": ("preschool", "school"), "vocational": ("college",),
           "higher": ("pedagogical_university", "university"), "adult": ("iro", "pedagogical_university", "school")}
SITES = {"school": ("school",), "preschool": ("preschool", "school"), "vocational": ("college", "enterprise"),
         "higher": ("pedagogical_university", "university", "iro"), "adult": ("school", "iro", "college")}
# Review totals (the sum of the five 1-5 criteria) per decision: within one range the reviewers'
# mean scores differ by at most 1.4, under the policy's consensus spread of 1.5.
TOTALS = {"approved_for_pilot": (18, 24), "rejected": (9, 16), "revision_requested": (12, 18), None: (11, 22)}
# (anchor number) -> (outcome, the stage whose move lands in the window, which window)
ANCHORS = {
    0: ("disseminating", "disseminating", "current"), 1: ("disseminating", "disseminating", "previous"),
    2: ("withdrawn", "archived", "current"), 3: ("disseminating", "piloting", "current"),
    4: ("disseminating", "piloting", "previous"), 5: ("disseminating", "proposed", "current"),
    6: ("rejected", "proposed", "previous"),
}


def _path(rng: random.Random, outcome: str) -> list[tuple[str, int]]:
    """The stages the innovation would pass, each with the days since the one before."""
    path = [("proposed", 0)]
    if outcome == "rejected_early":
        return path + [("rejected", rng.randint(5, 30))]
    if outcome == "withdrawn":
        return path + [("archived", rng.randint(10, 60))]
    path.append(("in_review", rng.randint(2, 20)))
    revisions = pick_weighted(rng, ((0, 65), (1, 27), (2, 8)))
    if outcome == "withdrawn_revision":
        revisions = max(1, revisions)
    for number in range(revisions):
        path.append(("revision_requested", rng.randint(14, 45)))
        if outcome == "withdrawn_revision" and number == revisions - 1:
            return path + [("archived", rng.randint(20, 90))]
        path.append(("in_review", rng.randint(10, 45)))
    if outcome == "rejected":
        return path + [("rejected", rng.randint(14, 45))]
    path.append(("approved_for_pilot", rng.randint(14, 45)))
    if outcome == "archived_approved":
        return path + [("archived", rng.randint(30, 120))]
    path += [("piloting", rng.randint(14, 60)), ("evaluated", rng.randint(90, 240))]
    if outcome == "archived_evaluated":
        return path + [("archived", rng.randint(7, 60))]
    path.append(("implementing", rng.randint(7, 45)))
    if outcome == "archived_implementing":
        return path + [("archived", rng.randint(90, 300))]
    path.append(("disseminating", rng.randint(30, 150)))
    if rng.random() < 0.2:
        path.append(("archived", rng.randint(200, 600)))
    return path


class Plan:
    __slots__ = ("id", "day", "path", "level", "kind", "origin", "order")


def plan(world: World) -> list[Plan]:
    rng = world.rng("innovations")
    clock = world.clock
    plans = []
    for number in range(world.counts["innovations"]):
        item = Plan()
        item.order = number
        item.level = pick_weighted(rng, LEVELS)
        item.kind = pick_weighted(rng, KINDS)
        anchor = ANCHORS.get(number)
        if anchor is not None:
            outcome, stage, window = anchor
            item.path = _path(rng, outcome)
            days = [delay for _stage, delay in item.path]
            until = next(i for i, (name, _delay) in enumerate(item.path) if name == stage)
            target = rng.randint(*(clock.current if window == "current" else clock.previous))
            item.day = max(world.founded + 30, target - sum(days[: until + 1]))
            if stage in ("proposed", "piloting", "disseminating"):
                item.level = "school"
        else:
            item.path = _path(rng, pick_weighted(rng, OUTCOMES))
            item.day = clock.pick(rng, world.founded + 30, clock.today, recent=0.8)
        pool = world.kinds(*ORIGINS[item.level])
        item.origin = world.admin_school if number == 7 else (
            world.choose_active(rng, pool, item.day) or world.choose_active(rng, world.kinds("school"), item.day)
            or world.centre)
        plans.append(item)
    plans.sort(key=lambda item: (item.day, item.order))
    for item in plans:
        item.id = world.take("innovations_innovation")
    return plans


INNOVATION_COLUMNS = ("id", "title", "summary", "kind", "education_level", "subject_fields", "keywords",
                      "expected_effect", "stage", "stage_changed_at", "review_round", "consensus_started_at",
                      "decision_reason", "created_at", "updated_at", "cluster_id", "created_by_id",
                      "origin_organization_id")
AUTHOR_COLUMNS = ("id", "position", "cluster_id", "innovation_id", "person_id")
TRANSITION_COLUMNS = ("id", "from_stage", "to_stage", "comment", "created_at", "actor_id", "cluster_id",
                      "innovation_id")
REVIEW_COLUMNS = ("id", "round", "status", "due_date", "assigned_at", "novelty", "relevance", "feasibility",
                  "evidence", "transferability", "recommendation", "comment", "submitted_at", "revised_at",
                  "reminder_sent_at", "assigned_by_id", "cluster_id", "expert_id", "innovation_id")
PILOT_COLUMNS = ("id", "start_date", "end_date", "status", "participants", "conclusion", "created_at", "updated_at",
                 "cluster_id", "created_by_id", "innovation_id", "organization_id")
MEASURE_COLUMNS = ("id", "name", "unit", "baseline", "result", "higher_is_better", "cluster_id", "pilot_id")
ADOPTION_COLUMNS = ("id", "started_on", "status", "feedback", "created_at", "updated_at", "cluster_id",
                    "learned_from_id", "organization_id", "reported_by_id", "innovation_id")
PROFILE_COLUMNS = ("id", "subject_fields", "updated_at", "cluster_id", "user_id")


class Writer:
    def __init__(self, world: World, plans: list[Plan]):
        self.world, self.plans = world, plans
        self.rng = world.rng("innovation-rows")
        self.clock = world.clock
        self.coordinator = world.users.coordinator.id
        self.tables = {name: [] for name in ("authors", "transitions", "reviews", "pilots", "measures", "adoptions")}
        self.by_district: dict[tuple, list[Org]] = {}

    # --- one innovation ------------------------------------------------------------------------------

    def rows(self):
        for item in self.plans:
            yield self._innovation(item)

    def _innovation(self, item: Plan) -> tuple:
        world, clock, rng = self.world, self.clock, self.rng
        moments, day = [], item.day
        for stage, delay in item.path:
            day += delay
            if day > clock.today:
                break
            moment = clock.office(rng, day)
            if moments and moment <= moments[-1][1]:
                moment = moments[-1][1] + 1
            moments.append((stage, min(moment, clock.now)))
        origin = item.origin
        steer = world.user_of(origin) or self.coordinator
        comment = ""
        for index, (stage, moment) in enumerate(moments):
            source = moments[index - 1][0] if index else ""
            who = self.coordinator if index and MOVES.get((source, stage)) == COORDINATOR else steer
            comment = vocab.DECISION_COMMENTS.get(stage, "") if index else ""
            self.tables["transitions"].append((world.take("innovations_stagetransition"), source, stage, comment,
                                               clock.ts(moment), who, world.cluster_id, item.id))
        stage, changed = moments[-1]
        created = moments[0][1]
        self._authors(item)
        rounds = self._reviews(item, moments)
        sites = self._pilots(item, moments, steer)
        self._adoptions(item, moments, sites)
        topic = f"{rng.choice(vocab.INNOVATION_PLACES).capitalize()} {rng.choice(vocab.INNOVATION_METHODS)}"
        fields = rng.sample(vocab.SUBJECT_FIELDS, rng.randint(1, 2))
        return (item.id, topic, f"{topic}: {origin.short_name} tajribasi asosida ishlab chiqilgan yangilik.",
                item.kind, item.level, array(fields), array(rng.sample(vocab.KEYWORDS, rng.randint(2, 4))),
                rng.choice(vocab.INNOVATION_EFFECTS), stage, clock.ts(changed), max(1, rounds), None,
                comment if stage == "rejected" else "", clock.ts(created), clock.ts(changed), world.cluster_id,
                world.user_of(origin), origin.id)

    def _authors(self, item: Plan) -> None:
        world, rng = self.world, self.rng
        origin = item.origin
        candidates = [offset for offset in range(min(origin.people, 40))
                      if origin.first_person + offset not in world.user_person]
        for position, offset in enumerate(rng.sample(candidates, min(len(candidates), rng.randint(1, 3))), start=1):
            self.tables["authors"].append((world.take("innovations_innovationauthor"), position, world.cluster_id,
                                           item.id, origin.first_person + offset))

    # --- reviews ---------------------------------------------------------------------------------------

    def _reviews(self, item: Plan, moments: list) -> int:
        world, clock, rng = self.world, self.clock, self.rng
        experts = [user for user in world.users.experts if world.expert_org.get(user.id) is not item.origin]
        reviewers = rng.sample(experts, min(len(experts), 3 if rng.random() < 0.25 else 2))
        round_ = 0
        for index, (stage, entered) in enumerate(moments):
            if stage != "in_review":
                continue
            round_ += 1
            following = moments[index + 1] if index + 1 < len(moments) else None
            outcome, left = following if following else (None, None)
            assigned = entered if round_ > 1 else max(moments[0][1] + 1, entered - rng.randint(10, 120))
            due = assigned // 1440 + 14
            low, high = TOTALS[outcome]
            for expert in reviewers:
                if left is not None:
                    submitted = entered + int((left - entered) * rng.uniform(0.2, 0.95))
                else:
                    elapsed = clock.now - entered
                    chance = 0.85 if elapsed > 14 * 1440 else 0.35
                    submitted = entered + int(elapsed * rng.uniform(0.1, 0.95)) if rng.random() < chance else None
                if submitted is not None:
                    submitted = max(submitted, assigned + 1)
                reminder = clock.at(due - 3, 8)
                reminded = clock.ts(reminder) if assigned < reminder <= min(submitted or clock.now, clock.now) else None
                if submitted is None:
                    scores, recommendation, comment = (None,) * 5, "", ""
                else:
                    total = rng.randint(low, high)
                    scores = _criteria(rng, total)
                    recommendation = "pilot" if total >= 18 else "revise" if total >= 12 else "reject"
                    comment = rng.choice(vocab.REVIEW_COMMENTS[recommendation])
                self.tables["reviews"].append((
                    world.take("innovations_expertreview"), round_, "submitted" if submitted else "assigned",
                    clock.date(due), clock.ts(assigned), *scores, recommendation, comment,
                    clock.ts(submitted) if submitted else None, None, reminded, self.coordinator,
                    world.cluster_id, expert.id, item.id))
        return round_

    # --- pilots --------------------------------------------------------------------------------------

    def _pool(self, item: Plan, day: int, count: int, taken: list) -> list[Org]:
        world, rng = self.world, self.rng
        kinds = SITES[item.level]
        key = (kinds, item.origin.district)
        if key not in self.by_district:
            self.by_district[key] = [org for org in world.kinds(*kinds) if org.district == item.origin.district]
        chosen = []
        for _ in range(count):
            pool = self.by_district[key] if self.by_district[key] and rng.random() < 0.5 else world.kinds(*kinds)
            org = world.choose_active(rng, pool, day, exclude=[item.origin, *taken, *chosen], tries=10)
            if org is not None:
                chosen.append(org)
        return chosen

    def _pilots(self, item: Plan, moments: list, steer: int) -> list[tuple[Org, int]]:
        world, clock, rng = self.world, self.clock, self.rng
        at = dict(moments)
        approved = at.get("approved_for_pilot")
        if approved is None:
            return []
        piloting, evaluated, archived = at.get("piloting"), at.get("evaluated"), at.get("archived")
        if piloting is None and archived is not None and len(moments) and moments[-1][0] == "archived":
            status = "stopped"
        else:
            status = "completed" if evaluated is not None else "running" if piloting is not None else "planned"
        sites = self._pool(item, approved // 1440, rng.randint(1, 3), []) or [
            world.centre if item.origin is not world.centre else world.by_kind["iro"][0]]
        measures = rng.sample(vocab.MEASURES, rng.randint(1, 3))
        effect = rng.uniform(0.3, 1.2)
        result = []
        for site in sites:
            if piloting is not None:
                created = approved + int((piloting - approved) * rng.uniform(0.2, 0.8))
                start = piloting // 1440
                end = max(start + 30, evaluated // 1440 - rng.randint(3, 12)) if evaluated is not None \
                    else max(start + 120, clock.today + rng.randint(20, 90))
            else:
                created = approved + int((min(archived or clock.now, clock.now) - approved) * rng.uniform(0.2, 0.8))
                start = (approved // 1440 + rng.randint(20, 40)) if status == "stopped" \
                    else clock.today + rng.randint(10, 40)
                end = start + 150
            pilot_id = world.take("innovations_pilot")
            findings = []
            for name, unit, base, change, higher in measures:
                baseline = base * rng.uniform(0.85, 1.15)
                value = None
                if status == "completed":
                    value = baseline + change * effect * rng.uniform(0.6, 1.3)
                    value = max(0.0, min(100.0, value)) if unit == "%" else max(0.0, value)
                    findings.append(f"{name}: {baseline:.1f} -> {value:.1f} {unit}")
                self.tables["measures"].append((world.take("innovations_pilotmeasure"), name, unit, f"{baseline:.2f}",
                                                f"{value:.2f}" if value is not None else None,
                                                "t" if higher else "f", world.cluster_id, pilot_id))
            conclusion = ""
            if status == "completed":
                verdict = "Joriy etish tavsiya etiladi." if effect >= 0.5 else "Sezilarli o'zgarish kuzatilmadi."
                conclusion = "; ".join(findings) + ". " + verdict
            updated = evaluated - 1440 if evaluated is not None else created
            self.tables["pilots"].append((
                pilot_id, clock.date(start), clock.date(end), status, rng.randint(20, 160), conclusion,
                clock.ts(created), clock.ts(max(created, updated)), world.cluster_id, steer, item.id, site.id))
            if status == "completed":
                result.append((site, end))
        return result

    # --- adoptions -----------------------------------------------------------------------------------

    def _adoptions(self, item: Plan, moments: list, sites: list) -> None:
        clock, rng = self.clock, self.rng
        at = dict(moments)
        implementing = at.get("implementing")
        if implementing is None:
            return
        begun = implementing // 1440
        archived = at.get("archived")
        horizon = min(clock.today, archived // 1440 - 1) if archived is not None and archived > implementing \
            else clock.today
        disseminating = at.get("disseminating")
        first_limit = disseminating // 1440 - 1 if disseminating is not None else horizon
        origin = item.origin
        taken = [origin]
        sources = [(origin, begun)]
        for site, _end in sites:
            started = min(first_limit, begun + rng.randint(3, 20))
            self._adoption(item, site, origin, started, first=True)
            taken.append(site)
            sources.append((site, started))
        if disseminating is None:
            return
        more = pick_weighted(rng, ((1, 15), (2, 20), (4, 25), (8, 20), (15, 12), (30, 8)))
        for _ in range(more):
            source, since = sources[int(rng.random() * len(sources))]
            started = max(since, disseminating // 1440) + rng.randint(20, 120) if source is not origin \
                else disseminating // 1440 + rng.randint(0, 60)
            if started > horizon:
                continue
            adopters = self._pool(item, started, 1, taken)
            if not adopters:
                continue
            status = self._adoption(item, adopters[0], source, started, first=False)
            taken.append(adopters[0])
            if status != "abandoned":
                sources.append((adopters[0], started))

    def _adoption(self, item: Plan, org: Org, source: Org, started: int, *, first: bool) -> str:
        world, clock, rng = self.world, self.clock, self.rng
        age = clock.today - started
        if first:
            status = "adopted" if age >= 60 else "in_progress"
        elif age >= 150:
            status = "abandoned" if rng.random() < 0.12 else "adopted"
        else:
            status = "in_progress" if age >= 45 else "planned"
        created = min(clock.now, clock.office(rng, started))
        updated = min(clock.now, created + min(age, 90) * 1440)
        self.tables["adoptions"].append((
            world.take("innovations_adoption"), clock.date(started), status,
            rng.choice(vocab.ADOPTION_FEEDBACK[status]), clock.ts(created), clock.ts(updated), world.cluster_id,
            source.id, org.id, world.user_of(org) or self.coordinator, item.id))
        return status


def _criteria(rng: random.Random, total: int) -> tuple[int, ...]:
    """Five scores from 1 to 5 adding up to `total` (5..25)."""
    scores = [total // 5] * 5
    for index in rng.sample(range(5), total % 5):
        scores[index] += 1
    for _ in range(2):
        up, down = rng.sample(range(5), 2)
        if scores[up] < 5 and scores[down] > 1:
            scores[up] += 1
            scores[down] -= 1
    return tuple(scores)


def load(world: World, loader: Loader) -> None:
    clock = world.clock
    rng = world.rng("experts")
    loader.copy(ExpertProfile, PROFILE_COLUMNS, (
        (world.take("innovations_expertprofile"), array(rng.sample(vocab.SUBJECT_FIELDS, rng.randint(2, 3))),
         clock.ts(clock.at(world.founded, 10)), world.cluster_id, user.id) for user in world.users.experts))
    writer = Writer(world, plan(world))
    loader.copy(Innovation, INNOVATION_COLUMNS, writer.rows())
    tables = writer.tables
    loader.copy(InnovationAuthor, AUTHOR_COLUMNS, tables["authors"])
    loader.copy(StageTransition, TRANSITION_COLUMNS, tables["transitions"])
    loader.copy(ExpertReview, REVIEW_COLUMNS, tables["reviews"])
    loader.copy(Pilot, PILOT_COLUMNS, tables["pilots"])
    loader.copy(PilotMeasure, MEASURE_COLUMNS, tables["measures"])
    loader.copy(Adoption, ADOPTION_COLUMNS, tables["adoptions"])
