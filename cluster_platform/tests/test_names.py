"""Typed names in several languages (cluster_platform/names.py): the check every service calls,
the choice of the reader's one, the pages and forms of organizations, programmes and
innovations that show them, the search that finds them in any language, and what they cost.
The emails, certificates, reports and APIs have theirs beside their own tests."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from cluster_platform.names import choices, clean_translations, localized, translated
from innovations.models import Innovation
from innovations.services import lifecycle
from innovations.tests.factories import AdoptionFactory, InnovationFactory, PilotFactory
from members import services as member_services
from members.models import Organization
from members.tests.factories import OrganizationFactory, PersonFactory
from members.tests.test_api import client_for, url
from programs.models import Program, ProgramNeed
from programs.services import programmes
from programs.tests.factories import EmployerNeedFactory, ProgramFactory
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period

UZ = "Toshkent shahar 7-sonli maktab"
UZ_CYRL = "Тошкент шаҳар 7-сонли мактаб"


def _org(**translations):
    return Organization(name="School No. 7", name_translations=translations)


# --- The check ------------------------------------------------------------------------------

def test_it_keeps_known_languages_stripped_and_drops_blank_ones():
    cleaned = clean_translations({"ru": "  Школа № 7 ", "uz": "   ", "en": None}, model=Organization)
    assert cleaned == {"ru": "Школа № 7"}
    assert clean_translations(None, model=Organization) == {}


def test_it_refuses_an_unknown_language_naming_the_field():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        clean_translations({"fr": "École 7", "uz-cyrl": "Мактаб"}, model=Program, field="title")
    messages = error.value.message_dict["title_translations"]
    assert len(messages) == 2
    assert "“fr”" in messages[0] and "title" in messages[0] and "en, ru, uz" in messages[0]


def test_it_refuses_a_text_longer_than_the_main_field_and_a_non_mapping():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        clean_translations({"ru": "я" * 256}, model=Organization)
    assert "Russian" in error.value.message_dict["name_translations"][0]
    with pytest.raises(ValidationError) as error:
        clean_translations(["ru", "Школа"], model=Organization)
    assert "name_translations" in error.value.message_dict


# --- The reader's one -----------------------------------------------------------------------

@pytest.mark.parametrize(("language", "translations", "expected"), [
    ("ru", {"ru": "Школа № 7", "uz": UZ}, "Школа № 7"),
    ("uz", {"ru": "Школа № 7", "uz": UZ}, UZ),
    ("uz-cyrl", {"uz": UZ}, UZ_CYRL),
    ("uz-cyrl", {"ru": "Школа № 7"}, "School No. 7"),
    ("en", {"ru": "Школа № 7"}, "School No. 7"),
    ("ru", {}, "School No. 7"),
])
def test_it_gives_the_readers_language_else_the_main_name(language, translations, expected):
    with translation.override(language):
        assert localized(_org(**translations)) == expected
        rendered = Template('{% load names %}{{ organization|localized:"name" }}').render(
            Context({"organization": _org(**translations)}))
        assert rendered == expected


def test_it_reads_dict_rows_and_other_fields():
    with translation.override("ru"):
        assert localized({"title": "Games", "title_translations": {"ru": "Игры"}}, "title") == "Игры"
        assert localized({"title": "Games"}, "title") == "Games"


def test_translated_gives_the_entry_alone():
    with translation.override("ru"):
        assert translated(_org(ru="Школа № 7")) == "Школа № 7"
        assert translated(_org(uz=UZ)) == ""
    with translation.override("uz-cyrl"):
        assert translated(_org(uz=UZ)) == UZ_CYRL


@pytest.mark.parametrize(("language", "translations", "short_name", "shown"), [
    ("ru", {"ru": "Школа № 7"}, "S7", "Школа № 7"),   # the reader's language first
    ("en", {"ru": "Школа № 7"}, "S7", "S7"),          # else the short name
    ("en", {"ru": "Школа № 7"}, "", "School No. 7"),  # else the name
    ("uz-cyrl", {"uz": UZ}, "S7", UZ_CYRL),
])
def test_an_organization_is_named_by_one_rule(language, translations, short_name, shown):
    organization = Organization(name="School No. 7", short_name=short_name, name_translations=translations)
    with translation.override(language):
        assert organization.display_name == str(organization) == shown
        # The full name, where it is due: in the reader's language, never the short one.
        assert organization.localized_name == (translated(organization) or "School No. 7")


def test_programmes_and_innovations_are_named_by_their_title_in_the_readers_language():
    program = Program(title="Digital lessons", title_translations={"ru": "Цифровые уроки", "uz": "Raqamli darslar"})
    innovation = Innovation(title="Maths games", title_translations={"uz": "Matematik oʻyinlar"})
    with translation.override("ru"):
        assert (str(program), program.localized_title, str(innovation)) == ("Цифровые уроки", "Цифровые уроки",
                                                                           "Maths games")
    with translation.override("uz-cyrl"):
        assert (str(program), innovation.localized_title) == ("Рақамли дарслар", "Математик ўйинлар")


def test_choices_are_labelled_and_ordered_in_the_readers_language():
    organizations = [Organization(pk=1, name="Alpha school", name_translations={"ru": "Школа Альфа"}),
                     Organization(pk=2, name="Zeta school", name_translations={"ru": "Гимназия Зета"}),
                     Organization(pk=3, name="Beta school")]
    with translation.override("ru"):
        assert choices(organizations) == [(3, "Beta school"), (2, "Гимназия Зета"), (1, "Школа Альфа")]
    with translation.override("en"):
        assert [pk for pk, _label in choices(organizations)] == [1, 3, 2]


# --- Pages and forms --------------------------------------------------------------------------

def _read_in(client, user, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.mark.django_db
def test_the_organization_pages_show_the_readers_name(client, cluster, coordinator):
    organization = OrganizationFactory(cluster=cluster, name="School No. 7",
                                       name_translations={"ru": "Школа № 7", "uz": UZ})
    detail = reverse("organization_detail", args=[cluster.slug, organization.pk])
    listing = reverse("organization_list", args=[cluster.slug])
    _read_in(client, coordinator, "ru")
    assert "<h1>Школа № 7</h1>" in client.get(detail).text
    assert "Школа № 7</a>" in client.get(listing).text
    _read_in(client, coordinator, "uz-cyrl")
    assert f"<h1>{UZ_CYRL}</h1>" in client.get(detail).text
    _read_in(client, coordinator, "en")
    assert "<h1>School No. 7</h1>" in client.get(detail).text
    assert "School No. 7</a>" in client.get(listing, {"q": "School No. 7"}).text


@pytest.mark.django_db
def test_the_programme_and_innovation_pages_show_the_readers_titles(client, cluster, coordinator):
    origin = OrganizationFactory(cluster=cluster, name="School No. 7", name_translations={"ru": "Школа № 7"})
    program = ProgramFactory(cluster=cluster, lead_organization=origin, title="Digital lessons",
                             title_translations={"ru": "Цифровые уроки"})
    innovation = InnovationFactory(cluster=cluster, origin_organization=origin, title="Maths games",
                                   title_translations={"uz": "Matematik oʻyinlar"})
    _read_in(client, coordinator, "ru")
    for name, args in (("program_list", []), ("program_detail", [program.pk])):
        text = client.get(reverse(name, args=[cluster.slug, *args])).text
        assert "Цифровые уроки" in text and "Школа № 7" in text
    for name, args in (("innovation_list", []), ("innovation_board", []), ("innovation_detail", [innovation.pk])):
        text = client.get(reverse(name, args=[cluster.slug, *args])).text
        assert "Maths games" in text and "Школа № 7" in text, name
    _read_in(client, coordinator, "uz-cyrl")
    for name, args in (("innovation_list", []), ("innovation_board", []), ("innovation_detail", [innovation.pk])):
        assert "Математик ўйинлар" in client.get(reverse(name, args=[cluster.slug, *args])).text, name


@pytest.mark.django_db
def test_the_organization_form_stores_the_names_through_the_service(client, cluster, coordinator):
    client.force_login(coordinator)
    form_url = reverse("organization_create", args=[cluster.slug])
    page = client.get(form_url).text
    assert 'name="name_ru"' in page and "Name in Russian" in page and "<fieldset" in page
    response = client.post(form_url, {"name": "School No. 12", "kind": "school", "cluster_role": "member",
                                      "name_ru": " Школа № 12 ", "name_uz": "", "name_en": ""})
    assert response.status_code == 302
    organization = Organization.objects.for_cluster(cluster).get(name="School No. 12")
    assert organization.name_translations == {"ru": "Школа № 12"}
    edit = client.get(reverse("organization_edit", args=[cluster.slug, organization.pk])).text
    assert 'value="Школа № 12"' in edit
    # The message says the name in the reader's language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post(reverse("organization_edit", args=[cluster.slug, organization.pk]), {
        "name": "School No. 12", "kind": "school", "cluster_role": "member", "name_ru": "Школа № 12"}, follow=True)
    with translation.override("ru"):
        expected = translation.gettext("%(name)s was saved.") % {"name": "Школа № 12"}
    assert [str(message) for message in response.context["messages"]] == [expected]


@pytest.mark.django_db
def test_the_services_check_the_names(cluster, coordinator):
    organization = OrganizationFactory(cluster=cluster)
    with pytest.raises(ValidationError) as error:
        member_services.organization_update(cluster=cluster, actor=coordinator, organization_id=organization.pk,
                                            data={"name_translations": {"de": "Schule"}})
    assert "name_translations" in error.value.message_dict
    updated = member_services.organization_update(cluster=cluster, actor=coordinator,
                                                  organization_id=organization.pk,
                                                  data={"name_translations": {"uz": " Maktab "}})
    assert updated.name_translations == {"uz": "Maktab"}

    program = ProgramFactory(cluster=cluster, lead_organization=organization)
    with pytest.raises(ValidationError) as error:
        programmes.program_update(cluster=cluster, actor=coordinator, program_id=program.pk,
                                  title_translations={"xx": "?"})
    assert "title_translations" in error.value.message_dict
    program = programmes.program_update(cluster=cluster, actor=coordinator, program_id=program.pk,
                                        title_translations={"ru": "Уроки"})
    assert Program.objects.for_cluster(cluster).get(pk=program.pk).title_translations == {"ru": "Уроки"}

    author = PersonFactory(organization=organization)
    innovation = lifecycle.innovation_propose(
        cluster=cluster, actor=coordinator, title="Games", summary="Maths through games.", kind="digital",
        education_level="school", origin_organization_id=organization.pk, authors=[author.pk],
        title_translations={"ru": "Игры", "uz": ""})
    assert Innovation.objects.for_cluster(cluster).get(pk=innovation.pk).title_translations == {"ru": "Игры"}
    with pytest.raises(ValidationError) as error:
        lifecycle.innovation_update(cluster=cluster, actor=coordinator, innovation_id=innovation.pk,
                                    title_translations={"ru": "и" * 300})
    assert "title_translations" in error.value.message_dict


@pytest.mark.django_db
def test_the_agreement_pages_name_the_parties_in_the_readers_language(client, cluster, coordinator, school):
    partner = OrganizationFactory(cluster=cluster, name="School No. 7", short_name="S7",
                                  name_translations={"ru": "Школа № 7", "uz": UZ})
    agreement = AgreementFactory(cluster=cluster)
    AgreementPartyFactory(agreement=agreement, organization=school)
    party = AgreementPartyFactory(agreement=agreement, organization=partner)
    ObligationFactory(party=party, description="Host two internship groups")
    detail = reverse("agreement_detail", args=[cluster.slug, agreement.pk])
    listing = reverse("agreement_list", args=[cluster.slug])
    _read_in(client, coordinator, "ru")
    page = client.get(detail).text
    assert "Школа № 7</a></td>" in page and "<td>Школа № 7</td>" in page  # the party, the obligation
    assert "Школа № 7" in client.get(listing).text
    # The filter's <select> of a new agreement, and of an obligation's party.
    assert ">Школа № 7</option>" in client.get(reverse("agreement_create", args=[cluster.slug])).text
    _read_in(client, coordinator, "uz-cyrl")
    assert f"{UZ_CYRL}</a></td>" in client.get(detail).text
    assert UZ_CYRL in client.get(listing).text
    _read_in(client, coordinator, "en")
    assert "School No. 7</a></td>" in client.get(detail).text


@pytest.mark.django_db
def test_the_people_page_prefers_the_readers_name_to_the_short_name(client, cluster, coordinator):
    organization = OrganizationFactory(cluster=cluster, name="School No. 7", short_name="S7",
                                       name_translations={"ru": "Школа № 7"})
    PersonFactory(organization=organization, full_name="Dilnoza Karimova")
    people = reverse("person_list", args=[cluster.slug])
    _read_in(client, coordinator, "ru")
    assert "Школа № 7</a>" in client.get(people).text
    _read_in(client, coordinator, "en")
    assert "S7</a>" in client.get(people).text


@pytest.mark.django_db
def test_the_resource_and_programme_pages_name_organizations_in_the_readers_language(client, cluster, coordinator):
    owner = OrganizationFactory(cluster=cluster, name="School No. 7", name_translations={"ru": "Школа № 7", "uz": UZ})
    resource = ResourceFactory(owner=owner)
    _read_in(client, coordinator, "uz-cyrl")
    assert UZ_CYRL in client.get(reverse("resource_detail", args=[cluster.slug, resource.pk])).text
    _read_in(client, coordinator, "ru")
    assert "Школа № 7" in client.get(reverse("resource_detail", args=[cluster.slug, resource.pk])).text
    assert ">Школа № 7</option>" in client.get(reverse("program_create", args=[cluster.slug])).text
    assert ">Школа № 7</option>" in client.get(reverse("program_list", args=[cluster.slug])).text


@pytest.mark.django_db
def test_the_spread_of_an_innovation_names_its_sites_in_the_readers_language(client, cluster, coordinator):
    origin = OrganizationFactory(cluster=cluster, name="School No. 7", name_translations={"ru": "Школа № 7"})
    site = OrganizationFactory(cluster=cluster, name="Lyceum No. 2", name_translations={"ru": "Лицей № 2"})
    adopter = OrganizationFactory(cluster=cluster, name="College No. 3", name_translations={"uz": "3-sonli kollej"})
    innovation = InnovationFactory(cluster=cluster, origin_organization=origin, title="Maths games",
                                   title_translations={"ru": "Математические игры"},
                                   stage=Innovation.Stage.DISSEMINATING)
    PilotFactory(innovation=innovation, organization=site)
    AdoptionFactory(innovation=innovation, organization=adopter, learned_from=site)
    detail = reverse("innovation_detail", args=[cluster.slug, innovation.pk])
    _read_in(client, coordinator, "ru")
    page = client.get(detail).text
    assert "Лицей № 2</a>" in page  # the pilot site
    assert "<title>Школа № 7</title>" in page and "<title>Лицей № 2</title>" in page  # the graph's nodes
    assert "Лицей № 2 → College No. 3" in page  # an edge: an adopter without a Russian name keeps its own
    assert "Математические игры" in page
    _read_in(client, coordinator, "uz-cyrl")
    assert "<title>3-сонли коллеж</title>" in client.get(detail).text
    # The API's names stay the names as given, whatever the language asked for.
    api = client_for(coordinator)
    graph = api.get(url(cluster, "innovations", innovation.pk, "spread"), HTTP_ACCEPT_LANGUAGE="ru").data
    assert {node["name"] for node in graph["nodes"]} == {"School No. 7", "Lyceum No. 2", "College No. 3"}


# --- Search -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_organization_is_found_by_its_name_in_any_language(client, cluster, coordinator):
    organization = OrganizationFactory(cluster=cluster, name="School No. 7",
                                       name_translations={"ru": "Школа № 7", "uz": UZ})
    OrganizationFactory(cluster=cluster, name="Lyceum No. 2")
    listing = reverse("organization_list", args=[cluster.slug])
    _read_in(client, coordinator, "en")
    for term in ("школа № 7", "SHAHAR 7-SON", "school no. 7"):
        page = client.get(listing, {"q": term}).text
        assert "School No. 7</a>" in page and "Lyceum No. 2" not in page, term
    api = client_for(coordinator)
    found = api.get(url(cluster, "organizations"), {"q": "Школа"}).data["results"]
    assert [row["id"] for row in found] == [organization.pk]
    assert found[0]["name"] == "School No. 7"  # the main name, as before
    # A person, by the name of their organization in another language.
    PersonFactory(organization=organization, full_name="Dilnoza Karimova")
    people = client.get(reverse("person_list", args=[cluster.slug]), {"q": "школа"}).text
    assert "Dilnoza Karimova" in people


@pytest.mark.django_db
def test_programmes_and_innovations_are_found_by_their_title_in_any_language(client, cluster, coordinator):
    origin = OrganizationFactory(cluster=cluster)
    ProgramFactory(cluster=cluster, lead_organization=origin, title="Digital lessons",
                   title_translations={"ru": "Цифровые уроки"})
    ProgramFactory(cluster=cluster, lead_organization=origin, title="Robotics club")
    InnovationFactory(cluster=cluster, origin_organization=origin, title="Maths games",
                      title_translations={"uz": "Matematik oʻyinlar"})
    InnovationFactory(cluster=cluster, origin_organization=origin, title="Reading diary")
    _read_in(client, coordinator, "ru")
    programmes = client.get(reverse("program_list", args=[cluster.slug]), {"q": "цифровые"}).text
    assert "Цифровые уроки" in programmes and "Robotics club" not in programmes
    innovations = client.get(reverse("innovation_list", args=[cluster.slug]), {"q": "matematik"}).text
    assert "Maths games" in innovations and "Reading diary" not in innovations
    api = client_for(coordinator)
    assert [row["title"] for row in api.get(url(cluster, "programs"), {"q": "УРОКИ"}).data["results"]] == [
        "Digital lessons"]
    assert [row["title"] for row in api.get(url(cluster, "innovations"), {"search": "oʻyin"}).data["results"]] == [
        "Maths games"]


# --- Cost ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_names_in_the_readers_language_cost_no_query_per_row(client, cluster, coordinator, school):
    """Each list page and <select> reads the names with its rows: as many queries for 2 rows as for 6."""
    def add(count):
        for _n in range(count):
            organization = OrganizationFactory(cluster=cluster, short_name="S", name_translations={"ru": "Школа"})
            PersonFactory(organization=organization)
            ResourceFactory(owner=organization)
            agreement = AgreementFactory(cluster=cluster)
            AgreementPartyFactory(agreement=agreement, organization=organization)
            AgreementPartyFactory(agreement=agreement, organization=school)
            program = ProgramFactory(cluster=cluster, lead_organization=organization,
                                     title_translations={"ru": "Уроки"})
            InnovationFactory(cluster=cluster, origin_organization=organization, title_translations={"uz": UZ})
            ProgramNeed.objects.create(cluster=cluster, program=program,
                                       need=EmployerNeedFactory(cluster=cluster, organization=organization))
            start = timezone.now() + datetime.timedelta(days=3)
            BookedResourceFactory(resource=ResourceFactory(owner=school), booking=BookingFactory(
                requester=organization, period=period(start, start + datetime.timedelta(hours=2))))

    pages = [reverse(name, args=[cluster.slug]) for name in (
        "dashboard", "organization_list", "person_list", "role_list", "agreement_list", "agreement_create",
        "program_list", "program_create", "need_list", "need_create", "innovation_list", "innovation_board",
        "innovation_create", "resource_list", "booking_to_approve")]

    def counts(language):
        _read_in(client, coordinator, language)
        found = {}
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page)
            assert response.status_code == 200, page
            if language == "ru" and page.endswith(("/needs/", "/to-approve/", "/people/", "/agreements/")):
                assert "Школа" in response.text, page  # the rows are there, with their names
            found[page] = len(queries)
        return found

    add(2)
    few = {language: counts(language) for language in ("ru", "uz-cyrl")}
    add(4)
    assert {language: counts(language) for language in ("ru", "uz-cyrl")} == few
