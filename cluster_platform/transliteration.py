"""Uzbek from the Latin alphabet (1995) into Cyrillic: the uz-cyrl interface language is made
from the Latin catalogue with latin_to_cyrillic (cluster_platform/catalogues.py, run by
`manage.py transliterate_catalogue`).

The letters follow the official correspondence: a а, b б, d д, e е/э, f ф, g г, h ҳ, i и, j ж,
k к, l л, m м, n н, o о, p п, q қ, r р, s с, t т, u у, v в, x х, y й, z з, oʻ ў, gʻ ғ, sh ш,
ch ч, ng нг, yo ё, yu ю, ya я, ye е, ʼ (the tutuq belgisi) ъ. Case is kept (Sh and SH are Ш).
Where the two alphabets do not match one to one, the rule is simple, so the result is predictable:
- e is э at the start of a word (a hyphen starts one) and after a vowel, else е (ekspert эксперт);
- ye is е at the start of a word and after a vowel or ъ (yer ер, poyezd поезд), ъе after a
  consonant (obyekt объект); yo, yu, ya are ё, ю, я, except y before oʻ (yoʻq йўқ);
- ts is тс (muvaffaqiyatsiz муваффақиятсиз), except before i and a vowel or y, the ending of
  international words, where it is ц (innovatsiya инновация, natsional национал);
- ь is never written (kompyuter компютер, not компьютер);
- after o or g any apostrophe makes oʻ, gʻ: the catalogue's ʻ (U+02BB), and ' ‘ ’ ` ʼ typed
  instead; an apostrophe anywhere else inside a word is the tutuq belgisi: ʼ (U+02BC) or one of
  the others before a letter (taʼlim таълим, ma'lumot маълумот).

Text that is not Uzbek words stays as it is, byte for byte:
- placeholders and markup: printf (%(name)s, %s, %.1f, %%), str.format ({name}, {0}), Django
  template variables, tags and comments, HTML tags, comments and entities, <code>…</code> and
  `code` spans;
- URLs, e-mail addresses, key=value pairs and snake_case identifiers (API parameters), tokens of
  capitals and digits (2026-Q2, A4);
- words that cannot be Uzbek: ALL-CAPS acronyms of 2 to 5 letters (PDF, CSV, IRO; a suffix after
  one is Uzbek: STIRga STIRга), words with a capital after a small letter (iPhone, WebP), words
  with a w or with a c that does not begin ch (Ctrl, Excel);
- the words the caller names in `keep` (the catalogue keeps the words a translation carries over
  from its English original: names such as Google, API values such as planned).
Other Latin words are taken for Uzbek: a short all-caps Uzbek word (HA) stays Latin, and a
foreign word not caught above is transliterated.
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["latin_to_cyrillic", "APOSTROPHES"]

#: Everything that stands for the oʻ and gʻ mark or the tutuq belgisi in Latin Uzbek text.
APOSTROPHES = "\u02bb\u02bc'\u2018\u2019`"
_APOS = re.escape(APOSTROPHES)

_PROTECTED = re.compile(
    "|".join([
        r"<code\b[^>]*>.*?</code>",
        r"<!--.*?-->",
        r"</?[A-Za-z][^<>]*>",
        r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);",
        r"\{\{.*?\}\}",
        r"\{%.*?%\}",
        r"\{#.*?#\}",
        r"\b(?:https?|ftp)://[^\s<>\"'«»“”]*[^\s<>\"'«»“”.,;:!?)\]]",
        r"\bwww\.[^\s<>\"'«»“”]*[^\s<>\"'«»“”.,;:!?)\]]",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
        # printf conversions (the space flag is left out: "50% of" is text, not "% o").
        r"%(?:\([^()]*\))?[#0+-]*(?:[0-9]+|\*)?(?:\.(?:[0-9]+|\*))?[diouxXeEfFgGcrsa%]",
        r"\{[A-Za-z0-9_]*(?:[.\[][^{}\s]*)?(?:![rsa])?(?::[^{}]*)?\}",
        rf"(?<![A-Za-z{_APOS}])`[^`\n]+`",
        r"(?<![A-Za-z0-9_])[A-Za-z0-9_]+=[A-Za-z0-9_]*",
        r"(?<![A-Za-z0-9])[A-Za-z0-9]*_[A-Za-z0-9_]*",
        r"(?<![A-Za-z0-9])(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]+(?![A-Za-z0-9])",
    ]),
    re.DOTALL,
)
# A word: Latin letters and the apostrophes inside it. A trailing one belongs to it after g (togʻ)
# and when it is the catalogue's own ʻ after o, or ʼ (jamʼ); else it is a closing quote.
_WORD = re.compile(rf"[A-Za-z](?:[A-Za-z]|(?<=[gG])[{_APOS}]|(?<=[oO])\u02bb|\u02bc|[{_APOS}](?=[A-Za-z]))*")
_FOREIGN = re.compile(r"[wW]|[cC](?![hH])|[a-z][A-Z]")
_ACRONYM = re.compile(r"[A-Z]{2,5}(?![A-Z])")

_LETTERS = {
    "a": "а", "b": "б", "d": "д", "f": "ф", "g": "г", "h": "ҳ", "i": "и", "j": "ж", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т",
    "u": "у", "v": "в", "x": "х", "y": "й", "z": "з",
}
_AFTER_Y = {"o": "ё", "u": "ю", "a": "я"}
_VOWELS = frozenset("aeiou")
_TSI_BEFORE = _VOWELS | {"y"}  # tsiya, tsion: ц
# What came before a letter, for e and ye.
_START, _VOWEL, _CONSONANT, _SIGN = "start", "vowel", "consonant", "sign"


def latin_to_cyrillic(text: str, *, keep: Collection[str] = ()) -> str:
    """`text` with its Uzbek words in Cyrillic; placeholders, markup, addresses, codes and foreign
    words as they were (see the module's docstring). `keep`: more words to leave in Latin."""
    out = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(_words(text[position:match.start()], keep))
        out.append(match.group())
        position = match.end()
    out.append(_words(text[position:], keep))
    return "".join(out)


def _words(text: str, keep: Collection[str]) -> str:
    return _WORD.sub(lambda match: _word(match.group(), keep), text)


def _kept(word: str, keep: Collection[str]) -> bool:
    return word in keep or bool(_FOREIGN.search(word)) or bool(_ACRONYM.fullmatch(word))


def _word(word: str, keep: Collection[str]) -> str:
    split = max(word.rfind(mark) for mark in APOSTROPHES)
    suffix = word[split + 1:]
    if split > 0 and suffix[:1].islower() and _kept(word[:split], keep):  # Google’da, PDF’ni
        return word[:split + 1] + _letters(suffix, after=_SIGN)
    if _kept(word, keep):
        return word
    acronym = _ACRONYM.match(word)
    if acronym and word[acronym.end()].islower():  # a suffix: PDFni
        return acronym.group() + _letters(word[acronym.end():], after=_CONSONANT)
    return _letters(word, after=_START)


def _cased(cyrillic: str, latin_first: str) -> str:
    return cyrillic.upper() if latin_first.isupper() else cyrillic


def _letters(word: str, *, after: str) -> str:
    """One word of letters and apostrophes; `after`: what came before it."""
    out = []
    i, size = 0, len(word)
    while i < size:
        char = word[i]
        low = char.lower()
        following = word[i + 1:i + 2].lower()
        if char in APOSTROPHES:  # the tutuq belgisi (after o and g the mark was taken with the letter)
            capital = word[i - 1:i].isupper() and word[i + 1:i + 2].isupper()
            out.append("Ъ" if capital else "ъ")
            after, i = _SIGN, i + 1
            continue
        if low in "og" and following and following in APOSTROPHES:
            out.append(_cased("ў" if low == "o" else "ғ", char))
            after, i = (_VOWEL if low == "o" else _CONSONANT), i + 2
            continue
        pair = low + following
        if pair in ("sh", "ch"):
            out.append(_cased("ш" if pair == "sh" else "ч", char))
            after, i = _CONSONANT, i + 2
            continue
        if pair == "ts" and word[i + 2:i + 3].lower() == "i" and word[i + 3:i + 4].lower() in _TSI_BEFORE:
            out.append(_cased("ц", char))
            after, i = _CONSONANT, i + 2
            continue
        if low == "y" and following in ("o", "u", "a", "e"):
            if following == "o" and word[i + 2:i + 3] and word[i + 2] in APOSTROPHES:
                out.append(_cased("й", char))  # yoʻ: й, then oʻ
                after, i = _CONSONANT, i + 1
                continue
            if following == "e":
                cyrillic = "е" if after in (_START, _VOWEL, _SIGN) else "ъе"
            else:
                cyrillic = _AFTER_Y[following]
            out.append(_cased(cyrillic, char))
            after, i = _VOWEL, i + 2
            continue
        if low == "e":
            out.append(_cased("э" if after in (_START, _VOWEL) else "е", char))
        else:
            out.append(_cased(_LETTERS[low], char) if low in _LETTERS else char)
        after, i = (_VOWEL if low in _VOWELS else _CONSONANT), i + 1
    return "".join(out)
