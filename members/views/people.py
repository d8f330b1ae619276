"""People of the cluster: the searchable list, adding and editing staff records."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import PersonForm, SearchForm
from ..models import Person
from .base import ClusterPage, paginate


def can_view_people(roles) -> bool:
    # Experts review innovations; the staff lists are for those who run the cluster or a member.
    return roles.is_coordinator or roles.is_authority or roles.is_org_admin()


class PersonListView(ClusterPage):
    template_name = "members/person_list.html"
    allowed = can_view_people
    nav_section = "people"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        people = selectors.person_list_visible(cluster=self.cluster, roles=self.roles)
        if term := form.term():
            people = people.filter(
                Q(full_name__icontains=term) | Q(position__icontains=term) | Q(subject__icontains=term)
                | Q(email__icontains=term) | Q(organization__name__icontains=term)
            )
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


class PersonFormView(ClusterPage):
    template_name = "members/person_form.html"
    nav_section = "people"
    person = None

    def load(self):
        """Set self.organization (and self.person when editing), checking the permission."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=PersonForm(instance=self.person)))

    def post(self, request, *args, **kwargs):
        self.load()
        form = PersonForm(request.POST, instance=self.person)
        if form.is_valid():
            try:
                person = self.save(form.service_data())
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(request, _("%(name)s was saved.") % {"name": person.full_name})
                return redirect("organization_detail", cluster_slug=self.cluster.slug, pk=self.organization.pk)
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(organization=self.organization, person=self.person)
        return context


class PersonCreateView(PersonFormView):
    def load(self):
        self.organization = self.get_object(selectors.organization_list(cluster=self.cluster))
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def save(self, data) -> Person:
        return services.person_create(cluster=self.cluster, actor=self.request.user,
                                      organization_id=self.organization.pk, data=data)


class PersonEditView(PersonFormView):
    def load(self):
        self.person = self.get_object(selectors.person_list(cluster=self.cluster))
        self.organization = self.person.organization
        self.require(permissions.can_manage_staff(self.roles, self.organization))

    def save(self, data) -> Person:
        return services.person_update(cluster=self.cluster, actor=self.request.user,
                                      person_id=self.person.pk, data=data)
