"""Browser forms of the innovations app (core: the catalogue, proposing and editing, stage
moves, attachments).

Forms check the shape of the input only; who may do what, the guards of each move and the
validation of files live in innovations.services, whose ValidationErrors the views map back
onto these forms with `apply_service_error`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from agreements.forms import document_accept
from cluster_platform.forms import BootstrapFormMixin, FilterFormMixin, offer_choices, reload_options_on_change
from cluster_platform.names import TranslationsFormMixin

from .models import Innovation, Stage, SubjectField
from .services.attachments import size_limit_mb


def _with_blank(label, choices):
    return [("", label), *choices]


# --- The catalogue ------------------------------------------------------------------------

INNOVATION_SORTS = {
    "title": ["title", "pk"],
    "stage": ["stage", "stage_changed_at", "pk"],
    "stage_changed_at": ["stage_changed_at", "pk"],
    "created_at": ["created_at", "pk"],
}


class InnovationFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("Words of the title, the summary or a keyword."))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=_with_blank(_("All stages"), Stage.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=_with_blank(_("All kinds"), Innovation.Kind.choices))
    level = forms.ChoiceField(label=_("Education level"), required=False,
                              choices=_with_blank(_("All levels"), Innovation.Level.choices))
    origin = forms.TypedChoiceField(label=_("Origin organization"), required=False, coerce=int, empty_value=None)
    subject_field = forms.ChoiceField(label=_("Subject field"), required=False,
                                      choices=_with_blank(_("All subject fields"), SubjectField.choices))
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (prefix + key, key) for key in INNOVATION_SORTS for prefix in ("", "-")
    ])

    def __init__(self, *args, organizations=(), organizations_url="", **kwargs):
        """`organizations`: the origins to filter by, searched through `organizations_url` when
        long (cluster_platform.forms.offer_choices)."""
        super().__init__(*args, **kwargs)
        offer_choices(self, "origin", organizations, blank=_("All organizations"), search_url=organizations_url)

    def filters(self) -> dict:
        data = self.valid_data()
        return {key: data[key] for key in ("q", "stage", "kind", "level", "origin", "subject_field")
                if data.get(key)}

    def ordering(self) -> list[str]:
        sort = self.valid_data().get("sort") or ""
        if not sort:
            return list(Innovation._meta.ordering)
        prefix = "-" if sort.startswith("-") else ""
        return [prefix + field for field in INNOVATION_SORTS[sort.lstrip("-")]]


# --- Propose and edit -----------------------------------------------------------------------

def split_keywords(text: str) -> list[str]:
    return [word.strip() for word in (text or "").split(",") if word.strip()]


def people_choices(people) -> list:
    """Choices of people grouped by organization (in the order given)."""
    grouped: dict = {}
    for person in people:
        grouped.setdefault(person.organization.localized_name, []).append((person.pk, person.full_name))
    return list(grouped.items())


class InnovationForm(TranslationsFormMixin, BootstrapFormMixin, forms.Form):
    """The proposal. `origin_organization` only when proposing (the origin never changes);
    the lead author first, co-authors among the cluster's people."""

    translated_field = "title"

    title = forms.CharField(label=_("Title"), max_length=255)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What the innovation is and how it works in class or in the school."))
    kind = forms.ChoiceField(label=_("Kind"), choices=_with_blank(_("Choose…"), Innovation.Kind.choices))
    education_level = forms.ChoiceField(label=_("Education level"),
                                        choices=_with_blank(_("Choose…"), Innovation.Level.choices))
    origin_organization = forms.TypedChoiceField(label=_("Origin organization"), coerce=int, empty_value=None)
    lead_author = forms.TypedChoiceField(label=_("Lead author"), coerce=int, empty_value=None)
    co_authors = forms.TypedMultipleChoiceField(
        label=_("Co-authors"), required=False, coerce=int,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several. Co-authors with an account may edit the "
                    "proposal and follow it."))
    co_author_organization = forms.TypedChoiceField(
        label=_("Co-authors from"), required=False, coerce=int, empty_value=None,
        help_text=_("The people of this organization are listed among the co-authors; those already chosen "
                    "stay chosen."))
    subject_fields = forms.MultipleChoiceField(label=_("Subject fields"), required=False,
                                               choices=SubjectField.choices, widget=forms.CheckboxSelectMultiple)
    keywords = forms.CharField(label=_("Keywords"), required=False, max_length=800,
                               help_text=_("Separated by commas, at most 12."))
    expected_effect = forms.CharField(label=_("Expected effect"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text=_("What should improve, for whom, and how you will see it."))

    def __init__(self, *args, organizations=None, people=(), author_organizations=(), people_url="",
                 organizations_url="", origin_url="", **kwargs):
        """`organizations` (the origins offered) and `author_organizations` ("Co-authors from"):
        querysets, searched through `origin_url` and `organizations_url` when long
        (cluster_platform.forms.offer_choices). `people`: the authors offered, never a whole
        cluster's (a hundred thousand people): those chosen, with the people of the origin
        organization and of the one chosen in "Co-authors from"
        (innovations.selectors.author_candidates). A change of either organization asks
        `people_url` for its people (htmx), the authors already chosen kept."""
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["origin_organization"]
        else:
            offer_choices(self, "origin_organization", organizations, blank=_("Choose…"), search_url=origin_url)
        offer_choices(self, "co_author_organization", author_organizations, blank=_("The origin organization"),
                      search_url=organizations_url)
        choices = people_choices(people)
        self.fields["lead_author"].choices = _with_blank(_("Choose…"), choices)
        self.fields["co_authors"].choices = choices
        if people_url:
            if "origin_organization" in self.fields:
                reload_options_on_change(self.fields["origin_organization"], url=people_url,
                                         target="#id_lead_author", include="#id_lead_author")
            reload_options_on_change(self.fields["co_author_organization"], url=people_url, target="#id_co_authors",
                                     include="#id_co_authors, #id_origin_organization")
            if "origin_organization" in self.fields:  # "Co-authors from" left blank means the origin
                reload_options_on_change(self.fields["co_authors"], url=people_url, target="this",
                                         trigger="change from:#id_origin_organization",
                                         include="#id_co_author_organization, #id_origin_organization")
        self.add_translation_fields(self.initial.get("title_translations"))
        self.style_fields()

    @classmethod
    def initial_for(cls, innovation, author_ids: list[int]) -> dict:
        return {
            "title": innovation.title, "title_translations": innovation.title_translations,
            "summary": innovation.summary, "kind": innovation.kind,
            "education_level": innovation.education_level, "subject_fields": innovation.subject_fields,
            "keywords": ", ".join(innovation.keywords), "expected_effect": innovation.expected_effect,
            "lead_author": author_ids[0] if author_ids else None, "co_authors": author_ids[1:],
        }

    def service_data(self) -> dict:
        data = self.cleaned_data
        lead = data["lead_author"]
        service = {
            "title": data["title"], "title_translations": self.translations_data(),
            "summary": data["summary"], "kind": data["kind"],
            "education_level": data["education_level"], "subject_fields": data["subject_fields"],
            "keywords": split_keywords(data["keywords"]), "expected_effect": data["expected_effect"],
            "authors": [lead, *[pk for pk in data["co_authors"] if pk != lead]],
        }
        if "origin_organization" in self.fields:
            service["origin_organization_id"] = data["origin_organization"]
        return service

    def apply_service_error(self, error):
        # The service names the authors as one list; the form shows it beside the lead author.
        if hasattr(error, "error_dict") and "authors" in error.error_dict:
            error.error_dict.setdefault("lead_author", []).extend(error.error_dict.pop("authors"))
        super().apply_service_error(error)


# --- Stage moves ----------------------------------------------------------------------------

class TransitionForm(BootstrapFormMixin, forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Kept in the innovation's timeline."))

    def __init__(self, *args, reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            self.fields["comment"].label = _("Reason")
            self.fields["comment"].help_text = _("Required: the authors read it in the timeline.")
            self.fields["comment"].widget.attrs["required"] = "required"

    def apply_service_error(self, error):
        # The stage fields are hidden: what the service says of them is said above the form.
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error("comment" if name == "comment" else None, messages)
        else:
            self.add_error(None, error.messages)


# --- Attachments ----------------------------------------------------------------------------

class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.FileInput)
    description = forms.CharField(label=_("Description"), required=False, max_length=255,
                                  help_text=_("For example: lesson plan, or the method's handbook."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = document_accept()
        self.fields["file"].help_text = gettext(
            "PDF, DOCX, ODT, PNG or JPEG, at most %(limit)s MB. The type is checked by the content of the file."
        ) % {"limit": size_limit_mb()}

    def service_data(self) -> dict:
        return {"upload": self.cleaned_data["file"], "description": self.cleaned_data["description"]}


