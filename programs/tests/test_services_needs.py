"""Closing an employer need and unlinking a programme from it: who may, what a refusal names,
and that a refusal changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from programs import services
from programs.models import EmployerNeed, ProgramNeed
from programs.tests.factories import EmployerNeedFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(cluster):
    return OrganizationFactory(cluster=cluster, kind="enterprise", name="Chirchik Chemical Plant")


@pytest.fixture
def plant_admin(plant):
    return OrganizationRoleFactory(organization=plant, user=UserFactory(username="plantadmin"), role="admin").user


@pytest.fixture
def plant_staff(plant):
    return OrganizationRoleFactory(organization=plant, user=UserFactory(username="plantstaff"), role="staff").user


@pytest.fixture
def need(plant):
    return EmployerNeedFactory(organization=plant)


@pytest.fixture
def linked(cluster, coordinator, need, program):
    return services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=program.pk)


def status(cluster, need) -> str:
    return EmployerNeed.objects.for_cluster(cluster).get(pk=need.pk).status


def links(cluster) -> list[tuple[int, int]]:
    return list(ProgramNeed.objects.for_cluster(cluster).order_by("pk").values_list("need_id", "program_id"))


# --- need_close --------------------------------------------------------------------------------

def test_the_posting_organizations_admin_closes_the_need(cluster, plant_admin, need):
    closed = services.need_close(cluster=cluster, actor=plant_admin, need_id=need.pk)
    assert closed.status == "closed" and status(cluster, need) == "closed"


def test_a_coordinator_closes_any_need(cluster, coordinator, need):
    services.need_close(cluster=cluster, actor=coordinator, need_id=need.pk)
    assert status(cluster, need) == "closed"


@pytest.mark.parametrize("who", ["plant_staff", "org_admin", "authority", "expert", "institute_admin"])
def test_others_may_not_close_the_need_and_it_stays_open(request, who, cluster, need):
    """Staff of the plant, the admins of other organizations, authorities and experts."""
    with pytest.raises(PermissionDenied):
        services.need_close(cluster=cluster, actor=request.getfixturevalue(who), need_id=need.pk)
    assert status(cluster, need) == "open"


def test_closing_a_closed_need_is_refused_on_its_status(cluster, plant_admin, need):
    services.need_close(cluster=cluster, actor=plant_admin, need_id=need.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.need_close(cluster=cluster, actor=plant_admin, need_id=need.pk)
    assert excinfo.value.message_dict == {"status": ["The need is already closed."]}
    assert status(cluster, need) == "closed"


def test_another_clusters_need_does_not_exist(cluster, other_cluster, coordinator):
    foreign = EmployerNeedFactory(organization=OrganizationFactory(cluster=other_cluster, kind="enterprise"))
    with pytest.raises(EmployerNeed.DoesNotExist):
        services.need_close(cluster=cluster, actor=coordinator, need_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.status == "open"


def test_a_closed_need_keeps_its_links(cluster, coordinator, need, linked, program):
    services.need_close(cluster=cluster, actor=coordinator, need_id=need.pk)
    assert links(cluster) == [(need.pk, program.pk)]


# --- need_unlink -------------------------------------------------------------------------------

def test_a_coordinator_unlinks_a_programme(cluster, coordinator, need, linked, institute):
    other = ProgramFactory(cluster=cluster, lead_organization=institute)
    services.need_link(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=other.pk)
    services.need_unlink(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=linked.program_id)
    assert links(cluster) == [(need.pk, other.pk)]


@pytest.mark.parametrize("who", ["plant_admin", "institute_admin", "org_admin", "authority"])
def test_only_coordinators_unlink_and_the_link_stays(request, who, cluster, need, linked, program):
    """Not even the posting organization's admin or the programme's lead admin."""
    with pytest.raises(PermissionDenied):
        services.need_unlink(cluster=cluster, actor=request.getfixturevalue(who), need_id=need.pk,
                             program_id=program.pk)
    assert links(cluster) == [(need.pk, program.pk)]


def test_unlinking_a_programme_that_is_not_linked_names_the_programme(cluster, coordinator, need, linked, program,
                                                                      institute):
    unlinked = ProgramFactory(cluster=cluster, lead_organization=institute)
    for program_id in (unlinked.pk, 999999, "x", None):
        with pytest.raises(ValidationError) as excinfo:
            services.need_unlink(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=program_id)
        assert excinfo.value.message_dict == {"program": ["This programme is not linked to the need."]}
    assert links(cluster) == [(need.pk, program.pk)]


def test_another_clusters_link_is_not_reached(cluster, other_cluster, coordinator, need, linked):
    """Another cluster's need does not exist; another cluster's programme is not linked to ours;
    the foreign link is untouched either way."""
    foreign_need = EmployerNeedFactory(organization=OrganizationFactory(cluster=other_cluster, kind="enterprise"))
    foreign_program = ProgramFactory(lead_organization__cluster=other_cluster)
    ProgramNeed.objects.create(cluster=other_cluster, need=foreign_need, program=foreign_program)
    with pytest.raises(EmployerNeed.DoesNotExist):
        services.need_unlink(cluster=cluster, actor=coordinator, need_id=foreign_need.pk,
                             program_id=foreign_program.pk)
    with pytest.raises(ValidationError):
        services.need_unlink(cluster=cluster, actor=coordinator, need_id=need.pk, program_id=foreign_program.pk)
    assert ProgramNeed.objects.for_cluster(other_cluster).filter(need=foreign_need).exists()
    assert links(cluster) == [(need.pk, linked.program_id)]
