"""GET /api/v1/c/<slug>/audit/: coordinators only, one cluster, paginated, bad filters named."""

from __future__ import annotations

import pghistory
import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from members import services as member_services
from members.models import Organization
from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(cluster):
    return f"/api/v1/c/{cluster.slug}/audit/"


def test_a_coordinator_reads_who_changed_what(cluster, coordinator, school):
    member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                        data={"district": "Mirzo Ulugbek"})
    response = api(coordinator).get(url(cluster), {"kind": "organization", "action": "update"})
    assert response.status_code == 200
    assert response.data["count"] == 1
    [event] = response.data["results"]
    assert event["kind"] == "organization" and event["action"] == "update" and event["who"] == "coord"
    assert event["object_id"] == school.pk and event["url"] == f"/c/{cluster.slug}/organizations/{school.pk}/"
    assert event["changes"] == [{"field": "District", "old": "Chirchik", "new": "Mirzo Ulugbek"}]


def test_the_list_is_paginated_and_holds_only_the_clusters_events(cluster, other_cluster, coordinator, other_school):
    with pghistory.context(user=coordinator.pk):
        for _index in range(55):
            OrganizationFactory(cluster=cluster)
    Organization.objects.for_cluster(other_cluster).update(district="Registan")
    client = api(coordinator)
    first = client.get(url(cluster)).data
    assert first["count"] == 56 and len(first["results"]) == 50 and first["next"]
    second = client.get(url(cluster), {"page": 2}).data
    assert len(second["results"]) == 6 and second["next"] is None
    labels = {event["label"] for event in first["results"] + second["results"]}
    assert "Samarkand School No. 7" not in labels


@pytest.mark.parametrize("who", ["authority", "expert", "org_admin"])
def test_other_roles_are_refused(request, cluster, who):
    assert api(request.getfixturevalue(who)).get(url(cluster)).status_code == 403


def test_another_clusters_coordinator_gets_404_and_anonymous_callers_401(cluster, outsider):
    assert api(outsider).get(url(cluster)).status_code == 404
    assert api().get(url(cluster)).status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ({"kind": "planet"}, "kind"),
    ({"object": "3"}, "object"),
    ({"user": "someone"}, "user"),
    ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
])
def test_a_bad_filter_is_400_naming_it(cluster, coordinator, query, field):
    response = api(coordinator).get(url(cluster), query)
    assert response.status_code == 400 and field in response.data


def test_the_operation_is_in_the_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/c/{cluster_slug}/audit/"]["get"]
    assert {"200", "400", "403", "404"} <= set(operation["responses"])
    assert {"kind", "object", "user", "action", "date_from", "date_to", "page"} <= {
        parameter["name"] for parameter in operation["parameters"]}


def test_branding_changes_are_listed_as_the_clusters_events(cluster, other_cluster, coordinator, outsider):
    member_services.cluster_branding_update(cluster=cluster, actor=coordinator, data={"accent_colour": "#d4a017"})
    member_services.cluster_branding_update(cluster=other_cluster, actor=outsider, data={"accent_colour": "#2ab7ca"})
    response = api(coordinator).get(url(cluster), {"kind": "cluster"})
    assert response.status_code == 200 and response.data["count"] == 1
    [event] = response.data["results"]
    assert (event["kind"], event["kind_label"], event["who"], event["object_id"]) == (
        "cluster", "Cluster", "coord", cluster.pk)
    assert event["url"] == f"/c/{cluster.slug}/branding/"
    assert event["changes"] == [{"field": "Accent colour", "old": "#0062cc", "new": "#d4a017"}]
    assert api(coordinator).get(url(cluster), {"kind": "cluster", "object": other_cluster.pk}).data["count"] == 0
