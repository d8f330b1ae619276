"""The demo resources and bookings that seed_demo writes into tashkent-region: enough of every
kind and status, and every booking within the rules the services enforce."""

import datetime
from io import StringIO

import pghistory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F
from django.test import TestCase, override_settings
from django.utils import timezone

from cluster_platform.auth_backends import DEMO_GROUP
from cluster_platform.tenancy import roles_for
from members import demo_data as member_data
from members.management.commands.seed_demo import Command, _ClusterSeeder, _ResourceSeeder
from members.models import Cluster
from resources import availability, indicators, permissions, selectors, services
from resources import demo_data as resource_data
from resources.models import (
    BookedResource,
    Booking,
    ClosedDate,
    OpeningHours,
    Resource,
    ResourceUserObjectPermission,
)
from resources.services.bookings import _check_booking, _resources_for_booking

User = get_user_model()
Status = Booking.Status

RESOURCE_MODELS = [Resource, OpeningHours, ClosedDate, Booking, BookedResource]


def _state() -> dict:
    state = {model.__name__: sorted(model.objects.unscoped().values_list("pk", flat=True)) for model in RESOURCE_MODELS}
    state["grants"] = ResourceUserObjectPermission.objects.count()
    state["bookings"] = sorted(Booking.objects.unscoped().values_list("pk", "status", "updated_at"))
    return state


@override_settings(DEMO_MODE=True)
class DemoResourcesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        call_command("seed_demo", stdout=cls.output)
        cls.cluster = Cluster.objects.get(slug="tashkent-region")
        cls.coordinator = User.objects.get(username="coordinator")
        cls.institution = User.objects.get(username="institution")

    def bookings(self):
        return Booking.objects.for_cluster(self.cluster)

    def test_it_reports_the_resources_it_created(self):
        self.assertRegex(self.output.getvalue(),
                         r"tashkent-region: created \d+ resources, \d+ closed dates, \d+ bookings")

    def test_there_are_sixty_resources_of_every_kind_with_hours_terms_and_access(self):
        resources = Resource.objects.for_cluster(self.cluster)
        self.assertGreaterEqual(resources.count(), 60)
        self.assertEqual(set(resources.values_list("kind", flat=True)), set(Resource.Kind.values))
        paid = resources.filter(terms=Resource.Terms.COST_RECOVERY)
        self.assertGreaterEqual(paid.count(), 5)
        self.assertFalse(paid.filter(price__isnull=True).exists())
        self.assertGreaterEqual(resources.filter(access=Resource.Access.AGREEMENT).count(), 3)
        self.assertTrue(resources.filter(kind=Resource.Kind.DORMITORY, always_open=True).exists())
        # Every resource with weekly hours has some; the owners are real demo organizations.
        with_hours = set(OpeningHours.objects.for_cluster(self.cluster).values_list("resource_id", flat=True))
        self.assertEqual(set(resources.filter(always_open=False).values_list("pk", flat=True)), with_hours)
        owners = set(resources.values_list("owner__short_name", flat=True))
        self.assertLessEqual({"CSPU", "Tashkent Region IRO", "Almalyk MMC", "Uzmetkombinat", "Maxam-Chirchiq",
                              "Kori Niyoziy Institute"}, owners)
        self.assertEqual(resources.count(), len(resource_data.TASHKENT_RESOURCES))

    def test_holidays_and_other_closures_are_closed_dates(self):
        closed = ClosedDate.objects.for_cluster(self.cluster)
        holidays = {name for _month, _day, name in resource_data.HOLIDAYS}
        # Any window of five months holds at least one of the holidays.
        self.assertTrue(closed.filter(reason__in=holidays).exists())
        for date, reason in closed.filter(reason__in=holidays).values_list("date", "reason").distinct():
            self.assertIn((date.month, date.day, reason), resource_data.HOLIDAYS)
        self.assertTrue(closed.filter(reason="Floor repairs").exists())
        self.assertFalse(closed.filter(resource__always_open=True).exists())

    def test_the_institution_manages_its_school_robotics_classroom(self):
        robotics = Resource.objects.for_cluster(self.cluster).get(name="Robotics classroom")
        self.assertEqual(list(selectors.resource_managers(cluster=self.cluster, resource=robotics)), [self.institution])

    def test_there_are_several_hundred_bookings_past_and_future_of_every_status(self):
        bookings = self.bookings()
        self.assertGreaterEqual(bookings.count(), 300)
        counts = dict(bookings.values_list("status").annotate(n=Count("pk")))
        self.assertEqual(set(counts), set(Status.values))
        self.assertTrue(all(number >= 5 for number in counts.values()), counts)
        now = timezone.now()
        # Completed ones are over; approved and requested ones lie ahead; the requests ask
        # different organizations of several kinds.
        self.assertFalse(bookings.filter(status=Status.COMPLETED, period__endswith__gt=now).exists())
        self.assertFalse(bookings.filter(status__in=[Status.APPROVED, Status.REQUESTED],
                                         period__startswith__lte=now).exists())
        self.assertGreaterEqual(bookings.filter(period__endswith__lte=now).count(), 100)
        self.assertGreaterEqual(bookings.filter(period__startswith__gt=now).count(), 100)
        kinds = set(bookings.values_list("requester__kind", flat=True))
        self.assertLessEqual({"school", "college", "iro", "pedagogical_university", "enterprise"}, kinds)
        # Decisions and cancellations say who and when, and declines why.
        self.assertFalse(bookings.filter(status__in=[Status.APPROVED, Status.COMPLETED, Status.DECLINED],
                                         decided_by=None).exists())
        self.assertFalse(bookings.filter(status=Status.DECLINED, decision_reason="").exists())
        self.assertFalse(bookings.filter(status=Status.CANCELLED, cancelled_at=None).exists())
        self.assertFalse(bookings.filter(status=Status.REQUESTED, decided_by__isnull=False).exists())
        self.assertFalse(bookings.filter(created_at__gt=now).exists())

    def test_some_bookings_hold_several_resources_of_one_owner(self):
        multi = self.bookings().annotate(n=Count("items")).filter(n__gt=1)
        self.assertGreaterEqual(multi.count(), 5)
        for booking in multi.prefetch_related("items__resource"):
            self.assertEqual(len({item.resource.owner_id for item in booking.items.all()}), 1)

    def test_each_booked_resource_carries_its_bookings_period_and_status(self):
        items = BookedResource.objects.for_cluster(self.cluster)
        self.assertFalse(items.exclude(period=F("booking__period")).exists())
        self.assertFalse(items.exclude(status=F("booking__status")).exists())
        self.assertFalse(self.bookings().annotate(n=Count("items")).filter(n=0).exists())

    def test_no_two_bookings_of_a_resource_overlap(self):
        """Checked in SQL over every status (the demo draws one booking per slot), so also over
        the approved and completed ones that the exclusion constraint guards."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT COUNT(*) FROM {BookedResource._meta.db_table} a
                    JOIN {BookedResource._meta.db_table} b
                      ON a.resource_id = b.resource_id AND a.id < b.id AND a.period && b.period
                    WHERE a.cluster_id = %s AND b.cluster_id = %s""",
                [self.cluster.pk, self.cluster.pk],
            )
            self.assertEqual(cursor.fetchone()[0], 0)

    def test_every_booking_keeps_the_rules_of_a_request(self):
        """Within the opening hours (one local day, unless open round the clock), off the closed
        dates, within the capacity and open to the requester (the access rule), checked with the
        services' own rule function; the agreement a booking serves has the requester as a party."""
        bookings = list(self.bookings().select_related("requester", "agreement").prefetch_related("items"))
        # Loaded once as booking_request loads them (with owner and opening hours).
        every = {resource.pk: resource for resource in _resources_for_booking(
            self.cluster, Resource.objects.for_cluster(self.cluster).values_list("pk", flat=True))}
        for booking in bookings:
            resources = [every[item.resource_id] for item in booking.items.all()]
            _check_booking(self.cluster, requester=booking.requester, resources=resources,
                           start=booking.period.lower, end=booking.period.upper,
                           participants=booking.participants, booking_id=booking.pk)
            self.assertNotIn(booking.requester_id, {resource.owner_id for resource in resources})
            if booking.agreement_id:
                parties = set(booking.agreement.parties.values_list("organization_id", flat=True))
                self.assertIn(booking.requester_id, parties)
                self.assertLessEqual(booking.agreement.start_date, availability.local(booking.period.lower).date())
            for resource in resources:
                if not resource.always_open:
                    self.assertTrue(availability.within_one_day(booking.period.lower, booking.period.upper))

    def test_the_demo_logins_have_requests_to_decide(self):
        """`institution` decides on its school's resources; the university has no demo admin,
        so its requests wait for the coordinator (who decides on every resource)."""
        for_school = selectors.bookings_to_approve(self.cluster, roles_for(self.institution, self.cluster))
        self.assertGreaterEqual(for_school.count(), 2)
        self.assertEqual(set(for_school.values_list("items__resource__owner__name", flat=True)),
                         {"General Secondary School No. 12, Chirchik"})
        for_coordinator = selectors.bookings_to_approve(self.cluster, roles_for(self.coordinator, self.cluster))
        self.assertTrue(for_coordinator.filter(
            items__resource__owner__short_name="CSPU").exists())
        # Such a request can really be approved, by the login that sees it.
        booking = for_school.order_by("period").first()
        approved = services.booking_approve(cluster=self.cluster, actor=self.institution, booking_id=booking.pk)
        self.assertEqual(approved.status, Status.APPROVED)
        cspu_request = for_coordinator.filter(items__resource__owner__short_name="CSPU").order_by("period").first()
        services.booking_approve(cluster=self.cluster, actor=self.coordinator, booking_id=cspu_request.pk)
        # The school also has requests of its own, which it may cancel.
        mine = selectors.booking_list(cluster=self.cluster, roles=roles_for(self.institution, self.cluster),
                                      filters={"view": "mine"})
        self.assertTrue(mine.exists())
        self.assertTrue(any(permissions.can_cancel(roles_for(self.institution, self.cluster), booking)
                            for booking in mine.filter(status=Status.REQUESTED)))

    def test_the_utilization_report_has_figures_for_the_demo(self):
        today = timezone.localdate()
        report = indicators.utilization(cluster=self.cluster, start=today - 90 * availability.ONE_DAY,
                                        end=today - availability.ONE_DAY)
        self.assertGreater(report["total"]["hours_booked"], 0)
        self.assertGreater(report["total"]["hours_open"], report["total"]["hours_booked"])
        self.assertGreaterEqual(len(report["by_owner_kind"]), 5)
        self.assertGreaterEqual(len(report["by_borrower_kind"]), 4)

    def test_a_second_run_changes_nothing(self):
        before = _state()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertEqual(_state(), before)
        self.assertIn("tashkent-region: resources already seeded, left unchanged.", out.getvalue())



class DemoRequestsOnEveryDayTests(TestCase):
    """What the demo logins are promised holds whatever the seed day and hour (weekday, Sunday,
    holidays, the turn of the year, before or after the day's opening hours): `institution`
    has requests to decide on its school's resources and requests of its own waiting, which it
    may cancel; the coordinator has CSPU requests to decide. Tashkent's members, agreements and
    resources are seeded once; each seed moment then gets the seeder's closed dates and bookings
    (the parts that depend on the day, with the same random draws as a full seed), rolled back."""

    SEED_MOMENTS = [
        *(datetime.datetime(2027, month, 2 * month, hour)
          for month, hour in zip(range(1, 13), (9, 12, 15, 18, 21, 23) * 2, strict=True)),
        datetime.datetime(2026, 12, 7, 8, 30),  # a Monday, the eve of Constitution Day
        datetime.datetime(2027, 3, 21, 10),  # a Sunday, and Navruz
        datetime.datetime(2026, 12, 31, 23, 30),
        datetime.datetime(2027, 1, 1, 0, 15),
    ]

    @classmethod
    def setUpTestData(cls):
        spec = next(spec for spec in member_data.CLUSTERS if spec.slug == "tashkent-region")
        today = timezone.localdate()
        group, _created = Group.objects.get_or_create(name=DEMO_GROUP)
        command = Command(stdout=StringIO())
        with pghistory.context(service="seed_demo"):
            _ClusterSeeder(spec=spec, group=group, today=today).run()
        command._agreements(spec, today)
        cls.spec = spec
        cls.cluster = Cluster.objects.get(slug=spec.slug)
        cls.actor = command._coordinator(spec, cls.cluster)
        seeder = _ResourceSeeder(spec=spec, cluster=cls.cluster, actor=cls.actor, today=today)
        cls.created = [(demo, seeder._resource(demo, seeder.organizations[demo.owner]))
                       for demo in resource_data.RESOURCES[spec.slug]]
        cls.institution = User.objects.get(username="institution")
        cls.coordinator = User.objects.get(username="coordinator")

    def seed(self, moment: datetime.datetime):
        now = timezone.make_aware(moment)
        seeder = _ResourceSeeder(spec=self.spec, cluster=self.cluster, actor=self.actor, today=now.date(), now=now)
        with pghistory.context(service="seed_demo"):
            seeder._closed_dates(self.created)
            seeder._bookings(resource_data.RESOURCES[self.spec.slug], resource_data.BUNDLES[self.spec.slug])
        return now

    def test_the_demo_logins_have_requests_on_every_seed_day(self):
        school = "General Secondary School No. 12, Chirchik"
        for moment in self.SEED_MOMENTS:
            with self.subTest(seed=moment.strftime("%a %Y-%m-%d %H:%M")), transaction.atomic():
                now = self.seed(moment)
                institution = roles_for(self.institution, self.cluster)
                for_school = selectors.bookings_to_approve(self.cluster, institution)
                self.assertGreaterEqual(for_school.count(), 2)
                self.assertEqual(set(for_school.values_list("items__resource__owner__name", flat=True)), {school})
                self.assertTrue(selectors.bookings_to_approve(self.cluster, roles_for(self.coordinator, self.cluster))
                                .filter(items__resource__owner__short_name="CSPU").exists())
                waiting = selectors.booking_list(cluster=self.cluster, roles=institution, filters={
                    "view": "mine", "status": Status.REQUESTED}).filter(period__startswith__gt=now)
                self.assertGreaterEqual(len(waiting), 2)
                for booking in waiting:
                    self.assertEqual(booking.requester.name, school)
                    self.assertNotIn(school, {item.resource.owner.name for item in booking.items.all()})
                    self.assertTrue(permissions.can_cancel(institution, booking))
                    self.assertTrue(permissions.is_cancellable(booking, now))
                transaction.set_rollback(True)
