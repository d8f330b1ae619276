"""Names that people type (organizations, programmes, innovations) in several languages.

The main field (`name`, `title`) keeps the name as it was first given, in whatever language;
`<field>_translations` maps a language code to the same name in that language. The reader
sees the one in their interface language when it is there, else the main one. Uzbek is given
in Latin: a reader of Uzbek in Cyrillic sees the Latin entry transliterated, so nobody types
it twice.

- `translations_field()`: the model field;
- `clean_translations()`: the one check, which each service calls before it saves;
- `localized(obj, "name")` and the template filter `{{ obj|localized:"name" }}` (load `names`);
  `translated()` the reader's entry alone. The models say it once: `Organization.localized_name`
  (the full name) and `display_name` (its str(): the reader's name, else the short name, else
  the name), `Program.localized_title`, `Innovation.localized_title` (their str());
- `choices()`: a <select>'s options in the reader's language and order;
- `matching()`: the search condition that finds a name typed in any of its languages;
- `TranslationsFormMixin`: one optional input per language, gathered back into the mapping.

A query that loads some columns only (`.only()`, `.values()`) takes the translations too
(`Organization.NAME_FIELDS`), or each row shown costs a query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cluster_platform.transliteration import latin_to_cyrillic

__all__ = [
    "TRANSLATABLE_LANGUAGES", "translations_field", "clean_translations", "collect_translations", "translated",
    "localized", "choices", "reader_order", "matching", "TranslationsFormMixin",
]

# Languages made from another one rather than typed: the reader of uz-cyrl gets the uz entry in Cyrillic.
DERIVED_LANGUAGES = {"uz-cyrl": ("uz", latin_to_cyrillic)}
TRANSLATABLE_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES if code not in DERIVED_LANGUAGES)

# The form inputs' labels, whole sentences so each language words them its own way.
_LABELS = {
    "name": {"en": _("Name in English"), "ru": _("Name in Russian"), "uz": _("Name in Uzbek")},
    "title": {"en": _("Title in English"), "ru": _("Title in Russian"), "uz": _("Title in Uzbek")},
}


def translations_field() -> models.JSONField:
    """The `<field>_translations` column: {language code: text}, empty when there are none. The
    database default too, so rows written without it (bulk loads, cluster_platform.scale) get {}."""
    return models.JSONField(_("names in other languages"), default=dict, db_default={}, blank=True)


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES)[code])


def clean_translations(value, *, model, field: str = "name") -> dict:
    """`value` checked and tidied for `model.<field>_translations`: known languages only, texts
    stripped, blank ones left out, none longer than the main field. The errors name the field
    (`<field>_translations`) and, in their text, the language."""
    key = f"{field}_translations"
    main = model._meta.get_field(field)
    label, max_length = main.verbose_name, main.max_length
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError({key: [_("Give the %(field)s in other languages as language code and text.")
                                     % {"field": label}]})
    errors, cleaned = [], {}
    for code, text in value.items():
        if code not in TRANSLATABLE_LANGUAGES:
            errors.append(_("The %(field)s cannot be given in “%(code)s”: use %(codes)s.") % {
                "field": label, "code": code, "codes": ", ".join(TRANSLATABLE_LANGUAGES)})
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(_("The %(field)s in %(language)s must be text.") % {
                "field": label, "language": _language_name(code)})
            continue
        text = text.strip()
        if not text:
            continue
        if len(text) > max_length:
            errors.append(_("The %(field)s in %(language)s has more than %(limit)s characters.") % {
                "field": label, "language": _language_name(code), "limit": max_length})
            continue
        cleaned[code] = text
    if errors:
        raise ValidationError({key: errors})
    return cleaned


def collect_translations(errors: dict, value, *, model, field: str = "name") -> dict:
    """clean_translations for a service that gathers every field's errors before it refuses:
    the tidied mapping, its errors added to `errors` (an empty mapping then)."""
    try:
        return clean_translations(value, model=model, field=field)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        return {}


def _getter(obj):
    return obj.get if isinstance(obj, Mapping) else lambda name, default=None: getattr(obj, name, default)


def translated(obj, field: str = "name") -> str:
    """The entry of `obj.<field>_translations` for the active language (for a derived language,
    the entry it is made from, converted), or "" when there is none. `obj` may be a model or a
    dict row, whose translations may be the JSON text a raw query gives (no model field converts it)."""
    translations = _getter(obj)(f"{field}_translations") or {}
    if isinstance(translations, str):
        translations = json.loads(translations)
    if not translations:
        return ""
    language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    if translations.get(language):
        return translations[language]
    if language in DERIVED_LANGUAGES:
        source, convert = DERIVED_LANGUAGES[language]
        if translations.get(source):
            return convert(translations[source])
    return ""


def localized(obj, field: str = "name") -> str:
    """The `field` of `obj` in the active language: its own entry, for a derived language the
    entry it is made from (converted), else the main value. `obj` may be a model or a dict row."""
    return translated(obj, field) or _getter(obj)(field) or ""


def choices(objects, field: str = "name") -> list[tuple]:
    """(pk, the `field` in the reader's language) for a <select>, ordered as the reader reads
    them (the database's order by the main value would not do)."""
    return sorted(((obj.pk, localized(obj, field)) for obj in objects), key=lambda choice: choice[1].casefold())


def reader_order(field: str = "name", language: str | None = None):
    """The database's approximation of choices()' order, for a query that takes the first rows
    only: the entry of the reader's language (or `language`; for a derived language, the entry it
    is made from), else the main value, lower-cased. Organizations have an index of it per
    language (members migration 0016)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    language = DERIVED_LANGUAGES[language][0] if language in DERIVED_LANGUAGES else language
    return Lower(Coalesce(NullIf(KT(f"{field}_translations__{language}"), Value("")), F(field)))


def matching(field: str, term: str, *, prefix: str = "") -> Q:
    """The condition "`term` is part of the `field` in any of its languages, in any case": the
    main value or a typed translation. `prefix` reaches the field through a relation
    ("organization__"). One `->>` per language rather than a cast of the whole JSON to text,
    whose keys and quotes would match too, and slower. It scans as the main name's LIKE does
    (under row-level security LIKE may use no index, see members migration 0009): over a
    cluster's 16,000 organizations, half of them with two translations, 21-22 ms against 12-13
    ms for the name and short name alone (25 ms with the cast)."""
    column = f"{prefix}{field}"
    condition = Q(**{f"{column}__icontains": term})
    for code in TRANSLATABLE_LANGUAGES:
        condition |= Q(**{f"{column}_translations__{code}__icontains": term})
    return condition


class TranslationsFormMixin:
    """Adds `<field>_<code>` inputs (optional, as long as the main field) for every typed
    language; `translations_data()` gives them back as the service's mapping. Call
    `add_translation_fields()` in `__init__`, then `style_fields()`."""

    translated_field = "name"

    def add_translation_fields(self, initial: Mapping | None = None) -> None:
        field = self.translated_field
        # As long as the main field allows (the service checks again, against the model).
        max_length = getattr(self.fields.get(field), "max_length", None)
        for code in TRANSLATABLE_LANGUAGES:
            name = f"{field}_{code}"
            self.fields[name] = forms.CharField(
                label=_LABELS[field][code], required=False, max_length=max_length,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            if initial and code in initial and name not in self.initial:
                self.initial[name] = initial[code]

    def translation_field_names(self) -> list[str]:
        return [f"{self.translated_field}_{code}" for code in TRANSLATABLE_LANGUAGES]

    def translation_fields(self) -> list:
        """The bound inputs, for the template's fieldset."""
        return [self[name] for name in self.translation_field_names()]

    def translations_data(self) -> dict:
        return {code: text for code in TRANSLATABLE_LANGUAGES
                if (text := (self.cleaned_data.get(f"{self.translated_field}_{code}") or "").strip())}

