"""Unit conversion table (DATA.md §1 "Quantities", §4.6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.codes import code_list
from dozor.domain.conversion import (
    CURRENT_CONVERSION_VERSION,
    ConversionRule,
    ConversionTable,
    load_conversion_table,
)
from dozor.domain.countries import get_country


def group_of(substance: str) -> str | None:
    group: str | None = code_list("substances").get(substance).attrs["drug_group"]
    return group


def factor(substance: str, unit: str, form: str | None = None) -> Decimal | None:
    rule = load_conversion_table().find(substance, group_of(substance), unit, form, "KAZ")
    return None if rule is None else rule.kg_per_unit


def test_table_loads() -> None:
    table = load_conversion_table()
    assert CURRENT_CONVERSION_VERSION == "2025.1"
    assert table.version == "2025.1"
    assert load_conversion_table("2025.1") is table
    assert table.heroin_eq_opium_factor == Decimal("0.1")
    assert all(isinstance(r.kg_per_unit, Decimal) for r in table.rules)


def test_rules_refer_to_known_codes() -> None:
    targets = set(code_list("substances").codes()) | set(code_list("drug_groups").codes())
    for rule in load_conversion_table().rules:
        assert rule.substance == "*" or rule.substance in targets
        assert rule.unit in code_list("units")
        assert rule.form == "*" or rule.form in code_list("forms")
        assert rule.country == "*" or not get_country(rule.country).nationality_only


@pytest.mark.parametrize(
    ("unit", "kg"),
    [("kg", "1"), ("g", "0.001"), ("mg", "0.000001"), ("t", "1000"), ("l", "1"), ("ml", "0.001")],
)
def test_mass_and_volume(unit: str, kg: str) -> None:
    assert factor("heroin", unit) == Decimal(kg)
    assert str(factor("heroin", unit)) == kg  # exact, as written


@pytest.mark.parametrize("substance", ["methamphetamine", "amphetamine", "captagon", "mdma"])
def test_tablets_of_ats_and_ecstasy(substance: str) -> None:
    assert factor(substance, "tablet") == Decimal("0.0001")


@pytest.mark.parametrize(
    "substance", ["tramadol", "pregabalin", "diazepam", "alprazolam", "phenazepam", "heroin"]
)
def test_no_tablet_weight_for_pharmaceuticals_and_others(substance: str) -> None:
    assert factor(substance, "tablet") is None


@pytest.mark.parametrize(
    "unit", ["capsule", "unit", "blotter", "ampoule", "dose", "package", "plant"]
)
def test_count_units_stay_counted(unit: str) -> None:
    for substance in ["heroin", "methamphetamine", "mdma", "lsd", "cannabis_plants", "tramadol"]:
        assert factor(substance, unit) is None


def test_every_mass_or_volume_unit_converts_for_every_substance() -> None:
    units = code_list("units")
    for s in code_list("substances"):
        for unit in s.attrs["allowed_units"]:
            if units.get(unit).attrs["dimension"] in {"mass", "volume"}:
                assert factor(s.code, unit) is not None, (s.code, unit)


def rule(rid: str, substance: str, unit: str, form: str, country: str, kg: str) -> ConversionRule:
    return ConversionRule(rid, substance, unit, form, country, Decimal(kg))


SYNTHETIC = ConversionTable(
    "test",
    Decimal("0.1"),
    [
        rule("any", "*", "tablet", "*", "*", "1"),
        rule("any_kaz_form", "*", "tablet", "powder", "KAZ", "2"),
        rule("group", "ats", "tablet", "*", "*", "3"),
        rule("group_form", "ats", "tablet", "crystal", "*", "4"),
        rule("group_country", "ats", "tablet", "*", "UZB", "5"),
        rule("substance", "mdma", "tablet", "*", "*", "6"),
        rule("substance_form", "mdma", "tablet", "powder", "*", "7"),
    ],
)


@pytest.mark.parametrize(
    ("substance", "group", "form", "country", "expected"),
    [
        ("heroin", "opioids", None, None, "any"),
        ("heroin", "opioids", "powder", "KAZ", "any_kaz_form"),
        ("heroin", "opioids", "powder", "UZB", "any"),
        ("amphetamine", "ats", "powder", "KAZ", "group"),  # group beats a specific "*" rule
        ("amphetamine", "ats", "crystal", "KGZ", "group_form"),
        ("amphetamine", "ats", "crystal", "UZB", "group_country"),  # country before form
        ("mdma", "ecstasy", "crystal", "UZB", "substance"),  # substance beats everything
        ("mdma", "ecstasy", "powder", "UZB", "substance_form"),
        ("mdma", None, None, None, "substance"),
        ("ketamine", None, None, None, "any"),
    ],
)
def test_most_specific_rule_wins(
    substance: str, group: str | None, form: str | None, country: str | None, expected: str
) -> None:
    found = SYNTHETIC.find(substance, group, "tablet", form, country)
    assert found is not None and found.id == expected
    assert SYNTHETIC.find(substance, group, "tablet", form, country) is found  # memoised
    assert SYNTHETIC.find(substance, group, "capsule", form, country) is None


def test_table_rejects_bad_rules() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        ConversionTable("x", Decimal("0.1"), [rule("a", "*", "g", "*", "*", "0.001")] * 2)
    with pytest.raises(ValueError, match="duplicate"):
        ConversionTable(
            "x",
            Decimal("0.1"),
            [rule("a", "*", "g", "*", "*", "0.001"), rule("b", "*", "g", "*", "*", "0.002")],
        )
    with pytest.raises(ValueError, match="<= 0"):
        ConversionTable("x", Decimal("0.1"), [rule("a", "*", "g", "*", "*", "0")])


def test_unknown_version() -> None:
    with pytest.raises(FileNotFoundError):
        load_conversion_table("1999.1")


# Brute-force reference for the precedence of DATA.md §1, checked against find().
TARGETS = ["*", "heroin", "opioids", "mdma", "ecstasy"]
FORMS = ["*", "powder", "tablet"]
COUNTRIES = ["*", "KAZ", "UZB"]
QUERIES = st.tuples(
    st.sampled_from([("heroin", "opioids"), ("mdma", "ecstasy"), ("lsd", None)]),
    st.sampled_from([None, "powder", "tablet"]),
    st.sampled_from([None, "KAZ", "UZB"]),
)


def reference(
    rules: list[ConversionRule], substance: str, group: str | None, form: str | None, c: str | None
) -> ConversionRule | None:
    def level(r: ConversionRule) -> int:
        return 2 if r.substance == substance else 1 if r.substance == group else 0

    matching = [
        r
        for r in rules
        if r.substance in {substance, group, "*"}
        and r.country in {c, "*"}
        and r.form in {form, "*"}
    ]
    if not matching:
        return None
    return max(matching, key=lambda r: (level(r), r.country != "*", r.form != "*"))


@given(
    st.sets(
        st.tuples(st.sampled_from(TARGETS), st.sampled_from(FORMS), st.sampled_from(COUNTRIES))
    ),
    st.lists(QUERIES, min_size=1, max_size=10),
)
def test_find_matches_reference(
    keys: set[tuple[str, str, str]],
    queries: list[tuple[tuple[str, str | None], str | None, str | None]],
) -> None:
    rules = [rule(f"r{i}", t, "g", f, c, "1") for i, (t, f, c) in enumerate(sorted(keys))]
    table = ConversionTable("h", Decimal("0.1"), rules)
    for (substance, group), form, country in queries:
        assert table.find(substance, group, "g", form, country) == reference(
            rules, substance, group, form, country
        )
