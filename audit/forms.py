"""The filters of the audit trail. Invalid values are shown beside their field and left out
of the filters, like the other list pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cluster_platform.forms import BootstrapFormMixin, DATE_WIDGET, FilterFormMixin

from .selectors import SYSTEM, AuditFilters
from .sources import KINDS

ACTION_CHOICES = [("", _("Any action")), ("insert", _("Created")), ("update", _("Changed")),
                  ("delete", _("Deleted"))]


class AuditFilterForm(FilterFormMixin, BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    user = forms.ChoiceField(label=_("Who"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ACTION_CHOICES)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
    # One object's history (?kind=agreement&object=12), reached from the object's page.
    object = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *((key, kind.label) for key, kind in KINDS.items())]
        self.fields["user"].choices = [
            ("", _("Anyone")), (SYSTEM, _("System (tasks, bulk changes)")),
            *((str(pk), name) for pk, name in users),
        ]
        if self.is_bound and self.data.get("object"):
            # The kind says which object the id is; it cannot change while one object is shown.
            self.fields["kind"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("object") and not cleaned.get("kind") and "kind" not in self.errors:
            self.add_error("object", _("Choose a kind to see one object's history."))
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.valid_data()
        user = data.get("user") or None
        if user and user != SYSTEM:
            user = int(user)
        return AuditFilters(
            kind=data.get("kind") or "",
            object_id=data.get("object") if data.get("kind") else None,
            user=user,
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    @property
    def is_filtered(self) -> bool:
        return self.filters() != AuditFilters()
