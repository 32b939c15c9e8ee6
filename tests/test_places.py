"""Reference places (DATA.md §5) and seed agencies (DATA.md §3.1)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.codes import code_list
from dozor.domain.countries import MEMBER_COUNTRIES, get_country
from dozor.domain.geo import within_country
from dozor.domain.places import (
    COUNTRY_PHONE_CODES,
    COUNTRY_TIMEZONES,
    CrossingPoint,
    crossing_points,
    lookup_crossing_point,
    seed_agencies,
    suggest_crossing_points,
)

SINGLE = {
    "ayritom": "UZB",
    "panji_poyon": "TJK",
    "ishkashim": "TJK",
    "imamnazar": "TKM",
    "serhetabat": "TKM",
    "nur_zholy": "KAZ",
    "altynkol": "KAZ",
    "dostyk": "KAZ",
    "bakhty": "KAZ",
    "maikapshagai": "KAZ",
    "torugart": "KGZ",
    "irkeshtam": "KGZ",
    "kulma": "TJK",
    "saragt": "TKM",
    "howdan": "TKM",
    "artyk": "TKM",
    "akyayla": "TKM",
    "zhaisan": "KAZ",
    "mamlyutka": "KAZ",
}
PAIRS = [
    ("zhibek_zholy", "KAZ", "gisht_kuprik", "UZB"),
    ("saryagash", "KAZ", "keles", "UZB"),
    ("tazhen", "KAZ", "daut_ata", "UZB"),
    ("korday", "KAZ", "ak_zhol", "KGZ"),
    ("dostuk", "KGZ", "dustlik", "UZB"),
    ("oybek", "UZB", "fotehobod", "TJK"),
    ("sariosiyo", "UZB", "tursunzoda", "TJK"),
    ("kudukli", "UZB", "pakhtaobod", "TJK"),
    ("kyzyl_art", "TJK", "bordobo", "KGZ"),
    ("alat", "UZB", "farap", "TKM"),
    ("shavat", "UZB", "dashoguz", "TKM"),
    ("bolashak", "KAZ", "serhetyaka", "TKM"),
]
COORDS = {
    "ayritom": (37.23, 67.43),
    "dostyk": (45.25, 82.48),
    "torugart": (40.59, 75.43),
    "irkeshtam": (39.68, 73.90),
    "kulma": (38.15, 74.80),
}


def by_code() -> dict[str, CrossingPoint]:
    return {p.code: p for p in crossing_points()}


def test_seed_lines_give_the_right_posts() -> None:
    assert len(SINGLE) + len(PAIRS) == 31
    points = by_code()
    assert len(points) == len(crossing_points()) == 19 + 2 * 12
    expected = dict(SINGLE)
    for a, ca, b, cb in PAIRS:
        expected[a], expected[b] = ca, cb
    assert {code: p.country for code, p in points.items()} == expected


def test_pairs_point_at_each_other() -> None:
    points = by_code()
    for a, ca, b, cb in PAIRS:
        pa, pb = points[a], points[b]
        assert (pa.counterpart_bcp, pb.counterpart_bcp) == (b, a)
        assert (pa.counterpart_country, pb.counterpart_country) == (cb, ca)
        assert pa.modes == pb.modes and pa.status == pb.status
        assert (pa.lat, pa.lon) == (pb.lat, pb.lon)
        assert pa.counterpart_name_en == pb.post_name_en
    for code in SINGLE:
        p = points[code]
        assert p.counterpart_bcp is None
        assert p.counterpart_country not in MEMBER_COUNTRIES


def test_register_fields() -> None:
    modes = {"road", "rail", "pedestrian", "air", "river"}
    for p in crossing_points():
        assert p.country in MEMBER_COUNTRIES
        assert not get_country(p.counterpart_country).nationality_only
        assert p.modes and set(p.modes) <= modes
        assert p.status == ("seasonal" if p.code == "kulma" else "open")
        assert p.coords_checked is False
        assert p.name_en and p.name_ru and p.post_name_en and p.post_name_ru
        assert p.name("en") == p.name_en and p.name("ru") == p.name_ru
        assert p.post_name("ru") == p.post_name_ru
        if p.code in COORDS:
            assert (p.lat, p.lon) == COORDS[p.code]
        if p.lat is not None and p.lon is not None:
            # Approximate positions, but on the post's own border: inside its country's box.
            assert within_country(p.lat, p.lon, p.country, 25.0), p.code
    assert by_code()["dostyk"].modes == ("rail", "road")
    assert by_code()["ayritom"].counterpart_country == "AFG"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ayritom", "ayritom"),
        ("AYRITOM", "ayritom"),
        ("Ayritom (Termez)", "ayritom"),
        ("Ayritom", "ayritom"),
        ("Termez", "ayritom"),
        ("Хайратон", "ayritom"),
        ("Friendship Bridge", "ayritom"),
        ("«Мост Дружбы»", "ayritom"),
        ("Ayritom (Termez) – Hairatan, Friendship Bridge", "ayritom"),
        ("Айритом (Термез) — Хайратон, «Мост Дружбы»", "ayritom"),
        ("Khorgos", "nur_zholy"),
        ("Хоргос", "nur_zholy"),
        ("Nur Zholy", "nur_zholy"),
        ("Zhibek Zholy", "zhibek_zholy"),
        ("Zhibek Zholy – Gisht Kuprik", "zhibek_zholy"),
        ("Zhibek Zholy - Gisht Kuprik", "zhibek_zholy"),
        ("Gisht Kuprik", "gisht_kuprik"),
        ("Гишт-Куприк — Жибек Жолы", "gisht_kuprik"),
        ("Гишт-Куприк", "gisht_kuprik"),
        ("Кызыл-Арт", "kyzyl_art"),
        ("Кызыл Арт", "kyzyl_art"),
        ("Бордобо", "bordobo"),
        ("Gaudan", "howdan"),
        ("Howdan", "howdan"),
        ("Баджгиран", "howdan"),
        ("Alashankou", "dostyk"),
        ("Сариасия", "sariosiyo"),
        ("Турсунзаде", "tursunzoda"),
        ("Torugart", "torugart"),
        ("Кульма", "kulma"),
        ("Ishkashim", "ishkashim"),
        ("Жибек жолы", "zhibek_zholy"),
        ("Серхетяка", "serhetyaka"),
    ],
)
def test_lookup_crossing_point(text: str, code: str) -> None:
    found = lookup_crossing_point(text)
    assert found is not None, text
    assert found.code == code


def test_ambiguous_counterpart_name_is_not_guessed() -> None:
    # Horgos (CHN) faces both Nur Zholy and Altynkol.
    assert lookup_crossing_point("Horgos") is None
    assert lookup_crossing_point("Nowhere") is None


def test_suggest_crossing_points() -> None:
    assert suggest_crossing_points("Ayritm")[0] == "ayritom"
    assert "dostyk" in suggest_crossing_points("Dostik")
    assert suggest_crossing_points("") == []


@given(
    st.sampled_from(
        [
            (p, t)
            for p in crossing_points()
            for t in (p.code, p.name_en, p.name_ru, p.post_name_en, p.post_name_ru, *p.aliases)
        ]
    ),
    st.data(),
)
def test_lookup_round_trip(item: tuple[CrossingPoint, str], data: st.DataObject) -> None:
    point, text = item
    variant = data.draw(st.sampled_from([text, text.upper(), text.lower(), f" {text} "]))
    assert lookup_crossing_point(variant) is point


def test_seed_agencies() -> None:
    agencies = seed_agencies()
    assert len(agencies) == 17
    assert len({a.code for a in agencies}) == 17
    kinds = code_list("agency_kinds")
    for a in agencies:
        assert a.kind in kinds
        assert a.membership == "member"
        assert a.name_en and a.name_ru
        if a.code.startswith("HUB-"):
            assert a.country is None
        else:
            assert a.country in MEMBER_COUNTRIES and a.code.startswith(f"{a.country}-")
    assert Counter(a.country for a in agencies) == {
        "KAZ": 3,
        "KGZ": 3,
        "TJK": 3,
        "TKM": 3,
        "UZB": 4,
        None: 1,
    }
    hub = next(a for a in agencies if a.code == "HUB-CARICC")
    assert hub.kind == "regional_hub"


def test_timezones() -> None:
    assert set(COUNTRY_TIMEZONES) == set(MEMBER_COUNTRIES)
    assert COUNTRY_TIMEZONES["KAZ"] == "Asia/Almaty"
    expected = {"KAZ": 5, "KGZ": 6, "TJK": 5, "TKM": 5, "UZB": 5}
    moment = datetime(2025, 1, 15, 12, 0)
    for iso3, tz in COUNTRY_TIMEZONES.items():
        offset = ZoneInfo(tz).utcoffset(moment)
        assert offset == timedelta(hours=expected[iso3]), (iso3, tz, offset)


def test_phone_codes() -> None:
    assert {k: COUNTRY_PHONE_CODES[k] for k in MEMBER_COUNTRIES} == {
        "KAZ": "+7",
        "KGZ": "+996",
        "TJK": "+992",
        "TKM": "+993",
        "UZB": "+998",
    }
    assert COUNTRY_PHONE_CODES["RUS"] == COUNTRY_PHONE_CODES["KAZ"]
