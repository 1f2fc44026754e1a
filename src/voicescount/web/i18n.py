"""Interface languages: the gettext catalogues (Babel) and which language a request gets.

Every string of the public pages goes through the ``messages`` catalogue of ``locale/``:
``messages.pot`` is extracted from the templates and ``web/*.py`` by
``scripts/compile_translations.py``, which also merges it into each language's ``.po`` file.
The ``.po`` files are the only catalogue files kept: they are compiled in memory when a
language is first used (a few milliseconds), so no compiled ``.mo`` file can fall behind its
source. English is the source language; Swahili (``sw``) is the first pilot-country language.

A request's language is, in order: ``?lang=`` (which the page then remembers in a cookie), the
``lang`` cookie, the best match of ``Accept-Language``, English.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
#: The source language of the interface text.
DEFAULT = "en"
#: Interface languages, in the order the language switch lists them.
LOCALES: tuple[str, ...] = ("en", "sw")
#: Each language's name in itself, for the language switch.
NATIVE_NAMES: dict[str, str] = {"en": "English", "sw": "Kiswahili"}
#: The cookie that remembers a language chosen with ``?lang=``.
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here."""
    return message


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (one of :data:`LOCALES`); fuzzy entries are left
    out, so an unreviewed translation shows the English text rather than a guess."""
    if locale not in LOCALES:
        raise KeyError(locale)
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag.strip():
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, order, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def supported(tag: str | None) -> str | None:
    """The interface language for a language tag (``sw-KE`` → ``sw``), if there is one."""
    if not tag:
        return None
    primary = _primary(tag)
    return primary if primary in LOCALES else None


@dataclass(frozen=True)
class Choice:
    locale: str
    #: Whether ``?lang=`` chose it (the response then sets the cookie).
    from_query: bool = False


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> Choice:
    """The language of a request: ``?lang=``, the cookie, ``Accept-Language``, English."""
    chosen = supported(query)
    if chosen:
        return Choice(chosen, from_query=True)
    chosen = supported(cookie)
    if chosen:
        return Choice(chosen)
    for tag in parse_accept_language(accept_language):
        if tag == "*":
            return Choice(DEFAULT)
        chosen = supported(tag)
        if chosen:
            return Choice(chosen)
    return Choice(DEFAULT)


def pick_name(names: Mapping[str, str], locale: str) -> tuple[str, str]:
    """An SDMX multilingual name in ``locale`` where the structure carries it, else English,
    else any: ``(text, language of the text)``."""
    for tag, text in names.items():
        if _primary(tag) == locale and text:
            return text, locale
    if names.get(DEFAULT):
        return names[DEFAULT], DEFAULT
    for tag, text in names.items():
        if text:
            return text, _primary(tag)
    return "", locale


@dataclass(frozen=True)
class Translator:
    """Interface text, numbers, dates and territory names in one language."""

    locale: str

    @property
    def catalogue(self) -> Translations:
        return translations(self.locale)

    def gettext(self, message: str, **values: object) -> str:
        text = self.catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.catalogue.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def number(self, value: float | int | None) -> str:
        if value is None:
            return ""
        # Values are shown as published: no rounding to a locale's default three decimals.
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def date(self, moment: date | datetime | None, style: str = "long") -> str:
        if moment is None:
            return ""
        day = moment.date() if isinstance(moment, datetime) else moment
        return format_date(day, style, locale=self.locale)

    def datetime(self, moment: datetime | None) -> str:
        """A moment in UTC (as stored), date and minutes: ``25 Nov 2026, 20:37 UTC``."""
        if moment is None:
            return ""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = format_date(aware.astimezone(UTC).date(), "medium", locale=self.locale)
        time = format_time(aware, "short", tzinfo=UTC, locale=self.locale)
        return f"{day}, {time} UTC"

    def territory(self, alpha2: str | None) -> str:
        """A country's name in this language (from CLDR), or the code itself."""
        if not alpha2:
            return ""
        return Locale.parse(self.locale).territories.get(alpha2.upper(), alpha2)


@lru_cache(maxsize=len(LOCALES))
def translator(locale: str) -> Translator:
    return Translator(locale if locale in LOCALES else DEFAULT)
