"""Browser pages of pilots and adoptions, and the pilots part of the innovation page.

Users: `origin_admin` (the authors' side), `org_admin` (admin of `school`, a pilot site or an
adopter), `coordinator`, `authority`, `outsider` (another cluster: 404 everywhere).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cluster_platform.tenancy import roles_for
from innovations.models import Adoption, Innovation, Pilot, PilotMeasure
from innovations.views import pilots as pilot_views
from members.tests.factories import OrganizationFactory

from .factories import AdoptionFactory, InnovationFactory, PilotFactory, PilotMeasureFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
D = datetime.date
PROPOSED_AT = datetime.datetime(2024, 9, 1, tzinfo=datetime.timezone.utc)


def url(cluster, *parts) -> str:
    return f"/c/{cluster.slug}/innovations/" + "".join(f"{part}/" for part in parts)


@pytest.fixture
def innovation(cluster, origin):
    return InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.PILOTING,
                             title="Lesson study", created_at=PROPOSED_AT)


@pytest.fixture
def pilot(cluster, innovation, school):
    pilot = PilotFactory(cluster=cluster, innovation=innovation, organization=school, status=Pilot.Status.RUNNING,
                         start_date=D(2025, 9, 1), end_date=D(2026, 5, 25))
    PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Mean test score", unit="%", baseline=54)
    PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Absences", unit="days", baseline=8,
                        higher_is_better=False, result=6)
    return pilot


def login(client, user):
    client.force_login(user)
    return client


# --- Pilot create ------------------------------------------------------------------------------------

def test_the_authors_side_adds_a_pilot_site(client, cluster, origin_admin, innovation, school):
    login(client, origin_admin)
    page = client.get(url(cluster, innovation.pk, "pilots", "new"))
    assert page.status_code == 200
    assert f'<option value="{school.pk}">{school.name}</option>' in page.content.decode()
    response = client.post(url(cluster, innovation.pk, "pilots", "new"), {
        "organization": school.pk, "start_date": "2025-09-01", "end_date": "2026-05-25", "participants": "40",
        "m0_name": "Mean test score", "m0_unit": "%", "m0_baseline": "54.5", "m0_higher_is_better": "1",
        "m1_name": "Absences", "m1_baseline": "8", "m1_higher_is_better": "0",
    })
    pilot = Pilot.objects.for_cluster(cluster).get(innovation=innovation)
    assert response.status_code == 302 and response["Location"] == url(cluster, "pilots", pilot.pk)
    assert list(pilot.measures.order_by("pk").values_list("name", "higher_is_better")) == [
        ("Mean test score", True), ("Absences", False)]


def test_a_pilot_without_measures_is_shown_again(client, cluster, origin_admin, innovation, school):
    login(client, origin_admin)
    response = client.post(url(cluster, innovation.pk, "pilots", "new"), {
        "organization": school.pk, "start_date": "2025-09-01", "end_date": "2025-08-01",
        "m0_name": "Score", "m0_higher_is_better": "1"})
    assert response.status_code == 422
    assert "Give the baseline of this measure." in response.content.decode()
    assert not Pilot.objects.for_cluster(cluster).exists()


def test_service_errors_show_beside_the_field(client, cluster, origin_admin, innovation, school):
    login(client, origin_admin)
    response = client.post(url(cluster, innovation.pk, "pilots", "new"), {
        "organization": school.pk, "start_date": "2025-09-01", "end_date": "2025-08-01",
        "m0_name": "Score", "m0_baseline": "1", "m0_higher_is_better": "1"})
    assert response.status_code == 422
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not Pilot.objects.for_cluster(cluster).exists()


def test_a_site_admin_may_not_add_pilots(client, cluster, org_admin, innovation, school):
    login(client, org_admin)
    assert client.get(url(cluster, innovation.pk, "pilots", "new")).status_code == 403
    assert client.post(url(cluster, innovation.pk, "pilots", "new"), {"organization": school.pk}).status_code == 403
    assert not Pilot.objects.for_cluster(cluster).exists()


# --- Pilot page and actions --------------------------------------------------------------------------

def test_the_pilot_page_shows_measures_and_changes(client, cluster, org_admin, pilot):
    login(client, org_admin)
    page = client.get(url(cluster, "pilots", pilot.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mean test score" in html and "-2.00 (-25.0%)" in html and "better" in html
    assert 'action="/c/tashkent-test/innovations/pilots/%s/results/"' % pilot.pk in html  # the site records
    assert "?to=completed" in html and "?to=stopped" in html


def test_an_authority_reads_the_pilot_without_forms(client, cluster, authority, pilot):
    login(client, authority)
    html = client.get(url(cluster, "pilots", pilot.pk)).content.decode()
    assert "Mean test score" in html and "results/" not in html and "?to=" not in html


def test_another_cluster_gets_404(client, cluster, outsider, pilot):
    login(client, outsider)
    for path in (url(cluster, "pilots", pilot.pk), url(cluster, "pilots", pilot.pk, "results")):
        assert client.get(path).status_code == 404


def test_the_site_admin_records_results(client, cluster, org_admin, pilot):
    first, second = pilot.measures.order_by("pk")
    login(client, org_admin)
    response = client.post(url(cluster, "pilots", pilot.pk, "results"), {
        f"result_{first.pk}": "61", f"result_{second.pk}": "5", "conclusion": "Scores rose by 7 points."})
    assert response.status_code == 302
    pilot.refresh_from_db()
    assert pilot.conclusion == "Scores rose by 7 points."
    assert list(pilot.measures.order_by("pk").values_list("result", flat=True)) == [61, 5]


def test_a_status_move_is_confirmed_first(client, cluster, org_admin, pilot):
    login(client, org_admin)
    page = client.get(url(cluster, "pilots", pilot.pk, "status") + "?to=stopped")
    assert page.status_code == 200 and "are you sure?" in page.content.decode()
    assert Pilot.objects.for_cluster(cluster).get(pk=pilot.pk).status == "running"
    response = client.post(url(cluster, "pilots", pilot.pk, "status"), {"to_status": "stopped"})
    assert response.status_code == 302
    assert Pilot.objects.for_cluster(cluster).get(pk=pilot.pk).status == "stopped"


def test_a_refused_status_move_says_why(client, cluster, org_admin, pilot):
    login(client, org_admin)
    response = client.post(url(cluster, "pilots", pilot.pk, "status"), {"to_status": "completed"})
    assert response.status_code == 422
    assert "Enter the result of every measure" in response.content.decode()


def test_measures_are_edited_before_results(client, cluster, origin_admin, innovation, school):
    pilot = PilotFactory(cluster=cluster, innovation=innovation, organization=school, status=Pilot.Status.PLANNED)
    measure = PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Score", baseline=50)
    login(client, origin_admin)
    assert client.post(url(cluster, "pilots", pilot.pk, "measures", "new"), {
        "name": "Reading", "baseline": "80", "higher_is_better": "1"}).status_code == 302
    assert client.post(url(cluster, "measures", measure.pk, "edit"), {
        "name": "Score", "unit": "%", "baseline": "51", "higher_is_better": "1"}).status_code == 302
    assert client.post(url(cluster, "measures", measure.pk, "remove")).status_code == 302
    assert list(PilotMeasure.objects.for_cluster(cluster).filter(pilot=pilot).values_list("name", "baseline")) == [
        ("Reading", 80)]


def test_the_pilot_page_queries_do_not_grow_with_measures(client, cluster, org_admin, innovation, school):
    pilot = PilotFactory(cluster=cluster, innovation=innovation, organization=school)
    login(client, org_admin)
    counts = []
    for total in (5, 20):
        PilotMeasureFactory.create_batch(total - pilot.measures.count(), cluster=cluster, pilot=pilot)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(cluster, "pilots", pilot.pk)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Adoptions ---------------------------------------------------------------------------------------

@pytest.fixture
def implementing(innovation):
    innovation.stage = Stage.IMPLEMENTING
    innovation.save()
    return innovation


def test_an_admin_records_their_own_adoption(client, cluster, org_admin, implementing, school, origin):
    OrganizationFactory(cluster=cluster, name="Someone else's school")
    login(client, org_admin)
    page = client.get(url(cluster, implementing.pk, "adoptions", "new")).content.decode()
    assert f'<option value="{school.pk}" selected>{school.name}</option>' in page
    assert "Someone else&#x27;s school" not in page and "Someone else's school" not in page
    assert f"{origin.name} (origin)" in page
    response = client.post(url(cluster, implementing.pk, "adoptions", "new"), {
        "organization": school.pk, "learned_from": origin.pk, "started_on": "2025-10-01", "status": "in_progress",
        "feedback": "Good start."})
    adoption = Adoption.objects.for_cluster(cluster).get(innovation=implementing)
    assert response.status_code == 302 and response["Location"] == url(cluster, "adoptions", adoption.pk)
    assert (adoption.organization, adoption.learned_from, adoption.status) == (school, origin, "in_progress")


def test_a_later_source_is_refused_on_the_form(client, cluster, coordinator, implementing, school, origin):
    early = OrganizationFactory(cluster=cluster, name="Early school")
    AdoptionFactory(cluster=cluster, innovation=implementing, organization=early, learned_from=origin,
                    started_on=D(2025, 11, 1))
    login(client, coordinator)
    response = client.post(url(cluster, implementing.pk, "adoptions", "new"), {
        "organization": school.pk, "learned_from": early.pk, "started_on": "2025-10-01", "status": "planned"})
    assert response.status_code == 422
    assert "on or before this adoption" in response.content.decode()
    assert Adoption.objects.for_cluster(cluster).count() == 1


def test_the_adoption_page_reports_status(client, cluster, org_admin, implementing, school, origin):
    adoption = AdoptionFactory(cluster=cluster, innovation=implementing, organization=school, learned_from=origin,
                               started_on=D(2025, 10, 1), status="in_progress")
    login(client, org_admin)
    assert 'name="feedback"' in client.get(url(cluster, "adoptions", adoption.pk)).content.decode()
    response = client.post(url(cluster, "adoptions", adoption.pk), {
        "status": "adopted", "started_on": "2025-10-01", "feedback": "Every class."})
    assert response.status_code == 302
    adoption.refresh_from_db()
    assert (adoption.status, adoption.feedback) == ("adopted", "Every class.")


def test_a_reader_sees_the_adoption_without_a_form(client, cluster, authority, implementing, school, origin):
    adoption = AdoptionFactory(cluster=cluster, innovation=implementing, organization=school, learned_from=origin)
    login(client, authority)
    page = client.get(url(cluster, "adoptions", adoption.pk))
    assert page.status_code == 200 and 'name="feedback"' not in page.content.decode()
    assert client.post(url(cluster, "adoptions", adoption.pk), {"status": "abandoned"}).status_code == 403
    assert Adoption.objects.for_cluster(cluster).get(pk=adoption.pk).status == "adopted"


def test_another_clusters_adoption_is_404(client, cluster, outsider, implementing, school, origin):
    adoption = AdoptionFactory(cluster=cluster, innovation=implementing, organization=school, learned_from=origin)
    login(client, outsider)
    assert client.get(url(cluster, "adoptions", adoption.pk)).status_code == 404
    assert client.get(url(cluster, implementing.pk, "adoptions", "new")).status_code == 404


# --- The innovation page's part ------------------------------------------------------------------------

def render_partial(cluster, user, innovation):
    request = RequestFactory().get("/")
    request.user = user
    view = SimpleNamespace(cluster=cluster, roles=roles_for(user, cluster), request=request)
    innovation = Innovation.objects.for_cluster(cluster).select_related("origin_organization").get(pk=innovation.pk)
    with CaptureQueriesContext(connection) as captured:
        context = pilot_views.detail_context(view, innovation)
        html = render_to_string("innovations/partials/pilots.html",
                                {"cluster": cluster, "innovation": innovation, **context}, request=request)
    return html, len(captured)


def _spread_out(cluster, innovation, origin, pilot, total):
    """Adoptions in a chain from the pilot site: generations 2, 3, ... up to `total` adopters."""
    source = pilot.organization
    existing = Adoption.objects.for_cluster(cluster).filter(innovation=innovation).count()
    last = Adoption.objects.for_cluster(cluster).filter(innovation=innovation).order_by("-pk").first()
    if last:
        source = last.organization
    for n in range(existing, total):
        adopter = OrganizationFactory(cluster=cluster, name=f"Adopter {n:02d}")
        AdoptionFactory(cluster=cluster, innovation=innovation, organization=adopter, learned_from=source,
                        started_on=D(2025, 10, 1) + datetime.timedelta(days=n))
        source = adopter


def test_the_partial_shows_pilots_adoptions_and_the_graph(cluster, origin_admin, implementing, pilot, origin):
    _spread_out(cluster, implementing, origin, pilot, 3)
    html, _queries = render_partial(cluster, origin_admin, implementing)
    assert "Absences" in html and "8.00 → 6.00" in html
    assert html.count('class="spread-edge"') == 4  # the pilot and three adoptions
    assert 'role="img"' in html and "<title" in html and ">Adopter 02</text>" in html
    assert "Generation 4" in html


def test_the_partial_offers_the_actions_the_reader_may_use(cluster, coordinator, org_admin, authority,
                                                           implementing):
    adoption_link = url(cluster, implementing.pk, "adoptions", "new")
    assert adoption_link in render_partial(cluster, org_admin, implementing)[0]
    assert adoption_link in render_partial(cluster, coordinator, implementing)[0]
    assert adoption_link not in render_partial(cluster, authority, implementing)[0]
    pilot_link = url(cluster, implementing.pk, "pilots", "new")
    assert pilot_link not in render_partial(cluster, coordinator, implementing)[0]  # past the pilot stages
    implementing.stage = Stage.PILOTING
    implementing.save()
    assert pilot_link in render_partial(cluster, coordinator, implementing)[0]
    assert pilot_link not in render_partial(cluster, org_admin, implementing)[0]


def test_the_partial_queries_do_not_grow_with_adoptions(cluster, org_admin, implementing, pilot, origin):
    counts = []
    for total in (5, 20):
        _spread_out(cluster, implementing, origin, pilot, total)
        html, queries = render_partial(cluster, org_admin, implementing)
        assert html.count('class="spread-edge"') == total + 1
        counts.append(queries)
    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_the_innovation_page_queries_do_not_grow_with_adoptions(client, cluster, org_admin, implementing, pilot,
                                                                 origin):
    login(client, org_admin)
    counts = []
    for total in (5, 20):
        _spread_out(cluster, implementing, origin, pilot, total)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url(cluster, implementing.pk))
        assert page.status_code == 200
        assert page.content.decode().count('class="spread-edge"') == total + 1
        counts.append(len(captured))
    assert counts[0] == counts[1]
