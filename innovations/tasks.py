"""The innovations tasks: the daily review reminders (07:00 Asia/Tashkent, migration 0002) and
their emails.

`review_reminders_all` asks services.review_reminders_due of every active cluster which reviews
to remind their experts of and which are overdue, then queues one email per review
(`send_review_reminder`) and one list of the overdue reviews to the coordinators
(`send_overdue_reviews`). Both follow members/tasks.py: ids in, acks late, bounded retries.

Sent once: a reminder claims the review's `reminder_sent_at` with a conditional update before
it sends (released when sending fails, so the retry can send it), so however often the daily
task runs, and a redelivered message, each review is reminded of once. The coordinators' list
is daily: its claim is a cache key per cluster and day (cache.add is atomic), so a second run
the same day sends nothing more.

Each email is rendered in its recipient's language (members.languages.language_of: the
profile's language when set, else the platform's default).
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cluster_platform import rls
from members import branding
from members.languages import language_of, render_email
from members.models import Cluster, ClusterRole
from members.tasks import TASK_OPTIONS as EMAIL_TASK_OPTIONS

from . import review_selectors, services
from .services.reviews import reviews_under_way

OVERDUE_CLAIM_SECONDS = 2 * 24 * 3600


def _day(today: str | None) -> datetime.date:
    """`today` (ISO date) is for tests and catching up by hand; by default the local date."""
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


def _link(name: str, cluster, *args) -> str:
    try:
        path = reverse(name, args=[cluster.slug, *args])
    except NoReverseMatch:
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _render(language: str, template: str, context: dict) -> tuple[str, str]:
    return render_email(language, f"innovations/email/{template}", context)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=3)
def review_reminders_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """Queue today's reminders and overdue lists of every active cluster."""
    day = _day(today)
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
    if review is None or not rows.filter(reminder_sent_at__isnull=True).update(reminder_sent_at=timezone.now()) == 1:
        return
    if not review.expert.email:
        return
    day = _day(today)
    context = {
        "review": review, "innovation": review.innovation, "cluster": review.cluster,
        "days_left": (review.due_date - day).days, "link": _link("review_form", review.cluster, review.pk),
    }
    subject, body = _render(language_of(review.expert), "review_reminder", context)
    try:
        send_mail(subject, body, branding.from_email(review.cluster), [review.expert.email])
    except Exception:
        rows.update(reminder_sent_at=None)
        raise


@shared_task(**EMAIL_TASK_OPTIONS)
def send_overdue_reviews(cluster_id: int, today: str | None = None):
    """The list of overdue reviews to each coordinator of the cluster, once a day."""
    day = _day(today)
    cluster = Cluster.objects.filter(pk=cluster_id, is_active=True).first()
    if cluster is None:
        return
    overdue = list(review_selectors.review_queue(
        cluster=cluster, today=day,
        queryset=reviews_under_way(cluster).filter(due_date__lt=day),
    ).order_by("due_date", "pk"))
    if not overdue:
        return
    claim = f"innovations:overdue-reviews:{cluster.pk}:{day.isoformat()}"
    if not cache.add(claim, 1, OVERDUE_CLAIM_SECONDS):
        return
    coordinators = list(
        get_user_model().objects.filter(
            Exists(ClusterRole.objects.filter(cluster=cluster, user_id=OuterRef("pk"),
                                              role=ClusterRole.Role.COORDINATOR)),
            is_active=True,
        ).exclude(email="").select_related("profile").order_by("pk")
    )
    for review in overdue:
        review.days_late = (day - review.due_date).days
    if not coordinators:
        return
    context = {"cluster": cluster, "reviews": overdue, "link": _link("review_queue", cluster)}
    rendered = {language: _render(language, "overdue_reviews", context)
                for language in {language_of(user) for user in coordinators}}
    sender = branding.from_email(cluster)
    messages = [EmailMessage(*rendered[language_of(user)], sender, [user.email]) for user in coordinators]
    try:
        get_connection().send_messages(messages)
    except Exception:
        cache.delete(claim)
        raise
