"""The demo generator: deterministic, valid import-template values, realistic shape."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from dozor.demo import PERSON_COLUMNS, SEIZURE_COLUMNS, DemoSeizure, generate, write_template_csv

# Code lists written out from DATA.md §4 and §5 (the reference package is built in parallel).
COUNTRIES5 = {"KAZ", "KGZ", "TJK", "TKM", "UZB"}
AGENCIES = {
    "KAZ": {"KAZ-BORDER", "KAZ-CUSTOMS", "KAZ-POLICE"},
    "KGZ": {"KGZ-BORDER", "KGZ-CUSTOMS", "KGZ-POLICE"},
    "TJK": {"TJK-DCA", "TJK-BORDER", "TJK-CUSTOMS"},
    "TKM": {"TKM-BORDER", "TKM-CUSTOMS", "TKM-POLICE"},
    "UZB": {"UZB-BORDER", "UZB-CUSTOMS", "UZB-POLICE", "UZB-NCDC"},
}
SEED_DRUGS = set(
    "opium acetylated_opium heroin morphine poppy_straw codeine tramadol methadone buprenorphine "
    "fentanyl desomorphine cocaine_hcl cannabis_herb cannabis_resin cannabis_oil cannabis_plants "
    "cannabis_seed methamphetamine amphetamine captagon methcathinone mdma lsd "
    "psilocybin_mushrooms diazepam phenazepam alprazolam ghb ketamine pregabalin khat "
    "mephedrone alpha_pvp synthetic_cannabinoids unidentified".split()
)
SEED_NPS = set(
    "mephedrone alpha_pvp alpha_php mdpv 4_cmc 3_mmc n_ethylhexedrone jwh_018 ab_fubinaca "
    "adb_butinaca mdmb_4en_pinaca isotonitazene metonitazene protonitazene acetylfentanyl "
    "etizolam bromazolam flualprazolam 25i_nbome 4_fa methoxetamine 2f_dck bzp mdai mitragynine "
    "5_meo_dmt 1p_lsd synthetic_cannabinoids".split()
)
UNITS = set("kg g mg t l ml tablet capsule unit blotter ampoule plant dose package".split())
MASS_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "mg": Decimal("0.000001"), "t": Decimal(1000)}
FORMS = set(
    "powder crystal tablet capsule liquid herbal resin paste blotter plant seed other".split()
)
LOCATIONS = set(
    "bcp_road bcp_rail green_border airport seaport road railway postal dwelling commercial "
    "warehouse open_area laboratory inland_waters international_waters prison other unknown".split()
)
MODES = set(
    "air sea_river road rail postal on_foot pack_animal not_applicable other unknown".split()
)
CONVEYANCES = set(
    "airplane vessel truck car motorcycle bus train_passenger train_freight container "
    "postal_item pedestrian animal other unknown".split()
)
CONCEALMENTS = set(
    "luggage luggage_false_bottom on_body internal_carrier vehicle_natural_void "
    "vehicle_built_compartment fuel_tank_tyre within_cargo container_structure postal_item "
    "dead_drop cache none other".split()
)
DIRECTIONS = {"import", "export", "transit", "domestic", "unknown"}
ROLES = {"courier", "driver", "passenger", "organiser", "recipient", "sender", "owner", "other"}
BCPS = {
    "KAZ": "nur_zholy altynkol dostyk bakhty maikapshagai zhaisan mamlyutka zhibek_zholy "
    "saryagash tazhen korday bolashak",
    "KGZ": "torugart irkeshtam ak_zhol dostuk bordobo",
    "TJK": "panji_poyon ishkashim kulma fotehobod tursunzoda pakhtaobod kyzyl_art",
    "TKM": "imamnazar serhetabat saragt howdan artyk akyayla farap dashoguz serhetyaka",
    "UZB": "ayritom gisht_kuprik keles daut_ata dustlik oybek sariosiyo kudukli alat shavat",
}
RAIL = {
    "altynkol",
    "dostyk",
    "mamlyutka",
    "saryagash",
    "bolashak",
    "pakhtaobod",
    "serhetabat",
    "saragt",
    "akyayla",
    "serhetyaka",
    "ayritom",
    "keles",
    "kudukli",
}
ROAD = {b for v in BCPS.values() for b in v.split()} - {
    "altynkol",
    "mamlyutka",
    "saryagash",
    "bolashak",
    "pakhtaobod",
    "akyayla",
    "serhetyaka",
    "keles",
    "kudukli",
}
TLP_DIST = {
    "AMBER": {"org", "national", ""},
    "": {"org", "national", ""},
    "GREEN": {"national", "region", ""},
    "RED": {"org"},
}
HANDLING = re.compile(r"^(H0|(H1|H2|H3:[^;]{1,500})(;(H1|H2|H3:[^;]{1,500}))*)?$")
SOURCE = re.compile(r"^([ABCX]|5x5x5:[A-E]|3x5x2:[123])?$")
INFO = re.compile(r"^([1-4]|5x5x5:[1-5]|3x5x2:[A-E])?$")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})( \d{2}:\d{2})?$")
NUMBER = re.compile(r"^\d{1,3}( ?\d{3})*([.,]\d+)?$")
PLATE_STRIP = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX", " -.")
NAT_RU = {
    "Казахстан",
    "Кыргызстан",
    "Таджикистан",
    "Туркменистан",
    "Узбекистан",
    "Афганистан",
    "Россия",
}
ISO3 = re.compile(r"^[A-Z]{3}$")
TODAY = date.today()
END = date(2025, 6, 30)


def _parse_date(text: str) -> date:
    day = text.split(" ")[0]
    return date.fromisoformat(day) if "-" in day else datetime.strptime(day, "%d.%m.%Y").date()


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


@pytest.fixture(scope="module")
def sample() -> list[DemoSeizure]:
    return list(generate(4000, seed=11, start=date(2018, 1, 1), end=END))


def test_deterministic_for_a_seed() -> None:
    a = list(generate(300, seed=5, end=END))
    b = list(generate(300, seed=5, end=END))
    c = list(generate(300, seed=6, end=END))
    assert a == b
    assert a != c
    assert len(a) == 300


def test_default_end_is_today_and_never_in_the_future() -> None:
    last = list(generate(300, seed=8, start=date(TODAY.year - 1, 1, 1)))[-1]
    assert _parse_date(last.seizure_rows[0]["seizure_date"]) <= TODAY
    assert _parse_date(last.seizure_rows[0]["seizure_date"]) > TODAY.replace(day=1) - timedelta(90)
    future = list(generate(50, seed=8, start=TODAY, end=TODAY + timedelta(days=30)))
    assert all(_parse_date(s.seizure_rows[0]["seizure_date"]) == TODAY for s in future)


def test_streams_lazily() -> None:
    it = generate(1_000_000, seed=2, end=END)
    first = list(islice(it, 50))
    assert len(first) == 50
    assert all(s.seizure_rows for s in first)


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        generate(10, start=date(2020, 1, 1), end=date(2019, 1, 1))
    with pytest.raises(ValueError):
        generate(-1)
    assert list(generate(0)) == []


def test_rows_have_all_columns_and_required_values(sample: list[DemoSeizure]) -> None:
    for s in sample:
        assert len(s.person_rows) == len(s.truth_person_ids)
        first = s.seizure_rows[0]
        for row in s.seizure_rows:
            assert tuple(row) == SEIZURE_COLUMNS
            assert all(isinstance(v, str) for v in row.values())
            assert row["seizure_ref"] == first["seizure_ref"]
            for col in ("drug", "quantity", "unit"):
                assert row[col]
        for col in (
            "seizure_ref",
            "reporting_country",
            "reporting_agency",
            "seizure_date",
            "location_type",
            "mode_of_transport",
        ):
            assert first[col], col
        for p in s.person_rows:
            assert tuple(p) == PERSON_COLUMNS
            assert p["seizure_ref"] == first["seizure_ref"]
            assert p["surname"] and p["role"] in ROLES
        drugs = [r["drug"] for r in s.seizure_rows]
        assert len(drugs) == len(set(drugs)) <= 3


def test_seizure_values_are_valid_codes(sample: list[DemoSeizure]) -> None:
    refs: Counter[tuple[str, str]] = Counter()
    for s in sample:
        first = s.seizure_rows[0]
        country, agency = first["reporting_country"], first["reporting_agency"]
        assert country in COUNTRIES5 and agency in AGENCIES[country]
        refs[(agency, first["seizure_ref"])] += 1
        assert len(first["seizure_ref"]) <= 64
        assert DATE.match(first["seizure_date"]), first["seizure_date"]
        assert date(1990, 1, 1) <= _parse_date(first["seizure_date"]) <= min(END, TODAY)
        loc = first["location_type"]
        assert loc in LOCATIONS
        if loc.startswith("bcp_"):
            assert first["bcp"] in BCPS[country].split()
            assert first["bcp"] in (RAIL if loc == "bcp_rail" else ROAD)
            assert first["mode_of_transport"] == loc[4:]
        else:
            assert first["bcp"] == ""
        assert bool(first["latitude"]) == bool(first["longitude"])
        if first["latitude"]:
            assert -90 <= float(first["latitude"]) <= 90
        assert first["mode_of_transport"] in MODES
        assert first["conveyance_type"] in CONVEYANCES | {""}
        assert first["direction"] in DIRECTIONS | {""}
        assert all(c in CONCEALMENTS for c in first["concealment"].split(";") if c)
        for col in ("origin_country", "departure_country", "destination_country"):
            assert first[col] == "" or ISO3.match(first[col])
        assert all(ISO3.match(c) for c in first["transit_countries"].split(";") if c)
        assert first["persons_arrested"] == "" or first["persons_arrested"].isdigit()
        tlp = first["tlp"].removeprefix("TLP:")
        assert first["distribution"] in TLP_DIST[tlp]
        assert HANDLING.match(first["handling_code"]), first["handling_code"]
        assert SOURCE.match(first["source_grade"]) and INFO.match(first["info_grade"])
        assert len(first["narrative"]) <= 4000
        for row in s.seizure_rows:
            _check_item(row)
    assert max(refs.values()) == 1


def _check_item(row: dict[str, str]) -> None:
    drug, unit = row["drug"], row["unit"]
    assert drug in SEED_DRUGS | SEED_NPS
    assert unit in UNITS
    assert row["form"] in FORMS | {""}
    assert NUMBER.match(row["quantity"]), row["quantity"]
    assert not ("," in row["quantity"] and "." in row["quantity"])
    qty = _decimal(row["quantity"])
    assert qty > 0
    assert (unit == "plant") == (drug == "cannabis_plants")
    if drug == "heroin":
        assert unit != "tablet"
    if unit in MASS_KG:
        assert qty * MASS_KG[unit] < 50_000
    elif unit in ("l", "ml"):
        assert qty * (1 if unit == "l" else Decimal("0.001")) < 50_000
    elif unit == "tablet":
        assert qty * Decimal("0.0001") < 50_000
    if row["purity_pct"]:
        assert 0 < _decimal(row["purity_pct"].rstrip("%")) <= 100


def test_person_values_are_valid(sample: list[DemoSeizure]) -> None:
    for s in sample:
        when = _parse_date(s.seizure_rows[0]["seizure_date"])
        for p in s.person_rows:
            assert len(p["surname"]) <= 100 and not any(ch.isdigit() for ch in p["surname"])
            assert p["sex"] in {"M", "F", ""}
            assert (
                p["nationality"] == ""
                or ISO3.match(p["nationality"])
                or (p["nationality"] in NAT_RU)
            )
            if p["date_of_birth"]:
                dob = _parse_date(p["date_of_birth"])
                assert 10 <= (when - dob).days / 365.25 <= 100
            assert bool(p["passport_country"]) == bool(p["passport_number"])
            if p["passport_number"]:
                assert re.fullmatch(r"[A-Z0-9]{5,20}", p["passport_number"])
            assert bool(p["vehicle_plate"]) == bool(p["vehicle_country"])
            if p["vehicle_plate"]:
                assert 2 <= len(p["vehicle_plate"].translate(PLATE_STRIP)) <= 12
            if p["vin"]:
                assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", p["vin"])
            if p["phone"]:
                assert re.fullmatch(r"[+0-9 ()-]{8,20}", p["phone"])


def test_phones_parse_for_the_reporting_country(sample: list[DemoSeizure]) -> None:
    phonenumbers = pytest.importorskip("phonenumbers")
    region = {"KAZ": "KZ", "KGZ": "KG", "TJK": "TJ", "TKM": "TM", "UZB": "UZ"}
    checked = 0
    for s in sample:
        country = s.seizure_rows[0]["reporting_country"]
        for p in s.person_rows:
            if p["phone"]:
                number = phonenumbers.parse(p["phone"], region[country])
                assert phonenumbers.is_valid_number(number), (p["phone"], country)
                checked += 1
    assert checked > 100


def test_blank_seizure_cells_after_first_row_happen(sample: list[DemoSeizure]) -> None:
    multi = [s for s in sample if len(s.seizure_rows) > 1]
    assert len(multi) > 100
    assert any(s.seizure_rows[1]["reporting_country"] == "" for s in multi)
    assert any(s.seizure_rows[1]["reporting_country"] != "" for s in multi)


def test_shape_is_realistic(sample: list[DemoSeizure]) -> None:
    firsts = [s.seizure_rows[0] for s in sample]
    at_bcp = sum(r["location_type"].startswith("bcp_") for r in firsts) / len(firsts)
    assert 0.5 < at_bcp < 0.7
    with_persons = sum(bool(s.person_rows) for s in sample) / len(sample)
    assert 0.3 < with_persons < 0.5
    afghan = Counter(
        r["drug"]
        for r in firsts
        if r["bcp"] in {"panji_poyon", "ishkashim", "imamnazar", "ayritom"}
    )
    top = {d for d, _ in afghan.most_common(3)}
    assert top <= {"heroin", "opium", "cannabis_resin", "methamphetamine"}
    dates = [_parse_date(r["seizure_date"]) for r in firsts]
    assert dates == sorted(dates)
    opiates = Counter(
        d.month for d, r in zip(dates, firsts, strict=True) if r["drug"] in ("heroin", "opium")
    )
    assert sum(opiates[m] for m in (7, 8, 9)) > 1.3 * sum(opiates[m] for m in (1, 2, 3))


def test_nps_share_rises_over_time(sample: list[DemoSeizure]) -> None:
    by_year: defaultdict[int, list[bool]] = defaultdict(list)
    for s in sample:
        year = _parse_date(s.seizure_rows[0]["seizure_date"]).year
        by_year[year].extend(r["drug"] in SEED_NPS for r in s.seizure_rows)
    early = [x for y in (2018, 2019) for x in by_year[y]]
    late = [x for y in (2023, 2024, 2025) for x in by_year[y]]
    assert sum(late) / len(late) > 2.5 * sum(early) / len(early)


def test_people_recur_across_seizures_and_countries(sample: list[DemoSeizure]) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    appearances = 0
    for s in sample:
        country = s.seizure_rows[0]["reporting_country"]
        for pid in s.truth_person_ids:
            seen[pid].add(country)
            appearances += 1
        assert len(set(s.truth_person_ids)) == len(s.truth_person_ids)
    repeats = appearances - len(seen)
    assert 0.08 < repeats / appearances < 0.25
    assert sum(len(c) > 1 for c in seen.values()) > 20
    phones = Counter(
        re.sub(r"\D", "", p["phone"])[-8:] for s in sample for p in s.person_rows if p["phone"]
    )
    assert phones.most_common(1)[0][1] > 1


def test_write_template_csv(tmp_path: Path) -> None:
    seizures, persons = tmp_path / "seizures.csv", tmp_path / "persons.csv"
    data = list(generate(500, seed=3, end=END))
    n_s, n_p = write_template_csv(iter(data), seizures, persons)
    assert n_s == sum(len(s.seizure_rows) for s in data)
    assert n_p == sum(len(s.person_rows) for s in data)
    with seizures.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n_s and tuple(rows[0]) == SEIZURE_COLUMNS
    assert rows[0] == data[0].seizure_rows[0]
    with persons.open(encoding="utf-8", newline="") as f:
        prow = list(csv.DictReader(f))
    assert len(prow) == n_p and tuple(prow[0]) == PERSON_COLUMNS
    only = tmp_path / "only.csv"
    assert write_template_csv(data, only, None) == (n_s, 0)
