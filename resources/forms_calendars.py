"""The form of the calendar links page: which resource or organization a new link is for
(shape only; resources.services.feed_create decides)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarLinkForm(forms.Form):
    resource = forms.IntegerField(min_value=1, required=False)
    organization = forms.IntegerField(min_value=1, required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and (cleaned.get("resource") is None) == (cleaned.get("organization") is None):
            raise forms.ValidationError(_("Choose a resource or an organization for the calendar link."))
        return cleaned

    def service_data(self) -> dict:
        return {"resource_id": self.cleaned_data.get("resource"),
                "organization_id": self.cleaned_data.get("organization")}
