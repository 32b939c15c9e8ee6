"""Canonical selector forms (DATA.md §1 Phones, §2.8)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.domain.errors import InvalidValue
from dozor.domain.selectors import (
    ISO2_TO_ISO3,
    ISO3_TO_ISO2,
    PhoneNumber,
    iso6346_check_digit,
    luhn_ok,
    normalise_container,
    normalise_imei,
    normalise_national_id,
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    require_phone,
    vin_check_digit_ok,
)

FIVE = {"KAZ": "KZ", "KGZ": "KG", "TJK": "TJ", "TKM": "TM", "UZB": "UZ"}
NEIGHBOURS = {"AFG": "AF", "CHN": "CN", "IRN": "IR", "RUS": "RU", "PAK": "PK", "TUR": "TR"}
E164 = phonenumbers.PhoneNumberFormat.E164
NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL
INTERNATIONAL = phonenumbers.PhoneNumberFormat.INTERNATIONAL

# --- phones --------------------------------------------------------------------------------


def test_country_code_tables() -> None:
    for iso3, iso2 in {**FIVE, **NEIGHBOURS}.items():
        assert ISO3_TO_ISO2[iso3] == iso2
        assert ISO2_TO_ISO3[iso2] == iso3
    assert len(ISO2_TO_ISO3) == len(ISO3_TO_ISO2) == 249


def test_every_phone_region_has_an_iso3_country() -> None:
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        if example is None:
            continue
        text = phonenumbers.format_number(example, E164)
        phone = normalise_phone(text, None)
        assert phone.valid, region
        assert phone.country is not None and len(phone.country) == 3, region


def test_kazakh_and_russian_numbers_share_plus_seven() -> None:
    kaz = normalise_phone("+7 701 123 4567", None)
    assert kaz == PhoneNumber("+7 701 123 4567", "+77011234567", True, "KAZ")
    rus = normalise_phone("+7 916 123 4567", "KAZ")
    assert rus == PhoneNumber("+7 916 123 4567", "+79161234567", True, "RUS")
    # The default region does not override the number range.
    assert normalise_phone("+7 701 123 4567", "RUS").country == "KAZ"
    # National notation with the trunk prefix 8.
    assert normalise_phone("8 (701) 123-45-67", "KAZ").e164 == "+77011234567"
    assert normalise_phone("8 916 123 45 67", "KAZ").country == "RUS"


@pytest.mark.parametrize("iso3", [*FIVE, *NEIGHBOURS])
@pytest.mark.parametrize(
    "kind", [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE]
)
def test_local_numbers_use_the_default_country(iso3: str, kind: int) -> None:
    iso2 = ISO3_TO_ISO2[iso3]
    example = phonenumbers.example_number_for_type(iso2, kind)
    assert example is not None
    e164 = phonenumbers.format_number(example, E164)
    national = phonenumbers.format_number(example, NATIONAL)
    for raw in (national, phonenumbers.format_number(example, INTERNATIONAL), e164):
        phone = normalise_phone(raw, iso3)
        assert phone == PhoneNumber(raw, e164, True, iso3)
        assert require_phone(raw, iso3) == phone
    # An ISO2 default works as well; without one a national number is not understood.
    assert normalise_phone(national, iso2).e164 == e164
    assert normalise_phone(f"00{e164[1:]}", "KGZ").e164 == e164


def test_double_zero_international_prefix() -> None:
    for default in ("KAZ", "UZB", "RUS", None):
        phone = normalise_phone("00 992 93 123 4567", default)
        assert phone.e164 == "+992931234567"
        assert phone.country == "TJK"


@pytest.mark.parametrize(
    "raw",
    ["", " ", "garbage", "123", "+7 000 000 0000", "+999 123 456", "+", "phone: none", "8" * 40],
)
def test_invalid_phones(raw: str) -> None:
    phone = normalise_phone(raw, "KAZ")
    assert phone == PhoneNumber(raw, None, False, None)
    with pytest.raises(InvalidValue) as info:
        require_phone(raw, "KAZ")
    assert info.value.code == "invalid_phone"


def test_national_number_without_default_country_is_invalid() -> None:
    assert not normalise_phone("8 701 123 4567", None).valid
    assert not normalise_phone("8 701 123 4567", "XYZ").valid


@given(st.text(max_size=60), st.sampled_from([None, "KAZ", "RUS", "KZ", "", "??"]))
def test_normalise_phone_never_raises(raw: str, default: str | None) -> None:
    phone = normalise_phone(raw, default)
    assert phone.raw == raw
    assert phone.valid == (phone.e164 is not None)
    if phone.e164 is not None:
        assert phone.e164.startswith("+")
        assert normalise_phone(phone.e164, None) == PhoneNumber(
            phone.e164, phone.e164, True, phone.country
        )


# --- plates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("А 123 ВС 02", "KAZ", "KAZ:A123BC02"),
        ("а123вс02", "KAZ", "KAZ:A123BC02"),
        ("A 123 BC 02", "kaz", "KAZ:A123BC02"),
        ("01 A 123 BC", "UZB", "UZB:01A123BC"),
        ("01-A-123-BC", "UZB", "UZB:01A123BC"),
        ("К.777.ОР", "RUS", "RUS:K777OP"),
        ("Е 001 КХ 77", "RUS", "RUS:E001KX77"),
        ("МНОРСТУХ", "RUS", "RUS:MHOPCTYX"),
        ("AB", "TJK", "TJK:AB"),
        ("123456789012", "TKM", "TKM:123456789012"),
        ("\u00a0B\u00a0123\tAB ", "KGZ", "KGZ:B123AB"),
    ],
)
def test_plates(raw: str, country: str, expected: str) -> None:
    assert normalise_plate(raw, country) == expected


@pytest.mark.parametrize(
    "raw",
    ["A", "", " - ", "1234567890123", "Ж 123 АВ", "Д777", "Я 01", "A/123", "Ä123", "A_123"],
)
def test_invalid_plates(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_plate(raw, "KAZ")
    assert info.value.code == "invalid_plate"


def test_plate_needs_an_iso3_country() -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_plate("A123BC", "KZ")
    assert info.value.code == "invalid_plate"


PLATE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789АВЕКМНОРСТУХавекмнорстух -."


@given(st.text(alphabet=PLATE_CHARS, max_size=20))
def test_plate_is_idempotent(raw: str) -> None:
    try:
        canonical = normalise_plate(raw, "KAZ")
    except InvalidValue as error:
        assert error.code == "invalid_plate"
        return
    country, plate = canonical.split(":")
    assert country == "KAZ"
    assert 2 <= len(plate) <= 12
    assert plate.isascii() and plate.isalnum() and plate == plate.upper()
    assert normalise_plate(plate, "KAZ") == canonical


# --- documents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("N 1234567", "KAZ", "KAZ:N1234567"),
        ("n1234567", "KAZ", "KAZ:N1234567"),
        ("АВ1234567", "UZB", "UZB:AB1234567"),
        ("ав 123-45-67", "UZB", "UZB:AB1234567"),
        ("AB<<1234567<", "UZB", "UZB:AB1234567"),
        ("ІМ1234", "TJK", "TJK:IM1234"),
        ("12345", "KGZ", "KGZ:12345"),
        ("A" * 20, "TKM", "TKM:" + "A" * 20),
    ],
)
def test_passports(raw: str, country: str, expected: str) -> None:
    assert normalise_passport(raw, country) == expected


@pytest.mark.parametrize(
    "raw", ["", "1234", "A" * 21, "№1234567", "ЖК1234567", "AB/123456", "AB.1234567"]
)
def test_invalid_passports(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_passport(raw, "KAZ")
    assert info.value.code == "invalid_document"


@given(st.text(alphabet="ABCXYZ0123456789АВЕКМНОРСТУХІ <-", max_size=25))
def test_passport_is_idempotent(raw: str) -> None:
    try:
        canonical = normalise_passport(raw, "UZB")
    except InvalidValue as error:
        assert error.code == "invalid_document"
        return
    number = canonical.split(":")[1]
    assert 5 <= len(number) <= 20
    assert number.isascii() and number.isalnum()
    assert normalise_passport(number, "UZB") == canonical


@pytest.mark.parametrize(
    ("raw", "country", "id_type", "expected"),
    [
        ("850101300123", "KAZ", "iin", "KAZ:iin:850101300123"),
        ("8501 0130 0123", "kaz", "IIN", "KAZ:iin:850101300123"),
        ("31234567890123", "UZB", "pinfl", "UZB:pinfl:31234567890123"),
        ("312-345678-90123", "UZB", "pinfl", "UZB:pinfl:31234567890123"),
        ("12345", "TJK", "inn", "TJK:inn:12345"),
        ("1" * 20, "KGZ", "pin", "KGZ:pin:" + "1" * 20),
        ("1234567", "KAZ", "other_id", "KAZ:other_id:1234567"),
    ],
)
def test_national_ids(raw: str, country: str, id_type: str, expected: str) -> None:
    assert normalise_national_id(raw, country, id_type) == expected


@pytest.mark.parametrize(
    ("raw", "country", "id_type"),
    [
        ("85010130012", "KAZ", "iin"),
        ("8501013001234", "KAZ", "iin"),
        ("3123456789012", "UZB", "pinfl"),
        ("1234", "TJK", "inn"),
        ("1" * 21, "TJK", "inn"),
        ("85010130012A", "KAZ", "iin"),
        ("８５０１０１３００１２３", "KAZ", "iin"),
        ("850101300123", "KAZ", "bad type"),
        ("850101300123", "KAZ", ""),
    ],
)
def test_invalid_national_ids(raw: str, country: str, id_type: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_national_id(raw, country, id_type)
    assert info.value.code == "invalid_document"


# --- VIN -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),
        ("1m8gdm9axkp042788", "1M8GDM9AXKP042788"),
        ("1M8 GDM9A-XKP 042788", "1M8GDM9AXKP042788"),
        ("XTA21099043456789", "XTA21099043456789"),
    ],
)
def test_vin(raw: str, expected: str) -> None:
    assert normalise_vin(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1M8GDM9AXKP04278",  # 16
        "1M8GDM9AXKP0427880",  # 18
        "1M8GDM9AIKP042788",  # I
        "1M8GDM9AOKP042788",  # O
        "1M8GDM9AQKP042788",  # Q
        "1M8GDM9A.KP042788",
        "ХТА21099043456789",  # Cyrillic look-alikes are not converted
    ],
)
def test_invalid_vin(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_vin(raw)
    assert info.value.code == "invalid_vin"


def test_vin_check_digit() -> None:
    assert vin_check_digit_ok("1M8GDM9AXKP042788")
    assert vin_check_digit_ok("11111111111111111")  # the classic all-ones example
    assert not vin_check_digit_ok("1M8GDM9A1KP042788")
    assert not vin_check_digit_ok("1m8gdm9axkp042788")  # not normalised
    assert not vin_check_digit_ok("1M8GDM9AXKP04278")
    # A VIN that fails the check digit is still accepted.
    assert not vin_check_digit_ok("XTA21099043456789")
    assert normalise_vin("XTA21099043456789") == "XTA21099043456789"


VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@given(st.text(alphabet=VIN_CHARS, min_size=17, max_size=17))
def test_vin_is_idempotent_and_exactly_one_check_digit_fits(vin: str) -> None:
    assert normalise_vin(vin) == vin
    assert normalise_vin(normalise_vin(vin).lower()) == vin
    fitting = [c for c in "0123456789X" if vin_check_digit_ok(vin[:8] + c + vin[9:])]
    assert len(fitting) == 1


# --- IMEI and Luhn -------------------------------------------------------------------------


def test_imei() -> None:
    assert luhn_ok("490154203237518")
    assert normalise_imei("490154203237518") == "49015420323751"
    assert normalise_imei("49-015420-323751-8") == "49015420323751"
    assert normalise_imei("49 015420 323751 8") == "49015420323751"
    assert normalise_imei("49015420323751") == "49015420323751"


@pytest.mark.parametrize(
    "raw",
    ["490154203237519", "4901542032375", "4901542032375180", "", "49015420323751A", "IMEI"],
)
def test_invalid_imei(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_imei(raw)
    assert info.value.code == "invalid_imei"


def test_luhn_edge_cases() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert luhn_ok("0")
    assert not luhn_ok("")
    assert not luhn_ok("12a3")
    assert not luhn_ok("٣")


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_luhn_exactly_one_check_digit_passes(body: str) -> None:
    passing = [d for d in "0123456789" if luhn_ok(body + d)]
    assert len(passing) == 1
    assert luhn_ok(body + passing[0])


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_imei_with_check_digit(body: str) -> None:
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    assert normalise_imei(body + check) == body
    assert normalise_imei(body) == body
    wrong = str((int(check) + 1) % 10)
    with pytest.raises(InvalidValue):
        normalise_imei(body + wrong)


# --- containers ----------------------------------------------------------------------------


def test_container() -> None:
    assert iso6346_check_digit("CSQU305438") == 3
    assert normalise_container("CSQU3054383") == "CSQU3054383"
    assert normalise_container("csqu 305438 3") == "CSQU3054383"
    assert normalise_container("CSQU-305438-3") == "CSQU3054383"


@pytest.mark.parametrize(
    "raw",
    [
        "CSQU3054384",  # wrong check digit
        "CSQU3054380",
        "CSQA3054383",  # category must be U, J or Z
        "CSQU305438",
        "CSQU30543833",
        "CSQ3054383",
        "",
        "ЦСКУ3054383",
    ],
)
def test_invalid_container(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_container(raw)
    assert info.value.code == "invalid_container"


def test_iso6346_rejects_malformed_prefix() -> None:
    with pytest.raises(InvalidValue) as info:
        iso6346_check_digit("CSQU30543")
    assert info.value.code == "invalid_container"


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_container_check_digit_round_trip(owner: str, category: str, serial: str) -> None:
    first10 = owner + category + serial
    digit = iso6346_check_digit(first10)
    assert 0 <= digit <= 9
    number = f"{first10}{digit}"
    assert normalise_container(number) == number
    assert normalise_container(number.lower()) == number
    wrong = (digit + 1) % 10
    with pytest.raises(InvalidValue):
        normalise_container(f"{first10}{wrong}")
