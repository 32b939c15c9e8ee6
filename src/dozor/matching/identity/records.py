"""Person records as given, and their prepared (normalised, comparable) form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers

from dozor.domain.selectors import ISO3_TO_ISO2, normalise_phone
from dozor.matching.identity.names import (
    NameForms,
    given_forms,
    is_patronymic_marker,
    looks_like_patronymic,
    patronymic_forms,
    surname_forms,
)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as recorded. Empty strings stand for unknown values.

    `date_of_birth` is ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (also ``DD.MM.YYYY`` and
    ``MM.YYYY``); `nationality` is ISO 3166-1 alpha-3 (also the issuing country of the
    passport); `phone` is in any notation, read with the nationality as the default region.
    """

    id: str
    surname: str = ""
    given_name: str = ""
    patronymic: str = ""
    date_of_birth: str = ""
    nationality: str = ""
    passport_number: str = ""
    phone: str = ""


PartialDate = tuple[int, int | None, int | None]  # year, month or None, day or None

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DOTTED = re.compile(r"(?:(\d{1,2})[./])?(\d{1,2})[./](\d{4})")


def parse_partial_date(text: str) -> PartialDate | None:
    """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``MM.YYYY`` or ``DD.MM.YYYY``; None when empty.

    Raises ValueError for anything else, or for a month or day that does not exist.
    """
    value = text.strip()
    if not value:
        return None
    if m := _ISO.fullmatch(value):
        year, month, day = m.group(1), m.group(2), m.group(3)
    elif m := _DOTTED.fullmatch(value):
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        raise ValueError("not a date: use YYYY, YYYY-MM, YYYY-MM-DD or DD.MM.YYYY")
    y = int(year)
    mo = int(month) if month else None
    d = int(day) if day else None
    if not 1800 <= y <= 2200:
        raise ValueError("the year is out of range")
    if mo is not None and not 1 <= mo <= 12:
        raise ValueError("the month does not exist")
    if d is not None and mo is not None:
        date(y, mo, d)  # raises ValueError for 31 February
    return (y, mo, d)


@lru_cache(maxsize=65536)
def _lenient_date(text: str) -> PartialDate | None:
    try:
        return parse_partial_date(text)
    except ValueError:
        return None


_LOOKALIKES = str.maketrans(dict(zip("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI", strict=True)))
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def passport_key(number: str) -> str:
    """A passport number folded for comparison: upper case A–Z0–9, look-alikes made Latin."""
    return _NOT_ALNUM.sub("", number.upper().translate(_LOOKALIKES))


_NOT_DIGIT = re.compile(r"\D")


@lru_cache(maxsize=512)
def _numbering_plan(region: str) -> tuple[str, str, frozenset[int]] | None:
    """Country code, trunk prefix and national number lengths of a region, when simple."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    prefix = metadata.national_prefix or ""
    if (metadata.national_prefix_for_parsing or "") != prefix:
        return None  # a pattern, not a plain prefix: leave it to phonenumbers
    general = metadata.general_desc
    lengths = frozenset(general.possible_length or ()) if general else frozenset()
    return str(metadata.country_code), prefix, lengths


@lru_cache(maxsize=65536)
def phone_key(raw: str, nationality: str) -> str:
    """A phone number's comparison key: E.164, read with the nationality as default region.

    Numbers written with ``+`` or ``00`` are their digits; national numbers of a region with
    a plain trunk prefix (8 in Kazakhstan, 0 in Kyrgyzstan) lose it and gain the country
    code. That is the E.164 form of every valid number, without the cost of full parsing;
    other notations go through `normalise_phone`. Not a validity check: two records with the
    same unusual number still agree. Too short a number gives "".
    """
    text = raw.strip()
    if not text:
        return ""
    digits = _NOT_DIGIT.sub("", text)
    if text.startswith(("+", "00")):
        if text.startswith("00"):
            digits = digits[2:]
        return "+" + digits if 7 <= len(digits) <= 15 else ""
    region = ISO3_TO_ISO2.get(nationality)
    plan = _numbering_plan(region) if region else None
    if plan is not None:
        code, prefix, lengths = plan
        if prefix and digits.startswith(prefix) and len(digits) - len(prefix) in lengths:
            return "+" + code + digits[len(prefix) :]
        if len(digits) in lengths and not (prefix and digits.startswith(prefix)):
            return "+" + code + digits
    phone = normalise_phone(raw, region)
    if phone.e164:
        return phone.e164
    return "+?" + digits if len(digits) >= 7 else ""


def split_name_fields(surname: str, given: str, patronymic: str) -> tuple[str, str, str]:
    """Separate a full name typed into one field ("Юсупов Бахтиёр Рустамович").

    Patronymic-looking words (and a preceding word with a local marker such as o'g'li or
    uulu) become the patronymic; of the rest, the first word is the surname and the others
    the given name. Fields already filled are kept.
    """
    if given.strip() or patronymic.strip() or len(surname.split()) < 2:
        if not patronymic.strip() and len(given.split()) >= 2:
            words = given.split()
            if looks_like_patronymic(words[-1]):
                marker = len(words) >= 3 and is_patronymic_marker(words[-1])
                cut = len(words) - (2 if marker else 1)
                return surname, " ".join(words[:cut]), " ".join(words[cut:])
        return surname, given, patronymic
    words = surname.split()
    patronymic_words: list[str] = []
    rest: list[str] = []
    for i, word in enumerate(words):
        if looks_like_patronymic(word):
            if is_patronymic_marker(word) and rest and i > 0 and not patronymic_words:
                patronymic_words.append(rest.pop())  # "Rustam o'g'li": the father's name
            patronymic_words.append(word)
        else:
            rest.append(word)
    if not rest:
        return surname, given, patronymic
    return rest[0], " ".join(rest[1:]), " ".join(patronymic_words)


_NO_NAME = patronymic_forms("")


@dataclass(slots=True, eq=False)
class PreparedPerson:
    """A record with every field in comparable form (computed once per record).

    Never changed after `prepare` (not declared frozen only because frozen dataclasses are
    several times slower to build, and batches build a million of them).
    """

    record: PersonRecord
    surname: NameForms
    given: NameForms
    patronymic: NameForms
    gender: str | None
    dob: PartialDate | None
    nationality: str
    passport: str
    phone: str


def prepare(record: PersonRecord) -> PreparedPerson:
    """Normalise every field of a record; invalid dates and documents count as unknown."""
    surname, given, patronymic = split_name_fields(
        record.surname, record.given_name, record.patronymic
    )
    sur = surname_forms(surname)
    pat = patronymic_forms(patronymic) if patronymic else _NO_NAME
    nationality = record.nationality.strip().upper()
    passport = passport_key(record.passport_number) if record.passport_number else ""
    return PreparedPerson(
        record,
        sur,
        given_forms(given),
        pat,
        pat.gender or sur.gender,
        _lenient_date(record.date_of_birth) if record.date_of_birth else None,
        nationality,
        passport if len(passport) >= 5 else "",
        phone_key(record.phone, nationality) if record.phone else "",
    )
