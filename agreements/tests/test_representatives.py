"""Party representatives: per-object grants (django-guardian, direct foreign-key table) that
let a person of a party organization act for it on one agreement, and nothing more."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from guardian.shortcuts import get_perms
from guardian.utils import get_user_obj_perms_model
from rest_framework.test import APIClient

from agreements import permissions, selectors, services
from agreements.models import Agreement, AgreementParty, AgreementPartyUserGrant
from cluster_platform.tenancy import forget_roles, roles_for
from members.models import OrganizationRole
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(make_agreement, cluster, coordinator):
    agreement = make_agreement()
    services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                  to_status=Agreement.Status.NEGOTIATION)
    return agreement


@pytest.fixture
def school_party(agreement, school):
    return AgreementParty.objects.for_cluster(agreement.cluster).get(agreement=agreement, organization=school)


@pytest.fixture
def teacher(school):
    """Staff of the school: reads the school's agreements, acts on none of them by default."""
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="teacher", email="t@example.org"),
                                   role="staff").user


def name(cluster, actor, agreement, party, user):
    return services.representative_add(cluster=cluster, actor=actor, agreement_id=agreement.pk,
                                       party_id=party.pk, user_id=user.pk)


def fresh(user):
    forget_roles(user)
    return user


def test_the_grant_is_a_guardian_permission_in_the_direct_table_with_the_cluster(
        cluster, coordinator, agreement, school_party, teacher):
    assert get_user_obj_perms_model(school_party) is AgreementPartyUserGrant
    name(cluster, coordinator, agreement, school_party, teacher)
    grant = AgreementPartyUserGrant.objects.get(user=teacher)
    assert grant.cluster_id == cluster.pk and grant.content_object_id == school_party.pk
    assert get_perms(teacher, school_party) == ["represent_party"]
    assert teacher.has_perm("agreements.represent_party", school_party)
    assert selectors.representative_ids(cluster=cluster, party=school_party) == {teacher.pk}


def test_a_representative_signs_for_its_party_and_completes_its_obligations_only(
        cluster, coordinator, agreement, school_party, teacher, university):
    university_party = AgreementParty.objects.for_cluster(cluster).get(agreement=agreement, organization=university)
    obligation = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                         party_id=school_party.pk, description="Host the students",
                                         due_date=datetime.date(2026, 9, 1))
    other = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                    party_id=university_party.pk, description="Send the students",
                                    due_date=datetime.date(2026, 9, 1))
    with pytest.raises(PermissionDenied):
        services.agreement_sign(cluster=cluster, actor=teacher, agreement_id=agreement.pk, party_id=school_party.pk,
                                signed_on=datetime.date(2026, 2, 1), signed_by_name="A. Karimova")

    name(cluster, coordinator, agreement, school_party, teacher)
    fresh(teacher)
    services.agreement_sign(cluster=cluster, actor=teacher, agreement_id=agreement.pk, party_id=school_party.pk,
                            signed_on=datetime.date(2026, 2, 1), signed_by_name="A. Karimova")
    with pytest.raises(PermissionDenied):
        services.agreement_sign(cluster=cluster, actor=teacher, agreement_id=agreement.pk,
                                party_id=university_party.pk, signed_on=datetime.date(2026, 2, 1),
                                signed_by_name="B. Aliev")
    services.obligation_complete(cluster=cluster, actor=teacher, obligation_id=obligation.pk)
    with pytest.raises(PermissionDenied):
        services.obligation_complete(cluster=cluster, actor=teacher, obligation_id=other.pk)


def test_a_representative_negotiates_but_does_not_renew_or_suspend(
        cluster, coordinator, agreement, school_party, teacher):
    name(cluster, coordinator, agreement, school_party, teacher)
    services.agreement_transition(cluster=cluster, actor=fresh(teacher), agreement_id=agreement.pk,
                                  to_status=Agreement.Status.DRAFT, comment="One more round")
    roles = roles_for(teacher, cluster)
    agreement = selectors.agreement_get(cluster=cluster, roles=roles, pk=agreement.pk)
    assert permissions.can_propose(roles, agreement) and permissions.can_upload_document(roles, agreement)
    assert not permissions.can_renew(roles, agreement) and not permissions.can_manage(roles)


def test_the_grant_counts_only_for_that_agreement(cluster, coordinator, make_agreement, agreement, school_party, teacher):
    second = make_agreement(title="Another agreement with the school")
    name(cluster, coordinator, agreement, school_party, teacher)
    roles = roles_for(fresh(teacher), cluster)
    second = selectors.agreement_get(cluster=cluster, roles=roles, pk=second.pk)
    assert not permissions.can_propose(roles, second)
    assert permissions.represented_party_ids(roles, second) == set()


def test_a_grant_whose_holder_left_the_organization_gives_nothing(
        cluster, coordinator, agreement, school_party, teacher, university):
    name(cluster, coordinator, agreement, school_party, teacher)
    # Still in the cluster through another organization, but no longer at the school.
    OrganizationRole.objects.for_cluster(cluster).filter(user=teacher).delete()
    OrganizationRoleFactory(organization=university, user=teacher, role="staff")
    roles = roles_for(fresh(teacher), cluster)
    loaded = selectors.agreement_get(cluster=cluster, roles=roles, pk=agreement.pk)
    assert permissions.represented_party_ids(roles, loaded) == set()
    with pytest.raises(PermissionDenied):
        services.agreement_sign(cluster=cluster, actor=teacher, agreement_id=agreement.pk, party_id=school_party.pk,
                                signed_on=datetime.date(2026, 2, 1), signed_by_name="A. Karimova")


def test_the_party_admin_names_and_removes_its_own_representatives_only(
        cluster, agreement, school_party, teacher, university, org_admin):
    name(cluster, org_admin, agreement, school_party, teacher)
    university_party = AgreementParty.objects.for_cluster(cluster).get(agreement=agreement, organization=university)
    lecturer = OrganizationRoleFactory(organization=university, role="staff").user
    with pytest.raises(PermissionDenied):
        name(cluster, org_admin, agreement, university_party, lecturer)
    services.representative_remove(cluster=cluster, actor=org_admin, agreement_id=agreement.pk,
                                   party_id=school_party.pk, user_id=teacher.pk)
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()


@pytest.mark.parametrize("who", ["teacher", "authority", "expert"])
def test_staff_authorities_and_experts_cannot_name_representatives(
        request, cluster, agreement, school_party, teacher, who):
    actor = teacher if who == "teacher" else request.getfixturevalue(who)
    with pytest.raises((PermissionDenied, Agreement.DoesNotExist)):
        name(cluster, actor, agreement, school_party, teacher)
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()


def test_only_people_of_the_party_organization_can_be_named(
        cluster, coordinator, agreement, school_party, university, other_school):
    lecturer = OrganizationRoleFactory(organization=university, role="staff").user
    foreigner = OrganizationRoleFactory(organization=other_school, role="admin").user
    nobody = UserFactory()
    for user in (lecturer, foreigner, nobody):
        with pytest.raises(ValidationError) as refused:
            name(cluster, coordinator, agreement, school_party, user)
        assert "School No. 1" in refused.value.message_dict["user"][0]
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()


def test_naming_twice_or_removing_a_stranger_is_refused_with_the_field(
        cluster, coordinator, agreement, school_party, teacher):
    name(cluster, coordinator, agreement, school_party, teacher)
    with pytest.raises(ValidationError) as twice:
        name(cluster, coordinator, agreement, school_party, teacher)
    assert "already represents" in twice.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as stranger:
        services.representative_remove(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                       party_id=school_party.pk, user_id=coordinator.pk)
    assert "user" in stranger.value.message_dict


def test_another_clusters_agreement_or_party_is_not_found(
        cluster, other_cluster, coordinator, outsider, agreement, school_party, teacher, make_agreement):
    with pytest.raises(Agreement.DoesNotExist):
        services.representative_add(cluster=other_cluster, actor=outsider, agreement_id=agreement.pk,
                                    party_id=school_party.pk, user_id=teacher.pk)
    second = make_agreement(title="Second")
    with pytest.raises(ValidationError) as wrong_party:
        services.representative_add(cluster=cluster, actor=coordinator, agreement_id=second.pk,
                                    party_id=school_party.pk, user_id=teacher.pk)
    assert "party" in wrong_party.value.message_dict


def test_no_representatives_are_named_on_a_terminated_agreement(
        cluster, coordinator, agreement, school_party, teacher):
    services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                  to_status=Agreement.Status.TERMINATED, reason="Merged into another")
    with pytest.raises(PermissionDenied):
        name(cluster, coordinator, agreement, school_party, teacher)


def test_candidates_are_the_organizations_people_not_yet_named(
        cluster, coordinator, agreement, school_party, teacher, org_admin):
    assert set(selectors.representative_candidates(cluster=cluster, party=school_party)) == {teacher, org_admin}
    name(cluster, coordinator, agreement, school_party, teacher)
    assert list(selectors.representative_candidates(cluster=cluster, party=school_party)) == [org_admin]


def test_the_agreement_page_data_has_the_representatives_in_constant_queries(
        cluster, coordinator, agreement, school_party, django_assert_max_num_queries):
    for _n in range(4):
        name(cluster, coordinator, agreement, school_party,
             OrganizationRoleFactory(organization=school_party.organization, role="staff").user)
    roles = roles_for(coordinator, cluster)
    with django_assert_max_num_queries(6):
        loaded = selectors.agreement_get(cluster=cluster, roles=roles, pk=agreement.pk)
        grants = {party.pk: [grant.user for grant in party.representative_grants] for party in loaded.parties.all()}
    assert len(grants[school_party.pk]) == 4


def test_reminders_reach_representatives_who_still_work_there(
        django_capture_on_commit_callbacks, cluster, coordinator, school, teacher):
    agreement = Agreement.objects.create(
        cluster=cluster, number="TSH-2026-0100", title="Ending soon", kind="memorandum", status="active",
        start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 4, 20))
    party = AgreementParty.objects.create(cluster=cluster, agreement=agreement, organization=school)
    AgreementParty.objects.create(cluster=cluster, agreement=agreement, organization=OrganizationFactory(cluster=cluster))
    gone = OrganizationRoleFactory(organization=school, user=UserFactory(email="gone@example.org"), role="staff").user
    for user in (teacher, gone):
        name(cluster, coordinator, agreement, party, user)
    OrganizationRole.objects.for_cluster(cluster).filter(user=gone).delete()
    coordinator.email = "coord@example.org"
    coordinator.save()

    recipients = selectors.reminder_recipient_languages(cluster=cluster, agreement=agreement)
    assert [email for email, _language in recipients] == ["coord@example.org", "t@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_due(cluster=cluster, today=datetime.date(2026, 4, 1))
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "coord@example.org", "t@example.org"]


# --- The page and the API ------------------------------------------------------------------------

def page(cluster, agreement, party):
    return reverse("agreement_representatives", args=[cluster.slug, agreement.pk, party.pk])


def test_the_party_admin_names_and_removes_a_representative_in_the_browser(
        client, cluster, agreement, school_party, teacher, org_admin):
    client.force_login(org_admin)
    detail = client.get(reverse("agreement_detail", args=[cluster.slug, agreement.pk])).content.decode()
    assert page(cluster, agreement, school_party) in detail

    response = client.get(page(cluster, agreement, school_party))
    assert response.status_code == 200 and "Nobody is named yet" in response.content.decode()
    response = client.post(page(cluster, agreement, school_party), {"action": "add", "user": teacher.pk}, follow=True)
    assert "now represents School No. 1" in response.content.decode()
    assert selectors.representative_ids(cluster=cluster, party=school_party) == {teacher.pk}
    detail = client.get(reverse("agreement_detail", args=[cluster.slug, agreement.pk])).content.decode()
    assert "teacher" in detail.split('id="parties"')[1].split("</section>")[0]

    response = client.post(page(cluster, agreement, school_party), {"action": "remove", "user": teacher.pk},
                           follow=True)
    assert "no longer represents School No. 1" in response.content.decode()
    assert selectors.representative_ids(cluster=cluster, party=school_party) == set()


def test_the_page_refuses_a_person_from_elsewhere_naming_the_field(
        client, cluster, coordinator, agreement, school_party, university):
    lecturer = OrganizationRoleFactory(organization=university, role="staff").user
    client.force_login(coordinator)
    response = client.post(page(cluster, agreement, school_party), {"action": "add", "user": lecturer.pk})
    assert response.status_code == 422
    assert 'id="id_user"' in response.content.decode() and "is-invalid" in response.content.decode()
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()


def test_a_stale_removal_says_why(client, cluster, coordinator, agreement, school_party, teacher):
    client.force_login(coordinator)
    response = client.post(page(cluster, agreement, school_party), {"action": "remove", "user": teacher.pk})
    assert response.status_code == 422 and "alert-danger" in response.content.decode()


@pytest.mark.parametrize("who", ["teacher", "authority"])
def test_others_cannot_open_the_page(client, request, cluster, agreement, school_party, teacher, who):
    client.force_login(teacher if who == "teacher" else request.getfixturevalue(who))
    assert client.get(page(cluster, agreement, school_party)).status_code == 403
    assert client.post(page(cluster, agreement, school_party),
                       {"action": "add", "user": teacher.pk}).status_code == 403
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()


def test_the_api_names_lists_and_removes_representatives(cluster, coordinator, agreement, school_party, teacher):
    api = APIClient()
    api.force_authenticate(coordinator)
    base = f"/api/v1/c/{cluster.slug}/agreements/{agreement.pk}/"
    response = api.post(base + "representatives/", {"party": school_party.pk, "user": teacher.pk}, format="json")
    assert response.status_code == 200, response.content
    party = next(p for p in response.json()["parties"] if p["id"] == school_party.pk)
    assert party["representatives"] == [{"id": teacher.pk, "username": "teacher", "full_name": teacher.get_full_name()}]

    again = api.post(base + "representatives/", {"party": school_party.pk, "user": teacher.pk}, format="json")
    assert again.status_code == 400 and "user" in again.json()
    response = api.post(base + "representatives/remove/", {"party": school_party.pk, "user": teacher.pk},
                        format="json")
    assert response.status_code == 200
    assert all(p["representatives"] == [] for p in response.json()["parties"])


def test_the_api_refuses_staff_and_hides_other_clusters(cluster, agreement, school_party, teacher, outsider):
    api = APIClient()
    api.force_authenticate(teacher)
    base = f"/api/v1/c/{cluster.slug}/agreements/{agreement.pk}/"
    assert api.post(base + "representatives/", {"party": school_party.pk, "user": teacher.pk},
                    format="json").status_code == 403
    api.force_authenticate(outsider)
    assert api.post(base + "representatives/", {"party": school_party.pk, "user": teacher.pk},
                    format="json").status_code == 404
    assert not AgreementPartyUserGrant.objects.filter(cluster=cluster).exists()
