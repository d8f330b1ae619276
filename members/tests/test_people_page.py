"""The people page: its rows built in Python (views.people.PersonRows) are the HTML the former
template loop gave, which this file keeps as the reference, for every kind of row, reader and
language; one query for the rows, whatever their number."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from members.views.people import PersonRows

pytestmark = pytest.mark.django_db

# The rows of members/person_list.html as they were, {% url %} and all.
FORMER_ROWS = Template("{% load i18n %}" + r'''{% for item in people %}{% with person=item.person %}
            <tr{% if not person.is_active %} class="text-muted"{% endif %}>
              <td>{{ person.full_name }}{% if not person.is_active %} <span class="badge badge-secondary">{% translate "inactive" %}</span>{% endif %}</td>
              <td><a href="{% url 'organization_detail' cluster.slug person.organization_id %}">{{ person.organization }}</a></td>
              <td>{{ person.position|default:"—" }}</td>
              <td>{{ person.subject|default:"—" }}</td>
              <td>{{ person.email|default:"—" }}</td>
              <td>{% if person.user %}{{ person.user.get_username }}{% else %}<span class="text-muted">{% translate "none" %}</span>{% endif %}</td>
              <td class="actions">{% if item.can_edit %}<a href="{% url 'person_edit' cluster.slug person.pk %}">{% translate "Edit" %}<span class="sr-only"> {{ person.full_name }}</span></a>{% endif %}</td>
            </tr>
          {% endwith %}{% endfor %}''')


@pytest.fixture
def people(cluster, school):
    odd = OrganizationFactory(cluster=cluster, name="O'Reilly & <Sons>", short_name="")
    short = OrganizationFactory(cluster=cluster, name="Lyceum with a long name", short_name="Lyceum <7>")
    account = UserFactory(username="aziza<&>")
    made = []
    for n in range(30):
        made.append(PersonFactory(
            organization=(school, odd, short)[n % 3], full_name=f"Person <{n:02d}> & \"Co\"",
            position="" if n % 2 else "Teacher & head", subject="" if n % 4 else "Chemistry <3>",
            email="" if n % 3 else f"p{n}@school.uz", is_active=bool(n % 5), user=account if n == 4 else None))
    return made


def tbody(html: str) -> str:
    match = re.search(r"<tbody>\n          (.*?)\n        </tbody>", html, re.S)
    assert match
    return match.group(1)


@pytest.mark.parametrize("who", ["coordinator", "org_admin", "admin_of_two"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_rows_are_the_html_the_former_template_gave(client, request, cluster, school, people, who, language):
    if who == "admin_of_two":
        user = UserFactory(username="two")
        OrganizationRoleFactory(organization=school, user=user, role="staff")
        OrganizationRoleFactory(organization=people[1].organization, user=user, role="admin")
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("person_list", args=[cluster.slug])
    for params in ({}, {"page": 2}, {"q": "co"}):
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
        page = response.content.decode()
        with translation.override(language):
            former = FORMER_ROWS.render(Context({"people": response.context["people"], "cluster": cluster}))
        assert tbody(page) == former, params
        assert response.context["people"]  # rows to compare
    assert ("неактивен" in page) is (language == "ru")  # the translations are the template's
    edit = reverse("person_edit", args=[cluster.slug, people[1].pk])
    assert (edit in page) is (who != "org_admin")  # the odd school's people are edited by its admins


def test_rows_for_no_people_are_empty(cluster):
    assert PersonRows(cluster.slug)([]) == ""


def test_the_page_reads_its_rows_in_one_query_whatever_their_number(client, cluster, coordinator, school,
                                                                    django_assert_num_queries):
    client.force_login(coordinator)
    url = reverse("person_list", args=[cluster.slug])
    for count in (2, 40):
        for n in range(count):
            PersonFactory(organization=school, user=UserFactory() if n % 2 else None)
        with django_assert_num_queries(4):  # session, user, cluster; the page, which counts its list too
            assert client.get(url).status_code == 200
