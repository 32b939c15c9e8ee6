"""Pairs that must and must not match, the index, and batch deduplication."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.bench.person_variants import generate
from dozor.demo.people import new_phone, render_phone
from dozor.demo.rand import Rng
from dozor.domain.selectors import normalise_phone
from dozor.matching.batch import deduplicate, match_pairs
from dozor.matching.identity import PersonIndex, PersonRecord, blocking_keys, compare
from dozor.matching.identity.compare import (
    compare_prepared,
    name_frequency_weight,
    pair_log_odds,
    pair_log_odds_before_frequency,
    score_of,
)
from dozor.matching.identity.records import phone_key, prepare


def rec(record_id: str, *fields: str, **named: str) -> PersonRecord:
    names = ("surname", "given_name", "patronymic", "date_of_birth")
    return PersonRecord(record_id, **dict(zip(names, fields, strict=False)), **named)


MUST_MATCH = [
    (rec("a", "Юсупов", "Бахтиёр", "", "1985-03-02"), rec("b", "YUSUPOV", "BAKHTIYOR", "", "1985")),
    (
        rec("a", "Юсупов", "Бахтиёр", "Рустамович"),
        rec("b", "Baxtiyor", "Yusupov", "Rustam o'g'li"),
    ),
    (rec("a", "Iouldachev", "Djamchid", "", "1979"), rec("b", "Юлдашев", "Жамшид", "", "1979-11")),
    (
        rec("a", "Jussupow", "Bachtijar", "", "12.04.1990"),
        rec("b", "Юсупов", "Бахтияр", "", "1990-04-12"),
    ),
    (
        rec("a", "Yusupvo", "Bakhtiyor", "", "1985-03-02"),
        rec("b", "Yusupov", "Bakhtiyor", "", "1985-03-02"),
    ),
    (
        rec("a", "Жақсылықов", "Нұрлан", "Серікұлы", "1990-01-01"),
        rec("b", "ZHAKSYLYKOV", "NURLAN", "SERIKOVICH", "1990-01-01"),
    ),
    (
        rec("a", "Асанов", "Бакыт", "Токтосун уулу", "1971"),
        rec("b", "Asanov", "Bakyt", "Toktosunovich", "1971-06-30"),
    ),
    (rec("a", "Öwezow", "Myrat", "", "1988-02-02"), rec("b", "Овезов", "Мурат", "", "1988-02-02")),
    (
        rec("a", "Nurlanov", "Erlan", passport_number="N1234567", nationality="KAZ"),
        rec("b", "Нұрланов", "Ерлан", passport_number="N 1234567", nationality="KAZ"),
    ),
    (
        rec("a", "Юсупов Бахтиёр Рустамович", "", "", "1985-03-02"),
        rec("b", "Yusupov", "Bakhtiyor", "Rustamovich", "1985-03-02"),
    ),
    (
        rec("a", "Hasanov", "Shuhrat", "", "1966-01-24", phone="+998 90 123 45 67"),
        rec("b", "Xasanov", "Shuxrat", "", "", phone="901234567", nationality="UZB"),
    ),
    (
        rec("a", "Ahmedov", "Dilshod", "", "1983-05-07"),
        rec("b", "Ahmedov", "Dilshod", "", "1983-07-05"),
    ),
]

MUST_NOT_MATCH = [
    (  # father and son of one name, sharing a phone
        rec("a", "Юсупов", "Бахтиёр", "Рустамович", "1960-03-02", phone="+998901234567"),
        rec("b", "YUSUPOV", "BAKHTIYOR", "BAKHTIYOROVICH", "1988-05-01", phone="+998901234567"),
    ),
    (  # father and son, no patronymics
        rec("a", "Karimov", "Rustam", "", "1955"),
        rec("b", "Каримов", "Рустам", "", "1983-02-11"),
    ),
    (
        rec("a", "Karimova", "Dilnoza", "", "1980-01-01"),
        rec("b", "Karimov", "Dilshod", "", "1980-01-01"),
    ),
    (  # namesakes with different fathers
        rec("a", "Rahimov", "Aziz", "Anvarovich"),
        rec("b", "Рахимов", "Азиз", "Бахтиёрович"),
    ),
    (  # brothers sharing a phone
        rec("a", "Toshmatov", "Sardor", "Akmalovich", "1990", phone="+998931112233"),
        rec("b", "Toshmatov", "Sanjar", "Akmalovich", "1992", phone="+998931112233"),
    ),
    (
        rec("a", "Karimov", "Rustam", "", "1980-01-01"),
        rec("b", "Rahimov", "Rustam", "", "1980-01-01"),
    ),
    (rec("a", "Aliev", "Timur", "", "1975-02-03"), rec("b", "Alimov", "Timur", "", "1975-02-03")),
    (rec("a", "Yusupova", "Munira", "", "1991"), rec("b", "Yusupov", "Munir", "", "1991")),
]


@pytest.mark.parametrize(("a", "b"), MUST_MATCH)
def test_must_match_both_ways(a: PersonRecord, b: PersonRecord) -> None:
    for x, y in ((a, b), (b, a)):
        result = compare(x, y)
        assert result.is_match, {k: v.as_dict() for k, v in result.features.items()}
    assert blocking_keys(a) & blocking_keys(b), "the pair would never be a candidate"


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MATCH)
def test_must_not_match_both_ways(a: PersonRecord, b: PersonRecord) -> None:
    for x, y in ((a, b), (b, a)):
        result = compare(x, y)
        assert not result.is_match, {k: v.as_dict() for k, v in result.features.items()}


def test_explanation_names_features_and_values() -> None:
    a, b = MUST_NOT_MATCH[0]
    result = compare(a, b)
    assert result.features["date_of_birth"].contribution < 0
    assert result.features["date_of_birth"].left == "1960-03-02"
    assert result.features["phone"].contribution > 0
    assert result.features["names"].contribution > 0
    assert 0.0 <= result.score < 0.5


_FIELD = st.sampled_from(
    [
        "",
        "Юсупов",
        "YUSUPOV",
        "Jussupow",
        "Бахтиёр",
        "Baxtiyor",
        "Karimova",
        "Рустамович",
        "Rustam o'g'li",
        "Нұрланұлы",
        "Iouldachev",
        "Ахмедов",
        "Sergej",
    ]
)
_DOB = st.sampled_from(["", "1985", "1985-03", "1985-03-02", "02.03.1985", "1960-01-01", "bad"])
_RECORD = st.builds(
    PersonRecord,
    id=st.sampled_from(["x", "y"]),
    surname=_FIELD,
    given_name=_FIELD,
    patronymic=_FIELD,
    date_of_birth=_DOB,
    nationality=st.sampled_from(["", "UZB", "KAZ"]),
    passport_number=st.sampled_from(["", "AA1234567", "AB7654321"]),
    phone=st.sampled_from(["", "+998901234567", "90 123 45 67", "+77011234567"]),
)


@settings(max_examples=300, deadline=None)
@given(_RECORD, _RECORD)
def test_compare_is_symmetric_and_bounded(a: PersonRecord, b: PersonRecord) -> None:
    ab, ba = compare(a, b), compare(b, a)
    assert ab.score == pytest.approx(ba.score)
    assert ab.is_match == ba.is_match
    assert 0.0 <= ab.score <= 1.0
    assert set(ab.features) == set(ba.features)


def test_index_add_remove_and_candidates() -> None:
    index = PersonIndex()
    stored = [
        rec("1", "Юсупов", "Бахтиёр", "Рустамович", "1985-03-02"),
        rec("2", "Юсупов", "Бахтиёр", "Бахтиёрович", "2010-01-01"),
        rec("3", "Каримов", "Рустам", "", "1970"),
    ]
    for r in stored:
        index.add(r)
    probe = rec("new", "YUSUPOV", "BAKHTIYOR", "RUSTAM UGLI", "1985")
    found = index.candidates(probe)
    assert found[0][0].id == "1" and found[0][1].is_match
    assert all(other.id != "3" for other, _ in found)
    assert not any(r.is_match for other, r in found if other.id == "2")
    index.remove("1")
    assert "1" not in index and len(index) == 2
    assert all(other.id != "1" for other, _ in index.candidates(probe))
    index.add(rec("2", "Каримов", "Рустам", "", "1970"))  # replaces record 2
    assert [o.id for o, r in index.candidates(rec("q", "Karimov", "Rustam")) if r.is_match] == [
        "2",
        "3",
    ] or len(index) == 2


def test_deduplicate_clusters_and_keeps_father_and_son_apart() -> None:
    records = [
        rec("1", "Юсупов", "Бахтиёр", "", "1960-03-02", phone="+998901234567"),
        rec("2", "YUSUPOV", "BAKHTIYOR", "", "1960", phone="+998 90 123 45 67"),
        rec("3", "Yusupov", "Baxtiyor", "Baxtiyor o'g'li", "1988-05-01"),
        rec("4", "Юсупов", "Бахтиёр", "Бахтиёрович", "1988-05-01"),
        rec("5", "Bakhtiyor", "Yusupov"),  # no date: joins one of them or stays alone
        rec("6", "Karimov", "Rustam", "", "1970"),
    ]
    clusters = deduplicate(records)
    assert clusters["1"] == clusters["2"] == "1"
    assert clusters["3"] == clusters["4"] == "3"
    assert clusters["1"] != clusters["3"]
    assert clusters["6"] == "6"
    pairs = match_pairs(records)
    assert all(p.left < p.right for p in pairs)


def test_deduplicate_rejects_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        deduplicate([rec("1", "A"), rec("1", "B")])


@settings(max_examples=300, deadline=None)
@given(_RECORD, _RECORD, st.integers(min_value=1, max_value=500))
def test_fast_path_is_the_explained_score(a: PersonRecord, b: PersonRecord, count: int) -> None:
    """The batch's log-odds (without explanation) is exactly what `compare` explains."""
    pa, pb = prepare(a), prepare(b)
    log_odds = pair_log_odds(pa, pb, count)
    explained = compare_prepared(pa, pb, name_count=count)
    assert explained.score == pytest.approx(score_of(log_odds))
    bias = -7.0  # the prior log-odds of two records being one person (compare._BIAS)
    evidence = sum(f.contribution for f in explained.features.values())
    assert evidence == pytest.approx(log_odds - bias)
    before, lowered = pair_log_odds_before_frequency(pa, pb)
    if lowered and count > 1:
        before += name_frequency_weight(count)
    assert before == log_odds


def test_phone_keys_are_the_e164_of_valid_numbers() -> None:
    rng = Rng(5)
    for country in ("KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "AFG"):
        for _ in range(200):
            number = new_phone(rng, country)
            for reporting in (country, "UZB"):
                written = render_phone(number, reporting, rng)
                expected = normalise_phone(written, reporting).e164
                if expected:
                    assert phone_key(written, reporting) == expected, (written, reporting)


def test_parallel_batch_finds_exactly_the_pairs_of_a_single_process() -> None:
    """Workers forked while the batch is still being built miss nothing and add nothing."""
    records, _ = generate(24000, seed=3)
    single = match_pairs(records, workers=1)
    parallel = match_pairs(records, workers=2)
    assert [(p.left, p.right, p.score, p.name_count) for p in single] == [
        (p.left, p.right, p.score, p.name_count) for p in parallel
    ]
    assert len(single) > 10000
