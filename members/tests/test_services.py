import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from members import services
from members.models import (
    ClusterRole,
    Invitation,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)
from members.tests.factories import ApplicationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Emails are queued after commit: run a block's on-commit callbacks as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def org_count(cluster):
    return Organization.objects.for_cluster(cluster).count()


class TestOrganizations:
    def test_coordinator_creates_an_active_member(self, cluster, coordinator):
        org = services.organization_create(cluster=cluster, actor=coordinator,
                                           data={"name": "School No. 12", "kind": "school", "tax_id": "123456789"})
        assert org.status == Organization.Status.ACTIVE and org.joined_on is not None
        assert org.cluster == cluster

    @pytest.mark.parametrize("role", ["authority", "expert"])
    def test_read_only_roles_cannot_create(self, cluster, role, request):
        user = request.getfixturevalue(role)
        with pytest.raises(PermissionDenied):
            services.organization_create(cluster=cluster, actor=user, data={"name": "X", "kind": "school"})
        assert org_count(cluster) == 0

    def test_bad_tax_id_names_the_field_and_saves_nothing(self, cluster, coordinator):
        with pytest.raises(ValidationError) as error:
            services.organization_create(cluster=cluster, actor=coordinator,
                                         data={"name": "School", "kind": "school", "tax_id": "12ab"})
        assert "tax_id" in error.value.message_dict
        assert org_count(cluster) == 0

    def test_duplicate_tax_id_in_one_cluster_is_refused(self, cluster, coordinator, school):
        with pytest.raises(ValidationError) as error:
            services.organization_create(cluster=cluster, actor=coordinator,
                                         data={"name": "Twin", "kind": "school", "tax_id": school.tax_id})
        assert error.value.message_dict["tax_id"] == ["An organization with this tax id is already in the cluster."]

    def test_same_tax_id_in_another_cluster_is_fine(self, other_cluster, outsider, school):
        org = services.organization_create(cluster=other_cluster, actor=outsider,
                                           data={"name": "Twin", "kind": "school", "tax_id": school.tax_id})
        assert org.cluster == other_cluster

    def test_org_admin_edits_its_profile_but_not_its_status_fields(self, cluster, school, org_admin):
        services.organization_update(cluster=cluster, actor=org_admin, organization_id=school.pk,
                                     data={"address": "12 Navoi street"})
        school.refresh_from_db()
        assert school.address == "12 Navoi street"
        with pytest.raises(ValidationError) as error:
            services.organization_update(cluster=cluster, actor=org_admin, organization_id=school.pk,
                                         data={"cluster_role": "centre"})
        assert "cluster_role" in error.value.message_dict

    def test_org_admin_cannot_edit_another_organization(self, cluster, school, org_admin):
        neighbour = OrganizationFactory(cluster=cluster, name="Neighbour")
        with pytest.raises(PermissionDenied):
            services.organization_update(cluster=cluster, actor=org_admin, organization_id=neighbour.pk,
                                         data={"address": "x"})
        neighbour.refresh_from_db()
        assert neighbour.address == ""

    def test_another_clusters_organization_does_not_exist_here(self, cluster, coordinator, other_school):
        with pytest.raises(Organization.DoesNotExist):
            services.organization_update(cluster=cluster, actor=coordinator, organization_id=other_school.pk,
                                         data={"address": "x"})
        other_school.refresh_from_db()
        assert other_school.address == ""


class TestMembershipStatus:
    def test_suspend_withdraw_reinstate_keep_dates_and_reasons(self, cluster, coordinator, school):
        day = datetime.date(2026, 5, 1)
        services.organization_suspend(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                      reason="Report not submitted", effective_on=day)
        school.refresh_from_db()
        assert (school.status, school.suspended_on, school.status_reason) == ("suspended", day, "Report not submitted")
        services.organization_reinstate(cluster=cluster, actor=coordinator, organization_id=school.pk)
        services.organization_withdraw(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                       reason="Left the region")
        changes = list(MembershipStatusChange.objects.for_cluster(cluster).order_by("id")
                       .values_list("from_status", "to_status", "reason"))
        assert changes == [
            ("active", "suspended", "Report not submitted"),
            ("suspended", "active", ""),
            ("active", "withdrawn", "Left the region"),
        ]
        school.refresh_from_db()
        assert school.suspended_on == day and school.withdrawn_on is not None

    def test_suspension_needs_a_reason(self, cluster, coordinator, school):
        with pytest.raises(ValidationError) as error:
            services.organization_suspend(cluster=cluster, actor=coordinator, organization_id=school.pk, reason=" ")
        assert "reason" in error.value.message_dict
        school.refresh_from_db()
        assert school.status == "active"

    def test_an_active_member_cannot_be_reinstated(self, cluster, coordinator, school):
        with pytest.raises(ValidationError) as error:
            services.organization_reinstate(cluster=cluster, actor=coordinator, organization_id=school.pk)
        assert "status" in error.value.message_dict

    def test_org_admin_cannot_suspend_its_organization(self, cluster, org_admin, school):
        with pytest.raises(PermissionDenied):
            services.organization_suspend(cluster=cluster, actor=org_admin, organization_id=school.pk, reason="x")


class TestApplications:
    def test_anyone_can_apply_and_gets_a_reference(self, cluster):
        application = services.application_submit(cluster=cluster, data={
            "organization_name": "School No. 44", "kind": "school", "contact_name": "Aziz Nazarov",
            "contact_email": "aziz@school44.example.org",
        })
        assert application.reference.startswith("APP-")
        assert application.status == MembershipApplication.Status.SUBMITTED

    def test_an_application_without_contact_email_names_the_field(self, cluster):
        with pytest.raises(ValidationError) as error:
            services.application_submit(cluster=cluster, data={
                "organization_name": "School", "kind": "school", "contact_name": "A", "contact_email": "not-an-email"})
        assert "contact_email" in error.value.message_dict
        assert MembershipApplication.objects.for_cluster(cluster).count() == 0

    def test_an_applicant_with_a_members_tax_id_is_refused(self, cluster, school):
        with pytest.raises(ValidationError) as error:
            services.application_submit(cluster=cluster, data={
                "organization_name": "Copy", "kind": "school", "tax_id": school.tax_id,
                "contact_name": "A", "contact_email": "a@example.org"})
        assert "tax_id" in error.value.message_dict

    def test_approval_makes_an_active_member_and_invites_its_contact(self, cluster, coordinator, committed):
        application = ApplicationFactory(cluster=cluster, contact_email="head@school5.example.org")
        with committed():
            services.application_approve(cluster=cluster, actor=coordinator, application_id=application.pk)
        application.refresh_from_db()
        org = application.organization
        assert application.status == "approved" and application.decided_by == coordinator
        assert org.status == Organization.Status.ACTIVE and org.name == application.organization_name
        invitation = Invitation.objects.for_cluster(cluster).get()
        assert invitation.organization == org and invitation.organization_role == "admin"
        assert [m.to for m in mail.outbox] == [["head@school5.example.org"]]
        assert "/invitations/" in mail.outbox[0].body

    def test_an_application_is_decided_once(self, cluster, coordinator):
        application = ApplicationFactory(cluster=cluster)
        services.application_approve(cluster=cluster, actor=coordinator, application_id=application.pk)
        with pytest.raises(ValidationError):
            services.application_reject(cluster=cluster, actor=coordinator, application_id=application.pk,
                                        reason="Too late")
        assert org_count(cluster) == 1

    def test_rejection_needs_a_reason_and_tells_the_applicant(self, cluster, coordinator, committed):
        application = ApplicationFactory(cluster=cluster)
        with pytest.raises(ValidationError) as error:
            services.application_reject(cluster=cluster, actor=coordinator, application_id=application.pk, reason="")
        assert "reason" in error.value.message_dict
        with committed():
            services.application_reject(cluster=cluster, actor=coordinator, application_id=application.pk,
                                        reason="Outside the region")
        application.refresh_from_db()
        assert application.status == "rejected" and application.rejection_reason == "Outside the region"
        assert "Outside the region" in mail.outbox[-1].body

    def test_authority_cannot_decide(self, cluster, authority):
        application = ApplicationFactory(cluster=cluster)
        with pytest.raises(PermissionDenied):
            services.application_approve(cluster=cluster, actor=authority, application_id=application.pk)
        application.refresh_from_db()
        assert application.status == "submitted" and org_count(cluster) == 0

    def test_outsider_cannot_approve_another_clusters_application(self, other_cluster, outsider, cluster):
        application = ApplicationFactory(cluster=cluster)
        with pytest.raises(MembershipApplication.DoesNotExist):
            services.application_approve(cluster=other_cluster, actor=outsider, application_id=application.pk)
        application.refresh_from_db()
        assert application.status == "submitted"


class TestInvitationsAndRoles:
    def _token_from_outbox(self):
        body = mail.outbox[-1].body
        return body.split("/invitations/")[1].split("/")[0]

    def test_invited_person_creates_an_account_with_the_roles(self, cluster, coordinator, school, committed):
        with committed():
            services.invitation_send(cluster=cluster, actor=coordinator, email="Teacher@School1.example.org",
                                     organization_id=school.pk, organization_role="staff", cluster_role="expert")
        token = self._token_from_outbox()
        user, joined = services.invitation_accept(token=token, username="teacher1", password="Strong-pass-2026")
        assert joined == cluster and user.email == "teacher@school1.example.org"
        assert ClusterRole.objects.for_cluster(cluster).filter(user=user, role="expert").exists()
        assert OrganizationRole.objects.for_cluster(cluster).filter(user=user, organization=school,
                                                                   role="staff").exists()

    def test_an_invitation_works_once(self, cluster, coordinator, committed):
        with committed():
            services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org", cluster_role="authority")
        token = self._token_from_outbox()
        services.invitation_accept(token=token, username="first", password="Strong-pass-2026")
        with pytest.raises(ValidationError):
            services.invitation_accept(token=token, username="second", password="Strong-pass-2026")

    def test_a_weak_password_names_the_field_and_creates_no_account(self, cluster, coordinator, django_user_model,
                                                                    committed):
        with committed():
            services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org", cluster_role="authority")
        token = self._token_from_outbox()
        with pytest.raises(ValidationError) as error:
            services.invitation_accept(token=token, username="weak", password="123")
        assert "password" in error.value.message_dict
        assert not django_user_model.objects.filter(username="weak").exists()

    def test_org_admin_invites_staff_of_its_own_organization_only(self, cluster, org_admin, school):
        services.invitation_send(cluster=cluster, actor=org_admin, email="s@example.org",
                                 organization_id=school.pk, organization_role="staff")
        neighbour = OrganizationFactory(cluster=cluster)
        with pytest.raises(PermissionDenied):
            services.invitation_send(cluster=cluster, actor=org_admin, email="s@example.org",
                                     organization_id=neighbour.pk, organization_role="staff")
        with pytest.raises(PermissionDenied):
            services.invitation_send(cluster=cluster, actor=org_admin, email="s@example.org",
                                     cluster_role="coordinator")

    def test_an_invitation_needs_a_role(self, cluster, coordinator):
        with pytest.raises(ValidationError) as error:
            services.invitation_send(cluster=cluster, actor=coordinator, email="x@example.org")
        assert "cluster_role" in error.value.message_dict

    def test_the_last_coordinator_cannot_be_revoked(self, cluster, coordinator):
        grant = ClusterRole.objects.for_cluster(cluster).get(user=coordinator)
        with pytest.raises(ValidationError):
            services.cluster_role_revoke(cluster=cluster, actor=coordinator, role_id=grant.pk)
        assert ClusterRole.objects.for_cluster(cluster).filter(pk=grant.pk).exists()

    def test_coordinator_grants_and_revokes_a_role(self, cluster, coordinator):
        user = UserFactory()
        grant = services.cluster_role_grant(cluster=cluster, actor=coordinator, user=user, role="expert")
        services.cluster_role_revoke(cluster=cluster, actor=coordinator, role_id=grant.pk)
        assert not ClusterRole.objects.for_cluster(cluster).filter(user=user).exists()


class TestPeopleAndRatings:
    def test_org_admin_adds_staff_to_its_own_organization(self, cluster, org_admin, school):
        person = services.person_create(cluster=cluster, actor=org_admin, organization_id=school.pk,
                                        data={"full_name": "Malika Yusupova", "subject": "Mathematics"})
        assert person.organization == school and person.cluster == cluster

    def test_person_without_a_name_names_the_field(self, cluster, org_admin, school):
        with pytest.raises(ValidationError) as error:
            services.person_create(cluster=cluster, actor=org_admin, organization_id=school.pk, data={"full_name": ""})
        assert "full_name" in error.value.message_dict
        assert Person.objects.for_cluster(cluster).count() == 0

    def test_latest_rating_becomes_the_current_rating(self, cluster, coordinator, school):
        services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                      period=datetime.date(2025, 9, 1), colour="yellow", score=61)
        services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                      period=datetime.date(2025, 3, 1), colour="red", score=40)
        school.refresh_from_db()
        assert school.current_rating == "yellow"

    def test_one_rating_per_school_and_period(self, cluster, coordinator, school):
        period = datetime.date(2025, 9, 1)
        services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                      period=period, colour="green", score=90)
        with pytest.raises(ValidationError):
            services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                          period=period, colour="red", score=10)
        assert SchoolRating.objects.for_cluster(cluster).count() == 1

    def test_ratings_are_for_schools_only(self, cluster, coordinator):
        college = OrganizationFactory(cluster=cluster, kind="college")
        with pytest.raises(ValidationError) as error:
            services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=college.pk,
                                          period=datetime.date(2025, 9, 1), colour="green", score=90)
        assert "organization" in error.value.message_dict

    def test_score_out_of_range_names_the_field(self, cluster, coordinator, school):
        with pytest.raises(ValidationError) as error:
            services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                          period=datetime.date(2025, 9, 1), colour="green", score=140)
        assert "score" in error.value.message_dict


class TestAudit:
    def test_changes_are_recorded_with_the_acting_user(self, cluster, coordinator, school):
        import pghistory.models

        services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                     data={"district": "Angren"})
        event = pghistory.models.Events.objects.get(pgh_obj_model="members.Organization",
                                                    pgh_obj_id=str(school.pk), pgh_label="update")
        assert event.pgh_context["user"] == coordinator.pk
        assert event.pgh_diff["district"] == ["Chirchik", "Angren"]

    def test_bulk_updates_are_recorded_too(self, cluster, school):
        from members.models import Organization as Org

        Org.objects.for_cluster(cluster).update(district="Bekabad")
        import pghistory.models

        labels = list(pghistory.models.Events.objects.filter(
            pgh_obj_model="members.Organization", pgh_obj_id=str(school.pk)).values_list("pgh_label", flat=True))
        assert "update" in labels


class TestReviewFixes:
    def test_a_rating_period_starts_on_the_first_of_a_month(self, cluster, coordinator, school):
        with pytest.raises(ValidationError) as error:
            services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                          period=datetime.date(2025, 9, 2), colour="green", score=90)
        assert "period" in error.value.message_dict

    def test_a_second_rating_for_the_period_names_the_period(self, cluster, coordinator, school):
        kwargs = dict(cluster=cluster, actor=coordinator, organization_id=school.pk,
                      period=datetime.date(2025, 9, 1), score=90)
        services.school_rating_record(colour="green", **kwargs)
        with pytest.raises(ValidationError) as error:
            services.school_rating_record(colour="red", **kwargs)
        assert "period" in error.value.message_dict

    def test_an_invitation_to_a_malformed_address_names_the_field(self, cluster, coordinator):
        with pytest.raises(ValidationError) as error:
            services.invitation_send(cluster=cluster, actor=coordinator, email="not an email", cluster_role="expert")
        assert "email" in error.value.message_dict
        assert not Invitation.objects.for_cluster(cluster).exists()

    def test_org_admin_grants_a_role_in_its_own_organization_only(self, cluster, org_admin, school):
        colleague = UserFactory()
        grant = services.organization_role_grant(cluster=cluster, actor=org_admin, organization_id=school.pk,
                                                 user=colleague, role="staff")
        assert grant.organization == school
        neighbour = OrganizationFactory(cluster=cluster)
        with pytest.raises(PermissionDenied):
            services.organization_role_grant(cluster=cluster, actor=org_admin, organization_id=neighbour.pk,
                                             user=colleague, role="admin")

    def test_writable_fields_follow_the_role(self, cluster, coordinator, org_admin):
        assert "cluster_role" in services.organization_writable_fields(cluster=cluster, actor=coordinator)
        assert "cluster_role" not in services.organization_writable_fields(cluster=cluster, actor=org_admin)


class TestPeopleVisibility:
    def test_experts_read_no_ones_details_and_staff_read_their_colleagues(self, cluster, expert, school, org_admin,
                                                                        authority):
        from members import permissions, selectors
        from members.tests.factories import PersonFactory
        from cluster_platform.tenancy import roles_for

        PersonFactory(organization=school)
        PersonFactory(organization=OrganizationFactory(cluster=cluster))
        visible = lambda user: selectors.person_list_visible(cluster=cluster, roles=roles_for(user, cluster)).count()  # noqa: E731
        assert (visible(authority), visible(org_admin), visible(expert)) == (2, 1, 0)
        assert not permissions.can_view_people(roles_for(expert, cluster))
        assert permissions.can_view_people(roles_for(org_admin, cluster), school)
