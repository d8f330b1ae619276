"""The daily reminders: each 30-day, 7-day and overdue-obligation reminder is recorded and
mailed exactly once however often the task runs, to the right people, and only for active
agreements."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements import services
from agreements.models import Agreement, AgreementReminder, Obligation
from agreements.tasks import agreement_reminders_all, send_agreement_reminder
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from django_celery_beat.models import PeriodicTask
from members.models import Organization, Profile
from members.services import language_set
from members.tests.factories import ClusterRoleFactory, OrganizationRoleFactory, UserFactory

S = Agreement.Status
TODAY = datetime.date(2026, 4, 1)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def make_active(cluster, school):
    def make(end_in_days: int, status=S.ACTIVE):
        agreement = AgreementFactory(cluster=cluster, status=status, start_date=datetime.date(2025, 1, 1),
                                     end_date=days(end_in_days))
        AgreementPartyFactory(agreement=agreement, organization=school)
        return agreement

    return make


def run_task(django_capture_on_commit_callbacks, today=TODAY, times=3):
    results = []
    for _run in range(times):
        with django_capture_on_commit_callbacks(execute=True):
            results.append(agreement_reminders_all(today=today.isoformat()))
    return results


def reminders(cluster):
    return AgreementReminder.objects.for_cluster(cluster)


def mailed_to(subject_part: str) -> list[str]:
    return sorted(address for message in mail.outbox if subject_part in message.subject for address in message.to)


@pytest.mark.parametrize(("end_in", "kind"), [(30, "expiry_30"), (8, "expiry_30"), (7, "expiry_7"), (0, "expiry_7")])
def test_it_reminds_once_of_an_ending_agreement(
        django_capture_on_commit_callbacks, cluster, coordinator, org_admin, make_active, end_in, kind):
    agreement = make_active(end_in)
    first, second, third = run_task(django_capture_on_commit_callbacks)
    assert first[cluster.slug][kind] == 1
    assert second[cluster.slug][kind] == third[cluster.slug][kind] == 0
    reminder = reminders(cluster).get()
    assert (reminder.kind, reminder.agreement, reminder.obligation) == (kind, agreement, None)
    assert reminder.sent_at is not None
    assert mailed_to(agreement.number) == sorted([coordinator.email, org_admin.email])
    assert len(mail.outbox) == 2
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert agreement.end_date.strftime("%Y") in mail.outbox[0].subject


def test_the_7_day_reminder_follows_the_30_day_one_once(
        django_capture_on_commit_callbacks, cluster, coordinator, make_active):
    agreement = make_active(30)
    for day in range(0, 31):  # every day until the end date, each run three times
        run_task(django_capture_on_commit_callbacks, today=days(day))
    assert sorted(reminders(cluster).values_list("kind", flat=True)) == ["expiry_30", "expiry_7"]
    assert len(mail.outbox) == 2
    assert all(agreement.number in message.subject for message in mail.outbox)


@pytest.mark.parametrize("end_in", [31, 60, -1])
def test_nothing_is_due_outside_the_window(django_capture_on_commit_callbacks, cluster, coordinator, make_active,
                                           end_in):
    make_active(end_in)
    run_task(django_capture_on_commit_callbacks)
    assert not reminders(cluster).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("status", [S.SUSPENDED, S.TERMINATED, S.EXPIRED, S.SIGNED, S.DRAFT])
def test_nothing_for_agreements_that_are_not_active(
        django_capture_on_commit_callbacks, cluster, coordinator, make_active, status):
    agreement = make_active(10, status=status)
    party = agreement.parties.get()
    ObligationFactory(party=party, due_date=days(-3), status=Obligation.Status.OVERDUE)
    run_task(django_capture_on_commit_callbacks)
    assert not reminders(cluster).exists()
    assert mail.outbox == []


def test_it_reminds_once_of_each_overdue_obligation(
        django_capture_on_commit_callbacks, cluster, coordinator, org_admin, make_active):
    agreement = make_active(200)
    party = agreement.parties.get()
    marked = ObligationFactory(party=party, due_date=days(-5), status=Obligation.Status.OVERDUE,
                               description="Host two internship groups")
    not_yet_marked = ObligationFactory(party=party, due_date=days(-1), description="Send the syllabus")
    ObligationFactory(party=party, due_date=TODAY, description="Due today")
    ObligationFactory(party=party, due_date=days(-9), status=Obligation.Status.DONE, description="Done already")
    ObligationFactory(party=party, due_date=days(-9), status=Obligation.Status.CANCELLED, description="Cancelled")

    first, second, third = run_task(django_capture_on_commit_callbacks)
    assert first[cluster.slug]["obligation_overdue"] == 2
    assert second[cluster.slug]["obligation_overdue"] == third[cluster.slug]["obligation_overdue"] == 0
    assert set(reminders(cluster).values_list("obligation_id", flat=True)) == {marked.pk, not_yet_marked.pk}
    assert len(mail.outbox) == 4  # two obligations, two people each
    bodies = [message.body for message in mail.outbox]
    assert sum("Host two internship groups" in body for body in bodies) == 2
    assert sum("Send the syllabus" in body for body in bodies) == 2
    assert mailed_to(agreement.number) == sorted([coordinator.email, coordinator.email,
                                                  org_admin.email, org_admin.email])


def test_recipients_are_party_admins_and_coordinators_each_once(
        django_capture_on_commit_callbacks, cluster, other_cluster, school, coordinator, org_admin,
        authority, outsider, make_active):
    agreement = make_active(20)
    partner = AgreementPartyFactory(agreement=agreement).organization
    partner_admin = OrganizationRoleFactory(organization=partner, user=UserFactory(username="partneradmin"),
                                            role="admin").user
    # Coordinator and admin of a party at once: one message.
    OrganizationRoleFactory(organization=partner, user=coordinator, role="admin")
    # Not recipients: party staff, an admin of a non-party organization, a withdrawn party's
    # admin, an admin without an address, an inactive coordinator, the other cluster's people.
    OrganizationRoleFactory(organization=school, user=UserFactory(username="teacher"), role="staff")
    stranger_org = AgreementPartyFactory(agreement=make_active(200)).organization
    OrganizationRoleFactory(organization=stranger_org, user=UserFactory(username="stranger"), role="admin")
    withdrawn = AgreementPartyFactory(agreement=agreement).organization
    Organization.objects.for_cluster(cluster).filter(pk=withdrawn.pk).update(status=Organization.Status.WITHDRAWN)
    OrganizationRoleFactory(organization=withdrawn, user=UserFactory(username="gone"), role="admin")
    OrganizationRoleFactory(organization=school, user=UserFactory(username="noemail", email=""), role="admin")
    ClusterRoleFactory(cluster=cluster, user=UserFactory(username="retired", is_active=False), role="coordinator")

    run_task(django_capture_on_commit_callbacks)
    assert mailed_to(agreement.number) == sorted([coordinator.email, org_admin.email, partner_admin.email])
    assert len(mail.outbox) == 3


def test_the_email_task_sends_once_when_redelivered(django_capture_on_commit_callbacks, cluster, coordinator,
                                                    make_active):
    make_active(20)
    run_task(django_capture_on_commit_callbacks, times=1)
    reminder = reminders(cluster).get()
    send_agreement_reminder(cluster.pk, reminder.pk)
    send_agreement_reminder(cluster.pk, reminder.pk)
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_for_the_retry(monkeypatch, cluster, coordinator, make_active):
    agreement = make_active(20)
    assert services.reminders_due(cluster=cluster, today=TODAY)["expiry_30"] == 1  # no on-commit: not sent
    reminder = reminders(cluster).get()

    def broken(self, messages):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    with pytest.raises(OSError):
        send_agreement_reminder.run(cluster.pk, reminder.pk)
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    monkeypatch.undo()
    send_agreement_reminder.run(cluster.pk, reminder.pk)
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert mailed_to(agreement.number) == [coordinator.email]


def test_other_clusters_are_reminded_of_their_own_agreements_only(
        django_capture_on_commit_callbacks, cluster, other_cluster, coordinator, outsider, other_school, make_active):
    ours = make_active(20)
    theirs = AgreementFactory(cluster=other_cluster, status=S.ACTIVE, start_date=datetime.date(2025, 1, 1),
                              end_date=days(20))
    AgreementPartyFactory(agreement=theirs, organization=other_school)
    run_task(django_capture_on_commit_callbacks)
    assert mailed_to(ours.number) == [coordinator.email]
    assert mailed_to(theirs.number) == [outsider.email]


def test_the_reminders_task_is_on_the_beat_schedule(db):
    task = PeriodicTask.objects.get(name="agreement-reminders")
    assert task.task == "agreements.tasks.agreement_reminders_all"
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("10", "0", "Asia/Tashkent")


def test_an_expiry_reminder_is_recorded_once_although_it_has_no_obligation(cluster, make_active):
    agreement = make_active(20)
    AgreementReminder.objects.create(cluster=cluster, kind="expiry_30", agreement=agreement)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementReminder.objects.create(cluster=cluster, kind="expiry_30", agreement=agreement)
    assert reminders(cluster).count() == 1


# --- Each person's language -----------------------------------------------------------------------
# The expiry reminder's words in each language (locale/*/LC_MESSAGES/django.po): its subject
# "Agreement %(number)s ends on %(date)s" and the line "If the cooperation should go on, ...".
ENDS_ON = {"en": "ends on", "ru": "Срок действия договора", "uz": "shartnomaning muddati",
           "uz-cyrl": "шартноманинг муддати"}
GO_ON = {"en": "If the cooperation should go on", "ru": "Если сотрудничество должно продолжиться",
         "uz": "Agar hamkorlik davom etishi", "uz-cyrl": "Агар ҳамкорлик давом этиши"}


def language_of_message(message) -> str:
    (language,) = [code for code in GO_ON if GO_ON[code] in message.body and ENDS_ON[code] in message.subject]
    return language


def test_each_person_is_reminded_in_their_own_language(
        django_capture_on_commit_callbacks, cluster, coordinator, org_admin, make_active):
    language_set(user=coordinator, language="ru")
    language_set(user=org_admin, language="uz")
    agreement = make_active(20)
    run_task(django_capture_on_commit_callbacks)
    assert {message.to[0]: language_of_message(message) for message in mail.outbox} == {
        coordinator.email: "ru", org_admin.email: "uz"}
    assert all(agreement.number in message.subject for message in mail.outbox)


def test_uzbek_cyrillic_and_the_default_are_languages_like_the_others(
        django_capture_on_commit_callbacks, cluster, coordinator, org_admin, school, make_active):
    language_set(user=coordinator, language="uz-cyrl")
    # No profile, and a profile that forgot its language: the platform's default, English.
    blank = OrganizationRoleFactory(organization=school, user=UserFactory(username="blank"), role="admin").user
    Profile.objects.create(user=blank, language="")
    make_active(20)
    run_task(django_capture_on_commit_callbacks)
    assert {message.to[0]: language_of_message(message) for message in mail.outbox} == {
        coordinator.email: "uz-cyrl", org_admin.email: "en", blank.email: "en"}


def test_the_languages_cost_no_query_per_recipient(cluster, coordinator, org_admin, school, make_active):
    def queries_to_send() -> int:
        agreement = make_active(20)
        assert services.reminders_due(cluster=cluster, today=TODAY)["expiry_30"] == 1  # no on-commit: not sent
        reminder = reminders(cluster).get(agreement=agreement)
        before = len(mail.outbox)
        with CaptureQueriesContext(connection) as queries:
            send_agreement_reminder(cluster.pk, reminder.pk)
        assert len(mail.outbox) > before
        return len(queries)

    language_set(user=coordinator, language="ru")
    two = queries_to_send()
    for number, language in enumerate(["uz", "uz-cyrl", "ru", "en", ""]):
        user = OrganizationRoleFactory(organization=school, user=UserFactory(username=f"admin{number}"),
                                       role="admin").user
        if language:
            language_set(user=user, language=language)
    assert queries_to_send() == two
    assert len(mail.outbox) == 2 + 7


def test_the_obligations_organization_is_named_in_each_readers_language(
        django_capture_on_commit_callbacks, cluster, coordinator, org_admin, school, make_active):
    Organization.objects.for_cluster(cluster).filter(pk=school.pk).update(
        name_translations={"ru": "Школа № 1", "uz": "1-sonli maktab"})
    language_set(user=coordinator, language="uz-cyrl")
    language_set(user=org_admin, language="ru")
    party = make_active(200).parties.get()
    ObligationFactory(party=party, due_date=days(-5), description="Host two internship groups")
    run_task(django_capture_on_commit_callbacks, times=1)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Школа № 1" in bodies[org_admin.email]
    assert "1-сонли мактаб" in bodies[coordinator.email]  # the Uzbek name, in Cyrillic
    assert "School No. 1" not in bodies[org_admin.email] + bodies[coordinator.email]
