"""Emails of the members app, queued after the transaction that caused them commits.

Each message is sent under the cluster's name (members.branding.from_email). Each task takes
the cluster and row ids, claims the row with a conditional update so a
redelivered message (acks late) sends nothing twice, and releases the claim when sending
fails so the retry can send it.

Whoever they go to has no account yet, so no profile to read a language from: each email is
written in the language stored on its row when it was made (members.languages.language_for).
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from . import branding
from .languages import language_for, render_email
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


def _send_claimed(queryset, field: str, subject: str, body: str, recipient: str, cluster):
    try:
        send_mail(subject, body, branding.from_email(cluster), [recipient])
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
    subject, body = render_email(language_for(invitation.language), "members/email/invitation",
                                 {"invitation": invitation, "link": link})
    _send_claimed(rows, "sent_at", subject, body, invitation.email, invitation.cluster)


@shared_task(**TASK_OPTIONS)
def send_application_decision(cluster_id: int, application_id: int):
    rows = MembershipApplication.objects.for_cluster(cluster_id).filter(
        pk=application_id, status=MembershipApplication.Status.REJECTED)
    application = rows.select_related("cluster").first()
    if application is None or not _claimed(rows, "decision_sent_at"):
        return
    subject, body = render_email(language_for(application.language), "members/email/decision",
                                 {"application": application})
    _send_claimed(rows, "decision_sent_at", subject, body, application.contact_email, application.cluster)
