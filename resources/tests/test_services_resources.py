"""The catalogue: registering and editing resources, hours, closed dates, managers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cluster_platform.tenancy import forget_roles
from members.models import OrganizationRole
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import permissions, services
from resources.models import ClosedDate, OpeningHours, Resource, ResourceUserObjectPermission
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def create(cluster, actor, owner, **kwargs):
    data = {"owner_id": owner.pk, "name": "Physics laboratory", "kind": "laboratory", "capacity": 24}
    data.update(kwargs)
    return services.resource_create(cluster=cluster, actor=actor, **data)


# --- Registering and editing -------------------------------------------------------------

def test_an_owner_admin_registers_a_resource_of_their_organization(cluster, university, uni_admin):
    resource = create(cluster, uni_admin, university, terms="cost_recovery", price="150000", price_unit="per_hour",
                      access="agreement", location="Building 1", description="  Modern equipment  ")
    resource.refresh_from_db()
    assert (resource.owner, resource.terms, resource.price, resource.price_unit, resource.access) == (
        university, "cost_recovery", Decimal("150000.00"), "per_hour", "agreement")
    assert resource.description == "Modern equipment"
    assert resource.created_by == uni_admin and resource.is_active


def test_a_coordinator_registers_for_any_organization(cluster, coordinator, university):
    assert create(cluster, coordinator, university).owner == university


@pytest.mark.parametrize("who", ["uni_staff", "org_admin", "authority"])
def test_others_may_not_register_for_the_university(request, cluster, university, who):
    with pytest.raises(PermissionDenied):
        create(cluster, request.getfixturevalue(who), university)
    assert not Resource.objects.for_cluster(cluster).exists()


def test_another_clusters_organization_cannot_own_a_resource(cluster, coordinator, other_school):
    with pytest.raises(ValidationError) as refused:
        create(cluster, coordinator, other_school)
    assert refused.value.message_dict == {"owner": ["Choose an organization of this cluster."]}


def test_an_outsider_cannot_register_anything(cluster, outsider, university):
    with pytest.raises(PermissionDenied):
        create(cluster, outsider, university)


@pytest.mark.parametrize("fields, errors", [
    ({"name": " "}, {"name": ["Give the name of the resource."]}),
    ({"kind": "spaceship"}, {"kind": ["Choose the kind of resource."]}),
    ({"capacity": 0}, {"capacity": ["Give the capacity as a whole number of people, at least 1."]}),
    ({"terms": "barter"}, {"terms": ["Choose the terms: free or cost recovery."]}),
    ({"terms": "cost_recovery", "price_unit": "per_day"}, {"price": ["Give the price for cost recovery."]}),
    ({"terms": "cost_recovery", "price": "-5", "price_unit": "per_day"},
     {"price": ["The price for cost recovery must be above zero."]}),
    ({"terms": "cost_recovery", "price": "abc", "price_unit": "per_day"}, {"price": ["Give the price as a number."]}),
    ({"terms": "cost_recovery", "price": "100"},
     {"price_unit": ["Choose what the price is for: an hour, a day or a booking."]}),
    ({"access": "friends"}, {"access": ["Choose who may book the resource."]}),
])
def test_bad_fields_are_refused_by_name(cluster, coordinator, university, fields, errors):
    with pytest.raises(ValidationError) as refused:
        create(cluster, coordinator, university, **fields)
    assert refused.value.message_dict == errors
    assert not Resource.objects.for_cluster(cluster).exists()


def test_free_terms_carry_no_price(cluster, coordinator, university):
    resource = create(cluster, coordinator, university, terms="free", price="100", price_unit="per_hour")
    assert (resource.price, resource.price_unit) == (None, "")


def test_update_changes_fields_and_switching_to_free_clears_the_price(cluster, uni_admin, university):
    resource = create(cluster, uni_admin, university, terms="cost_recovery", price="1000", price_unit="per_day")
    services.resource_update(cluster=cluster, actor=uni_admin, resource_id=resource.pk, name="Physics lab 2",
                             capacity=30, terms="free")
    resource.refresh_from_db()
    assert (resource.name, resource.capacity, resource.terms, resource.price, resource.price_unit) == (
        "Physics lab 2", 30, "free", None, "")


def test_update_refuses_an_unknown_field_and_bad_values(cluster, uni_admin, lab):
    with pytest.raises(TypeError):
        services.resource_update(cluster=cluster, actor=uni_admin, resource_id=lab.pk, owner_id=1)
    with pytest.raises(ValidationError) as refused:
        services.resource_update(cluster=cluster, actor=uni_admin, resource_id=lab.pk, capacity=-1)
    assert "capacity" in refused.value.message_dict
    lab.refresh_from_db()
    assert lab.capacity == 20


def test_staff_and_other_organizations_may_not_edit(cluster, uni_staff, org_admin, lab):
    for actor in (uni_staff, org_admin):
        with pytest.raises(PermissionDenied):
            services.resource_update(cluster=cluster, actor=actor, resource_id=lab.pk, name="Taken over")
    lab.refresh_from_db()
    assert lab.name == "Chemistry laboratory"


def test_another_clusters_resource_does_not_exist(other_cluster, outsider, lab):
    for call in (
        lambda: services.resource_update(cluster=other_cluster, actor=outsider, resource_id=lab.pk, name="X"),
        lambda: services.resource_archive(cluster=other_cluster, actor=outsider, resource_id=lab.pk),
        lambda: services.opening_hours_set(cluster=other_cluster, actor=outsider, resource_id=lab.pk, hours=[]),
        lambda: services.closed_date_add(cluster=other_cluster, actor=outsider, resource_id=lab.pk,
                                         date=timezone.localdate()),
        lambda: services.manager_grant(cluster=other_cluster, actor=outsider, resource_id=lab.pk, user_id=outsider.pk),
    ):
        with pytest.raises(Resource.DoesNotExist):
            call()
    lab.refresh_from_db()
    assert lab.name == "Chemistry laboratory" and lab.is_active and lab.opening_hours.count() == 5


def test_archive_and_restore(cluster, uni_admin, lab):
    services.resource_archive(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    lab.refresh_from_db()
    assert not lab.is_active
    services.resource_restore(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    lab.refresh_from_db()
    assert lab.is_active


# --- Opening hours -------------------------------------------------------------------------

def test_opening_hours_replace_the_week(cluster, uni_admin, lab):
    services.opening_hours_set(cluster=cluster, actor=uni_admin, resource_id=lab.pk, hours=[
        {"weekday": 0, "opens": "09:00", "closes": "13:00"},
        {"weekday": 0, "opens": datetime.time(14), "closes": datetime.time(18)},
        {"weekday": 5, "opens": "10:00", "closes": "14:00"},
    ])
    rows = list(OpeningHours.objects.for_cluster(cluster).filter(resource=lab)
                .values_list("weekday", "opens", "closes"))
    assert rows == [(0, datetime.time(9), datetime.time(13)), (0, datetime.time(14), datetime.time(18)),
                    (5, datetime.time(10), datetime.time(14))]


@pytest.mark.parametrize("hours, message", [
    ([{"weekday": 7, "opens": "09:00", "closes": "10:00"}], "Choose a weekday (0 is Monday, 6 is Sunday)."),
    ([{"weekday": 1, "opens": "nine", "closes": "10:00"}], "Give the opening time as HH:MM."),
    ([{"weekday": 1, "opens": "12:00", "closes": "09:00"}],
     "On Tuesday the closing time 09:00 is not after the opening time 12:00."),
    ([{"weekday": 2, "opens": "09:00", "closes": "13:00"}, {"weekday": 2, "opens": "12:00", "closes": "18:00"}],
     "On Wednesday the intervals 09:00–13:00 and 12:00–18:00 overlap."),
])
def test_bad_hours_are_refused_and_the_old_week_stays(cluster, uni_admin, lab, hours, message):
    with pytest.raises(ValidationError) as refused:
        services.opening_hours_set(cluster=cluster, actor=uni_admin, resource_id=lab.pk, hours=hours)
    assert refused.value.message_dict == {"hours": [message]}
    assert lab.opening_hours.count() == 5


def test_hours_can_be_replaced_by_round_the_clock(cluster, uni_admin, lab):
    services.opening_hours_set(cluster=cluster, actor=uni_admin, resource_id=lab.pk, hours=[], always_open=True)
    lab.refresh_from_db()
    assert lab.always_open and lab.opening_hours.count() == 0


def test_a_manager_by_grant_keeps_the_hours_but_requesters_may_not(cluster, uni_admin, uni_staff, org_admin, lab):
    with pytest.raises(PermissionDenied):
        services.opening_hours_set(cluster=cluster, actor=uni_staff, resource_id=lab.pk, hours=[])
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    services.opening_hours_set(cluster=cluster, actor=uni_staff, resource_id=lab.pk, hours=[
        {"weekday": 3, "opens": "08:00", "closes": "12:00"}])
    assert lab.opening_hours.count() == 1
    with pytest.raises(PermissionDenied):
        services.opening_hours_set(cluster=cluster, actor=org_admin, resource_id=lab.pk, hours=[])


# --- Closed dates --------------------------------------------------------------------------

def test_closed_dates_are_added_once_and_removed(cluster, uni_admin, lab):
    day = timezone.localdate() + datetime.timedelta(days=10)
    closed = services.closed_date_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk, date=day, reason="Repairs")
    with pytest.raises(ValidationError) as refused:
        services.closed_date_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk, date=day)
    assert refused.value.message_dict == {"date": [f"The resource is already closed on {day.isoformat()}."]}
    services.closed_date_remove(cluster=cluster, actor=uni_admin, closed_date_id=closed.pk)
    assert not ClosedDate.objects.for_cluster(cluster).exists()


def test_a_closed_date_cannot_be_in_the_past(cluster, uni_admin, lab):
    with pytest.raises(ValidationError) as refused:
        services.closed_date_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk,
                                 date=timezone.localdate() - datetime.timedelta(days=1))
    assert refused.value.message_dict == {"date": ["The date cannot be in the past."]}


def test_another_clusters_closed_date_does_not_exist(other_cluster, outsider, cluster, uni_admin, lab):
    closed = services.closed_date_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk,
                                      date=timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(ClosedDate.DoesNotExist):
        services.closed_date_remove(cluster=other_cluster, actor=outsider, closed_date_id=closed.pk)
    assert ClosedDate.objects.for_cluster(cluster).count() == 1


# --- Managers --------------------------------------------------------------------------------

def grants(cluster):
    return ResourceUserObjectPermission.objects.filter(cluster=cluster)


def test_a_granted_manager_manages_until_revoked(cluster, uni_admin, uni_staff, lab):
    roles = lambda: permissions.roles_for(uni_staff, cluster)  # noqa: E731
    assert not permissions.can_manage(roles(), lab)
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)  # twice: once
    assert grants(cluster).count() == 1
    fresh = Resource.objects.for_cluster(cluster).get(pk=lab.pk)
    assert permissions.can_manage(roles(), fresh)
    assert permissions.manager_user_ids(cluster, lab) == {uni_staff.pk}
    services.manager_revoke(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    assert not grants(cluster).exists()
    assert not permissions.can_manage(roles(), Resource.objects.for_cluster(cluster).get(pk=lab.pk))
    with pytest.raises(ValidationError) as refused:
        services.manager_revoke(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    assert refused.value.message_dict == {"user": ["This person does not manage Chemistry laboratory."]}


def test_a_stale_grant_gives_nothing_after_the_role_is_removed(cluster, uni_admin, uni_staff, lab):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    OrganizationRole.objects.for_cluster(cluster).filter(user=uni_staff).delete()
    forget_roles(uni_staff)
    assert grants(cluster).filter(user=uni_staff).exists()  # still there...
    fresh = Resource.objects.for_cluster(cluster).get(pk=lab.pk)
    assert not permissions.can_manage(permissions.roles_for(uni_staff, cluster), fresh)  # ...and gives nothing
    assert permissions.manager_user_ids(cluster, lab) == set()
    with pytest.raises(PermissionDenied):
        services.opening_hours_set(cluster=cluster, actor=uni_staff, resource_id=lab.pk, hours=[])
    assert lab.opening_hours.count() == 5


def test_a_manager_must_have_a_role_in_the_owner_organization(cluster, uni_admin, org_admin, coordinator, lab):
    for user in (org_admin, coordinator, UserFactory(username="nobody")):
        with pytest.raises(ValidationError) as refused:
            services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=user.pk)
        assert refused.value.message_dict == {
            "user": ["A manager must be a person of TSPU with an account there."]}
    assert not grants(cluster).exists()


def test_another_clusters_user_cannot_be_named_manager(cluster, other_cluster, uni_admin, lab):
    elsewhere = OrganizationRoleFactory(organization=OrganizationFactory(cluster=other_cluster),
                                        user=UserFactory(username="elsewhere"), role="admin").user
    with pytest.raises(ValidationError) as refused:
        services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=elsewhere.pk)
    assert "user" in refused.value.message_dict
    assert not grants(cluster).exists()


def test_only_owner_admins_and_coordinators_name_managers(cluster, uni_staff, coordinator, lab, university):
    other_staff = OrganizationRoleFactory(organization=university, user=UserFactory(username="labtech"),
                                          role="staff").user
    with pytest.raises(PermissionDenied):
        services.manager_grant(cluster=cluster, actor=uni_staff, resource_id=lab.pk, user_id=other_staff.pk)
    services.manager_grant(cluster=cluster, actor=coordinator, resource_id=lab.pk, user_id=other_staff.pk)
    assert grants(cluster).get().user == other_staff


def test_a_grant_on_one_resource_does_not_reach_another(cluster, uni_admin, uni_staff, lab, university):
    other = ResourceFactory(owner=university, name="Assembly hall", kind="hall")
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    assert not permissions.can_manage(permissions.roles_for(uni_staff, cluster), other)
