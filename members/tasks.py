"""Emails of the members app, sent after the transaction that caused them commits."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation, MembershipApplication

TASK_OPTIONS = {"acks_late": True, "autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**TASK_OPTIONS)
def send_invitation(invitation_id: int, token: str):
    invitation = Invitation.objects.unscoped().select_related("cluster", "organization").filter(
        pk=invitation_id, accepted_at__isnull=True).first()
    if invitation is None:
        return
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    context = {"invitation": invitation, "link": link}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("members/email/invitation_subject.txt", context).strip()
        body = render_to_string("members/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@shared_task(**TASK_OPTIONS)
def send_application_decision(application_id: int):
    application = MembershipApplication.objects.unscoped().select_related("cluster").filter(pk=application_id).first()
    if application is None:
        return
    context = {"application": application}
    subject = render_to_string("members/email/decision_subject.txt", context).strip()
    body = render_to_string("members/email/decision.txt", context)
    send_mail(subject, body, None, [application.contact_email])
