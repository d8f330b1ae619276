"""The Russian and Uzbek catalogs: complete, compiled, and chosen by the cookie, the browser
(Accept-Language) and the language switcher.

polib is not a project dependency, so the .po files are read by the small parser below."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
NPLURALS = {"ru": 3, "uz": 2}
# A string of the login page, and what each language shows for it.
LOGIN_TEXT = {
    "en": "Forgot your password?",
    "ru": "Забыли пароль?",
    "uz": "Parolni unutdingizmi?",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def parse_po(path):
    """Entries of a .po file as dicts: msgid, msgid_plural, msgstr (a list), flags.

    Enough of the format for makemessages' output: comments, flags, msgctxt, plural forms
    and strings continued over several lines."""
    entries = []
    entry = None
    key = None

    def start():
        return {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if entry is not None and (entry["msgid"] or entry["msgstr"]):
                entries.append(entry)
                entry = None
            entry = entry or start()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, value = match.groups()
            if keyword in ("msgid", "msgctxt") and entry is not None and (entry["msgid"] or entry["msgstr"]):
                entries.append(entry)
                entry = None
            entry = entry or start()
            if keyword.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                entry["msgstr"][key[1]] = ""
            else:
                key = keyword
                entry[key] = ""
        elif line.startswith('"'):
            value = line
        else:
            raise AssertionError(f"{path}: unexpected line {line!r}")
        text = ast.literal_eval(value)
        if isinstance(key, tuple):
            entry["msgstr"][key[1]] += text
        else:
            entry[key] += text
    if entry is not None:
        entries.append(entry)
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return entries


def catalog(language):
    entries = parse_po(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")
    header = entries[0]
    assert header["msgid"] == "", "the catalog starts with its header"
    return header, entries[1:]


@pytest.mark.parametrize("language", ["ru", "uz"])
def test_catalog_header(language):
    header, _ = catalog(language)
    fields = dict(line.split(": ", 1) for line in header["msgstr"][0].splitlines() if ": " in line)
    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert f"nplurals={NPLURALS[language]};" in fields["Plural-Forms"]
    assert "fuzzy" not in header["flags"]


@pytest.mark.parametrize("language", ["ru", "uz"])
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


@pytest.mark.parametrize("language", ["ru", "uz"])
def test_compiled_catalog_matches_the_po_file(language):
    """The committed .mo is compiled from the current .po: Django answers every message with it."""
    _, entries = catalog(language)
    assert (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").is_file()
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
@pytest.mark.parametrize("language", ["ru", "uz"])
def test_login_page_follows_the_language_cookie(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert LOGIN_TEXT[language] in content
    assert LOGIN_TEXT["en"] not in content
    assert f'<html lang="{language}">' in content


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "uz"])
def test_login_page_follows_accept_language(client, language):
    response = client.get("/accounts/login/", headers={"accept-language": f"{language},en;q=0.5"})
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
