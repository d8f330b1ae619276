"""Forms of the report pages: the list's filters, the request of a report, the verification of a
report's PDF. They check shapes only; reports.services decides (periods, permissions)."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import BootstrapFormMixin

from . import periods
from .models import Report

RECENT = {periods.MONTH: 12, periods.QUARTER: 8, periods.YEAR: 4}
YEARS_BACK = 8


def recent_periods(kind: str, today: datetime.date | None = None) -> list[periods.Period]:
    """The running period of `kind` and those before it, newest first."""
    period = periods.period_of(kind, today or timezone.localdate())
    result = []
    for _i in range(RECENT[kind]):
        result.append(period)
        period = period.previous()
    return result


def period_choices(today: datetime.date | None = None) -> list:
    """Grouped by kind: quarters, years, months (codes do not overlap between kinds)."""
    groups = ((periods.QUARTER, _("Quarters")), (periods.YEAR, _("Years")), (periods.MONTH, _("Months")))
    return [(label, [(p.code, p.label) for p in recent_periods(kind, today)]) for kind, label in groups]


class ReportFilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind"))] + list(Report.Kind.choices))
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(Report.Status.choices))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [("", _("Any year"))] + [
            (str(year), str(year)) for year in range(this_year, this_year - YEARS_BACK, -1)]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Report.Kind.choices, initial=periods.QUARTER)
    period = forms.ChoiceField(label=_("Period"), help_text=_(
        "A period that has not ended yet is reported up to today."))
    language = forms.ChoiceField(label=_("Language"), required=False, help_text=_(
        "The language of the PDF; by default, yours."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = periods.last_ended(periods.QUARTER, timezone.localdate()).code
        self.fields["language"].choices = [("", _("My language"))] + [
            (code, name) for code, name in settings.LANGUAGES]


