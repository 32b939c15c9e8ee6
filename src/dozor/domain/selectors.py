"""Canonical forms of the hit/no-hit selectors (DATA.md §1 Phones, §2.8).

Every node must compute the same canonical value for the same selector, or digests will not
meet at the hub: these functions are the single definition. Phones are never rejected here
(an unparseable number is kept with ``valid=False``); the other normalisers raise
`InvalidValue` with a stable code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from dozor.domain.errors import InvalidValue

# ISO 3166-1 alpha-2 → alpha-3, every assigned code.
_ISO2_ISO3_TEXT = (
    "ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW "
    "AXALA AZAZE BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN "
    "BOBOL BQBES BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG "
    "CHCHE CICIV CKCOK CLCHL CMCMR CNCHN COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE "
    "DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN "
    "FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL "
    "GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV "
    "HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM "
    "JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO "
    "LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE "
    "MFMAF MGMDG MHMHL MKMKD MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS "
    "MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL "
    "NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI "
    "PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC SDSDN "
    "SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD STSTP SVSLV "
    "SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON "
    "TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN "
    "VGVGB VIVIR VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE"
)
ISO2_TO_ISO3: dict[str, str] = {p[:2]: p[2:] for p in _ISO2_ISO3_TEXT.split()}
ISO3_TO_ISO2: dict[str, str] = {v: k for k, v in ISO2_TO_ISO3.items()}
# Regions of the phone numbering plan that are not ISO 3166-1 countries.
_PHONE_REGION_ISO3 = {
    **ISO2_TO_ISO3,
    "AC": "SHN",  # Ascension Island
    "TA": "SHN",  # Tristan da Cunha
    "XK": "XKX",  # Kosovo (user-assigned code, as on travel documents)
}

_CACHE_SIZE = 65536


# --- phones --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A phone number as given, with its E.164 form when valid (DATA.md §1 Phones)."""

    raw: str
    e164: str | None
    valid: bool
    country: str | None  # ISO3 of the number range (KAZ vs RUS on +7), None when not valid


def _default_region(country: str | None) -> str | None:
    if not country:
        return None
    code = country.strip().upper()
    if len(code) == 2:
        return code if code in ISO2_TO_ISO3 or code in _PHONE_REGION_ISO3 else None
    return ISO3_TO_ISO2.get(code)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalise_phone(raw: str, default_country: str | None) -> PhoneNumber:
    invalid = PhoneNumber(raw=raw, e164=None, valid=False, country=None)
    text = raw.strip()
    if text.startswith("00"):
        # The international prefix of all the region's countries; phonenumbers only knows the
        # prefix of the default region (810 for KZ), and none without a default region.
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, _default_region(default_country))
    except phonenumbers.NumberParseException:
        return invalid
    if not phonenumbers.is_valid_number(number):
        return invalid
    region = phonenumbers.region_code_for_number(number)
    return PhoneNumber(
        raw=raw,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        valid=True,
        country=_PHONE_REGION_ISO3.get(region) if region else None,
    )


def normalise_phone(raw: str, default_country: str | None) -> PhoneNumber:
    """Parse a phone number in any notation; never raises.

    `default_country` (ISO3, or ISO2) is the region of numbers written without a country code,
    normally the reporting country. ``00`` before a country code counts as ``+``. A number
    that does not parse or is not valid for its range gives ``valid=False`` and ``e164=None``.
    `country` is taken from the number range, so +7 701… is KAZ and +7 916… is RUS.
    """
    return _normalise_phone(raw, default_country)


def require_phone(raw: str, default_country: str | None) -> PhoneNumber:
    """`normalise_phone`, raising ``invalid_phone`` for a number that is not valid."""
    phone = _normalise_phone(raw, default_country)
    if not phone.valid:
        raise InvalidValue(
            "invalid_phone",
            "Not a valid phone number",
            expected="an international (+CC) or national number of the reporting country",
            default_country=default_country,
        )
    return phone


# --- plates and documents ------------------------------------------------------------------

# DATA.md §2.8: Cyrillic letters that look like Latin ones on plates and documents.
_LOOKALIKES = dict(zip("АВЕКМНОРСТУХ", "ABEKMHOPCTYX", strict=True))
_PLATE_TABLE = str.maketrans({**_LOOKALIKES, " ": None, "-": None, ".": None})
_PASSPORT_TABLE = str.maketrans({**_LOOKALIKES, "І": "I", " ": None, "-": None, "<": None})
_PLATE = re.compile(r"[A-Z0-9]{2,12}")
_DOCUMENT = re.compile(r"[A-Z0-9]{5,20}")
_COUNTRY = re.compile(r"[A-Z]{3}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_WHITESPACE = re.compile(r"\s+")


def _country(country: str, code: str) -> str:
    iso3 = country.strip().upper()
    if not _COUNTRY.fullmatch(iso3):
        raise InvalidValue(code, "The country must be an ISO 3166-1 alpha-3 code", country=country)
    return iso3


def _squeeze(raw: str) -> str:
    """Upper case without any whitespace (NBSP and tabs included)."""
    return _WHITESPACE.sub("", raw.upper())


def normalise_plate(raw: str, country: str) -> str:
    """``<ISO3>:<PLATE>`` (DATA.md §2.8): upper case; spaces, ``-`` and ``.`` removed.

    The Cyrillic look-alikes А В Е К М Н О Р С Т У Х become A B E K M H O P C T Y X; any other
    Cyrillic letter, or a plate not of 2–12 characters A–Z0–9, raises ``invalid_plate``.
    """
    iso3 = _country(country, "invalid_plate")
    plate = _squeeze(raw).translate(_PLATE_TABLE)
    if _PLATE.fullmatch(plate):
        return f"{iso3}:{plate}"
    if _CYRILLIC.search(plate):
        raise InvalidValue(
            "invalid_plate",
            "Plate has Cyrillic letters without a Latin look-alike",
            expected="2-12 characters A-Z0-9",
        )
    raise InvalidValue(
        "invalid_plate", "Plate is not 2-12 characters A-Z0-9", expected="2-12 characters A-Z0-9"
    )


def normalise_passport(raw: str, country: str) -> str:
    """``<ISO3>:<NUMBER>`` (DATA.md §2.8): upper-case A–Z0–9; spaces, ``-`` and ``<`` removed.

    Cyrillic look-alikes (the plate table plus І) become Latin. Anything but 5–20 characters
    A–Z0–9 raises ``invalid_document``.
    """
    iso3 = _country(country, "invalid_document")
    number = _squeeze(raw).translate(_PASSPORT_TABLE)
    if not _DOCUMENT.fullmatch(number):
        raise InvalidValue(
            "invalid_document",
            "Document number is not 5-20 characters A-Z0-9",
            expected="5-20 characters A-Z0-9",
        )
    return f"{iso3}:{number}"


# National identification numbers with a fixed length: (country, type) → digits.
NATIONAL_ID_LENGTHS = {("KAZ", "iin"): 12, ("UZB", "pinfl"): 14}
_ID_TYPE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_ID_SEPARATORS = str.maketrans({" ": None, "-": None})
_ASCII_DIGITS = re.compile(r"[0-9]+")


def normalise_national_id(raw: str, country: str, id_type: str) -> str:
    """``<ISO3>:<type>:<digits>`` (DATA.md §2.8); `id_type` is a lower-case code (``iin``).

    Spaces and hyphens are removed. KAZ ``iin`` must have 12 digits and UZB ``pinfl`` 14;
    other types 5–20 digits. Anything else raises ``invalid_document``.
    """
    iso3 = _country(country, "invalid_document")
    kind = id_type.strip().lower()
    if not _ID_TYPE.fullmatch(kind):
        raise InvalidValue("invalid_document", "Unknown national id type", id_type=id_type)
    digits = _WHITESPACE.sub("", raw).translate(_ID_SEPARATORS)
    length = NATIONAL_ID_LENGTHS.get((iso3, kind))
    expected = f"{length} digits" if length else "5-20 digits"
    ok = _ASCII_DIGITS.fullmatch(digits) is not None and (
        len(digits) == length if length else 5 <= len(digits) <= 20
    )
    if not ok:
        raise InvalidValue("invalid_document", f"National id is not {expected}", expected=expected)
    return f"{iso3}:{kind}:{digits}"


# --- VIN, IMEI, container ------------------------------------------------------------------

_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VIN_SEPARATORS = str.maketrans({"-": None})
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_vin(raw: str) -> str:
    """17 characters A–Z0–9 without I, O, Q, after removing spaces and hyphens and upper-casing.

    Anything else raises ``invalid_vin``. The check digit is not verified (see
    `vin_check_digit_ok`).
    """
    vin = _squeeze(raw).translate(_VIN_SEPARATORS)
    if not _VIN.fullmatch(vin):
        raise InvalidValue(
            "invalid_vin",
            "VIN is not 17 characters A-Z0-9 without I, O and Q",
            expected="17 characters A-Z0-9 without I, O, Q",
        )
    return vin


def vin_check_digit_ok(vin: str) -> bool:
    """Whether position 9 holds the ISO 3779 (North American) check digit.

    Informational only: many VINs built for other markets do not use it, so it is never a
    reason to reject a VIN. False for anything that is not a normalised VIN.
    """
    if not _VIN.fullmatch(vin):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return vin[8] == ("X" if remainder == 10 else str(remainder))


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits; False for anything else."""
    if not _ASCII_DIGITS.fullmatch(digits):
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_IMEI_SEPARATORS = str.maketrans({"-": None, "/": None, ".": None})


def normalise_imei(raw: str) -> str:
    """The first 14 digits of an IMEI (DATA.md §2.8).

    Spaces, ``-``, ``/`` and ``.`` are removed. 15 digits must pass the Luhn check and lose the
    check digit; 14 digits are kept as they are. Anything else raises ``invalid_imei``.
    """
    digits = _WHITESPACE.sub("", raw).translate(_IMEI_SEPARATORS)
    if _ASCII_DIGITS.fullmatch(digits):
        if len(digits) == 14:
            return digits
        if len(digits) == 15:
            if luhn_ok(digits):
                return digits[:14]
            raise InvalidValue(
                "invalid_imei", "IMEI check digit is wrong", expected="14 or 15 digits"
            )
    raise InvalidValue("invalid_imei", "IMEI is not 14 or 15 digits", expected="14 or 15 digits")


_CONTAINER = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")
_CONTAINER_PREFIX = re.compile(r"[A-Z]{4}[0-9]{6}")
_CONTAINER_SEPARATORS = str.maketrans({"-": None, "/": None, ".": None})
# ISO 6346 letter values: 10 upwards, skipping the multiples of 11.
_CONTAINER_LETTER_VALUES = dict(
    zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (v for v in range(10, 39) if v % 11), strict=True)
)


def iso6346_check_digit(first10: str) -> int:
    """The ISO 6346 check digit of an owner code, category letter and serial number.

    `first10` is 4 upper-case letters and 6 digits (``CSQU305438``); anything else raises
    ``invalid_container``. A remainder of 10 gives 0, as the standard prescribes.
    """
    if not _CONTAINER_PREFIX.fullmatch(first10):
        raise InvalidValue(
            "invalid_container",
            "Not an owner code, category letter and 6-digit serial",
            expected="4 letters and 6 digits",
        )
    total = 0
    for i, char in enumerate(first10):
        value = _CONTAINER_LETTER_VALUES[char] if i < 4 else ord(char) - 48
        total += value << i
    return total % 11 % 10


def normalise_container(raw: str) -> str:
    """An ISO 6346 container number, upper case, without spaces (``CSQU3054383``).

    3-letter owner code, category U, J or Z, 6-digit serial and a verified check digit;
    spaces, ``-``, ``/`` and ``.`` are removed. Anything else raises ``invalid_container``.
    """
    number = _squeeze(raw).translate(_CONTAINER_SEPARATORS)
    if not _CONTAINER.fullmatch(number):
        raise InvalidValue(
            "invalid_container",
            "Not an ISO 6346 container number",
            expected="3 letters, U/J/Z, 6 digits and a check digit",
        )
    if iso6346_check_digit(number[:10]) != int(number[10]):
        raise InvalidValue(
            "invalid_container",
            "Container check digit is wrong",
            expected="3 letters, U/J/Z, 6 digits and a check digit",
        )
    return number
