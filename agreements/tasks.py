"""The agreements tasks: the daily status task (00:05 Asia/Tashkent, migration 0002), the daily
reminders (00:10, migration 0003) and the reminder email.

Each cluster's work is one transaction and idempotent, so a retry after a failure part way
through redoes nothing already done. The reminder email follows members/tasks.py: it claims
`sent_at` with a conditional update, so a redelivered message (acks late) sends nothing
twice, and releases the claim when sending fails so the retry can send it. Each person's
message is in their own language (their profile's), rendered once per language."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cluster_platform import rls
from members import branding
from members.languages import render_email
from members.tasks import TASK_OPTIONS as EMAIL_TASK_OPTIONS

from . import selectors, services
from .models import Agreement, AgreementReminder


def _day(today: str | None) -> datetime.date:
    """`today` (ISO date) is for tests and catching up by hand; by default the date in the
    platform's time zone (TIME_ZONE, Asia/Tashkent), not UTC: just after midnight local it is
    still the previous day in UTC."""
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=3)
def agreements_daily_all(today: str | None = None) -> dict[str, dict[str, int]]:
    day = _day(today)
    return {
        cluster.slug: services.agreements_daily(cluster=cluster, today=day)
        for cluster in rls.active_clusters()
    }


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=3)
def agreement_reminders_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """Record and queue the reminders due in every active cluster; a rerun queues nothing new."""
    day = _day(today)
    return {
        cluster.slug: services.reminders_due(cluster=cluster, today=day)
        for cluster in rls.active_clusters()
    }


def _agreement_link(reminder) -> str:
    try:
        path = reverse("agreement_detail", kwargs={"cluster_slug": reminder.cluster.slug,
                                                   "pk": reminder.agreement_id})
    except NoReverseMatch:  # the browser pages are optional for the email
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


@shared_task(**EMAIL_TASK_OPTIONS)
def send_agreement_reminder(cluster_id: int, reminder_id: int):
    # Only while the agreement is still active: one suspended or terminated between the
    # daily run and this message is not reminded of.
    rows = AgreementReminder.objects.for_cluster(cluster_id).filter(
        pk=reminder_id, agreement__status=Agreement.Status.ACTIVE)
    reminder = rows.select_related("cluster", "agreement", "obligation__party__organization").first()
    if reminder is None or not rows.filter(sent_at__isnull=True).update(sent_at=timezone.now()) == 1:
        return
    recipients = selectors.reminder_recipient_languages(cluster=reminder.cluster, agreement=reminder.agreement)
    if not recipients:
        return
    context = {
        "reminder": reminder, "agreement": reminder.agreement, "obligation": reminder.obligation,
        "cluster": reminder.cluster, "link": _agreement_link(reminder),
    }
    rendered = {language: render_email(language, "agreements/email/reminder", context)
                for language in {language for _email, language in recipients}}
    # One message per person, so the parties' admins do not see each other's addresses, over
    # one connection. A failure part way releases the claim and the retry sends to everyone
    # again: a rare duplicate is better than a reminder nobody got.
    sender = branding.from_email(reminder.cluster)
    messages = [EmailMessage(*rendered[language], sender, [email]) for email, language in recipients]
    try:
        get_connection().send_messages(messages)
    except Exception:
        rows.update(sent_at=None)
        raise
