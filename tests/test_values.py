"""Import cell values: partial dates, decimals, percentages, integers (DATA.md §1, §6)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.errors import InvalidValue
from dozor.domain.values import (
    PartialDate,
    Precision,
    parse_date,
    parse_decimal,
    parse_int,
    parse_percent,
    partial_date_from_native,
)

# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "precision", "iso"),
    [
        ("2021-03-05", datetime(2021, 3, 5), "day", "2021-03-05"),
        ("05.03.2021", datetime(2021, 3, 5), "day", "2021-03-05"),
        ("5.3.2021", datetime(2021, 3, 5), "day", "2021-03-05"),
        ("05.3.2021", datetime(2021, 3, 5), "day", "2021-03-05"),
        ("  2021-03-05\t", datetime(2021, 3, 5), "day", "2021-03-05"),
        ("2021-03-05 14:30", datetime(2021, 3, 5, 14, 30), "minute", "2021-03-05T14:30"),
        ("2021-03-05T14:30", datetime(2021, 3, 5, 14, 30), "minute", "2021-03-05T14:30"),
        ("05.03.2021 14:30", datetime(2021, 3, 5, 14, 30), "minute", "2021-03-05T14:30"),
        ("5.3.2021 9:05", datetime(2021, 3, 5, 9, 5), "minute", "2021-03-05T09:05"),
        ("2021-03-05 00:00", datetime(2021, 3, 5), "minute", "2021-03-05T00:00"),
        ("2021-03-05 23:59", datetime(2021, 3, 5, 23, 59), "minute", "2021-03-05T23:59"),
        ("2024-02-29", datetime(2024, 2, 29), "day", "2024-02-29"),
        ("2021-03", datetime(2021, 3, 1), "month", "2021-03"),
        ("03.2021", datetime(2021, 3, 1), "month", "2021-03"),
        ("3.2021", datetime(2021, 3, 1), "month", "2021-03"),
        ("2021", datetime(2021, 1, 1), "year", "2021"),
        (" 1999 ", datetime(1999, 1, 1), "year", "1999"),
    ],
)
def test_parse_date_accepted_forms(
    text: str, value: datetime, precision: Precision, iso: str
) -> None:
    parsed = parse_date(text)
    assert parsed == PartialDate(value, precision)
    assert parsed.value.tzinfo is None
    assert parsed.iso() == iso


@pytest.mark.parametrize(
    "text",
    ["03/04/2021", "3/4/2021", "2021/03/04", "03/04/21", "03/2021", "03/04/2021 14:30"],
)
def test_slash_dates_are_ambiguous(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date(text)
    assert info.value.code == "ambiguous_date"
    assert "expected" in info.value.params


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2021-02-30",
        "2021-02-29",
        "31.04.2021",
        "2021-13-01",
        "2021-00-10",
        "2021-13",
        "13.2021",
        "00.2021",
        "0000",
        "21",
        "20210305",
        "2021-3-5",
        "05.03.21",
        "2021-03-05 24:00",
        "2021-03-05 14:60",
        "2021-03-05 14",
        "2021-03-05 14:30:00",
        "2021-03-05T14:30Z",
        "yesterday",
        "5 марта 2021",
        "2021-03-05x",
        "٢٠٢١",
        "05..03.2021",
    ],
)
def test_invalid_dates(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date(text)
    assert info.value.code == "invalid_date"
    assert info.value.params["expected"]
    assert info.value.message


def test_error_is_a_fresh_exception_each_time() -> None:
    errors = []
    for _ in range(2):
        with pytest.raises(InvalidValue) as info:
            parse_date("2021-02-30")
        errors.append(info.value)
    assert errors[0] is not errors[1]
    assert errors[0].code == errors[1].code == "invalid_date"


def test_partial_date_iso_pads_years() -> None:
    assert PartialDate(datetime(987, 6, 5, 4, 3), "minute").iso() == "0987-06-05T04:03"
    assert parse_date("0987").iso() == "0987"


@given(st.dates())
def test_iso_and_dotted_day_forms_agree(d: date) -> None:
    iso = parse_date(d.isoformat())
    dotted = parse_date(f"{d.day:02d}.{d.month:02d}.{d.year:04d}")
    short = parse_date(f"{d.day}.{d.month}.{d.year:04d}")
    assert iso.precision == dotted.precision == short.precision == "day"
    assert iso.value == dotted.value == short.value == datetime(d.year, d.month, d.day)


@given(st.datetimes())
def test_minute_forms_agree_and_round_trip(dt: datetime) -> None:
    expected = PartialDate(dt.replace(second=0, microsecond=0), "minute")
    day = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"
    time = f"{dt.hour:02d}:{dt.minute:02d}"
    for text in (
        f"{day} {time}",
        f"{day}T{time}",
        f"{dt.day:02d}.{dt.month:02d}.{dt.year:04d} {time}",
        f"{dt.day}.{dt.month}.{dt.year:04d} {dt.hour}:{dt.minute:02d}",
    ):
        assert parse_date(text) == expected
    assert parse_date(expected.iso()) == expected


@given(st.dates(), st.sampled_from(["year", "month", "day"]))
def test_iso_round_trip_is_idempotent(d: date, precision: str) -> None:
    text = {"year": f"{d.year:04d}", "month": f"{d.year:04d}-{d.month:02d}"}.get(
        precision, d.isoformat()
    )
    parsed = parse_date(text)
    assert parsed.precision == precision
    assert parse_date(parsed.iso()) == parsed


@given(st.text(alphabet="0123456789-./: T", max_size=20))
def test_parse_date_only_raises_invalid_value(text: str) -> None:
    try:
        parsed = parse_date(text)
    except InvalidValue as error:
        assert error.code in {"invalid_date", "ambiguous_date"}
    else:
        assert parse_date(parsed.iso()) == parsed


def test_partial_date_from_native() -> None:
    assert partial_date_from_native(date(2021, 3, 5)) == PartialDate(datetime(2021, 3, 5), "day")
    assert partial_date_from_native(datetime(2021, 3, 5)) == PartialDate(
        datetime(2021, 3, 5), "day"
    )
    assert partial_date_from_native(datetime(2021, 3, 5, 14, 30)) == PartialDate(
        datetime(2021, 3, 5, 14, 30), "minute"
    )
    # Seconds are dropped.
    assert partial_date_from_native(datetime(2021, 3, 5, 14, 30, 59, 999)) == PartialDate(
        datetime(2021, 3, 5, 14, 30), "minute"
    )
    aware = partial_date_from_native(datetime(2021, 3, 5, 14, 30, tzinfo=UTC))
    assert aware.value.tzinfo is None
    assert aware.precision == "minute"


@given(st.datetimes())
def test_native_datetime_matches_text(dt: datetime) -> None:
    native = partial_date_from_native(dt)
    assert parse_date(native.iso()) == native


# --- decimals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", "3"),
        ("0", "0"),
        ("1.5", "1.5"),
        ("1,5", "1.5"),
        (" 1,5 ", "1.5"),
        ("0,001", "0.001"),
        ("1.000", "1.000"),  # one mark is always the decimal mark
        ("1,000", "1.000"),
        ("1 000,5", "1000.5"),
        ("1 000.5", "1000.5"),
        ("1\u00a0000,5", "1000.5"),
        ("1\u202f000,5", "1000.5"),
        ("1\u2009000,5", "1000.5"),
        ("12 345 678,25", "12345678.25"),
        ("1 000", "1000"),
        ("+2,5", "2.5"),
        ("-2,5", "-2.5"),
        (",5", "0.5"),
        (".5", "0.5"),
        ("007", "7"),
        ("1234567", "1234567"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ],
)
def test_parse_decimal_accepted_forms(text: str, value: str) -> None:
    parsed = parse_decimal(text)
    assert isinstance(parsed, Decimal)
    assert parsed == Decimal(value)


def test_parse_decimal_keeps_the_reported_digits() -> None:
    assert str(parse_decimal("1,50")) == "1.50"
    assert str(parse_decimal("1 000,5")) == "1000.5"


@pytest.mark.parametrize(
    "text",
    ["1,000.5", "1.000,5", "1 000.000,5", "1.000.000", "1,000,000", "-1.000.000", "12.345.678"],
)
def test_ambiguous_numbers(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_decimal(text)
    assert info.value.code == "ambiguous_number"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1,5,3",
        "1.5.3",
        "1,00,000",
        "abc",
        "1e5",
        "1E-3",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "12 34",
        "1 0000",
        "1  000",
        "1000 000",
        "0,123 456",
        "5,",
        "5.",
        ",",
        ".",
        "+",
        "-",
        "+-1",
        "--1",
        "1-",
        "1 кг",
        "10%",
        "٣",
        "1_000",
        "0x10",
        "1'000",
    ],
)
def test_invalid_numbers(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_decimal(text)
    assert info.value.code == "invalid_number"
    assert info.value.params["expected"]


def _decimals() -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=6
    ) | st.decimals(min_value=0, max_value=Decimal("1e9"), allow_nan=False, places=0)


@given(_decimals())
def test_decimal_round_trips(value: Decimal) -> None:
    plain = format(value, "f")
    assert parse_decimal(plain) == value
    assert parse_decimal(plain.replace(".", ",")) == value
    grouped = format(value, ",f")  # 1,234,567.5
    spaced = grouped.replace(",", " ")
    assert parse_decimal(spaced) == value
    assert parse_decimal(spaced.replace(".", ",")) == value
    assert parse_decimal(grouped.replace(",", "\u00a0").replace(".", ",")) == value
    assert parse_decimal(spaced.replace(" ", "\u202f")) == value


@given(_decimals())
def test_decimal_parse_is_idempotent(value: Decimal) -> None:
    once = parse_decimal(format(value, "f").replace(".", ","))
    assert parse_decimal(format(once, "f")) == once
    assert str(parse_decimal(format(once, "f"))) == format(once, "f")


@given(st.text(alphabet="0123456789 ,.+-%eE\u00a0\u202f", max_size=16))
def test_parse_decimal_never_returns_a_float(text: str) -> None:
    try:
        parsed = parse_decimal(text)
    except InvalidValue as error:
        assert error.code in {"invalid_number", "ambiguous_number"}
    else:
        assert isinstance(parsed, Decimal)
        assert not isinstance(parsed, float)
        assert parsed.is_finite()


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", "12.5"), ("12,5%", "12.5"), ("12.5 %", "12.5"), (" 100% ", "100"), ("0", "0")],
)
def test_parse_percent(text: str, value: str) -> None:
    parsed = parse_percent(text)
    assert isinstance(parsed, Decimal)
    assert parsed == Decimal(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("%", "invalid_number"),
        ("12%%", "invalid_number"),
        ("%12", "invalid_number"),
        ("abc%", "invalid_number"),
        ("1,000.5%", "ambiguous_number"),
    ],
)
def test_parse_percent_errors(text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_percent(text)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("text", "value"), [("3", 3), (" 3 ", 3), ("0", 0), ("+3", 3), ("012", 12)]
)
def test_parse_int(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["", "-1", "3.0", "3,5", "1 000", "three", "1e3", "٣", "3 4"])
def test_parse_int_errors(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_int(text)
    assert info.value.code == "invalid_number"


@given(st.integers(min_value=0))
def test_parse_int_round_trips(value: int) -> None:
    assert parse_int(str(value)) == value
    assert parse_int(f" {value}\t") == value
