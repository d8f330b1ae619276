"""The pilots API: /api/v1/c/<slug>/pilots/, adoptions/ and innovations/<id>/spread/.

Users: `origin_admin` (the authors' side), `org_admin` (admin of `school`), `coordinator`,
`authority`, `outsider` (a coordinator of another cluster). Refused writes check nothing changed.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from innovations.models import Adoption, Innovation, Pilot, PilotMeasure
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory

from .factories import AdoptionFactory, InnovationFactory, PilotFactory, PilotMeasureFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
D = datetime.date


def url(cluster, *parts) -> str:
    return f"/api/v1/c/{cluster.slug}/" + "".join(f"{part}/" for part in parts)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tables(cluster):
    return [list(model.objects.for_cluster(cluster).order_by("pk").values()) for model in (Pilot, PilotMeasure,
                                                                                           Adoption)]


@pytest.fixture
def innovation(cluster, origin):
    return InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.APPROVED_FOR_PILOT,
                             created_at=datetime.datetime(2024, 9, 1, tzinfo=datetime.timezone.utc))


@pytest.fixture
def pilot(cluster, innovation, school):
    pilot = PilotFactory(cluster=cluster, innovation=innovation, organization=school, status=Pilot.Status.PLANNED)
    PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Mean test score", baseline=54)
    return pilot


def test_the_authors_side_creates_a_pilot(cluster, origin_admin, innovation, school):
    response = client_for(origin_admin).post(url(cluster, "pilots"), {
        "innovation": innovation.pk, "organization": school.pk, "start_date": "2025-09-01",
        "end_date": "2026-05-25", "participants": 30,
        "measures": [{"name": "Mean test score", "unit": "%", "baseline": "54.5"}]}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["organization_name"] == school.name
    assert [(m["name"], m["baseline"], m["higher_is_better"]) for m in response.data["measures"]] == [
        ("Mean test score", "54.50", True)]


def test_create_errors_name_the_field(cluster, origin_admin, innovation, school):
    response = client_for(origin_admin).post(url(cluster, "pilots"), {
        "innovation": innovation.pk, "organization": school.pk, "start_date": "2025-09-01",
        "end_date": "2025-08-01", "measures": []}, format="json")
    assert response.status_code == 400
    assert set(response.data) == {"end_date", "measures"}
    assert tables(cluster) == [[], [], []]


def test_an_unseen_innovation_is_404_and_a_reader_is_403(cluster, org_admin, authority, innovation, school):
    body = {"innovation": innovation.pk, "organization": school.pk, "start_date": "2025-09-01",
            "end_date": "2026-05-25", "measures": [{"name": "Score", "baseline": 1}]}
    assert client_for(org_admin).post(url(cluster, "pilots"), body, format="json").status_code == 404
    assert client_for(authority).post(url(cluster, "pilots"), body, format="json").status_code == 403
    assert tables(cluster) == [[], [], []]


def test_list_filter_and_retrieve_with_measures(cluster, coordinator, pilot, origin):
    other = InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.PILOTING)
    PilotFactory(cluster=cluster, innovation=other)
    client = client_for(coordinator)
    listed = client.get(url(cluster, "pilots"), {"innovation": pilot.innovation_id})
    assert [row["id"] for row in listed.data["results"]] == [pilot.pk]
    detail = client.get(url(cluster, "pilots", pilot.pk))
    assert detail.status_code == 200 and detail.data["measures"][0]["name"] == "Mean test score"


def test_a_pilot_of_an_unseen_innovation_is_404(cluster, pilot):
    # The innovation is approved for a pilot: not shared with the cluster yet, so the admin of
    # a member that is neither its origin nor a pilot site does not see it.
    bystander = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster, name="College No. 3"),
                                        user=UserFactory(username="bystander"), role="admin").user
    client = client_for(bystander)
    assert client.get(url(cluster, "pilots", pilot.pk)).status_code == 404
    assert client.get(url(cluster, "pilots")).data["count"] == 0


def test_a_pilot_site_sees_its_pilot_before_the_pilot_starts(cluster, org_admin, pilot):
    client = client_for(org_admin)  # the admin of the pilot site (the school)
    assert client.get(url(cluster, "pilots", pilot.pk)).status_code == 200
    assert client.get(url(cluster, "innovations", pilot.innovation_id)).status_code == 200


def test_another_clusters_pilot_is_404(cluster, other_cluster, outsider, pilot):
    client = client_for(outsider)
    assert client.get(url(other_cluster, "pilots", pilot.pk)).status_code == 404
    before = tables(cluster)
    assert client.patch(url(other_cluster, "pilots", pilot.pk), {"participants": 1}, format="json").status_code == 404
    assert client.post(url(other_cluster, "pilots", pilot.pk, "results"), {"results": {}, "conclusion": "x"},
                       format="json").status_code == 404
    assert client.get(url(cluster, "pilots", pilot.pk)).status_code == 404  # no role in this cluster at all
    assert client_for(outsider).get(url(other_cluster, "pilots")).data["count"] == 0
    assert tables(cluster) == before


def test_partial_update_and_results(cluster, coordinator, org_admin, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    assert client_for(coordinator).patch(url(cluster, "pilots", pilot.pk), {"status": "running"},
                                         format="json").data["status"] == "running"
    measure = pilot.measures.get()
    response = client_for(org_admin).post(url(cluster, "pilots", pilot.pk, "results"), {
        "results": {str(measure.pk): "60.5"}, "conclusion": "Better."}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["measures"][0]["result"] == "60.50" and response.data["conclusion"] == "Better."


def test_results_by_a_reader_are_refused(cluster, authority, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    Pilot.objects.for_cluster(cluster).filter(pk=pilot.pk).update(status="running")
    before = tables(cluster)
    response = client_for(authority).post(url(cluster, "pilots", pilot.pk, "results"), {
        "results": {}, "conclusion": "No."}, format="json")
    assert response.status_code == 403
    assert tables(cluster) == before


def test_unknown_keys_are_refused(cluster, coordinator, pilot):
    response = client_for(coordinator).patch(url(cluster, "pilots", pilot.pk), {"organization": 1}, format="json")
    assert response.status_code == 400 and set(response.data) == {"organization"}


# --- Adoptions ---------------------------------------------------------------------------------------

@pytest.fixture
def implementing(innovation):
    innovation.stage = Stage.IMPLEMENTING
    innovation.save()
    return innovation


def test_an_admin_records_and_reports_an_adoption(cluster, org_admin, implementing, school, origin):
    client = client_for(org_admin)
    response = client.post(url(cluster, "adoptions"), {
        "innovation": implementing.pk, "organization": school.pk, "learned_from": origin.pk,
        "started_on": "2025-10-01"}, format="json")
    assert response.status_code == 201, response.data
    assert (response.data["status"], response.data["learned_from_name"]) == ("planned", origin.name)
    updated = client.patch(url(cluster, "adoptions", response.data["id"]), {"status": "adopted", "feedback": "Yes."},
                           format="json")
    assert updated.status_code == 200 and updated.data["status"] == "adopted"


def test_an_invalid_source_is_a_400_naming_it(cluster, coordinator, implementing, school):
    stranger = OrganizationFactory(cluster=cluster, name="Stranger")
    response = client_for(coordinator).post(url(cluster, "adoptions"), {
        "innovation": implementing.pk, "organization": school.pk, "learned_from": stranger.pk,
        "started_on": "2025-10-01"}, format="json")
    assert response.status_code == 400 and set(response.data) == {"learned_from"}
    assert tables(cluster)[2] == []


def test_adoptions_list_by_innovation_and_isolation(cluster, other_cluster, coordinator, outsider, implementing,
                                                    school, origin):
    adoption = AdoptionFactory(cluster=cluster, innovation=implementing, organization=school, learned_from=origin)
    listed = client_for(coordinator).get(url(cluster, "adoptions"), {"innovation": implementing.pk})
    assert [row["id"] for row in listed.data["results"]] == [adoption.pk]
    outsider_client = client_for(outsider)
    assert outsider_client.get(url(other_cluster, "adoptions", adoption.pk)).status_code == 404
    assert outsider_client.patch(url(other_cluster, "adoptions", adoption.pk), {"status": "abandoned"},
                                 format="json").status_code == 404
    assert Adoption.objects.for_cluster(cluster).get(pk=adoption.pk).status == "adopted"


def test_lists_have_a_query_bound(cluster, coordinator, implementing, origin):
    counts = []
    for total in (5, 20):
        while Adoption.objects.for_cluster(cluster).count() < total:
            AdoptionFactory(cluster=cluster, innovation=implementing, learned_from=origin)
            PilotFactory(cluster=cluster, innovation=implementing)
        client = client_for(type(coordinator).objects.get(pk=coordinator.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(cluster, "adoptions")).data["count"] == total
            assert client.get(url(cluster, "pilots")).data["count"] == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Spread ------------------------------------------------------------------------------------------

def test_the_spread_endpoint(cluster, other_cluster, coordinator, outsider, implementing, school, origin):
    PilotFactory(cluster=cluster, innovation=implementing, organization=school, status="completed")
    adopter = OrganizationFactory(cluster=cluster, name="Adopter")
    AdoptionFactory(cluster=cluster, innovation=implementing, organization=adopter, learned_from=school)
    data = client_for(coordinator).get(url(cluster, "innovations", implementing.pk, "spread")).data
    assert {(n["name"], n["generation"], n["role"]) for n in data["nodes"]} == {
        (origin.name, 0, "origin"), (school.name, 1, "pilot"), ("Adopter", 2, "adopter")}
    assert [(e["kind"], e["source"], e["target"]) for e in data["edges"]] == [
        ("pilot", origin.pk, school.pk), ("adoption", school.pk, adopter.pk)]
    assert data["figures"] == {"reach": 1, "generations": 2, "days_to_first_adoption": None}
    assert client_for(outsider).get(url(other_cluster, "innovations", implementing.pk, "spread")).status_code == 404


def test_the_spread_of_an_unseen_innovation_is_404(cluster, org_admin, innovation):
    assert client_for(org_admin).get(url(cluster, "innovations", innovation.pk, "spread")).status_code == 404
