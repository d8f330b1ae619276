"""Query-string filters of the programmes API, one FilterSet per list.

Ids are filtered with NumberFilter (never a ModelChoiceFilter, whose choices would come from an
unscoped queryset): another cluster's id matches nothing. The catalogue's filters are
programs.selectors.program_list's: the FilterSet only validates and hands them over.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from members.models import Person
from programs import selectors
from programs.models import Competence, EmployerNeed, Enrollment, Program


class ProgramFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Program.Kind.choices, method="filter_by_selector")
    status = filters.ChoiceFilter(choices=Program.Status.choices, method="filter_by_selector")
    lead_organization = filters.NumberFilter(method="filter_by_selector", label=_("Organization id of the lead"))
    competence = filters.ChoiceFilter(choices=Competence.choices, method="filter_by_selector")
    q = filters.CharFilter(method="filter_by_selector", label=_("Words in the title, description or audience"))

    class Meta:
        model = Program
        fields = ["kind", "status", "lead_organization", "competence", "q"]

    def filter_by_selector(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        value = int(value) if name == "lead_organization" else value
        matching = selectors.program_list(cluster=self.request.cluster, filters={name: value})
        return queryset.filter(pk__in=matching.values("pk"))


class EnrollmentFilter(filters.FilterSet):
    program = filters.NumberFilter(field_name="program_id", label=_("Id of a programme"))
    status = filters.ChoiceFilter(choices=Enrollment.Status.choices)
    organization = filters.NumberFilter(field_name="organization_id", label=_("Organization id of the person"))
    mine = filters.BooleanFilter(method="filter_mine", label=_("Only your own enrolments"))

    class Meta:
        model = Enrollment
        fields = ["program", "status", "organization", "mine"]

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(Person.objects.for_cluster(self.request.cluster).filter(
            pk=OuterRef("person_id"), user_id=self.request.user.pk)))


class NeedFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=EmployerNeed.Status.choices)
    organization = filters.NumberFilter(field_name="organization_id", label=_("Organization id of the poster"))
    competence = filters.ChoiceFilter(choices=Competence.choices, method="filter_competence")

    class Meta:
        model = EmployerNeed
        fields = ["status", "organization", "competence"]

    def filter_competence(self, queryset, name, value):
        return queryset.filter(competences__contains=[value]) if value else queryset
