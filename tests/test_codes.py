"""Code lists of DATA.md §4: packaged data, lookup, folding."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.codes import Code, CodeList, code_list, fold, is_valid_cas, list_names

EXPECTED_LISTS = {
    "drug_groups",
    "substances",
    "units",
    "forms",
    "location_types",
    "transport_modes",
    "conveyance_types",
    "concealment_methods",
    "detection_methods",
    "directions",
    "subject_categories",
    "person_roles",
    "message_types",
    "priorities",
    "nps_chemical_groups",
    "nps_effect_groups",
    "tlp",
    "distributions",
    "handling_codes",
    "source_types",
    "reporting_channels",
    "identifications",
    "weight_bases",
    "sexes",
    "agency_kinds",
    "memberships",
    "unit_kinds",
    "user_roles",
    "seizure_statuses",
}

EXPECTED_SIZES = {
    "drug_groups": 9,
    "units": 14,
    "forms": 12,
    "location_types": 18,
    "transport_modes": 10,
    "conveyance_types": 14,
    "concealment_methods": 14,
    "detection_methods": 13,
    "directions": 5,
    "subject_categories": 8,
    "person_roles": 8,
    "message_types": 15,
    "priorities": 3,
    "nps_chemical_groups": 12,
    "nps_effect_groups": 6,
    "tlp": 5,
    "distributions": 5,
    "handling_codes": 4,
    "sexes": 3,
    "identifications": 3,
    "weight_bases": 3,
    "agency_kinds": 9,
    "memberships": 2,
    "unit_kinds": 6,
    "user_roles": 8,
    "seizure_statuses": 5,
}

SEED_DRUGS = (
    "opium acetylated_opium heroin morphine poppy_straw codeine tramadol methadone buprenorphine "
    "fentanyl desomorphine cocaine_hcl cannabis_herb cannabis_resin cannabis_oil cannabis_plants "
    "cannabis_seed methamphetamine amphetamine captagon methcathinone mdma lsd "
    "psilocybin_mushrooms diazepam phenazepam alprazolam ghb ketamine pregabalin khat "
    "mephedrone alpha_pvp synthetic_cannabinoids unidentified"
).split()

SEED_NPS = (
    "mephedrone alpha_pvp alpha_php mdpv 4_cmc 3_mmc n_ethylhexedrone jwh_018 ab_fubinaca "
    "adb_butinaca mdmb_4en_pinaca isotonitazene metonitazene protonitazene acetylfentanyl "
    "etizolam bromazolam flualprazolam 25i_nbome 4_fa methoxetamine 2f_dck bzp mdai mitragynine "
    "5_meo_dmt 1p_lsd synthetic_cannabinoids"
).split()

ALL_ENTRIES = [(name, entry) for name in sorted(EXPECTED_LISTS) for entry in code_list(name)]


def substances() -> CodeList:
    return code_list("substances")


# --- every list ------------------------------------------------------------------------------


def test_all_lists_present() -> None:
    assert set(list_names()) == EXPECTED_LISTS


@pytest.mark.parametrize("name", sorted(EXPECTED_LISTS))
def test_list_loads_with_bilingual_labels(name: str) -> None:
    cl = code_list(name)
    assert cl.name == name
    assert cl.version == "2025.1"
    assert len(cl) > 0
    assert len(set(cl.codes())) == len(cl)
    for entry in cl:
        assert entry.label_en.strip() and entry.label_ru.strip(), entry.code
        assert entry.label("en") == entry.label_en
        assert entry.label("ru") == entry.label_ru
        assert entry.code in cl
        assert cl.get(entry.code) is entry


@pytest.mark.parametrize("name", sorted(EXPECTED_SIZES))
def test_list_sizes(name: str) -> None:
    assert len(code_list(name)) == EXPECTED_SIZES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_LISTS))
def test_no_folded_key_collides_within_a_list(name: str) -> None:
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for entry in code_list(name):
        for text in entry.keys():
            owners[fold(text)].add(entry.code)
    clashes = {key: codes for key, codes in owners.items() if len(codes) > 1}
    assert clashes == {}


@pytest.mark.parametrize("name", sorted(EXPECTED_LISTS))
def test_codes_are_stable_identifiers(name: str) -> None:
    pattern = r"[A-Z0-9+]+" if name in {"tlp", "handling_codes"} else r"[a-z0-9_]+"
    for code in code_list(name).codes():
        assert re.fullmatch(pattern, code), code


def test_every_key_has_a_letter() -> None:
    # Guards against YAML splitting "3,4-MDP-2-P" in a flow list into "3" and "4-MDP-2-P".
    for name, entry in ALL_ENTRIES:
        for text in entry.keys():
            assert any(ch.isalpha() for ch in text), (name, entry.code, text)


@given(st.sampled_from([(n, e, t) for n, e in ALL_ENTRIES for t in e.keys()]), st.data())
def test_lookup_round_trip(item: tuple[str, Code, str], data: st.DataObject) -> None:
    name, entry, text = item
    variant = data.draw(st.sampled_from([text, text.upper(), text.lower(), f"  {text}\t"]))
    assert code_list(name).lookup(variant) is entry


def test_api_behaviour() -> None:
    cl = code_list("units")
    assert code_list("units") is cl
    assert [c.code for c in cl] == cl.codes()
    assert "kg" in cl and "KG" not in cl and 3 not in cl
    with pytest.raises(KeyError):
        cl.get("furlong")
    with pytest.raises(KeyError):
        code_list("no_such_list")
    assert cl.lookup("furlong") is None
    assert cl.lookup("") is None


# --- fold -------------------------------------------------------------------------------------


@given(st.text())
def test_fold_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_fold_has_no_quotes_or_outer_space(text: str) -> None:
    key = fold(text)
    assert key == key.strip()
    assert "  " not in key
    assert not set(key) & set("\"'«»„“”‘’ё")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ЛЁД", "лед"),
        ("«Героин»", "героин"),
        ('"Captagon"', "captagon"),
        ("  alpha \t PVP ", "alpha pvp"),
        ("Респу́блика", "республика"),
        ("ＫＧ", "kg"),  # full-width letters
    ],
)
def test_fold_examples(a: str, b: str) -> None:
    assert fold(a) == b


def test_fold_keeps_hyphens() -> None:
    assert fold("alpha-PVP") == "alpha-pvp" != fold("alpha PVP")


# --- substances -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("гера", "heroin"),
        ("Героин", "heroin"),
        ("HEROIN", "heroin"),
        ("хмурый", "heroin"),
        ("ганджа", "cannabis_herb"),
        ("марихуана", "cannabis_herb"),
        ("Marijuana", "cannabis_herb"),
        ("анаша", "cannabis_resin"),
        ("alpha-PVP", "alpha_pvp"),
        ("alpha PVP", "alpha_pvp"),
        ("α-PVP", "alpha_pvp"),
        ("альфа-ПВП", "alpha_pvp"),
        ("соль", "alpha_pvp"),
        ("Мефедрон", "mephedrone"),
        ("4-MMC", "mephedrone"),
        ("меф", "mephedrone"),
        ("лёд", "methamphetamine"),
        ("лед", "methamphetamine"),
        ("Лёд", "methamphetamine"),
        ("первитин", "methamphetamine"),
        ("экстази", "mdma"),
        ("спайс", "synthetic_cannabinoids"),
        ("курительная  смесь", "synthetic_cannabinoids"),
        ("кокс", "cocaine_hcl"),
        ("«Каптагон»", "captagon"),
        ("кусты конопли", "cannabis_plants"),
        ("гамма-оксимасляная кислота", "ghb"),
        ("гексен", "n_ethylhexedrone"),
        ("кратом", "mitragynine"),
        ("уксусный ангидрид", "acetic_anhydride"),
        ("P-2-P", "p2p"),
        ("PMK", "pmk"),
        ("3,4-MDP-2-P", "pmk"),
        ("марганцовка", "potassium_permanganate"),
        ("unidentified", "unidentified"),
    ],
)
def test_substance_lookup(text: str, code: str) -> None:
    found = substances().lookup(text)
    assert found is not None, text
    assert found.code == code


@pytest.mark.parametrize("text", ["насвай", "Насвай", "нас", "naswar", "nasvai"])
def test_nasvay_is_not_a_drug(text: str) -> None:
    found = substances().lookup(text)
    assert found is not None and found.code == "nasvay"
    assert found.attrs["category"] == "not_a_drug"
    tobacco = substances().lookup("Табак")
    assert tobacco is not None and tobacco.attrs["category"] == "not_a_drug"


def test_ambiguous_street_names_left_out() -> None:
    assert substances().lookup("скорость") is None


def test_seed_drugs_and_nps_present() -> None:
    s = substances()
    for code in SEED_DRUGS + SEED_NPS + ["nasvay", "tobacco"]:
        assert code in s, code
    nps = {c.code for c in s if c.attrs["category"] == "nps"}
    assert nps == set(SEED_NPS)
    assert s.get("unidentified").attrs["category"] == "unidentified"
    assert s.get("unidentified").attrs["drug_group"] is None


def test_merged_nps_entries() -> None:
    s = substances()
    for code, chem, effect in [
        ("mephedrone", "synthetic_cathinones", "stimulant"),
        ("alpha_pvp", "synthetic_cathinones", "stimulant"),
        ("synthetic_cannabinoids", "synthetic_cannabinoids", "scra"),
    ]:
        attrs = s.get(code).attrs
        assert attrs["category"] == "nps"
        assert attrs["drug_group"] == "nps"
        assert attrs["nps_chemical_group"] == chem
        assert attrs["nps_effect_group"] == effect
        assert attrs["unodc_name"] == s.get(code).label_en
    assert s.get("mephedrone").attrs["cas"] == ("1189805-46-6",)


def test_substance_attributes_are_consistent() -> None:
    groups = code_list("drug_groups")
    chem = code_list("nps_chemical_groups")
    effects = code_list("nps_effect_groups")
    units = code_list("units")
    categories = {"controlled_drug", "nps", "precursor", "medicine", "not_a_drug", "unidentified"}
    for entry in substances():
        a = entry.attrs
        assert a["category"] in categories, entry.code
        assert a["status"] == "active"
        assert a["drug_group"] is None or a["drug_group"] in groups
        assert a["nps_chemical_group"] is None or a["nps_chemical_group"] in chem
        assert a["nps_effect_group"] is None or a["nps_effect_group"] in effects
        assert a["allowed_units"] and all(u in units for u in a["allowed_units"])
        assert ("plant" in a["allowed_units"]) == (entry.code == "cannabis_plants")
        is_precursor = a["category"] == "precursor"
        assert (a["precursor_table"] is not None) == is_precursor
        if is_precursor:
            assert a["drug_group"] is None
        if a["category"] in {"controlled_drug", "nps"}:
            assert a["drug_group"] is not None, entry.code
        if a["category"] == "controlled_drug":
            assert a["unodc_name"] == entry.label_en
    assert substances().get("cannabis_plants").attrs["allowed_units"] == ("plant",)


def test_precursor_tables() -> None:
    tables = Counter(
        c.attrs["precursor_table"] for c in substances() if c.attrs["category"] == "precursor"
    )
    assert tables == {"I": 27, "II": 8, "surveillance": 7}
    assert substances().get("acetic_anhydride").attrs["cas"] == ("108-24-7",)


def test_every_cas_passes_check_digit() -> None:
    seen: dict[str, str] = {}
    count = 0
    for entry in substances():
        for cas in entry.attrs["cas"]:
            assert is_valid_cas(cas), (entry.code, cas)
            assert seen.setdefault(cas, entry.code) == entry.code, cas
            count += 1
    assert count == 14 + 40  # seed NPS and precursors with a CAS in DATA.md


@pytest.mark.parametrize(
    ("cas", "ok"),
    [
        ("108-24-7", True),
        ("7732-18-5", True),
        ("108-24-8", False),
        ("10824-7", False),
        ("1-24-7", False),
        ("", False),
    ],
)
def test_is_valid_cas(cas: str, ok: bool) -> None:
    assert is_valid_cas(cas) is ok


def test_substance_and_group_codes_are_disjoint() -> None:
    # Conversion rules name a substance or a drug group in one field (see conversion.py).
    assert not set(substances().codes()) & set(code_list("drug_groups").codes())


def test_attrs_are_read_only() -> None:
    attrs = substances().get("heroin").attrs
    with pytest.raises(TypeError):
        attrs["category"] = "x"  # type: ignore[index]
    assert isinstance(attrs["allowed_units"], tuple)


def test_suggest() -> None:
    assert substances().suggest("героинн")[0] == "heroin"
    assert substances().suggest("mefedrone", n=1) == ["mephedrone"]
    assert len(substances().suggest("м", n=2)) <= 2
    assert substances().suggest("") == []


# --- other lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("кг", "kg"),
        ("гр", "g"),
        ("г", "g"),
        ("таб", "tablet"),
        ("табл.", "tablet"),
        ("шт", "unit"),
        ("шт.", "unit"),
        ("pcs", "unit"),
        ("мл", "ml"),
        ("т", "t"),
        ("тн", "t"),
        ("куст", "plant"),
        ("марок", "blotter"),
        ("упак", "package"),
        ("амп", "ampoule"),
        ("KG", "kg"),
        ("Kilo", "kg"),
    ],
)
def test_unit_aliases(text: str, code: str) -> None:
    found = code_list("units").lookup(text)
    assert found is not None and found.code == code


def test_unit_dimensions() -> None:
    dims = {u.code: u.attrs["dimension"] for u in code_list("units")}
    assert {k for k, v in dims.items() if v in {"mass", "volume"}} == {
        "kg",
        "g",
        "mg",
        "t",
        "l",
        "ml",
    }
    assert dims["plant"] == "plant"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("M", "male"),
        ("м", "male"),
        ("муж", "male"),
        ("мужской", "male"),
        ("Male", "male"),
        ("F", "female"),
        ("Ж", "female"),
        ("жен", "female"),
        ("женский", "female"),
        ("unknown", "unknown"),
    ],
)
def test_sex_aliases(text: str, code: str) -> None:
    found = code_list("sexes").lookup(text)
    assert found is not None and found.code == code


def test_tlp() -> None:
    tlp = code_list("tlp")
    assert tlp.codes() == ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
    assert [t.attrs["rank"] for t in tlp] == [0, 1, 2, 3, 4]
    for text, code in [
        ("WHITE", "CLEAR"),
        ("TLP:WHITE", "CLEAR"),
        ("tlp:red", "RED"),
        ("amber+strict", "AMBER+STRICT"),
    ]:
        found = tlp.lookup(text)
        assert found is not None and found.code == code
    assert all(t.label_en == t.label_ru == f"TLP:{t.code}" for t in tlp)


def test_distributions_ranked() -> None:
    dist = code_list("distributions")
    assert dist.codes() == ["org", "national", "listed", "region", "public"]
    assert [d.attrs["rank"] for d in dist] == list(range(5))


def test_priorities_sla() -> None:
    p = code_list("priorities")
    assert p.codes() == ["routine", "urgent", "immediate"]
    assert [x.attrs["ack_hours"] for x in p] == [24, 4, 1]
    assert p.get("routine").attrs["answer_working_days"] == 10
    assert p.get("urgent").attrs["answer_hours"] == 48
    assert p.get("immediate").attrs["answer_hours"] == 12


def test_person_roles_map_to_subject_categories() -> None:
    categories = code_list("subject_categories")
    suspects = {
        r.code for r in code_list("person_roles") if r.attrs["subject_category"] == "suspect"
    }
    assert suspects == {"courier", "driver", "organiser", "recipient", "sender"}
    assert all(r.attrs["subject_category"] in categories for r in code_list("person_roles"))
    assert "informant" not in categories


def test_english_label_from_code_where_only_russian_given() -> None:
    assert code_list("concealment_methods").get("dead_drop").label_en == "Dead drop"
    assert code_list("location_types").get("warehouse").label_en == "Warehouse"
    assert code_list("location_types").get("bcp_road").attrs["bcp"] is True
