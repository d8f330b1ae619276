"""Fill the database with the two demo clusters and the demo accounts (DEMO_MODE only).

Writes go through the members and agreements services, acting as the cluster's demo
coordinator, so the data passes the same validation and leaves the same audit trail as data
entered in the browser. Each cluster is created in one transaction: it is there completely
or not at all, and a cluster that is already there is left as it is. Its agreements follow
in a second transaction, each identified by its title: those already there are skipped, so
a demo database seeded before the agreements gets them, and a second run is a no-op.
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

from agreements import demo_data as agreement_data
from agreements import services as agreement_services
from agreements.models import Agreement, AgreementParty, AgreementTransition, Obligation
from cluster_platform.auth_backends import DEMO_GROUP
from cluster_platform.tenancy import roles_for
from members import demo_data, services
from members.models import Cluster, ClusterRole, MembershipApplication, Organization, OrganizationRole, Person

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Create the demo clusters (tashkent-region, samarkand-region) with their members, people, "
        "school ratings, applications, agreements and the demo accounts (password 'demo'). Only "
        "with DEMO_MODE=1. Clusters and agreements that already exist are left unchanged."
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
            else:
                started = time.monotonic()
                with transaction.atomic(), pghistory.context(service="seed_demo"):
                    counts = _ClusterSeeder(spec=spec, group=group, today=today).run()
                self._report(spec, counts, started)
            self._agreements(spec, today)

    def _agreements(self, spec: demo_data.ClusterSpec, today):
        demos = agreement_data.AGREEMENTS.get(spec.slug, ())
        cluster = Cluster.objects.filter(slug=spec.slug).first()
        if not demos or cluster is None:
            return
        username = next((user.username for user in demo_data.DEMO_USERS
                         if user.cluster_slug == spec.slug and user.role == ClusterRole.Role.COORDINATOR), None)
        actor = User.objects.filter(username=username, groups__name=DEMO_GROUP).first() if username else None
        if actor is None or not roles_for(actor, cluster).is_coordinator:
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
        names = {org.key: org.name for org in spec.organizations}
        names.update({
            demo_data.school_key(district, number): demo_data.school_name(district, number)
            for district, numbers in spec.schools.items() for number in numbers
        })
        by_name = {org.name: org for org in Organization.objects.for_cluster(cluster).filter(name__in=names.values())}
        self.organizations = {key: by_name[name] for key, name in names.items() if name in by_name}
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
