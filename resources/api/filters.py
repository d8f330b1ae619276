"""Query-string filters of the resources API, one FilterSet per list.

Ids are filtered with NumberFilter (never a ModelChoiceFilter, whose choices would come from an
unscoped queryset). The rules behind `terms` and "free between two times" are
resources.selectors' (TERMS_FILTER, free_between): the FilterSets only validate and hand over.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from resources import availability, permissions, selectors
from resources.models import BookedResource, Booking, Resource

#: The longest "free between" window the catalogue filter takes.
MAX_FREE_WINDOW_DAYS = 62


class LocalIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time (local time when it has no offset) within the range the
    booking arithmetic takes, in local time: PostgreSQL takes no offset beyond 15:59 hours."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        if not availability.in_range(value):
            raise ValidationError(availability.range_message(), code="range")
        return timezone.localtime(value)


class LocalIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = LocalIsoDateTimeField


class ResourceFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("free_start"), cleaned.get("free_end")
        if "free_start" in self.errors or "free_end" in self.errors:
            return cleaned
        if start is None and end is not None:
            self.add_error("free_start", _("Give both ends of the time range, or neither."))
        elif start is not None and end is None:
            self.add_error("free_end", _("Give both ends of the time range, or neither."))
        elif start is not None and end <= start:
            self.add_error("free_end", _("The end must be after the start."))
        elif start is not None and end - start > datetime.timedelta(days=MAX_FREE_WINDOW_DAYS):
            self.add_error("free_end", _("Ask for at most %(days)s days at a time.") % {"days": MAX_FREE_WINDOW_DAYS})
        return cleaned


class ResourceFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Resource.Kind.choices)
    owner = filters.NumberFilter(field_name="owner_id", label=_("Organization id of the owner"))
    terms = filters.ChoiceFilter(choices=[("free", _("Free")), ("paid", _("Cost recovery"))],
                                 method="filter_terms")
    access = filters.ChoiceFilter(choices=Resource.Access.choices)
    q = filters.CharFilter(method="filter_q", label=_("Words in the name or description"))
    free_start = LocalIsoDateTimeFilter(method="filter_noop",
                                           label=_("With free_end: only resources free over the whole range"))
    free_end = LocalIsoDateTimeFilter(method="filter_noop", label=_("End of the free_start range"))
    include_archived = filters.BooleanFilter(method="filter_noop", label=_("Archived resources too"))

    class Meta:
        model = Resource
        form = ResourceFilterForm
        fields = ["kind", "owner", "terms", "access", "q", "free_start", "free_end", "include_archived"]

    def filter_terms(self, queryset, name, value):
        return queryset.filter(terms=selectors.TERMS_FILTER[value]) if value else queryset

    def filter_q(self, queryset, name, value):
        query = (value or "").strip()
        if not query:
            return queryset
        return queryset.filter(Q(name__icontains=query) | Q(description__icontains=query))

    def filter_noop(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if not data.get("include_archived"):
            queryset = queryset.filter(is_active=True)
        queryset = super().filter_queryset(queryset)
        if data.get("free_start") and data.get("free_end"):
            queryset = selectors.free_between(self.request.cluster, queryset, data["free_start"], data["free_end"])
        return queryset


class BookingFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start is not None and end is not None and end <= start:
            self.add_error("to", _("The end must be after the start."))
        return cleaned


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Booking.Status.choices)
    resource = filters.NumberFilter(method="filter_resource", label=_("Id of a booked resource"))
    requester = filters.NumberFilter(field_name="requester_id", label=_("Organization id of the requester"))
    mine = filters.BooleanFilter(method="filter_mine", label=_("Only the requests of your organizations"))
    to_approve = filters.BooleanFilter(method="filter_to_approve",
                                       label=_("Only requests awaiting your decision"))

    class Meta:
        model = Booking
        form = BookingFilterForm
        fields = ["status", "resource", "requester", "mine", "to_approve"]

    def filter_resource(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Exists(BookedResource.objects.for_cluster(self.request.cluster).filter(
            booking_id=OuterRef("pk"), resource_id=int(value))))

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(requester_id__in=sorted(self.request.cluster_roles.organization_roles))

    def filter_to_approve(self, queryset, name, value):
        if not value:
            return queryset
        # On the queryset itself, in the same query: no second pass over the visible bookings.
        return queryset.filter(permissions.managed_bookings_filter(self.request.cluster, self.request.cluster_roles),
                               status=Booking.Status.REQUESTED)

    def filter_period(self, queryset, name, value):
        if value is None:
            return queryset
        # Bookings overlapping [from, to): those that end after `from` and begin before `to`.
        if name == "from":
            return queryset.filter(period__endswith__gt=value)
        return queryset.filter(period__startswith__lt=value)


# `from` and `to` are Python keywords: declared after the class body, under their query names.
for _name, _label in (("from", _("Bookings ending after this time")), ("to", _("Bookings starting before this time"))):
    BookingFilter.base_filters[_name] = LocalIsoDateTimeFilter(field_name=_name, method="filter_period", label=_label)
del _name, _label
