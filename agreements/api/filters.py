"""Query-string filters of the agreements API, one FilterSet per list.

Ids are filtered with NumberFilter (never a ModelChoiceFilter, whose choices would come from
an unscoped queryset); the party filters look parties up in the cluster of the URL, so an id
from another cluster matches nothing. The rules behind `party` and `expiring_within` are in
agreements.selectors.filter_agreements: the FilterSet only validates and hands them over.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from agreements import selectors
from agreements.models import Agreement, AgreementDocument, AgreementParty, Obligation


class AgreementFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Agreement.Kind.choices)
    status = filters.ChoiceFilter(choices=Agreement.Status.choices)
    party = filters.NumberFilter(method="filter_by_selector", label=_("Organization id of a party"))
    expiring_within = filters.NumberFilter(
        method="filter_by_selector", min_value=0, max_value=3650,
        label=_("Active agreements ending within this many days"),
    )

    # FilterSet name -> the selector's filter key.
    SELECTOR_KEYS = {"party": "organization", "expiring_within": "expiring_within_days"}

    class Meta:
        model = Agreement
        fields = ["kind", "status", "party", "expiring_within"]

    def filter_by_selector(self, queryset, name, value):
        if value is None:
            return queryset
        # On the queryset itself: it is already narrowed to the visible agreements.
        return selectors.filter_agreements(queryset, cluster=self.request.cluster,
                                           filters={self.SELECTOR_KEYS[name]: int(value)})


class ObligationFilter(filters.FilterSet):
    agreement = filters.NumberFilter(field_name="agreement_id")
    status = filters.ChoiceFilter(choices=Obligation.Status.choices)
    organization = filters.NumberFilter(method="filter_organization",
                                        label=_("Organization id of the responsible party"))

    class Meta:
        model = Obligation
        fields = ["agreement", "status", "organization"]

    def filter_organization(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Exists(AgreementParty.objects.for_cluster(self.request.cluster).filter(
            pk=OuterRef("party_id"), organization_id=int(value))))


class AgreementDocumentFilter(filters.FilterSet):
    """The documents of one agreement (the route names the agreement)."""

    kind = filters.ChoiceFilter(choices=AgreementDocument.Kind.choices)

    class Meta:
        model = AgreementDocument
        fields = ["kind"]
