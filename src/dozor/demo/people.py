"""Synthetic people, phones, vehicles and passports, and how officers write them down.

A :class:`Population` keeps a bounded pool of identities so that people, phones and vehicles
recur across seizures and countries while memory stays flat on a million seizures.
"""

from __future__ import annotations

from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate
from typing import TypeVar

from dozor.demo.names import (
    POOLS,
    Entry,
    feminine,
    latin,
    patronymic_native,
    patronymic_ru,
    to_russian,
    typo,
)
from dozor.demo.rand import Rng

NATIONALITY_RU = {
    "KAZ": "Казахстан",
    "KGZ": "Кыргызстан",
    "TJK": "Таджикистан",
    "TKM": "Туркменистан",
    "UZB": "Узбекистан",
    "AFG": "Афганистан",
    "RUS": "Россия",
}
PERSON_NATIONALITIES = tuple(NATIONALITY_RU)
_ETHNIC_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "KAZ": (("kz", 0.68), ("ru", 0.20), ("uz", 0.08), ("kg", 0.03), ("tj", 0.01)),
    "KGZ": (("kg", 0.78), ("uz", 0.13), ("ru", 0.07), ("tj", 0.02)),
    "TJK": (("tj", 0.86), ("uz", 0.12), ("kg", 0.02)),
    "TKM": (("tm", 0.88), ("uz", 0.08), ("ru", 0.04)),
    "UZB": (("uz", 0.85), ("tj", 0.05), ("kz", 0.04), ("ru", 0.05), ("tm", 0.01)),
    "AFG": (("af", 0.85), ("tj", 0.10), ("uz", 0.05)),
    "RUS": (("ru", 0.75), ("tj", 0.10), ("uz", 0.10), ("kz", 0.05)),
}
_HOME = {"kz": "KAZ", "kg": "KGZ", "tj": "TJK", "tm": "TKM", "uz": "UZB"}

# Phones: (country code, mobile prefixes, digits after the prefix).
_PHONES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "KAZ": ("7", ("700", "701", "702", "705", "707", "708", "771", "775", "776", "777", "778"), 7),
    "KGZ": (
        "996",
        (
            "500",
            "502",
            "505",
            "550",
            "555",
            "557",
            "700",
            "703",
            "705",
            "707",
            "770",
            "772",
            "775",
            "777",
        ),
        6,
    ),
    "TJK": ("992", ("90", "91", "92", "93", "98"), 7),
    "TKM": ("993", ("61", "62", "63", "64", "65"), 6),
    "UZB": ("998", ("90", "91", "93", "94", "95", "97", "98", "99"), 7),
    "RUS": ("7", ("900", "903", "905", "909", "912", "916", "925", "926", "960", "985"), 7),
    "AFG": ("93", ("70", "72", "73", "74", "75", "76", "77", "78", "79"), 7),
}
_LATIN = "ABCDEFHKLMNOPRSTUXYZ"
_RU_PLATE = "ABEKMHOPCTYX"
_LOOKALIKE = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUE = {
    c: (int(c) if c.isdigit() else v)
    for c, v in zip(
        _VIN_CHARS,
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9] + [0] * 10,
        strict=True,
    )
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_WMI = (
    "XTA",
    "JTD",
    "JTM",
    "KMH",
    "WDB",
    "XW8",
    "Z94",
    "WBA",
    "YV2",
    "XLR",
    "WMA",
    "YS2",
    "LZZ",
    "LVS",
    "KNA",
    "WVW",
    "JN1",
    "LGB",
    "XWB",
    "Z8T",
)
T = TypeVar("T")
_VEHICLE_ROLES = frozenset({"driver", "owner"})
_ROAD_CONVEYANCES = frozenset({"car", "truck", "bus", "motorcycle"})


def _digits(rng: Rng, n: int) -> str:
    return str(rng.below(10**n)).zfill(n)


def _letters(rng: Rng, alphabet: str, n: int) -> str:
    return "".join(rng.pick(alphabet) for _ in range(n))


def new_phone(rng: Rng, country: str) -> tuple[str, str]:
    """A mobile number: (country, national significant number)."""
    _, prefixes, n = _PHONES[country]
    return country, rng.pick(prefixes) + _digits(rng, n)


def render_phone(phone: tuple[str, str], reporting: str, rng: Rng) -> str:
    """Write a number as officers do: national notation at home, international abroad."""
    country, nsn = phone
    cc = _PHONES[country][0]
    k = rng.below(6)
    if country != reporting or k < 2:
        if k == 0:
            return f"+{cc}{nsn}"
        split = 3 if len(nsn) == 10 or country == "KGZ" else 2
        rest = nsn[split:]
        return f"+{cc} {nsn[:split]} {rest[:3]} {rest[3:]}"
    if country == "KAZ":
        a, b, c, d = nsn[:3], nsn[3:6], nsn[6:8], nsn[8:]
        return (f"8 {a} {b} {c} {d}", f"8{nsn}", f"8 ({a}) {b}-{c}-{d}", f"+7 ({a}) {b}-{c}-{d}")[
            k - 2
        ]
    if country == "KGZ":
        a, b = nsn[:3], nsn[3:]
        return (
            f"0{a} {b[:3]} {b[3:]}",
            f"0{a} {b[:2]} {b[2:4]} {b[4:]}",
            f"0{nsn}",
            f"+996 ({a}) {b[:3]}-{b[3:]}",
        )[k - 2]
    a, b = nsn[:2], nsn[2:]
    if country == "TKM":
        return (f"8 {a} {b[:2]}-{b[2:4]}-{b[4:]}", f"8{nsn}", f"+993 {a} {b}", f"8 ({a}) {b}")[
            k - 2
        ]
    # TJK and UZB: the number without a trunk prefix.
    return (
        f"{a} {b[:3]} {b[3:5]} {b[5:]}",
        f"({a}) {b[:3]}-{b[3:5]}-{b[5:]}",
        f"+{cc} {a} {b[:3]}-{b[3:5]}-{b[5:]}",
        f"{a}{b}",
    )[k - 2]


def new_plate(rng: Rng, country: str) -> str:
    """A canonical (Latin, unspaced) plate in the country's current format."""
    if country == "KAZ":
        return f"{_digits(rng, 3)}{_letters(rng, _LATIN, 3)}{rng.between(1, 18):02d}"
    if country == "KGZ":
        return f"{rng.between(1, 9):02d}{_digits(rng, 3)}{_letters(rng, _LATIN, 3)}"
    if country == "UZB":
        region = rng.pick(("01", "10", "20", "25", "30", "40", "50", "60", "70", "75", "80"))
        return f"{region}{rng.pick(_LATIN)}{_digits(rng, 3)}{_letters(rng, _LATIN, 2)}"
    if country == "TJK":
        return f"{_digits(rng, 4)}{_letters(rng, _LATIN, 2)}{rng.between(1, 8):02d}"
    if country == "TKM":
        return f"{_digits(rng, 4)}{rng.pick(('AG', 'AH', 'BN', 'DZ', 'LB', 'MR'))}"
    region = rng.pick(("77", "97", "177", "777", "50", "190", "02", "16", "55", "66", "74"))
    return f"{rng.pick(_RU_PLATE)}{_digits(rng, 3)}{_letters(rng, _RU_PLATE, 2)}{region}"


def render_plate(plate: str, country: str, rng: Rng) -> str:
    """Spacing as on the plate, and sometimes Cyrillic look-alike letters."""
    k = rng.below(4)
    if country == "KAZ" and k < 2:
        text = f"{plate[:3]} {plate[3:6]} {plate[6:]}"
    elif country == "KGZ" and k < 2:
        text = f"{plate[:2]}KG{plate[2:]}" if k == 0 else f"{plate[:2]} {plate[2:5]} {plate[5:]}"
    elif country == "UZB" and k < 2:
        text = f"{plate[:2]} {plate[2]} {plate[3:6]} {plate[6:]}"
    elif country == "TJK" and k < 2:
        text = f"{plate[:4]} {plate[4:6]} {plate[6:]}"
    elif country == "TKM" and k < 2:
        text = f"{plate[:2]}-{plate[2:4]} {plate[4:]}" if k == 0 else f"{plate[:4]} {plate[4:]}"
    elif country == "RUS" and k < 3:
        text = f"{plate[:6]} {plate[6:]}".translate(_LOOKALIKE)
    else:
        text = plate
    if country != "RUS" and rng.random() < 0.08:
        text = text.translate(_LOOKALIKE)
    return text


def new_vin(rng: Rng) -> str:
    """A 17-character VIN (no I, O, Q) with a valid check digit."""
    body = rng.pick(_WMI) + _letters(rng, _VIN_CHARS, 5) + "0"
    body += rng.pick("6789ABCDEFGHJKLMNPR") + rng.pick(_VIN_CHARS) + _digits(rng, 6)
    total = sum(_VIN_VALUE[c] * w for c, w in zip(body, _VIN_WEIGHTS, strict=True)) % 11
    return body[:8] + ("X" if total == 10 else str(total)) + body[9:]


def new_passport(rng: Rng, country: str) -> str:
    if country == "KAZ":
        return "N" + _digits(rng, 8)
    if country == "KGZ":
        return rng.pick(("AC", "AN", "PE")) + _digits(rng, 7)
    if country == "TJK":
        return rng.pick("45") + _digits(rng, 8)
    if country == "TKM":
        return rng.pick("AB") + _digits(rng, 7)
    if country == "UZB":
        return rng.pick(("AA", "AB", "AC", "AD", "FA")) + _digits(rng, 7)
    if country == "RUS":
        return rng.pick(("72", "75", "76")) + _digits(rng, 7)
    return "P0" + _digits(rng, 7)


class Identity:
    """The truth behind person rows: one synthetic human being."""

    __slots__ = (
        "pid",
        "eth",
        "female",
        "nationality",
        "surname",
        "given",
        "father",
        "dob",
        "passport",
        "phones",
        "vehicle",
    )

    def __init__(
        self,
        pid: str,
        eth: str,
        female: bool,
        nationality: str,
        names: tuple[Entry, Entry, Entry | None],
        dob: date,
        passport: str,
        phones: list[tuple[str, str]],
        vehicle: tuple[str, str, str] | None,
    ) -> None:
        self.pid, self.eth, self.female, self.nationality = pid, eth, female, nationality
        self.surname, self.given, self.father = names
        self.dob, self.passport, self.phones, self.vehicle = dob, passport, phones, vehicle


def _cum(pairs: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    return tuple(p[0] for p in pairs), list(accumulate(p[1] for p in pairs))


_ETH_CUM = {k: _cum(v) for k, v in _ETHNIC_MIX.items()}
_style_cache: dict[tuple[str, str], tuple[tuple[str, ...], list[float]]] = {}


def _styles(eth: str, reporting: str) -> tuple[tuple[str, ...], list[float]]:
    key = (eth, reporting)
    hit = _style_cache.get(key)
    if hit is None:
        w = {"ru": 0.62, "icao": 0.12, "old": 0.12}
        if _HOME.get(eth) == reporting:
            w["native"] = 0.12
        if eth == "uz":
            w["uz"] = 0.16 if reporting == "UZB" else 0.04
        if eth == "tm" and reporting == "TKM":
            w["tk"] = 0.15
        hit = _cum(tuple(w.items()))
        _style_cache[key] = hit
    return hit


class Population:
    """A bounded pool of recurring identities, phones and vehicles."""

    def __init__(self, rng: Rng, capacity: int = 50_000) -> None:
        self.rng = rng
        self.capacity = capacity
        self.people: list[Identity] = []
        self.phones: list[tuple[str, str]] = []
        self.vehicles: list[tuple[str, str, str]] = []
        self.count = 0

    def _keep(self, pool: list[T], item: T) -> None:
        if len(pool) < self.capacity:
            pool.append(item)
        else:
            pool[self.rng.below(self.capacity)] = item

    def pick(self, nationality: str, when: date, exclude: set[str]) -> Identity:
        """A person for a seizure: about 15% are people seen before, anywhere in the region."""
        rng = self.rng
        if self.people and rng.random() < 0.16:
            for _ in range(3):
                old = self.people[rng.below(len(self.people))]
                if old.pid not in exclude:
                    return old
        return self._new(nationality, when)

    def _new(self, nationality: str, when: date) -> Identity:
        rng = self.rng
        self.count += 1
        eths, cum = _ETH_CUM[nationality]
        eth = eths[bisect(cum, rng.random() * cum[-1])]
        female = rng.random() < (0.04 if eth == "af" else 0.15)
        surnames, males, females = POOLS[eth]
        names = (
            rng.pick(surnames),
            rng.pick(females if female else males),
            None if eth == "af" else rng.pick(males),
        )
        age_days = int((18 + rng.random() ** 1.6 * 45) * 365.25) + rng.below(365)
        phones: list[tuple[str, str]] = []
        r = rng.random()
        if r < 0.9:
            phones.append(new_phone(rng, nationality))
            if r < 0.12:
                phones.append(new_phone(rng, rng.pick(("KAZ", "RUS", "UZB", "KGZ"))))
            self._keep(self.phones, phones[0])
        if self.phones and rng.random() < 0.07:
            phones.append(self.phones[rng.below(len(self.phones))])  # a shared phone
        vehicle = None
        if rng.random() < 0.35:
            if self.vehicles and rng.random() < 0.08:
                vehicle = self.vehicles[rng.below(len(self.vehicles))]
            else:
                vc = nationality if nationality != "AFG" else "TJK"
                vin = new_vin(rng) if rng.random() < 0.45 else ""
                vehicle = (new_plate(rng, vc), vc, vin)
                self._keep(self.vehicles, vehicle)
        person = Identity(
            f"P{self.count:07d}",
            eth,
            female,
            nationality,
            names,
            when - timedelta(days=age_days),
            new_passport(rng, nationality) if rng.random() < 0.92 else "",
            phones,
            vehicle,
        )
        self._keep(self.people, person)
        return person

    def row(
        self, p: Identity, ref: str, role: str, reporting: str, conveyance: str
    ) -> dict[str, str]:
        """One persons-file row for ``p``, written the way an officer in ``reporting`` would."""
        rng = self.rng
        surname, given, patronymic = self._names(p, reporting)
        r = rng.random
        dob = ""
        if r() < 0.78:
            d = p.dob
            if r() < 0.02:
                d = d + timedelta(days=rng.pick((-1, 1, 30)))  # a keying error
            dob = d.isoformat() if r() < 0.7 else d.strftime("%d.%m.%Y")
        nat = ""
        if r() < 0.88:
            nat = p.nationality if r() < 0.9 else NATIONALITY_RU[p.nationality]
        passport_country = passport = ""
        if p.passport and r() < 0.5:
            passport_country, passport = p.nationality, p.passport
        phone = render_phone(rng.pick(p.phones), reporting, rng) if p.phones and r() < 0.42 else ""
        plate = plate_country = vin = ""
        if p.vehicle and role in _VEHICLE_ROLES and conveyance in _ROAD_CONVEYANCES and r() < 0.75:
            plate = render_plate(p.vehicle[0], p.vehicle[1], rng)
            plate_country = p.vehicle[1]
            if p.vehicle[2] and r() < 0.4:
                vin = p.vehicle[2]
        return {
            "seizure_ref": ref,
            "role": role,
            "surname": surname,
            "given_name": given,
            "patronymic": patronymic,
            "date_of_birth": dob,
            "sex": ("F" if p.female else "M") if r() < 0.88 else "",
            "nationality": nat,
            "passport_country": passport_country,
            "passport_number": passport,
            "phone": phone,
            "vehicle_plate": plate,
            "vehicle_country": plate_country,
            "vin": vin,
        }

    def _names(self, p: Identity, reporting: str) -> tuple[str, str, str]:
        rng = self.rng
        styles, cum = _styles(p.eth, reporting)
        style = styles[bisect(cum, rng.random() * cum[-1])]
        (s_nat, s_ru), (g_nat, g_ru) = p.surname, p.given
        f = p.father
        if style == "native":
            surname, given = s_nat, g_nat
            pat = patronymic_native(p.eth, f[0], p.female) if f and rng.random() < 0.6 else ""
        else:
            ru = rng.random() < 0.8
            surname = s_ru[0] if ru else rng.pick(s_ru + (s_nat,))
            given = g_ru[0] if ru else rng.pick(g_ru + (g_nat,))
            pat = ""
            if f and rng.random() < (0.65 if style == "ru" else 0.25):
                if p.eth in ("uz", "kg", "kz") and rng.random() < 0.25:
                    pat = to_russian(patronymic_native(p.eth, f[0], p.female))
                else:
                    pat = patronymic_ru(f[1][0], p.female)
            if style in ("uz", "tk"):
                surname, given = s_nat, g_nat
                if f and pat:
                    pat = patronymic_native(p.eth, f[0], p.female)
        if p.female:
            surname = feminine(surname)
        if style not in ("ru", "native"):
            surname, given = latin(surname, style), latin(given, style)
            pat = latin(pat, style) if pat else ""
            if style == "old" and rng.random() < 0.4:
                surname, given, pat = surname.title(), given.title(), pat.title()
        if rng.random() < 0.03:
            surname = typo(surname, rng)
        elif rng.random() < 0.02:
            given = typo(given, rng)
        if rng.random() < 0.04:
            given = pat = ""
        elif rng.random() < 0.01:
            surname, given = given, surname
        return surname, given, pat
