"""The daily review reminders: each expert is reminded once before the deadline, the coordinators
get the overdue reviews once a day, each in their own language."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import dateformat, timezone, translation

from innovations import tasks
from innovations.models import ExpertReview, Innovation, InnovationPolicy
from innovations.tests.factories import ExpertReviewFactory, InnovationFactory, SubmittedReviewFactory
from members.models import Profile
from members.services import language_set

pytestmark = pytest.mark.django_db
Stage = Innovation.Stage


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def innovation(origin):
    return InnovationFactory(origin_organization=origin, stage=Stage.IN_REVIEW, title="Project-based mathematics")


def days(n):
    return datetime.timedelta(days=n)


def test_the_expert_is_reminded_once_before_the_deadline(cluster, innovation, experts, today, coordinator):
    InnovationPolicy.objects.create(cluster=cluster, reminder_days=3)
    soon = ExpertReviewFactory(innovation=innovation, expert=experts[0], due_date=today + days(3))
    ExpertReviewFactory(innovation=innovation, expert=experts[1], due_date=today + days(4))  # not yet
    SubmittedReviewFactory(innovation=innovation, expert=experts[2], due_date=today + days(1))  # done

    counts = tasks.review_reminders_all(today.isoformat())
    assert counts[cluster.slug] == {"remind": 1, "overdue": 0}
    assert [message.to for message in mail.outbox] == [["expert0@example.org"]]
    assert "Project-based mathematics" in mail.outbox[0].subject
    assert "in 3 days" in mail.outbox[0].body
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None

    tasks.review_reminders_all(today.isoformat())
    tasks.send_review_reminder(cluster.pk, soon.pk, today.isoformat())  # a redelivered message
    assert len(mail.outbox) == 1


def test_no_reminder_once_the_innovation_left_review(cluster, innovation, experts, today):
    ExpertReviewFactory(innovation=innovation, expert=experts[0], due_date=today + days(1))
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(stage=Stage.REJECTED)
    tasks.review_reminders_all(today.isoformat())
    assert mail.outbox == []


def test_coordinators_get_the_overdue_reviews_once_a_day(cluster, innovation, experts, today, coordinator):
    late = ExpertReviewFactory(innovation=innovation, expert=experts[0], due_date=today - days(2))
    ExpertReviewFactory(innovation=innovation, expert=experts[1], due_date=today + days(10))
    counts = tasks.review_reminders_all(today.isoformat())
    assert counts[cluster.slug] == {"remind": 0, "overdue": 1}
    assert [message.to for message in mail.outbox] == [["coord@example.org"]]
    assert "1 expert review is overdue" in mail.outbox[0].subject
    assert "Expert 0" in mail.outbox[0].body and "2 days late" in mail.outbox[0].body
    late.refresh_from_db()
    assert late.reminder_sent_at is None  # an overdue review gets no "before the deadline" reminder

    tasks.review_reminders_all(today.isoformat())
    assert len(mail.outbox) == 1
    tasks.review_reminders_all((today + days(1)).isoformat())
    assert len(mail.outbox) == 2 and "3 days late" in mail.outbox[1].body


def test_the_overdue_flag_follows_the_deadline(cluster, innovation, experts, today):
    from innovations.review_selectors import with_overdue

    late = ExpertReviewFactory(innovation=innovation, expert=experts[0], due_date=today - days(1))
    due_today = ExpertReviewFactory(innovation=innovation, expert=experts[1], due_date=today)
    done_late = SubmittedReviewFactory(innovation=innovation, expert=experts[2], due_date=today - days(5))
    flags = dict(with_overdue(ExpertReview.objects.for_cluster(cluster), today).values_list("pk", "is_overdue"))
    assert flags == {late.pk: True, due_today.pk: False, done_late.pk: False}


@pytest.mark.parametrize("language", ["ru", "uz-cyrl"])
def test_the_reminder_is_in_the_experts_language(cluster, innovation, experts, today, language):
    Profile.objects.create(user=experts[0], language=language)
    review = ExpertReviewFactory(innovation=innovation, expert=experts[0], due_date=today + days(1))
    assert tasks.language_of(experts[0]) == language
    assert tasks.language_of(experts[1]) == "en"  # no profile: the platform's default
    tasks.review_reminders_all(today.isoformat())
    with translation.override(language):
        local_date = dateformat.format(review.due_date, "j E Y")
    assert re.search("[а-яё]", local_date)  # the month's name, in Cyrillic
    assert len(mail.outbox) == 1 and local_date in mail.outbox[0].subject


def test_the_daily_task_is_in_the_beat_schedule():
    """The migration's schedule (run again here: a transactional test elsewhere in the session may
    have emptied the table the migration filled); running it twice changes nothing."""
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = import_module("innovations.migrations.0002_review_reminders_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    task = PeriodicTask.objects.get(name="innovations-review-reminders")
    assert task.task == "innovations.tasks.review_reminders_all" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("0", "7", "Asia/Tashkent")


def test_the_reminder_names_the_innovation_in_the_experts_language(cluster, innovation, experts, today):
    Innovation.objects.for_cluster(cluster).filter(pk=innovation.pk).update(
        title_translations={"ru": "Проектная математика", "uz": "Loyihaviy matematika"})
    for expert, language in zip(experts, ("ru", "uz-cyrl", "en")):
        language_set(user=expert, language=language)
        ExpertReviewFactory(innovation=innovation, expert=expert, due_date=today + days(3))
    tasks.review_reminders_all(today.isoformat())
    mailed = {message.to[0]: message for message in mail.outbox}
    assert "Проектная математика" in mailed["expert0@example.org"].subject
    assert "Проектная математика" in mailed["expert0@example.org"].body
    assert "Лойиҳавий математика" in mailed["expert1@example.org"].subject  # the Uzbek title, in Cyrillic
    assert "Project-based mathematics" in mailed["expert2@example.org"].subject  # no English one: as given
