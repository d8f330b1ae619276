"""Latin Uzbek into Cyrillic (cluster_platform/transliteration.py): the letters, case, the e/ye/ts
choices, every apostrophe typed for oʻ, gʻ and the tutuq belgisi; and what must come through byte
for byte: placeholders, markup, addresses, codes and words that are not Uzbek."""

import pytest

from cluster_platform.transliteration import latin_to_cyrillic


@pytest.mark.parametrize("latin, cyrillic", [
    ("maktab", "мактаб"),
    ("oʻqituvchi", "ўқитувчи"),
    ("gʻoya", "ғоя"),
    ("shartnoma", "шартнома"),
    ("choʻntak", "чўнтак"),
    ("yangi", "янги"),
    ("yoʻq", "йўқ"),
    ("ekspert", "эксперт"),
    ("muassasa", "муассаса"),
    ("tashkilot", "ташкилот"),
    ("taʼlim", "таълим"),
    ("maʼlumot", "маълумот"),
    ("hujjat", "ҳужжат"),
    ("xodim", "ходим"),
    ("qaror", "қарор"),
    ("jadval", "жадвал"),
    ("vazifa", "вазифа"),
    ("fan", "фан"),
    ("bogʻ", "боғ"),
    ("togʻda", "тоғда"),
    ("aʼzo", "аъзо"),
    ("jamʼ", "жамъ"),
    ("sheʼr", "шеър"),
    ("tong", "тонг"),
    ("yordam", "ёрдам"),
    ("ayol", "аёл"),
    ("yulduz", "юлдуз"),
    ("qiyin", "қийин"),
    ("Rossiya", "Россия"),
    ("koordinator", "координатор"),
    ("mutolaa", "мутолаа"),
])
def test_words(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize("latin, cyrillic", [
    # e: э at the start of a word (a hyphen starts one) and after a vowel, else е.
    ("elektron", "электрон"),
    ("Aeroport", "Аэропорт"),
    ("poeziya", "поэзия"),
    ("veb-ekspert", "веб-эксперт"),
    ("kelishuv", "келишув"),
    # ye: е at the start and after a vowel, ъе after a consonant.
    ("yer", "ер"),
    ("Yetakchi", "Етакчи"),
    ("poyezd", "поезд"),
    ("obyekt", "объект"),
    ("subyekt", "субъект"),
    # ts: тс, but ц before i and a vowel or y (international words).
    ("muvaffaqiyatsiz", "муваффақиятсиз"),
    ("innovatsiya", "инновация"),
    ("Navigatsiya", "Навигация"),
    ("natsional", "национал"),
    ("Assotsiatsiyalangan", "Ассоциацияланган"),
    ("litsenziya", "литсензия"),
    # No ь.
    ("kompyuter", "компютер"),
    ("menyu", "меню"),
])
def test_letters_that_depend_on_their_place(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize("latin, cyrillic", [
    ("Shartnoma", "Шартнома"),
    ("SHARTNOMA", "ШАРТНОМА"),
    ("Choʻntak", "Чўнтак"),
    ("CHOʻNTAK", "ЧЎНТАК"),
    ("Oʻzbekiston", "Ўзбекистон"),
    ("OʻZBEKISTON", "ЎЗБЕКИСТОН"),
    ("Gʻalaba", "Ғалаба"),
    ("Yoʻq", "Йўқ"),
    ("YOʻQ", "ЙЎҚ"),
    ("Yangi", "Янги"),
    ("Yordam", "Ёрдам"),
    ("Ekspert", "Эксперт"),
    ("TAʼLIM", "ТАЪЛИМ"),
    ("Taʼlim", "Таълим"),
    ("OBYEKT", "ОБЪЕКТ"),
    ("Toshkent viloyati", "Тошкент вилояти"),
])
def test_case_is_kept(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize("latin", [
    "oʻqituvchi gʻoya maʼlumot",  # the catalogue's U+02BB and U+02BC
    "o'qituvchi g'oya ma'lumot",  # ASCII
    "o‘qituvchi g‘oya ma’lumot",  # typographic
    "o’qituvchi g’oya ma‘lumot",
    "o`qituvchi g`oya ma`lumot",  # backtick
    "oʼqituvchi gʼoya maʼlumot",  # the tutuq belgisi typed for the mark
])
def test_every_apostrophe_is_accepted(latin):
    assert latin_to_cyrillic(latin) == "ўқитувчи ғоя маълумот"


def test_quotes_around_words_stay_quotes():
    assert latin_to_cyrillic("'maktab' va ‘kollej’ «litsey»") == "'мактаб' ва ‘коллеж’ «литсей»"


@pytest.mark.parametrize("text", [
    "%(name)s", "%(count)d", "%s", "%d", "%.1f", "%(share).1f", "%%", "{name}", "{0}", "{value:>10}",
    "{{ user.name }}", "{% url 'home' %}", "{% translate \"Save\" %}", "{# note #}",
    '<a href="/verify/">', '<span class="text-danger">', "</a>", "<br/>", "<!-- yordam -->",
    "&amp;", "&nbsp;", "&#8211;", "&#x2014;",
    "https://example.uz/yoʻl/", "http://localhost:8000/c/tashkent-region/?q=maktab",
    "www.edu.uz", "info@maktab.uz", "ism.familiya+klaster@pedagogika.uz",
    "PDF", "CSV", "API", "ID", "IRO", "XLSX", "UTF", "QR",
    "2026-Q2", "A4", "07T09", "include_archived", "cluster_role", "mine=true", "to_approve=true",
    "<code>website</code>", "<code>yes</code>", "`kind`", "`waiting_for_queue`",
    "iPhone", "WebP", "Ctrl", "Excel", "Windows",
])
def test_what_is_not_uzbek_is_kept_byte_for_byte(text):
    assert latin_to_cyrillic(text) == text


def test_placeholders_and_markup_inside_a_sentence():
    assert latin_to_cyrillic(
        "«%(title)s» innovatsiyasi %(count)d ta maktabda; {name}ga <a href=\"%(url)s\">havola</a> "
        "&amp; <code>tax_id</code> ustuni, 50% oʻqituvchi {{ org.name }} {% url 'home' %}."
    ) == (
        "«%(title)s» инновацияси %(count)d та мактабда; {name}га <a href=\"%(url)s\">ҳавола</a> "
        "&amp; <code>tax_id</code> устуни, 50% ўқитувчи {{ org.name }} {% url 'home' %}."
    )


def test_addresses_inside_a_sentence():
    assert latin_to_cyrillic("Yozing: info@maktab.uz yoki https://maktab.uz/aloqa/. Rahmat!") == (
        "Ёзинг: info@maktab.uz ёки https://maktab.uz/aloqa/. Раҳмат!"
    )


@pytest.mark.parametrize("latin, cyrillic", [
    ("PDF fayl", "PDF файл"),
    ("PDFni yuklang", "PDFни юкланг"),
    ("PDF’ni", "PDF’ни"),
    ("STIRga", "STIRга"),
    ("QR-kod", "QR-код"),
    ("CSV (UTF-8) yoki XLSX", "CSV (UTF-8) ёки XLSX"),
    ("Davr 2026-Q2 (chorak)", "Давр 2026-Q2 (чорак)"),
    ("Ctrl tugmasini", "Ctrl тугмасини"),
    ("iPhone qurilmasida", "iPhone қурилмасида"),
])
def test_acronyms_and_foreign_words_keep_their_letters_and_take_uzbek_suffixes(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


def test_words_to_keep():
    text = "Google Calendar’da oching: planned (rejalashtirilgan) → running"
    assert latin_to_cyrillic(text) == "Гоогле Calendar’да очинг: планнед (режалаштирилган) → руннинг"
    assert latin_to_cyrillic(text, keep={"Google", "planned", "running"}) == (
        "Google Calendar’да очинг: planned (режалаштирилган) → running"
    )


def test_cyrillic_and_other_text_pass_through():
    text = "Ташкент — 12 000 сўм, 3–5 кун; № 12 (100 %)…"
    assert latin_to_cyrillic(text) == text
    assert latin_to_cyrillic("") == ""
