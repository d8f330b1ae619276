"""The demo innovations that seed_demo writes: every stage, two years of history, and every row
within the rules the life-cycle service and its guards enforce (the rows are written directly,
with their dates in the past, so this is where those rules are checked for them)."""

from collections import Counter, defaultdict
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from cluster_platform.tenancy import roles_for
from innovations import permissions, selectors
from innovations.models import (
    Adoption,
    ExpertProfile,
    ExpertReview,
    Innovation,
    InnovationAuthor,
    InnovationUserGrant,
    Pilot,
    PilotMeasure,
    Stage,
    StageTransition,
)
from innovations.services.lifecycle import MOVES, REASON_REQUIRED, round_figures
from members.models import Cluster, ClusterRole, Person

User = get_user_model()

INNOVATION_MODELS = [Innovation, InnovationAuthor, StageTransition, ExpertReview, Pilot, PilotMeasure, Adoption,
                     ExpertProfile]


def _state() -> dict:
    state = {model.__name__: sorted(model.objects.unscoped().values_list("pk", flat=True))
             for model in INNOVATION_MODELS}
    state["grants"] = sorted(InnovationUserGrant.objects.values_list("pk", flat=True))
    state["innovations"] = sorted(Innovation.objects.unscoped().values_list("pk", "stage", "updated_at"))
    state["reviews"] = sorted(ExpertReview.objects.unscoped().values_list("pk", "status", "submitted_at"))
    state["users"] = sorted(User.objects.values_list("pk", "username"))
    state["roles"] = sorted(ClusterRole.objects.unscoped().values_list("pk", flat=True))
    state["people"] = sorted(Person.objects.unscoped().values_list("pk", flat=True))
    return state


@override_settings(DEMO_MODE=True)
class DemoInnovationsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        call_command("seed_demo", stdout=cls.output)
        cls.cluster = Cluster.objects.get(slug="tashkent-region")
        cls.samarkand = Cluster.objects.get(slug="samarkand-region")
        cls.expert = User.objects.get(username="expert")
        cls.institution = User.objects.get(username="institution")

    def innovations(self, cluster=None):
        return Innovation.objects.for_cluster(cluster or self.cluster)

    def each(self):
        """Every demo innovation of both clusters, with its cluster's policy and history."""
        for cluster in (self.cluster, self.samarkand):
            policy = selectors.policy_for(cluster)
            history = defaultdict(list)
            for move in StageTransition.objects.for_cluster(cluster).order_by("created_at", "id"):
                history[move.innovation_id].append(move)
            for innovation in self.innovations(cluster).select_related("origin_organization"):
                yield cluster, policy, innovation, history[innovation.pk]

    def test_it_reports_the_innovations_it_created(self):
        self.assertRegex(self.output.getvalue(), r"tashkent-region: created \d+ innovations, \d+ stage changes, "
                                                 r"\d+ expert reviews, \d+ pilots, \d+ adoptions, \d+ expert "
                                                 r"accounts")

    def test_fifty_innovations_or_more_in_every_stage(self):
        stages = Counter(self.innovations().values_list("stage", flat=True))
        self.assertGreaterEqual(sum(stages.values()), 50)
        self.assertEqual(set(stages), set(Stage.values))
        for stage in (Stage.PROPOSED, Stage.IN_REVIEW, Stage.PILOTING, Stage.IMPLEMENTING, Stage.DISSEMINATING):
            self.assertGreaterEqual(stages[stage], 4, stage)
        self.assertTrue(5 <= self.innovations(self.samarkand).count() <= 8)
        # Two years of proposals, up to the last days.
        today = timezone.localdate()
        first = self.innovations().order_by("created_at").first().created_at
        self.assertGreaterEqual((today - timezone.localtime(first).date()).days, 600)
        self.assertTrue(self.innovations().filter(created_at__gte=timezone.now() - timezone.timedelta(days=14)))
        self.assertFalse(self.innovations().filter(summary="").exists())
        self.assertFalse(self.innovations().filter(keywords=[]).exists())

    def test_every_history_follows_the_life_cycle(self):
        now = timezone.now()
        for _cluster, _policy, innovation, moves in self.each():
            title = innovation.title
            self.assertEqual((moves[0].from_stage, moves[0].to_stage), ("", Stage.PROPOSED), title)
            self.assertEqual(moves[0].created_at, innovation.created_at, title)
            for before, after in zip(moves, moves[1:]):
                self.assertEqual(after.from_stage, before.to_stage, title)
                self.assertIn((after.from_stage, after.to_stage), MOVES, title)
                self.assertLess(before.created_at, after.created_at, title)
                if after.to_stage in REASON_REQUIRED:
                    self.assertTrue(after.comment, title)
            self.assertEqual(moves[-1].to_stage, innovation.stage, title)
            self.assertEqual(moves[-1].created_at, innovation.stage_changed_at, title)
            self.assertLess(innovation.stage_changed_at, now, title)
            rounds = sum(1 for move in moves if move.to_stage == Stage.IN_REVIEW)
            self.assertEqual(innovation.review_round, max(1, rounds), title)
            if innovation.stage == Stage.REJECTED:
                self.assertEqual(innovation.decision_reason, moves[-1].comment, title)
        # Resubmissions after a revision start round 2.
        self.assertTrue(self.innovations().filter(review_round__gte=2, stage=Stage.IN_REVIEW).exists())
        self.assertTrue(self.innovations().filter(review_round__gte=2, stage__in=[
            Stage.PILOTING, Stage.EVALUATED, Stage.REJECTED]).exists())

    def test_reviews_hold_the_guards_of_each_decision(self):
        experts_checked = 0
        for cluster, policy, innovation, moves in self.each():
            title = innovation.title
            experts = set(ClusterRole.objects.for_cluster(cluster).filter(role="expert").values_list(
                "user_id", flat=True))
            expert_orgs = dict(Person.objects.for_cluster(cluster).filter(user_id__in=experts).values_list(
                "user_id", "organization_id"))
            author_users = set(InnovationAuthor.objects.for_cluster(cluster).filter(
                innovation=innovation, person__user__isnull=False).values_list("person__user_id", flat=True))
            reviews = list(ExpertReview.objects.for_cluster(cluster).filter(innovation=innovation))
            round_ = 0
            for index, move in enumerate(moves):
                if move.to_stage != Stage.IN_REVIEW:
                    continue
                round_ += 1
                mine = [review for review in reviews if review.round == round_
                        and review.status != ExpertReview.Status.WITHDRAWN]
                # proposed/revision requested -> in review: N experts assigned before the move.
                self.assertGreaterEqual(len([r for r in mine if r.assigned_at <= move.created_at]),
                                        policy.reviewers_required, title)
                for review in mine:
                    experts_checked += 1
                    self.assertIn(review.expert_id, experts, title)
                    self.assertNotEqual(expert_orgs[review.expert_id], innovation.origin_organization_id, title)
                    self.assertNotIn(review.expert_id, author_users, title)
                    self.assertEqual((review.due_date - timezone.localtime(review.assigned_at).date()).days,
                                     policy.review_days, title)
                    if review.status == ExpertReview.Status.SUBMITTED:
                        self.assertLess(review.assigned_at, review.submitted_at, title)
                        self.assertIn(review.recommendation, ExpertReview.Recommendation.values)
                        if review.revised_at:
                            self.assertLess(review.submitted_at, review.revised_at, title)
                decision = moves[index + 1] if index + 1 < len(moves) else None
                figures = round_figures(cluster, innovation, round_)
                if decision is None:
                    continue
                submitted = [r for r in mine if r.status == ExpertReview.Status.SUBMITTED]
                self.assertTrue(all((r.revised_at or r.submitted_at) < decision.created_at for r in submitted), title)
                self.assertEqual(len(submitted), len(mine), title)  # decided rounds have every review in
                if decision.to_stage == Stage.REVISION_REQUESTED:
                    self.assertGreaterEqual(figures.submitted, 1, title)
                    continue
                self.assertGreaterEqual(figures.submitted, policy.reviewers_required, title)
                if decision.to_stage == Stage.APPROVED_FOR_PILOT:
                    self.assertGreaterEqual(figures.mean, float(policy.approval_threshold), title)
                else:
                    self.assertLess(figures.mean, float(policy.approval_threshold), title)
                if figures.spread > float(policy.consensus_spread):
                    self.assertIsNotNone(innovation.consensus_started_at, title)
                    self.assertLess(innovation.consensus_started_at, decision.created_at, title)
                    self.assertEqual(round_, innovation.review_round, title)
            # No reviews beyond the rounds held.
            self.assertFalse([r for r in reviews if r.round > max(round_, 1)], title)
            if round_ == 0:
                self.assertEqual(reviews, [], title)
        self.assertGreater(experts_checked, 100)

    def test_a_few_decisions_went_through_a_consensus_step(self):
        policy = selectors.policy_for(self.cluster)
        held = self.innovations().filter(consensus_started_at__isnull=False)
        self.assertGreaterEqual(held.count(), 3)
        stages = set()
        for innovation in held:
            figures = round_figures(self.cluster, innovation)
            self.assertGreater(figures.spread, float(policy.consensus_spread), innovation.title)
            self.assertTrue(ExpertReview.objects.for_cluster(self.cluster).filter(
                innovation=innovation, round=innovation.review_round, revised_at__isnull=False).exists())
            stages.add(innovation.stage)
        self.assertIn(Stage.IN_REVIEW, stages)  # one awaits the coordinator's decision

    def test_pilots_and_their_measures_come_before_the_moves_that_need_them(self):
        for cluster, _policy, innovation, moves in self.each():
            title = innovation.title
            moved = {move.to_stage: move.created_at for move in moves}
            pilots = list(Pilot.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
                status=Pilot.Status.STOPPED).prefetch_related("measures"))
            for pilot in pilots:
                self.assertNotEqual(pilot.organization_id, innovation.origin_organization_id, title)
                self.assertLessEqual(pilot.start_date, pilot.end_date, title)
                self.assertGreater(pilot.created_at, moved[Stage.APPROVED_FOR_PILOT], title)
            if Stage.PILOTING in moved:
                ready = [p for p in pilots if p.measures.all() and p.created_at < moved[Stage.PILOTING]]
                self.assertTrue(ready, title)
            elif innovation.stage != Stage.APPROVED_FOR_PILOT:
                self.assertEqual(pilots, [], title)
            if Stage.EVALUATED in moved:
                for pilot in pilots:
                    self.assertTrue(pilot.conclusion.strip(), title)
                    self.assertEqual(pilot.status, Pilot.Status.COMPLETED, title)
                    self.assertLess(pilot.end_date, timezone.localtime(moved[Stage.EVALUATED]).date(), title)
                    self.assertTrue(all(m.result is not None for m in pilot.measures.all()), title)
        # A pilot is on for every innovation in piloting, with its baselines and no results yet.
        for innovation in self.innovations().filter(stage=Stage.PILOTING):
            self.assertTrue(Pilot.objects.for_cluster(self.cluster).filter(
                innovation=innovation, status=Pilot.Status.RUNNING, end_date__gte=timezone.localdate()).exists())

    def test_adoptions_spread_from_the_origin_through_the_pilot_sites(self):
        deepest = 0
        for cluster, _policy, innovation, moves in self.each():
            title = innovation.title
            moved = {move.to_stage: move.created_at for move in moves}
            adoptions = list(Adoption.objects.for_cluster(cluster).filter(innovation=innovation).order_by(
                "started_on", "id"))
            if Stage.IMPLEMENTING not in moved:
                self.assertEqual(adoptions, [], title)
                continue
            sites = set(Pilot.objects.for_cluster(cluster).filter(innovation=innovation).values_list(
                "organization_id", flat=True))
            origin = innovation.origin_organization_id
            generation = {origin: 0, **{site: 1 for site in sites}}
            for adoption in adoptions:
                self.assertNotEqual(adoption.organization_id, origin, title)
                self.assertGreater(adoption.created_at, moved[Stage.IMPLEMENTING], title)
                if Stage.ARCHIVED in moved:
                    self.assertLess(adoption.created_at, moved[Stage.ARCHIVED], title)
                earlier = {a.organization_id for a in adoptions
                           if a.started_on <= adoption.started_on and a.pk != adoption.pk}
                self.assertIn(adoption.learned_from_id, {origin} | sites | earlier, title)
                generation.setdefault(adoption.organization_id, generation.get(adoption.learned_from_id, 0) + 1)
                if adoption.status != Adoption.Status.PLANNED:
                    self.assertTrue(adoption.feedback, title)
            deepest = max(deepest, *generation.values())
            if Stage.DISSEMINATING in moved:
                self.assertTrue([a for a in adoptions if a.status != Adoption.Status.ABANDONED
                                 and a.created_at < moved[Stage.DISSEMINATING]], title)
        self.assertGreaterEqual(deepest, 3)
        statuses = set(Adoption.objects.for_cluster(self.cluster).values_list("status", flat=True))
        self.assertTrue({Adoption.Status.ADOPTED, Adoption.Status.IN_PROGRESS, Adoption.Status.PLANNED} <= statuses)

    def test_the_expert_login_has_a_queue(self):
        today = timezone.localdate()
        reviews = ExpertReview.objects.for_cluster(self.cluster).filter(expert=self.expert)
        open_ = reviews.filter(status=ExpertReview.Status.ASSIGNED, innovation__stage=Stage.IN_REVIEW)
        self.assertTrue(open_.filter(due_date__gte=today, due_date__lte=today + timezone.timedelta(days=4)))
        self.assertTrue(open_.filter(due_date__lt=today))
        self.assertGreaterEqual(reviews.filter(status=ExpertReview.Status.SUBMITTED).count(), 5)
        roles = roles_for(self.expert, self.cluster)
        visible = permissions.visible_innovations(self.cluster, roles)
        self.assertEqual(set(visible.filter(stage=Stage.IN_REVIEW).values_list("pk", flat=True)),
                         set(reviews.filter(innovation__stage=Stage.IN_REVIEW).values_list("innovation_id", flat=True)))
        self.assertTrue(ExpertProfile.objects.for_cluster(self.cluster).filter(user=self.expert).exists())

    def test_the_cluster_has_more_experts_with_subject_fields(self):
        for cluster, least in ((self.cluster, 5), (self.samarkand, 2)):
            experts = ClusterRole.objects.for_cluster(cluster).filter(role="expert").select_related("user")
            self.assertGreaterEqual(experts.count(), least)
            for role in experts:
                self.assertTrue(role.user.check_password("demo"), role.user.username)
                self.assertTrue(role.user.groups.filter(name="demo").exists())
                person = Person.objects.for_cluster(cluster).get(user=role.user)
                self.assertIn(person.organization.kind, ("pedagogical_university", "university", "iro",
                                                         "research_institute"))
                profile = ExpertProfile.objects.for_cluster(cluster).get(user=role.user)
                self.assertTrue(profile.subject_fields)
            # Each of them has reviews to do or done.
            reviewers = set(ExpertReview.objects.for_cluster(cluster).values_list("expert_id", flat=True))
            self.assertEqual(reviewers, {role.user_id for role in experts})

    def test_the_institution_login_authored_a_few(self):
        person = Person.objects.for_cluster(self.cluster).get(user=self.institution)
        mine = self.innovations().filter(authors__person=person)
        self.assertGreaterEqual(mine.count(), 3)
        self.assertGreaterEqual(len(set(mine.values_list("stage", flat=True))), 3)
        roles = roles_for(self.institution, self.cluster)
        for innovation in mine:
            self.assertTrue(permissions.is_author(roles, innovation), innovation.title)
            self.assertTrue(permissions.can_steer(roles, innovation), innovation.title)
        # Every author with an account holds the grant, and nobody else does.
        for cluster in (self.cluster, self.samarkand):
            authors = set(InnovationAuthor.objects.for_cluster(cluster).filter(
                person__user__isnull=False).values_list("innovation_id", "person__user_id"))
            grants = set(InnovationUserGrant.objects.filter(cluster=cluster, permission__codename=permissions.AUTHOR)
                         .values_list("content_object_id", "user_id"))
            self.assertEqual(grants, authors)
        # Authors are people of the origin; the lead is first.
        for author in InnovationAuthor.objects.for_cluster(self.cluster).select_related("innovation", "person"):
            self.assertEqual(author.person.organization_id, author.innovation.origin_organization_id)

    def test_a_second_run_changes_nothing(self):
        before = _state()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertEqual(_state(), before)
        self.assertIn("tashkent-region: innovations already seeded, left unchanged.", out.getvalue())
        self.assertIn("samarkand-region: innovations already seeded, left unchanged.", out.getvalue())
