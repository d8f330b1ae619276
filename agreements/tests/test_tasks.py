import datetime

import pytest
from django.utils import timezone

from agreements import services
from agreements.models import Agreement, AgreementTransition, Obligation
from agreements.tasks import agreements_daily_all
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from django_celery_beat.models import PeriodicTask

S = Agreement.Status
DAY = datetime.date(2026, 4, 1)


def agreement(cluster, status, **kwargs):
    made = AgreementFactory(cluster=cluster, status=status, **kwargs)
    AgreementPartyFactory(agreement=made)
    return made


def test_signed_agreements_become_active_on_their_start_date(cluster):
    starts_today = agreement(cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 3, 31))
    starts_tomorrow = agreement(cluster, S.SIGNED, start_date=DAY + datetime.timedelta(days=1),
                                end_date=datetime.date(2027, 3, 31))
    counts = services.agreements_daily(cluster=cluster, today=DAY)
    assert counts["activated"] == 1
    starts_today.refresh_from_db()
    starts_tomorrow.refresh_from_db()
    assert (starts_today.status, starts_tomorrow.status) == (S.ACTIVE, S.SIGNED)
    transition = starts_today.transitions.get()
    assert (transition.from_status, transition.to_status, transition.actor, transition.comment) == (
        S.SIGNED, S.ACTIVE, None, "daily task")


def test_active_and_suspended_agreements_expire_the_day_after_their_end_date(cluster):
    ends_today = agreement(cluster, S.ACTIVE, start_date=datetime.date(2025, 4, 1), end_date=DAY)
    ended = agreement(cluster, S.ACTIVE, start_date=datetime.date(2025, 4, 1), end_date=DAY - datetime.timedelta(days=1))
    suspended = agreement(cluster, S.SUSPENDED, start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2025, 5, 1))
    suspended_later = agreement(cluster, S.SUSPENDED, start_date=datetime.date(2025, 4, 1), end_date=DAY)
    assert services.agreements_daily(cluster=cluster, today=DAY)["expired"] == 2
    for row in (ends_today, ended, suspended, suspended_later):
        row.refresh_from_db()
    assert (ends_today.status, ended.status, suspended.status, suspended_later.status) == (
        S.ACTIVE, S.EXPIRED, S.EXPIRED, S.SUSPENDED)
    assert suspended.transitions.get().from_status == S.SUSPENDED


def test_open_obligations_past_due_become_overdue(cluster):
    late = ObligationFactory(party__agreement__cluster=cluster, due_date=DAY - datetime.timedelta(days=1))
    due_today = ObligationFactory(party=late.party, due_date=DAY)
    done = ObligationFactory(party=late.party, due_date=datetime.date(2026, 1, 1), status=Obligation.Status.DONE)
    assert services.agreements_daily(cluster=cluster, today=DAY)["overdue"] == 1
    statuses = [o.status for o in Obligation.objects.for_cluster(cluster).filter(pk__in=[late.pk, due_today.pk, done.pk]).order_by("due_date")]
    assert sorted(statuses) == sorted([Obligation.Status.OVERDUE, Obligation.Status.OPEN, Obligation.Status.DONE])
    late.refresh_from_db()
    assert late.status == Obligation.Status.OVERDUE


def test_a_second_run_changes_nothing(cluster):
    agreement(cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 1, 1))
    agreement(cluster, S.ACTIVE, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 3, 1))
    ObligationFactory(party__agreement__cluster=cluster, due_date=datetime.date(2026, 3, 1))
    assert services.agreements_daily(cluster=cluster, today=DAY) == {"activated": 1, "expired": 1, "overdue": 1}
    transitions = AgreementTransition.objects.for_cluster(cluster).count()
    assert services.agreements_daily(cluster=cluster, today=DAY) == {"activated": 0, "expired": 0, "overdue": 0}
    assert AgreementTransition.objects.for_cluster(cluster).count() == transitions


def test_the_task_runs_every_active_cluster_and_no_other(cluster, other_cluster):
    mine = agreement(cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 1, 1))
    theirs = agreement(other_cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 1, 1))
    other_cluster.is_active = False
    other_cluster.save()
    result = agreements_daily_all.delay(today=DAY.isoformat()).get()
    assert result == {cluster.slug: {"activated": 1, "expired": 0, "overdue": 0}}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (S.ACTIVE, S.SIGNED)


def test_the_local_date_in_tashkent_is_ahead_of_utc_around_midnight():
    evening_utc = datetime.datetime(2026, 3, 31, 19, 30, tzinfo=datetime.timezone.utc)
    assert timezone.localdate(evening_utc) == datetime.date(2026, 4, 1)
    assert timezone.localdate(datetime.datetime(2026, 3, 31, 18, 59, tzinfo=datetime.timezone.utc)) == datetime.date(2026, 3, 31)


def test_the_task_uses_the_tashkent_date_by_default(cluster, monkeypatch):
    starts = agreement(cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 1, 1))
    # 00:30 on 1 April in Tashkent, still 31 March in UTC.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 3, 31, 19, 30, tzinfo=datetime.timezone.utc))
    agreements_daily_all()
    starts.refresh_from_db()
    assert starts.status == S.ACTIVE


def test_the_task_does_nothing_the_evening_before_in_tashkent(cluster, monkeypatch):
    starts = agreement(cluster, S.SIGNED, start_date=DAY, end_date=datetime.date(2027, 1, 1))
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 3, 31, 18, 30, tzinfo=datetime.timezone.utc))
    agreements_daily_all()
    starts.refresh_from_db()
    assert starts.status == S.SIGNED


@pytest.mark.django_db
def test_the_task_is_in_the_beat_schedule_at_five_past_midnight_in_tashkent():
    task = PeriodicTask.objects.get(name="agreements-daily")
    assert task.task == "agreements.tasks.agreements_daily_all" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("5", "0", "Asia/Tashkent")
