"""The Russian, Uzbek and Uzbek Cyrillic catalogs: complete, compiled, in step with the code, and
chosen by the cookie, the browser (Accept-Language) and the language switcher. The Uzbek Cyrillic
one (locale/uz_Cyrl) is generated from the Latin one (cluster_platform/catalogues.py): the
committed file must be what the generator makes of the current Latin catalogue."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from cluster_platform import catalogues
from cluster_platform.catalogues import read_po

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["ru", "uz", "uz-cyrl"]
NPLURALS = {"ru": 3, "uz": 2, "uz-cyrl": 2}
# A string of the login page, and what each language shows for it.
LOGIN_TEXT = {
    "en": "Forgot your password?",
    "ru": "Забыли пароль?",
    "uz": "Parolni unutdingizmi?",
    "uz-cyrl": "Паролни унутдингизми?",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def catalog(language):
    entries = read_po(LOCALE_DIR / translation.to_locale(language) / "LC_MESSAGES" / "django.po")
    header = entries[0]
    assert header["msgid"] == "", "the catalog starts with its header"
    return header, entries[1:]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header(language):
    header, _ = catalog(language)
    fields = dict(line.split(": ", 1) for line in header["msgstr"][0].splitlines() if ": " in line)
    assert fields["Language"] == translation.to_locale(language)
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert f"nplurals={NPLURALS[language]};" in fields["Plural-Forms"]
    assert "fuzzy" not in header["flags"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    _, entries = catalog(language)
    assert len(entries) > 300
    problems = []
    for entry in entries:
        msgid = entry["msgid"]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {msgid!r}")
        expected_forms = NPLURALS[language] if entry["msgid_plural"] is not None else 1
        if len(entry["msgstr"]) != expected_forms or not all(form.strip() for form in entry["msgstr"]):
            problems.append(f"untranslated: {msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(msgid)) | set(PLACEHOLDER.findall(entry["msgid_plural"] or ""))
        for form in entry["msgstr"]:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders differ: {msgid!r} -> {form!r}")
    assert not problems, "\n".join(problems)


def test_uzbek_uses_the_official_latin_apostrophes():
    """Oʻ and gʻ take U+02BB, the tutuq belgisi U+02BC: never the ASCII apostrophe."""
    _, entries = catalog("uz")
    wrong = [form for entry in entries for form in entry["msgstr"] if "'" in form or "\u2018" in form]
    assert not wrong, wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language):
    """The committed .mo is compiled from the current .po: Django answers every message with it
    (for uz-cyrl also Django's own, which would otherwise come from its Latin catalogue)."""
    _, entries = catalog(language)
    assert (LOCALE_DIR / translation.to_locale(language) / "LC_MESSAGES" / "django.mo").is_file()
    stale = []
    with translation.override(language):
        for entry in entries:
            if entry["msgctxt"] is not None:
                got, want = translation.pgettext(entry["msgctxt"], entry["msgid"]), entry["msgstr"][0]
            elif entry["msgid_plural"] is None:
                got, want = translation.gettext(entry["msgid"]), entry["msgstr"][0]
            else:
                got = translation.ngettext(entry["msgid"], entry["msgid_plural"], 1)
                want = entry["msgstr"][0]
            if got != want:
                stale.append(f"{entry['msgid']!r}: {got!r} != {want!r}")
    assert not stale, "run compilemessages:\n" + "\n".join(stale)


def test_russian_plural_forms():
    with translation.override("ru"):
        words = [translation.ngettext("%(count)d organization was imported.",
                                      "%(count)d organizations were imported.", n) % {"count": n}
                 for n in (1, 3, 5, 11, 21, 22)]
    assert words == [
        "Импортирована 1 организация.",
        "Импортировано 3 организации.",
        "Импортировано 5 организаций.",
        "Импортировано 11 организаций.",
        "Импортирована 21 организация.",
        "Импортировано 22 организации.",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_login_page_follows_the_language_cookie(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert LOGIN_TEXT[language] in content
    assert LOGIN_TEXT["en"] not in content
    assert f'<html lang="{language}">' in content


@pytest.mark.django_db
@pytest.mark.parametrize("language, header", [("ru", "ru"), ("uz", "uz"), ("uz-cyrl", "uz-cyrl"),
                                              ("uz-cyrl", "uz-Cyrl-UZ"), ("uz", "uz-Latn-UZ")])
def test_login_page_follows_accept_language(client, language, header):
    response = client.get("/accounts/login/", headers={"accept-language": f"{header},en;q=0.5"})
    assert response.status_code == 200
    assert LOGIN_TEXT[language] in response.content.decode()


@pytest.mark.django_db
def test_login_page_is_english_by_default(client):
    response = client.get("/accounts/login/")
    assert LOGIN_TEXT["en"] in response.content.decode()


@pytest.mark.django_db
def test_language_switcher_changes_the_next_page(client):
    first = client.get("/accounts/login/")
    assert LOGIN_TEXT["en"] in first.content.decode()

    response = client.post("/i18n/setlang/", {"language": "uz", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uz"

    content = client.get("/accounts/login/").content.decode()
    assert LOGIN_TEXT["uz"] in content
    assert LOGIN_TEXT["en"] not in content
    assert '<html lang="uz">' in content


@pytest.mark.django_db
def test_the_switcher_offers_uzbek_cyrillic_and_it_sticks(client):
    login = client.get("/accounts/login/").content.decode()
    assert '<option value="uz-cyrl" lang="uz-cyrl">Ўзбекча (кирилл)</option>' in login

    client.post("/i18n/setlang/", {"language": "uz-cyrl", "next": "/accounts/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uz-cyrl"
    content = client.get("/accounts/login/").content.decode()
    assert LOGIN_TEXT["uz-cyrl"] in content and LOGIN_TEXT["uz"] not in content
    assert '<html lang="uz-cyrl">' in content


# --- Uzbek in Cyrillic: locale/uz_Cyrl, generated from locale/uz ----------------------------------

def test_uzbek_cyrillic_is_a_language_of_its_own():
    info = translation.get_language_info("uz-cyrl")
    assert (info["code"], info["name"], info["name_local"], info["bidi"]) == (
        "uz-cyrl", "Uzbek (Cyrillic)", "Ўзбекча (кирилл)", False)
    assert translation.to_locale("uz-cyrl") == "uz_Cyrl"
    with translation.override("uz-cyrl"):
        assert translation.get_language() == "uz-cyrl"
        assert translation.gettext("Forgot your password?") == "Паролни унутдингизми?"
        assert translation.gettext("Audit trail") == "Аудит журнали"
        # Django's own strings too, not its Latin Uzbek (Python's gettext falls back to uz). Not
        # literals, or makemessages would take them for the platform's.
        month, error = "January", "Enter a whole number."
        assert (translation.gettext(month), translation.gettext(error)) == ("Январ", "Бутун рақамни киритинг.")
    with translation.override("uz"):
        assert translation.gettext("Forgot your password?") == "Parolni unutdingizmi?"


def test_the_cyrillic_catalogue_is_generated_from_the_current_latin_one():
    stale = catalogues.stale_catalogues(LOCALE_DIR)
    assert not stale, (
        "locale/uz_Cyrl is not what locale/uz gives: run `make messages` (makemessages, "
        "transliterate_catalogue, compilemessages) and commit the result. Stale: "
        + ", ".join(str(path.relative_to(LOCALE_DIR)) for path in stale)
    )


def test_the_cyrillic_catalogue_has_no_latin_uzbek_left():
    _, entries = catalog("uz-cyrl")
    marks = [form for entry in entries for form in entry["msgstr"] if re.search("[\u02bb\u02bc]|[oOgG]'", form)]
    assert not marks, marks


def test_transliterate_catalogue_writes_and_checks(tmp_path):
    """The command on a catalogue of its own: header, plural forms, msgctxt, flags, a fuzzy entry
    kept fuzzy, an obsolete one left out; --check fails until the file is written."""
    source = tmp_path / "uz" / "LC_MESSAGES"
    source.mkdir(parents=True)
    (source / "django.po").write_text(
        '# Translator comment.\n'
        'msgid ""\nmsgstr ""\n"Language: uz\\n"\n"Language-Team: Uzbek (Latin)\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: members/views.py:1\n#, python-format\nmsgid "%(count)d school"\nmsgid_plural "%(count)d schools"\n'
        'msgstr[0] "%(count)d ta maktab"\nmsgstr[1] "%(count)d ta maktab"\n\n'
        'msgctxt "person"\nmsgid "Role"\nmsgstr "Oʻrin"\n\n'
        '#, fuzzy\nmsgid "Teacher"\nmsgstr "Oʻqituvchi"\n\n'
        'msgid "Open in Google Calendar"\nmsgstr "Google Calendar\u2019da ochish"\n\n'
        'msgid "Two\\nlines"\nmsgstr "Ikki\\nqator"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Eski"\n\n'
        '#, python-format\n#~ msgid "%(n)s old"\n#~ msgstr "%(n)s eski"\n',  # an obsolete entry's flags
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="make messages"):
        call_command("transliterate_catalogue", locale_dir=tmp_path, check=True)
    call_command("transliterate_catalogue", locale_dir=tmp_path)
    written = tmp_path / "uz_Cyrl" / "LC_MESSAGES" / "django.po"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# Uzbek (Cyrillic) translations")
    header, *entries = catalogues.parse_po(text)
    assert '"Language: uz_Cyrl\\n"' in text and "Language-Team: Uzbek (Cyrillic)" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    own = {(entry["msgctxt"], entry["msgid"]): entry for entry in entries[:5]}
    assert own[(None, "%(count)d school")]["msgstr"] == ["%(count)d та мактаб", "%(count)d та мактаб"]
    assert own[(None, "%(count)d school")]["flags"] == {"python-format"}
    assert own[("person", "Role")]["msgstr"] == ["Ўрин"]
    assert own[(None, "Teacher")]["flags"] == {"fuzzy"} and own[(None, "Teacher")]["msgstr"] == ["Ўқитувчи"]
    assert own[(None, "Open in Google Calendar")]["msgstr"] == ["Google Calendar\u2019да очиш"]
    assert own[(None, "Two\nlines")]["msgstr"] == ["Икки\nқатор"]
    assert "Old" not in text and "%(n)s old" not in text and "Translator comment" not in text
    assert text.count('msgid ""\nmsgstr ""\n"') == 1  # one header: no empty entry from obsolete flags
    # Then Django's own strings, in Cyrillic.
    assert {entry["msgid"]: entry["msgstr"] for entry in entries[5:]}["January"] == ["Январ"]
    call_command("transliterate_catalogue", locale_dir=tmp_path, check=True)
    assert catalogues.write_cyrillic_catalogues(tmp_path) == []  # nothing left to write


# --- The catalogues are in step with the code ------------------------------------------------------

def _extracted_messages(tmp_path) -> set:
    """(msgctxt, msgid) of every message the code marks for translation, by makemessages itself,
    run as `make messages` runs it but into a copy of the catalogue.

    makemessages scans its working directory and writes to the nearest locale/ directory above a
    file, so it runs in a directory of symbolic links to the project's own (not to locale/, media
    or static files, which it skips too), next to a copy of locale/ru."""
    work = tmp_path / "project"
    work.mkdir()
    skipped = {"locale", Path(settings.MEDIA_ROOT).name, Path(settings.STATIC_ROOT).name}
    for entry in Path(settings.BASE_DIR).iterdir():
        if not entry.name.startswith(".") and entry.name not in skipped:
            (work / entry.name).symlink_to(entry)
    shutil.copytree(LOCALE_DIR / "ru", work / "locale" / "ru")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with override_settings(LOCALE_PATHS=[work / "locale"]):
            call_command("makemessages", locale=["ru"], keep_pot=True, symlinks=True, verbosity=0,
                         ignore_patterns=[".venv", ".local"])
    finally:
        os.chdir(cwd)
    return {(entry["msgctxt"], entry["msgid"]) for entry in read_po(work / "locale" / "django.pot")[1:]}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (makemessages)")
def test_every_message_of_the_code_is_in_the_catalogues(tmp_path):
    extracted = _extracted_messages(tmp_path)
    assert len(extracted) > 300
    missing = []
    for language in ("ru", "uz"):
        _, entries = catalog(language)
        known = {(entry["msgctxt"], entry["msgid"]) for entry in entries}
        missing += [f"{language}: {msgid!r}" + (f" (context {context!r})" if context else "")
                    for context, msgid in sorted(extracted - known, key=lambda key: (key[1], key[0] or ""))]
    assert not missing, (
        "The code has messages the committed catalogues lack: run `make messages`, translate them "
        "in locale/ru and locale/uz, run `make messages` again.\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language, expected, month", [
    ("en", "March 5, 2026", "March 2026"), ("ru", "5 марта 2026 г.", "Март 2026 г."),
    ("uz", "5-Mart, 2026-yil", "Mart 2026-yil"), ("uz-cyrl", "5-Март, 2026-йил", "Март 2026-йил"),
])
def test_dates_are_written_as_each_language_writes_them(language, expected, month):
    """uz-cyrl has a format module of its own (cluster_platform/formats/uz_Cyrl): Django has none,
    and the Latin one it fell back to wrote the year's "yil" in Latin."""
    import datetime

    from django.utils import formats, translation

    with translation.override(language):
        assert formats.date_format(datetime.date(2026, 3, 5)) == expected
        assert formats.date_format(datetime.date(2026, 3, 5), "YEAR_MONTH_FORMAT") == month


@pytest.mark.parametrize("language, total, range_shown", [
    ("en", "12,345 organizations", "Showing 51–100 of 12,345"),
    ("ru", "12\xa0345 организаций", "Показаны 51–100 из 12\xa0345"),
    ("uz", "12\xa0345 ta tashkilot", "12\xa0345"),
    ("uz-cyrl", "12\xa0345 та ташкилот", "12\xa0345"),
])
def test_list_counts_are_written_as_the_readers_language_writes_numbers(rf, language, total, range_shown):
    """A list's count and the pagination's range group the digits as the language does (the
    count still chooses the plural form)."""
    from django.core.paginator import Paginator
    from django.template import Context, Template
    from django.template.loader import render_to_string

    count = Template('{% load humanize i18n %}{% blocktranslate count counter=n with total=n|intcomma %}'
                     '{{ total }} organization{% plural %}{{ total }} organizations{% endblocktranslate %}')
    page = Paginator(range(12345), 50).page(2)
    with translation.override(language):
        assert count.render(Context({"n": 12345})) == total
        assert range_shown in render_to_string("includes/pagination.html", {"page_obj": page}, request=rf.get("/"))
