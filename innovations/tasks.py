"""The innovations tasks: the daily review reminders (07:00 Asia/Tashkent, migration 0002) and
their emails.

`review_reminders_all` asks services.review_reminders_due of every active cluster which reviews
to remind their experts of and which are overdue, then queues one email per review
(`send_review_reminder`) and one list of the overdue reviews to the coordinators
(`send_overdue_reviews`). Both take ids, ack late and retry a bounded number of times
(cluster_platform.jobs.EMAIL_TASK_OPTIONS).

Sent once: a reminder claims the review's `reminder_sent_at` (cluster_platform.jobs.claim,
released when sending fails, so the retry can send it), so however often the daily task runs,
and a redelivered message, each review is reminded of once. The coordinators' list
is daily: its claim is a cache key per cluster and day (cache.add is atomic), so a second run
the same day sends nothing more.

Each email is rendered in its recipient's language (members.languages.language_of: the
profile's language when set, else the platform's default).
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import get_connection, send_mail

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
from members.languages import email_recipients, language_of, messages_for, render_email
from members.models import Cluster
from members.selectors import coordinator_ids

from . import review_selectors, services
from .services.reviews import reviews_under_way

OVERDUE_CLAIM_SECONDS = 2 * 24 * 3600


def _render(language: str, template: str, context: dict) -> tuple[str, str]:
    return render_email(language, f"innovations/email/{template}", context)


@shared_task(**PERIODIC_TASK_OPTIONS)
def review_reminders_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """Queue today's reminders and overdue lists of every active cluster."""
    day = local_day(today)
    counts = {}
    for cluster in rls.active_clusters():
        due = services.review_reminders_due(cluster=cluster, today=day)
        for review_id in due["remind"]:
            send_review_reminder.delay(cluster.pk, review_id, day.isoformat())
        if due["overdue"]:
            send_overdue_reviews.delay(cluster.pk, day.isoformat())
        counts[cluster.slug] = {"remind": len(due["remind"]), "overdue": len(due["overdue"])}
    return counts


@shared_task(**EMAIL_TASK_OPTIONS)
def send_review_reminder(cluster_id: int, review_id: int, today: str | None = None):
    """Remind the expert of one review's deadline, once."""
    rows = reviews_under_way(cluster_id).filter(pk=review_id)
    review = rows.select_related("cluster", "innovation", "expert").first()
    if review is None or not claim(rows, "reminder_sent_at"):
        return
    if not review.expert.email:
        return
    day = local_day(today)
    context = {
        "review": review, "innovation": review.innovation, "cluster": review.cluster,
        "days_left": (review.due_date - day).days, "link": public_link("review_form", review.cluster.slug, review.pk),
    }
    subject, body = _render(language_of(review.expert), "review_reminder", context)
    with released_on_failure(rows, "reminder_sent_at"):
        send_mail(subject, body, branding.from_email(review.cluster), [review.expert.email])


@shared_task(**EMAIL_TASK_OPTIONS)
def send_overdue_reviews(cluster_id: int, today: str | None = None):
    """The list of overdue reviews to each coordinator of the cluster, once a day."""
    day = local_day(today)
    cluster = Cluster.objects.filter(pk=cluster_id, is_active=True).first()
    if cluster is None:
        return
    overdue = list(review_selectors.review_queue(
        cluster=cluster, today=day,
        queryset=reviews_under_way(cluster).filter(due_date__lt=day),
    ).order_by("due_date", "pk"))
    if not overdue:
        return
    claim_key = f"innovations:overdue-reviews:{cluster.pk}:{day.isoformat()}"
    if not cache.add(claim_key, 1, OVERDUE_CLAIM_SECONDS):
        return
    recipients = email_recipients(get_user_model().objects.filter(pk__in=coordinator_ids(cluster)))
    for review in overdue:
        review.days_late = (day - review.due_date).days
    if not recipients:
        return
    context = {"cluster": cluster, "reviews": overdue, "link": public_link("review_queue", cluster.slug)}
    messages = messages_for(recipients, "innovations/email/overdue_reviews", context,
                            sender=branding.from_email(cluster))
    try:
        get_connection().send_messages(messages)
    except Exception:
        cache.delete(claim_key)
        raise
