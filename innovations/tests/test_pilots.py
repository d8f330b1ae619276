"""services.pilots: pilot sites, measures, status moves and results.

Users: `origin_admin` (the authors' side), `coordinator`, `org_admin` (admin of `school`, the
pilot site), `authority` (reads only), `outsider` (a coordinator of another cluster). Every
refused write also checks that nothing changed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from innovations import services
from innovations.models import Innovation, Pilot, PilotMeasure
from members.models import Organization
from members.tests.factories import OrganizationFactory

from .factories import InnovationFactory, PilotFactory, PilotMeasureFactory

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage
D = datetime.date
MEASURES = [{"name": "Mean test score", "unit": "%", "baseline": "54.5", "higher_is_better": True},
            {"name": "Absences per pupil", "unit": "days", "baseline": 7, "higher_is_better": False}]


@pytest.fixture
def innovation(cluster, origin):
    return InnovationFactory(cluster=cluster, origin_organization=origin, stage=Stage.APPROVED_FOR_PILOT)


def add(cluster, actor, innovation, organization, **overrides):
    kwargs = {"innovation_id": innovation.pk, "organization_id": organization.pk, "start_date": D(2025, 9, 1),
              "end_date": D(2026, 5, 25), "participants": 64, "measures": MEASURES, **overrides}
    return services.pilot_add(cluster=cluster, actor=actor, **kwargs)


def snapshot(cluster):
    return (list(Pilot.objects.for_cluster(cluster).order_by("pk").values()),
            list(PilotMeasure.objects.for_cluster(cluster).order_by("pk").values()))


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- pilot_add ---------------------------------------------------------------------------------------

def test_the_authors_side_adds_a_pilot_site_with_measures(cluster, origin_admin, innovation, school):
    pilot = add(cluster, origin_admin, innovation, school)
    assert (pilot.organization, pilot.status, pilot.participants) == (school, Pilot.Status.PLANNED, 64)
    measures = list(pilot.measures.order_by("pk").values_list("name", "unit", "baseline", "higher_is_better"))
    assert measures == [("Mean test score", "%", Decimal("54.50"), True),
                        ("Absences per pupil", "days", Decimal("7.00"), False)]


def test_the_origin_may_pilot_its_own_innovation(cluster, coordinator, innovation, origin):
    assert add(cluster, coordinator, innovation, origin).organization == origin


def test_sites_are_added_while_piloting_too(cluster, coordinator, innovation, school):
    innovation.stage = Stage.PILOTING
    innovation.save()
    assert add(cluster, coordinator, innovation, school).pk


@pytest.mark.parametrize("stage", [Stage.PROPOSED, Stage.IN_REVIEW, Stage.REJECTED, Stage.EVALUATED,
                                   Stage.IMPLEMENTING, Stage.ARCHIVED])
def test_a_pilot_outside_the_pilot_stages_is_refused(cluster, coordinator, innovation, school, stage):
    innovation.stage = stage
    innovation.save()
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, coordinator, innovation, school)
    assert "stage" in errors_of(excinfo)
    assert snapshot(cluster) == ([], [])


@pytest.mark.parametrize("who", ["org_admin", "authority"])
def test_others_may_not_add_a_pilot(cluster, innovation, school, who, request):
    innovation.stage = Stage.PILOTING  # visible to every member
    innovation.save()
    with pytest.raises(PermissionDenied):
        add(cluster, request.getfixturevalue(who), innovation, school)
    assert snapshot(cluster) == ([], [])


def test_another_clusters_innovation_is_not_found(cluster, other_cluster, outsider, innovation, other_school):
    with pytest.raises(Innovation.DoesNotExist):
        add(other_cluster, outsider, innovation, other_school)
    assert snapshot(cluster) == ([], [])


def test_every_field_error_is_named_and_nothing_is_written(cluster, coordinator, innovation, school):
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, coordinator, innovation, school, start_date=D(2026, 1, 10), end_date=D(2025, 12, 1),
            participants=0, measures=[{"name": "", "baseline": "x"}, {"name": "A", "baseline": "1.234"}])
    errors = errors_of(excinfo)
    assert set(errors) == {"end_date", "participants", "measures"}
    assert any(message.startswith("Measure 1") for message in errors["measures"])
    assert any(message.startswith("Measure 2") and "two decimals" in message for message in errors["measures"])
    assert snapshot(cluster) == ([], [])


def test_a_pilot_needs_a_measure(cluster, coordinator, innovation, school):
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, coordinator, innovation, school, measures=[])
    assert set(errors_of(excinfo)) == {"measures"}


def test_measure_names_differ(cluster, coordinator, innovation, school):
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, coordinator, innovation, school, measures=[MEASURES[0], MEASURES[0]])
    assert "different name" in errors_of(excinfo)["measures"][0]


def test_the_site_is_an_active_member_of_this_cluster(cluster, coordinator, innovation, other_school):
    suspended = OrganizationFactory(cluster=cluster, name="Suspended school", status=Organization.Status.SUSPENDED)
    for organization in (suspended, other_school):
        with pytest.raises(ValidationError) as excinfo:
            add(cluster, coordinator, innovation, organization)
        assert set(errors_of(excinfo)) == {"organization"}
    assert snapshot(cluster) == ([], [])


def test_one_pilot_per_site(cluster, coordinator, innovation, school):
    add(cluster, coordinator, innovation, school)
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        add(cluster, coordinator, innovation, school)
    assert "already a pilot site" in errors_of(excinfo)["organization"][0]
    assert snapshot(cluster) == before


# --- pilot_update ------------------------------------------------------------------------------------

@pytest.fixture
def pilot(cluster, innovation, school):
    pilot = PilotFactory(cluster=cluster, innovation=innovation, organization=school, status=Pilot.Status.PLANNED,
                         start_date=D(2025, 9, 1), end_date=D(2026, 5, 25))
    PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Mean test score", baseline=54)
    PilotMeasureFactory(cluster=cluster, pilot=pilot, name="Absences", baseline=7, higher_is_better=False)
    return pilot


def test_dates_and_participants_change(cluster, origin_admin, pilot):
    services.pilot_update(cluster=cluster, actor=origin_admin, pilot_id=pilot.pk, end_date=D(2026, 6, 1),
                          participants=80)
    pilot.refresh_from_db()
    assert (pilot.end_date, pilot.participants) == (D(2026, 6, 1), 80)


def test_an_end_before_the_start_is_refused(cluster, origin_admin, pilot):
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=origin_admin, pilot_id=pilot.pk, end_date=D(2025, 8, 1))
    assert set(errors_of(excinfo)) == {"end_date"}
    assert snapshot(cluster) == before


def test_the_site_admin_moves_the_status_but_not_the_dates(cluster, org_admin, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    services.pilot_update(cluster=cluster, actor=org_admin, pilot_id=pilot.pk, status="running")
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        services.pilot_update(cluster=cluster, actor=org_admin, pilot_id=pilot.pk, participants=3)
    assert snapshot(cluster) == before
    assert Pilot.objects.for_cluster(cluster).get(pk=pilot.pk).status == "running"


def test_a_pilot_runs_once_the_innovation_is_piloting(cluster, coordinator, pilot):
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="running")
    assert "piloting" in errors_of(excinfo)["status"][0]


@pytest.mark.parametrize("start,target", [("planned", "completed"), ("completed", "running"),
                                          ("stopped", "running"), ("completed", "stopped")])
def test_illegal_status_moves_are_refused(cluster, coordinator, pilot, innovation, start, target):
    innovation.stage = Stage.PILOTING
    innovation.save()
    Pilot.objects.for_cluster(cluster).filter(pk=pilot.pk).update(status=start)
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status=target)
    assert "cannot move" in errors_of(excinfo)["status"][0]
    assert Pilot.objects.for_cluster(cluster).get(pk=pilot.pk).status == start


def test_completing_needs_every_result_and_the_conclusion(cluster, coordinator, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="running")
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="completed")
    assert len(errors_of(excinfo)["status"]) == 2
    first, second = pilot.measures.order_by("pk")
    services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=pilot.pk,
                                  results={first.pk: 61, second.pk: "5.5"}, conclusion="Scores rose.")
    services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="completed")
    assert Pilot.objects.for_cluster(cluster).get(pk=pilot.pk).status == "completed"


def test_a_stopped_pilot_keeps_its_dates(cluster, coordinator, pilot):
    services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="stopped")
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, participants=5)
    assert set(errors_of(excinfo)) == {"status"}


def test_unknown_fields_are_refused(cluster, coordinator, pilot):
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, organization_id=1)
    assert set(errors_of(excinfo)) == {"organization_id"}


# --- Measures ----------------------------------------------------------------------------------------

def test_measures_are_added_changed_and_removed_before_results(cluster, origin_admin, pilot):
    measure = services.measure_add(cluster=cluster, actor=origin_admin, pilot_id=pilot.pk, name="Reading speed",
                                   unit="words/min", baseline="88")
    services.measure_update(cluster=cluster, actor=origin_admin, measure_id=measure.pk, baseline="90.5")
    measure.refresh_from_db()
    assert measure.baseline == Decimal("90.50")
    services.measure_remove(cluster=cluster, actor=origin_admin, measure_id=measure.pk)
    assert list(pilot.measures.values_list("name", flat=True).order_by("pk")) == ["Mean test score", "Absences"]


def test_a_duplicate_measure_name_is_refused(cluster, origin_admin, pilot):
    with pytest.raises(ValidationError) as excinfo:
        services.measure_add(cluster=cluster, actor=origin_admin, pilot_id=pilot.pk, name="Absences", baseline=1)
    assert set(errors_of(excinfo)) == {"name"}


def test_measure_field_errors_are_named(cluster, origin_admin, pilot):
    with pytest.raises(ValidationError) as excinfo:
        services.measure_add(cluster=cluster, actor=origin_admin, pilot_id=pilot.pk, name="", baseline="lots",
                             unit="u" * 41)
    assert set(errors_of(excinfo)) == {"name", "baseline", "unit"}


def test_measures_stay_once_a_result_is_recorded(cluster, coordinator, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    services.pilot_update(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, status="running")
    first = pilot.measures.order_by("pk").first()
    services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, results={first.pk: 60},
                                  conclusion="")
    before = snapshot(cluster)
    for call in (lambda: services.measure_add(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, name="New",
                                              baseline=1),
                 lambda: services.measure_update(cluster=cluster, actor=coordinator, measure_id=first.pk, baseline=1),
                 lambda: services.measure_remove(cluster=cluster, actor=coordinator, measure_id=first.pk)):
        with pytest.raises(ValidationError) as excinfo:
            call()
        assert "Results are recorded" in errors_of(excinfo)["measures"][0]
    assert snapshot(cluster) == before


def test_the_last_measure_stays(cluster, coordinator, pilot):
    first, second = pilot.measures.order_by("pk")
    services.measure_remove(cluster=cluster, actor=coordinator, measure_id=first.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.measure_remove(cluster=cluster, actor=coordinator, measure_id=second.pk)
    assert set(errors_of(excinfo)) == {"measures"}


def test_the_site_admin_does_not_set_measures(cluster, org_admin, pilot, innovation):
    innovation.stage = Stage.PILOTING  # so the site's admin sees it
    innovation.save()
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        services.measure_add(cluster=cluster, actor=org_admin, pilot_id=pilot.pk, name="Mine", baseline=1)
    assert snapshot(cluster) == before


# --- Results -----------------------------------------------------------------------------------------

@pytest.fixture
def running(cluster, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    Pilot.objects.for_cluster(cluster).filter(pk=pilot.pk).update(status=Pilot.Status.RUNNING)
    return pilot


def test_the_site_admin_records_results_and_the_conclusion(cluster, org_admin, running):
    first, second = running.measures.order_by("pk")
    services.pilot_results_record(cluster=cluster, actor=org_admin, pilot_id=running.pk,
                                  results={str(first.pk): "61.25", second.pk: 5}, conclusion="  Better scores.  ")
    running.refresh_from_db()
    assert running.conclusion == "Better scores."
    assert list(running.measures.order_by("pk").values_list("result", flat=True)) == [Decimal("61.25"),
                                                                                       Decimal("5.00")]


def test_the_authors_side_records_results_too(cluster, origin_admin, running):
    first = running.measures.order_by("pk").first()
    services.pilot_results_record(cluster=cluster, actor=origin_admin, pilot_id=running.pk, results={first.pk: 1},
                                  conclusion="")
    first.refresh_from_db()
    assert first.result == 1


def test_others_may_not_record_results(cluster, running, authority, expert):
    before = snapshot(cluster)
    with pytest.raises(PermissionDenied):
        services.pilot_results_record(cluster=cluster, actor=authority, pilot_id=running.pk, results={},
                                      conclusion="Made up.")
    with pytest.raises(Innovation.DoesNotExist):  # an expert not assigned to it does not even see it
        services.pilot_results_record(cluster=cluster, actor=expert, pilot_id=running.pk, results={},
                                      conclusion="Made up.")
    assert snapshot(cluster) == before


def test_results_of_another_pilot_are_refused_all_or_nothing(cluster, coordinator, running, innovation):
    other = PilotMeasureFactory(cluster=cluster, pilot=PilotFactory(cluster=cluster, innovation=innovation))
    first = running.measures.order_by("pk").first()
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=running.pk,
                                      results={first.pk: 60, other.pk: 3, 999999: 1}, conclusion="x")
    assert len(errors_of(excinfo)["results"]) == 2
    assert snapshot(cluster) == before


def test_a_bad_value_names_its_measure(cluster, coordinator, running):
    first = running.measures.order_by("pk").first()
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=running.pk,
                                      results={first.pk: "plenty"}, conclusion="")
    assert errors_of(excinfo)["results"][0].startswith("Mean test score")


def test_results_wait_for_a_running_pilot(cluster, coordinator, pilot, innovation):
    innovation.stage = Stage.PILOTING
    innovation.save()
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=pilot.pk, results={},
                                      conclusion="Early.")
    assert set(errors_of(excinfo)) == {"status"}


def test_results_are_closed_once_evaluated(cluster, coordinator, running, innovation):
    innovation.stage = Stage.EVALUATED
    innovation.save()
    before = snapshot(cluster)
    with pytest.raises(ValidationError) as excinfo:
        services.pilot_results_record(cluster=cluster, actor=coordinator, pilot_id=running.pk, results={},
                                      conclusion="Late.")
    assert "piloting" in errors_of(excinfo)["stage"][0]
    assert snapshot(cluster) == before


def test_recorded_pilots_satisfy_the_evaluation_guard(cluster, origin_admin, running):
    first, second = running.measures.order_by("pk")
    services.pilot_results_record(cluster=cluster, actor=origin_admin, pilot_id=running.pk,
                                  results={first.pk: 60, second.pk: 5}, conclusion="It works.")
    innovation = services.innovation_transition(cluster=cluster, actor=origin_admin,
                                                innovation_id=running.innovation_id, to_stage=Stage.EVALUATED)
    assert innovation.stage == Stage.EVALUATED


def test_another_clusters_pilot_is_not_found(other_cluster, outsider, running):
    with pytest.raises(Pilot.DoesNotExist):
        services.pilot_results_record(cluster=other_cluster, actor=outsider, pilot_id=running.pk, results={},
                                      conclusion="x")
