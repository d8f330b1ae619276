"""services.adoptions: who records an adoption, the adopter, and where it was learned.

An implementing innovation of `origin` with a pilot at `site` (running) and one at `quit_site`
(stopped); `early` adopted it on 2025-03-01 (learned from the origin). `school` (admin:
`org_admin`) is the adopter under test.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from innovations import services
from innovations.models import Adoption, Innovation, Pilot
from members.models import Organization
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory

from .factories import AdoptionFactory, InnovationFactory, PilotFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
D = datetime.date
UTC = datetime.timezone.utc


@pytest.fixture
def innovation(cluster, origin):
    return InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.IMPLEMENTING,
                             created_at=datetime.datetime(2024, 9, 1, tzinfo=UTC))


@pytest.fixture
def site(cluster, innovation):
    site = OrganizationFactory(cluster=cluster, name="Pilot lyceum")
    PilotFactory(cluster=cluster, innovation=innovation, organization=site, status=Pilot.Status.RUNNING)
    return site


@pytest.fixture
def quit_site(cluster, innovation):
    quit_site = OrganizationFactory(cluster=cluster, name="Stopped school")
    PilotFactory(cluster=cluster, innovation=innovation, organization=quit_site, status=Pilot.Status.STOPPED)
    return quit_site


@pytest.fixture
def early(cluster, innovation, origin):
    early = OrganizationFactory(cluster=cluster, name="Early adopter")
    AdoptionFactory(cluster=cluster, innovation=innovation, organization=early, learned_from=origin,
                    started_on=D(2025, 3, 1))
    return early


def record(cluster, actor, innovation, organization, learned_from, started_on=D(2025, 4, 1), **extra):
    return services.adoption_record(cluster=cluster, actor=actor, innovation_id=innovation.pk,
                                    organization_id=organization.pk, learned_from_id=learned_from.pk,
                                    started_on=started_on, status=extra.pop("status", "in_progress"), **extra)


def rows(cluster):
    return list(Adoption.objects.for_cluster(cluster).order_by("pk").values())


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Where it was learned ----------------------------------------------------------------------------

def test_learned_from_the_origin(cluster, org_admin, innovation, school, origin):
    adoption = record(cluster, org_admin, innovation, school, origin, feedback=" Teachers like it. ")
    assert (adoption.learned_from, adoption.status, adoption.feedback, adoption.reported_by) == (
        origin, "in_progress", "Teachers like it.", org_admin)


def test_learned_from_a_pilot_site(cluster, org_admin, innovation, school, site):
    assert record(cluster, org_admin, innovation, school, site).learned_from == site


def test_learned_from_an_earlier_adopter(cluster, org_admin, innovation, school, early):
    assert record(cluster, org_admin, innovation, school, early).learned_from == early


def test_learned_from_an_adopter_starting_the_same_day(cluster, org_admin, innovation, school, early):
    assert record(cluster, org_admin, innovation, school, early, started_on=D(2025, 3, 1)).pk


def test_learned_from_a_later_adopter_is_refused(cluster, org_admin, innovation, school, early):
    before = rows(cluster)
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, org_admin, innovation, school, early, started_on=D(2025, 2, 28))
    assert set(errors_of(excinfo)) == {"learned_from"}
    assert "on or before" in errors_of(excinfo)["learned_from"][0]
    assert rows(cluster) == before


def test_learned_from_an_unrelated_member_is_refused(cluster, org_admin, innovation, school):
    stranger = OrganizationFactory(cluster=cluster, name="Unrelated college")
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, org_admin, innovation, school, stranger)
    assert set(errors_of(excinfo)) == {"learned_from"}
    assert rows(cluster) == []


def test_learned_from_an_abandoned_adopter_is_refused(cluster, org_admin, innovation, school, early):
    Adoption.objects.for_cluster(cluster).filter(organization=early).update(status=Adoption.Status.ABANDONED)
    before = rows(cluster)
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, org_admin, innovation, school, early)
    assert set(errors_of(excinfo)) == {"learned_from"}
    assert rows(cluster) == before


def test_learned_from_a_stopped_pilot_is_refused(cluster, org_admin, innovation, school, quit_site):
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, org_admin, innovation, school, quit_site)
    assert set(errors_of(excinfo)) == {"learned_from"}


def test_learned_from_another_clusters_member_is_refused(cluster, org_admin, innovation, school, other_school):
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, org_admin, innovation, school, other_school)
    assert set(errors_of(excinfo)) == {"learned_from"}
    assert rows(cluster) == []


def test_learned_from_itself_is_refused(cluster, coordinator, innovation, site):
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, coordinator, innovation, site, site)
    assert "from itself" in errors_of(excinfo)["learned_from"][0]


# --- The adopter and who records it ------------------------------------------------------------------

def test_the_origin_does_not_adopt_its_own(cluster, coordinator, innovation, origin, site):
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, coordinator, innovation, origin, site)
    assert set(errors_of(excinfo)) == {"organization"}


def test_an_adopter_adopts_once(cluster, coordinator, innovation, early, origin):
    before = rows(cluster)
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, coordinator, innovation, early, origin)
    assert "already adopts" in errors_of(excinfo)["organization"][0]
    assert rows(cluster) == before


def test_an_inactive_member_does_not_adopt(cluster, coordinator, innovation, origin):
    gone = OrganizationFactory(cluster=cluster, name="Withdrawn school", status=Organization.Status.WITHDRAWN)
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, coordinator, innovation, gone, origin)
    assert set(errors_of(excinfo)) == {"organization"}


def test_a_pilot_site_may_adopt(cluster, coordinator, innovation, site, origin):
    assert record(cluster, coordinator, innovation, site, origin).organization == site


def test_the_coordinator_records_for_any_member(cluster, coordinator, innovation, school, origin):
    assert record(cluster, coordinator, innovation, school, origin).pk


def test_an_admin_records_only_for_their_own(cluster, org_admin, innovation, origin):
    neighbour = OrganizationFactory(cluster=cluster, name="Neighbour school")
    with pytest.raises(PermissionDenied):
        record(cluster, org_admin, innovation, neighbour, origin)
    assert rows(cluster) == []


def test_staff_and_authorities_do_not_record(cluster, authority, innovation, school, origin):
    staff = UserFactory(username="teacher")
    OrganizationRoleFactory(organization=school, user=staff, role="staff")
    for actor in (staff, authority):
        with pytest.raises(PermissionDenied):
            record(cluster, actor, innovation, school, origin)
    assert rows(cluster) == []


@pytest.mark.parametrize("stage", [Stage.PILOTING, Stage.EVALUATED, Stage.ARCHIVED])
def test_adoptions_wait_for_implementation(cluster, org_admin, coordinator, innovation, school, origin, stage):
    innovation.stage = stage
    innovation.save()
    # The school's admin no longer sees an archived innovation; the coordinator always does.
    actor = coordinator if stage == Stage.ARCHIVED else org_admin
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, actor, innovation, school, origin)
    assert "implementing or disseminating" in errors_of(excinfo)["stage"][0]
    assert rows(cluster) == []


def test_field_errors_are_named(cluster, coordinator, innovation, school, origin):
    with pytest.raises(ValidationError) as excinfo:
        services.adoption_record(cluster=cluster, actor=coordinator, innovation_id=innovation.pk,
                                 organization_id=school.pk, learned_from_id=origin.pk, started_on="soon",
                                 status="maybe", feedback="x" * 5001)
    assert set(errors_of(excinfo)) == {"started_on", "status", "feedback"}


def test_an_adoption_does_not_start_before_the_proposal(cluster, coordinator, innovation, school, origin):
    with pytest.raises(ValidationError) as excinfo:
        record(cluster, coordinator, innovation, school, origin, started_on=D(2024, 8, 31))
    assert set(errors_of(excinfo)) == {"started_on"}


def test_another_cluster_cannot_record_here(other_cluster, outsider, innovation, other_school, origin):
    with pytest.raises(Innovation.DoesNotExist):
        services.adoption_record(cluster=other_cluster, actor=outsider, innovation_id=innovation.pk,
                                 organization_id=other_school.pk, learned_from_id=origin.pk,
                                 started_on=D(2025, 4, 1), status="planned")


def test_adoptions_open_dissemination(cluster, origin_admin, coordinator, innovation, school, origin):
    record(cluster, coordinator, innovation, school, origin)
    moved = services.innovation_transition(cluster=cluster, actor=origin_admin, innovation_id=innovation.pk,
                                           to_stage=Stage.DISSEMINATING)
    assert moved.stage == Stage.DISSEMINATING


# --- adoption_update ---------------------------------------------------------------------------------

def test_the_adopter_reports_status_and_feedback(cluster, org_admin, innovation, school, origin):
    adoption = record(cluster, org_admin, innovation, school, origin)
    services.adoption_update(cluster=cluster, actor=org_admin, adoption_id=adoption.pk, status="adopted",
                             feedback="All grade 5 classes use it.")
    adoption.refresh_from_db()
    assert (adoption.status, adoption.feedback) == ("adopted", "All grade 5 classes use it.")


def test_a_new_start_is_checked_against_the_source(cluster, org_admin, innovation, school, early):
    adoption = record(cluster, org_admin, innovation, school, early, started_on=D(2025, 4, 1))
    before = rows(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.adoption_update(cluster=cluster, actor=org_admin, adoption_id=adoption.pk,
                                 started_on=D(2025, 2, 1))
    assert set(errors_of(excinfo)) == {"learned_from"}
    assert rows(cluster) == before


def test_a_source_cannot_start_after_its_learners(cluster, coordinator, innovation, school, early):
    record(cluster, coordinator, innovation, school, early, started_on=D(2025, 4, 1))
    adoption = Adoption.objects.for_cluster(cluster).get(organization=early)
    with pytest.raises(ValidationError) as excinfo:
        services.adoption_update(cluster=cluster, actor=coordinator, adoption_id=adoption.pk,
                                 started_on=D(2025, 5, 1))
    assert school.name in errors_of(excinfo)["started_on"][0]
    services.adoption_update(cluster=cluster, actor=coordinator, adoption_id=adoption.pk, started_on=D(2025, 4, 1))


def test_another_admin_may_not_report(cluster, innovation, school, origin, coordinator):
    adoption = record(cluster, coordinator, innovation, school, origin)
    neighbour_admin = UserFactory(username="neighbouradmin")
    OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster, name="Neighbour"),
                            user=neighbour_admin, role="admin")
    before = rows(cluster)
    with pytest.raises(PermissionDenied):
        services.adoption_update(cluster=cluster, actor=neighbour_admin, adoption_id=adoption.pk, status="adopted")
    assert rows(cluster) == before


def test_the_source_does_not_change(cluster, coordinator, innovation, school, origin, site):
    adoption = record(cluster, coordinator, innovation, school, origin)
    with pytest.raises(ValidationError) as excinfo:
        services.adoption_update(cluster=cluster, actor=coordinator, adoption_id=adoption.pk,
                                 learned_from_id=site.pk)
    assert set(errors_of(excinfo)) == {"learned_from_id"}
