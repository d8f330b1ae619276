"""The Uzbek Cyrillic catalogue (locale/uz_Cyrl) is generated from the Latin one (locale/uz):
`manage.py transliterate_catalogue`, run by `make messages` between makemessages and
compilemessages. Nobody edits it: a change of wording goes into locale/uz, and
cluster_platform/tests/test_i18n.py fails while the committed file differs from what
cyrillic_catalogues() makes of the current Latin one.

Each .po file of locale/uz/LC_MESSAGES gives the file of the same name in locale/uz_Cyrl: the
same header (Language: uz_Cyrl) and plural forms, the same entries in the same order with their
msgctxt, msgid and flags, and every msgstr put into Cyrillic by transliteration.latin_to_cyrillic.
Words of the English original that a translation carries over (Google, an API value such as
`planned`) stay in Latin, unless the catalogue uses them as Uzbek words elsewhere or one begins
both the original and the translation (loanwords: administrator, Audit jurnali, Server xatosi;
uzbek_vocabulary). A fuzzy entry stays fuzzy (compilemessages skips it, as it does in Uzbek);
an untranslated one stays empty; obsolete entries (#~) and comments are left out.

Django's own strings (form errors, month names, humanize) come from the Uzbek catalogues of Django
and of the installed apps; for uz-cyrl Python's gettext would fall back from uz_Cyrl to those Latin
ones. So django.po also carries, after the platform's entries, the translated strings of those
catalogues that the platform's does not have, in Cyrillic too (a Django upgrade that changes them
makes the test ask for `make messages`).

The .po reader is small (polib is not a dependency): enough for what makemessages and this module
write: comments, flags, msgctxt, plural forms and strings continued over several lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import django
from django.apps import apps

from .transliteration import latin_to_cyrillic

SOURCE_LOCALE = "uz"
TARGET_LOCALE = "uz_Cyrl"
HEADER_COMMENT = (
    "# Uzbek (Cyrillic) translations of the regional pedagogical cluster platform.\n"
    "# GENERATED from locale/uz/LC_MESSAGES/{name} by `manage.py transliterate_catalogue`\n"
    "# (run by `make messages`). Do not edit: change the Latin catalogue and regenerate.\n"
)
PACKAGES_COMMENT = "# From the Uzbek catalogues of Django and the installed apps."

_ENTRY_LINE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')
_WORD = re.compile(r"[A-Za-z]+")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


def parse_po(text: str, *, name: str = "<po>") -> list[dict]:
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (a list of forms),
    flags (a set). The header is the first entry (msgid ""); comments and obsolete entries are
    not read."""
    entries = []
    entry = None
    key = None

    def start():
        return {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if entry is not None and (entry["msgid"] or entry["msgstr"]):
                entries.append(entry)
            entry = start()  # not the flags an obsolete entry (#~) left behind
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = _ENTRY_LINE.match(line)
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
            raise ValueError(f"{name}: unexpected line {line!r}")
        text_value = ast.literal_eval(value)
        if isinstance(key, tuple):
            entry["msgstr"][key[1]] += text_value
        else:
            entry[key] += text_value
    if entry is not None and (entry["msgid"] or entry["msgstr"]):  # not the flags of an obsolete entry
        entries.append(entry)
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return entries


def read_po(path: Path) -> list[dict]:
    return parse_po(path.read_text(encoding="utf-8"), name=str(path))


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
            .replace("\r", "\\r").replace("\n", "\\n"))


def _field(keyword: str, text: str) -> list[str]:
    """As gettext writes it: a string of several lines starts with "" and gives each its own."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1:
        return [f'{keyword} "{_escape(text)}"']
    return [f'{keyword} ""', *(f'"{_escape(line)}"' for line in lines)]


def format_po(entries: list[dict], *, comment: str = "") -> str:
    """The text of a .po file: `comment` (lines starting with #), then the entries (the header
    first), each after a blank line with its own comment lines (entry["comments"]) and flags."""
    blocks = []
    for entry in entries:
        lines = list(entry.get("comments", ()))
        if entry["flags"]:
            lines.append("#, " + ", ".join(sorted(entry["flags"])))
        if entry["msgctxt"] is not None:
            lines += _field("msgctxt", entry["msgctxt"])
        lines += _field("msgid", entry["msgid"])
        if entry["msgid_plural"] is None:
            lines += _field("msgstr", entry["msgstr"][0] if entry["msgstr"] else "")
        else:
            lines += _field("msgid_plural", entry["msgid_plural"])
            for index, form in enumerate(entry["msgstr"]):
                lines += _field(f"msgstr[{index}]", form)
        blocks.append("\n".join(lines) + "\n")
    return comment + "\n".join(blocks)


def _header(entry: dict) -> dict:
    lines = []
    for line in entry["msgstr"][0].splitlines(keepends=True):
        if line.startswith("Language:"):
            line = f"Language: {TARGET_LOCALE}\n"
        elif line.startswith("Language-Team:"):
            line = "Language-Team: Uzbek (Cyrillic)\n"
        lines.append(line)
    return {**entry, "msgstr": ["".join(lines)]}


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text))


def _original(entry: dict) -> str:
    return entry["msgid"] + " " + (entry["msgid_plural"] or "")


def uzbek_vocabulary(entries: list[dict]) -> set[str]:
    """The Latin words (lowercased) that translations use as Uzbek: those not taken from their
    original, and a loanword that begins both the original and the translation (Audit jurnali,
    Dual taʼlim). Such a word is Uzbek wherever it appears (administrator, import)."""
    vocabulary = set()
    for entry in entries:
        original = _words(_original(entry))
        first = _WORD.match(entry["msgid"])
        for form in entry["msgstr"]:
            vocabulary.update(word.lower() for word in _words(form) - original)
            begins = _WORD.match(form)
            if first and begins and begins.group() == first.group():
                vocabulary.add(first.group().lower())
    return vocabulary


def _transliterated(entry: dict, nplurals: int, vocabulary: set[str]) -> dict:
    """The entry with its msgstr in Cyrillic, in `nplurals` forms when it has a plural (a source
    with fewer forms, such as Django's Uzbek with one, repeats its last). A word of the original
    that the translation carries over stays Latin, unless it is Uzbek (in `vocabulary`)."""
    keep = {word for word in _words(_original(entry)) if word.lower() not in vocabulary}
    forms = [latin_to_cyrillic(form, keep=keep) for form in entry["msgstr"]]
    if entry["msgid_plural"] is not None and forms:
        forms = (forms + [forms[-1]] * nplurals)[:nplurals]
    return {**entry, "msgstr": forms, "comments": ()}


def _key(entry: dict) -> tuple:
    return entry["msgctxt"], entry["msgid"]


def package_catalogues() -> list[Path]:
    """The Uzbek django.po files of the installed apps, in the order Django prefers them (the
    first app listed wins), then Django's own."""
    paths = [Path(config.path) / "locale" / SOURCE_LOCALE / "LC_MESSAGES" / "django.po"
             for config in apps.get_app_configs()]
    paths.append(Path(django.__file__).parent / "conf" / "locale" / SOURCE_LOCALE / "LC_MESSAGES" / "django.po")
    return [path for path in paths if path.is_file()]


def _package_entries(known: set) -> list[dict]:
    """The translated entries of package_catalogues() whose key is not in `known`."""
    entries = []
    for path in package_catalogues():
        for entry in read_po(path)[1:]:
            translated = entry["msgstr"] and all(form.strip() for form in entry["msgstr"])
            if _key(entry) in known or "fuzzy" in entry["flags"] or not translated:
                continue
            known.add(_key(entry))
            entries.append(entry)
    return entries


def cyrillic_catalogue(source: Path) -> str:
    """The uz_Cyrl text of one Latin .po file (with the packages' entries when it is django.po)."""
    header, *entries = read_po(source)
    match = _NPLURALS.search(header["msgstr"][0])
    nplurals = int(match.group(1)) if match else 2
    extra = _package_entries({_key(entry) for entry in entries}) if source.name == "django.po" else []
    vocabulary = uzbek_vocabulary(entries + extra)
    result = [_header(header), *(_transliterated(entry, nplurals, vocabulary) for entry in entries + extra)]
    if extra:
        first_extra = len(entries) + 1
        result[first_extra] = {**result[first_extra], "comments": (PACKAGES_COMMENT,)}
    return format_po(result, comment=HEADER_COMMENT.format(name=source.name))


def cyrillic_catalogues(locale_dir: Path) -> dict[Path, str]:
    """Every file the uz_Cyrl catalogue should have under `locale_dir`, with its text."""
    source_dir = locale_dir / SOURCE_LOCALE / "LC_MESSAGES"
    target_dir = locale_dir / TARGET_LOCALE / "LC_MESSAGES"
    return {target_dir / source.name: cyrillic_catalogue(source) for source in sorted(source_dir.glob("*.po"))}


def _stale(locale_dir: Path, wanted: dict[Path, str]) -> list[Path]:
    stale = [path for path, text in wanted.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    target_dir = locale_dir / TARGET_LOCALE / "LC_MESSAGES"
    return stale + [path for path in sorted(target_dir.glob("*.po")) if path not in wanted]


def stale_catalogues(locale_dir: Path) -> list[Path]:
    """The uz_Cyrl .po files that differ from what cyrillic_catalogues makes (or are missing,
    or have no Latin source any more)."""
    return _stale(locale_dir, cyrillic_catalogues(locale_dir))


def write_cyrillic_catalogues(locale_dir: Path) -> list[Path]:
    """Write the uz_Cyrl .po files that are stale, delete those with no Latin source (and their
    .mo); return the paths changed."""
    wanted = cyrillic_catalogues(locale_dir)
    changed = _stale(locale_dir, wanted)
    for path in changed:
        if path in wanted:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted[path], encoding="utf-8")
        else:
            path.unlink()
            path.with_suffix(".mo").unlink(missing_ok=True)
    return changed
