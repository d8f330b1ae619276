import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from agreements import services
from cluster_platform import rls
from agreements.models import Agreement, AgreementNumberSequence, AgreementParty, AgreementTransition, Obligation
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory

S = Agreement.Status
PAST = datetime.date(2024, 1, 10)


def status_error(excinfo):
    return " ".join(excinfo.value.message_dict["status"])


def move(cluster, actor, agreement, to_status, **kw):
    return services.agreement_transition(cluster=cluster, actor=actor, agreement_id=agreement.pk,
                                         to_status=to_status, **kw)


def sign_all(cluster, actor, agreement):
    for party in AgreementParty.objects.for_cluster(cluster).filter(agreement=agreement):
        services.agreement_sign(cluster=cluster, actor=actor, agreement_id=agreement.pk, party_id=party.pk,
                                signed_on=PAST, signed_by_name="Rector")


def signed(cluster, coordinator, make_agreement, **kwargs):
    agreement = make_agreement(**kwargs)
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    sign_all(cluster, coordinator, agreement)
    return move(cluster, coordinator, agreement, S.SIGNED)


def active(cluster, coordinator, make_agreement):
    agreement = signed(cluster, coordinator, make_agreement, start_date=datetime.date(2024, 1, 1))
    return move(cluster, coordinator, agreement, S.ACTIVE)


# --- Creation and numbering --------------------------------------------------------------

def test_it_creates_a_numbered_draft_with_parties_and_a_timeline(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    year = datetime.date.today().year
    assert agreement.number == f"TAS-{year}-0001"
    assert agreement.status == S.DRAFT
    assert agreement.parties.count() == 2
    [transition] = agreement.transitions.all()
    assert (transition.from_status, transition.to_status, transition.actor) == ("", S.DRAFT, coordinator)
    assert make_agreement().number == f"TAS-{year}-0002"


def test_it_numbers_each_cluster_separately(cluster, other_cluster, coordinator, make_agreement, outsider,
                                            other_school):
    make_agreement()
    second = OrganizationFactory(cluster=other_cluster)
    other = services.agreement_create(
        cluster=other_cluster, actor=outsider, title="T", kind="research", start_date=PAST, end_date=PAST,
        parties=[{"organization_id": other_school.pk, "role": "partner"},
                 {"organization_id": second.pk, "role": "partner"}])
    assert other.number.startswith("SAM-") and other.number.endswith("-0001")


def test_a_refused_creation_uses_no_number(cluster, coordinator, make_agreement):
    with pytest.raises(ValidationError):
        make_agreement(end_date=datetime.date(2026, 1, 1))
    assert make_agreement().number.endswith("-0001")


def test_it_refuses_an_end_before_the_start(make_agreement):
    with pytest.raises(ValidationError) as excinfo:
        make_agreement(start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 30))
    assert "end_date" in excinfo.value.message_dict


def test_it_needs_two_distinct_parties(make_agreement, school):
    with pytest.raises(ValidationError) as excinfo:
        make_agreement(parties=[{"organization_id": school.pk, "role": "partner"},
                                {"organization_id": school.pk, "role": "provider"}])
    assert "parties" in excinfo.value.message_dict


def test_it_refuses_another_clusters_organization_and_saves_nothing(cluster, make_agreement, school,
                                                                    other_school):
    before = other_school.updated_at
    with pytest.raises(ValidationError) as excinfo:
        make_agreement(parties=[{"organization_id": school.pk, "role": "partner"},
                                {"organization_id": other_school.pk, "role": "partner"}])
    assert "parties" in excinfo.value.message_dict
    assert not Agreement.objects.unscoped().exists()
    assert not AgreementParty.objects.unscoped().exists()
    assert not AgreementNumberSequence.objects.unscoped().exists()
    other_school.refresh_from_db()
    assert other_school.updated_at == before


def test_it_refuses_an_inactive_organization(make_agreement, school):
    school.status = "suspended"
    school.save()
    with pytest.raises(ValidationError) as excinfo:
        make_agreement()
    assert "parties" in excinfo.value.message_dict


def test_it_refuses_a_signatory_of_another_organization(make_agreement, school, university):
    teacher = PersonFactory(organization=university)
    with pytest.raises(ValidationError) as excinfo:
        make_agreement(parties=[{"organization_id": school.pk, "role": "partner", "signatory_id": teacher.pk},
                                {"organization_id": university.pk, "role": "partner"}])
    assert "parties" in excinfo.value.message_dict


def test_an_org_admin_may_propose_with_its_own_organization(cluster, make_agreement, org_admin):
    agreement = make_agreement(actor=org_admin)
    assert agreement.created_by == org_admin


def test_an_org_admin_may_not_propose_without_its_organization(cluster, make_agreement, org_admin, university):
    third = OrganizationFactory(cluster=cluster)
    with pytest.raises(PermissionDenied):
        make_agreement(actor=org_admin, parties=[{"organization_id": university.pk, "role": "partner"},
                                                 {"organization_id": third.pk, "role": "partner"}])
    assert not Agreement.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("who", ["authority", "expert", "outsider"])
def test_others_may_not_create(request, cluster, make_agreement, who):
    with pytest.raises(PermissionDenied):
        make_agreement(actor=request.getfixturevalue(who))
    assert not Agreement.objects.for_cluster(cluster).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_numbers_without_gaps_or_duplicates(cluster, coordinator, school, university):
    count = 8
    barrier = threading.Barrier(count)
    numbers, errors = [], []

    def create():
        try:
            actor = get_user_model().objects.get(pk=coordinator.pk)
            barrier.wait()
            with rls.platform_scope():  # a thread's new connection (see tests/concurrency.py)
                agreement = services.agreement_create(
                    cluster=cluster, actor=actor, title="Concurrent", kind="research",
                    start_date=PAST, end_date=PAST,
                    parties=[{"organization_id": school.pk, "role": "partner"},
                             {"organization_id": university.pk, "role": "partner"}])
                numbers.append(agreement.number)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(int(number.rsplit("-", 1)[1]) for number in numbers) == list(range(1, count + 1))
    assert AgreementNumberSequence.objects.for_cluster(cluster).get().last_number == count


# --- Transitions ----------------------------------------------------------------------------

def test_every_legal_move_is_recorded(cluster, coordinator, make_agreement):
    agreement = make_agreement(start_date=datetime.date(2024, 1, 1))
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    move(cluster, coordinator, agreement, S.DRAFT, comment="Back to the text")
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    sign_all(cluster, coordinator, agreement)
    move(cluster, coordinator, agreement, S.SIGNED)
    move(cluster, coordinator, agreement, S.ACTIVE)
    move(cluster, coordinator, agreement, S.SUSPENDED)
    move(cluster, coordinator, agreement, S.ACTIVE)
    move(cluster, coordinator, agreement, S.TERMINATED, reason="The school closed")
    agreement.refresh_from_db()
    assert agreement.status == S.TERMINATED
    assert agreement.termination_reason == "The school closed"
    moves = list(agreement.transitions.values_list("from_status", "to_status"))
    assert moves == [("", "draft"), ("draft", "negotiation"), ("negotiation", "draft"),
                     ("draft", "negotiation"), ("negotiation", "signed"), ("signed", "active"),
                     ("active", "suspended"), ("suspended", "active"), ("active", "terminated")]
    assert agreement.transitions.get(to_status="draft", from_status="negotiation").comment == "Back to the text"


@pytest.mark.parametrize("start", [S.DRAFT, S.NEGOTIATION, S.SIGNED, S.SUSPENDED])
def test_a_coordinator_may_terminate_any_non_final_agreement(cluster, coordinator, make_agreement, start):
    agreement = make_agreement()
    Agreement.objects.for_cluster(cluster).filter(pk=agreement.pk).update(status=start)
    move(cluster, coordinator, agreement, S.TERMINATED, reason="Obsolete")
    agreement.refresh_from_db()
    assert agreement.status == S.TERMINATED


def test_termination_needs_a_reason(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, S.TERMINATED, reason="  ")
    assert "reason" in excinfo.value.message_dict
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


@pytest.mark.parametrize("final", [S.EXPIRED, S.TERMINATED])
def test_final_statuses_are_final(cluster, coordinator, make_agreement, final):
    agreement = make_agreement()
    Agreement.objects.for_cluster(cluster).filter(pk=agreement.pk).update(status=final)
    for target in (S.ACTIVE, S.DRAFT, S.TERMINATED):
        with pytest.raises(ValidationError) as excinfo:
            move(cluster, coordinator, agreement, target, reason="x")
        assert "cannot change any more" in status_error(excinfo)


@pytest.mark.parametrize("start,target", [
    (S.DRAFT, S.SIGNED), (S.DRAFT, S.ACTIVE), (S.NEGOTIATION, S.ACTIVE), (S.SIGNED, S.DRAFT),
    (S.ACTIVE, S.DRAFT), (S.SUSPENDED, S.SIGNED), (S.DRAFT, S.DRAFT),
])
def test_illegal_moves_say_why(cluster, coordinator, make_agreement, start, target):
    agreement = make_agreement()
    Agreement.objects.for_cluster(cluster).filter(pk=agreement.pk).update(status=start)
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, target)
    assert "cannot become" in status_error(excinfo)
    assert agreement.transitions.count() == 1


def test_an_unknown_status_is_refused(cluster, coordinator, make_agreement):
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, make_agreement(), "approved")
    assert "Unknown" in status_error(excinfo)


def test_signed_needs_every_partys_signature(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    first = agreement.parties.first()
    services.agreement_sign(cluster=cluster, actor=coordinator, agreement_id=agreement.pk, party_id=first.pk,
                            signed_on=PAST, signed_by_name="Rector")
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, S.SIGNED)
    assert "Every party must sign" in status_error(excinfo)


def test_activation_by_hand_waits_for_the_start_date(cluster, coordinator, make_agreement):
    agreement = signed(cluster, coordinator, make_agreement, start_date=datetime.date.today() + datetime.timedelta(days=3),
                       end_date=datetime.date.today() + datetime.timedelta(days=30))
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, S.ACTIVE)
    assert "start date" in status_error(excinfo)


def test_expiry_is_for_the_daily_task_alone(cluster, coordinator, make_agreement):
    agreement = active(cluster, coordinator, make_agreement)
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, S.EXPIRED)
    assert "by itself" in status_error(excinfo)
    move(cluster, coordinator, agreement, S.SUSPENDED, reason="Audit")
    with pytest.raises(ValidationError) as excinfo:
        move(cluster, coordinator, agreement, S.EXPIRED)
    assert "by itself" in status_error(excinfo)


def test_a_party_admin_may_negotiate_but_not_manage(cluster, coordinator, org_admin, make_agreement):
    agreement = make_agreement()
    move(cluster, org_admin, agreement, S.NEGOTIATION)
    move(cluster, org_admin, agreement, S.DRAFT)
    with pytest.raises(PermissionDenied):
        move(cluster, org_admin, agreement, S.TERMINATED, reason="No")
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


def test_a_party_admin_may_not_suspend(cluster, coordinator, org_admin, make_agreement):
    agreement = active(cluster, coordinator, make_agreement)
    with pytest.raises(PermissionDenied):
        move(cluster, org_admin, agreement, S.SUSPENDED)
    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE


def test_an_authority_may_not_transition(cluster, authority, make_agreement):
    agreement = make_agreement()
    with pytest.raises(PermissionDenied):
        move(cluster, authority, agreement, S.NEGOTIATION)
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


def test_an_expert_and_a_non_party_admin_do_not_see_the_agreement(cluster, expert, make_agreement):
    agreement = make_agreement()
    other_admin = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster),
                                          user=UserFactory(username="otheradmin")).user
    for actor in (expert, other_admin):
        with pytest.raises(Agreement.DoesNotExist):
            move(cluster, actor, agreement, S.NEGOTIATION)
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


def test_another_clusters_agreement_does_not_exist(cluster, other_cluster, outsider, make_agreement):
    agreement = make_agreement()
    with pytest.raises(Agreement.DoesNotExist):
        move(other_cluster, outsider, agreement, S.NEGOTIATION)
    with pytest.raises(Agreement.DoesNotExist):
        services.agreement_renew(cluster=other_cluster, actor=outsider, agreement_id=agreement.pk,
                                 start_date=PAST, end_date=PAST)
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_only_one_wins(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        try:
            actor = get_user_model().objects.get(pk=coordinator.pk)
            barrier.wait()
            with rls.platform_scope():  # a thread's new connection (see tests/concurrency.py)
                move(cluster, actor, agreement, S.NEGOTIATION)
                results.append("moved")
        except ValidationError as error:
            results.append(error.message_dict["status"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[1] == "moved" and results.count("moved") == 1
    assert AgreementTransition.objects.for_cluster(cluster).filter(to_status=S.NEGOTIATION).count() == 1


# --- Signatures -----------------------------------------------------------------------------

def test_a_party_admin_signs_for_its_own_party_only(cluster, coordinator, org_admin, make_agreement, school):
    agreement = make_agreement()
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    own = agreement.parties.get(organization=school)
    other = agreement.parties.exclude(organization=school).get()
    director = PersonFactory(organization=school, full_name="Director Karimova")
    party = services.agreement_sign(cluster=cluster, actor=org_admin, agreement_id=agreement.pk, party_id=own.pk,
                                    signed_on=PAST, signatory_id=director.pk)
    assert (party.signed_on, party.signatory, party.signed_by_name) == (PAST, director, "Director Karimova")
    with pytest.raises(PermissionDenied):
        services.agreement_sign(cluster=cluster, actor=org_admin, agreement_id=agreement.pk, party_id=other.pk,
                                signed_on=PAST, signed_by_name="Rector")
    other.refresh_from_db()
    assert other.signed_on is None


def test_signing_is_refused_outside_negotiation(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_sign(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                party_id=agreement.parties.first().pk, signed_on=PAST, signed_by_name="Rector")
    assert "negotiated" in status_error(excinfo)


def test_signing_checks_the_date_the_name_and_the_signatory(cluster, coordinator, make_agreement, university):
    agreement = make_agreement()
    move(cluster, coordinator, agreement, S.NEGOTIATION)
    party = agreement.parties.exclude(organization=university).get()
    sign = lambda **kw: services.agreement_sign(  # noqa: E731
        cluster=cluster, actor=coordinator, agreement_id=agreement.pk, party_id=party.pk, **kw)
    with pytest.raises(ValidationError) as excinfo:
        sign(signed_on=datetime.date.today() + datetime.timedelta(days=1), signed_by_name="X")
    assert "signed_on" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        sign(signed_on=PAST)
    assert "signed_by_name" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        sign(signed_on=PAST, signatory_id=PersonFactory(organization=university).pk)
    assert "signatory" in excinfo.value.message_dict
    sign(signed_on=PAST, signed_by_name="Director")
    with pytest.raises(ValidationError) as excinfo:
        sign(signed_on=PAST, signed_by_name="Director")
    assert "party" in excinfo.value.message_dict


# --- Renewal --------------------------------------------------------------------------------

def test_renewal_is_a_new_draft_with_the_same_parties(cluster, coordinator, make_agreement):
    previous = active(cluster, coordinator, make_agreement)
    renewal = services.agreement_renew(cluster=cluster, actor=coordinator, agreement_id=previous.pk,
                                       start_date=datetime.date(2027, 3, 1), end_date=datetime.date(2028, 2, 28))
    assert renewal.status == S.DRAFT and renewal.renewal_of == previous
    assert renewal.number != previous.number
    assert set(renewal.parties.values_list("organization_id", "role")) == set(
        previous.parties.values_list("organization_id", "role"))
    assert not renewal.parties.filter(signed_on__isnull=False).exists()
    assert list(previous.renewals.all()) == [renewal]


def test_a_draft_cannot_be_renewed(cluster, coordinator, make_agreement):
    agreement = make_agreement()
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_renew(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                 start_date=PAST, end_date=PAST)
    assert "status" in excinfo.value.message_dict


# --- Obligations ----------------------------------------------------------------------------

def test_obligations_are_added_and_completed_by_the_responsible_party(cluster, coordinator, org_admin,
                                                                     make_agreement, school, university):
    agreement = make_agreement()
    own = agreement.parties.get(organization=school)
    other = agreement.parties.get(organization=university)
    mine = services.obligation_add(cluster=cluster, actor=org_admin, agreement_id=agreement.pk, party_id=own.pk,
                                   description="Host students", due_date=datetime.date(2026, 6, 1))
    theirs = services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                     party_id=other.pk, description="Send mentors", due_date=datetime.date(2026, 6, 1))
    with pytest.raises(PermissionDenied):
        services.obligation_complete(cluster=cluster, actor=org_admin, obligation_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.status == Obligation.Status.OPEN
    done = services.obligation_complete(cluster=cluster, actor=org_admin, obligation_id=mine.pk)
    assert (done.status, done.completed_by) == (Obligation.Status.DONE, org_admin)
    assert done.completed_at is not None
    with pytest.raises(ValidationError) as excinfo:
        services.obligation_complete(cluster=cluster, actor=coordinator, obligation_id=mine.pk)
    assert "status" in excinfo.value.message_dict


def test_an_obligation_needs_a_party_of_the_agreement(cluster, coordinator, make_agreement):
    first, second = make_agreement(), make_agreement()
    with pytest.raises(ValidationError) as excinfo:
        services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=first.pk,
                                party_id=second.parties.first().pk, description="", due_date=None)
    assert set(excinfo.value.message_dict) == {"party", "description", "due_date"}
    assert not Obligation.objects.for_cluster(cluster).exists()


def test_an_authority_may_not_add_obligations(cluster, authority, make_agreement):
    agreement = make_agreement()
    with pytest.raises(PermissionDenied):
        services.obligation_add(cluster=cluster, actor=authority, agreement_id=agreement.pk,
                                party_id=agreement.parties.first().pk, description="x", due_date=PAST)
    assert not Obligation.objects.for_cluster(cluster).exists()
