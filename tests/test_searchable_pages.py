"""The forms that choose among a cluster's organizations (thousands in a national cluster) show a
searchable select past the limit (cluster_platform.forms.offer_choices): every page that has one,
and the choice of an organization the page did not list at first, sent and saved."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement
from cluster_platform import forms as platform_forms
from innovations.models import InnovationPolicy
from innovations.tests.factories import InnovationFactory
from members.models import Invitation
from members.tests.factories import OrganizationFactory
from programs.models import Program
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

LIMIT = 2


@pytest.fixture
def many(cluster, monkeypatch):
    """Six active organizations where a select shows two: "Zeta ..." comes last, never listed at first."""
    monkeypatch.setattr(platform_forms, "SEARCH_LIMIT", LIMIT)
    made = [OrganizationFactory(cluster=cluster, name=f"{letter} School", kind="school")
            for letter in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon")]
    return made + [OrganizationFactory(cluster=cluster, name="Zeta University", kind="pedagogical_university")]


def page(cluster, name, *args):
    return reverse(name, args=[cluster.slug, *args])


@pytest.mark.parametrize(("name", "boxes"), [
    ("agreement_create", [f"parties-{row}-organization-search" for row in range(4)]),  # 2 rows + 2 spare
    ("program_create", ["lead_organization-search", "partners-search"]),
    ("program_list", ["lead_organization-search"]),
    ("innovation_create", ["origin_organization-search", "co_author_organization-search"]),
    ("innovation_list", ["origin-search"]),
    ("resource_list", ["owner-search"]),
    ("resource_create", ["owner-search"]),
    ("booking_request", ["requester-search"]),
    ("role_list", ["organization-search"]),
])
def test_each_page_shows_the_first_names_and_a_search_box(client, cluster, coordinator, many, name, boxes):
    args = [ResourceFactory(owner=many[0]).pk] if name == "booking_request" else []
    for organization in many:  # origins for the innovation catalogue's filter
        InnovationFactory(cluster=cluster, origin_organization=organization)
    client.force_login(coordinator)
    response = client.get(page(cluster, name, *args))
    assert response.status_code == 200
    body = response.content.decode()
    for box in boxes:
        assert f'name="{box}"' in body
    assert ">Zeta University</option>" not in body  # the sixth of six, past the two shown
    assert body.count('data-option-search') == len(boxes)


def test_an_organization_found_by_the_box_is_saved_as_a_party(client, cluster, coordinator, many):
    zeta, delta = many[-1], many[3]
    client.force_login(coordinator)
    data = {"title": "Teaching practice", "kind": "internship", "start_date": "2026-03-01",
            "end_date": "2027-02-28", "description": "",
            "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "2",
            "parties-MAX_NUM_FORMS": "20",
            "parties-0-organization": str(zeta.pk), "parties-0-role": "initiator", "parties-0-signatory": "",
            "parties-0-organization-search": "zeta",
            "parties-1-organization": str(delta.pk), "parties-1-role": "partner", "parties-1-signatory": ""}
    response = client.post(page(cluster, "agreement_create"), data)
    assert response.status_code == 302
    agreement = Agreement.objects.for_cluster(cluster).get()
    assert {party.organization_id for party in agreement.parties.all()} == {zeta.pk, delta.pk}


def test_a_failed_form_shows_the_chosen_organizations_and_the_matches_again(client, cluster, coordinator, many):
    zeta = many[-1]
    client.force_login(coordinator)
    response = client.post(page(cluster, "agreement_create"), {
        "title": "", "kind": "internship", "start_date": "2026-03-01", "end_date": "2027-02-28",
        "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "20", "parties-0-organization": str(zeta.pk), "parties-0-role": "initiator",
        "parties-1-organization": "", "parties-1-role": "partner"})
    assert response.status_code == 422
    body = response.content.decode()
    assert f'<option value="{zeta.pk}" selected>Zeta University</option>' in body


def test_the_catalogue_filters_by_an_owner_not_listed_at_first(client, cluster, coordinator, many):
    ResourceFactory(owner=many[0], name="Alpha laboratory")
    ResourceFactory(owner=many[-1], name="Zeta laboratory")
    client.force_login(coordinator)
    body = client.get(page(cluster, "resource_list"), {"owner": many[-1].pk}).content.decode()
    assert "Zeta laboratory" in body and "Alpha laboratory" not in body
    assert f'<option value="{many[-1].pk}" selected>Zeta University</option>' in body
    # Without scripts: the box sent with the filters lists its matches.
    body = client.get(page(cluster, "resource_list"), {"owner-search": "zeta"}).content.decode()
    assert f'<option value="{many[-1].pk}">Zeta University</option>' in body
    assert 'value="zeta"' in body


def test_an_invitation_names_an_organization_not_listed_at_first(client, cluster, coordinator, many, mailoutbox):
    zeta = many[-1]
    client.force_login(coordinator)
    response = client.post(page(cluster, "invitation_create"), {
        "email": "new.teacher@example.uz", "cluster_role": "", "organization": str(zeta.pk),
        "organization_role": "staff", "language": "en"})
    assert response.status_code == 302
    invitation = Invitation.objects.for_cluster(cluster).get()
    assert invitation.organization_id == zeta.pk and invitation.organization_role == "staff"


def test_a_programme_gets_a_lead_and_partners_not_listed_at_first(client, cluster, coordinator, many):
    zeta, epsilon, delta = many[-1], many[4], many[3]
    client.force_login(coordinator)
    start = datetime.date.today() + datetime.timedelta(days=30)
    response = client.post(page(cluster, "program_create"), {
        "title": "Inclusive classrooms", "kind": "seminar", "lead_organization": str(zeta.pk),
        "partners": [str(epsilon.pk), str(delta.pk)], "hours": "36", "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=30)).isoformat(), "capacity": "25", "priority_share": "0",
        "min_attendance_percent": "80"})
    assert response.status_code == 302, response.content.decode()[:3000]
    program = Program.objects.for_cluster(cluster).get()
    assert program.lead_organization_id == zeta.pk
    assert {link.organization_id for link in program.partner_links.all()} == {epsilon.pk, delta.pk}


def test_the_origin_options_list_the_origins_of_the_innovations_the_reader_sees(
        client, cluster, coordinator, outsider, many):
    InnovationFactory(cluster=cluster, origin_organization=many[-1])
    url = reverse("innovation_origin_options", args=[cluster.slug])
    client.force_login(coordinator)
    body = client.get(url, {"name": "origin", "origin-search": "a", "blank": "All"}).content.decode()
    assert body.startswith(f'<option value="" selected>All</option><option value="{many[-1].pk}">Zeta University</option>'
                           '<span id="id_origin-search-status"')
    client.force_login(outsider)
    assert client.get(url, {"name": "origin"}).status_code == 404


def test_a_party_row_sent_without_scripts_lists_the_matches_of_its_box(client, cluster, coordinator, many):
    gamma = many[2]
    client.force_login(coordinator)
    response = client.post(page(cluster, "agreement_create"), {
        "title": "Teaching practice", "kind": "internship", "start_date": "2026-03-01", "end_date": "2027-02-28",
        "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "20", "parties-0-organization": "", "parties-0-role": "initiator",
        "parties-0-organization-search": "gamma", "parties-1-organization": str(many[-1].pk),
        "parties-1-role": "partner"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="gamma"' in body and f'<option value="{gamma.pk}">Gamma School</option>' in body
    assert "Choose one of the names found for “gamma”, or empty the search box." in body
    assert not Agreement.objects.for_cluster(cluster).exists()


def test_enter_in_the_box_without_scripts_does_not_send_an_invitation_without_its_organization(
        client, cluster, coordinator, many):
    client.force_login(coordinator)
    response = client.post(page(cluster, "invitation_create"), {
        "email": "new.teacher@example.uz", "cluster_role": "", "organization": "", "organization-search": "zeta",
        "organization_role": "", "language": "en"})
    assert response.status_code == 422
    assert f'<option value="{many[-1].pk}">Zeta University</option>' in response.content.decode()
    assert not Invitation.objects.for_cluster(cluster).exists()


def test_the_origin_options_answer_nothing_to_a_blind_reader(client, cluster, coordinator, expert, many):
    InnovationPolicy.objects.create(cluster=cluster, blind_review=True)
    InnovationFactory(cluster=cluster, origin_organization=many[-1])
    url = reverse("innovation_origin_options", args=[cluster.slug])
    client.force_login(coordinator)  # blind review does not hide the origins from a coordinator
    assert ">Zeta University</option>" in client.get(url, {"name": "origin"}).content.decode()
    client.force_login(expert)
    body = client.get(url, {"name": "origin"}).content.decode()
    assert "Zeta" not in body and "No name to list." in body


def queries_before_and_after_more_organizations(client, cluster, many, url, params=None) -> tuple[int, int]:
    """The queries of a GET of `url` with the six organizations of `many` as origins of
    innovations, then with ten more."""
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params or {}).status_code == 200
        return len(queries)

    for organization in many:
        InnovationFactory(cluster=cluster, origin_organization=organization)
    few = count()
    for n in range(10):
        InnovationFactory(cluster=cluster, origin_organization=OrganizationFactory(cluster=cluster, name=f"Org {n}"))
    return few, count()


@pytest.mark.parametrize("url", ["innovation_origin_options", "organization_options_all",
                                 "organization_options_active", "organization_options_invitable"])
def test_the_options_queries_do_not_grow_with_the_rows(client, cluster, coordinator, many, url):
    client.force_login(coordinator)
    few, more = queries_before_and_after_more_organizations(
        client, cluster, many, reverse(url, args=[cluster.slug]), {"name": "o", "o-search": "o"})
    assert more == few <= 6


@pytest.mark.parametrize("name", ["agreement_create", "program_create", "program_list", "innovation_create",
                                  "innovation_list", "resource_list", "resource_create", "role_list"])
def test_a_page_with_a_long_select_runs_as_many_queries_for_more_organizations(client, cluster, coordinator,
                                                                                 many, name):
    client.force_login(coordinator)
    few, more = queries_before_and_after_more_organizations(client, cluster, many, page(cluster, name))
    assert more == few <= 15
