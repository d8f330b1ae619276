"""A select over a long list (cluster_platform.forms.offer_choices and search_options): a short
list is the plain select it always was; past the limit it shows the first names and the chosen
ones with a box to find the others, answered by /c/<slug>/organizations/options/<which>/."""

import pytest
from django import forms
from django.test.html import parse_html
from django.urls import reverse
from django.utils import translation

from cluster_platform import forms as platform_forms
from cluster_platform.forms import BootstrapFormMixin, FastSelect, FilterFormMixin, SearchableSelect, offer_choices
from members.models import Organization
from members.selectors import organization_choices
from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

NAMES = ["Alpha Lyceum", "Bravo School", "Charlie College", "Delta School", "Echo Lyceum"]


class OwnerFilter(FilterFormMixin, BootstrapFormMixin, forms.Form):
    owner = forms.TypedChoiceField(label="Owner", required=False, coerce=int, empty_value=None)
    partners = forms.TypedMultipleChoiceField(label="Partners", required=False, coerce=int)

    def __init__(self, *args, organizations, url="", **kwargs):
        super().__init__(*args, **kwargs)
        offer_choices(self, "owner", organizations, blank="All owners", search_url=url)
        offer_choices(self, "partners", organizations, search_url=url)


@pytest.fixture
def organizations(cluster):
    return {name: OrganizationFactory(cluster=cluster, name=name) for name in NAMES}


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(platform_forms, "SEARCH_LIMIT", 2)


def labels(field):
    return [label for _value, label in field.choices]


def test_a_short_list_is_a_plain_select_of_every_name(cluster, organizations):
    form = OwnerFilter(organizations=organization_choices(cluster=cluster), url="/options/")
    assert labels(form.fields["owner"]) == ["All owners", *NAMES]
    assert type(form.fields["owner"].widget) is FastSelect
    assert "data-option-search" not in str(form["owner"])


def test_a_long_list_offers_the_first_names_and_a_box_to_find_the_others(cluster, organizations, small_limit):
    form = OwnerFilter(organizations=organization_choices(cluster=cluster), url="/options/")
    assert labels(form.fields["owner"]) == ["All owners", "Alpha Lyceum", "Bravo School"]
    assert type(form.fields["owner"].widget) is SearchableSelect
    html = parse_html(str(form["owner"]))
    box = html.children[0]
    assert box.name == "input"
    attrs = dict(box.attributes)
    assert attrs["type"] == "search" and attrs["name"] == "owner-search"
    assert attrs["hx-get"] == "/options/?name=owner&blank=All+owners"
    assert attrs["hx-target"] == attrs["hx-include"] == "#id_owner"
    assert attrs["aria-label"] == "Find in the list: Owner"
    assert attrs["aria-describedby"] == "id_owner-search-hint"
    assert "The list shows up to 2 names" in str(form["owner"])


def test_a_name_not_shown_yet_is_valid_once_chosen_and_stays_offered(cluster, organizations, small_limit):
    echo, delta = organizations["Echo Lyceum"], organizations["Delta School"]
    form = OwnerFilter({"owner": str(echo.pk), "partners": [str(delta.pk), str(echo.pk)]},
                       organizations=organization_choices(cluster=cluster), url="/options/")
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"owner": echo.pk, "partners": [delta.pk, echo.pk]}
    assert labels(form.fields["owner"]) == ["All owners", "Alpha Lyceum", "Bravo School", "Echo Lyceum"]
    assert f'<option value="{echo.pk}" selected>Echo Lyceum</option>' in str(form["owner"])


def test_another_clusters_organization_is_refused(cluster, organizations, other_school, small_limit):
    form = OwnerFilter({"owner": str(other_school.pk)}, organizations=organization_choices(cluster=cluster),
                       url="/options/")
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["owner"][0]
    assert other_school.name not in str(form["owner"])


def test_without_scripts_the_box_is_sent_with_the_form_and_narrows_the_list(cluster, organizations, small_limit):
    form = OwnerFilter({"owner-search": " lyceum "}, organizations=organization_choices(cluster=cluster),
                       url="/options/")
    assert labels(form.fields["owner"]) == ["All owners", "Alpha Lyceum", "Echo Lyceum"]
    assert 'value="lyceum"' in str(form["owner"])


def test_names_are_found_and_ordered_in_the_readers_language(cluster, small_limit):
    for name, russian in (("Zulfiya School", "Школа Зульфия"), ("Yulduz School", "Школа Юлдуз"),
                          ("Anor School", "")):
        OrganizationFactory(cluster=cluster, name=name, name_translations={"ru": russian} if russian else {})
    with translation.override("ru"):
        form = OwnerFilter({"owner-search": "Школа"}, organizations=organization_choices(cluster=cluster),
                           url="/options/")
        assert labels(form.fields["owner"]) == ["All owners", "Школа Зульфия", "Школа Юлдуз"]
        form = OwnerFilter(organizations=organization_choices(cluster=cluster), url="/options/")
        assert labels(form.fields["owner"]) == ["All owners", "Anor School", "Школа Зульфия"]


def options_url(cluster, which="active"):
    return reverse(f"organization_options_{which}", args=[cluster.slug])


def test_the_options_endpoint_answers_the_matches_with_the_chosen_ones(
        client, cluster, coordinator, organizations, other_school, small_limit):
    bravo = organizations["Bravo School"]
    client.force_login(coordinator)
    response = client.get(options_url(cluster), {
        "name": "parties-0-organization", "parties-0-organization-search": "lyceum", "blank": "Choose…",
        "parties-0-organization": [str(bravo.pk), str(other_school.pk), "x"]})
    assert response.status_code == 200
    assert parse_html(response.content.decode()) == parse_html(
        '<option value="">Choose…</option>'
        f'<option value="{organizations["Alpha Lyceum"].pk}">Alpha Lyceum</option>'
        f'<option value="{bravo.pk}" selected>Bravo School</option>'
        f'<option value="{organizations["Echo Lyceum"].pk}">Echo Lyceum</option>'
        # what was found, for screen readers: swapped into the live region under the select
        '<span id="id_parties-0-organization-search-status" class="sr-only" role="status" hx-swap-oob="true">'
        "2 names listed.</span>")


def test_the_options_endpoint_keeps_to_its_list(client, cluster, org_admin, organizations):
    suspended = OrganizationFactory(cluster=cluster, name="Foxtrot Lyceum", status=Organization.Status.SUSPENDED)
    withdrawn = OrganizationFactory(cluster=cluster, name="Golf Lyceum", status=Organization.Status.WITHDRAWN)
    client.force_login(org_admin)  # any role in the cluster: these names are in its forms anyway
    found = {which: client.get(options_url(cluster, which), {"name": "o", "o-search": "lyceum"}).content.decode()
             for which in ("all", "active", "invitable")}
    assert "Foxtrot" not in found["active"] and "Golf" not in found["active"]
    assert "Foxtrot" in found["invitable"] and "Golf" not in found["invitable"]
    assert "Foxtrot" in found["all"] and "Golf" in found["all"] and withdrawn.name in found["all"]
    assert suspended.name in found["all"]
    assert client.get(reverse("organization_list", args=[cluster.slug]) + "options/other/").status_code == 404


def test_the_options_of_another_cluster_are_404(client, cluster, outsider, organizations):
    client.force_login(outsider)
    assert client.get(options_url(cluster), {"name": "o"}).status_code == 404
    client.logout()
    assert client.get(options_url(cluster), {"name": "o"}).status_code == 302  # to the sign-in page


@pytest.mark.parametrize("rows", [3, 30])
def test_the_options_queries_do_not_grow_with_the_rows(
        client, cluster, coordinator, rows, small_limit, django_assert_max_num_queries):
    OrganizationFactory.create_batch(rows, cluster=cluster)
    client.force_login(coordinator)
    client.get(options_url(cluster), {"name": "o"})
    with django_assert_max_num_queries(5):
        response = client.get(options_url(cluster), {"name": "o", "o-search": "school"})
    assert response.content.decode().count("<option") == 2


def test_a_search_that_finds_nothing_says_so(client, cluster, coordinator, organizations):
    bravo = organizations["Bravo School"]
    client.force_login(coordinator)
    body = client.get(options_url(cluster), {"name": "o", "o-search": "<kindergarten>", "o": str(bravo.pk)}
                      ).content.decode()
    said = "No name contains “&lt;kindergarten&gt;”."
    assert parse_html(body) == parse_html(
        f'<option value="{bravo.pk}" selected>Bravo School</option><option disabled>{said}</option>'
        f'<span id="id_o-search-status" class="sr-only" role="status" hx-swap-oob="true">{said}</span>')
    # A chosen name that matches is a match.
    body = client.get(options_url(cluster), {"name": "o", "o-search": "bravo", "o": str(bravo.pk)}).content.decode()
    assert "No name contains" not in body and ">1 name listed.</span>" in body


class InvitationLike(BootstrapFormMixin, forms.Form):
    organization = forms.TypedChoiceField(label="Organization", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        offer_choices(self, "organization", organizations, blank="No organization", search_url="/options/")


def test_a_form_sent_with_a_search_and_no_choice_asks_for_one(cluster, organizations, small_limit):
    """Enter in the box without scripts sends the form: an optional organization is not left out
    unnoticed, the form comes back with the matches to choose from."""
    echo = organizations["Echo Lyceum"]
    form = InvitationLike({"organization-search": "lyceum"}, organizations=organization_choices(cluster=cluster))
    assert not form.is_valid()
    assert form.errors["organization"] == ["Choose one of the names found for “lyceum”, or empty the search box."]
    assert labels(form.fields["organization"]) == ["No organization", "Alpha Lyceum", "Echo Lyceum"]
    form = InvitationLike({"organization-search": "lyceum", "organization": str(echo.pk)},
                          organizations=organization_choices(cluster=cluster))
    assert form.is_valid() and form.cleaned_data["organization"] == echo.pk
    assert InvitationLike({"organization-search": " "}, organizations=organization_choices(cluster=cluster)).is_valid()
    # A filter form filters by what is chosen, if anything: no error there.
    assert OwnerFilter({"owner-search": "lyceum"}, organizations=organization_choices(cluster=cluster),
                       url="/options/").is_valid()


def test_a_long_list_in_the_readers_order_costs_one_query_until_something_is_searched(
        cluster, organizations, small_limit, django_assert_num_queries):
    with django_assert_num_queries(2):  # owner and partners: the first names each, nothing chosen or sought
        OwnerFilter(organizations=organization_choices(cluster=cluster), url="/options/")
