"""Countries: ISO 3166-1 plus ICAO nationality codes (DATA.md §1, §5)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.codes import fold
from dozor.domain.countries import (
    MEMBER_COUNTRIES,
    Country,
    all_countries,
    get_country,
    lookup_country,
    suggest_countries,
)

NATIONALITY_CODES = {"XXA", "XXB", "XXC", "XXX"}


def test_all_iso_countries_and_nationality_codes() -> None:
    countries = all_countries()
    iso = [c for c in countries if not c.nationality_only]
    assert {c.iso3 for c in iso} == {c.alpha_3 for c in pycountry.countries}
    assert {c.iso3 for c in countries if c.nationality_only} == NATIONALITY_CODES
    for c in iso:
        assert re.fullmatch(r"[A-Z]{3}", c.iso3) and re.fullmatch(r"[A-Z]{2}", c.iso2)
        assert c.name_en and c.name_ru
        assert "\u0301" not in c.name_ru


@pytest.mark.parametrize(
    ("iso3", "iso2", "en", "ru"),
    [
        ("KAZ", "KZ", "Kazakhstan", "Казахстан"),
        ("KGZ", "KG", "Kyrgyzstan", "Кыргызстан"),
        ("TJK", "TJ", "Tajikistan", "Таджикистан"),
        ("TKM", "TM", "Turkmenistan", "Туркменистан"),
        ("UZB", "UZ", "Uzbekistan", "Узбекистан"),
        ("AFG", "AF", "Afghanistan", "Афганистан"),
        ("CHN", "CN", "China", "Китай"),
        ("IRN", "IR", "Iran", "Иран"),
        ("RUS", "RU", "Russia", "Россия"),
    ],
)
def test_reference_countries_have_data_md_labels(iso3: str, iso2: str, en: str, ru: str) -> None:
    c = get_country(iso3)
    assert (c.iso2, c.name_en, c.name_ru) == (iso2, en, ru)
    assert c.name("en") == en and c.name("ru") == ru


def test_member_countries() -> None:
    assert MEMBER_COUNTRIES == ("KAZ", "KGZ", "TJK", "TKM", "UZB")


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("KZ", "KAZ"),
        ("kz", "KAZ"),
        ("KAZ", "KAZ"),
        ("Kazakhstan", "KAZ"),
        ("Казахстан", "KAZ"),
        ("КАЗАХСТАН", "KAZ"),
        ("Kazakstan", "KAZ"),
        ("Республика Казахстан", "KAZ"),
        ("Киргизия", "KGZ"),
        ("Kyrgyz Republic", "KGZ"),
        ("Кыргызстан", "KGZ"),
        ("Туркмения", "TKM"),
        ("Usbekistan", "UZB"),
        ("O'zbekiston", "UZB"),
        ("Узбекистан", "UZB"),
        ("РФ", "RUS"),
        ("Россия", "RUS"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("Российская Федерация", "RUS"),
        ("КНР", "CHN"),
        ("Китай", "CHN"),
        ("China", "CHN"),
        ("Афганистан", "AFG"),
        ("ИРА", "AFG"),
        ("Iran", "IRN"),
        ("Иран", "IRN"),
        ("США", "USA"),
        ("USA", "USA"),
        ("United States of America", "USA"),
        ("UK", "GBR"),
        ("Великобритания", "GBR"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Турция", "TUR"),
        ("Соединенное Королевство", "GBR"),
        ("Белоруссия", "BLR"),
        ("ОАЭ", "ARE"),
        ("Таджикистан", "TJK"),
        ("Tajikistan", "TJK"),
        ("Pakistan", "PAK"),
    ],
)
def test_lookup_country(text: str, iso3: str) -> None:
    found = lookup_country(text)
    assert found is not None, text
    assert found.iso3 == iso3


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("без гражданства", "XXA"),
        ("XXA", "XXA"),
        ("Stateless", "XXA"),
        ("XXB", "XXB"),
        ("XXC", "XXC"),
        ("XXX", "XXX"),
        ("Лицо без гражданства", "XXA"),
    ],
)
def test_nationality_codes_only_when_allowed(text: str, iso3: str) -> None:
    assert lookup_country(text) is None
    found = lookup_country(text, allow_nationality_codes=True)
    assert found is not None and found.iso3 == iso3 and found.nationality_only
    # Ordinary countries are accepted as nationalities too.
    kaz = lookup_country("Казахстан", allow_nationality_codes=True)
    assert kaz is not None and kaz.iso3 == "KAZ"


@pytest.mark.parametrize("text", ["Atlantis", "", "  ", "XK", "Korea", "ZZZ"])
def test_unknown(text: str) -> None:
    assert lookup_country(text) is None
    assert lookup_country(text, allow_nationality_codes=True) is None


def test_get_country() -> None:
    assert get_country("UZB").iso2 == "UZ"
    assert get_country("XXA").nationality_only
    with pytest.raises(KeyError):
        get_country("uzb")


def test_no_key_names_two_countries() -> None:
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for c in all_countries():
        for text in c.keys():
            owners[fold(text)].add(c.iso3)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_suggest_countries() -> None:
    assert "KAZ" in suggest_countries("Kazahstan")
    assert suggest_countries("Узбекистн")[0] == "UZB"
    assert len(suggest_countries("Rusia", n=2)) <= 2
    assert suggest_countries("") == []


@given(st.sampled_from([(c, t) for c in all_countries() for t in c.keys()]), st.data())
def test_lookup_round_trip(item: tuple[Country, str], data: st.DataObject) -> None:
    country, text = item
    variant = data.draw(st.sampled_from([text, text.upper(), text.lower(), f" {text} "]))
    assert lookup_country(variant, allow_nationality_codes=True) is country


def test_runtime_does_not_use_pycountry() -> None:
    code = (
        "import sys; from dozor.domain import countries as c; c.all_countries(); "
        "c.lookup_country('KZ'); print('pycountry' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "False"
