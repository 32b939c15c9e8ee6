"""A population of persons with known truth, written the many ways officers write names.

Each identity is a native Cyrillic name (the `dozor.demo.names` vocabulary, widened with
surnames formed from given names: Rustam → Rustamov) plus date of birth, nationality,
passport and phones. Each record of it picks a script or standard on its own: native or
Russian Cyrillic, ICAO 9303, pre-2013 passports, BGN/PCGN, GOST 7.79 System B, French and
German (Duden) spellings, Uzbek, Kazakh 2021 and Turkmen Latin. On top: typos, swapped
surname and given name, missing or local-form patronymics, partial or mistyped dates of birth,
a full name typed into one field, renewed passports. Hard negatives are built in: sons named
after their fathers, brothers, wives, and namesakes from the skewed name frequencies.

How often fields are missing follows seizure reports, where a detained person's birth date
and document are read from the document: 5% of records have no birth date (and then usually
a passport number), 12% only the year, 3% year and month. (An earlier version left a quarter
of the dates out, which made a fifth of the true pairs name-only: unrealistic.)

The tables here are written from the standards, independently of the matcher's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dozor.demo.names import (
    POOLS,
    feminine,
    latin,
    patronymic_native,
    patronymic_ru,
    to_russian,
    typo,
)
from dozor.demo.people import new_passport, new_phone, render_phone
from dozor.demo.rand import Rng
from dozor.matching.identity.records import PersonRecord

_VOWELS = "аеёиоуыэюяәөұүіўӯӣ"
_BGN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e ë zh z i y k l m n o p r s t u f kh ts ch sh shch ” y ’ e yu ya".split(),
        strict=True,
    )
)
_GOST_B = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e yo zh z i j k l m n o p r s t u f x cz ch sh shh `` y' ` e` yu ya".split(),
        strict=True,
    )
)
_FRENCH = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e io j z i ï k l m n o p r s t ou f kh ts tch ch chtch _ y _ e iou ia".split(),
        strict=True,
    )
)
_GERMAN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            "a b w g d e jo sch s i j k l m n o p r s t u f ch z tsch sch schtsch _ y _ e ju ja"
        ).split(),
        strict=True,
    )
)
_KAZAKH_2021 = dict(
    zip(
        "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыьэюяі",
        (
            "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ç ş şş "
            "_ y _ e iu ia i"
        ).split(),
        strict=True,
    )
)
for _table in (_FRENCH, _GERMAN, _KAZAKH_2021):
    for _k, _v in list(_table.items()):
        if _v == "_":
            _table[_k] = ""


def _spell(word: str, table: dict[str, str], style: str) -> str:
    out: list[str] = []
    prev = ""
    low = word.lower()
    for i, ch in enumerate(low):
        initial = not prev or prev in _VOWELS or prev in " -ъь"
        if ch == "е" and initial and style in ("bgn", "german"):
            out.append("ye" if style == "bgn" else "je")
        elif ch == "ё" and initial and style == "bgn":
            out.append("yë")
        elif (
            ch == "с"
            and style in ("french", "german")
            and prev
            and prev in _VOWELS
            and i + 1 < len(low)
            and low[i + 1] in _VOWELS
        ):
            out.append("ss")
        elif ch == "ц" and style == "gost" and i + 1 < len(low) and low[i + 1] in "еиыйэ":
            out.append("c")
        elif ch == "г" and style == "french" and i + 1 < len(low) and low[i + 1] in "еиэ":
            out.append("gu")
        elif ch == "й" and style == "french" and prev and prev in _VOWELS:
            out.append("ï")
        else:
            out.append(table.get(ch, ch))
        prev = ch
    text = "".join(out)
    return " ".join(p[:1].upper() + p[1:] for p in text.split(" "))


def render(native: str, russian: str, style: str) -> str:
    """One name field in a writing style (see the module docstring)."""
    if style == "native":
        return native
    if style == "russian":
        return russian
    if style == "icao":
        return latin(native, "icao")
    if style == "old":
        return latin(russian, "old")
    if style == "uz":
        return latin(native, "uz")
    if style == "tk":
        return latin(native, "tk")
    if style == "kz":
        return _spell(native, _KAZAKH_2021, "kz")
    table = {"bgn": _BGN, "gost": _GOST_B, "french": _FRENCH, "german": _GERMAN}[style]
    return _spell(russian, table, style)


_NATIONAL_STYLE = {"uz": "uz", "kz": "kz", "tm": "tk"}
_HOME = {"kz": "KAZ", "kg": "KGZ", "tj": "TJK", "tm": "TKM", "uz": "UZB", "ru": "RUS", "af": "AFG"}
_STYLES = (
    ("russian", 0.30),
    ("native", 0.14),
    ("icao", 0.16),
    ("old", 0.10),
    ("bgn", 0.06),
    ("gost", 0.04),
    ("french", 0.04),
    ("german", 0.04),
    ("national", 0.12),
)


@dataclass(slots=True)
class Identity:
    truth: str
    eth: str
    female: bool
    surname: tuple[str, str]  # native, Russian
    given: tuple[str, str]
    father: tuple[str, str] | None
    dob: date
    nationality: str
    passports: list[str]
    phones: list[tuple[str, str]]


def _zipf(rng: Rng, n: int) -> int:
    """An index in [0, n) with a skewed frequency (the first few names are common)."""
    return min(n - 1, int(n * rng.random() ** 1.5))


def _vocabulary(
    eth: str,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    surnames_e, males_e, females_e = POOLS[eth]
    surnames = [(n, r[0]) for n, r in surnames_e]
    if eth not in ("ru", "af"):
        # Surnames formed from a forefather's name, as most in the region are.
        endings = _SURNAME_ENDINGS.get(eth, ("ов",))
        for n, r in males_e:
            base_n = n[:-1] if n[-1] in "йь" else n
            base_r = r[0][:-1] if r[0][-1] in "йь" else r[0]
            for end in endings:
                if end == "ов" and n[-1] in "йь":
                    end = "ев"
                surnames.append((base_n + end, base_r + to_russian(end)))
    males = [(n, r[0]) for n, r in males_e]
    females = [(n, r[0]) for n, r in females_e]
    return surnames, males, females


_SURNAME_ENDINGS = {
    "uz": ("ов", "боев", "қулов", "жонов"),
    "kz": ("ов", "баев", "беков", "ұлы"),
    "kg": ("ов", "беков", "алиев", "кулов"),
    "tj": ("ов", "зода", "ҷонов", "ӣ"),
    "tm": ("ов", "гулыев", "мырадов"),
}
_VOCAB = {eth: _vocabulary(eth) for eth in POOLS}
_ETHS = ("uz", "kz", "kg", "tj", "tm", "ru", "af")
_ETH_WEIGHTS = (0.32, 0.2, 0.12, 0.14, 0.08, 0.1, 0.04)


class PopulationBuilder:
    """Identities and their records; `truth` on each record is the identity's key."""

    def __init__(self, seed: int) -> None:
        self.rng = Rng(seed)
        self.count = 0

    def _pick_eth(self) -> str:
        r = self.rng.random()
        acc = 0.0
        for eth, w in zip(_ETHS, _ETH_WEIGHTS, strict=True):
            acc += w
            if r < acc:
                return eth
        return _ETHS[-1]

    def identity(self) -> Identity:
        rng = self.rng
        eth = self._pick_eth()
        surnames, males, females = _VOCAB[eth]
        female = rng.random() < 0.15
        sur = surnames[_zipf(rng, len(surnames))]
        if female:
            sur = (feminine(sur[0]), feminine(sur[1]))
        given = (females if female else males)[_zipf(rng, len(females if female else males))]
        father = None if eth == "af" else males[_zipf(rng, len(males))]
        dob = date(1950, 1, 1) + timedelta(days=rng.below(365 * 55))
        return self._make(eth, female, sur, given, father, dob)

    def _make(
        self,
        eth: str,
        female: bool,
        sur: tuple[str, str],
        given: tuple[str, str],
        father: tuple[str, str] | None,
        dob: date,
        phones: list[tuple[str, str]] | None = None,
    ) -> Identity:
        rng = self.rng
        self.count += 1
        nationality = _HOME[eth] if rng.random() < 0.9 else rng.pick(("KAZ", "UZB", "RUS", "KGZ"))
        passports = [new_passport(rng, nationality)]
        if rng.random() < 0.05:
            passports.append(new_passport(rng, nationality))  # renewed
        if phones is None:
            phones = [new_phone(rng, nationality)] if rng.random() < 0.9 else []
        return Identity(
            f"T{self.count:08d}",
            eth,
            female,
            sur,
            given,
            father,
            dob,
            nationality,
            passports,
            phones,
        )

    def relative(self, p: Identity) -> Identity:
        """A hard negative: a son named after his father, a brother, or a wife."""
        rng = self.rng
        kind = rng.random()
        surnames, males, females = _VOCAB[p.eth]
        shared_phones = p.phones if rng.random() < 0.5 else None
        if kind < 0.45 and not p.female:  # son with his father's given name
            dob = p.dob + timedelta(days=rng.between(20 * 365, 35 * 365))
            return self._make(p.eth, False, p.surname, p.given, p.given, dob, shared_phones)
        if kind < 0.8 or p.female:  # brother: same surname and father
            sur = p.surname if not p.female else (p.surname[0][:-1], p.surname[1][:-1])
            if not sur[0].endswith(("ов", "ев", "ин")):
                sur = p.surname
            given = males[_zipf(rng, len(males))]
            if given == p.given:
                given = males[(males.index(given) + 1) % len(males)]
            dob = p.dob + timedelta(days=rng.between(-8 * 365, 8 * 365))
            return self._make(p.eth, False, sur, given, p.father, dob, shared_phones)
        wife_given = females[_zipf(rng, len(females))]
        sur = (feminine(p.surname[0]), feminine(p.surname[1]))
        dob = p.dob + timedelta(days=rng.between(-6 * 365, 3 * 365))
        return self._make(
            p.eth, True, sur, wife_given, males[_zipf(rng, len(males))], dob, shared_phones
        )

    def record(self, p: Identity, record_id: str) -> PersonRecord:
        """One record of an identity, written in a randomly chosen way."""
        rng = self.rng
        r = rng.random
        style = self._style(p)
        surname = render(p.surname[0], p.surname[1], style)
        given = render(p.given[0], p.given[1], style)
        patronymic = ""
        if p.father and r() < 0.6:
            native_form = p.eth in ("uz", "kz", "kg", "tm") and r() < 0.4
            if native_form:
                pat_native = patronymic_native(p.eth, p.father[0], p.female)
                patronymic = render(pat_native, to_russian(pat_native), style)
            else:
                pat = patronymic_ru(p.father[1], p.female)
                patronymic = render(pat, pat, "russian" if style == "native" else style)
        if r() < 0.10:
            if r() < 0.5:
                surname = typo(surname, rng)
            else:
                given = typo(given, rng)
        if r() < 0.07:
            surname, given = given, surname
        if r() < 0.02:
            surname, given, patronymic = (
                " ".join(x for x in (surname, given, patronymic) if x),
                "",
                "",
            )
        dob = self._dob(p.dob)
        # A person without a recorded birth date was mostly identified from a document.
        passport_share = 0.4 if dob else 0.7
        return PersonRecord(
            id=record_id,
            surname=surname,
            given_name=given,
            patronymic=patronymic,
            date_of_birth=dob,
            nationality=p.nationality if r() < 0.85 else "",
            passport_number=rng.pick(p.passports) if r() < passport_share else "",
            phone=render_phone(rng.pick(p.phones), p.nationality, rng)
            if p.phones and r() < 0.35
            else "",
        )

    def _style(self, p: Identity) -> str:
        x = self.rng.random()
        acc = 0.0
        chosen = _STYLES[-1][0]
        for style, w in _STYLES:
            acc += w
            if x < acc:
                chosen = style
                break
        if chosen == "national":
            return _NATIONAL_STYLE.get(p.eth, "icao")
        return chosen

    def _dob(self, d: date) -> str:
        # Seizure reports record the birth date from the document nearly always; Russian-
        # language reports often give only the year ("1985 г.р.").
        r = self.rng.random()
        if r < 0.05:
            return ""
        if r < 0.17:
            return f"{d.year}"
        if r < 0.20:
            return f"{d.year}-{d.month:02d}"
        if self.rng.random() < 0.03:  # a keying error: one digit, or day and month swapped
            if d.day <= 12 and d.day != d.month:
                return f"{d.year}-{d.day:02d}-{d.month:02d}"
            # One digit of the day keyed wrong (within the month: a key, not a calendar).
            shifts = [1, -1, 10, -10]
            self.rng.shuffle(shifts)
            for shift in shifts:
                changed = d + timedelta(days=shift)
                if changed.month == d.month:
                    d = changed
                    break
        return d.isoformat() if self.rng.random() < 0.8 else d.strftime("%d.%m.%Y")


def generate(n_records: int, seed: int = 11) -> tuple[list[PersonRecord], dict[str, str]]:
    """`n_records` records in shuffled order, and record id → truth identity."""
    builder = PopulationBuilder(seed)
    rng = builder.rng
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}
    while len(records) < n_records:
        people = [builder.identity()]
        if rng.random() < 0.12:
            people.append(builder.relative(people[0]))
        for p in people:
            x = rng.random()
            copies = 1 if x < 0.55 else 2 if x < 0.8 else 3 if x < 0.92 else 4 + rng.below(3)
            for _ in range(copies):
                if len(records) >= n_records:
                    break
                record_id = f"R{len(records) + 1:08d}"
                records.append(builder.record(p, record_id))
                truth[record_id] = p.truth
    rng.shuffle(records)
    return records, truth
