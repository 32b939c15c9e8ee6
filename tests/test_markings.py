"""The marking rules of DATA.md §2.1-2.4 and §2.7, checked against tables written from the spec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.errors import InvalidValue
from dozor.domain.markings import (
    DISTRIBUTION_RANK,
    DISTRIBUTIONS,
    H3_MAX_LENGTH,
    TLP_RANK,
    TLPS,
    Marking,
    check_marking,
    clip_to_parent,
    format_handling,
    is_stricter_or_equal,
    most_restrictive,
    parse_handling,
    parse_tlp,
    tlp_distribution_violation,
)

# DATA.md §2.2 and §2.7 orders, as written in the spec.
DISTRIBUTION_ORDER = ["org", "national", "listed", "region", "public"]
TLP_ORDER = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]

# DATA.md §2.3, row by row ("listed*" = listed naming agencies only).
SPEC_ALLOWED: dict[str, set[str]] = {
    "RED": {"org", "listed"},
    "AMBER+STRICT": {"org", "listed*"},
    "AMBER": {"org", "national", "listed"},
    "GREEN": {"org", "national", "listed", "region"},  # anything except public
    "CLEAR": {"org", "national", "listed", "region", "public"},  # any
}


def test_orders_are_the_spec_orders() -> None:
    assert list(DISTRIBUTIONS) == DISTRIBUTION_ORDER
    assert list(TLPS) == TLP_ORDER
    assert sorted(DISTRIBUTION_RANK, key=DISTRIBUTION_RANK.__getitem__) == DISTRIBUTION_ORDER
    assert sorted(TLP_RANK, key=TLP_RANK.__getitem__) == TLP_ORDER


def _allowed(tlp: str, distribution: str, *, countries: bool) -> bool:
    allowed = SPEC_ALLOWED[tlp]
    if distribution == "listed" and "listed*" in allowed:
        return not countries
    return distribution in allowed


@pytest.mark.parametrize("tlp", TLP_ORDER)
@pytest.mark.parametrize("distribution", DISTRIBUTION_ORDER)
@pytest.mark.parametrize("countries", [False, True], ids=["agencies", "countries"])
def test_every_tlp_distribution_pair(tlp: str, distribution: str, countries: bool) -> None:
    listed_countries = frozenset({"UZB"}) if countries and distribution == "listed" else frozenset()
    listed_agencies = frozenset({"KGZ-BORDER"}) if distribution == "listed" else frozenset()
    allowed = _allowed(tlp, distribution, countries=bool(listed_countries))
    problem = tlp_distribution_violation(tlp, distribution, listed_countries=listed_countries)
    marking = Marking(distribution, tlp, frozenset({"H0"}), None, listed_agencies, listed_countries)
    if allowed:
        assert problem is None
        check_marking(marking)
        return
    assert problem is not None
    # The message names both values and the rule (DATA.md §2.3).
    assert f"TLP:{tlp}" in problem
    assert distribution in problem or "countries" in problem
    with pytest.raises(InvalidValue) as caught:
        check_marking(marking)
    assert caught.value.code == "marking_conflict"


def test_violation_message_example_from_the_spec() -> None:
    assert tlp_distribution_violation("RED", "region") == (
        "TLP:RED requires distribution org or listed; got region"
    )


@pytest.mark.parametrize(
    ("marking", "why"),
    [
        (Marking("listed", "AMBER"), "listed without entries"),
        (Marking("national", "AMBER", listed_agencies=frozenset({"KAZ-POLICE"})), "lists"),
        (Marking("org", "RED", frozenset({"H3"})), "H3 without text"),
    ],
)
def test_check_marking_rejects_incomplete_markings(marking: Marking, why: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_marking(marking)
    assert caught.value.code == "marking_conflict", why


def test_check_marking_rejects_an_unknown_distribution() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_marking(Marking("everyone", "CLEAR"))
    assert caught.value.code == "unknown_code"


# -- parse_tlp -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tlp"),
    [
        ("WHITE", "CLEAR"),
        ("white", "CLEAR"),
        ("TLP:WHITE", "CLEAR"),
        ("TLP:amber", "AMBER"),
        ("tlp:Amber", "AMBER"),
        (" TLP: RED ", "RED"),
        ("amber+strict", "AMBER+STRICT"),
        ("TLP:AMBER + STRICT", "AMBER+STRICT"),
        ("green", "GREEN"),
        ("CLEAR", "CLEAR"),
    ],
)
def test_parse_tlp(text: str, tlp: str) -> None:
    assert parse_tlp(text) == tlp


@pytest.mark.parametrize("text", ["", "PURPLE", "TLP:", "AMBER-STRICT", "TLP:BLACK", "H0"])
def test_parse_tlp_rejects(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_tlp(text)
    assert caught.value.code == "unknown_code"


@given(st.sampled_from(TLP_ORDER), st.booleans(), st.booleans())
def test_parse_tlp_accepts_every_tlp_in_any_case(tlp: str, prefix: bool, lower: bool) -> None:
    text = f"TLP:{tlp}" if prefix else tlp
    assert parse_tlp(text.lower() if lower else text) == tlp


# -- parse_handling ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes", "h3_text"),
    [
        ("H0", {"H0"}, None),
        ("h0", {"H0"}, None),
        ("", {"H0"}, None),
        ("H1", {"H1"}, None),
        ("H1;H2", {"H1", "H2"}, None),
        ("h2 ; h1", {"H1", "H2"}, None),
        ("H3:some text", {"H3"}, "some text"),
        ("H1;H3:some text", {"H1", "H3"}, "some text"),
        ("H3: see: annex 2 ", {"H3"}, "see: annex 2"),
        ("H3:" + "я" * H3_MAX_LENGTH, {"H3"}, "я" * H3_MAX_LENGTH),
    ],
)
def test_parse_handling(text: str, codes: set[str], h3_text: str | None) -> None:
    assert parse_handling(text) == (frozenset(codes), h3_text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("H0;H1", "unknown_code"),  # H0 stands alone
        ("H2;H0", "unknown_code"),
        ("H3", "unknown_code"),  # H3 needs its text
        ("H3:", "unknown_code"),
        ("H3:   ", "unknown_code"),
        ("H1;H3", "unknown_code"),
        ("H4", "unknown_code"),
        ("TLP:RED", "unknown_code"),
        ("H3:" + "x" * (H3_MAX_LENGTH + 1), "too_long"),
    ],
)
def test_parse_handling_rejects(text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_handling(text)
    assert caught.value.code == code


def test_format_handling_round_trips() -> None:
    for text in ("H0", "H1", "H1;H2", "H1;H2;H3:only with consent", "H3:x"):
        codes, h3 = parse_handling(text)
        assert format_handling(codes, h3) == text
        assert parse_handling(format_handling(codes, h3)) == (codes, h3)


# -- strictness (DATA.md §2.7) ---------------------------------------------------------------

AGENCIES = ["KAZ-CUSTOMS", "KGZ-BORDER", "UZB-POLICE", "TJK-DCA"]
COUNTRIES = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
VALID = {
    tlp: [d for d in DISTRIBUTION_ORDER if _allowed(tlp, d, countries=False)] for tlp in TLP_ORDER
}


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    """Valid markings (DATA.md §2.1-2.4)."""
    tlp = draw(st.sampled_from(TLP_ORDER))
    distribution = draw(st.sampled_from(VALID[tlp]))
    if draw(st.booleans()):
        codes = frozenset({"H0"})
    else:
        codes = frozenset(draw(st.sets(st.sampled_from(["H1", "H2", "H3"]), min_size=1)))
    h3_text = draw(st.sampled_from(["a", "b", "only with consent"])) if "H3" in codes else None
    agencies: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    if distribution == "listed":
        agencies = frozenset(draw(st.sets(st.sampled_from(AGENCIES), max_size=3)))
        if tlp != "AMBER+STRICT":
            countries = frozenset(draw(st.sets(st.sampled_from(COUNTRIES), max_size=2)))
        if not agencies and not countries:
            agencies = frozenset({draw(st.sampled_from(AGENCIES))})
    marking = Marking(distribution, tlp, codes, h3_text, agencies, countries)
    check_marking(marking)
    return marking


def spec_stricter_or_equal(child: Marking, parent: Marking) -> bool:
    """DATA.md §2.7 "stricter", written out independently."""
    d_child = DISTRIBUTION_ORDER.index(child.distribution)
    d_parent = DISTRIBUTION_ORDER.index(parent.distribution)
    if d_child > d_parent:
        return False
    if child.distribution == parent.distribution == "listed" and not (
        child.listed_agencies <= parent.listed_agencies
        and child.listed_countries <= parent.listed_countries
    ):
        return False
    if TLP_ORDER.index(child.tlp) < TLP_ORDER.index(parent.tlp):
        return False
    return (parent.handling_codes - {"H0"}) <= child.handling_codes


@given(markings(), markings())
def test_is_stricter_or_equal_follows_the_spec(child: Marking, parent: Marking) -> None:
    assert is_stricter_or_equal(child, parent) == spec_stricter_or_equal(child, parent)


@given(markings())
def test_is_stricter_or_equal_is_reflexive(marking: Marking) -> None:
    assert is_stricter_or_equal(marking, marking)


def test_stricter_examples() -> None:
    parent = Marking("region", "GREEN", frozenset({"H1"}))
    assert is_stricter_or_equal(Marking("national", "AMBER", frozenset({"H1", "H2"})), parent)
    assert not is_stricter_or_equal(Marking("public", "CLEAR", frozenset({"H1"})), parent)
    assert not is_stricter_or_equal(Marking("org", "CLEAR", frozenset({"H1"})), parent)
    assert not is_stricter_or_equal(Marking("org", "RED", frozenset({"H0"})), parent)
    wide = Marking("listed", "AMBER", listed_agencies=frozenset({"KAZ-POLICE", "TJK-DCA"}))
    narrow = Marking("listed", "AMBER", listed_agencies=frozenset({"TJK-DCA"}))
    assert is_stricter_or_equal(narrow, wide)
    assert not is_stricter_or_equal(wide, narrow)


@given(st.lists(markings(), min_size=1, max_size=4))
def test_most_restrictive_is_stricter_or_equal_than_each_input(items: list[Marking]) -> None:
    bundle = most_restrictive(items)
    for item in items:
        assert is_stricter_or_equal(bundle, item)
    # highest TLP, narrowest distribution, union of handling codes (H0 only when alone)
    assert bundle.tlp == max((m.tlp for m in items), key=TLP_ORDER.index)
    narrowest = min((m.distribution for m in items), key=DISTRIBUTION_ORDER.index)
    if narrowest == "listed" or _allowed(bundle.tlp, narrowest, countries=False):
        assert bundle.distribution == narrowest
    else:  # e.g. RED and national: §2.3 leaves only the owner
        assert bundle.distribution == "org"
    if bundle.distribution != "listed" or bundle.listed_agencies or bundle.listed_countries:
        check_marking(bundle)  # a valid marking (an empty listed intersection aside)
    union = frozenset().union(*(m.handling_codes for m in items))
    assert bundle.handling_codes == (union - {"H0"} or frozenset({"H0"}))
    for item in items:
        if item.h3_text:
            assert bundle.h3_text is not None and item.h3_text in bundle.h3_text


@given(markings())
def test_most_restrictive_of_one_marking_is_that_marking(marking: Marking) -> None:
    assert most_restrictive([marking]) == marking
    assert most_restrictive([marking, marking]) == marking


@given(markings(), markings())
def test_most_restrictive_is_idempotent(a: Marking, b: Marking) -> None:
    bundle = most_restrictive([a, b])
    assert most_restrictive([bundle, bundle]) == bundle
    assert most_restrictive([bundle]) == bundle


@given(markings(), markings(), markings())
def test_most_restrictive_is_commutative(a: Marking, b: Marking, c: Marking) -> None:
    assert most_restrictive([a, b]) == most_restrictive([b, a])
    assert most_restrictive([a, b, c]) == most_restrictive([c, a, b])


def test_most_restrictive_examples() -> None:
    public = Marking("public", "CLEAR")
    national = Marking("national", "GREEN", frozenset({"H1"}))
    red = Marking(
        "listed", "RED", frozenset({"H3"}), "court only", listed_agencies=frozenset({"TJK-DCA"})
    )
    assert most_restrictive([public, national]) == national
    # RED allows org or listed only: national ∩ listed under RED leaves the owner.
    assert most_restrictive([national, red]) == Marking(
        "org", "RED", frozenset({"H1", "H3"}), "court only"
    )
    a = Marking("listed", "AMBER", listed_agencies=frozenset({"TJK-DCA", "KGZ-BORDER"}))
    b = Marking(
        "listed",
        "GREEN",
        listed_agencies=frozenset({"TJK-DCA"}),
        listed_countries=frozenset({"KAZ"}),
    )
    assert most_restrictive([a, b]) == Marking(
        "listed", "AMBER", listed_agencies=frozenset({"TJK-DCA"})
    )


def test_most_restrictive_needs_a_marking() -> None:
    with pytest.raises(ValueError):
        most_restrictive([])


@given(markings(), markings())
def test_clip_to_parent_is_never_broader_than_the_parent(child: Marking, parent: Marking) -> None:
    clipped = clip_to_parent(child, parent)
    assert is_stricter_or_equal(clipped, parent)
    assert is_stricter_or_equal(clipped, child)
    check_marking(clipped)  # still a valid marking (listed keeps at least one entry)


@given(markings(), markings())
def test_clip_to_parent_keeps_a_child_that_is_already_stricter(
    child: Marking, parent: Marking
) -> None:
    clipped = clip_to_parent(child, parent)
    if not is_stricter_or_equal(child, parent):
        return
    assert (clipped.distribution, clipped.tlp, clipped.handling_codes) == (
        child.distribution,
        child.tlp,
        child.handling_codes,
    )
    assert (clipped.listed_agencies, clipped.listed_countries) == (
        child.listed_agencies,
        child.listed_countries,
    )


def test_clip_to_parent_examples() -> None:
    # DATA.md §2.6: a nominal part (default national, AMBER, H2) under a GREEN region seizure.
    person = Marking("national", "AMBER", frozenset({"H2"}))
    assert clip_to_parent(person, Marking("region", "GREEN")) == person
    # … under a RED org seizure it becomes RED org, H2.
    assert clip_to_parent(person, Marking("org", "RED")) == Marking("org", "RED", frozenset({"H2"}))
    # A region child under a listed parent takes the parent's list.
    parent = Marking("listed", "AMBER", listed_agencies=frozenset({"TJK-DCA"}))
    clipped = clip_to_parent(Marking("region", "GREEN"), parent)
    assert (clipped.distribution, clipped.listed_agencies) == ("listed", frozenset({"TJK-DCA"}))
    # Two listed audiences with nothing in common leave only the owner.
    other = Marking("listed", "AMBER", listed_agencies=frozenset({"KGZ-BORDER"}))
    assert clip_to_parent(other, parent).distribution == "org"
