"""Grading normalised to 4x4 with mapping version 1, exactly as the table of DATA.md §2.5."""

from __future__ import annotations

import pytest

from dozor.domain.errors import InvalidValue
from dozor.domain.grading import (
    INFO_4X4,
    MAPPING_VERSION,
    SOURCE_4X4,
    Grade,
    parse_info_grade,
    parse_source_grade,
)

# DATA.md §2.5, version 1: (scheme, code) → (4x4 value, suspected_false).
SPEC_SOURCE = {
    ("5x5x5", "A"): ("A", False),
    ("5x5x5", "B"): ("B", False),
    ("5x5x5", "C"): ("C", False),
    ("5x5x5", "D"): ("C", False),
    ("5x5x5", "E"): ("X", False),
    ("3x5x2", "1"): ("B", False),
    ("3x5x2", "2"): ("X", False),
    ("3x5x2", "3"): ("C", False),
}
SPEC_INFO = {
    ("5x5x5", "1"): ("1", False),
    ("5x5x5", "2"): ("2", False),
    ("5x5x5", "3"): ("3", False),
    ("5x5x5", "4"): ("4", False),
    ("5x5x5", "5"): ("4", True),
    ("3x5x2", "A"): ("2", False),
    ("3x5x2", "B"): ("3", False),
    ("3x5x2", "C"): ("4", False),
    ("3x5x2", "D"): ("4", False),
    ("3x5x2", "E"): ("4", True),
}


def test_mapping_version_is_1() -> None:
    assert MAPPING_VERSION == 1
    assert SOURCE_4X4 == ("A", "B", "C", "X")
    assert INFO_4X4 == ("1", "2", "3", "4")


@pytest.mark.parametrize(("key", "expected"), sorted(SPEC_SOURCE.items()))
def test_source_grade_mapping(key: tuple[str, str], expected: tuple[str, bool]) -> None:
    scheme, code = key
    for text in (f"{scheme}:{code}", f"{scheme}:{code.lower()}", f" {scheme.upper()} : {code} "):
        grade = parse_source_grade(text)
        assert (grade.scheme, grade.code) == (scheme, code), text
        assert (grade.norm, grade.suspected_false) == expected, text
        assert grade.mapping_version == 1
        assert grade.text() == f"{scheme}:{code}"


@pytest.mark.parametrize(("key", "expected"), sorted(SPEC_INFO.items()))
def test_info_grade_mapping(key: tuple[str, str], expected: tuple[str, bool]) -> None:
    scheme, code = key
    grade = parse_info_grade(f"{scheme}:{code.lower()}")
    assert (grade.scheme, grade.code) == (scheme, code)
    assert (grade.norm, grade.suspected_false) == expected
    assert grade.mapping_version == 1
    assert parse_info_grade(grade.text()) == grade


def test_only_5x5x5_info_5_and_3x5x2_info_e_are_suspected_false() -> None:
    flagged = {key for key, (_, suspected) in SPEC_INFO.items() if suspected}
    assert flagged == {("5x5x5", "5"), ("3x5x2", "E")}
    for scheme, code in SPEC_SOURCE:
        assert not parse_source_grade(f"{scheme}:{code}").suspected_false
    assert parse_info_grade("5x5x5:5").suspected_false
    assert parse_info_grade("3x5x2:E").suspected_false


@pytest.mark.parametrize("code", SOURCE_4X4)
def test_4x4_source_without_prefix(code: str) -> None:
    assert parse_source_grade(code) == Grade("4x4", code, code)
    assert parse_source_grade(code.lower()) == Grade("4x4", code, code)
    assert parse_source_grade(f"4x4:{code}") == Grade("4x4", code, code)
    assert parse_source_grade(code).text() == code


@pytest.mark.parametrize("code", INFO_4X4)
def test_4x4_info_without_prefix(code: str) -> None:
    assert parse_info_grade(code) == Grade("4x4", code, code)
    assert parse_info_grade(f" {code} ").text() == code


@pytest.mark.parametrize(
    "text",
    [
        "D",  # a 5x5x5 source letter needs its prefix (DATA.md §2.5)
        "E",
        "1",  # a 3x5x2 source digit without prefix
        "5x5x5:F",
        "5x5x5:1",  # an information code given as a source grade
        "3x5x2:4",
        "3x5x2:A",
        "4x4:D",
        "6x6:A",
        "5x5x5:",
        "",
        "AB",
    ],
)
def test_bad_source_grades_are_rejected(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_source_grade(text)
    assert caught.value.code == "unknown_code"


@pytest.mark.parametrize(
    "text",
    ["5", "A", "0", "5x5x5:6", "5x5x5:A", "3x5x2:F", "3x5x2:1", "4x4:5", "x:1", "12"],
)
def test_bad_info_grades_are_rejected(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_info_grade(text)
    assert caught.value.code == "unknown_code"


def test_unprefixed_non_4x4_code_says_a_prefix_is_needed() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_source_grade("D")
    assert "5x5x5" in str(caught.value)
