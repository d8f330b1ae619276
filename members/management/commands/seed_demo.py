"""Fill the database with the two demo clusters and the demo accounts (DEMO_MODE only).

Writes go through the members services, acting as the cluster's demo coordinator, so the
data passes the same validation and leaves the same audit trail as data entered in the
browser. Each cluster is created in one transaction: it is there completely or not at
all, and a cluster that is already there is left as it is, so a second run is a no-op.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cluster_platform.auth_backends import DEMO_GROUP
from members import demo_data, services
from members.models import Cluster, ClusterRole, MembershipApplication, Organization, OrganizationRole, Person

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Create the demo clusters (tashkent-region, samarkand-region) with their members, people, "
        "school ratings, applications and the demo accounts (password 'demo'). Only with "
        "DEMO_MODE=1. Clusters that already exist are left unchanged."
    )

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
                continue
            started = time.monotonic()
            with transaction.atomic(), pghistory.context(service="seed_demo"):
                counts = _ClusterSeeder(spec=spec, group=group, today=today).run()
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
            )
            joined[org.joined_on].append(created[org.key].pk)
        for district, numbers in spec.schools.items():
            for number in numbers:
                key = demo_data.school_key(district, number)
                created[key] = self._organization(
                    kind=Organization.Kind.SCHOOL, name=demo_data.school_name(district, number),
                    short_name=demo_data.school_short_name(district, number), district=district,
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
