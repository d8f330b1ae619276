"""Emails of the members app, queued after the transaction that caused them commits.

Each message is sent under the cluster's name (members.branding.from_email). Each task takes
the cluster and row ids and sends once (cluster_platform.jobs.claim): it claims the row with a
conditional update so a redelivered message (acks late) sends nothing twice, and releases the
claim when sending fails so the retry can send it.

Whoever they go to has no account yet, so no profile to read a language from: each email is
written in the language stored on its row when it was made (members.languages.language_for).
"""

from celery import shared_task
from django.core.mail import send_mail
from django.urls import reverse

from cluster_platform.jobs import EMAIL_TASK_OPTIONS, claim, public_url, released_on_failure

from . import branding
from .languages import language_for, render_email
from .models import Invitation, MembershipApplication


def _send_claimed(rows, field: str, subject: str, body: str, recipient: str, cluster):
    with released_on_failure(rows, field):
        send_mail(subject, body, branding.from_email(cluster), [recipient])


@shared_task(**EMAIL_TASK_OPTIONS)
def send_invitation(cluster_id: int, invitation_id: int):
    from .services import invitation_token

    rows = Invitation.objects.for_cluster(cluster_id).filter(pk=invitation_id, accepted_at__isnull=True)
    invitation = rows.select_related("cluster", "organization").first()
    if invitation is None or not claim(rows, "sent_at"):
        return
    link = public_url(reverse("invitation_accept", args=[invitation_token(invitation)]))
    subject, body = render_email(language_for(invitation.language), "members/email/invitation",
                                 {"invitation": invitation, "link": link})
    _send_claimed(rows, "sent_at", subject, body, invitation.email, invitation.cluster)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_application_decision(cluster_id: int, application_id: int):
    rows = MembershipApplication.objects.for_cluster(cluster_id).filter(
        pk=application_id, status=MembershipApplication.Status.REJECTED)
    application = rows.select_related("cluster").first()
    if application is None or not claim(rows, "decision_sent_at"):
        return
    subject, body = render_email(language_for(application.language), "members/email/decision",
                                 {"application": application})
    _send_claimed(rows, "decision_sent_at", subject, body, application.contact_email, application.cluster)
