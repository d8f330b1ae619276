"""Form helpers shared by every browser form: Bootstrap 4 classes and error states.

Widgets get their Bootstrap class once, here, so templates render `{{ field }}` without a
custom tag; a field that receives an error (from its own validation or from a service's
ValidationError mapped onto the form) is marked `is-invalid` at the moment it is added.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _html_attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items() if value is not False
    )


class FastSelectMixin:
    """Django's Select, rendered in Python instead of one template include per <option>.

    The HTML is what Django's templates give, without the whitespace between the tags
    (cluster_platform/tests/test_forms.py compares them); only the time differs: a filter of a large cluster's 3,000 organizations
    took over 100 ms to render through the templates, and a page is not to grow with the
    rows of a table."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_html_attrs(widget["attrs"])))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html('<option value="{}"{}>{}</option>', str(option["value"]),
                            mark_safe(_html_attrs(option["attrs"])), option["label"])
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


def integer_or_none(value) -> int | None:
    """A whole number given as text (a choice sent back, a query parameter), else None: for the
    values a form's choices depend on before the form itself checks them."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def reload_options_on_change(field, *, url: str, target: str, include: str = "", trigger: str = "change") -> None:
    """When `field` changes (or `trigger` happens), htmx asks `url` (with the field's value, and
    the values of the `include` selector) for the `<option>`s of the select `target` and puts them
    in it: a select whose choices follow another field's (the people of the organization just
    chosen), so that a page never lists a whole cluster's."""
    attrs = {"hx-get": url, "hx-trigger": trigger, "hx-sync": "this:replace", "hx-target": target,
             "hx-swap": "innerHTML"}
    if include:
        attrs["hx-include"] = include
    field.widget.attrs.update(attrs)


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


_FAST = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}


def _widget_class(widget) -> str:
    if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return "form-check-input"
    if isinstance(widget, forms.FileInput):
        return "form-control-file"
    if isinstance(widget, forms.Select):
        return "custom-select"
    return "form-control"


class FilterFormMixin:
    """A GET filter form of a list page: `valid_data()` is what passed validation; a bad
    value is dropped and shown as the field's error, the rest still filters."""

    def valid_data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


class BootstrapFormMixin:
    """Adds Bootstrap classes to widgets and `is-invalid` to fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Give every widget its Bootstrap class; call again after adding fields."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if type(widget) in _FAST:  # the same widget, rendered without a template per option
                widget.__class__ = _FAST[type(widget)]
            classes = widget.attrs.get("class", "").split()
            wanted = _widget_class(widget)
            if wanted not in classes:
                widget.attrs["class"] = " ".join([*classes, wanted])

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors or {}:
            if name == NON_FIELD_ERRORS or name not in self.fields:
                continue
            widget = self.fields[name].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def apply_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError: beside the field it names, else above the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    pass


# A date picker that shows and reads ISO dates, the same on every form.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConfirmForm(BootstrapFormMixin, forms.Form):
    """A form without fields: the POST itself (with its CSRF token) is the confirmation."""
