import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from members import services, tasks
from members.models import Invitation, MembershipApplication
from members.tests.factories import ApplicationFactory, ClusterFactory, ClusterRoleFactory

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


# --- The recipient's language ----------------------------------------------------------------------
# Words of each email in each language, from locale/*/LC_MESSAGES/django.po.
INVITATION_WORDS = {  # "Open this link to create your account:"
    "en": "Open this link to create your account:",
    "ru": "Перейдите по этой ссылке, чтобы создать учётную запись:",
    "uz": "Hisob yaratish uchun ushbu havolani oching:",
    "uz-cyrl": "Ҳисоб яратиш учун ушбу ҳаволани очинг:",
}
INVITATION_SUBJECT_WORDS = {"en": "Your invitation to", "ru": "Ваше приглашение", "uz": "taklifnomangiz",
                            "uz-cyrl": "таклифномангиз"}
DECISION_WORDS = {"en": "Reason:", "ru": "Причина:", "uz": "Sabab:", "uz-cyrl": "Сабаб:"}
DECISION_SUBJECT_WORDS = {"en": "Your application", "ru": "Ваша заявка", "uz": "arizangiz",
                          "uz-cyrl": "аризангиз"}


def _invitation_email(cluster, coordinator, capture, **kwargs):
    with capture(execute=True):
        invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                              cluster_role="expert", **kwargs)
    (message,) = mail.outbox
    return invitation, message


@pytest.mark.parametrize("language", ["ru", "uz", "uz-cyrl", "en"])
def test_an_invitation_is_written_in_the_language_chosen_for_it(
        cluster, coordinator, django_capture_on_commit_callbacks, language):
    invitation, message = _invitation_email(cluster, coordinator, django_capture_on_commit_callbacks,
                                            language=language)
    assert Invitation.objects.for_cluster(cluster).get().language == language
    assert INVITATION_SUBJECT_WORDS[language] in message.subject
    assert INVITATION_WORDS[language] in message.body
    assert "/invitations/" in message.body
    others = set(INVITATION_WORDS) - {language}
    assert not any(INVITATION_WORDS[other] in message.body for other in others)


def test_an_invitation_is_by_default_in_the_clusters_first_language(
        coordinator, django_capture_on_commit_callbacks):
    cluster = ClusterFactory(languages=["ru", "uz"])
    ClusterRoleFactory(cluster=cluster, user=coordinator, role="coordinator")
    invitation, message = _invitation_email(cluster, coordinator, django_capture_on_commit_callbacks)
    assert invitation.language == "ru"
    assert INVITATION_WORDS["ru"] in message.body


def test_an_invitation_of_a_cluster_without_languages_is_in_the_inviters(
        coordinator, django_capture_on_commit_callbacks):
    cluster = ClusterFactory(languages=[])
    ClusterRoleFactory(cluster=cluster, user=coordinator, role="coordinator")
    with translation.override("uz-cyrl"):
        invitation, message = _invitation_email(cluster, coordinator, django_capture_on_commit_callbacks)
    assert invitation.language == "uz-cyrl"
    assert INVITATION_WORDS["uz-cyrl"] in message.body


def test_an_invitation_in_a_language_the_platform_does_not_speak_is_refused(cluster, coordinator):
    with pytest.raises(ValidationError) as error:
        services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                 cluster_role="expert", language="de")
    assert "language" in error.value.message_dict
    assert not Invitation.objects.for_cluster(cluster).exists()


def test_an_invitation_stored_without_a_language_is_in_english(cluster, coordinator):
    invitation = services.invitation_send(cluster=cluster, actor=coordinator, email="a@example.org",
                                          cluster_role="expert", language="ru")
    Invitation.objects.for_cluster(cluster).filter(pk=invitation.pk).update(language="")  # made before
    tasks.send_invitation(cluster.pk, invitation.pk)
    (message,) = mail.outbox
    assert settings.LANGUAGE_CODE == "en"
    assert INVITATION_WORDS["en"] in message.body and INVITATION_SUBJECT_WORDS["en"] in message.subject


def _apply(client, cluster, language=None):
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("application_apply", args=[cluster.slug]), {
        "organization_name": "Lyceum No. 3", "kind": "college", "tax_id": "300000003", "district": "Bektemir",
        "contact_name": "Malika Yusupova", "contact_email": "malika@lyceum3.example.org",
    })
    assert response.status_code == 200, response.content.decode()[:500]
    return MembershipApplication.objects.for_cluster(cluster).get()


def _reject(cluster, coordinator, application, capture):
    with capture(execute=True):
        services.application_reject(cluster=cluster, actor=coordinator, application_id=application.pk,
                                    reason="Outside the region")
    (message,) = mail.outbox
    assert message.to == ["malika@lyceum3.example.org"] and "Outside the region" in message.body
    return message


@pytest.mark.parametrize("language", ["uz", "ru", "uz-cyrl"])
def test_the_decision_is_written_in_the_language_of_the_form_the_applicant_used(
        client, cluster, coordinator, django_capture_on_commit_callbacks, language):
    application = _apply(client, cluster, language)
    assert application.language == language
    message = _reject(cluster, coordinator, application, django_capture_on_commit_callbacks)
    assert DECISION_SUBJECT_WORDS[language] in message.subject
    assert DECISION_WORDS[language] in message.body


def test_the_decision_of_an_application_made_in_english_or_before_is_in_english(
        client, cluster, coordinator, django_capture_on_commit_callbacks):
    application = _apply(client, cluster)  # no language cookie, no Accept-Language: LANGUAGE_CODE
    assert application.language == "en"
    message = _reject(cluster, coordinator, application, django_capture_on_commit_callbacks)
    assert DECISION_SUBJECT_WORDS["en"] in message.subject and DECISION_WORDS["en"] in message.body

    older = ApplicationFactory(cluster=cluster, contact_email="malika@lyceum3.example.org")
    assert older.language == ""  # an application made before the language was kept
    mail.outbox.clear()
    message = _reject(cluster, coordinator, older, django_capture_on_commit_callbacks)
    assert DECISION_WORDS["en"] in message.body


@pytest.mark.parametrize(("active", "stored"), [("ru-ru", "ru"), ("uz-Cyrl", "uz-cyrl"), ("de", "")])
def test_the_applicants_language_is_kept_as_one_the_platform_speaks(cluster, active, stored):
    with translation.override(active):
        application = services.application_submit(cluster=cluster, data={
            "organization_name": "Lyceum No. 3", "kind": "college", "contact_name": "Malika Yusupova",
            "contact_email": "malika@lyceum3.example.org"})
    assert application.language == stored


def test_an_approved_applicant_is_invited_in_the_language_of_their_application(
        client, cluster, coordinator, django_capture_on_commit_callbacks):
    application = _apply(client, cluster, "ru")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(cluster=cluster, actor=coordinator, application_id=application.pk)
    (message,) = mail.outbox
    assert Invitation.objects.for_cluster(cluster).get().language == "ru"
    assert INVITATION_WORDS["ru"] in message.body
