"""Typed names in several languages (cluster_platform/names.py): the check every service calls,
the choice of the reader's one, and the pages and forms of organizations, programmes and
innovations that use them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from cluster_platform.names import clean_translations, localized
from innovations.models import Innovation
from innovations.services import lifecycle
from innovations.tests.factories import InnovationFactory
from members import services as member_services
from members.models import Organization
from members.tests.factories import OrganizationFactory, PersonFactory
from programs.models import Program
from programs.services import programmes
from programs.tests.factories import ProgramFactory

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
    # Search keeps to the main name.
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
def test_the_people_page_shows_the_readers_organization_name(client, cluster, coordinator):
    organization = OrganizationFactory(cluster=cluster, name="School No. 7", short_name="",
                                       name_translations={"ru": "Школа № 7"})
    PersonFactory(organization=organization, full_name="Dilnoza Karimova")
    _read_in(client, coordinator, "ru")
    assert "Школа № 7</a>" in client.get(reverse("person_list", args=[cluster.slug])).text


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
