"""Browser pages of agreements: who sees what, errors beside fields, the whole lifecycle
through the views, and query-count bounds."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements import services
from agreements.forms import AgreementFilterForm
from agreements.models import Agreement, AgreementParty, AgreementTransition, Obligation
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def snapshot(cluster):
    return {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values())
            for model in (Agreement, AgreementParty, AgreementTransition, Obligation)}


@pytest.fixture
def agreement(make_agreement):
    return make_agreement()


@pytest.fixture
def negotiated(cluster, coordinator, agreement):
    services.agreement_transition(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                  to_status="negotiation")
    return agreement


def _obligation(cluster, coordinator, agreement):
    party = agreement.parties.order_by("pk").last()  # the school
    return services.obligation_add(cluster=cluster, actor=coordinator, agreement_id=agreement.pk,
                                   party_id=party.pk, description="Host two groups", due_date=TODAY())


def assert_contains_html(body, fragment):
    assert parse_html(body).count(parse_html(fragment)) == 1, fragment


# --- Who sees which page ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["coordinator", "authority", "org_admin", "staff"])
def test_it_shows_the_list_and_the_agreement_to_those_who_may_read_it(client, request, cluster, agreement, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("agreement_list", cluster))
    assert response.status_code == 200
    assert agreement.number in response.content.decode()
    assert client.get(url("agreement_detail", cluster, agreement.pk)).status_code == 200


def test_an_expert_has_no_agreements_section(client, cluster, expert, agreement):
    client.force_login(expert)
    assert client.get(url("agreement_list", cluster)).status_code == 403
    assert client.get(url("agreement_detail", cluster, agreement.pk)).status_code == 403


def test_an_organization_not_party_to_an_agreement_does_not_see_it(client, cluster, agreement):
    stranger = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster), role="admin").user
    client.force_login(stranger)
    response = client.get(url("agreement_list", cluster))
    assert response.status_code == 200 and agreement.number not in response.content.decode()
    assert client.get(url("agreement_detail", cluster, agreement.pk)).status_code == 404


def test_the_list_filters_sorts_and_shows_an_empty_state(client, cluster, coordinator, make_agreement, school):
    first = make_agreement(title="Alpha", kind="research")
    second = make_agreement(title="Beta", kind="internship")
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster), {"kind": "research"}).content.decode()
    assert first.number in body and second.number not in body
    body = client.get(url("agreement_list", cluster), {"sort": "-title"}).content.decode()
    assert body.index("Beta") < body.index("Alpha")
    body = client.get(url("agreement_list", cluster), {"party": school.pk, "status": "draft"}).content.decode()
    assert first.number in body and second.number in body
    body = client.get(url("agreement_list", cluster), {"expiring": "30"}).content.decode()
    assert "No agreement matches these filters." in body


def test_the_list_finds_a_party_by_part_of_its_name(client, cluster, coordinator, make_agreement, school):
    college = OrganizationFactory(cluster=cluster, name="Chirchik Pedagogical College")
    with_school = make_agreement(title="Alpha")
    with_college = make_agreement(title="Beta", parties=[{"organization_id": college.pk, "role": "initiator"},
                                                         {"organization_id": school.pk, "role": "partner"}])
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster), {"party_name": "pedagogical coll"}).content.decode()
    assert with_college.number in body and with_school.number not in body
    assert "1 agreement matches the filters" in body
    body = client.get(url("agreement_list", cluster), {"party_name": "no such organization"}).content.decode()
    assert "No agreement matches these filters." in body


def test_the_party_filter_renders_no_list_of_every_organization(client, cluster, coordinator, school, university,
                                                                 monkeypatch):
    """A large cluster's thousands of organizations are not rendered on every view of the
    page: the party is typed, with the names suggested only while they are few."""
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster)).content.decode()
    assert '<select name="party"' not in body
    assert 'name="party_name"' in body and 'list="agreement-party-names"' in body
    assert f'<option value="{school.name}"></option>' in body and f'<option value="{university.name}">' in body
    monkeypatch.setattr(AgreementFilterForm, "SUGGESTED_NAMES", 1)
    body = client.get(url("agreement_list", cluster)).content.decode()
    assert 'name="party_name"' in body and "agreement-party-names" not in body and school.name not in body


def test_a_link_with_an_organization_id_lists_its_agreements_with_a_checkbox_to_drop_it(
        client, cluster, coordinator, make_agreement, school):
    """The organization page links to `?party=<id>`: the exact organization, named by a ticked
    checkbox of the form, so it stays while the other filters change until it is unticked."""
    other = OrganizationFactory(cluster=cluster, name="Yangiyo'l Lyceum")
    theirs = make_agreement(title="Beta", parties=[{"organization_id": other.pk, "role": "initiator"},
                                                   {"organization_id": school.pk, "role": "partner"}])
    ours = make_agreement(title="Alpha")
    client.force_login(coordinator)
    response = client.get(url("agreement_list", cluster), {"party": other.pk, "kind": "internship"})
    body = response.content.decode()
    assert theirs.number in body and ours.number not in body
    assert_contains_html(body, f'<input type="checkbox" class="form-check-input" name="party" id="id_party" '
                               f'value="{other.pk}" checked>')
    assert_contains_html(body, '<label class="form-check-label" for="id_party">'
                               "Only the agreements to which Yangiyo'l Lyceum is a party</label>")
    # Unticked, the form sends no `party`: every party's agreements again.
    body = client.get(url("agreement_list", cluster), {"kind": "internship"}).content.decode()
    assert theirs.number in body and ours.number in body and 'name="party"' not in body


def test_an_organization_id_of_another_cluster_is_refused_without_naming_it(
        client, cluster, coordinator, agreement, other_school):
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster), {"party": other_school.pk}).content.decode()
    assert "This organization is not a member of the cluster." in body
    assert other_school.name not in body and 'name="party"' not in body
    assert agreement.number in body  # the filter that did not validate is dropped


def test_the_rows_show_the_parties_kind_and_status_badge(client, cluster, coordinator, make_agreement, school,
                                                         university):
    agreement = make_agreement(kind="research")
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster)).content.decode()
    assert f"<td>{university.name}; {school.name}</td>" in body
    assert '<span class="d-block small text-muted">Research</span>' in body
    badge = render_to_string("agreements/partials/status_badge.html", {"status": "draft", "label": "Draft"})
    assert f"<td>{badge}</td>" in body and agreement.number in body


def test_the_results_alone_read_no_name_suggestions(client, cluster, coordinator, agreement,
                                                    django_assert_num_queries):
    client.force_login(coordinator)
    client.get(url("agreement_list", cluster))
    with CaptureQueriesContext(connection) as full:
        client.get(url("agreement_list", cluster))
    with CaptureQueriesContext(connection) as results:
        response = client.get(url("agreement_list", cluster), headers={"HX-Request": "true",
                                                                        "HX-Target": "agreement-results"})
    body = response.content.decode()
    assert agreement.number in body and "<form" not in body
    assert len(results) == len(full) - 1


def test_the_list_finds_active_agreements_ending_soon(client, cluster, coordinator, school, university):
    soon = AgreementFactory(cluster=cluster, status="active", start_date=TODAY() - datetime.timedelta(days=100),
                            end_date=TODAY() + datetime.timedelta(days=10))
    later = AgreementFactory(cluster=cluster, status="active", start_date=TODAY(),
                             end_date=TODAY() + datetime.timedelta(days=200))
    client.force_login(coordinator)
    body = client.get(url("agreement_list", cluster), {"expiring": "30"}).content.decode()
    assert soon.number in body and later.number not in body


@pytest.mark.parametrize("name", ["agreement_transition", "agreement_renew", "agreement_obligation_create"])
def test_an_authority_may_read_but_not_act(client, cluster, authority, negotiated, name):
    client.force_login(authority)
    before = snapshot(cluster)
    assert client.get(url(name, cluster, negotiated.pk)).status_code == 403
    response = client.post(url(name, cluster, negotiated.pk),
                           {"to_status": "terminated", "reason": "x", "start_date": "2027-01-01",
                            "end_date": "2027-12-31", "description": "x", "due_date": "2027-01-01"})
    assert response.status_code == 403
    assert snapshot(cluster) == before


def test_staff_may_not_sign_nor_complete_obligations(client, cluster, coordinator, staff, negotiated, school):
    obligation = _obligation(cluster, coordinator, negotiated)
    party = negotiated.parties.get(organization=school)
    client.force_login(staff)
    before = snapshot(cluster)
    sign = url("agreement_sign", cluster, negotiated.pk, party.pk)
    assert client.post(sign, {"signed_on": TODAY().isoformat(), "signed_by_name": "X"}).status_code == 403
    done = url("agreement_obligation_done", cluster, negotiated.pk, obligation.pk)
    assert client.post(done).status_code == 403
    assert snapshot(cluster) == before


def test_an_org_admin_signs_only_for_its_own_party(client, cluster, org_admin, negotiated, university):
    other = negotiated.parties.get(organization=university)
    client.force_login(org_admin)
    before = snapshot(cluster)
    response = client.post(url("agreement_sign", cluster, negotiated.pk, other.pk),
                           {"signed_on": TODAY().isoformat(), "signed_by_name": "X"})
    assert response.status_code == 403
    assert snapshot(cluster) == before


def test_an_outsider_gets_404_everywhere_and_changes_nothing(client, cluster, outsider, coordinator, negotiated):
    obligation = _obligation(cluster, coordinator, negotiated)
    party = negotiated.parties.first()
    client.force_login(outsider)
    before = snapshot(cluster)
    urls = [
        url("agreement_list", cluster), url("agreement_create", cluster),
        url("agreement_detail", cluster, negotiated.pk), url("agreement_transition", cluster, negotiated.pk),
        url("agreement_sign", cluster, negotiated.pk, party.pk), url("agreement_renew", cluster, negotiated.pk),
        url("agreement_obligation_create", cluster, negotiated.pk),
        url("agreement_obligation_done", cluster, negotiated.pk, obligation.pk),
    ]
    for address in urls:
        assert client.get(address).status_code == 404, address
        assert client.post(address, {"to_status": "terminated", "reason": "x"}).status_code == 404, address
    assert snapshot(cluster) == before


def test_another_agreements_obligation_is_404_under_this_agreement(client, cluster, coordinator, make_agreement):
    first, second = make_agreement(), make_agreement()
    obligation = _obligation(cluster, coordinator, second)
    client.force_login(coordinator)
    response = client.post(url("agreement_obligation_done", cluster, first.pk, obligation.pk))
    assert response.status_code == 404
    obligation.refresh_from_db()
    assert obligation.status == "open"


# --- Create ----------------------------------------------------------------------------------

def _create_data(parties, **overrides):
    data = {"title": "Teaching practice", "kind": "internship", "start_date": "2026-03-01",
            "end_date": "2027-02-28", "description": "",
            "parties-TOTAL_FORMS": str(max(len(parties), 2)), "parties-INITIAL_FORMS": "0",
            "parties-MIN_NUM_FORMS": "2", "parties-MAX_NUM_FORMS": "20"}
    for index in range(max(len(parties), 2)):
        organization, role = parties[index] if index < len(parties) else ("", "partner")
        data[f"parties-{index}-organization"] = organization
        data[f"parties-{index}-role"] = role
        data[f"parties-{index}-signatory"] = ""
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_draft(client, cluster, coordinator, school, university):
    client.force_login(coordinator)
    assert client.get(url("agreement_create", cluster)).status_code == 200
    response = client.post(url("agreement_create", cluster),
                           _create_data([(university.pk, "initiator"), (school.pk, "partner")]))
    agreement = Agreement.objects.for_cluster(cluster).get()
    assert response.status_code == 302 and response["Location"] == url("agreement_detail", cluster, agreement.pk)
    assert agreement.status == "draft" and agreement.parties.count() == 2


def test_create_errors_are_shown_beside_the_fields_and_nothing_is_saved(client, cluster, coordinator, school,
                                                                       university):
    client.force_login(coordinator)
    parties = [(university.pk, "initiator"), (school.pk, "partner")]
    response = client.post(url("agreement_create", cluster), _create_data(parties, title="", kind=""))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_title_error"' in body and 'id="id_kind_error"' in body
    # The service's rule, shown beside the field it names.
    response = client.post(url("agreement_create", cluster), _create_data(
        parties, start_date="2027-01-01", end_date="2026-01-01"))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_end_date_error"' in body and "The end date cannot be before the start date." in body
    response = client.post(url("agreement_create", cluster), _create_data([(school.pk, "partner")]))
    assert response.status_code == 422
    assert 'id="id_parties-1-organization_error"' in response.content.decode()
    assert not Agreement.objects.for_cluster(cluster).exists()


def test_an_org_admin_must_include_its_own_organization(client, cluster, org_admin, university):
    third = OrganizationFactory(cluster=cluster)
    client.force_login(org_admin)
    response = client.post(url("agreement_create", cluster),
                           _create_data([(university.pk, "initiator"), (third.pk, "partner")]))
    assert response.status_code == 422
    assert "Your own organization must be one of the parties." in response.content.decode()
    assert not Agreement.objects.for_cluster(cluster).exists()


def test_inactive_and_foreign_organizations_are_not_offered(client, cluster, coordinator, school, other_school):
    suspended = OrganizationFactory(cluster=cluster, status="suspended", name="Suspended school")
    client.force_login(coordinator)
    body = client.get(url("agreement_create", cluster)).content.decode()
    assert school.name in body and other_school.name not in body and suspended.name not in body
    response = client.post(url("agreement_create", cluster),
                           _create_data([(school.pk, "initiator"), (other_school.pk, "partner")]))
    assert response.status_code == 422
    assert not Agreement.objects.for_cluster(cluster).exists()


def test_authority_and_staff_may_not_create(client, cluster, authority, staff):
    for user in (authority, staff):
        client.force_login(user)
        assert client.get(url("agreement_create", cluster)).status_code == 403



def test_a_row_offers_the_signatories_of_its_organization_alone(client, cluster, coordinator, school, university,
                                                                other_school):
    """A cluster's people run to a hundred thousand: the form lists none of them until a row names
    its organization, then that organization's active people (htmx asks for them on a change)."""
    teacher = PersonFactory(organization=school, full_name="Dilnoza Karimova")
    PersonFactory(organization=school, full_name="Former Teacher", is_active=False)
    rector = PersonFactory(organization=university, full_name="Rector Aliyev")
    client.force_login(coordinator)
    body = client.get(url("agreement_create", cluster)).content.decode()
    assert teacher.full_name not in body and rector.full_name not in body
    signatories = url("agreement_signatories", cluster)
    assert f'hx-get="{signatories}"' in body and 'hx-target="#id_parties-0-signatory"' in body

    options = client.get(signatories, {"parties-0-organization": school.pk}).content.decode()
    assert teacher.full_name in options and "Former Teacher" not in options and rector.full_name not in options
    assert options.startswith('<option value="">Not yet known</option>')
    assert client.get(signatories, {"parties-3-organization": ""}).content.decode().count("<option") == 1
    assert client.get(signatories, {"parties-0-organization": other_school.pk}).status_code == 404
    assert client.get(signatories, {"parties-0-organization": "x"}).status_code == 404

    # Sent back with an error, each row offers its own organization's people; a signatory of
    # another organization is refused beside the field.
    parties = [(university.pk, "initiator"), (school.pk, "partner")]
    response = client.post(url("agreement_create", cluster), _create_data(parties, title="", **{
        "parties-1-signatory": rector.pk}))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_parties-1-signatory_error"' in body and teacher.full_name in body
    response = client.post(url("agreement_create", cluster), _create_data(parties, **{
        "parties-0-signatory": rector.pk, "parties-1-signatory": teacher.pk}))
    assert response.status_code == 302
    signed_by = {party.organization_id: party.signatory_id
                 for party in AgreementParty.objects.for_cluster(cluster).filter(agreement__title="Teaching practice")}
    assert signed_by == {university.pk: rector.pk, school.pk: teacher.pk}



def test_a_party_row_with_an_odd_organization_value_is_an_error_not_a_crash(client, cluster, coordinator, school):
    client.force_login(coordinator)
    response = client.post(url("agreement_create", cluster), _create_data([("²", "initiator"), (school.pk, "partner")]))
    assert response.status_code == 422 and 'id="id_parties-0-organization_error"' in response.content.decode()

def test_the_signatories_are_asked_for_by_those_who_may_create(client, cluster, authority, school):
    client.force_login(authority)
    assert client.get(url("agreement_signatories", cluster), {"parties-0-organization": school.pk}).status_code == 403


def test_the_new_agreement_page_reads_no_more_for_more_people(client, cluster, coordinator, school, university):
    client.force_login(coordinator)
    counts = []
    for people in (2, 30):
        for _ in range(people):
            PersonFactory(organization=school)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("agreement_create", cluster)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

# --- The lifecycle through the pages ------------------------------------------------------------

def test_the_full_flow_through_the_views(client, cluster, coordinator, org_admin, uni_admin, school, university):
    client.force_login(org_admin)
    response = client.post(url("agreement_create", cluster), _create_data(
        [(school.pk, "initiator"), (university.pk, "partner")], start_date=TODAY().isoformat(),
        end_date=(TODAY() + datetime.timedelta(days=365)).isoformat()))
    assert response.status_code == 302
    agreement = Agreement.objects.for_cluster(cluster).get()
    detail = url("agreement_detail", cluster, agreement.pk)
    transition = url("agreement_transition", cluster, agreement.pk)

    assert client.post(transition, {"to_status": "negotiation", "comment": "Ready"}).status_code == 302
    # Declaring it signed before the parties signed is refused, with the reason.
    response = client.post(transition, {"to_status": "signed"})
    assert response.status_code == 422
    assert "Every party must sign before the agreement is signed." in response.content.decode()

    for user, organization in ((org_admin, school), (uni_admin, university)):
        client.force_login(user)
        party = agreement.parties.get(organization=organization)
        assert "Record the signature of" in client.get(detail).content.decode()
        response = client.post(url("agreement_sign", cluster, agreement.pk, party.pk),
                               {"signed_on": TODAY().isoformat(), "signed_by_name": f"Head of {organization}"})
        assert response.status_code == 302
    assert client.post(transition, {"to_status": "signed"}).status_code == 302
    # Activation is the coordinator's.
    assert client.post(transition, {"to_status": "active"}).status_code == 422
    client.force_login(coordinator)
    assert client.post(transition, {"to_status": "active"}).status_code == 302

    agreement.refresh_from_db()
    assert agreement.status == "active"
    body = client.get(detail).content.decode()
    assert "Ready" in body and "Signed" in body
    assert list(agreement.transitions.values_list("to_status", flat=True)) == [
        "draft", "negotiation", "signed", "active"]


def test_terminate_needs_the_reason_on_its_confirmation_page(client, cluster, coordinator, negotiated):
    client.force_login(coordinator)
    transition = url("agreement_transition", cluster, negotiated.pk)
    page = client.get(transition, {"to": "terminated"})
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    response = client.post(transition, {"to_status": "terminated", "reason": ""})
    assert response.status_code == 422 and 'id="id_reason_error"' in response.content.decode()
    negotiated.refresh_from_db()
    assert negotiated.status == "negotiation"
    assert client.post(transition, {"to_status": "terminated", "reason": "Funding ended"}).status_code == 302
    negotiated.refresh_from_db()
    assert negotiated.status == "terminated" and negotiated.termination_reason == "Funding ended"


def test_obligations_are_added_and_marked_done(client, cluster, coordinator, org_admin, agreement, school):
    party = agreement.parties.get(organization=school)
    client.force_login(coordinator)
    add = url("agreement_obligation_create", cluster, agreement.pk)
    assert client.post(add, {"party": party.pk, "description": "", "due_date": ""}).status_code == 422
    response = client.post(add, {"party": party.pk, "description": "Host two groups", "due_date": "2026-06-01"})
    assert response.status_code == 302
    obligation = Obligation.objects.for_cluster(cluster).get()
    client.force_login(org_admin)
    assert "Mark done" in client.get(url("agreement_detail", cluster, agreement.pk)).content.decode()
    assert client.post(url("agreement_obligation_done", cluster, agreement.pk, obligation.pk)).status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == "done"
    # A second time is refused with the reason, not an error page.
    response = client.post(url("agreement_obligation_done", cluster, agreement.pk, obligation.pk))
    assert response.status_code == 422 and "Only an open or overdue obligation" in response.content.decode()


def test_a_signed_agreement_is_renewed_as_a_new_draft(client, cluster, coordinator, school, university):
    old = AgreementFactory(cluster=cluster, status="active")
    AgreementPartyFactory(agreement=old, organization=school)
    AgreementPartyFactory(agreement=old, organization=university)
    client.force_login(coordinator)
    renew = url("agreement_renew", cluster, old.pk)
    assert client.get(renew).status_code == 200
    response = client.post(renew, {"start_date": "2027-01-01", "end_date": "2027-12-31"})
    assert response.status_code == 302
    new = Agreement.objects.for_cluster(cluster).get(renewal_of=old)
    assert new.status == "draft" and new.parties.count() == 2


# --- Query counts -------------------------------------------------------------------------------

def _add_agreements(cluster, count):
    for _ in range(count):
        agreement = AgreementFactory(cluster=cluster)
        AgreementPartyFactory(agreement=agreement)
        AgreementPartyFactory(agreement=agreement)


@pytest.mark.parametrize("params", [{}, {"kind": "memorandum", "sort": "-end_date"}, {"party_name": "school"},
                                    {"party": "school"}])
def test_the_list_query_count_does_not_grow_with_rows(client, cluster, coordinator, school, params,
                                                      django_assert_max_num_queries):
    if params.get("party") == "school":
        params = {"party": school.pk}
    client.force_login(coordinator)
    _add_agreements(cluster, 3)
    with django_assert_max_num_queries(10):
        assert client.get(url("agreement_list", cluster), params).status_code == 200
    _add_agreements(cluster, 17)
    with django_assert_max_num_queries(10):
        assert client.get(url("agreement_list", cluster), params).status_code == 200


def test_the_agreement_page_query_count_does_not_grow(client, cluster, coordinator, negotiated,
                                                      django_assert_max_num_queries):
    client.force_login(coordinator)
    detail = url("agreement_detail", cluster, negotiated.pk)
    _obligation(cluster, coordinator, negotiated)
    # The session, user, cluster and roles, the agreement with its parties (and their
    # representatives), obligations, timeline and documents, the dashboard badges.
    with django_assert_max_num_queries(12):
        assert client.get(detail).status_code == 200
    for _ in range(10):
        _obligation(cluster, coordinator, negotiated)
        AgreementPartyFactory(agreement=negotiated)
    with django_assert_max_num_queries(12):
        assert client.get(detail).status_code == 200


def test_the_dashboard_lists_agreements_ending_soon_with_bounded_queries(
        client, cluster, coordinator, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            agreement = AgreementFactory(cluster=cluster, status="active", start_date=TODAY(),
                                         end_date=TODAY() + datetime.timedelta(days=20))
            AgreementPartyFactory(agreement=agreement)
    far = AgreementFactory(cluster=cluster, status="active", start_date=TODAY(),
                           end_date=TODAY() + datetime.timedelta(days=90))
    client.force_login(coordinator)
    add(2)
    with django_assert_max_num_queries(12):
        response = client.get(url("dashboard", cluster))
    body = response.content.decode()
    assert "Agreements ending within 30 days" in body and far.number not in body
    add(15)
    with django_assert_max_num_queries(12):
        assert client.get(url("dashboard", cluster)).status_code == 200


def test_the_dashboard_panel_is_for_coordinators(client, cluster, org_admin):
    client.force_login(org_admin)
    assert "Agreements ending within" not in client.get(url("dashboard", cluster)).content.decode()


def test_the_organization_page_lists_its_agreements_with_bounded_queries(
        client, cluster, coordinator, school, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            AgreementPartyFactory(agreement=AgreementFactory(cluster=cluster), organization=school)
    page = url("organization_detail", cluster, school.pk)
    client.force_login(coordinator)
    add(2)
    with django_assert_max_num_queries(14):
        response = client.get(page)
    assert 'id="agreements-heading"' in response.content.decode()
    add(20)
    with django_assert_max_num_queries(14):
        response = client.get(page)
    assert "All agreements of this organization" in response.content.decode()


def test_the_organization_page_shows_only_agreements_the_viewer_may_read(client, cluster, school, agreement):
    stranger = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster), role="admin").user
    client.force_login(stranger)
    body = client.get(url("organization_detail", cluster, school.pk)).content.decode()
    assert agreement.number not in body
