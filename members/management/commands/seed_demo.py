"""Fill the database with the two demo clusters and the demo accounts (DEMO_MODE only).

Writes go through the members and agreements services, acting as the cluster's demo
coordinator, so the data passes the same validation and leaves the same audit trail as data
entered in the browser. Each cluster is created in one transaction: it is there completely
or not at all, and a cluster that is already there is left as it is. Its agreements follow
in a second transaction, each identified by its title: those already there are skipped, so
a demo database seeded before the agreements gets them, and a second run is a no-op. The
shared resources come third, each identified by its owner and name, with their bookings,
which are written only into a cluster that has none yet. A cluster still in the platform's
default colours gets its own, and a drawn logo where its data asks for one.
"""

from __future__ import annotations

import datetime
import io
import random
import time
from collections import defaultdict
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from agreements import demo_data as agreement_data
from agreements import services as agreement_services
from agreements.models import Agreement, AgreementParty, AgreementTransition, Obligation
from cluster_platform import rls
from cluster_platform.auth_backends import DEMO_GROUP
from cluster_platform.tenancy import roles_for
from innovations import demo_data as innovation_data
from innovations import permissions as innovation_permissions
from innovations import selectors as innovation_selectors
from innovations.models import (
    Adoption,
    ExpertProfile,
    ExpertReview,
    Innovation,
    InnovationAuthor,
    InnovationUserGrant,
    Pilot,
    PilotMeasure,
    StageTransition,
)
from innovations.services import lifecycle as innovation_lifecycle
from members import demo_data, services
from members.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    Cluster,
    ClusterRole,
    MembershipApplication,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)
from programs import demo_data as program_data
from programs import selectors as program_selectors
from programs import services as program_services
from programs.models import Attendance, EmployerNeed, Enrollment, Program, ProgramTransition, Session
from resources import availability
from resources import demo_data as resource_data
from resources import services as resource_services
from resources.models import BookedResource, Booking, ClosedDate, OpeningHours, Resource

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Create the demo clusters (tashkent-region, samarkand-region) with their members, people, "
        "school ratings, applications, agreements and the demo accounts (password 'demo'). Only "
        "with DEMO_MODE=1. Clusters and agreements that already exist are left unchanged."
    )

    @rls.platform_scope()  # platform-level work: it writes into clusters it makes
    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo only runs in demo mode: it creates accounts whose password is 'demo'. "
                "Set DEMO_MODE=1 (`make demo` does) and run it against a demo database."
            )
        self._refuse_real_accounts()
        group, _created = Group.objects.get_or_create(name=DEMO_GROUP)
        today = timezone.localdate()
        for spec in demo_data.CLUSTERS:
            if Cluster.objects.filter(slug=spec.slug).exists():
                self.stdout.write(f"{spec.slug}: already seeded, left unchanged.")
            else:
                started = time.monotonic()
                with transaction.atomic(), pghistory.context(service="seed_demo"):
                    counts = _ClusterSeeder(spec=spec, group=group, today=today).run()
                self._report(spec, counts, started)
            self._branding(spec)
            self._agreements(spec, today)
            self._resources(spec, today)
            self._programs(spec, today)
            self._innovations(spec, group, today)
        self._reports(today)

    def _coordinator(self, spec: demo_data.ClusterSpec, cluster: Cluster):
        """The cluster's demo coordinator, if the demo account still runs the cluster."""
        username = next((user.username for user in demo_data.DEMO_USERS
                         if user.cluster_slug == spec.slug and user.role == ClusterRole.Role.COORDINATOR), None)
        actor = User.objects.filter(username=username, groups__name=DEMO_GROUP).first() if username else None
        return actor if actor is not None and roles_for(actor, cluster).is_coordinator else None

    def _branding(self, spec: demo_data.ClusterSpec):
        """The cluster's colours and drawn logo, set by its coordinator through the service; only
        while the cluster still has the platform's default look (a demo database seeded before
        branding gets them, one whose coordinator changed them keeps theirs)."""
        cluster = Cluster.objects.get(slug=spec.slug)
        if (cluster.primary_colour, cluster.accent_colour, cluster.logo.name) != (
                DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR, ""):
            return
        actor = self._coordinator(spec, cluster)
        if actor is None:
            return
        logo = _demo_logo(spec.primary_colour, spec.accent_colour) if spec.logo else None
        with transaction.atomic(), pghistory.context(service="seed_demo"):
            services.cluster_branding_update(
                cluster=cluster, actor=actor, logo=logo,
                data={"primary_colour": spec.primary_colour, "accent_colour": spec.accent_colour})

    def _resources(self, spec: demo_data.ClusterSpec, today):
        demos = resource_data.RESOURCES.get(spec.slug, ())
        cluster = Cluster.objects.filter(slug=spec.slug).first()
        if not demos or cluster is None:
            return
        actor = self._coordinator(spec, cluster)
        if actor is None:
            self.stdout.write(f"{spec.slug}: resources left out: the demo coordinator does not run this cluster.")
            return
        started = time.monotonic()
        with transaction.atomic(), pghistory.context(service="seed_demo"):
            seeder = _ResourceSeeder(spec=spec, cluster=cluster, actor=actor, today=today)
            counts = seeder.run(demos, resource_data.BUNDLES.get(spec.slug, ()))
        if any(counts.values()):
            self._report(spec, counts, started)
        else:
            self.stdout.write(f"{spec.slug}: resources already seeded, left unchanged.")
        if seeder.left_out:
            self.stdout.write(
                f"{spec.slug}: {_quantity(len(seeder.left_out), 'resource', 'resources')} left out, the owner "
                f"being no longer an active member: {'; '.join(seeder.left_out)}."
            )

    def _programs(self, spec: demo_data.ClusterSpec, today):
        demos = program_data.PROGRAMS.get(spec.slug, ())
        cluster = Cluster.objects.filter(slug=spec.slug).first()
        if not demos or cluster is None:
            return
        actor = self._coordinator(spec, cluster)
        if actor is None:
            self.stdout.write(f"{spec.slug}: programmes left out: the demo coordinator does not run this cluster.")
            return
        started = time.monotonic()
        with transaction.atomic(), pghistory.context(service="seed_demo"):
            seeder = _ProgramSeeder(spec=spec, cluster=cluster, actor=actor, today=today)
            counts = seeder.run(demos, program_data.NEEDS.get(spec.slug, ()))
        if any(counts.values()):
            self._report(spec, counts, started)
        else:
            self.stdout.write(f"{spec.slug}: programmes already seeded, left unchanged.")
        if seeder.left_out:
            self.stdout.write(
                f"{spec.slug}: {_quantity(len(seeder.left_out), 'programme', 'programmes')} left out, the lead "
                f"being no longer an active member: {'; '.join(seeder.left_out)}."
            )

    def _innovations(self, spec: demo_data.ClusterSpec, group: Group, today):
        demos = innovation_data.INNOVATIONS.get(spec.slug, ())
        cluster = Cluster.objects.filter(slug=spec.slug).first()
        if not demos or cluster is None:
            return
        actor = self._coordinator(spec, cluster)
        if actor is None:
            self.stdout.write(f"{spec.slug}: innovations left out: the demo coordinator does not run this cluster.")
            return
        started = time.monotonic()
        with transaction.atomic(), pghistory.context(service="seed_demo"):
            seeder = _InnovationSeeder(spec=spec, cluster=cluster, actor=actor, group=group, today=today)
            counts = seeder.run(demos, innovation_data.EXPERTS.get(spec.slug, ()))
        if any(counts.values()):
            self._report(spec, counts, started)
        else:
            self.stdout.write(f"{spec.slug}: innovations already seeded, left unchanged.")
        if seeder.left_out:
            self.stdout.write(
                f"{spec.slug}: {_quantity(len(seeder.left_out), 'innovation', 'innovations')} left out, the origin "
                f"being no longer an active member: {'; '.join(seeder.left_out)}."
            )
        if seeder.taken:
            self.stdout.write(
                f"{spec.slug}: expert accounts left out, the usernames belonging to accounts that are not demo "
                f"accounts: {', '.join(seeder.taken)}."
            )

    def _agreements(self, spec: demo_data.ClusterSpec, today):
        demos = agreement_data.AGREEMENTS.get(spec.slug, ())
        cluster = Cluster.objects.filter(slug=spec.slug).first()
        if not demos or cluster is None:
            return
        actor = self._coordinator(spec, cluster)
        if actor is None:
            self.stdout.write(f"{spec.slug}: agreements left out: the demo coordinator does not run this cluster.")
            return
        started = time.monotonic()
        with transaction.atomic(), pghistory.context(service="seed_demo"):
            seeder = _AgreementSeeder(spec=spec, cluster=cluster, actor=actor, today=today)
            counts = seeder.run(demos)
        if any(counts.values()):
            self._report(spec, counts, started)
        elif not seeder.left_out:
            self.stdout.write(f"{spec.slug}: agreements already seeded, left unchanged.")
        if seeder.left_out:
            self.stdout.write(
                f"{spec.slug}: {_quantity(len(seeder.left_out), 'agreement', 'agreements')} left out, a party "
                f"being no longer an active member: {'; '.join(seeder.left_out)}."
            )

    def _reports(self, today):
        """The last four quarters' reports of tashkent-region, ready (after every other seeder:
        they are made from the data the others wrote)."""
        cluster = Cluster.objects.filter(slug=_ReportSeeder.CLUSTER).first()
        if cluster is None:
            return
        started = time.monotonic()
        with pghistory.context(service="seed_demo"):
            made = _ReportSeeder(cluster=cluster, today=today).run()
        if made:
            self.stdout.write(self.style.SUCCESS(
                f"{cluster.slug}: created {_quantity(made, 'quarterly report', 'quarterly reports')} "
                f"in {time.monotonic() - started:.1f} s."
            ))
        else:
            self.stdout.write(f"{cluster.slug}: quarterly reports already seeded, left unchanged.")

    def _report(self, spec: demo_data.ClusterSpec, counts: dict, started: float):
        summary = ", ".join(_quantity(number, *labels) for labels, number in counts.items())
        self.stdout.write(self.style.SUCCESS(
            f"{spec.slug}: created {summary} in {time.monotonic() - started:.1f} s."
        ))

    def _refuse_real_accounts(self):
        """Never take over an account that seed_demo did not create."""
        usernames = [user.username for user in demo_data.DEMO_USERS]
        taken = sorted(
            User.objects.filter(username__in=usernames).exclude(groups__name=DEMO_GROUP)
            .values_list("username", flat=True)
        )
        if taken:
            raise CommandError(
                f"These usernames belong to accounts that are not demo accounts: {', '.join(taken)}. "
                "seed_demo does not change them; use a fresh demo database."
            )


def _demo_logo(primary: str, accent: str) -> SimpleUploadedFile:
    """A small drawn emblem for a demo cluster: an open book under a rising sun, in its colours."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 232, 232), radius=40, fill=primary)
    draw.pieslice((80, 40, 160, 120), 180, 360, fill=accent)
    draw.polygon([(40, 100), (116, 118), (116, 196), (40, 178)], fill="white")
    draw.polygon([(200, 100), (124, 118), (124, 196), (200, 178)], fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def _quantity(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


class _ClusterSeeder:
    def __init__(self, *, spec: demo_data.ClusterSpec, group: Group, today):
        self.spec = spec
        self.group = group
        self.today = today
        # Seeded by the slug: every demo database of a given day holds the same data.
        self.rng = random.Random(spec.slug)
        self.used_names: set[str] = set()
        self.tax_ids = (f"{spec.tax_id_base + index * 37:09d}" for index in range(1, 10_000))
        self.counts: dict[str, int] = defaultdict(int)

    def run(self) -> dict[tuple[str, str], int]:
        spec = self.spec
        demo_users = [user for user in demo_data.DEMO_USERS if user.cluster_slug == spec.slug]
        accounts = {demo.username: self._account(demo) for demo in demo_users}
        coordinator = next(accounts[demo.username] for demo in demo_users if demo.role == "coordinator")
        self.actor = coordinator

        self.cluster = services.cluster_create(
            actor=None, name=spec.name, slug=spec.slug, region=spec.region, goals=spec.goals,
            languages=["uz", "ru", "en"], coordinator=coordinator,
        )
        organizations = self._organizations()
        self.cluster.centre = organizations[spec.centre]
        self.cluster.save(update_fields=["centre"])

        # The `institution` account is its school's director: no second director there.
        directed = {demo.organization for demo in demo_users if demo.role == OrganizationRole.Role.ADMIN}
        for key, organization in organizations.items():
            self._staff(organization, key, skip_director=key in directed)
        for demo in demo_users:
            self._link_account(demo, accounts[demo.username], organizations[demo.organization])

        self._ratings(organizations)
        for suspension in spec.suspensions:
            services.organization_suspend(
                cluster=self.cluster, actor=self.actor, organization_id=organizations[suspension.organization].pk,
                reason=suspension.reason, effective_on=suspension.effective_on,
            )
        self._applications()
        return {
            ("organization", "organizations"): len(organizations),
            ("school", "schools"): self.counts["schools"],
            ("person", "people"): self.counts["people"],
            ("school rating", "school ratings"): self.counts["ratings"],
            ("application", "applications"): len(spec.applications),
            ("demo account", "demo accounts"): len(accounts),
        }

    # --- accounts -------------------------------------------------------------------------

    def _account(self, demo: demo_data.DemoUser):
        first_name, last_name = demo.full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"email": demo.email, "first_name": first_name, "last_name": last_name},
        )
        if created:
            # Set directly: "demo" would fail the password validators, on purpose.
            user.set_password(demo_data.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(self.group)
        return user

    def _link_account(self, demo: demo_data.DemoUser, user, organization: Organization):
        person = services.person_create(
            cluster=self.cluster, actor=self.actor, organization_id=organization.pk,
            data={"full_name": demo.full_name, "position": demo.position, "subject": demo.subject,
                  "email": demo.email},
        )
        self.counts["people"] += 1
        # Person.user is set by accepting an invitation; the demo has no invitation to accept.
        Person.objects.for_cluster(self.cluster).filter(pk=person.pk).update(user=user)
        if demo.role in (ClusterRole.Role.AUTHORITY, ClusterRole.Role.EXPERT):
            services.cluster_role_grant(cluster=self.cluster, actor=self.actor, user=user, role=demo.role)
        elif demo.role == OrganizationRole.Role.ADMIN:
            services.organization_role_grant(
                cluster=self.cluster, actor=self.actor, organization_id=organization.pk, user=user,
                role=OrganizationRole.Role.ADMIN,
            )

    # --- organizations and people -----------------------------------------------------------

    def _organizations(self) -> dict[str, Organization]:
        spec = self.spec
        created: dict[str, Organization] = {}
        joined: dict = defaultdict(list)
        for org in spec.organizations:
            created[org.key] = self._organization(
                kind=org.kind, name=org.name, short_name=org.short_name, district=org.district,
                cluster_role=org.cluster_role, website=org.website, specialisations=org.specialisations,
                name_translations=org.name_translations or {},
            )
            joined[org.joined_on].append(created[org.key].pk)
        for district, numbers in spec.schools.items():
            for number in numbers:
                key = demo_data.school_key(district, number)
                created[key] = self._organization(
                    kind=Organization.Kind.SCHOOL, name=demo_data.school_name(district, number),
                    short_name=demo_data.school_short_name(district, number), district=district,
                    name_translations=demo_data.school_name_translations(district, number),
                    cluster_role=Organization.ClusterRoleKind.MEMBER,
                    email=f"school{number}.{slugify(district)}@example.org",
                )
                joined[spec.schools_joined_on].append(created[key].pk)
                self.counts["schools"] += 1
        # organization_create dates membership today; the demo's members joined over the years.
        for joined_on, ids in joined.items():
            Organization.objects.for_cluster(self.cluster).filter(pk__in=ids).update(joined_on=joined_on)
        return created

    def _organization(self, *, district: str, **data) -> Organization:
        latitude, longitude = demo_data.DISTRICT_COORDINATES[district]
        rng = self.rng
        data.update(
            district=district,
            tax_id=next(self.tax_ids),
            address=f"{rng.randint(1, 140)} {rng.choice(demo_data.STREETS)} street, {district}",
            latitude=Decimal(f"{latitude + rng.uniform(-0.02, 0.02):.6f}"),
            longitude=Decimal(f"{longitude + rng.uniform(-0.02, 0.02):.6f}"),
            phone=f"+998 {self.spec.phone_code} {rng.randint(200, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        )
        return services.organization_create(cluster=self.cluster, actor=self.actor, data=data)

    def _staff(self, organization: Organization, key: str, *, skip_director: bool):
        if organization.kind == Organization.Kind.SCHOOL:
            subjects = self.rng.sample(demo_data.SCHOOL_SUBJECTS, self.rng.randint(2, 4))
            staff = [("Director", ""), ("Deputy director for academic affairs", "")]
            staff += [("Teacher", subject) for subject in subjects]
        else:
            spec_org = next(org for org in self.spec.organizations if org.key == key)
            staff = list(spec_org.staff)
        for position, subject in staff:
            if skip_director and position == "Director":
                continue
            services.person_create(
                cluster=self.cluster, actor=self.actor, organization_id=organization.pk,
                data={"full_name": self._new_name(), "position": position, "subject": subject},
            )
            self.counts["people"] += 1

    def _new_name(self) -> str:
        while True:
            if self.rng.random() < 0.6:  # most teachers are women
                first, surname = self.rng.choice(demo_data.FEMALE_FIRST), self.rng.choice(demo_data.SURNAMES) + "a"
            else:
                first, surname = self.rng.choice(demo_data.MALE_FIRST), self.rng.choice(demo_data.SURNAMES)
            name = f"{first} {surname}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    # --- school ratings ----------------------------------------------------------------------

    def _ratings(self, organizations: dict[str, Organization]):
        periods = demo_data.rating_periods(self.today)
        centre = next(org for org in self.spec.organizations if org.key == self.spec.centre)
        for district, numbers in self.spec.schools.items():
            for number in numbers:
                school = organizations[demo_data.school_key(district, number)]
                for period, score in zip(periods, self._scores(district, number, len(periods)), strict=True):
                    colour = demo_data.colour_for(score)
                    note = f"Support plan agreed with {centre.short_name}" if colour == "red" else ""
                    # The service keeps Organization.current_rating on the latest period.
                    services.school_rating_record(
                        cluster=self.cluster, actor=self.actor, organization_id=school.pk, period=period,
                        colour=colour, score=Decimal(f"{score:.1f}"), note=note,
                    )
                    self.counts["ratings"] += 1

    def _scores(self, district: str, number: int, count: int) -> list[float]:
        fixed = demo_data.RATING_TRAJECTORIES.get((district, number))
        if fixed is not None:
            return list(fixed[-count:])
        # Most schools improve a little each half-year; some slip back.
        score = min(94.0, max(30.0, self.rng.gauss(61, 12)))
        scores = [score]
        for _ in range(count - 1):
            score = min(98.0, max(20.0, score + self.rng.uniform(-5.0, 7.5)))
            scores.append(score)
        return scores

    # --- applications --------------------------------------------------------------------------

    def _applications(self):
        now = timezone.now()
        for days_ago, application in enumerate(self.spec.applications, start=1):
            submitted = services.application_submit(
                cluster=self.cluster,
                data={
                    "organization_name": application.organization_name, "kind": application.kind,
                    "tax_id": next(self.tax_ids), "district": application.district,
                    "address": f"{self.rng.randint(1, 140)} {self.rng.choice(demo_data.STREETS)} street, "
                               f"{application.district}",
                    "website": application.website, "contact_name": application.contact_name,
                    "contact_email": application.contact_email, "contact_phone": application.contact_phone,
                    "motivation": application.motivation,
                },
            )
            # Spread over the last days so the coordinator's queue has an order to it.
            MembershipApplication.objects.for_cluster(self.cluster).filter(pk=submitted.pk).update(
                submitted_at=now - datetime.timedelta(days=days_ago * 2, hours=days_ago * 3)
            )


# --- agreements --------------------------------------------------------------------------------

class _AgreementSeeder:
    """The cluster's demo agreements, written through the agreements services as its coordinator.

    Each agreement is drafted, negotiated, signed by every party, activated, suspended or
    terminated by the service calls a coordinator would make in the browser; what only the
    daily task does (activation on the start date, expiry, overdue obligations) is left to
    agreements_daily, run once for the seed day. Two things no service can date in the past
    are set directly afterwards, since the demo's history spans many months but is written
    in a moment: the times of the timeline rows (and of the agreements' creation and last
    change) and the moments obligations were marked done. Numbers are given in the order
    the agreements were drafted, so they grow with the dates."""

    def __init__(self, *, spec: demo_data.ClusterSpec, cluster: Cluster, actor, today: datetime.date):
        self.cluster = cluster
        self.actor = actor
        self.today = today
        self.organizations = _organizations_by_key(spec, cluster)
        # Who signs for each organization: its director, or else the first of its people.
        self.people: dict[int, list[Person]] = defaultdict(list)
        for person in Person.objects.for_cluster(cluster).filter(is_active=True).order_by("pk"):
            self.people[person.organization_id].append(person)
        self.timeline: dict[int, list[datetime.date]] = {}  # agreement pk -> the days of its moves made here
        self.done: list[tuple[int, datetime.date]] = []  # (obligation pk, the day it was marked done)
        self.left_out: list[str] = []  # titles
        self.counts = {("agreement", "agreements"): 0, ("obligation", "obligations"): 0}

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def run(self, demos) -> dict[tuple[str, str], int]:
        existing = set(
            Agreement.objects.for_cluster(self.cluster).filter(title__in=[demo.title for demo in demos])
            .values_list("title", flat=True)
        )
        jobs = []
        for demo in demos:
            if demo.title in existing:
                continue
            if not self._parties_active(demo):
                self.left_out.append(demo.title)
                continue
            jobs.append((demo.drafted, demo, None))
            if demo.renewal is not None:
                jobs.append((demo.renewal.drafted, demo, demo.renewal))
        jobs.sort(key=lambda job: job[0])  # numbers in the order of the drafts
        created: dict[str, Agreement] = {}
        for _drafted, demo, renewal in jobs:
            if renewal is None:
                created[demo.title] = self._agreement(demo)
            else:
                self._renewal(demo, renewal, previous=created[demo.title])
        if jobs:
            agreement_services.agreements_daily(cluster=self.cluster, today=self.today)
            self._date_the_history()
        return self.counts

    def _parties_active(self, demo) -> bool:
        """The services take active members only: an agreement with a party that is missing or
        no longer active (the coordinator changed the demo) is left out."""
        return all(
            party.organization in self.organizations
            and self.organizations[party.organization].status == Organization.Status.ACTIVE
            for party in demo.parties
        )

    def _signatory(self, organization: Organization, position: str) -> Person | None:
        people = self.people.get(organization.pk, [])
        for wanted in (position or "Director", "Director"):
            for person in people:
                if person.position == wanted:
                    return person
        return people[0] if people else None

    def _agreement(self, demo) -> Agreement:
        parties = []
        for party in demo.parties:
            organization = self.organizations[party.organization]
            signatory = self._signatory(organization, party.signatory)
            parties.append({"organization_id": organization.pk, "role": party.role,
                            "signatory_id": signatory.pk if signatory else None})
        agreement = agreement_services.agreement_create(
            cluster=self.cluster, actor=self.actor, title=demo.title, kind=demo.kind,
            description=demo.description, start_date=self.day(demo.start), end_date=self.day(demo.end),
            parties=parties,
        )
        self._advance(agreement, demo)
        return agreement

    def _renewal(self, demo, renewal, *, previous: Agreement) -> Agreement:
        agreement = agreement_services.agreement_renew(
            cluster=self.cluster, actor=self.actor, agreement_id=previous.pk,
            start_date=self.day(renewal.start), end_date=self.day(renewal.end),
        )
        self._advance(agreement, renewal)
        return agreement

    def _advance(self, agreement: Agreement, plan):
        """From the draft to where the plan says it stands, as far as a coordinator takes it."""
        self.counts[("agreement", "agreements")] += 1
        self.timeline[agreement.pk] = [self.day(plan.drafted)]
        parties = list(
            AgreementParty.objects.for_cluster(self.cluster).filter(agreement=agreement)
            .select_related("organization").order_by("pk")
        )
        for duty in plan.obligations:
            self._obligation(agreement, parties, duty)
        status = plan.status
        reached = plan.terminated_from if status == agreement_data.TERMINATED else status
        negotiated = agreement_data.negotiation_day(plan.drafted, plan.signed)
        if reached != agreement_data.DRAFT:
            self._move(agreement, Agreement.Status.NEGOTIATION, negotiated)
        if reached not in (agreement_data.DRAFT, agreement_data.NEGOTIATION):
            self._sign(agreement, parties, negotiated, plan.signed)
            self._move(agreement, Agreement.Status.SIGNED, plan.signed)
        # Active and expired are the daily task's moves (on the start date, the day after the
        # end); an agreement suspended or terminated later was activated by the coordinator.
        if status == agreement_data.SUSPENDED or (
            status == agreement_data.TERMINATED and reached == agreement_data.ACTIVE
        ):
            self._move(agreement, Agreement.Status.ACTIVE, plan.start)
        if status == agreement_data.SUSPENDED:
            self._move(agreement, Agreement.Status.SUSPENDED, plan.changed, comment=plan.comment)
        elif status == agreement_data.TERMINATED:
            self._move(agreement, Agreement.Status.TERMINATED, plan.changed, reason=plan.comment)

    def _move(self, agreement: Agreement, to_status: str, day: int, **text):
        agreement_services.agreement_transition(
            cluster=self.cluster, actor=self.actor, agreement_id=agreement.pk, to_status=to_status, **text)
        self.timeline[agreement.pk].append(self.day(day))

    def _sign(self, agreement: Agreement, parties: list[AgreementParty], negotiated: int, signed: int):
        for party, day in zip(parties, agreement_data.signature_days(negotiated, signed, len(parties)), strict=True):
            agreement_services.agreement_sign(
                cluster=self.cluster, actor=self.actor, agreement_id=agreement.pk, party_id=party.pk,
                signed_on=self.day(day),
                signed_by_name="" if party.signatory_id else f"Director, {party.organization.short_name}",
            )

    def _obligation(self, agreement: Agreement, parties: list[AgreementParty], duty):
        organization_id = self.organizations[duty.party].pk
        party = next(party for party in parties if party.organization_id == organization_id)
        obligation = agreement_services.obligation_add(
            cluster=self.cluster, actor=self.actor, agreement_id=agreement.pk, party_id=party.pk,
            description=duty.description, due_date=self.day(duty.due),
        )
        self.counts[("obligation", "obligations")] += 1
        if duty.done is not None:
            agreement_services.obligation_complete(cluster=self.cluster, actor=self.actor, obligation_id=obligation.pk)
            self.done.append((obligation.pk, self.day(duty.done)))

    # --- dates ----------------------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _date_the_history(self):
        """Each timeline row at the day of its move: the coordinator's in office hours, in
        order; the daily task's at 00:05 (activation on the start date, expiry the day after
        the end). The agreement was created with its first row and last changed with its last."""
        agreements = Agreement.objects.for_cluster(self.cluster).in_bulk(list(self.timeline))
        rows = list(
            AgreementTransition.objects.for_cluster(self.cluster).filter(agreement_id__in=list(self.timeline))
            .order_by("agreement_id", "pk")
        )
        index: dict[int, int] = defaultdict(int)
        for row in rows:
            agreement = agreements[row.agreement_id]
            position = index[row.agreement_id]
            index[row.agreement_id] += 1
            planned = self.timeline[row.agreement_id]
            if position < len(planned):
                row.created_at = self._at(planned[position], 10) + datetime.timedelta(minutes=15 * position)
            elif row.to_status == Agreement.Status.ACTIVE:
                row.created_at = self._at(agreement.start_date, 0, 5)
            elif row.to_status == Agreement.Status.EXPIRED:
                row.created_at = self._at(agreement.end_date + datetime.timedelta(days=1), 0, 5)
            else:
                raise RuntimeError(f"{agreement}: the daily task made an unexpected move to {row.to_status}.")
            if position == 0:
                agreement.created_at = row.created_at
            agreement.updated_at = row.created_at
        AgreementTransition.objects.for_cluster(self.cluster).bulk_update(rows, ["created_at"])
        Agreement.objects.for_cluster(self.cluster).bulk_update(agreements.values(), ["created_at", "updated_at"])
        obligations = Obligation.objects.for_cluster(self.cluster).in_bulk([pk for pk, _day in self.done])
        for pk, day in self.done:
            obligations[pk].completed_at = self._at(day, 15)
        Obligation.objects.for_cluster(self.cluster).bulk_update(obligations.values(), ["completed_at"])


# --- shared resources and bookings ------------------------------------------------------------

def _organizations_by_key(spec: demo_data.ClusterSpec, cluster: Cluster) -> dict[str, Organization]:
    names = {org.key: org.name for org in spec.organizations}
    names.update({
        demo_data.school_key(district, number): demo_data.school_name(district, number)
        for district, numbers in spec.schools.items() for number in numbers
    })
    by_name = {org.name: org for org in Organization.objects.for_cluster(cluster).filter(name__in=names.values())}
    return {key: by_name[name] for key, name in names.items() if name in by_name}


class _ResourceSeeder:
    """The cluster's demo resources and their bookings.

    The catalogue goes through the resources services as the coordinator (resource_create,
    opening_hours_set, manager_grant), so it passes their validation and leaves their audit
    trail. Two things are written directly, in bulk, inside the seed's pghistory context (the
    database triggers record them as they record the services' writes):
    - the closed dates: closed_date_add refuses dates in the past, and the demo's holidays
      span the past months too;
    - the bookings: booking_request refuses the past, and several hundred bookings through
      the services (a request, then a decision, each re-checking every rule) would make the
      seed many times slower. Each booking is drawn from its resources' grid of free slots
      (within the opening hours, off the closed dates, one booking per slot, so none overlap;
      the exclusion constraint would refuse the seed otherwise), for an organization the
      access rules let book it, with participants within the capacity. test_demo re-checks
      every booking with the services' own rule function.
    Bookings are written only into a cluster that has none: a second run adds nothing."""

    def __init__(self, *, spec: demo_data.ClusterSpec, cluster: Cluster, actor, today: datetime.date,
                 now: datetime.datetime | None = None):
        self.spec = spec
        self.cluster = cluster
        self.actor = actor
        self.today = today
        self.now = now or timezone.now()  # a moment of `today` (the tests pass other days)
        self.rng = random.Random(f"{spec.slug}:resources")
        self.organizations = _organizations_by_key(spec, cluster)
        self.by_id = {organization.pk: organization for organization in self.organizations.values()}
        self.left_out: list[str] = []
        self.counts = {("resource", "resources"): 0, ("closed date", "closed dates"): 0,
                       ("booking", "bookings"): 0}

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def _at(self, day: datetime.date, value: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, value))

    def run(self, demos, bundles) -> dict[tuple[str, str], int]:
        existing = set(Resource.objects.for_cluster(self.cluster).values_list("owner_id", "name"))
        created = []
        for demo in demos:
            owner = self.organizations.get(demo.owner)
            if owner is None or owner.status != Organization.Status.ACTIVE:
                self.left_out.append(demo.name)
                continue
            if (owner.pk, demo.name) in existing:
                continue
            created.append((demo, self._resource(demo, owner)))
        self._closed_dates(created)
        if not Booking.objects.for_cluster(self.cluster).exists():
            self._bookings(demos, bundles)
        return self.counts

    # --- the catalogue -------------------------------------------------------------------------

    def _resource(self, demo, owner: Organization) -> Resource:
        resource = resource_services.resource_create(
            cluster=self.cluster, actor=self.actor, owner_id=owner.pk, name=demo.name, kind=demo.kind,
            capacity=demo.capacity, description=demo.description, location=demo.location, terms=demo.terms,
            price=demo.price, price_unit=demo.price_unit, access=demo.access, always_open=demo.always_open,
        )
        if not demo.always_open:
            resource_services.opening_hours_set(
                cluster=self.cluster, actor=self.actor, resource_id=resource.pk,
                hours=[{"weekday": weekday, "opens": opens, "closes": closes}
                       for weekdays, opens, closes in demo.hours for weekday in weekdays],
            )
        for username in demo.managers:
            user = User.objects.filter(username=username, groups__name=DEMO_GROUP).first()
            if user is not None and roles_for(user, self.cluster).organization_roles.get(owner.pk):
                resource_services.manager_grant(
                    cluster=self.cluster, actor=self.actor, resource_id=resource.pk, user_id=user.pk)
        self.counts[("resource", "resources")] += 1
        return resource

    def _closed_dates(self, created):
        """The public holidays within the booking window (counted from the seed day's year) for
        every new resource with weekly hours, and each one's own closures."""
        first, last = (self.day(offset) for offset in resource_data.BOOKING_WINDOW)
        holidays = []
        for year in range(first.year, last.year + 1):
            for month, day, name in resource_data.HOLIDAYS:
                date = datetime.date(year, month, day)
                if first <= date <= last:
                    holidays.append((date, name))
        rows = []
        for demo, resource in created:
            if demo.always_open:
                continue
            closed = dict(holidays)
            for closure in demo.closures:
                for offset in range(closure.first, closure.last + 1):
                    closed.setdefault(self.day(offset), closure.reason)
            rows.extend(ClosedDate(cluster=self.cluster, resource=resource, date=date, reason=reason)
                        for date, reason in sorted(closed.items()))
        with pghistory.context(user=self.actor.pk):
            ClosedDate.objects.bulk_create(rows)
        self.counts[("closed date", "closed dates")] += len(rows)

    # --- bookings --------------------------------------------------------------------------------

    def _bookings(self, demos, bundles):
        cluster = self.cluster
        self.resources = {
            (resource.owner_id, resource.name): resource
            for resource in Resource.objects.for_cluster(cluster).filter(is_active=True).select_related("owner")
        }
        self.demo_of = {}
        for demo in demos:
            owner = self.organizations.get(demo.owner)
            resource = self.resources.get((owner.pk, demo.name)) if owner else None
            if resource is not None:
                self.demo_of[resource.pk] = demo
        self.hours = defaultdict(list)
        for resource_id, weekday, opens, closes in OpeningHours.objects.for_cluster(cluster).values_list(
                "resource_id", "weekday", "opens", "closes"):
            self.hours[resource_id].append((weekday, opens, closes))
        self.closed = defaultdict(set)
        for resource_id, date in ClosedDate.objects.for_cluster(cluster).values_list("resource_id", "date"):
            self.closed[resource_id].add(date)
        self._load_agreements()
        self._load_accounts()
        self.used: dict[int, set] = defaultdict(set)  # resource pk -> the slots taken
        self.turn: dict[tuple[int, bool], int] = {}  # (first resource pk, past) -> place in the cycle of statuses
        self.plans = []
        self.grids: dict[int, list] = {}

        for bundle in bundles:
            owner = self.organizations.get(bundle.owner)
            members = [self.resources.get((owner.pk, name)) if owner else None for name in bundle.names]
            if all(members) and all(resource.pk in self.demo_of for resource in members):
                self._draw(members, bundle.bookings)
        by_pk = {resource.pk: resource for resource in self.resources.values()}
        for resource_id, demo in self.demo_of.items():
            self._draw([by_pk[resource_id]], demo.bookings)
        self._write()

    def _load_agreements(self):
        """Active agreements: (agreement, kind, start, end, the parties' organization ids)."""
        parties = defaultdict(set)
        for agreement_id, organization_id in AgreementParty.objects.for_cluster(self.cluster).values_list(
                "agreement_id", "organization_id"):
            parties[agreement_id].add(organization_id)
        self.agreements = [
            (agreement, parties[agreement.pk])
            for agreement in Agreement.objects.for_cluster(self.cluster).filter(
                status=Agreement.Status.ACTIVE).order_by("pk")
        ]

    def _load_accounts(self):
        """Who acts for an organization: its demo administrator, else the coordinator."""
        self.admins = {
            organization_id: user
            for organization_id, user in (
                (role.organization_id, role.user) for role in OrganizationRole.objects.for_cluster(self.cluster)
                .filter(role=OrganizationRole.Role.ADMIN, user__groups__name=DEMO_GROUP).select_related("user")
            )
        }

    def _acting_for(self, organization_id: int):
        return self.admins.get(organization_id, self.actor)

    # Slots -------------------------------------------------------------------------------------

    def _grid(self, resource: Resource) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The resource's candidate slots over the window, none containing the seed moment."""
        if resource.pk not in self.grids:
            self.grids[resource.pk] = self._slots(resource)
        return self.grids[resource.pk]

    def _slots(self, resource: Resource) -> list[tuple[datetime.datetime, datetime.datetime]]:
        demo = self.demo_of[resource.pk]
        first, last = (self.day(offset) for offset in resource_data.BOOKING_WINDOW)
        days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        slots = []
        if resource.kind == Resource.Kind.DIGITAL and resource.always_open:
            for day in days:  # a week at a time, Monday to Monday
                if day.weekday() == 0 and day + datetime.timedelta(days=7) <= last:
                    slots.append((self._at(day, datetime.time.min),
                                  self._at(day + datetime.timedelta(days=7), datetime.time.min)))
        elif resource.always_open:
            index = 0
            while index < len(days) - 1:  # stays one after another, from 14:00 to 12:00
                nights = self.rng.randint(*demo.stay_days)
                if index + nights >= len(days):
                    break
                slots.append((self._at(days[index], datetime.time(14)),
                              self._at(days[index + nights], datetime.time(12))))
                index += nights
        else:
            length = datetime.timedelta(hours=demo.slot_hours)
            for day in days:
                for weekday, opens, closes in sorted(self.hours[resource.pk]):
                    if weekday != day.weekday():
                        continue
                    start, closing = self._at(day, opens), self._at(day, closes)
                    while start + length <= closing:
                        slots.append((start, start + length))
                        start += length
        return [
            (start, end) for start, end in slots
            if (end <= self.now or start > self.now)
            and not any(date in self.closed[resource.pk] for date in availability.local_dates(start, end))
        ]

    def _draw(self, resources: list[Resource], count: int):
        """`count` bookings of these resources together, on slots free in each, split between
        the past and the future; each for an organization that may book them all that day (the
        first in the future, the request left waiting, for the demo's `first_request_by`)."""
        common = set(self._grid(resources[0]))
        for resource in resources[1:]:
            common &= set(self._grid(resource))
        free = sorted(slot for slot in common if not any(slot in self.used[r.pk] for r in resources))
        past = [slot for slot in free if slot[1] <= self.now]
        future = [slot for slot in free if slot[0] > self.now]
        in_past = round(count * resource_data.PAST_SHARE)
        for slots, wanted in ((past, in_past), (future, count - in_past)):
            self.rng.shuffle(slots)
            made = 0
            for start, end in slots:
                if made == wanted:
                    break
                borrowers = self._borrowers(resources, start.date())
                if not borrowers:
                    continue
                requester, agreement = self.rng.choice(borrowers)
                if slots is future and (resources[0].pk, False) not in self.turn:  # the request left waiting
                    asker = self.organizations.get(self.demo_of[resources[0].pk].first_request_by)
                    requester, agreement = next(
                        (pair for pair in borrowers if pair[0] == asker), (requester, agreement))
                for resource in resources:
                    self.used[resource.pk].add((start, end))
                self.plans.append(self._plan(resources, requester, agreement, start, end))
                made += 1

    def _borrowers(self, resources: list[Resource], day: datetime.date) -> list[tuple[Organization, object]]:
        """(organization, agreement or None) pairs that may book all these resources on that day:
        for a resource open to agreement members, the other parties of an active
        resource-sharing agreement with its owner in force that day; for the others, the
        organizations its demo names. The agreement is one the booking serves, when they have
        one in force that day."""
        owner_id = resources[0].owner_id
        in_force = sorted(
            ((agreement, parties) for agreement, parties in self.agreements
             if owner_id in parties and agreement.start_date <= day <= agreement.end_date),
            key=lambda pair: pair[0].kind != Agreement.Kind.RESOURCE_SHARING)  # those first
        allowed = None
        for resource in resources:
            if resource.access == Resource.Access.AGREEMENT:
                ids = {pk for agreement, parties in in_force
                       if agreement.kind == Agreement.Kind.RESOURCE_SHARING for pk in parties}
            else:
                ids = {org.pk for org in self._named(self.demo_of[resource.pk].borrowers)}
            allowed = ids if allowed is None else allowed & ids
        result = []
        for pk in sorted(allowed - {owner_id}):
            organization = self.by_id.get(pk)
            if organization is None or organization.status != Organization.Status.ACTIVE:
                continue
            serving = next((agreement for agreement, parties in in_force if pk in parties), None)
            result.append((organization, serving))
        return result

    def _named(self, names) -> list[Organization]:
        organizations = []
        for name in names:
            if name.startswith("@schools"):
                district = name.partition(":")[2]
                organizations += [org for key, org in self.organizations.items()
                                  if key.startswith("school:") and (not district or org.district == district)]
            elif name == "@colleges":
                organizations += [org for org in self.organizations.values() if org.kind == Organization.Kind.COLLEGE]
            elif name in self.organizations:
                organizations.append(self.organizations[name])
        return organizations

    # Writing -----------------------------------------------------------------------------------

    def _plan(self, resources, requester: Organization, agreement, start, end) -> dict:
        rng = self.rng
        past = end <= self.now
        key = (resources[0].pk, past)
        statuses = resource_data.PAST_STATUSES if past else resource_data.FUTURE_STATUSES
        if key not in self.turn:  # the past from anywhere in the cycle; the future from its start
            self.turn[key] = self.rng.randrange(len(statuses)) if past else 0
        status = statuses[self.turn[key] % len(statuses)]
        self.turn[key] += 1
        demo = self.demo_of[resources[0].pk]
        capacity = min(min(resource.capacity for resource in resources), 40)
        requested_by = self._acting_for(requester.pk)
        decider = self._acting_for(resources[0].owner_id)
        # Requested days before the start (and before the seed moment); decided a little later.
        created = self._at(start.date() - datetime.timedelta(days=rng.randint(3, 21)),
                           datetime.time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))))
        if created >= self.now:
            created = self.now - datetime.timedelta(hours=rng.randint(2, 96))
        latest = min(self.now, start) - datetime.timedelta(minutes=1)
        later = min(created + datetime.timedelta(hours=rng.randint(2, 48)), created + (latest - created) / 2)
        booking = Booking(
            cluster=self.cluster, requester=requester, requested_by=requested_by,
            purpose=rng.choice(resource_data.PURPOSES[demo.kind]),
            participants=rng.randint(max(1, capacity // 3), capacity), agreement=agreement,
            period=DateTimeTZRange(start, end, "[)"), status=status,
        )
        booking.created_at = booking.updated_at = created
        if status in (Booking.Status.APPROVED, Booking.Status.COMPLETED, Booking.Status.DECLINED):
            booking.decided_by, booking.decided_at = decider, later
            booking.updated_at = later
        if status == Booking.Status.DECLINED:
            booking.decision_reason = rng.choice(resource_data.DECLINE_REASONS)
        if status == Booking.Status.COMPLETED:
            booking.updated_at = end
        if status == Booking.Status.CANCELLED:
            if rng.random() < 0.5:  # approved first, then cancelled
                booking.decided_by, booking.decided_at = decider, later
            booking.cancelled_by = requested_by
            booking.cancelled_at = booking.updated_at = later + (latest - later) / 2
        return {"booking": booking, "resources": resources}

    def _write(self):
        bookings = [plan["booking"] for plan in self.plans]
        with pghistory.context(user=self.actor.pk):
            # bulk_create sets created_at (auto_now_add) to now: the dates are put back after.
            moments = [(booking.created_at, booking.updated_at) for booking in bookings]
            Booking.objects.bulk_create(bookings)
            for booking, (created, updated) in zip(bookings, moments, strict=True):
                booking.created_at, booking.updated_at = created, updated
            Booking.objects.for_cluster(self.cluster).bulk_update(bookings, ["created_at", "updated_at"])
            BookedResource.objects.bulk_create([
                BookedResource(cluster=self.cluster, booking=plan["booking"], resource=resource,
                               period=plan["booking"].period, status=plan["booking"].status)
                for plan in self.plans for resource in plan["resources"]
            ])
        self.counts[("booking", "bookings")] += len(bookings)



# --- programmes ----------------------------------------------------------------------------------

class _ProgramSeeder:
    """The cluster's demo programmes, their sessions, enrolments, attendance, scores and
    certificates, and the employer needs they answer.

    The programmes, their moves (open, running, completed, cancelled), the waiting lists,
    priority places, withdrawals, the bookings of sessions, completion with its certificate
    codes and the employer needs go through the programs services as the coordinator (the
    "institution" login enrols its own school's teachers). Some rows are written directly,
    each for a reason given where it is done, and each as the service would write it:
    - a finished programme is set open without program_transition, which refuses to open a
      programme whose end date has passed (the demo's finished programmes were opened before
      they ran); from there on it moves through the services;
    - applications of the institution school's teachers: services.apply acts for the teacher's
      own account, and the demo teachers have none;
    - for speed (the services lock and save one row at a time): the sessions without a
      booking, the enrolments of a programme that everyone gets into without touching its
      reserve, and the attendance, hours and scores, a few statements per programme;
    - the timestamps (transitions, enrolments, certificates) are dated back to when they would
      have happened; the services stamp them with the seed's moment.
    A programme is identified by its title in the cluster, a need by its organization and title:
    those already there are skipped, so a second run creates nothing."""

    def __init__(self, *, spec: demo_data.ClusterSpec, cluster: Cluster, actor, today: datetime.date):
        self.spec = spec
        self.cluster = cluster
        self.actor = actor
        self.today = today
        self.rng = random.Random(f"{spec.slug}:programs")
        self.organizations = _organizations_by_key(spec, cluster)
        self.left_out: list[str] = []
        self.counts = {("programme", "programmes"): 0, ("session", "sessions"): 0,
                       ("enrolment", "enrolments"): 0, ("certificate", "certificates"): 0,
                       ("employer need", "employer needs"): 0}
        self.refused_bookings = 0

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def _at(self, day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def run(self, demos, needs) -> dict[tuple[str, str], int]:
        existing = set(Program.objects.for_cluster(self.cluster).values_list("title", flat=True))
        self._load_people()
        for demo in demos:
            if demo.title in existing:
                continue
            lead = self.organizations.get(demo.lead)
            if lead is None or lead.status != Organization.Status.ACTIVE:
                self.left_out.append(demo.title)
                continue
            self._program(demo, lead)
        self._needs(needs)
        return self.counts

    # --- people ------------------------------------------------------------------------------------

    def _load_people(self):
        active = {org.pk for org in self.organizations.values() if org.status == Organization.Status.ACTIVE}
        by_org = defaultdict(list)
        for person in (Person.objects.for_cluster(self.cluster)
                       .filter(organization_id__in=active, is_active=True, user__isnull=True).order_by("pk")):
            by_org[person.organization_id].append(person)
        self.by_org = by_org
        # Rated red or yellow in the latest period, as programs.selectors.is_priority_organization.
        period = program_selectors.latest_rating_period(cluster=self.cluster)
        self.priority_organizations = set(SchoolRating.objects.for_cluster(self.cluster).filter(
            period=period, colour__in=[SchoolRating.Colour.RED, SchoolRating.Colour.YELLOW],
        ).values_list("organization_id", flat=True)) if period else set()
        self.institution_school = self.organizations.get(program_data.INSTITUTION_SCHOOL)
        self.institution = User.objects.filter(
            username="institution", groups__name=DEMO_GROUP,
            organization_roles__organization=self.institution_school,
            organization_roles__role=OrganizationRole.Role.ADMIN,
        ).first() if self.institution_school is not None else None

    def _pool(self, name: str) -> list[Person]:
        if name.startswith("@"):
            kind, _sep, district = name[1:].partition(":")
            kind = {"schools": Organization.Kind.SCHOOL, "colleges": Organization.Kind.COLLEGE}[kind]
            organizations = [org for key, org in self.organizations.items()
                             if org.kind == kind and (not district or org.district == district)]
        else:
            organizations = [self.organizations[name]] if name in self.organizations else []
        excluded = self.institution_school.pk if self.institution_school is not None else None
        return [person for org in organizations if org.pk != excluded for person in self.by_org.get(org.pk, [])]

    def _participants(self, demo) -> list[Person]:
        chosen, seen = [], set()
        for name in demo.pools:
            people = self._pool(name)
            self.rng.shuffle(people)
            for person in people:
                if len(chosen) >= demo.participants:
                    return chosen
                if person.pk not in seen:
                    seen.add(person.pk)
                    chosen.append(person)
        return chosen

    def _institution_teachers(self) -> list[Person]:
        if self.institution_school is None or self.institution is None:
            return []
        return list(self.by_org.get(self.institution_school.pk, []))

    # --- one programme -----------------------------------------------------------------------------

    def _program(self, demo, lead: Organization):
        cluster, actor = self.cluster, self.actor
        partners = [self.organizations[key].pk for key in demo.partners
                    if key in self.organizations and self.organizations[key].status == Organization.Status.ACTIVE]
        program = program_services.program_create(
            cluster=cluster, actor=actor, title=demo.title, kind=demo.kind, lead_organization_id=lead.pk,
            hours=demo.hours, start_date=self.day(demo.start), end_date=self.day(demo.end), capacity=demo.capacity,
            description=demo.description, partner_ids=partners, audience=demo.audience,
            competences=list(demo.competences), priority_share=demo.priority_share,
            min_attendance_percent=demo.min_attendance_percent,
            requires_post_assessment=demo.pass_score is not None, pass_score=demo.pass_score,
        )
        self.counts[("programme", "programmes")] += 1
        sessions = self._sessions(demo, program)
        if demo.status == Program.Status.CANCELLED:
            program_services.program_transition(cluster=cluster, actor=actor, program_id=program.pk,
                                                to_status=Program.Status.CANCELLED, reason=demo.reason)
        elif demo.status != Program.Status.PLANNED:
            self._open(program)
            self._enrol(demo, program)
            if demo.status in (Program.Status.RUNNING, Program.Status.COMPLETED):
                program_services.program_transition(cluster=cluster, actor=actor, program_id=program.pk,
                                                    to_status=Program.Status.RUNNING)
                self._records(demo, program, sessions)
            for _n in range(demo.withdrawals):
                self._withdraw_one(program)
            if demo.status == Program.Status.COMPLETED:
                program_services.program_transition(cluster=cluster, actor=actor, program_id=program.pk,
                                                    to_status=Program.Status.COMPLETED)
                self.counts[("certificate", "certificates")] += Enrollment.objects.for_cluster(cluster).filter(
                    program=program, certificate_code__isnull=False).count()
        self._date_the_history(demo, program)

    def _session_days(self, demo) -> list[tuple[datetime.date, datetime.time, datetime.time]]:
        start, end = self.day(demo.start), self.day(demo.end)
        opens, closes = (datetime.time.fromisoformat(value) for value in demo.times)
        if start == end:  # a one-day programme: its sessions follow one another
            length = datetime.datetime.combine(start, closes) - datetime.datetime.combine(start, opens)
            slots = []
            moment = datetime.datetime.combine(start, opens)
            for _n in range(demo.sessions):
                slots.append((start, moment.time(), (moment + length).time()))
                moment += length + datetime.timedelta(hours=1)
            return slots
        span = (end - start).days
        days: list[datetime.date] = []
        for index in range(demo.sessions):
            day = start + datetime.timedelta(days=round(index * span / max(1, demo.sessions - 1)))
            # Weekends move to the Friday before (or the Monday after, at the programme's
            # start) when that day is within the programme and free; otherwise they stay.
            if day.weekday() >= 5:
                back = day - datetime.timedelta(days=day.weekday() - 4)
                moved = back if back >= start else day + datetime.timedelta(days=7 - day.weekday())
                day = moved if moved <= end and moved not in days else day
            if day not in days:
                days.append(day)
        return [(day, opens, closes) for day in sorted(days)]

    def _sessions(self, demo, program: Program) -> list[Session]:
        """The sessions, within the programme's dates and each ending after it starts (what
        session_add checks; the table's constraint holds the times too), written in one
        statement. A session that books a shared resource goes through session_add, which
        requests the booking under the booking rules; a refused slot leaves the session
        without a booking."""
        booked = None
        if demo.book is not None:
            owner = self.organizations.get(demo.book[0])
            booked = Resource.objects.for_cluster(self.cluster).filter(
                owner=owner, name=demo.book[1], is_active=True).first() if owner else None
        sessions, plain = [], []
        for number, (day, opens, closes) in enumerate(self._session_days(demo), start=1):
            session = None
            if booked is not None and day > self.today:
                try:
                    session = program_services.session_add(
                        cluster=self.cluster, actor=self.actor, program_id=program.pk, date=day, start_time=opens,
                        end_time=closes, topic=f"Session {number}", resource_ids=[booked.pk])
                except ValidationError:
                    self.refused_bookings += 1
            if session is None:
                session = Session(cluster=self.cluster, program=program, date=day, start_time=opens, end_time=closes,
                                  venue=demo.venue, topic=f"Session {number}")
                plain.append(session)
            sessions.append(session)
        with pghistory.context(user=self.actor.pk):
            Session.objects.bulk_create(plain)
        self.counts[("session", "sessions")] += len(sessions)
        return sessions

    def _open(self, program: Program):
        if program.end_date >= self.today:
            program_services.program_transition(cluster=self.cluster, actor=self.actor, program_id=program.pk,
                                                to_status=Program.Status.OPEN)
            return
        # program_transition refuses to open a programme whose end date has passed: a finished
        # demo programme was opened before it ran, so the move is written as it would have been.
        Program.objects.for_cluster(self.cluster).filter(pk=program.pk).update(status=Program.Status.OPEN)
        ProgramTransition.objects.create(cluster=self.cluster, program=program, actor=self.actor,
                                         from_status=Program.Status.PLANNED, to_status=Program.Status.OPEN)

    def _enrol(self, demo, program: Program):
        cluster = self.cluster
        teachers = self._institution_teachers()
        enrolments = [(self.institution, person) for person in teachers[:demo.institution_teachers]]
        enrolments += [(self.actor, person) for person in self._participants(demo)]
        if len(enrolments) <= program.capacity - program.reserved_places:
            # Everyone fits outside the reserved places: enroll would confirm each of them (a
            # place is free for all, nobody waits; priority as enroll computes it). The rows are
            # written in one statement instead of one locked call per person, which would make
            # the seed several times slower. A programme with a waiting list or whose reserve
            # matters is enrolled through the service, one person at a time.
            now = timezone.now()
            with pghistory.context(user=self.actor.pk):
                Enrollment.objects.bulk_create([
                    Enrollment(cluster=cluster, program=program, person=person, organization_id=person.organization_id,
                               status=Enrollment.Status.CONFIRMED, confirmed_at=now, enrolled_by=actor,
                               priority=person.organization_id in self.priority_organizations)
                    for actor, person in enrolments
                ])
        else:
            for actor, person in enrolments:
                program_services.enroll(cluster=cluster, actor=actor, program_id=program.pk, person_id=person.pk)
        self.counts[("enrolment", "enrolments")] += len(enrolments)
        applicants = teachers[demo.institution_teachers:demo.institution_teachers + demo.applications]
        for person in applicants:
            # services.apply acts for the teacher's own account; the demo teachers have none. The
            # application is the row apply would write, awaiting the "institution" admin.
            Enrollment.objects.create(
                cluster=cluster, program=program, person=person, organization_id=person.organization_id,
                status=Enrollment.Status.APPLIED, applied_at=timezone.now(),
                priority=program_selectors.is_priority_organization(cluster=cluster,
                                                                    organization_id=person.organization_id),
            )
            self.counts[("enrolment", "enrolments")] += 1

    def _withdraw_one(self, program: Program):
        enrollment = Enrollment.objects.for_cluster(self.cluster).filter(
            program=program, status=Enrollment.Status.CONFIRMED).exclude(
            organization=self.institution_school).order_by("pk").first()
        if enrollment is not None:
            program_services.withdraw(cluster=self.cluster, actor=self.actor, enrollment_id=enrollment.pk,
                                      reason="Moved to another school")

    def _records(self, demo, program: Program, sessions: list[Session]):
        """Attendance of the sessions held so far, the hours it gives and the scores.

        They are written in a few statements per programme rather than through
        attendance_record and assessment_record, which lock and save one session or one
        participant at a time and would make the seed several times slower. The rows are what
        those services accept: marks only for enrolments holding a place and only for sessions
        already held, hours_attended the sum of the sessions attended (the services' rule),
        scores from 0 to 100 with two decimals (the table's check constraints hold them too).
        Everything is in before a finished programme completes through program_transition, so
        the completion rule and the certificates are the services' own (completion recomputes
        the hours from these marks)."""
        cluster, rng = self.cluster, self.rng
        participants = list(Enrollment.objects.for_cluster(cluster).filter(
            program=program, status__in=Enrollment.PLACE_STATUSES).order_by("pk"))
        # Most come to nearly every session; a few miss many.
        diligence = {e.pk: (0.45 if rng.random() < 0.15 else 0.95) for e in participants}
        held = [session for session in sessions if session.date <= self.today]
        marks, hours = [], defaultdict(Decimal)
        for session in held:
            length = (datetime.datetime.combine(session.date, session.end_time)
                      - datetime.datetime.combine(session.date, session.start_time))
            for enrollment in participants:
                present = rng.random() < diligence[enrollment.pk]
                marks.append(Attendance(cluster=cluster, enrollment=enrollment, session=session, present=present,
                                        recorded_by=self.actor))
                if present:
                    hours[enrollment.pk] += Decimal(length.total_seconds()) / 3600
        finished = demo.status == Program.Status.COMPLETED
        for enrollment in participants:
            enrollment.hours_attended = hours[enrollment.pk].quantize(Decimal("0.01"))
            pre = min(95.0, max(15.0, rng.gauss(56, 10)))
            enrollment.pre_score = Decimal(f"{pre:.1f}")
            if finished:
                enrollment.post_score = Decimal(f"{min(100.0, max(10.0, pre + rng.gauss(17, 7))):.1f}")
        with pghistory.context(user=self.actor.pk):
            Attendance.objects.bulk_create(marks)
            Enrollment.objects.for_cluster(cluster).bulk_update(
                participants, ["hours_attended", "pre_score", "post_score"])
            # Recorded on the evening of each session (auto_now stamped the seed's moment).
            for session in held:
                Attendance.objects.for_cluster(cluster).filter(session=session).update(
                    recorded_at=min(timezone.now(), self._at(session.date, 18)))

    def _date_the_history(self, demo, program: Program):
        """The services stamp every row with the seed's moment; the demo's history is dated back
        to when each step would have happened (never later than now)."""
        now = timezone.now()
        start, end = self.day(demo.start), self.day(demo.end)
        created = min(now, self._at(start - datetime.timedelta(days=45), 10))
        opened = min(now, self._at(start - datetime.timedelta(days=30), 10))
        moments = {Program.Status.PLANNED: created, Program.Status.OPEN: opened,
                   Program.Status.RUNNING: min(now, self._at(start, 8)),
                   Program.Status.COMPLETED: min(now, self._at(end + datetime.timedelta(days=1), 9)),
                   Program.Status.CANCELLED: min(now, self._at(self.today - datetime.timedelta(days=2), 11))}
        ProgramTransition.objects.for_cluster(self.cluster).filter(program=program).update(created_at=Case(
            *[When(to_status=to_status, then=Value(moment)) for to_status, moment in moments.items()]))
        Program.objects.for_cluster(self.cluster).filter(pk=program.pk).update(created_at=created)
        enrolled = min(now, opened + datetime.timedelta(days=3))
        completed = moments[Program.Status.COMPLETED]

        def when_set(field, moment):
            return Case(When(**{f"{field}__isnull": False}, then=Value(moment)), default=None)

        Enrollment.objects.for_cluster(self.cluster).filter(program=program).update(
            created_at=enrolled, applied_at=when_set("applied_at", enrolled),
            confirmed_at=when_set("confirmed_at", enrolled), completed_at=when_set("completed_at", completed),
            certificate_issued_at=when_set("certificate_issued_at", completed))

    # --- employer needs ----------------------------------------------------------------------------

    def _needs(self, needs):
        cluster = self.cluster
        existing = set(EmployerNeed.objects.for_cluster(cluster).values_list("organization_id", "title"))
        programs = dict(Program.objects.for_cluster(cluster).values_list("title", "pk"))
        for demo in needs:
            organization = self.organizations.get(demo.organization)
            if organization is None or organization.status != Organization.Status.ACTIVE:
                continue
            if (organization.pk, demo.title) in existing:
                continue
            need = program_services.need_create(
                cluster=cluster, actor=self.actor, organization_id=organization.pk, title=demo.title,
                competences=list(demo.competences), people_needed=demo.people_needed,
                deadline=self.day(demo.deadline), description=demo.description,
            )
            for title in demo.programs:
                if title in programs:
                    program_services.need_link(cluster=cluster, actor=self.actor, need_id=need.pk,
                                               program_id=programs[title])
            if demo.closed:
                program_services.need_close(cluster=cluster, actor=self.actor, need_id=need.pk)
            self.counts[("employer need", "employer needs")] += 1



# --- innovations -------------------------------------------------------------------------------

class _InnovationSeeder:
    """The cluster's demo experts and innovations: two years of history, with expert reviews,
    pilots with their measures and adoptions spreading from member to member.

    The expert accounts, their people and roles go through the members services as the
    coordinator. The innovations and everything about them are written directly, in a few bulk
    statements inside the seed's pghistory context: the life-cycle service stamps every move
    with the present moment, and the demo's history spans two years. Each row is what the
    services would have written at its moment (test_demo re-checks them against
    services.lifecycle.MOVES and its guards):
    - the moves follow the life cycle's legal order, each a StageTransition row at its moment,
      by the coordinator (the review moves) or the authors' side; the innovation's stage and
      stage_changed_at are the last row's;
    - the experts of a round are assigned before it starts (N of them, the policy's
      reviewers_required, none from the origin, the least loaded with a matching subject
      field first), the deadline review_days later; a round decided by an approval or a
      rejection has N submitted reviews whose mean is at or above (below) the threshold, and a
      spread above the policy's consensus_spread only after a consensus step; a resubmission
      opens the next round with the last round's reviewers;
    - a pilot (a site other than the origin, a period and measures with their baselines) is
      there before the pilot starts, its results and conclusion before the evaluation;
    - adoptions are recorded while the innovation is implemented or disseminated, by members
      other than the origin, each learned from the origin, a pilot site or an earlier adopter;
      dissemination starts after the first of them.
    An innovation is identified by its title in the cluster: those already there are skipped,
    so a second run creates nothing."""

    POOL_KINDS = {
        "school": ("school",),
        "preschool": ("preschool", "school"),
        "vocational": ("college", "enterprise"),
        "higher": ("pedagogical_university", "university", "iro"),
        "adult": ("school", "iro", "college"),
    }

    def __init__(self, *, spec: demo_data.ClusterSpec, cluster: Cluster, actor, group: Group, today: datetime.date):
        self.spec = spec
        self.cluster = cluster
        self.actor = actor
        self.group = group
        self.today = today
        self.now = timezone.now()
        self.rng = random.Random(f"{spec.slug}:innovations")
        self.organizations = _organizations_by_key(spec, cluster)
        self.policy = innovation_selectors.policy_for(cluster)
        self.left_out: list[str] = []  # titles
        self.taken: list[str] = []  # expert usernames held by accounts that are not demo accounts
        self.counts = {("innovation", "innovations"): 0, ("stage change", "stage changes"): 0,
                       ("expert review", "expert reviews"): 0, ("pilot", "pilots"): 0,
                       ("adoption", "adoptions"): 0, ("expert account", "expert accounts"): 0}

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _date(self, moment: datetime.datetime) -> datetime.date:
        return timezone.localtime(moment).date()

    def run(self, demos, experts) -> dict[tuple[str, str], int]:
        self._experts(experts)
        existing = set(Innovation.objects.for_cluster(self.cluster).values_list("title", flat=True))
        todo = []
        for demo in demos:
            if demo.title in existing:
                continue
            origin = self.organizations.get(demo.origin)
            if origin is None or origin.status != Organization.Status.ACTIVE:
                self.left_out.append(demo.title)
                continue
            todo.append(demo)
        if todo:
            self._load()
            self.rows = defaultdict(list)
            for demo in todo:
                self._innovation(demo)
            self._write()
        return self.counts

    # --- experts -----------------------------------------------------------------------------

    def _experts(self, experts):
        """The demo experts: accounts made here get their person, the expert role and a profile;
        an existing demo expert account gets its profile only when it has none."""
        for demo in experts:
            organization = self.organizations.get(demo.organization)
            user = User.objects.filter(username=demo.username).first()
            if user is not None and not user.groups.filter(name=DEMO_GROUP).exists():
                self.taken.append(demo.username)
                continue
            if user is None:
                if organization is None or organization.status != Organization.Status.ACTIVE:
                    continue
                first_name, last_name = demo.full_name.split(" ", 1)
                user = User.objects.create(username=demo.username, email=demo.email, first_name=first_name,
                                           last_name=last_name)
                # Set directly: "demo" would fail the password validators, on purpose.
                user.set_password(demo_data.DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(self.group)
                person = services.person_create(
                    cluster=self.cluster, actor=self.actor, organization_id=organization.pk,
                    data={"full_name": demo.full_name, "position": demo.position, "subject": demo.subject,
                          "email": demo.email},
                )
                # Person.user is set by accepting an invitation; the demo has no invitation to accept.
                Person.objects.for_cluster(self.cluster).filter(pk=person.pk).update(user=user)
                services.cluster_role_grant(cluster=self.cluster, actor=self.actor, user=user,
                                            role=ClusterRole.Role.EXPERT)
                self.counts[("expert account", "expert accounts")] += 1
            elif not ClusterRole.objects.for_cluster(self.cluster).filter(
                    user=user, role=ClusterRole.Role.EXPERT).exists():
                continue
            if not ExpertProfile.objects.for_cluster(self.cluster).filter(user=user).exists():
                ExpertProfile.objects.create(cluster=self.cluster, user=user, subject_fields=list(demo.fields))

    # --- what the innovations are made of --------------------------------------------------------

    def _load(self):
        cluster = self.cluster
        self.people: dict[int, list[Person]] = defaultdict(list)
        for person in Person.objects.for_cluster(cluster).filter(is_active=True).order_by("pk"):
            self.people[person.organization_id].append(person)
        self.institution = User.objects.filter(username="institution", groups__name=DEMO_GROUP).first()
        self.institution_person = (Person.objects.for_cluster(cluster).filter(user=self.institution).first()
                                   if self.institution is not None else None)
        self.admins = {
            role.organization_id: role.user
            for role in OrganizationRole.objects.for_cluster(cluster).filter(
                role=OrganizationRole.Role.ADMIN, user__groups__name=DEMO_GROUP).select_related("user")
        }
        person_org = dict(Person.objects.for_cluster(cluster).filter(user__isnull=False).values_list(
            "user_id", "organization_id"))
        fields = dict(ExpertProfile.objects.for_cluster(cluster).values_list("user_id", "subject_fields"))
        self.experts = [
            {"user_id": role.user_id, "username": role.user.username, "organization_id": person_org.get(role.user_id),
             "fields": set(fields.get(role.user_id) or ())}
            for role in ClusterRole.objects.for_cluster(cluster).filter(role=ClusterRole.Role.EXPERT)
            .select_related("user").order_by("user__username")
        ]
        self.load: dict[int, int] = defaultdict(int)  # expert's user id -> reviews given here
        self.active = [org for org in self.organizations.values() if org.status == Organization.Status.ACTIVE]
        self.permission = Permission.objects.get(content_type__app_label="innovations",
                                                 codename=innovation_permissions.AUTHOR)

    def _innovation(self, demo):
        rng = self.rng
        origin = self.organizations[demo.origin]
        authors = self._authors(demo, origin)
        steer = self.institution if demo.institution and self.institution is not None else self.admins.get(
            origin.pk, self.actor)
        schedule = self._schedule(demo)
        reasons = {innovation_data.REJECTED: demo.reason or rng.choice(innovation_data.REJECTION_COMMENTS),
                   innovation_data.ARCHIVED: demo.reason}
        innovation = Innovation(
            cluster=self.cluster, title=demo.title, summary=demo.summary, kind=demo.kind,
            education_level=demo.level, origin_organization=origin, subject_fields=list(demo.fields),
            keywords=list(demo.keywords), expected_effect=demo.expected_effect, stage=demo.stage,
            stage_changed_at=schedule[-1][1], created_at=schedule[0][1],
            created_by=steer if demo.institution else self.actor,
            review_round=max(1, sum(1 for stage, _moment in schedule if stage == innovation_data.IN_REVIEW)),
            decision_reason=reasons[innovation_data.REJECTED] if demo.stage == innovation_data.REJECTED else "",
        )
        self.rows["innovations"].append(innovation)
        self.counts[("innovation", "innovations")] += 1
        for position, person in enumerate(authors, start=1):
            self.rows["authors"].append(InnovationAuthor(cluster=self.cluster, innovation=innovation, person=person,
                                                         position=position))
            if person.user_id:
                self.rows["grants"].append(InnovationUserGrant(
                    cluster=self.cluster, content_object=innovation, user_id=person.user_id,
                    permission=self.permission))
        previous = ""
        for index, (stage, moment) in enumerate(schedule):
            if stage == innovation_data.IN_REVIEW:
                comment = (innovation_data.RESUBMISSION_COMMENT if previous == innovation_data.REVISION
                           else innovation_data.MOVE_COMMENTS[stage])
            elif stage == innovation_data.REVISION:
                comment = rng.choice(innovation_data.REVISION_COMMENTS)
            else:
                comment = reasons.get(stage) or innovation_data.MOVE_COMMENTS.get(stage, "")
            coordinators = (previous, stage) in _COORDINATOR_MOVES or index == 0 and not demo.institution
            self.rows["transitions"].append(StageTransition(
                cluster=self.cluster, innovation=innovation, from_stage=previous, to_stage=stage,
                actor=self.actor if coordinators else steer, comment=comment, created_at=moment))
            previous = stage
        self.counts[("stage change", "stage changes")] += len(schedule)
        self._reviews(demo, innovation, schedule, steer)
        sites = self._pilots(demo, innovation, schedule, steer)
        self._adoptions(demo, innovation, schedule, sites)

    def _authors(self, demo, origin: Organization) -> list[Person]:
        people = [person for person in self.people[origin.pk] if not person.user_id]
        teachers = [person for person in people if person.position == "Teacher"] or people
        lead = []
        if demo.institution and self.institution_person is not None:
            lead = [self.institution_person]
        count = self.rng.choice((1, 2, 2, 3)) - len(lead)
        return lead + self.rng.sample(teachers, max(0, min(count, len(teachers))))

    def _schedule(self, demo) -> list[tuple[str, datetime.datetime]]:
        """The proposal and each move at its moment: the days between the proposal and the last
        move shared out by the usual time in each stage, never below the fewest."""
        stages = (innovation_data.PROPOSED, *demo.moves)
        spent = stages[:-1]
        days = [demo.proposed]
        if spent:
            least = sum(innovation_data.MIN_DAYS[stage] for stage in spent)
            spare = demo.last - demo.proposed - least
            if spare < 0 or demo.last > -1:
                raise CommandError(f"{demo.title}: its moves do not fit between day {demo.proposed} and {demo.last}.")
            weights = [innovation_data.STAGE_DAYS[stage] * self.rng.uniform(0.75, 1.3) for stage in spent]
            total = sum(weights)
            moment = float(demo.proposed)
            for stage, weight in zip(spent, weights, strict=True):
                moment += innovation_data.MIN_DAYS[stage] + spare * weight / total
                days.append(round(moment))
            days[-1] = demo.last
        return [(stage, self._at(self.day(offset), self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45))))
                for stage, offset in zip(stages, days, strict=True)]

    # --- reviews ---------------------------------------------------------------------------------

    def _choose(self, demo, origin_id: int, count: int) -> list[dict]:
        eligible = [expert for expert in self.experts if expert["organization_id"] != origin_id]
        forced = [expert for name in demo.reviewers for expert in eligible if expert["username"] == name]
        wanted = set(demo.fields)
        rest = sorted((expert for expert in eligible if expert not in forced),
                      key=lambda expert: (not expert["fields"] & wanted, self.load[expert["user_id"]],
                                          self.rng.random()))
        chosen = (forced + rest)[:count]
        if len(chosen) < count:
            raise CommandError(f"{demo.title}: fewer than {count} experts may review it.")
        for expert in chosen:
            self.load[expert["user_id"]] += 1
        return chosen

    def _totals(self, demo, count: int, outcome: str | None, consensus: bool) -> list[int]:
        """Each reviewer's sum of the five scores (5–25; the mean score is a fifth of it)."""
        if not count:
            return []
        threshold = float(self.policy.approval_threshold) * 5 * count
        widest = float(self.policy.consensus_spread) * 5
        low, high = {innovation_data.APPROVED: (17, 23), innovation_data.REJECTED: (8, 17),
                     innovation_data.REVISION: (12, 18)}.get(outcome, (11, 23))
        if consensus:
            low, high = max(5, low - 6), min(25, high + 3)
        for _attempt in range(500):
            totals = [self.rng.randint(low, high) for _n in range(count)]
            spread = max(totals) - min(totals)
            if (spread > widest) != consensus:
                continue
            if outcome == innovation_data.APPROVED and sum(totals) < threshold:
                continue
            if outcome in (innovation_data.REJECTED, innovation_data.REVISION) and sum(totals) >= threshold:
                continue
            return totals
        raise CommandError(f"{demo.title}: no scores fit its outcome.")

    def _scores(self, total: int) -> list[int]:
        scores = [total // 5] * 5
        for index in self.rng.sample(range(5), total % 5):
            scores[index] += 1
        for _n in range(2):
            up, down = self.rng.sample(range(5), 2)
            if scores[up] < 5 and scores[down] > 1:
                scores[up] += 1
                scores[down] -= 1
        return scores

    def _reviews(self, demo, innovation: Innovation, schedule, steer):
        rng = self.rng
        required = self.policy.reviewers_required
        experts: list[dict] = []
        round_ = 0
        last_round = max((i for i, (stage, _moment) in enumerate(schedule) if stage == innovation_data.IN_REVIEW),
                         default=None)
        for index, (stage, start) in enumerate(schedule):
            if stage != innovation_data.IN_REVIEW:
                continue
            round_ += 1
            following = schedule[index + 1] if index + 1 < len(schedule) else None
            outcome, end = following if following else (None, self.now - datetime.timedelta(hours=1))
            resubmitted = schedule[index - 1][0] == innovation_data.REVISION
            if not resubmitted:
                experts = self._choose(demo, innovation.origin_organization_id, required)
            consensus = demo.consensus and index == last_round
            pending = demo.pending if following is None else 0
            totals = self._totals(demo, len(experts) - pending, outcome, consensus)
            consensus_at = start + (end - start) * 0.7 if consensus else None
            if consensus:
                innovation.consensus_started_at = consensus_at
            lowest = min(totals) if totals else None
            for position, expert in enumerate(experts):
                assigned_at = start if resubmitted else start - datetime.timedelta(minutes=40 - 10 * position)
                review = ExpertReview(
                    cluster=self.cluster, innovation=innovation, expert_id=expert["user_id"], round=round_,
                    due_date=self._date(assigned_at) + datetime.timedelta(days=self.policy.review_days),
                    assigned_by=steer if resubmitted else self.actor, assigned_at=assigned_at,
                )
                if position >= pending:
                    total = totals[position - pending]
                    (review.novelty, review.relevance, review.feasibility, review.evidence,
                     review.transferability) = self._scores(total)
                    review.recommendation = ("pilot" if total >= 18 else "revise" if total >= 12 else "reject")
                    review.comment = rng.choice(innovation_data.REVIEW_COMMENTS[review.recommendation])
                    review.status = ExpertReview.Status.SUBMITTED
                    share = rng.uniform(0.1, 0.55) if consensus else rng.uniform(0.15, 0.8)
                    review.submitted_at = start + (end - start) * share
                    if consensus and total == lowest:
                        review.revised_at = start + (end - start) * 0.85
                reminder = self._at(review.due_date - datetime.timedelta(days=self.policy.reminder_days), 8)
                if assigned_at < reminder <= (review.submitted_at or self.now):
                    review.reminder_sent_at = reminder
                self.rows["reviews"].append(review)
                self.counts[("expert review", "expert reviews")] += 1

    # --- pilots ----------------------------------------------------------------------------------

    def _pool(self, demo, origin_id: int, taken: set) -> list[Organization]:
        pool = []
        for kind in self.POOL_KINDS[demo.level]:
            members = [org for org in self.active if org.kind == kind and org.pk != origin_id and org.pk not in taken]
            self.rng.shuffle(members)
            pool += members
        return pool

    def _pilots(self, demo, innovation: Innovation, schedule, steer) -> list[tuple[Organization, datetime.date]]:
        """The pilots: run and evaluated ones for an innovation that was piloted, a planned one
        for one approved and waiting for its pilot. Returns (site, end date) pairs."""
        moments = dict(schedule)
        piloted = innovation_data.PILOTING in moments
        planned = demo.stage == innovation_data.APPROVED
        if not piloted and not planned:
            return []
        rng = self.rng
        evaluated = moments.get(innovation_data.EVALUATED)
        approved = moments[innovation_data.APPROVED]
        sites = self._pool(demo, innovation.origin_organization_id, set())[:demo.sites]
        result = []
        for site in sites:
            if piloted:
                start = self._date(moments[innovation_data.PILOTING])
                created = approved + (moments[innovation_data.PILOTING] - approved) * rng.uniform(0.3, 0.8)
                if evaluated is not None:
                    end = max(start + datetime.timedelta(days=30),
                              self._date(evaluated) - datetime.timedelta(days=rng.randint(3, 12)))
                else:
                    end = max(start + datetime.timedelta(days=180), self.today + datetime.timedelta(days=20))
            else:
                start = self.today + datetime.timedelta(days=rng.randint(10, 40))
                end = start + datetime.timedelta(days=150)
                created = approved + (self.now - approved) * rng.uniform(0.3, 0.8)
            status = (Pilot.Status.COMPLETED if evaluated is not None
                      else Pilot.Status.RUNNING if piloted else Pilot.Status.PLANNED)
            pilot = Pilot(cluster=self.cluster, innovation=innovation, organization=site, start_date=start,
                          end_date=end, status=status, participants=rng.randint(24, 160), created_by=steer)
            pilot.created_at = created
            pilot.updated_at = evaluated - datetime.timedelta(days=1) if evaluated is not None else created
            findings = []
            for name, unit, base, change, higher in innovation_data.MEASURES.get(
                    demo.fields[0], (innovation_data.ABSENCES,)):
                whole = unit not in ("%", "days", "lessons")
                baseline = base * rng.uniform(0.85, 1.15)
                baseline = Decimal(round(baseline)) if whole else Decimal(f"{baseline:.1f}")
                measure = PilotMeasure(cluster=self.cluster, pilot=pilot, name=name, unit=unit, baseline=baseline,
                                       higher_is_better=higher)
                if evaluated is not None:
                    value = float(baseline) + change * demo.effect * rng.uniform(0.6, 1.3)
                    value = max(0.0, min(100.0, value)) if unit == "%" else max(0.0, value)
                    measure.result = Decimal(round(value)) if whole else Decimal(f"{value:.1f}")
                    findings.append(f"{name}: {measure.baseline} → {measure.result} {unit}")
                self.rows["measures"].append(measure)
            if evaluated is not None:
                verdict = ("The site recommends implementing it; its teachers go on using it." if demo.effect >= 0.5
                           else "No measurable change; the site does not recommend it in this form.")
                pilot.conclusion = "; ".join(findings) + ". " + verdict
            self.rows["pilots"].append(pilot)
            self.counts[("pilot", "pilots")] += 1
            result.append(site)
        return result

    # --- adoptions -------------------------------------------------------------------------------

    def _adoptions(self, demo, innovation: Innovation, schedule, sites: list[Organization]):
        moments = dict(schedule)
        if innovation_data.IMPLEMENTING not in moments:
            return
        rng = self.rng
        origin = innovation.origin_organization
        begun = self._date(moments[innovation_data.IMPLEMENTING])
        # Nothing is recorded after the archiving (or after yesterday).
        horizon = self._date(moments.get(innovation_data.ARCHIVED, self.now)) - datetime.timedelta(days=1)
        if innovation_data.DISSEMINATING in moments:  # the first adoptions come before dissemination
            first_limit = self._date(moments[innovation_data.DISSEMINATING]) - datetime.timedelta(days=1)
        else:
            first_limit = horizon
        generation = []
        for site in sites:
            started = min(first_limit, begun + datetime.timedelta(days=rng.randint(3, 20)))
            generation.append((site, started))
            self._adoption(innovation, site, origin, started, first=True)
        taken = {site.pk for site in sites}
        for count in demo.adopters:
            sources = [(org, started) for org, started in generation]
            pool = self._pool(demo, origin.pk, taken)[:count]
            generation = []
            for organization in pool:
                source, since = rng.choice(sources)
                started = min(horizon, since + datetime.timedelta(days=rng.randint(20, 90)))
                status = self._adoption(innovation, organization, source, started, first=False)
                taken.add(organization.pk)
                if status != Adoption.Status.ABANDONED:
                    generation.append((organization, started))
            if not generation:
                break

    def _adoption(self, innovation: Innovation, organization: Organization, source: Organization,
                  started: datetime.date, *, first: bool) -> str:
        rng = self.rng
        age = (self.today - started).days
        if first:
            status = Adoption.Status.ADOPTED if age >= 60 else Adoption.Status.IN_PROGRESS
        elif age >= 150:
            status = Adoption.Status.ABANDONED if rng.random() < 0.12 else Adoption.Status.ADOPTED
        else:
            status = Adoption.Status.IN_PROGRESS if age >= 45 else Adoption.Status.PLANNED
        adoption = Adoption(
            cluster=self.cluster, innovation=innovation, organization=organization, learned_from=source,
            started_on=started, status=status, feedback=rng.choice(innovation_data.FEEDBACK[status]),
            reported_by=self.admins.get(organization.pk, self.actor),
        )
        adoption.created_at = min(self.now, self._at(started, 11))
        adoption.updated_at = min(self.now, adoption.created_at + datetime.timedelta(days=min(age, 90)))
        self.rows["adoptions"].append(adoption)
        self.counts[("adoption", "adoptions")] += 1
        return status

    # --- writing ---------------------------------------------------------------------------------

    def _write(self):
        rows = self.rows
        cluster = self.cluster
        with pghistory.context(user=self.actor.pk):
            Innovation.objects.bulk_create(rows["innovations"])
            InnovationAuthor.objects.bulk_create(rows["authors"])
            InnovationUserGrant.objects.bulk_create(rows["grants"])
            StageTransition.objects.bulk_create(rows["transitions"])
            ExpertReview.objects.bulk_create(rows["reviews"])
            # bulk_create stamps created_at and updated_at with now: the dates are put back after.
            for model, objects in ((Pilot, rows["pilots"]), (Adoption, rows["adoptions"])):
                moments = [(obj.created_at, obj.updated_at) for obj in objects]
                model.objects.bulk_create(objects)
                for obj, (created, updated) in zip(objects, moments, strict=True):
                    obj.created_at, obj.updated_at = created, updated
                model.objects.for_cluster(cluster).bulk_update(objects, ["created_at", "updated_at"])
            PilotMeasure.objects.bulk_create(rows["measures"])
            Innovation.objects.for_cluster(cluster).filter(pk__in=[obj.pk for obj in rows["innovations"]]).update(
                updated_at=F("stage_changed_at"))


# The moves a coordinator makes (the review's); the others are the authors' side.
_COORDINATOR_MOVES = {move for move, who in innovation_lifecycle.MOVES.items()
                      if who == innovation_lifecycle.COORDINATOR}


class _ReportSeeder:
    """The scheduled quarterly reports of the last QUARTERS quarters that have ended, made as the
    beat makes them (reports.services.report_schedule: the cluster's first language, trigger
    scheduled) and rendered here, synchronously, by the task's own steps (reports.tasks.
    render_once: claim, snapshot, PDF, checksum). A quarter that already has a ready scheduled
    report is skipped, so a second run makes nothing."""

    CLUSTER = "tashkent-region"
    QUARTERS = 4

    def __init__(self, *, cluster: Cluster, today: datetime.date):
        self.cluster = cluster
        self.today = today

    def quarters(self):
        from reports import periods

        quarter = periods.last_ended(periods.QUARTER, self.today)
        found = []
        for _ in range(self.QUARTERS):
            found.append(quarter)
            quarter = quarter.previous()
        return list(reversed(found))

    def run(self) -> int:
        from reports import services as report_services
        from reports.models import Report
        from reports.tasks import render_once

        made = 0
        reports = Report.objects.for_cluster(self.cluster).filter(kind=Report.Kind.QUARTER)
        for quarter in self.quarters():
            of_quarter = reports.filter(period_start=quarter.start)
            if of_quarter.filter(trigger=Report.Trigger.SCHEDULED, status=Report.Status.READY).exists():
                continue
            report = of_quarter.filter(status__in=Report.IN_PROGRESS_STATUSES).first() or (
                report_services.report_schedule(cluster=self.cluster, period=quarter, enqueue=False))
            if report is not None and render_once(report.pk) is not None:
                made += 1
        return made
