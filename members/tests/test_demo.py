"""seed_demo and the demo accounts: what the demo shows, and that it stays a demo."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import TestCase, override_settings

from cluster_platform.auth_backends import DEMO_GROUP, DemoAwareModelBackend
from cluster_platform.tenancy import roles_for
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
    SchoolRating, Invitation,
]


def _row_counts() -> dict:
    counts = {model.__name__: model.objects.unscoped().count() for model in TENANT_MODELS}
    counts.update(Cluster=Cluster.objects.count(), User=User.objects.count(), Group=Group.objects.count())
    return counts


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
        self.assertEqual(set(users), {"coordinator", "institution", "expert", "authority", "coordinator2"})
        tk, sk = self.tashkent, self.samarkand
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

    def test_a_second_run_creates_nothing(self):
        before = _row_counts()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertEqual(_row_counts(), before)
        self.assertIn("tashkent-region: already seeded", out.getvalue())
        self.assertIn("samarkand-region: already seeded", out.getvalue())

    def test_demo_accounts_sign_in_only_in_demo_mode(self):
        with self.settings(DEMO_MODE=True):
            self.assertIsNotNone(authenticate(username="coordinator", password="demo"))
            self.assertTrue(self.client.login(username="institution", password="demo"))
        with self.settings(DEMO_MODE=False):
            self.assertIsNone(authenticate(username="coordinator", password="demo"))
            self.assertFalse(self.client.login(username="expert", password="demo"))

    def test_a_demo_session_ends_when_demo_mode_is_off(self):
        self.client.login(username="authority", password="demo")
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
                self.assertIsNotNone(authenticate(username="teacher", password="pass-word-123"))

    def test_restoring_a_session_outside_demo_mode_costs_one_query(self):
        user = UserFactory(username="teacher")
        with self.settings(DEMO_MODE=False), self.assertNumQueries(1):
            self.assertEqual(DemoAwareModelBackend().get_user(user.pk), user)
