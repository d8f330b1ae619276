"""The agreements tasks: the daily status task (00:05 Asia/Tashkent, migration 0002), the daily
reminders (00:10, migration 0003) and the reminder email.

Each cluster's work is one transaction and idempotent, so a retry after a failure part way
through redoes nothing already done. The reminder email is sent once (cluster_platform.jobs.claim
of `sent_at`, released when sending fails so the retry can send it). Each person's
message is in their own language (their profile's), rendered once per language."""

from celery import shared_task
from django.core.mail import get_connection

from cluster_platform import rls
from cluster_platform.jobs import (
    EMAIL_TASK_OPTIONS,
    PERIODIC_TASK_OPTIONS,
    claim,
    local_day,
    public_link,
    released_on_failure,
)
from members import branding
from members.languages import messages_for

from . import selectors, services
from .models import Agreement, AgreementReminder


@shared_task(**PERIODIC_TASK_OPTIONS)
def agreements_daily_all(today: str | None = None) -> dict[str, dict[str, int]]:
    day = local_day(today)
    return {
        cluster.slug: services.agreements_daily(cluster=cluster, today=day)
        for cluster in rls.active_clusters()
    }


@shared_task(**PERIODIC_TASK_OPTIONS)
def agreement_reminders_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """Record and queue the reminders due in every active cluster; a rerun queues nothing new."""
    day = local_day(today)
    return {
        cluster.slug: services.reminders_due(cluster=cluster, today=day)
        for cluster in rls.active_clusters()
    }


@shared_task(**EMAIL_TASK_OPTIONS)
def send_agreement_reminder(cluster_id: int, reminder_id: int):
    # Only while the agreement is still active: one suspended or terminated between the
    # daily run and this message is not reminded of.
    rows = AgreementReminder.objects.for_cluster(cluster_id).filter(
        pk=reminder_id, agreement__status=Agreement.Status.ACTIVE)
    reminder = rows.select_related("cluster", "agreement", "obligation__party__organization").first()
    if reminder is None or not claim(rows, "sent_at"):
        return
    recipients = selectors.reminder_recipient_languages(cluster=reminder.cluster, agreement=reminder.agreement)
    if not recipients:
        return
    context = {
        "reminder": reminder, "agreement": reminder.agreement, "obligation": reminder.obligation,
        "cluster": reminder.cluster,
        "link": public_link("agreement_detail", cluster_slug=reminder.cluster.slug, pk=reminder.agreement_id),
    }
    # One message per person, over one connection. A failure part way releases the claim and the
    # retry sends to everyone again: a rare duplicate is better than a reminder nobody got.
    messages = messages_for(recipients, "agreements/email/reminder", context,
                            sender=branding.from_email(reminder.cluster))
    with released_on_failure(rows, "sent_at"):
        get_connection().send_messages(messages)
