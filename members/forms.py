"""Browser forms of the members app.

Forms only check the shape of the input (types, lengths, choices); the rules (who may
change what, which status moves exist, what must be unique) live in `members.services`,
whose ValidationErrors the views map back onto these forms with `apply_service_error`.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import BootstrapFormMixin, DATE_WIDGET, FilterFormMixin, offer_choices
from cluster_platform.names import TranslationsFormMixin

from . import branding, services
from .models import (
    ClusterRole,
    MembershipApplication,
    Organization,
    OrganizationRole,
    Person,
    RatingColour,
    SchoolRating,
)



def _with_blank(label, choices):
    return [("", label), *choices]


def _formfield(field, **kwargs):
    # The validators declared on the model field (a tax id's nine digits, a score's range) run
    # in the form too, so every mistake is reported at once rather than one round at a time;
    # the service validates again. `_validators` holds only the declared ones: the defaults
    # (max length, email) come with the form field already.
    kwargs.setdefault("validators", list(field._validators))
    # Addresses typed without a scheme ("school5.uz") are taken as https.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class ModelFieldsForm(BootstrapFormMixin, forms.Form):
    """A plain form whose fields are copied from a model (labels, lengths, validators).

    It never saves: the view hands `service_data()` to the service that owns the write.
    """

    model = None
    field_names: list[str] = []
    widgets: dict = {}

    def __init__(self, *args, field_names=None, instance=None, **kwargs):
        if field_names is not None:
            self.field_names = list(field_names)
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = model_to_dict(instance, fields=self.field_names)
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(self.model, fields=self.field_names, widgets=self.widgets,
                                            formfield_callback=_formfield))
        self.style_fields()

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.field_names}


# --- Public pages ----------------------------------------------------------------------------

class ApplicationForm(ModelFieldsForm):
    model = MembershipApplication
    field_names = services.APPLICATION_FIELDS
    widgets = {"motivation": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["contact_phone"].widget.attrs["autocomplete"] = "tel"


class InvitationAcceptForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirm = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned


# --- Organizations -------------------------------------------------------------------------------

ORGANIZATION_SORTS = {
    "name": ["name", "pk"],
    "kind": ["kind", "name", "pk"],
    "district": ["district", "name", "pk"],
    "status": ["status", "name", "pk"],
    "joined_on": ["joined_on", "name", "pk"],
}
ORGANIZATION_SORT_LABELS = {
    "name": _("Name"),
    "kind": _("Kind"),
    "district": _("District"),
    "status": _("Status"),
    "joined_on": _("Joined on"),
}


class OrganizationFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    """Search, filters and sorting of the organization list (and of its exports)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Name, short name, tax id or district")}))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=_with_blank(_("All kinds"), Organization.Kind.choices))
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_with_blank(_("All statuses"), Organization.Status.choices))
    rating = forms.ChoiceField(label=_("Rating"), required=False,
                               choices=_with_blank(_("Any rating"), RatingColour.choices))
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (prefix + key, key) for key in ORGANIZATION_SORTS for prefix in ("", "-")
    ])

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = _with_blank(_("All districts"), [(d, d) for d in districts])

    def filters(self) -> dict:
        return {key: value for key, value in self.valid_data().items() if value and key != "sort"}

    def sort_value(self) -> str:
        return self.valid_data().get("sort") or "name"

    def ordering(self) -> list[str]:
        sort = self.sort_value()
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + field for field in ORGANIZATION_SORTS[sort.lstrip("-")]]

    def sort_columns(self) -> list[dict]:
        """For each sortable column: its label, the sort value a click selects, its state."""
        current = self.sort_value()
        columns = []
        for key, label in ORGANIZATION_SORT_LABELS.items():
            direction = "ascending" if current == key else "descending" if current == "-" + key else ""
            columns.append({
                "key": key,
                "label": label,
                "direction": direction,
                "next": "-" + key if current == key else key,
            })
        return columns


class OrganizationForm(TranslationsFormMixin, ModelFieldsForm):
    """The organization profile; the view passes PROFILE_FIELDS or COORDINATOR_FIELDS. The
    name in other languages is one input per language, not the JSON column itself."""

    model = Organization
    field_names = services.COORDINATOR_FIELDS
    widgets = {
        "specialisations": forms.Textarea(attrs={"rows": 3}),
        "latitude": forms.NumberInput(attrs={"step": "0.000001"}),
        "longitude": forms.NumberInput(attrs={"step": "0.000001"}),
    }

    def __init__(self, *args, field_names=None, instance=None, **kwargs):
        field_names = self.field_names if field_names is None else field_names
        field_names = [name for name in field_names if name != "name_translations"]
        super().__init__(*args, field_names=field_names, instance=instance, **kwargs)
        self.add_translation_fields(instance.name_translations if instance is not None else None)
        self.style_fields()

    def service_data(self) -> dict:
        return {**super().service_data(), "name_translations": self.translations_data()}


class StatusChangeForm(BootstrapFormMixin, forms.Form):
    # Whether a reason is needed depends on the move; the service says so by field.
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    effective_on = forms.DateField(label=_("Effective on"), required=False, widget=DATE_WIDGET,
                                   help_text=_("Leave empty for today."))


class SchoolRatingForm(ModelFieldsForm):
    model = SchoolRating
    field_names = ["period", "colour", "score", "note"]
    widgets = {"period": DATE_WIDGET}


class OrganizationImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first row names the columns; name and kind are required."),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )


# --- People and invitations ------------------------------------------------------------------------

class PersonForm(ModelFieldsForm):
    model = Person
    field_names = services.PERSON_FIELDS


class SearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))

    def term(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


def _invitation_language_field():
    # Not required: a post without it gets the service's default (invitation_language_default),
    # which the views also give as the initial choice.
    return forms.ChoiceField(label=_("Language of the invitation"), required=False, choices=settings.LANGUAGES,
                             help_text=_("The email is written in this language."))


class InvitationForm(BootstrapFormMixin, forms.Form):
    """A coordinator's invitation: a cluster role, an organization role, or both."""

    email = forms.EmailField(label=_("Email"))
    cluster_role = forms.ChoiceField(label=_("Cluster role"), required=False,
                                     choices=_with_blank(_("No cluster role"), ClusterRole.Role.choices))
    organization = forms.TypedChoiceField(label=_("Organization"), required=False, coerce=int, empty_value=None)
    organization_role = forms.ChoiceField(label=_("Organization role"), required=False,
                                          choices=_with_blank(_("No organization role"), OrganizationRole.Role.choices))
    language = _invitation_language_field()

    def __init__(self, *args, organizations, organizations_url="", **kwargs):
        """`organizations`: those whose people may be given access, searched through
        `organizations_url` when long (cluster_platform.forms.offer_choices)."""
        super().__init__(*args, **kwargs)
        offer_choices(self, "organization", organizations, blank=_("No organization"), search_url=organizations_url)

    def service_data(self) -> dict:
        return {
            "email": self.cleaned_data["email"],
            "cluster_role": self.cleaned_data["cluster_role"],
            "organization_id": self.cleaned_data["organization"],
            "organization_role": self.cleaned_data["organization_role"],
            "language": self.cleaned_data["language"],
        }


class OrganizationInvitationForm(BootstrapFormMixin, forms.Form):
    """An organization admin invites a colleague to the organization's own account."""

    email = forms.EmailField(label=_("Email"))
    organization_role = forms.ChoiceField(label=_("Role"), choices=OrganizationRole.Role.choices,
                                          initial=OrganizationRole.Role.STAFF)
    person = forms.ModelChoiceField(label=_("Person in the staff list"), required=False,
                                    queryset=Person.objects.none(), empty_label=_("Not in the list yet"))
    language = _invitation_language_field()

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def service_data(self) -> dict:
        person = self.cleaned_data["person"]
        return {
            "email": self.cleaned_data["email"],
            "organization_role": self.cleaned_data["organization_role"],
            "person_id": person.pk if person else None,
            "language": self.cleaned_data["language"],
        }


# --- Applications -----------------------------------------------------------------------------------

APPLICATION_STATUS_ALL = "all"


class ApplicationFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[*MembershipApplication.Status.choices, (APPLICATION_STATUS_ALL, _("All"))],
    )

    def selected_status(self) -> str:
        """The status to show: submitted unless another valid one was asked for."""
        if self.is_bound and self.is_valid() and self.cleaned_data["status"]:
            return self.cleaned_data["status"]
        return MembershipApplication.Status.SUBMITTED


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for the rejection"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


# --- Branding ----------------------------------------------------------------------------------

class BrandingForm(BootstrapFormMixin, forms.Form):
    """The cluster's colours and a new logo. The values are checked by members.branding (through
    the service, or for a preview), whose messages name the field."""

    primary_colour = forms.CharField(
        label=_("Primary colour"),
        help_text=_("The header and the buttons, under white text: # and six hex digits, such as #0B3D91. "
                    "It must be dark enough for white text (a contrast of at least 4.5:1)."))
    accent_colour = forms.CharField(
        label=_("Accent colour"),
        help_text=_("Lines under the header and the headings of documents: # and six hex digits."))
    logo = forms.FileField(label=_("New logo"), required=False,
                           widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in branding.COLOUR_FIELDS:
            self.fields[name].widget.attrs.update({
                "pattern": "#[0-9A-Fa-f]{6}", "maxlength": 7, "size": 8, "spellcheck": "false", "autocomplete": "off"})
        self.fields["logo"].help_text = gettext(
            "PNG or JPEG, at most %(limit)s; a large image is scaled down. The type is checked by the content "
            "of the file.") % {"limit": filesizeformat(branding.max_logo_bytes())}

    def colours(self) -> dict:
        return {name: self.cleaned_data[name] for name in branding.COLOUR_FIELDS}
