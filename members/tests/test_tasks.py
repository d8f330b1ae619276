import pytest
from django.core import mail

from members import services, tasks
from members.models import Invitation
from members.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_a_redelivered_invitation_task_sends_one_email(cluster, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                              cluster_role="expert")
    assert len(mail.outbox) == 1
    tasks.send_invitation(cluster.pk, invitation.pk)  # the broker delivers the message again
    assert len(mail.outbox) == 1
    assert Invitation.objects.for_cluster(cluster).get().sent_at is not None


def test_a_failed_send_releases_the_claim_for_the_retry(cluster, coordinator, settings):
    invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                          cluster_role="expert")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with pytest.raises(OSError):
        tasks.send_invitation.run(cluster.pk, invitation.pk)
    assert Invitation.objects.for_cluster(cluster).get().sent_at is None


def test_a_task_for_another_clusters_invitation_does_nothing(cluster, other_cluster, coordinator):
    invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                          cluster_role="expert")
    tasks.send_invitation(other_cluster.pk, invitation.pk)
    assert mail.outbox == []


def test_the_link_carries_no_stored_secret_and_a_forged_one_is_refused(cluster, coordinator):
    invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                          cluster_role="expert")
    token = services.invitation_token(invitation)
    assert services.invitation_by_token(token) == invitation
    assert services.invitation_by_token(token[:-2] + "xx") is None
    assert services.invitation_by_token(str(invitation.pk)) is None


def test_the_rejection_email_goes_once(cluster, coordinator, django_capture_on_commit_callbacks):
    application = ApplicationFactory(cluster=cluster)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(cluster=cluster, actor=coordinator, application_id=application.pk,
                                    reason="Outside the region")
    tasks.send_application_decision(cluster.pk, application.pk)
    assert len(mail.outbox) == 1
