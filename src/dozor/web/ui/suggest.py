"""``GET /ui/suggest/{kind}?q=…``: autocompletion for the seizure form from the code lists.

Suggestions come in the user's language. A value matches when the typed text starts one of
its words or names (code, English or Russian label, synonym or street name); the answer's
``value`` is the label in the user's language, which the import accepts as it accepts any of
those names, so a chosen suggestion never fails validation. When nothing starts with the text,
the import's own "did you mean" guesses (``CodeList.suggest``) are offered instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from dozor.access.principal import Principal
from dozor.domain.codes import code_list, fold
from dozor.domain.countries import all_countries, get_country, suggest_countries
from dozor.domain.places import crossing_points, suggest_crossing_points
from dozor.web.ui.pages import language, page_principal

router = APIRouter(include_in_schema=False)
LIMIT = 12


@dataclass(frozen=True, slots=True)
class Choice:
    """One value that can be suggested: its code, labels and every text that finds it."""

    code: str
    label_en: str
    label_ru: str
    keys: tuple[str, ...]  # folded
    hint_en: str = ""
    hint_ru: str = ""

    def label(self, lang: str) -> str:
        return self.label_ru if lang == "ru" else self.label_en

    def hint(self, lang: str) -> str:
        return self.hint_ru if lang == "ru" else self.hint_en


def _folded(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in (fold(t) for t in texts if t) if k))


@lru_cache(maxsize=1)
def _drugs() -> tuple[Choice, ...]:
    groups = code_list("drug_groups")
    out = []
    for entry in code_list("substances"):
        if entry.attrs.get("category") == "not_a_drug" or entry.attrs.get("status") == "retired":
            continue
        group = str(entry.attrs.get("drug_group") or "")
        known = group in groups
        out.append(
            Choice(
                entry.code,
                entry.label_en,
                entry.label_ru,
                _folded(entry.keys()),
                groups.get(group).label_en if known else "",
                groups.get(group).label_ru if known else "",
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def _countries() -> tuple[Choice, ...]:
    return tuple(
        Choice(c.iso3, c.name_en, c.name_ru, _folded(c.keys()), c.iso3, c.iso3)
        for c in all_countries()
        if not c.nationality_only
    )


@lru_cache(maxsize=1)
def _crossing_points() -> tuple[Choice, ...]:
    out = []
    for point in crossing_points():
        country = get_country(point.country)
        out.append(
            Choice(
                point.code,
                point.name_en,
                point.name_ru,
                _folded((point.code, point.name_en, point.name_ru, *point.aliases)),
                country.name_en,
                country.name_ru,
            )
        )
    return tuple(out)


SOURCES = {"drug": _drugs, "country": _countries, "bcp": _crossing_points}


def _guesses(kind: str, text: str) -> list[str]:
    if kind == "drug":
        return code_list("substances").suggest(text, 5)
    if kind == "country":
        return suggest_countries(text, 5)
    return suggest_crossing_points(text, 5)


def _rank(choice: Choice, key: str) -> int | None:
    """0: a name starts with the text; 1: a word of a name does; None: no match."""
    best: int | None = None
    for name in choice.keys:
        if name.startswith(key):
            return 0
        if any(word.startswith(key) for word in name.split()[1:]):
            best = 1
    return best


def suggest(kind: str, text: str, lang: str, limit: int = LIMIT) -> list[dict[str, str]]:
    """Suggestions for ``text``: ``{"value", "label", "hint", "code"}`` in ``lang``."""
    key = fold(text)
    if kind not in SOURCES or not key:
        return []
    choices = SOURCES[kind]()
    ranked = [(rank, choice) for choice in choices if (rank := _rank(choice, key)) is not None]
    ranked.sort(key=lambda pair: (pair[0], pair[1].label(lang)))
    found = [choice for _rank, choice in ranked]
    if not found:
        by_code = {c.code: c for c in choices}
        found = [by_code[code] for code in _guesses(kind, text) if code in by_code]
    return [
        {"value": c.label(lang), "label": c.label(lang), "hint": c.hint(lang), "code": c.code}
        for c in found[:limit]
    ]


@router.get("/ui/suggest/{kind}")
async def suggestions(
    kind: str,
    request: Request,
    q: str = Query("", max_length=100),
    principal: Principal = Depends(page_principal),
) -> JSONResponse:
    """Up to 12 suggestions as JSON (``kind``: drug, country or bcp)."""
    lang = language(request, principal)
    return JSONResponse(
        {"kind": kind, "items": suggest(kind, q, lang)}, headers={"Cache-Control": "no-store"}
    )
