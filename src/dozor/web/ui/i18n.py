"""The pages' languages: Babel catalogs, the language of a request, localised formatting.

Catalogs are the ``.po`` files under ``i18n/<lang>/LC_MESSAGES/``; they are compiled in memory
when first used (no ``.mo`` files to build or commit). See docs/ui.md for the workflow.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from fastapi import Request

from dozor.access.principal import Principal
from dozor.domain.codes import code_list
from dozor.domain.countries import get_country
from dozor.domain.places import CrossingPoint, crossing_points

LANGS = ("en", "ru")
LANG_COOKIE = "dozor_lang"
CATALOGS = Path(__file__).resolve().parent / "i18n"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string in Python code for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English falls back to the message ids)."""
    path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def asked_lang(request: Request) -> str | None:
    """``?lang=en|ru`` on the URL, if given."""
    lang = request.query_params.get("lang")
    return lang if lang in LANGS else None


def page_lang(request: Request, principal: Principal | None, default: str) -> str:
    """``?lang=`` wins, then the user's stored language, the cookie, Accept-Language, the node's."""
    asked = asked_lang(request)
    if asked:
        return asked
    if principal is not None:
        return principal.ui_lang
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie
    accept = request.headers.get("accept-language", "").strip().lower()
    for lang in LANGS:
        if accept.startswith(lang):
            return lang
    return default


class Formatter:
    """Numbers, dates and code-list values in one language (``fmt`` in templates)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)

    def number(self, value: float | int | Decimal | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def kg(self, value: float | Decimal | None) -> str:
        """A mass in kilograms with up to three decimals."""
        if value is None:
            return "—"
        return format_decimal(value, format="#,##0.###", locale=self.locale)

    def date(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(value, format="medium", locale=self.locale)

    def code(self, list_name: str, value: str | None) -> str:
        """The label of a code-list value; the code itself when unknown."""
        if not value:
            return "—"
        codes = code_list(list_name)
        return codes.get(value).label(self.lang) if value in codes else value

    def codes(self, list_name: str) -> list[tuple[str, str]]:
        """(code, label) of every value of a code list, for select boxes."""
        return [(entry.code, entry.label(self.lang)) for entry in code_list(list_name)]

    def country(self, iso3: str | None) -> str:
        if not iso3:
            return "—"
        try:
            return get_country(iso3).name(self.lang)
        except KeyError:
            return iso3

    def bcp(self, code: str | None) -> str:
        """A crossing point's name (this side's post)."""
        if not code:
            return "—"
        point = _crossing_points().get(code)
        return point.post_name(self.lang) if point else code


@lru_cache(maxsize=1)
def _crossing_points() -> dict[str, CrossingPoint]:
    return {p.code: p for p in crossing_points()}
