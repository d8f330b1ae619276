"""Emails of the members app, queued after the transaction that caused them commits.

Each task takes the cluster and row ids, claims the row with a conditional update so a
redelivered message (acks late) sends nothing twice, and releases the claim when sending
fails so the retry can send it.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Invitation, MembershipApplication

TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def _claimed(queryset, field: str) -> bool:
    return queryset.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()}) == 1


def _send_claimed(queryset, field: str, subject: str, body: str, recipient: str):
    try:
        send_mail(subject, body, None, [recipient])
    except Exception:
        queryset.update(**{field: None})
        raise


@shared_task(**TASK_OPTIONS)
def send_invitation(cluster_id: int, invitation_id: int):
    from .services import invitation_token

    rows = Invitation.objects.for_cluster(cluster_id).filter(pk=invitation_id, accepted_at__isnull=True)
    invitation = rows.select_related("cluster", "organization").first()
    if invitation is None or not _claimed(rows, "sent_at"):
        return
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "link": link}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("members/email/invitation_subject.txt", context).strip()
        body = render_to_string("members/email/invitation.txt", context)
    _send_claimed(rows, "sent_at", subject, body, invitation.email)


@shared_task(**TASK_OPTIONS)
def send_application_decision(cluster_id: int, application_id: int):
    rows = MembershipApplication.objects.for_cluster(cluster_id).filter(
        pk=application_id, status=MembershipApplication.Status.REJECTED)
    application = rows.select_related("cluster").first()
    if application is None or not _claimed(rows, "decision_sent_at"):
        return
    context = {"application": application}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("members/email/decision_subject.txt", context).strip()
        body = render_to_string("members/email/decision.txt", context)
    _send_claimed(rows, "decision_sent_at", subject, body, application.contact_email)
