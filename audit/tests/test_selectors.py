"""The audit trail's reads: who changed what, bulk updates included, one cluster only, the
filters, and a query count that does not grow with the number of events."""

from __future__ import annotations

import datetime

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agreements import services as agreement_services
from agreements.models import AgreementParty
from audit.selectors import SYSTEM, AuditFilters, event_list
from innovations.models import Innovation
from innovations.services import lifecycle
from innovations.tests.factories import InnovationFactory
from members import services as member_services
from members.models import Cluster, ClusterRole, Organization, OrganizationRole
from members.tests.factories import OrganizationFactory, UserFactory
from resources import services as resource_services
from resources.models import Booking
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db


def events(cluster, **filters):
    return event_list(cluster=cluster, filters=AuditFilters(**filters))[0:500]


def test_a_change_through_a_service_is_shown_with_the_acting_user_and_the_changed_field(cluster, coordinator, school):
    coordinator.first_name, coordinator.last_name = "Dilnoza", "Karimova"
    coordinator.save()
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"name": "School No. 1 named after Navoi"})

    [event] = events(cluster, kind="organization", action="update")
    assert (event.who, event.who_kind) == ("Dilnoza Karimova", "user")
    assert event.kind_label == "Organization" and event.action_label == "changed"
    assert event.label == "School No. 1 named after Navoi"
    assert event.url == f"/c/{cluster.slug}/organizations/{school.pk}/"
    assert [(c.field, c.old, c.new) for c in event.changes] == [
        ("Name", "School No. 1", "School No. 1 named after Navoi")]


def test_a_bulk_update_without_a_context_is_recorded_as_the_system(cluster, school):
    changed = Organization.objects.for_cluster(cluster).filter(pk=school.pk).update(
        district="Yunusobod", status=Organization.Status.SUSPENDED)
    assert changed == 1

    [event] = events(cluster, action="update")
    assert (event.who, event.who_kind) == ("system", "system")
    assert [(c.field, c.old, c.new) for c in event.changes] == [
        ("District", "Chirchik", "Yunusobod"), ("Status", "Active", "Suspended")]


def test_a_bulk_update_inside_a_context_is_attributed_to_its_user(cluster, coordinator, school):
    OrganizationFactory(cluster=cluster, name="School No. 2")
    with pghistory.context(user=coordinator.pk):
        Organization.objects.for_cluster(cluster).update(district="Yakkasaroy")

    updates = events(cluster, action="update")
    assert len(updates) == 2
    assert {event.who for event in updates} == {"coord"}
    assert {event.label for event in updates} == {"School No. 1", "School No. 2"}


def test_a_task_is_named_as_the_actor(cluster, school):
    with pghistory.context(task="members.tasks.recompute_ratings", task_id="abc"):
        Organization.objects.for_cluster(cluster).filter(pk=school.pk).update(current_rating="red")

    [event] = events(cluster, action="update")
    assert (event.who, event.who_kind) == ("task recompute_ratings", "task")
    assert [(c.field, c.old, c.new) for c in event.changes] == [("Current rating", "", "Red")]


def test_another_clusters_events_never_appear(cluster, other_cluster, coordinator, outsider, school, other_school):
    member_services.organization_update(cluster=other_cluster, actor=outsider, organization_id=other_school.pk,
                                        data={"name": "Samarkand renamed"})
    Organization.objects.for_cluster(other_cluster).update(district="Registan")

    shown = events(cluster)
    assert shown and all("Samarkand" not in event.label for event in shown)
    assert all(event.who != "outsider" for event in shown)
    # Not even when asked for by the other cluster's id.
    assert events(cluster, kind="organization", object_id=other_school.pk) == []
    assert event_list(cluster=cluster, filters=AuditFilters(kind="organization", object_id=other_school.pk)).count() == 0


def test_agreements_show_their_parties_and_one_agreements_history_leaves_others_out(cluster, coordinator, school):
    partner = OrganizationFactory(cluster=cluster, name="Teacher-training institute", kind="iro")
    parties = [{"organization_id": school.pk, "role": "initiator"}, {"organization_id": partner.pk}]
    agreement = agreement_services.agreement_create(
        cluster=cluster, actor=coordinator, title="Internships", kind="internship",
        start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31), parties=parties)
    other = agreement_services.agreement_create(
        cluster=cluster, actor=coordinator, title="Laboratories", kind="resource_sharing",
        start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31), parties=parties)

    history = events(cluster, kind="agreement", object_id=agreement.pk)
    assert sorted(event.source for event in history) == ["agreement", "agreement_party", "agreement_party"]
    assert all(event.who == "coord" and event.action == "insert" for event in history)
    assert all(event.url == f"/c/{cluster.slug}/agreements/{agreement.pk}/" for event in history)
    party_labels = {event.label for event in history if event.source == "agreement_party"}
    assert party_labels == {f"{agreement.number} · Internships · School No. 1 · Initiator",
                            f"{agreement.number} · Internships · Teacher-training institute · Partner"}
    assert len(events(cluster, kind="agreement")) == 6
    assert other.pk not in {event.object_id for event in history}

    AgreementParty.objects.for_cluster(cluster).filter(agreement=agreement).update(signed_on=datetime.date(2026, 2, 3))
    signed = events(cluster, kind="agreement", object_id=agreement.pk, action="update")
    assert [(c.field, c.old, c.new) for c in signed[0].changes] == [("Signed on", "", "3 February 2026")]


def test_innovations_show_their_stage_changes(cluster, coordinator, school):
    innovation = InnovationFactory(origin_organization=school, title="Peer tutoring")
    lifecycle.innovation_transition(cluster=cluster, actor=coordinator, innovation_id=innovation.pk,
                                    to_stage=Innovation.Stage.REJECTED, comment="Already in use")

    history = events(cluster, kind="innovation", object_id=innovation.pk)
    transition = next(event for event in history if event.source == "stage_transition")
    assert transition.label == "Peer tutoring: Proposed → Rejected"
    assert transition.who == "coord"
    change = next(event for event in history if event.source == "innovation" and event.action == "update")
    assert ("Stage", "Proposed", "Rejected") in [(c.field, c.old, c.new) for c in change.changes]
    assert change.url == f"/c/{cluster.slug}/innovations/{innovation.pk}/"


def test_roles_name_the_person_and_a_deleted_object_is_no_longer_linked(cluster, coordinator, school):
    teacher = UserFactory(username="teacher", first_name="Aziz", last_name="Rakhimov")
    grant = member_services.cluster_role_grant(cluster=cluster, actor=coordinator, user=teacher, role="expert")
    staff = member_services.organization_role_grant(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                                    user=teacher, role="staff")
    member_services.cluster_role_revoke(cluster=cluster, actor=coordinator, role_id=grant.pk)

    roles = events(cluster, kind="cluster_role", object_id=grant.pk)
    assert [event.action for event in roles] == ["delete", "insert"]
    assert {event.label for event in roles} == {"Aziz Rakhimov · Expert"}
    assert all(event.url == "" for event in roles)  # the role is gone
    [staff_event] = events(cluster, kind="organization_role", object_id=staff.pk)
    assert staff_event.label == "Aziz Rakhimov · Staff · School No. 1"
    assert staff_event.url == f"/c/{cluster.slug}/organizations/{school.pk}/"
    # An organization's history includes the roles in it.
    assert staff_event.label in {e.label for e in events(cluster, kind="organization", object_id=school.pk)}
    assert not ClusterRole.objects.for_cluster(cluster).filter(pk=grant.pk).exists()
    assert OrganizationRole.objects.for_cluster(cluster).filter(pk=staff.pk).exists()


def test_bookings_show_their_status_and_period(cluster, coordinator, school):
    start = datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.timezone.utc)
    booking = BookingFactory(requester=school, period=period(start, start + datetime.timedelta(hours=2)))
    BookedResourceFactory(booking=booking, resource=ResourceFactory(owner=OrganizationFactory(cluster=cluster)))
    resource_services.booking_decline(cluster=cluster, actor=coordinator, booking_id=booking.pk, reason="Exams")
    later = start + datetime.timedelta(days=1)
    Booking.objects.for_cluster(cluster).filter(pk=booking.pk).update(period=period(later, later + datetime.timedelta(hours=1)))

    updates = events(cluster, kind="booking", object_id=booking.pk, action="update")
    assert updates[0].label == f"Booking #{booking.pk} · School No. 1"
    assert [(c.field, c.old, c.new) for c in updates[0].changes] == [
        ("Period", "7 January 2030, 15:00 – 7 January 2030, 17:00", "8 January 2030, 15:00 – 8 January 2030, 16:00")]
    declined = {(c.field, c.new) for c in updates[1].changes}
    assert {("Status", "Declined"), ("Reason for the decision", "Exams"), ("Decided by", "coord")} <= declined
    assert updates[1].who == "coord"


def test_filters_by_user_and_system(cluster, coordinator, school):
    OrganizationFactory(cluster=cluster, name="Made by a factory")
    assert {event.who for event in events(cluster, user=SYSTEM)} == {"system"}
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"name": "Renamed"})
    mine = events(cluster, user=coordinator.pk)
    assert [event.label for event in mine] == ["Renamed"]
    assert events(cluster, user=UserFactory().pk) == []


def test_filters_by_date_range_and_action(cluster, school):
    old = OrganizationFactory(cluster=cluster, name="Old school")
    event_model = Organization.pgh_event_model
    event_model.objects.filter(pgh_obj_id=old.pk).update(
        pgh_created_at=timezone.make_aware(datetime.datetime(2025, 3, 10, 12)))

    march = events(cluster, date_from=datetime.date(2025, 3, 10), date_to=datetime.date(2025, 3, 10))
    assert [event.label for event in march] == ["Old school"]
    assert events(cluster, date_from=datetime.date(2025, 3, 11), date_to=datetime.date(2025, 3, 31)) == []
    assert "Old school" not in {event.label for event in events(cluster, date_from=datetime.date(2025, 3, 11))}
    assert events(cluster, action="delete") == []


def test_pages_are_read_with_a_fixed_number_of_queries(cluster, coordinator, django_assert_max_num_queries):
    def make(count):
        for index in range(count):
            organization = OrganizationFactory(cluster=cluster)
            with pghistory.context(user=coordinator.pk):
                Organization.objects.for_cluster(cluster).filter(pk=organization.pk).update(district=f"D{index}")

    make(5)  # 10 events with the coordinator's
    with CaptureQueriesContext(connection) as ten:
        page = event_list(cluster=cluster)
        assert page.count() == 11
        assert len(page[0:50]) == 11
    make(25)  # 60 events
    with django_assert_max_num_queries(len(ten)):
        page = event_list(cluster=cluster)
        assert page.count() == 61
        assert len(page[0:50]) == 50


# --- The cluster's own changes: its branding ------------------------------------------------------

def _logo():
    from members.tests.test_branding import image_bytes, upload

    return upload(image_bytes())


def _branding(cluster, actor, **kwargs):
    return member_services.cluster_branding_update(cluster=cluster, actor=actor, data=kwargs.pop("data", {}),
                                                   **kwargs)


@pytest.mark.usefixtures("media_root")
def test_branding_changes_show_who_changed_the_colours_and_that_the_logo_changed(cluster, coordinator):
    _branding(cluster, coordinator, data={"primary_colour": "#0F5257", "accent_colour": "#d4a017"})
    _branding(cluster, coordinator, logo=_logo())
    _branding(cluster, coordinator, logo=_logo())
    _branding(cluster, coordinator, remove_logo=True)

    removed, replaced, uploaded, coloured = events(cluster, kind="cluster")
    assert all(event.source == "cluster" and event.kind_label == "Cluster" and event.action == "update"
               and event.label == "Tashkent test cluster" and event.who == "coord"
               and event.object_id == cluster.pk and event.url == f"/c/{cluster.slug}/branding/"
               for event in (removed, replaced, uploaded, coloured))
    assert [(c.field, c.old, c.new) for c in coloured.changes] == [
        ("Primary colour", "#0b3d91", "#0f5257"), ("Accent colour", "#0062cc", "#d4a017")]
    # A stored name means nothing to a reader: that the logo came, changed or went does.
    assert [(c.field, c.old, c.new) for c in uploaded.changes] == [("Logo", "", "new file")]
    assert [(c.field, c.old, c.new) for c in replaced.changes] == [("Logo", "previous file", "new file")]
    assert [(c.field, c.old, c.new) for c in removed.changes] == [("Logo", "previous file", "")]
    # One object's history, and the whole trail, hold them too; the cluster's creation is not listed.
    assert len(events(cluster, kind="cluster", object_id=cluster.pk)) == 4
    assert [event.source for event in events(cluster)].count("cluster") == 4
    assert events(cluster, action="insert", kind="cluster") == []


def test_a_change_that_changes_nothing_is_not_listed(cluster, coordinator):
    _branding(cluster, coordinator, data={"primary_colour": "#0b3d91"})
    assert events(cluster, kind="cluster") == []


def test_another_clusters_branding_changes_never_appear(cluster, other_cluster, coordinator, outsider):
    _branding(cluster, coordinator, data={"accent_colour": "#d4a017"})
    _branding(other_cluster, outsider, data={"primary_colour": "#1e3a8a"})
    Cluster.objects.filter(pk=other_cluster.pk).update(name="Samarkand renamed")

    [mine] = events(cluster, kind="cluster")
    assert mine.label == "Tashkent test cluster" and mine.who == "coord"
    assert all("Samarkand" not in event.label and event.who != "outsider" for event in events(cluster))
    assert events(cluster, kind="cluster", object_id=other_cluster.pk) == []
    assert event_list(cluster=cluster, filters=AuditFilters(kind="cluster")).count() == 1
    assert [event.label for event in events(other_cluster, kind="cluster")] == [
        "Samarkand renamed", "Samarkand test cluster"]


def test_the_changes_are_written_in_the_readers_language(cluster, coordinator):
    _branding(cluster, coordinator, data={"primary_colour": "#0f5257"})
    with translation.override("ru"):
        [event] = events(cluster, kind="cluster")
    assert (event.kind_label, event.action_label) == ("Кластер", "изменение")
    assert [(c.field, c.old, c.new) for c in event.changes] == [("Основной цвет", "#0b3d91", "#0f5257")]
