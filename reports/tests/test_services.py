"""The report use cases: requesting (who may, which periods, the language), the same period
twice, new versions after a ready one, retrying a failed one, and the beat's schedule."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members.models import Profile
from members.tests.factories import ClusterFactory
from reports import periods, rendering, services
from reports.models import Report

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_retries():
    """Inline tasks retry inline: with task_eager_propagates (the test settings) a retry would be
    raised to the caller instead of run, as a worker runs it."""
    from cluster_platform.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def _request(cluster, actor, period="2025-Q4", kind="quarter", **extra):
    return services.report_request(cluster=cluster, actor=actor, kind=kind, period=period, **extra)


def test_a_coordinator_requests_a_report_and_it_is_rendered_after_commit(
        cluster, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = _request(cluster, coordinator)
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.kind, report.period_start, report.period_end) == ("quarter", D(2025, 10, 1), D(2025, 12, 31))
    assert (report.status, report.trigger, report.version, report.requested_by) == (
        "ready", "on_demand", 1, coordinator)
    with report.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == report.sha256


def test_an_authority_requests_a_report(cluster, authority):
    report = _request(cluster, authority, kind="year", period="2025")
    assert (report.status, report.period_start, report.period_end) == ("queued", D(2025, 1, 1), D(2025, 12, 31))


@pytest.mark.parametrize("who", ["expert", "org_admin"])
def test_experts_and_organization_admins_cannot_request(cluster, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        _request(cluster, actor)
    assert not Report.objects.for_cluster(cluster).exists()


def test_a_coordinator_of_another_cluster_cannot_request_here(cluster, outsider):
    with pytest.raises(PermissionDenied):
        _request(cluster, outsider)
    assert not Report.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("kind, period, field", [
    ("quarter", "2999-Q1", "period"),
    ("week", "2025-Q4", "kind"),
    ("quarter", "2025-Q5", "period"),
    ("month", "2025-13", "period"),
])
def test_bad_periods_are_refused_naming_the_field(cluster, coordinator, kind, period, field):
    with pytest.raises(ValidationError) as caught:
        _request(cluster, coordinator, kind=kind, period=period)
    assert field in caught.value.message_dict
    assert not Report.objects.for_cluster(cluster).exists()


def test_a_period_not_begun_is_refused_and_the_running_one_is_accepted(cluster, coordinator):
    today = timezone.localdate()
    upcoming = periods.period_of("month", today).next()
    with pytest.raises(ValidationError) as caught:
        _request(cluster, coordinator, kind="month", period=upcoming.code)
    assert caught.value.message_dict["period"] == ["This period has not begun yet."]
    running = _request(cluster, coordinator, kind="month", period=periods.period_of("month", today).code)
    assert running.period_start <= today <= running.period_end


def test_an_unknown_language_is_refused(cluster, coordinator):
    with pytest.raises(ValidationError) as caught:
        _request(cluster, coordinator, language="xx")
    assert "language" in caught.value.message_dict


def test_the_language_is_the_given_one_else_the_profile_else_the_clusters_first(cluster, coordinator):
    cluster.languages = ["uz", "ru"]
    cluster.save()
    assert _request(cluster, coordinator, period="2025-Q1").language == "uz"
    Profile.objects.create(user=coordinator, language="ru")
    coordinator.refresh_from_db()
    assert _request(cluster, coordinator, period="2025-Q2").language == "ru"
    assert _request(cluster, coordinator, period="2025-Q3", language="en").language == "en"


def test_the_same_period_twice_while_queued_returns_the_same_report(cluster, coordinator, authority):
    first = _request(cluster, coordinator)
    again = _request(cluster, authority, period="2025-11-15")
    assert again.pk == first.pk
    assert Report.objects.for_cluster(cluster).count() == 1


def test_the_same_period_while_running_returns_the_running_report(cluster, coordinator):
    first = _request(cluster, coordinator)
    services.report_claim(report_id=first.pk)
    assert _request(cluster, coordinator).pk == first.pk
    assert Report.objects.for_cluster(cluster).get().status == "running"


def test_after_a_ready_report_a_new_version_with_its_own_checksum_and_the_old_one_unchanged(
        cluster, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(cluster, coordinator)
    first.refresh_from_db()
    with first.pdf.open("rb") as handle:
        first_bytes = handle.read()
    frozen = {field: getattr(first, field) for field in ("pdf", "size", "sha256", "verification_code", "data",
                                                         "finished_at", "status")}
    with django_capture_on_commit_callbacks(execute=True):
        second = _request(cluster, coordinator)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.pk != first.pk
    assert (second.version, second.status) == (2, "ready")
    assert second.sha256 != first.sha256  # "generated at" differs, and the verification code
    assert second.pdf.name != first.pdf.name
    assert second.verification_code != first.verification_code
    assert {field: getattr(first, field) for field in frozen} == frozen
    with first.pdf.open("rb") as handle:
        assert handle.read() == first_bytes


def _fail(monkeypatch, cluster, coordinator, capture):
    """A report that failed (its retries spent); needs the eager_retries fixture."""
    def broken(report, data=None):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with capture(execute=True):
        report = _request(cluster, coordinator, language="en")  # the reason is in the report's language
    report.refresh_from_db()
    monkeypatch.undo()
    return report


def test_a_failed_report_is_retried_on_the_same_row(cluster, coordinator, monkeypatch, eager_retries,
                                                    django_capture_on_commit_callbacks):
    report = _fail(monkeypatch, cluster, coordinator, django_capture_on_commit_callbacks)
    assert report.status == "failed"
    assert "unexpected error" in report.error
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = services.report_retry(cluster=cluster, actor=coordinator, report_id=report.pk)
    assert retried.pk == report.pk and len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.error, report.version, report.attempts) == ("ready", "", 1, 1)
    assert Report.objects.for_cluster(cluster).count() == 1


def test_a_report_can_fail_and_be_retried_again_and_again(cluster, coordinator, monkeypatch, eager_retries,
                                                          django_capture_on_commit_callbacks):
    """Each retry is a fresh run of four attempts, however many runs failed before."""
    report = _fail(monkeypatch, cluster, coordinator, django_capture_on_commit_callbacks)
    for _ in range(2):
        monkeypatch.setattr(rendering, "render_pdf", lambda report, data=None: 1 / 0)
        with django_capture_on_commit_callbacks(execute=True):
            services.report_retry(cluster=cluster, actor=coordinator, report_id=report.pk)
        monkeypatch.undo()
        report.refresh_from_db()
        assert (report.status, report.attempts) == ("failed", 4)
        assert "tried 4 times" in report.error


def test_only_a_failed_report_can_be_retried(cluster, coordinator):
    report = _request(cluster, coordinator)
    with pytest.raises(ValidationError) as caught:
        services.report_retry(cluster=cluster, actor=coordinator, report_id=report.pk)
    assert "status" in caught.value.message_dict


def test_an_expert_cannot_retry_and_the_report_stays_failed(cluster, coordinator, expert, monkeypatch, eager_retries,
                                                             django_capture_on_commit_callbacks):
    report = _fail(monkeypatch, cluster, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.report_retry(cluster=cluster, actor=expert, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "failed"


def test_a_report_of_another_cluster_cannot_be_retried(cluster, other_cluster, coordinator, outsider, monkeypatch,
                                                       eager_retries,
                                                       django_capture_on_commit_callbacks):
    report = _fail(monkeypatch, cluster, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(Report.DoesNotExist):
        services.report_retry(cluster=other_cluster, actor=outsider, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "failed"


# --- The beat's schedule ---------------------------------------------------------------------

def test_on_the_first_day_of_a_quarter_one_report_per_active_cluster(cluster, other_cluster,
                                                                     django_capture_on_commit_callbacks):
    ClusterFactory(is_active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        made = services.reports_schedule_due(today=D(2026, 4, 1))
    assert sorted(report.cluster_id for report in made) == sorted([cluster.pk, other_cluster.pk])
    assert len(callbacks) == 2
    for report in made:
        assert (report.kind, report.period_start, report.period_end, report.trigger, report.requested_by) == (
            "quarter", D(2026, 1, 1), D(2026, 3, 31), "scheduled", None)


def test_two_beats_the_same_day_make_one_report_per_cluster(cluster, other_cluster):
    first = services.reports_schedule_due(today=D(2026, 7, 1))
    second = services.reports_schedule_due(today=D(2026, 7, 1))
    assert len(first) == 2 and second == []
    assert Report.objects.for_cluster(cluster).count() == 1


def test_the_beat_skips_a_period_already_reported_on_demand_but_not_a_failed_one(cluster, coordinator):
    on_demand = _request(cluster, coordinator, period="2026-Q1")
    assert services.reports_schedule_due(today=D(2026, 4, 1)) == []
    services.report_claim(report_id=on_demand.pk)
    services.report_fail(report=on_demand, error="broken")
    (scheduled,) = services.reports_schedule_due(today=D(2026, 4, 1))
    assert (scheduled.version, scheduled.trigger) == (2, "scheduled")


def test_on_the_first_of_january_the_quarter_and_the_year(cluster):
    made = services.reports_schedule_due(today=D(2027, 1, 1))
    assert sorted((r.kind, r.period_start, r.period_end) for r in made) == [
        ("quarter", D(2026, 10, 1), D(2026, 12, 31)), ("year", D(2026, 1, 1), D(2026, 12, 31))]


@pytest.mark.parametrize("day", [D(2026, 4, 2), D(2026, 5, 1), D(2026, 3, 31)])
def test_on_any_other_day_the_beat_makes_nothing(cluster, day):
    assert services.reports_schedule_due(today=day) == []
    assert not Report.objects.for_cluster(cluster).exists()


def test_scheduled_reports_are_in_the_clusters_first_language(cluster):
    cluster.languages = ["ru", "uz"]
    cluster.save()
    (report,) = services.reports_schedule_due(today=D(2026, 10, 1))
    assert report.language == "ru"
