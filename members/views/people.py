"""People of the cluster: the searchable list, adding and editing staff records."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cluster_platform.rows import url_for_pk

from .. import permissions, selectors, services
from ..forms import PersonForm, SearchForm
from ..models import Organization, Person
from .base import ClusterPage, ServiceFormView, paginate


# What a row of the people page shows (PersonRows): no other column is read.
ROW_FIELDS = ("pk", "organization", "full_name", "position", "subject", "email", "user", "is_active",
              *(f"organization__{field}" for field in Organization.NAME_FIELDS), "user__username")


class PersonRows:
    """The rows of the people table, rendered in Python (as innovations.views.core.BoardCards):
    what the template's loop gave, byte for byte, whitespace too (members/tests/test_people_page.py
    compares them). Through the template, a page of 25 rows took some 2 ms, its two {% url %}
    a row 0.8 of them; this takes a tenth of that. Every text goes in escaped (html.escape, what
    django.utils.html.escape does without its lazy wrapper); the translations are the
    template's."""

    def __init__(self, cluster_slug: str):
        self.organization_url = url_for_pk("organization_detail", cluster_slug)
        self.edit_url = url_for_pk("person_edit", cluster_slug)
        # The messages outside the f-strings, where makemessages finds them.
        inactive, none = escape(_("inactive")), escape(_("none"))
        self.inactive = f' <span class="badge badge-secondary">{inactive}</span>'
        self.no_account = f'<span class="text-muted">{none}</span>'
        self.edit = escape(_("Edit"))
        self.muted = ' class="text-muted"'

    def __call__(self, items) -> SafeString:
        return mark_safe("".join(self.row(**item) for item in items))

    def row(self, person, can_edit: bool) -> str:
        name = escape(person.full_name)
        edit = (f'<a href="{self.edit_url(person.pk)}">{self.edit}<span class="sr-only"> {name}</span></a>'
                if can_edit else "")
        return (
            f'\n            <tr{"" if person.is_active else self.muted}>'
            f'\n              <td>{name}{"" if person.is_active else self.inactive}</td>'
            f'\n              <td><a href="{self.organization_url(person.organization_id)}">'
            f'{escape(person.organization.display_name)}</a></td>'
            f'\n              <td>{escape(person.position or "—")}</td>'
            f'\n              <td>{escape(person.subject or "—")}</td>'
            f'\n              <td>{escape(person.email or "—")}</td>'
            f'\n              <td>{escape(person.user.get_username()) if person.user_id else self.no_account}</td>'
            f'\n              <td class="actions">{edit}</td>'
            "\n            </tr>\n          "
        )


class PersonListView(ClusterPage):
    template_name = "members/person_list.html"
    allowed = permissions.can_view_people
    nav_section = "people"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        people = selectors.person_list_visible(cluster=self.cluster, roles=self.roles)
        term = form.term()
        people = selectors.person_search(people, term)
        page = paginate(self.request, people.only(*ROW_FIELDS).order_by("full_name", "pk"))
        people = [{"person": person, "can_edit": permissions.can_manage_staff(self.roles, person.organization)}
                  for person in page.object_list]
        context.update(
            form=form,
            page_obj=page,
            people=people,
            rows=PersonRows(self.cluster.slug)(people),
            is_filtered=bool(term),
        )
        return context


class PersonFormView(ServiceFormView):
    template_name = "members/person_form.html"
    form_class = PersonForm
    nav_section = "people"
    person = None

    def get_form_kwargs(self):
        return {"instance": self.person}

    def get_success_message(self):
        return _("%(name)s was saved.") % {"name": self.object.full_name}

    def get_success_url(self):
        return reverse("organization_detail", args=[self.cluster.slug, self.organization.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(organization=self.organization, person=self.person)
        return context


class PersonCreateView(PersonFormView):
    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def perform(self, form) -> Person:
        return services.person_create(cluster=self.cluster, actor=self.request.user,
                                      organization_id=self.organization.pk, data=form.service_data())


class PersonEditView(PersonFormView):
    def load(self):
        self.person = self.get_object(selectors.person_list(cluster=self.cluster))
        self.organization = self.person.organization
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def perform(self, form) -> Person:
        return services.person_update(cluster=self.cluster, actor=self.request.user,
                                      person_id=self.person.pk, data=form.service_data())
