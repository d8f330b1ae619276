"""manage.py seed_scale / cluster_platform.scale.seed: the synthetic data set, at its small scale.

The seeder commits on the owner's connection. The small data set is loaded once for the module
(`small`) and read by the tests, each in its own rolled-back transaction; one test loads it again,
outside a test transaction, into the same rows. The fixture flushes the database at the end (as
the other transactional tests of the suite do), so the tests after these start empty."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpRequest

from agreements.models import Agreement, AgreementTransition
from agreements.services import MOVES as AGREEMENT_MOVES
from cluster_platform.scale import SCALE_PASSWORD, Scale, seed, username
from cluster_platform.tenancy import forget_roles, roles_for
from innovations.models import Innovation, StageTransition
from innovations.services.lifecycle import MOVES as INNOVATION_MOVES
from members.models import Cluster, ClusterRole, Organization, Person
from programs.models import Enrollment, Program, Session
from reports import indicators, periods
from resources.models import Booking, Resource

AS_OF = datetime.date(2026, 12, 7)
SMALL = Scale.named("small")
# Tables whose rows are hashed, in id order, for the determinism check.
FINGERPRINTED = ("auth_user", "members_organization", "members_person", "members_schoolrating",
                 "agreements_agreement", "agreements_agreementtransition", "resources_booking",
                 "resources_bookedresource", "programs_enrollment", "innovations_stagetransition",
                 "innovations_expertreview", "innovations_adoption")


@pytest.fixture(scope="module")
def small(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = seed(SMALL, as_of=AS_OF)
        yield result
        call_command("flush", interactive=False, verbosity=0)


def fingerprint() -> str:
    digest = hashlib.md5()
    with connection.cursor() as cursor:
        for table in FINGERPRINTED:
            cursor.execute(f"SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t")
            digest.update(cursor.fetchone()[0].encode())
    return digest.hexdigest()


def table_count(model) -> int:
    return model.objects.unscoped().count()


@pytest.mark.django_db
def test_it_loads_each_count_of_the_scale(small):
    result = small

    organizations = Organization.objects.unscoped()
    assert Cluster.objects.count() == SMALL.clusters == 2
    assert list(Cluster.objects.order_by("pk").values_list("slug", flat=True)) == ["small-a", "small-b"]
    assert organizations.filter(kind="school").count() == SMALL.schools
    assert organizations.filter(kind__in=["pedagogical_university", "university", "iro",
                                          "research_institute"]).count() == SMALL.universities
    assert organizations.filter(kind="college").count() == SMALL.colleges
    assert organizations.filter(kind="enterprise").count() == SMALL.enterprises
    assert organizations.count() == SMALL.organizations
    assert table_count(Person) == SMALL.people
    assert table_count(Agreement) == SMALL.agreements
    assert table_count(Booking) == SMALL.bookings
    assert table_count(Resource) == SMALL.resources
    assert table_count(Innovation) == SMALL.innovations
    assert table_count(Enrollment) == SMALL.enrolments
    assert table_count(Program) == SMALL.programmes
    assert table_count(Session) == SMALL.sessions
    assert ClusterRole.objects.unscoped().filter(role="expert").count() == SMALL.experts
    assert result["members_person"] == SMALL.people and result["resources_booking"] == SMALL.bookings


@pytest.mark.django_db
def test_the_data_keeps_the_platforms_rules(small):
    with connection.cursor() as cursor:
        # Two approved or completed bookings of one resource never overlap.
        cursor.execute(
            "SELECT count(*) FROM resources_bookedresource a JOIN resources_bookedresource b "
            "ON a.resource_id = b.resource_id AND a.id < b.id AND a.period && b.period "
            "WHERE a.status IN ('approved', 'completed') AND b.status IN ('approved', 'completed')")
        assert cursor.fetchone()[0] == 0
        # A booked resource carries its booking's period and status.
        cursor.execute("SELECT count(*) FROM resources_bookedresource i "
                       "JOIN resources_booking b ON b.id = i.booking_id "
                       "WHERE i.period <> b.period OR i.status <> b.status")
        assert cursor.fetchone()[0] == 0
        # Nothing happened after as_of (18:00 there).
        cursor.execute("SELECT max(created_at) FROM innovations_stagetransition")
        assert cursor.fetchone()[0].date() <= AS_OF
        # A school's current rating is its latest one.
        cursor.execute(
            "SELECT count(*) FROM members_organization o JOIN LATERAL (SELECT colour FROM members_schoolrating r "
            "WHERE r.organization_id = o.id ORDER BY period DESC LIMIT 1) latest ON true "
            "WHERE o.current_rating <> latest.colour")
        assert cursor.fetchone()[0] == 0
        # A completed enrolment has its certificate; its programme is completed.
        cursor.execute("SELECT count(*) FROM programs_enrollment e JOIN programs_program p ON p.id = e.program_id "
                       "WHERE e.status = 'completed' AND (e.certificate_code IS NULL OR p.status <> 'completed')")
        assert cursor.fetchone()[0] == 0

    # Stages and statuses are where their timelines lead, by legal moves.
    _check_timeline(Innovation, StageTransition, "innovation_id", "stage", "from_stage", "to_stage",
                    set(INNOVATION_MOVES) | {("", "proposed")}, "stage_changed_at")
    _check_timeline(Agreement, AgreementTransition, "agreement_id", "status", "from_status", "to_status",
                    set(AGREEMENT_MOVES) | {("", "draft")}, None)


def _check_timeline(model, transitions, key, field, source, target, legal, changed_at):
    last = {}
    for row in transitions.objects.unscoped().order_by(key, "created_at", "pk").values(key, source, target,
                                                                                      "created_at"):
        owner = row[key]
        previous = last.get(owner)
        assert (row[source], row[target]) in legal, row
        assert row[source] == (previous[target] if previous else ""), row
        last[owner] = row
    for obj in model.objects.unscoped():
        assert getattr(obj, field) == last[obj.pk][target]
        if changed_at:
            assert getattr(obj, changed_at) == last[obj.pk]["created_at"]


@pytest.mark.django_db
def test_every_indicator_has_figures_for_the_current_and_previous_quarter(small):
    quarter = periods.period_of(periods.QUARTER, AS_OF)
    for cluster in Cluster.objects.order_by("pk"):
        for period in (quarter, quarter.previous()):
            figures = indicators.indicators(cluster, period.start, period.end)
            empty = [name for name, path in indicators.KEY_FIGURES.items() if not indicators._dig(figures, path)]
            assert empty == [], f"{cluster.slug} {period.code}: {empty}"


@pytest.mark.django_db
def test_the_scale_users_sign_in_with_their_roles(small):
    for cluster in Cluster.objects.order_by("pk"):
        signed_in = {}
        for role in ("coordinator", "authority", "expert", "admin"):
            user = authenticate(HttpRequest(), username=username(role, cluster.slug), password=SCALE_PASSWORD)
            assert user is not None, (cluster.slug, role)
            forget_roles(user)
            signed_in[role] = roles_for(user, cluster)
        assert signed_in["coordinator"].is_coordinator
        assert signed_in["authority"].is_authority and not signed_in["authority"].is_coordinator
        assert signed_in["expert"].is_expert
        admin_of = signed_in["admin"].organizations_with("admin")
        assert len(admin_of) == 1
        school = Organization.objects.for_cluster(cluster).get(pk=admin_of.pop())
        assert school.kind == "school" and school.status == "active"
        # "One large school": the admin's school is the cluster's largest.
        largest = max(Organization.objects.for_cluster(cluster).filter(kind="school"),
                      key=lambda org: org.people.count())
        assert school == largest
        assert Person.objects.for_cluster(cluster).filter(user__username=username("admin", cluster.slug),
                                                          organization=school).exists()


def test_it_loads_the_same_rows_again_and_refuses_to_load_over_clusters(small, django_db_blocker):
    # Outside a test transaction (the seeder commits), and leaving the same rows it found, so the
    # other tests of the module may run before or after it.
    with django_db_blocker.unblock():
        _load_again()


def _load_again():
    before = fingerprint()
    with pytest.raises(CommandError, match="--replace"):
        seed(SMALL, as_of=AS_OF)
    assert fingerprint() == before

    # Replaced, not added to: the same rows, ids included.
    seed(SMALL, as_of=AS_OF, replace=True)
    assert table_count(Person) == SMALL.people
    assert fingerprint() == before

    out = StringIO()
    call_command("seed_scale", "--scale", "small", "--as-of", AS_OF.isoformat(), "--replace", stdout=out)
    assert "total" in out.getvalue() and "programs_enrollment" in out.getvalue()
    assert fingerprint() == before
    # The audit triggers are back on and every constraint holds as validated.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%%' AND tgenabled <> 'O'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
        assert cursor.fetchone()[0] == 0
