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
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cluster_platform import names


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
        return mark_safe("".join((format_html('<select name="{}"{}>', widget["name"], mark_safe(_html_attrs(
            widget["attrs"]))), self.render_options(widget["optgroups"]), "</select>")))

    @staticmethod
    def render_options(optgroups) -> str:
        parts = []
        for group_name, options, _index in optgroups:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html('<option value="{}"{}>{}</option>', str(option["value"]),
                            mark_safe(_html_attrs(option["attrs"])), option["label"])
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
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


# A select over a list that can be long (the organizations of a national cluster, 3,000 and more):
# past this many rows it shows this many at most, those whose name matches what is typed in a
# search box above it, and the ones chosen. The box's name is the select's with this suffix.
SEARCH_LIMIT = 100
SEARCH_SUFFIX = "-search"


class SearchableSelectMixin(FastSelectMixin):
    """A select with a search box above it that asks `search_url` (htmx, as the user types) for
    the options matching the text, sent as `<name>-search` with the select's own value(s); the
    answer replaces the options. Without scripts the box is sent with its form, and the form
    shown again offers the matches (offer_choices reads the box). The page's script keeps the
    box's Enter and change events to itself (static/js/app.js)."""

    search_url = ""
    search_value = ""
    search_label = ""

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        if not self.search_url:
            return select
        select_id = {**self.attrs, **(attrs or {})}.get("id") or f"id_{name}"
        box = format_html(
            '<input type="search" name="{name}" value="{value}" id="{id}-search" class="form-control mb-1"'
            ' autocomplete="off" data-option-search placeholder="{placeholder}" aria-label="{label}"'
            ' aria-controls="{id}" aria-describedby="{id}-search-hint" hx-get="{url}"'
            ' hx-trigger="input changed delay:300ms, search" hx-target="#{id}" hx-include="#{id}"'
            ' hx-sync="this:replace" hx-swap="innerHTML" hx-push-url="false">',
            name=f"{name}{SEARCH_SUFFIX}", value=self.search_value, id=select_id, url=self.search_url,
            placeholder=_("Type part of a name"), label=_("Find in the list: %(label)s") % {"label": self.search_label})
        hint = format_html('<small id="{}-search-hint" class="form-text text-muted">{}</small>', select_id, _(
            "The list shows up to %(limit)s names: those that match what you type, and the ones chosen.")
            % {"limit": SEARCH_LIMIT})
        return mark_safe(f"{box}{select}{hint}{search_status(select_id)}")


def search_status(select_id: str, text: str = "", *, swap: bool = False) -> SafeString:
    """What a search found, said to screen readers (a polite live region under the select); the
    answer of a search replaces it out of band (`swap`)."""
    return format_html('<span id="{}-search-status" class="sr-only" role="status"{}>{}</span>', select_id,
                       mark_safe(' hx-swap-oob="true"') if swap else "", text)


class SearchableSelect(SearchableSelectMixin, forms.Select):
    pass


class SearchableSelectMultiple(SearchableSelectMixin, forms.SelectMultiple):
    pass


def _ids(values) -> list[int]:
    return [pk for pk in map(integer_or_none, values) if pk is not None]


def _search_text(data, key: str) -> str:
    """What the search box of the select named `key` sent."""
    return (data.get(f"{key}{SEARCH_SUFFIX}") or "").strip()[:100]


def _chosen(form, name: str) -> list[int]:
    """The ids the field `name` of `form` holds: as sent, else as it starts."""
    field, key = form.fields[name], form.add_prefix(name)
    if form.is_bound:
        values = form.data.getlist(key) if hasattr(form.data, "getlist") else form.data.get(key)
    else:
        values = form.get_initial_for_field(field, name)
    return _ids(values if isinstance(values, (list, tuple, set)) else [values])


def _found(objects, *, chosen=(), query: str = "", limit: int) -> tuple[list, list]:
    """Of `objects`, the first `limit` in the reader's order whose name contains `query` in any
    language, and apart the `chosen` ones not among them."""
    matches = objects.order_by(names.reader_order("name"), "pk")
    if query:
        matches = matches.filter(names.matching("name", query))
    hits = list(matches[:limit])
    missing = set(chosen).difference(row.pk for row in hits)
    return hits, list(objects.filter(pk__in=sorted(missing))) if missing else []


def search_choices(objects, *, chosen=(), query: str = "", limit: int | None = None) -> list[tuple]:
    """The choices of a searchable select: of `objects` (a queryset of named rows), the first
    `limit` in the reader's order whose name contains `query` in any language, and those of
    `chosen`, which stay. One query, and one for the chosen ones not among them."""
    hits, chosen_rows = _found(objects, chosen=chosen, query=query, limit=limit or SEARCH_LIMIT)
    return names.choices(hits + chosen_rows)


def limited_choices(objects, *, chosen=(), query: str = "", limit: int | None = None) -> tuple[list, bool]:
    """The choices a select over `objects` offers, and whether there are more than `limit` of
    them (then search_choices: the matches of `query` and the `chosen` ones; a box to search
    needed). One query for a short list; for a long one, one more when something is searched or
    chosen beyond the first."""
    limit = limit or SEARCH_LIMIT
    first = list(objects.order_by(names.reader_order("name"), "pk")[:limit + 1])
    if len(first) <= limit:
        return names.choices(first), False
    if query or set(chosen).difference(row.pk for row in first[:limit]):
        return search_choices(objects, chosen=chosen, query=query, limit=limit), True
    return names.choices(first[:limit]), True


def search_text(form, name: str) -> str:
    """What the search box of the select `name` of `form` sent (a form sent without scripts)."""
    return _search_text(form.data, form.add_prefix(name)) if form.is_bound else ""


def make_searchable(form, name: str, *, url: str, blank=None) -> None:
    """Show the select `name` of `form` with its search box, which asks `url` (an endpoint that
    answers search_options) for the options matching what is typed."""
    field, key = form.fields[name], form.add_prefix(name)
    widget = field.widget
    widget.__class__ = SearchableSelectMultiple if isinstance(widget, forms.SelectMultiple) else SearchableSelect
    params = {"name": key, **({"blank": str(blank)} if blank is not None else {})}
    text = search_text(form, name)
    widget.search_url, widget.search_value, widget.search_label = (
        f"{url}?{urlencode(params)}", text, str(field.label or ""))
    if text and not isinstance(form, FilterFormMixin):
        _require_a_choice(field, text)


def _require_a_choice(field, text: str) -> None:
    """A form sent with words in a select's search box and nothing chosen (Enter in the box,
    without scripts) is not saved without that choice: it comes back with the matches listed."""
    validate = field.validate

    def validate_searched(value):
        if value in field.empty_values:
            raise ValidationError(_("Choose one of the names found for “%(text)s”, or empty the search box.")
                                  % {"text": text}, code="searched")
        validate(value)

    field.validate = validate_searched


def offer_choices(form, name: str, objects, *, blank=None, search_url: str = "", limit: int | None = None,
                  preselect_single: bool = False) -> None:
    """The choices of the select `name` of `form`: the names of `objects` in the reader's
    language and order (`blank` first, when given). With a `search_url` (an endpoint that answers
    search_options), a list longer than `limit` becomes a searchable select: it offers `limit` of
    them and the ones chosen, and a box to find the others. Its choices still validate what is
    sent: an id of `objects` not shown yet is among them once chosen. With `preselect_single`,
    a list of exactly one starts with it chosen."""
    if search_url:
        choices, searchable = limited_choices(objects, chosen=_chosen(form, name), query=search_text(form, name),
                                              limit=limit)
    else:
        choices, searchable = names.choices(objects), False
    form.fields[name].choices = ([("", blank)] if blank is not None else []) + choices
    if searchable:
        make_searchable(form, name, url=search_url, blank=blank)
    elif preselect_single and len(choices) == 1:
        form.fields[name].initial = choices[0][0]


def search_options(request, objects, *, limit: int | None = None) -> SafeString:
    """The <option>s a searchable select asks for (SearchableSelectMixin): `name` the select's
    name, whose values are the chosen ids; `<name>-search` the text; `blank` the empty choice's
    label, if it has one."""
    name = request.GET.get("name", "")
    chosen, query = _ids(request.GET.getlist(name)), _search_text(request.GET, name)
    hits, chosen_rows = _found(objects, chosen=chosen, query=query, limit=limit or SEARCH_LIMIT)
    blank = [("", request.GET["blank"][:100])] if "blank" in request.GET else []
    widget = FastSelect(choices=blank + names.choices(hits + chosen_rows))
    options = widget.render_options(widget.get_context(name, chosen or [""], None)["widget"]["optgroups"])
    if hits:
        said = ngettext("%(count)s name listed.", "%(count)s names listed.", len(hits)) % {"count": len(hits)}
    else:
        said = _("No name contains “%(text)s”.") % {"text": query} if query else _("No name to list.")
        options += format_html("<option disabled>{}</option>", said)
    return mark_safe(options + search_status(f"id_{name}", said, swap=True))


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
