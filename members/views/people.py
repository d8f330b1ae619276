"""People of the cluster: the searchable list, adding and editing staff records."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import PersonForm, SearchForm
from ..models import Person
from .base import ClusterPage, ServiceFormView, paginate


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
        page = paginate(self.request, people.order_by("full_name", "pk"))
        context.update(
            form=form,
            page_obj=page,
            people=[
                {"person": person, "can_edit": permissions.can_manage_staff(self.roles, person.organization)}
                for person in page.object_list
            ],
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
