"""Regenerate ``src/dozor/reference/countries.csv`` (one-off; run by hand, output committed).

Uses pycountry's ISO 3166-1 list and its bundled Russian gettext catalogue, then applies the
overrides and aliases below (DATA.md §1 "Countries", §5). The runtime reads only the CSV.

    .venv/bin/python scripts/make_countries_csv.py
"""

from __future__ import annotations

import csv
import gettext
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dozor.domain.codes import fold  # noqa: E402

OUT = ROOT / "src" / "dozor" / "reference" / "countries.csv"

# Short English names where pycountry's is inverted or formal.
NAME_EN = {
    "COD": "Democratic Republic of the Congo",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "PSE": "Palestine",
    "RUS": "Russia",
    "VAT": "Holy See",
    "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands",
    "BRN": "Brunei",
}

# Russian names in everyday official use (DATA.md §5 fixes those of the region).
NAME_RU = {
    "KAZ": "Казахстан",
    "KGZ": "Кыргызстан",
    "TJK": "Таджикистан",
    "TKM": "Туркменистан",
    "UZB": "Узбекистан",
    "AFG": "Афганистан",
    "CHN": "Китай",
    "IRN": "Иран",
    "RUS": "Россия",
    "USA": "США",
    "GBR": "Великобритания",
    "CAF": "Центральноафриканская Республика",
    "DOM": "Доминиканская Республика",
    "PRK": "КНДР",
    "LAO": "Лаос",
    "SYR": "Сирия",
    "VEN": "Венесуэла",
    "MDA": "Молдова",
    "TWN": "Тайвань",
    "VAT": "Ватикан",
    "MNP": "Северные Марианские острова",
    "UMI": "Внешние малые острова США",
    "WLF": "Уоллис и Футуна",
}

ALIASES = {
    "KAZ": ["Kazakstan", "Qazaqstan", "Республика Казахстан"],
    "KGZ": [
        "Kyrgyz Republic",
        "Kirghizia",
        "Kirgizia",
        "Kirgizstan",
        "Киргизия",
        "Киргизстан",
        "Кыргызская Республика",
    ],
    "TJK": ["Tadjikistan", "Tadzhikistan", "Tojikiston"],
    "TKM": ["Turkmenia", "Туркмения"],
    "UZB": ["Usbekistan", "Uzbekiston", "O'zbekiston"],
    "AFG": ["ИРА", "Islamic Emirate of Afghanistan", "Исламский Эмират Афганистан"],
    "CHN": ["КНР", "PRC", "Китайская Народная Республика"],
    "IRN": ["Iran", "Persia", "ИРИ", "Исламская Республика Иран"],
    "RUS": ["Russian Federation", "РФ", "Российская Федерация"],
    "USA": [
        "USA",
        "US",
        "United States of America",
        "America",
        "Соединённые Штаты Америки",
        "Соединённые Штаты",
        "Америка",
    ],
    "GBR": ["UK", "Great Britain", "Britain", "Соединённое Королевство"],
    "ARE": ["UAE", "Emirates", "ОАЭ"],
    "TUR": ["Turkey", "Turkiye", "Турецкая Республика"],
    "CZE": ["Czech Republic"],
    "MKD": ["Macedonia", "Македония"],
    "SWZ": ["Swaziland", "Свазиленд"],
    "MMR": ["Burma", "Бирма"],
    "TLS": ["East Timor"],
    "NLD": ["Holland", "Голландия"],
    "CIV": ["Ivory Coast", "Cote d'Ivoire", "Кот-д’Ивуар"],
    "CPV": ["Cape Verde"],
    "BLR": ["Belorussia", "Byelorussia", "Белоруссия"],
    "MDA": ["Moldavia", "Молдавия"],
    "KOR": ["Южная Корея"],
    "PRK": ["Северная Корея"],
    "ZAF": ["ЮАР"],
    "DEU": ["ФРГ"],
    "VNM": ["Viet Nam"],
    "VAT": ["Vatican", "Vatican City"],
}

# ICAO Doc 9303 Part 3 codes accepted for nationality only (DATA.md §1).
NATIONALITY_ONLY = [
    (
        "XXA",
        "Stateless person",
        "Лицо без гражданства",
        ["stateless", "без гражданства", "апатрид"],
    ),
    ("XXB", "Refugee (1951 Convention)", "Беженец (Конвенция 1951 года)", ["refugee", "беженец"]),
    ("XXC", "Refugee (other)", "Беженец (иной)", []),
    (
        "XXX",
        "Unspecified nationality",
        "Гражданство не указано",
        ["unspecified", "nationality unspecified"],
    ),
]


def _clean(text: str) -> str:
    return text.replace("\u0301", "").strip()


def build() -> list[dict[str, str]]:
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    rows: list[dict[str, str]] = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        iso3 = c.alpha_3
        official = getattr(c, "official_name", None)
        common = getattr(c, "common_name", None)
        name_en = NAME_EN.get(iso3) or common or c.name
        name_ru = NAME_RU.get(iso3) or _clean(ru.gettext(c.name))
        candidates = [c.name, official, common, *ALIASES.get(iso3, [])]
        candidates += [_clean(ru.gettext(c.name))]
        if official:
            candidates.append(_clean(ru.gettext(official)))
        aliases: list[str] = []
        seen = {fold(name_en), fold(name_ru), fold(iso3), fold(c.alpha_2)}
        for alias in candidates:
            if alias and fold(alias) not in seen:
                seen.add(fold(alias))
                aliases.append(alias)
        rows.append(
            {
                "iso3": iso3,
                "iso2": c.alpha_2,
                "name_en": name_en,
                "name_ru": name_ru,
                "aliases": ";".join(aliases),
                "nationality_only": "0",
            }
        )
    for iso3, name_en, name_ru, extra in NATIONALITY_ONLY:
        rows.append(
            {
                "iso3": iso3,
                "iso2": "",
                "name_en": name_en,
                "name_ru": name_ru,
                "aliases": ";".join(extra),
                "nationality_only": "1",
            }
        )
    _check(rows)
    return rows


def _check(rows: list[dict[str, str]]) -> None:
    owner: dict[str, str] = {}
    for row in rows:
        texts = [row["iso3"], row["iso2"], row["name_en"], row["name_ru"]]
        texts += row["aliases"].split(";") if row["aliases"] else []
        for text in filter(None, texts):
            if ";" in text:
                raise SystemExit(f"{row['iso3']}: ';' inside {text!r}")
            other = owner.setdefault(fold(text), row["iso3"])
            if other != row["iso3"]:
                raise SystemExit(f"{text!r} names both {other} and {row['iso3']}")


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fields = ["iso3", "iso2", "name_en", "name_ru", "aliases", "nationality_only"]
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
