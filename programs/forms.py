"""Browser forms of the programs app.

Forms check the shape of the input only; the rules (who may do what, valid dates, places,
moves) live in programs.services, whose ValidationErrors the views map back onto these forms
with `apply_service_error`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import BootstrapFormMixin, DATE_WIDGET, FilterFormMixin, offer_choices
from cluster_platform.names import TranslationsFormMixin, choices

from .models import Competence, EmployerNeed, Program

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _with_blank(label, options):
    return [("", label), *options]


# --- The catalogue ------------------------------------------------------------------------

PROGRAM_SORTS = {
    "title": ["title", "pk"],
    "kind": ["kind", "title", "pk"],
    "start_date": ["start_date", "title", "pk"],
    "hours": ["hours", "title", "pk"],
    "status": ["status", "start_date", "pk"],
}
PROGRAM_SORT_LABELS = {
    "title": _("Title"),
    "kind": _("Kind"),
    "start_date": _("Dates"),
    "hours": _("Hours"),
    "status": _("Status"),
}


class ProgramFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_with_blank(_("All kinds"), Program.Kind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_with_blank(_("All statuses"), Program.Status.choices))
    lead_organization = forms.TypedChoiceField(label=_("Lead organization"), required=False, coerce=int,
                                               empty_value=None)
    competence = forms.ChoiceField(label=_("Competence"), required=False,
                                   choices=_with_blank(_("All competences"), Competence.choices))
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (prefix + key, key) for key in PROGRAM_SORTS for prefix in ("", "-")
    ])

    def __init__(self, *args, organizations=(), organizations_url="", **kwargs):
        """`organizations` to filter by: a queryset, searched through `organizations_url` when
        it is long (cluster_platform.forms.offer_choices)."""
        super().__init__(*args, **kwargs)
        offer_choices(self, "lead_organization", organizations, blank=_("All organizations"),
                      search_url=organizations_url)

    def filters(self) -> dict:
        data = self.valid_data()
        return {key: data[key] for key in ("q", "kind", "status", "lead_organization", "competence")
                if data.get(key)}

    def sort_value(self) -> str:
        return self.valid_data().get("sort") or ""

    def ordering(self) -> list[str]:
        sort = self.sort_value()
        if not sort:
            return list(Program._meta.ordering)
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + field for field in PROGRAM_SORTS[sort.lstrip("-")]]

    def sort_columns(self) -> list[dict]:
        current = self.sort_value()
        return [{
            "key": key,
            "label": label,
            "direction": "ascending" if current == key else "descending" if current == "-" + key else "",
            "next": "-" + key if current == key else key,
        } for key, label in PROGRAM_SORT_LABELS.items()]


# --- Create and edit ------------------------------------------------------------------------

class ProgramForm(TranslationsFormMixin, BootstrapFormMixin, forms.Form):
    translated_field = "title"

    title = forms.CharField(label=_("Title"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=_with_blank(_("Choose…"), Program.Kind.choices))
    lead_organization = forms.TypedChoiceField(label=_("Lead organization"), coerce=int, empty_value=None)
    partners = forms.TypedMultipleChoiceField(
        label=_("Partner organizations"), required=False, coerce=int,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."))
    audience = forms.CharField(label=_("Audience"), max_length=255, required=False,
                               help_text=_("For example: primary-school teachers of mathematics."))
    competences = forms.MultipleChoiceField(label=_("Competences"), required=False, choices=Competence.choices,
                                            widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    hours = forms.IntegerField(label=_("Hours"), min_value=1, help_text=_("The planned length in academic hours."))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    capacity = forms.IntegerField(label=_("Places"), min_value=1)
    priority_share = forms.IntegerField(
        label=_("Places reserved for priority schools (%)"), min_value=0, max_value=100, initial=0,
        help_text=_("The share of places kept for teachers of schools rated red or yellow in the latest period."))
    min_attendance_percent = forms.IntegerField(label=_("Minimum attendance (%)"), min_value=0, max_value=100,
                                                initial=80)
    requires_post_assessment = forms.BooleanField(label=_("Requires a passed post-assessment"), required=False)
    pass_score = forms.DecimalField(label=_("Pass score"), required=False, min_value=0, max_value=100,
                                    decimal_places=2, help_text=_("The post-assessment score needed (0–100)."))

    def __init__(self, *args, organizations=(), lead_choices=None, organizations_url="", **kwargs):
        """`organizations`: a queryset of those that may be partners, and lead unless
        `lead_choices` (a list) says otherwise; searched through `organizations_url` when long
        (cluster_platform.forms.offer_choices)."""
        super().__init__(*args, **kwargs)
        if lead_choices is None:
            offer_choices(self, "lead_organization", organizations, blank=_("Choose…"), search_url=organizations_url)
        else:
            self.fields["lead_organization"].choices = _with_blank(_("Choose…"), choices(lead_choices))
        offer_choices(self, "partners", organizations, search_url=organizations_url)
        self.add_translation_fields(self.initial.get("title_translations"))
        self.style_fields()

    def service_data(self) -> dict:
        data = {key: value for key, value in self.cleaned_data.items() if key not in self.translation_field_names()}
        data["lead_organization_id"] = data.pop("lead_organization")
        data["partner_ids"] = data.pop("partners")
        data["title_translations"] = self.translations_data()
        return data

    @staticmethod
    def initial_for(program: Program, partner_ids) -> dict:
        return {
            "title": program.title, "title_translations": program.title_translations,
            "kind": program.kind, "lead_organization": program.lead_organization_id,
            "partners": list(partner_ids), "audience": program.audience, "competences": program.competences,
            "description": program.description, "hours": program.hours, "start_date": program.start_date,
            "end_date": program.end_date, "capacity": program.capacity, "priority_share": program.priority_share,
            "min_attendance_percent": program.min_attendance_percent,
            "requires_post_assessment": program.requires_post_assessment, "pass_score": program.pass_score,
        }


class TransitionForm(BootstrapFormMixin, forms.Form):
    to_status = forms.ChoiceField(choices=Program.Status.choices, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for cancellation"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Everyone enrolled is withdrawn; the reason is kept in the timeline."))

    def __init__(self, *args, with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_reason:
            del self.fields["reason"]


class SessionForm(BootstrapFormMixin, forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=255, required=False)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Start time"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("End time"), widget=TIME_WIDGET)
    venue = forms.CharField(label=_("Venue"), max_length=255, required=False,
                            help_text=_("Left empty with a resource booked, the resource's name and place."))
    resource = forms.TypedChoiceField(
        label=_("Book a shared resource"), required=False, coerce=int, empty_value=None,
        help_text=_("Requested for the session's time under the resource's booking rules; its owner approves."))

    def __init__(self, *args, resources=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resources is None:
            del self.fields["resource"]
        else:
            self.fields["resource"].choices = _with_blank(
                _("No booking"), [(r.pk, f"{r.name} · {r.owner.localized_name}") for r in resources])

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        resource = data.pop("resource", None)
        if resource:
            data["resource_ids"] = [resource]
        return data


class AnyChoiceField(forms.TypedChoiceField):
    """The choices are the offer; whether a person may be enrolled is the service's rule, so an
    id from outside the offer (already enrolled meanwhile, another cluster's) reaches the
    service and gets its message."""

    def valid_value(self, value):
        return True


class EnrollForm(BootstrapFormMixin, forms.Form):
    person = AnyChoiceField(label=_("Person"), coerce=int, empty_value=None)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = _with_blank(
            _("Choose a person"), [(p.pk, f"{p.full_name} · {p.organization.localized_name}") for p in people])


class WithdrawForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=255)




class AttendanceImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first row is person, then the date of each session; the template below is such a file."),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )


# --- Employer needs ---------------------------------------------------------------------------

class NeedFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_with_blank(_("All statuses"), EmployerNeed.Status.choices))
    competence = forms.ChoiceField(label=_("Competence"), required=False,
                                   choices=_with_blank(_("All competences"), Competence.choices))

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: self.cleaned_data[key] for key in ("status", "competence") if self.cleaned_data.get(key)}


class NeedForm(BootstrapFormMixin, forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, empty_value=None)
    title = forms.CharField(label=_("Title"), max_length=255)
    competences = forms.MultipleChoiceField(label=_("Competences"), choices=Competence.choices,
                                            widget=forms.CheckboxSelectMultiple)
    people_needed = forms.IntegerField(label=_("People needed"), min_value=1)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = _with_blank(_("Choose…"), choices(organizations))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["organization_id"] = data.pop("organization")
        return data


class NeedLinkForm(BootstrapFormMixin, forms.Form):
    program = forms.TypedChoiceField(label=_("Programme"), coerce=int, empty_value=None)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = _with_blank(_("Choose a programme"), choices(programs, "title"))


# --- The public check -------------------------------------------------------------------------

class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=40,
                           help_text=_("As printed on the certificate, for example ABCD-EFGH-JKLM."),
                           widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off",
                                                         "autocapitalize": "characters", "spellcheck": "false"}))
