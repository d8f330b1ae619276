"""The audit trail page: coordinators only, one cluster, filters, pages, the empty state,
and the "History" links on the pages of organizations, agreements, bookings and innovations."""

from __future__ import annotations

import datetime
import re

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.tests.factories import AgreementFactory
from audit.views import PAGE_SIZE
from innovations.tests.factories import InnovationFactory
from members import services as member_services
from members.models import Organization
from members.tests.factories import OrganizationFactory
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db


def url(cluster, query=""):
    return f"/c/{cluster.slug}/audit/" + (f"?{query}" if query else "")


def as_user(client, user):
    client.force_login(user)
    return client


def items(response) -> list[str]:
    """The events of the page, as their text with spaces collapsed."""
    html = response.content.decode()
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
            for item in re.findall(r'<li class="card mb-2">(.*?)</li>\s*(?=<li class="card|</ol>)', html, re.S)]


def test_a_coordinator_sees_who_changed_what(client, cluster, coordinator, school):
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"name": "Lyceum No. 1"})
    response = as_user(client, coordinator).get(url(cluster))
    assert response.status_code == 200
    first = items(response)[0]
    assert "Changed Organization Lyceum No. 1" in first
    assert "coord" in first
    assert "Name: from School No. 1 → to Lyceum No. 1" in first
    assert f'href="/c/{cluster.slug}/organizations/{school.pk}/"' in response.content.decode()


def test_a_bulk_update_is_shown_as_the_system(client, cluster, coordinator, school):
    Organization.objects.for_cluster(cluster).filter(pk=school.pk).update(district="Sergeli")
    response = as_user(client, coordinator).get(url(cluster, "action=update"))
    [only] = items(response)
    assert "system" in only and "District: from Chirchik → to Sergeli" in only


def test_another_clusters_events_never_appear(client, cluster, other_cluster, coordinator, outsider, other_school):
    with pghistory.context(user=outsider.pk):
        Organization.objects.for_cluster(other_cluster).update(district="Registan")
    client = as_user(client, coordinator)
    page = client.get(url(cluster)).content.decode()
    assert "Samarkand" not in page and "Registan" not in page and "outsider" not in page
    one = client.get(url(cluster, f"kind=organization&object={other_school.pk}"))
    assert one.status_code == 200 and items(one) == []


@pytest.mark.parametrize("who", ["authority", "expert", "org_admin"])
def test_other_roles_of_the_cluster_are_refused(client, request, cluster, who):
    user = request.getfixturevalue(who)
    assert as_user(client, user).get(url(cluster)).status_code == 403


def test_a_coordinator_of_another_cluster_gets_404(client, cluster, outsider):
    assert as_user(client, outsider).get(url(cluster)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, cluster):
    response = client.get(url(cluster))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_filters_by_kind_and_by_user(client, cluster, coordinator, school):
    AgreementFactory(cluster=cluster, title="Memorandum with the institute")
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"short_name": "S1"})
    client = as_user(client, coordinator)
    agreements = items(client.get(url(cluster, "kind=agreement")))
    assert len(agreements) == 1 and "Memorandum with the institute" in agreements[0]
    mine = items(client.get(url(cluster, f"user={coordinator.pk}")))
    assert len(mine) == 1 and "Short name: from — → to S1" in mine[0]
    system = items(client.get(url(cluster, "user=system")))
    assert system and all("system" in item for item in system)


def test_filters_by_date_range(client, cluster, coordinator, school):
    Organization.pgh_event_model.objects.filter(pgh_obj_id=school.pk).update(
        pgh_created_at=datetime.datetime(2025, 5, 20, 9, tzinfo=datetime.timezone.utc))
    client = as_user(client, coordinator)
    may = items(client.get(url(cluster, "date_from=2025-05-01&date_to=2025-05-31")))
    assert len(may) == 1 and "School No. 1" in may[0]
    assert items(client.get(url(cluster, "date_from=2025-06-01&date_to=2025-06-30"))) == []


def test_bad_filters_are_named_and_ignored(client, cluster, coordinator):
    client = as_user(client, coordinator)
    response = client.get(url(cluster, "object=5"))
    assert response.status_code == 200
    assert "Choose a kind to see one object&#x27;s history." in response.content.decode()
    assert len(items(response)) == 1  # the coordinator's role: everything is shown
    response = client.get(url(cluster, "date_from=2026-02-01&date_to=2026-01-01"))
    assert "The end date cannot be before the start date." in response.content.decode()


def test_one_objects_history_is_titled_after_it(client, cluster, coordinator, school):
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"district": "Olmazor"})
    response = as_user(client, coordinator).get(url(cluster, f"kind=organization&object={school.pk}"))
    page = response.content.decode()
    assert "History: School No. 1" in page
    assert len(items(response)) == 2
    # The kind cannot change while one object is shown.
    assert '<input type="hidden" name="kind" value="organization"' in page


def test_the_empty_state_and_no_match(client, cluster, coordinator):
    client = as_user(client, coordinator)
    assert "No event matches these filters." in client.get(url(cluster, "kind=booking")).content.decode()


def test_events_are_paginated_by_fifty(client, cluster, coordinator):
    with pghistory.context(user=coordinator.pk):
        for _index in range(PAGE_SIZE + 9):
            OrganizationFactory(cluster=cluster)
    client = as_user(client, coordinator)
    first = client.get(url(cluster))
    assert len(items(first)) == PAGE_SIZE
    assert "Showing 1–50 of 60" in first.content.decode()
    second = client.get(url(cluster, "page=2"))
    assert len(items(second)) == 10
    assert "Showing 51–60 of 60" in second.content.decode()


def test_the_page_takes_the_same_number_of_queries_for_10_or_60_events(
        client, cluster, coordinator, django_assert_max_num_queries):
    client = as_user(client, coordinator)

    def make(count):
        for index in range(count):
            organization = OrganizationFactory(cluster=cluster)
            with pghistory.context(user=coordinator.pk):
                Organization.objects.for_cluster(cluster).filter(pk=organization.pk).update(district=f"D{index}")

    make(5)
    client.get(url(cluster))  # the session and caches settle
    with CaptureQueriesContext(connection) as ten:
        assert len(items(client.get(url(cluster)))) == 11
    make(25)
    with django_assert_max_num_queries(len(ten)):
        assert len(items(client.get(url(cluster)))) == PAGE_SIZE


def test_the_pages_of_objects_link_to_their_history_for_coordinators_only(client, cluster, coordinator, org_admin,
                                                                           school):
    agreement = AgreementFactory(cluster=cluster)
    innovation = InnovationFactory(origin_organization=school)
    start = datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.timezone.utc)
    booking = BookingFactory(requester=school, period=period(start, start + datetime.timedelta(hours=2)))
    BookedResourceFactory(booking=booking, resource=ResourceFactory(owner=school))
    pages = {
        f"/c/{cluster.slug}/organizations/{school.pk}/": f"kind=organization&amp;object={school.pk}",
        f"/c/{cluster.slug}/agreements/{agreement.pk}/": f"kind=agreement&amp;object={agreement.pk}",
        f"/c/{cluster.slug}/resources/bookings/{booking.pk}/": f"kind=booking&amp;object={booking.pk}",
        f"/c/{cluster.slug}/innovations/{innovation.pk}/": f"kind=innovation&amp;object={innovation.pk}",
    }
    client = as_user(client, coordinator)
    for page, query in pages.items():
        assert f'href="{url(cluster)}?{query}"' in client.get(page).content.decode(), page
    as_user(client, org_admin)
    for page in [f"/c/{cluster.slug}/organizations/{school.pk}/", f"/c/{cluster.slug}/resources/bookings/{booking.pk}/",
                 f"/c/{cluster.slug}/innovations/{innovation.pk}/"]:
        response = client.get(page)
        assert response.status_code == 200 and url(cluster) not in response.content.decode(), page


# --- The cluster's branding ---------------------------------------------------------------------

def test_branding_changes_are_on_the_page_and_the_branding_page_links_to_them(client, cluster, coordinator):
    member_services.cluster_branding_update(cluster=cluster, actor=coordinator,
                                            data={"primary_colour": "#0f5257", "accent_colour": "#d4a017"})
    client = as_user(client, coordinator)
    [change] = [item for item in items(client.get(url(cluster))) if item.startswith("Changed Cluster ")]
    assert change.startswith("Changed Cluster Tashkent test cluster") and "coord" in change
    assert "Primary colour: from #0b3d91 → to #0f5257" in change and "Accent colour: from #0062cc → to #d4a017" in change
    assert items(client.get(url(cluster, "kind=cluster"))) == [change]
    history = f"kind=cluster&amp;object={cluster.pk}"
    assert f'href="{url(cluster)}?{history}"' in client.get(f"/c/{cluster.slug}/branding/").content.decode()
    response = client.get(url(cluster, f"kind=cluster&object={cluster.pk}"))
    assert "History: Tashkent test cluster" in response.content.decode()
    assert len(items(response)) == 1
    assert "Cluster and branding" in client.get(url(cluster)).content.decode()  # the kind filter offers it


def test_the_page_is_in_the_readers_language(client, cluster, coordinator):
    member_services.cluster_branding_update(cluster=cluster, actor=coordinator, data={"primary_colour": "#0f5257"})
    response = as_user(client, coordinator).get(url(cluster, "kind=cluster"), HTTP_ACCEPT_LANGUAGE="ru")
    [only] = items(response)
    assert "Кластер" in only and "Основной цвет" in only and "#0f5257" in only


def test_another_clusters_branding_never_appears(client, cluster, other_cluster, coordinator, outsider):
    member_services.cluster_branding_update(cluster=other_cluster, actor=outsider, data={"primary_colour": "#1e3a8a"})
    client = as_user(client, coordinator)
    assert "#1e3a8a" not in client.get(url(cluster)).content.decode()
    assert items(client.get(url(cluster, f"kind=cluster&object={other_cluster.pk}"))) == []


def test_branding_changes_keep_the_pages_query_count(client, cluster, coordinator, django_assert_max_num_queries):
    colours = ["#0f5257", "#1e3a8a"]

    def make(count):
        for index in range(count):
            organization = OrganizationFactory(cluster=cluster)
            with pghistory.context(user=coordinator.pk):
                Organization.objects.for_cluster(cluster).filter(pk=organization.pk).update(district=f"D{index}")
            member_services.cluster_branding_update(cluster=cluster, actor=coordinator,
                                                    data={"primary_colour": colours[index % 2]})

    client = as_user(client, coordinator)
    make(3)
    client.get(url(cluster))
    with CaptureQueriesContext(connection) as few:
        assert len(items(client.get(url(cluster)))) == 10
    make(20)
    with django_assert_max_num_queries(len(few)):
        assert len(items(client.get(url(cluster)))) == PAGE_SIZE
