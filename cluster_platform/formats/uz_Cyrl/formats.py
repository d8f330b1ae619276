"""Date and number formats of Uzbek in Cyrillic script (language uz-cyrl): Django's Uzbek ones
(django/conf/locale/uz/formats.py), with the literal "yil" (year) written in Cyrillic. Django
finds this module through settings.FORMAT_MODULE_PATH; without it uz-cyrl fell back to the Latin
module and wrote "5-Март, 2026-yil"."""

from django.conf.locale.uz.formats import *  # noqa: F403 (every format, then the ones that differ)
from django.conf.locale.uz.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

DATE_FORMAT = r"j-E, Y-\й\и\л"
DATETIME_FORMAT = r"j-E, Y-\й\и\л G:i"
YEAR_MONTH_FORMAT = r"F Y-\й\и\л"
# The Latin forms are still read (a date typed with "yil"), and the Cyrillic ones as well.
DATE_INPUT_FORMATS = [*DATE_INPUT_FORMATS, "%d-%B, %Y-йил"]
DATETIME_INPUT_FORMATS = [*DATETIME_INPUT_FORMATS, "%d-%B, %Y-йил %H:%M:%S", "%d-%B, %Y-йил %H:%M"]
