"""Browser forms of the agreements app.

Forms check the shape of the input only; the rules (who may do what, which moves exist,
valid parties and dates) live in agreements.services, whose ValidationErrors the views map
back onto these forms with `apply_service_error`.
"""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import (BootstrapFormMixin, DATE_WIDGET, FilterFormMixin, integer_or_none,
                                   make_searchable, reload_options_on_change, search_choices, search_text)
from members.models import Organization

from . import documents, permissions
from .models import Agreement, AgreementDocument, AgreementParty



def _with_blank(label, choices):
    return [("", label), *choices]


# --- The list ---------------------------------------------------------------------------

AGREEMENT_SORTS = {
    "number": ["number", "pk"],
    "title": ["title", "pk"],
    "start_date": ["start_date", "number", "pk"],
    "end_date": ["end_date", "number", "pk"],
    "status": ["status", "number", "pk"],
}
AGREEMENT_SORT_LABELS = {
    "number": _("Number"),
    "title": _("Title"),
    "start_date": _("Start date"),
    "end_date": _("End date"),
    "status": _("Status"),
}


class AgreementFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    """The filters of the agreements page.

    A party is found by part of its name (`party_name`), typed: a cluster has thousands of
    organizations, too many for a list to choose from (or to render on every page view).
    `party`, an organization id, is the exact filter that the links from an organization's
    page carry. The organization is looked up in `organizations` (the cluster's) only when
    the parameter is given; the page then shows it as a ticked checkbox that names it
    (`party_organization`), so the filter stays while the others change and goes when it is
    unticked."""

    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=_with_blank(_("All kinds"), Agreement.Kind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_with_blank(_("All statuses"), Agreement.Status.choices))
    party_name = forms.CharField(label=_("Party"), required=False, max_length=100,
                                 help_text=_("Part of an organization's name."),
                                 widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    party = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    expiring = forms.IntegerField(label=_("Active and ending within (days)"), required=False,
                                  min_value=0, max_value=3650)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (prefix + key, key) for key in AGREEMENT_SORTS for prefix in ("", "-")
    ])

    # Up to this many organizations, the name field suggests them all (a <datalist>).
    SUGGESTED_NAMES = 100

    def __init__(self, *args, organizations=None, name_suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        self.party_organization = None
        self.name_suggestions = list(name_suggestions)
        if self.name_suggestions:
            self.fields["party_name"].widget.attrs["list"] = "agreement-party-names"

    def clean_party(self):
        pk = self.cleaned_data.get("party")
        if pk is None:
            return None
        organization = None
        if self.organizations is not None:
            organization = self.organizations.filter(pk=pk).only("pk", *Organization.NAME_FIELDS).first()
        if organization is None:
            raise forms.ValidationError(_("This organization is not a member of the cluster."), code="unknown")
        self.party_organization = organization
        return pk

    def filters(self) -> dict:
        data = self.valid_data()
        filters = {key: data.get(key) for key in ("kind", "status") if data.get(key)}
        if data.get("party"):
            filters["organization"] = data["party"]
        if data.get("party_name"):
            filters["party_name"] = data["party_name"]
        if data.get("expiring") is not None:
            filters["expiring_within_days"] = data["expiring"]
        return filters

    def sort_value(self) -> str:
        return self.valid_data().get("sort") or ""

    def ordering(self) -> list[str]:
        sort = self.sort_value()
        if not sort:
            return list(Agreement._meta.ordering)
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + field for field in AGREEMENT_SORTS[sort.lstrip("-")]]

    def sort_columns(self) -> list[dict]:
        current = self.sort_value()
        return [{
            "key": key,
            "label": label,
            "direction": "ascending" if current == key else "descending" if current == "-" + key else "",
            "next": "-" + key if current == key else key,
        } for key, label in AGREEMENT_SORT_LABELS.items()]


# --- Create -------------------------------------------------------------------------------

class AgreementForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=_with_blank(_("Choose…"), Agreement.Kind.choices))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class PartyForm(BootstrapFormMixin, forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), choices=AgreementParty.Role.choices,
                             initial=AgreementParty.Role.PARTNER)
    signatory = forms.TypedChoiceField(label=_("Signatory"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organizations=(), organizations_url="", organization_objects=None, people_of=None,
                 signatories_url="", **kwargs):
        """`organizations`: the choices the rows share (cluster_platform.forms.limited_choices),
        searched through `organizations_url` when they are the first of a long list of
        `organization_objects` (a row whose search box was sent, without scripts, lists its own
        matches instead). `people_of`: the active people
        of each organization chosen so far ({id: people}): a row's signatory is one of its
        organization's, offered once the organization is chosen (after a change of it, htmx asks
        `signatories_url` for them; without scripts, on the form's next showing). A cluster's
        people run to a hundred thousand: never all of them."""
        super().__init__(*args, **kwargs)
        organization = self.fields["organization"]
        if organizations_url and (text := search_text(self, "organization")):
            organizations = search_choices(organization_objects, chosen=[self.chosen_organization()], query=text)
        organization.choices = _with_blank(_("Choose…"), organizations)
        if organizations_url:
            make_searchable(self, "organization", url=organizations_url, blank=_("Choose…"))
        signatory = self.fields["signatory"]
        signatory.choices = _with_blank(_("Not yet known"), [
            (person.pk, person.full_name) for person in (people_of or {}).get(self.chosen_organization(), ())])
        if signatories_url:
            reload_options_on_change(organization, url=signatories_url,
                                     target=f"#{self.auto_id % self.add_prefix('signatory')}")

    def chosen_organization(self) -> int | None:
        """The organization this row names: as sent, or as first offered."""
        return integer_or_none(self.data.get(self.add_prefix("organization")) if self.is_bound
                               else self.initial.get("organization"))

    def service_data(self) -> dict:
        data = {"organization_id": self.cleaned_data["organization"], "role": self.cleaned_data["role"]}
        if self.cleaned_data.get("signatory"):
            data["signatory_id"] = self.cleaned_data["signatory"]
        return data


class BasePartyFormSet(forms.BaseFormSet):
    """The parties of a new agreement. The rules on parties (two distinct active members of
    the cluster) are the service's; its errors are shown above the rows. Only the creation
    permission is asked here, so an organization admin who left out its own organization
    reads why instead of meeting a 403."""

    def __init__(self, *args, roles=None, **kwargs):
        self.roles = roles
        super().__init__(*args, **kwargs)

    def filled_forms(self):
        return [form for form in self.forms if form.is_valid() and form.cleaned_data.get("organization")]

    def clean(self):
        if any(self.errors) or self.roles is None:
            return
        chosen = [form.cleaned_data["organization"] for form in self.filled_forms()]
        if not permissions.can_create(self.roles, chosen):
            raise forms.ValidationError(_("Your own organization must be one of the parties."))

    def service_data(self) -> list[dict]:
        return [form.service_data() for form in self.filled_forms()]


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=2, min_num=2, max_num=20,
                                     validate_max=True)


# --- Actions on one agreement ---------------------------------------------------------------

class TransitionForm(BootstrapFormMixin, forms.Form):
    to_status = forms.ChoiceField(choices=Agreement.Status.choices, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_reason:
            del self.fields["reason"]


class SignForm(BootstrapFormMixin, forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)
    signatory = forms.TypedChoiceField(label=_("Signatory"), required=False, coerce=int, empty_value=None)
    signed_by_name = forms.CharField(label=_("Signed by (name)"), required=False, max_length=200,
                                     help_text=_("Leave empty to use the signatory's name."))

    def __init__(self, *args, people=(), **kwargs):
        kwargs.setdefault("initial", {"signed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["signatory"].choices = _with_blank(_("As recorded for the party"),
                                                       [(p.pk, p.full_name) for p in people])

    def service_data(self) -> dict:
        return {
            "signed_on": self.cleaned_data["signed_on"],
            "signatory_id": self.cleaned_data.get("signatory"),
            "signed_by_name": self.cleaned_data.get("signed_by_name", ""),
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class RepresentativeForm(BootstrapFormMixin, forms.Form):
    """Who to name (among `people`, the candidates) or, with `action=remove`, who to remove
    (among `people`, the current representatives)."""

    user = PersonChoiceField(label=_("Person"), queryset=None, empty_label=_("Choose a person"),
                             help_text=_("People with an account at the organization."))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class RenewForm(BootstrapFormMixin, forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)


class ObligationForm(BootstrapFormMixin, forms.Form):
    party = forms.TypedChoiceField(label=_("Responsible party"), coerce=int, empty_value=None)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = _with_blank(
            _("Choose…"), [(party.pk, party.organization.localized_name) for party in parties])

    def service_data(self) -> dict:
        return {"party_id": self.cleaned_data["party"], "description": self.cleaned_data["description"],
                "due_date": self.cleaned_data["due_date"]}


def document_accept() -> str:
    """The file chooser's `accept`: the extensions and content types documents.KINDS allows.
    A hint for the browser only; the server decides by the content (documents.inspect_upload)."""
    extensions = [f".{name}" for extension, _type, aliases in documents.KINDS.values()
                  for name in (extension, *aliases)]
    content_types = [content_type for _extension, content_type, _aliases in documents.KINDS.values()]
    return ",".join([*extensions, *content_types])


def document_size_limit() -> str:
    """The AGREEMENT_DOCUMENT_MAX_BYTES setting for people: "20 MB"."""
    limit = documents.max_upload_bytes()
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1:
        return gettext("%(size)s MB") % {"size": floatformat(megabytes, -1)}
    return filesizeformat(limit)


class DocumentUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=AgreementDocument.Kind.choices)
    file = forms.FileField(label=_("File"), widget=forms.FileInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = document_accept()
        self.fields["file"].help_text = gettext(
            "PDF, DOCX, ODT, PNG or JPEG, at most %(limit)s. The type is checked by the content of the file."
        ) % {"limit": document_size_limit()}

    def service_data(self) -> dict:
        return {"kind": self.cleaned_data["kind"], "upload": self.cleaned_data["file"]}




