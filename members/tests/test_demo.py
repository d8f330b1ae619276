"""seed_demo and the demo accounts: what the demo shows, and that it stays a demo."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.http import HttpRequest
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from agreements import demo_data as agreement_data
from agreements import selectors as agreement_selectors
from agreements import services as agreement_services
from agreements.models import (
    Agreement,
    AgreementNumberSequence,
    AgreementParty,
    AgreementTransition,
    Obligation,
)
from cluster_platform.auth_backends import DEMO_GROUP, DemoAwareModelBackend
from cluster_platform.tenancy import roles_for
from innovations import demo_data as innovations_demo
from members import demo_data
from members.models import (
    Cluster,
    ClusterRole,
    Invitation,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)
from members.tests.factories import UserFactory

User = get_user_model()

TENANT_MODELS = [
    ClusterRole, Organization, OrganizationRole, Person, MembershipApplication, MembershipStatusChange,
    SchoolRating, Invitation, Agreement, AgreementParty, AgreementTransition, Obligation,
    AgreementNumberSequence,
]


def _row_counts() -> dict:
    counts = {model.__name__: model.objects.unscoped().count() for model in TENANT_MODELS}
    counts.update(Cluster=Cluster.objects.count(), User=User.objects.count(), Group=Group.objects.count())
    return counts


def _agreement_states() -> dict:
    return {
        row[0]: row[1:] for row in Agreement.objects.unscoped().values_list(
            "pk", "number", "status", "start_date", "end_date", "updated_at")
    }


def test_the_demo_agreements_hold_together():
    """The data alone: parties known and active, dates in the order the services and the daily
    task need (drafted, negotiated, signed, started) relative to the seed day (0)."""
    reached_signed = {agreement_data.SIGNED, agreement_data.ACTIVE, agreement_data.SUSPENDED,
                      agreement_data.EXPIRED}
    for spec in demo_data.CLUSTERS:
        keys = {org.key for org in spec.organizations} | {
            demo_data.school_key(district, number) for district, numbers in spec.schools.items() for number in numbers}
        keys -= {suspension.organization for suspension in spec.suspensions}
        demos = agreement_data.AGREEMENTS[spec.slug]
        assert len({demo.title for demo in demos}) == len(demos)
        for demo in demos:
            party_keys = [party.organization for party in demo.parties]
            assert 2 <= len(set(party_keys)) == len(party_keys) <= 4, demo.title
            assert set(party_keys) <= keys, demo.title
            assert {party.role for party in demo.parties} <= set(AgreementParty.Role.values)
            assert demo.kind in Agreement.Kind.values
            for plan in (demo, demo.renewal) if demo.renewal else (demo,):
                assert plan.status in Agreement.Status.values, demo.title
                assert plan.drafted <= 0 and plan.start <= plan.end, demo.title
                for duty in plan.obligations:
                    assert duty.party in party_keys and (duty.done is None or duty.done <= 0), demo.title
                reached = plan.terminated_from if plan.status == agreement_data.TERMINATED else plan.status
                if reached in reached_signed:
                    negotiated = agreement_data.negotiation_day(plan.drafted, plan.signed)
                    assert plan.drafted < negotiated < plan.signed <= 0, demo.title
                    # Signed before the start; one starting later stays signed on the seed day.
                    assert plan.signed < plan.start, demo.title
                    assert (plan.start > 0) == (plan.status == agreement_data.SIGNED), demo.title
                else:
                    assert plan.signed is None, demo.title
                assert (plan.end < 0) == (plan.status == agreement_data.EXPIRED) or plan.status in (
                    agreement_data.SUSPENDED, agreement_data.TERMINATED), demo.title
                if plan.status in (agreement_data.SUSPENDED, agreement_data.TERMINATED):
                    assert plan.comment and plan.drafted < plan.changed <= 0, demo.title
                    if reached == agreement_data.ACTIVE or plan.status == agreement_data.SUSPENDED:
                        assert plan.start < plan.changed <= min(plan.end, 0), demo.title
            if demo.renewal:  # agreement_renew takes a signed, active, suspended or expired one
                assert demo.status in reached_signed and demo.renewal.drafted > demo.signed, demo.title


def test_seed_demo_refuses_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE=1"):
        call_command("seed_demo", stdout=StringIO())
    assert not Cluster.objects.exists()
    assert not User.objects.filter(username="coordinator").exists()


def test_seed_demo_never_takes_over_an_account_it_did_not_create(db, settings):
    settings.DEMO_MODE = True
    real = UserFactory(username="coordinator")
    with pytest.raises(CommandError, match="coordinator"):
        call_command("seed_demo", stdout=StringIO())
    assert not Cluster.objects.exists()
    real.refresh_from_db()
    assert real.check_password("pass-word-123")
    assert not real.groups.exists()


@override_settings(DEMO_MODE=True)
class SeedDemoTests(TestCase):
    """Seeded once for the class (about three seconds); each test runs in a rolled-back savepoint."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        cls.tashkent = Cluster.objects.get(slug="tashkent-region")
        cls.samarkand = Cluster.objects.get(slug="samarkand-region")

    def test_it_creates_both_clusters_with_a_university_as_centre(self):
        self.assertEqual(self.tashkent.name, "Tashkent region pedagogical cluster")
        self.assertEqual(self.tashkent.region, "Tashkent region")
        centre = self.tashkent.centre
        self.assertEqual(centre.name, "Chirchik State Pedagogical University")
        self.assertEqual(centre.cluster_role, Organization.ClusterRoleKind.CENTRE)
        self.assertEqual(centre.cluster_id, self.tashkent.pk)
        self.assertEqual(self.samarkand.centre.cluster_role, Organization.ClusterRoleKind.CENTRE)
        self.assertEqual(self.samarkand.centre.cluster_id, self.samarkand.pk)

    def test_tashkent_has_every_kind_of_member_the_seeds_describe(self):
        kinds = set(Organization.objects.for_cluster(self.tashkent).values_list("kind", flat=True))
        for kind in ["pedagogical_university", "iro", "authority", "school", "college", "enterprise",
                     "research_institute", "university", "preschool", "ngo"]:
            self.assertIn(kind, kinds)
        enterprises = Organization.objects.for_cluster(self.tashkent).filter(kind="enterprise")
        self.assertIn("Almalyk MMC", set(enterprises.values_list("short_name", flat=True)))
        self.assertGreater(Person.objects.for_cluster(self.tashkent).exclude(subject="").count(), 40)

    def test_tashkent_has_over_forty_schools_rated_over_several_periods(self):
        schools = Organization.objects.for_cluster(self.tashkent).filter(kind=Organization.Kind.SCHOOL)
        self.assertGreaterEqual(schools.count(), 40)
        self.assertGreaterEqual(len(set(schools.values_list("district", flat=True))), 10)
        ratings = SchoolRating.objects.for_cluster(self.tashkent)
        periods = sorted(set(ratings.values_list("period", flat=True)))
        self.assertEqual(len(periods), demo_data.RATING_PERIODS)
        self.assertEqual(ratings.count(), schools.count() * len(periods))
        self.assertEqual(set(ratings.values_list("colour", flat=True)), {"green", "yellow", "red"})
        # Organization.current_rating is the latest period's colour, as the rating service keeps it.
        latest = dict(ratings.filter(period=periods[-1]).values_list("organization_id", "colour"))
        self.assertEqual(dict(schools.values_list("pk", "current_rating")), latest)
        # The movement the cluster exists for: red schools that became green.
        first = dict(ratings.filter(period=periods[0]).values_list("organization_id", "colour"))
        risen = [pk for pk, colour in latest.items() if colour == "green" and first[pk] == "red"]
        self.assertGreaterEqual(len(risen), 2)

    def test_the_coordinator_has_applications_to_decide_and_a_suspended_member(self):
        submitted = MembershipApplication.objects.for_cluster(self.tashkent).filter(
            status=MembershipApplication.Status.SUBMITTED)
        self.assertGreaterEqual(submitted.count(), 1)
        suspended = Organization.objects.for_cluster(self.tashkent).get(status=Organization.Status.SUSPENDED)
        self.assertTrue(suspended.status_reason)
        self.assertEqual(suspended.suspended_on, datetime.date(2026, 2, 1))
        change = MembershipStatusChange.objects.for_cluster(self.tashkent).get(organization=suspended)
        self.assertEqual(change.to_status, Organization.Status.SUSPENDED)

    def test_samarkand_is_smaller_and_has_its_own_rated_schools(self):
        schools = Organization.objects.for_cluster(self.samarkand).filter(kind=Organization.Kind.SCHOOL)
        self.assertGreaterEqual(schools.count(), 5)
        self.assertLess(schools.count(), 40)
        self.assertFalse(schools.filter(current_rating="").exists())

    def test_each_demo_account_has_its_role_and_nothing_more(self):
        users = {user.username: user for user in User.objects.filter(groups__name=DEMO_GROUP)}
        # The five demo logins, and the further experts the innovations demo needs for its reviews.
        further_experts = {slug: {expert.username for expert in experts}
                           for slug, experts in innovations_demo.EXPERTS.items()}
        self.assertEqual(set(users), {"coordinator", "institution", "expert", "authority", "coordinator2"}
                         | set().union(*further_experts.values()))
        tk, sk = self.tashkent, self.samarkand
        for cluster in (tk, sk):
            for username in further_experts.get(cluster.slug, ()):
                self.assertEqual(roles_for(users[username], cluster).cluster_roles, {"expert"})
        self.assertEqual(roles_for(users["coordinator"], tk).cluster_roles, {"coordinator"})
        self.assertEqual(roles_for(users["expert"], tk).cluster_roles, {"expert"})
        self.assertEqual(roles_for(users["authority"], tk).cluster_roles, {"authority"})
        self.assertEqual(roles_for(users["coordinator2"], sk).cluster_roles, {"coordinator"})
        institution = roles_for(users["institution"], tk)
        self.assertEqual(institution.cluster_roles, frozenset())
        (school_id,) = institution.organizations_with("admin")
        school = Organization.objects.for_cluster(tk).get(pk=school_id)
        self.assertEqual(school.name, "General Secondary School No. 12, Chirchik")
        # The clusters do not see each other's people.
        for username in ["coordinator", "institution", "expert", "authority"]:
            self.assertFalse(roles_for(users[username], sk).any)
        self.assertFalse(roles_for(users["coordinator2"], tk).any)
        # Each account is a person of its cluster, and none is a superuser.
        for user in users.values():
            self.assertFalse(user.is_superuser or user.is_staff)
            self.assertEqual(Person.objects.unscoped().filter(user=user).count(), 1)
            self.assertTrue(user.check_password(demo_data.DEMO_PASSWORD))

    def test_the_main_members_and_every_school_are_named_in_russian_and_uzbek_too(self):
        from django.utils import translation

        centre = self.tashkent.centre
        school = Organization.objects.for_cluster(self.tashkent).filter(
            kind=Organization.Kind.SCHOOL, district="Yangiyul").order_by("pk").first()
        number = school.name.split("No. ")[1].split(",")[0]
        with translation.override("ru"):
            self.assertEqual(centre.localized_name, "Чирчикский государственный педагогический университет")
            self.assertEqual(str(school), f"Общеобразовательная школа № {number}, Янгиюль")
        with translation.override("uz-cyrl"):
            self.assertEqual(centre.localized_name, "Чирчиқ давлат педагогика университети")
        with translation.override("en"):
            self.assertEqual(str(school), f"School No. {number} (Yangiyul)")  # no English entry: the short name
        schools = Organization.objects.for_cluster(self.samarkand).filter(kind=Organization.Kind.SCHOOL)
        self.assertTrue(all(set(names) == {"ru", "uz"} for names in schools.values_list("name_translations", flat=True)))

    def test_the_demo_clusters_have_colours_of_their_own_and_tashkent_a_logo(self):
        self.assertEqual((self.tashkent.primary_colour, self.tashkent.accent_colour), ("#0f5257", "#d4a017"))
        self.assertEqual((self.samarkand.primary_colour, self.samarkand.accent_colour), ("#1e3a8a", "#2ab7ca"))
        self.assertRegex(self.tashkent.logo.name, rf"^clusters/{self.tashkent.pk}/[0-9a-f]{{32}}\.png$")
        self.assertFalse(self.samarkand.logo)
        call_command("seed_demo", stdout=StringIO())  # a second run draws no second logo
        self.assertEqual(Cluster.objects.get(pk=self.tashkent.pk).logo.name, self.tashkent.logo.name)

    def test_a_second_run_creates_nothing(self):
        before = _row_counts()
        agreements_before = _agreement_states()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertEqual(_row_counts(), before)
        self.assertEqual(_agreement_states(), agreements_before)
        self.assertIn("tashkent-region: already seeded", out.getvalue())
        self.assertIn("samarkand-region: already seeded", out.getvalue())
        self.assertIn("tashkent-region: agreements already seeded", out.getvalue())
        self.assertIn("samarkand-region: agreements already seeded", out.getvalue())

    # --- agreements --------------------------------------------------------------------------

    def test_tashkent_has_agreements_of_every_kind_and_status_between_its_members(self):
        agreements = Agreement.objects.for_cluster(self.tashkent)
        self.assertGreaterEqual(agreements.count(), 30)
        self.assertLessEqual(agreements.count(), 40)
        self.assertEqual(set(agreements.values_list("kind", flat=True)), set(Agreement.Kind.values))
        self.assertEqual(set(agreements.values_list("status", flat=True)), set(Agreement.Status.values))
        numbers = list(agreements.values_list("number", flat=True))
        self.assertEqual(len(numbers), len(set(numbers)))
        self.assertTrue(all(number.startswith("TAS-") for number in numbers))
        party_counts = set(agreements.annotate(n=Count("parties")).values_list("n", flat=True))
        self.assertLessEqual({2, 3, 4}, party_counts)
        self.assertTrue(party_counts <= {2, 3, 4})
        parties = AgreementParty.objects.for_cluster(self.tashkent)
        self.assertEqual(set(parties.values_list("role", flat=True)), set(AgreementParty.Role.values))
        self.assertFalse(parties.exclude(organization__cluster=self.tashkent).exists())
        self.assertFalse(parties.exclude(organization__status=Organization.Status.ACTIVE).exists())
        # Each party's signatory is one of its organization's people, and once an agreement
        # was signed every party signed it, in the past, by name.
        self.assertFalse(parties.filter(signatory__isnull=True).exists())
        for party in parties.select_related("signatory"):
            self.assertEqual(party.signatory.organization_id, party.organization_id)
        signed = parties.filter(agreement__transitions__to_status=Agreement.Status.SIGNED)
        self.assertGreater(signed.count(), 40)
        self.assertFalse(signed.filter(signed_on__isnull=True).exists())
        self.assertFalse(signed.filter(signed_on__gt=timezone.localdate()).exists())
        self.assertFalse(signed.filter(signed_by_name="").exists())
        unsigned = parties.filter(agreement__status__in=[Agreement.Status.DRAFT, Agreement.Status.NEGOTIATION])
        self.assertTrue(unsigned.exists())
        self.assertFalse(unsigned.filter(signed_on__isnull=False).exists())

    def test_the_coordinator_sees_agreements_ending_soon_and_overdue_obligations(self):
        today = timezone.localdate()
        coordinator = User.objects.get(username="coordinator")
        roles = roles_for(coordinator, self.tashkent)

        def ending_within(days):
            return agreement_selectors.agreement_list(
                cluster=self.tashkent, roles=roles, filters={"expiring_within_days": days})

        self.assertGreaterEqual(ending_within(30).count(), 3)
        self.assertGreaterEqual(ending_within(7).count(), 2)
        obligations = Obligation.objects.for_cluster(self.tashkent)
        overdue = obligations.filter(status=Obligation.Status.OVERDUE, agreement__status=Agreement.Status.ACTIVE)
        self.assertGreaterEqual(overdue.count(), 2)
        self.assertFalse(obligations.filter(status=Obligation.Status.OVERDUE, due_date__gte=today).exists())
        # The daily task has nothing left to do on the seed day.
        self.assertEqual(agreement_services.agreements_daily(cluster=self.tashkent, today=today),
                         {"activated": 0, "expired": 0, "overdue": 0})
        self.assertGreaterEqual(obligations.filter(status=Obligation.Status.OPEN).count(), 5)
        done = obligations.filter(status=Obligation.Status.DONE)
        self.assertGreaterEqual(done.count(), 10)
        self.assertFalse(done.filter(completed_by__isnull=True).exists())
        self.assertTrue(all(obligation.completed_at.date() <= today for obligation in done))
        # The dashboard's panel shows the first of them.
        first = ending_within(30).order_by("end_date", "number").first()
        self.client.force_login(coordinator)
        response = self.client.get(reverse("dashboard", kwargs={"cluster_slug": "tashkent-region"}))
        self.assertContains(response, first.title)

    def test_there_is_a_renewal_chain_and_a_reason_for_every_suspension_and_termination(self):
        agreements = Agreement.objects.for_cluster(self.tashkent)
        renewals = agreements.filter(renewal_of__isnull=False).select_related("renewal_of")
        self.assertIn((Agreement.Status.EXPIRED, Agreement.Status.ACTIVE),
                      {(renewal.renewal_of.status, renewal.status) for renewal in renewals})
        for renewal in renewals:
            self.assertEqual(renewal.title, renewal.renewal_of.title)
            self.assertGreater(renewal.start_date, renewal.renewal_of.start_date)
            self.assertGreater(renewal.number, renewal.renewal_of.number)
        transitions = AgreementTransition.objects.for_cluster(self.tashkent)
        for agreement in agreements.filter(status=Agreement.Status.TERMINATED):
            self.assertTrue(agreement.termination_reason)
            last = transitions.filter(agreement=agreement).last()
            self.assertEqual((last.to_status, last.comment),
                             (Agreement.Status.TERMINATED, agreement.termination_reason))
        for agreement in agreements.filter(status=Agreement.Status.SUSPENDED):
            last = transitions.filter(agreement=agreement).last()
            self.assertEqual(last.to_status, Agreement.Status.SUSPENDED)
            self.assertTrue(last.comment)

    def test_every_timeline_follows_the_lifecycle_in_order_of_time(self):
        now = timezone.now()
        for cluster in (self.tashkent, self.samarkand):
            agreements = Agreement.objects.for_cluster(cluster).in_bulk()
            timelines = {}
            for row in AgreementTransition.objects.for_cluster(cluster).order_by("created_at", "id"):
                timelines.setdefault(row.agreement_id, []).append(row)
            self.assertEqual(set(timelines), set(agreements))
            for pk, rows in timelines.items():
                agreement = agreements[pk]
                self.assertEqual((rows[0].from_status, rows[0].to_status), ("", Agreement.Status.DRAFT))
                self.assertEqual(agreement.created_at, rows[0].created_at)
                for previous, row in zip(rows, rows[1:]):
                    self.assertEqual(row.from_status, previous.to_status, agreement)
                    self.assertIn((row.from_status, row.to_status), agreement_services.MOVES, agreement)
                    self.assertGreater(row.created_at, previous.created_at, agreement)
                    if row.actor_id is None:  # the daily task: activation and expiry on their days
                        self.assertIn(row.to_status, (Agreement.Status.ACTIVE, Agreement.Status.EXPIRED))
                self.assertEqual(rows[-1].to_status, agreement.status, agreement)
                self.assertLessEqual(rows[-1].created_at, now)
                # The daily task expired it on the day after its end date.
                if agreement.status == Agreement.Status.EXPIRED:
                    self.assertEqual(timezone.localdate(rows[-1].created_at),
                                     agreement.end_date + datetime.timedelta(days=1))

    def test_the_institution_sees_the_agreements_of_its_school(self):
        user = User.objects.get(username="institution")
        roles = roles_for(user, self.tashkent)
        (school_id,) = roles.organizations_with("admin")
        visible = list(agreement_selectors.agreement_list(cluster=self.tashkent, roles=roles))
        self.assertGreaterEqual(len(visible), 3)
        for agreement in visible:
            self.assertIn(school_id, {party.organization_id for party in agreement.parties.all()})
        self.assertTrue(Obligation.objects.for_cluster(self.tashkent).filter(
            party__organization_id=school_id, status=Obligation.Status.OVERDUE).exists())
        self.client.login(request=HttpRequest(), username="institution", password="demo")
        response = self.client.get(reverse("agreement_list", kwargs={"cluster_slug": "tashkent-region"}))
        self.assertContains(response, "Laboratory practice in STEM for schools of Chirchik")
        self.assertNotContains(response, "Dual education in mineral processing with Almalyk MMC")

    def test_samarkand_has_a_few_agreements_of_its_own(self):
        agreements = Agreement.objects.for_cluster(self.samarkand)
        self.assertTrue(2 <= agreements.count() <= 4)
        self.assertTrue(all(number.startswith("SAM-") for number in agreements.values_list("number", flat=True)))
        self.assertFalse(AgreementParty.objects.for_cluster(self.samarkand).exclude(
            organization__cluster=self.samarkand).exists())
        self.assertIn(Agreement.Status.ACTIVE, set(agreements.values_list("status", flat=True)))

    def test_agreements_missing_from_a_demo_database_are_added_and_nothing_else(self):
        """A demo seeded before the agreements, or one where some were deleted, gets the missing
        ones on the next run: identified by title, a renewal along with the agreement it renews."""
        agreements = Agreement.objects.for_cluster(self.tashkent)
        chain, single = "Summer school for mathematics teachers", "IT club of School No. 8, Almalyk"
        agreements.filter(title=chain, renewal_of__isnull=False).delete()
        agreements.filter(title__in=[chain, single]).delete()
        kept = _agreement_states()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertIn("tashkent-region: created 3 agreements, 3 obligations", out.getvalue())
        self.assertIn("samarkand-region: agreements already seeded", out.getvalue())
        self.assertEqual(agreements.filter(title=chain).count(), 2)
        self.assertEqual(agreements.get(title=single).status, Agreement.Status.TERMINATED)
        self.assertEqual(agreements.get(title=chain, renewal_of__isnull=False).renewal_of.status,
                         Agreement.Status.EXPIRED)
        states = _agreement_states()
        self.assertEqual({pk: states[pk] for pk in kept}, kept)

    # authenticate() and Client.login() get a request: django-axes' backend refuses a sign-in without one.
    def test_demo_accounts_sign_in_only_in_demo_mode(self):
        with self.settings(DEMO_MODE=True):
            self.assertIsNotNone(authenticate(HttpRequest(), username="coordinator", password="demo"))
            self.assertTrue(self.client.login(request=HttpRequest(), username="institution", password="demo"))
        with self.settings(DEMO_MODE=False):
            self.assertIsNone(authenticate(HttpRequest(), username="coordinator", password="demo"))
            self.assertFalse(self.client.login(request=HttpRequest(), username="expert", password="demo"))

    def test_a_demo_session_ends_when_demo_mode_is_off(self):
        self.client.login(request=HttpRequest(), username="authority", password="demo")
        request = HttpRequest()
        request.session = self.client.session
        with self.settings(DEMO_MODE=True):
            self.assertEqual(get_user(request).username, "authority")
        with self.settings(DEMO_MODE=False):
            self.assertFalse(get_user(request).is_authenticated)

    def test_other_accounts_sign_in_whatever_the_mode(self):
        UserFactory(username="teacher")
        for demo_mode in (True, False):
            with self.settings(DEMO_MODE=demo_mode):
                self.assertIsNotNone(authenticate(HttpRequest(), username="teacher", password="pass-word-123"))

    def test_restoring_a_session_outside_demo_mode_costs_one_query(self):
        user = UserFactory(username="teacher")
        with self.settings(DEMO_MODE=False), self.assertNumQueries(1):
            self.assertEqual(DemoAwareModelBackend().get_user(user.pk), user)
