"""Query-string filters of the members API, one FilterSet per list.

Foreign keys are filtered by id (`NumberFilter`), never with a ModelChoiceFilter: that would
load its choices from an unscoped queryset. An id from another cluster simply matches
nothing, because the list is already scoped to the cluster of the URL.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from members import selectors
from members.models import MembershipApplication, Organization, Person, RatingColour, SchoolRating


class OrganizationFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("Search name, short name, tax id or district"))
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices)
    district = filters.CharFilter()
    status = filters.ChoiceFilter(choices=Organization.Status.choices)
    rating = filters.ChoiceFilter(field_name="current_rating", choices=RatingColour.choices)
    cluster_role = filters.ChoiceFilter(choices=Organization.ClusterRoleKind.choices)

    class Meta:
        model = Organization
        fields = ["q", "kind", "district", "status", "rating", "cluster_role"]

    def filter_q(self, queryset, name, value):
        return selectors.organization_search(queryset, value)


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MembershipApplication.Status.choices)
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices)

    class Meta:
        model = MembershipApplication
        fields = ["status", "kind"]


class PersonFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("Search name, position, subject, email or organization"))
    organization = filters.NumberFilter(field_name="organization_id")
    is_active = filters.BooleanFilter()

    class Meta:
        model = Person
        fields = ["q", "organization", "is_active"]

    def filter_q(self, queryset, name, value):
        return selectors.person_search(queryset, value)


class SchoolRatingFilter(filters.FilterSet):
    organization = filters.NumberFilter(field_name="organization_id")
    colour = filters.ChoiceFilter(choices=RatingColour.choices)
    period = filters.DateFilter()
    period_after = filters.DateFilter(field_name="period", lookup_expr="gte")
    period_before = filters.DateFilter(field_name="period", lookup_expr="lte")

    class Meta:
        model = SchoolRating
        fields = ["organization", "colour", "period", "period_after", "period_before"]
