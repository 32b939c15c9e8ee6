"""Names in any script or transliteration folded to comparable Latin forms.

A name is turned into one or more *readings*: lower-case ASCII strings over a phonetic
alphabet in which every spelling of one sound is one symbol, whatever standard wrote it
(Cyrillic, ICAO 9303, GOST 7.79, BGN/PCGN, Uzbek, Kazakh 2021 and Turkmen Latin, French- and
German-style spellings). Three sounds get upper-case placeholders: ``S`` (ш: sh, sch, ş, š),
``C`` (ч: ch, tsch, tch, ç, č) and ``J`` (ж/дж: zh, j, dzh, dj, dsch, ž). Other equivalences:
Kh/H/X → h, Q → k, W → v, Ts/Tz/Cz/Ц → c, Y → i, an i before another vowel is a glide and
dropped (Yu/Iu/U, Ya/Ia/A, Ye/Ie/E, Yo/Io/Ë), doubled letters are single, soft and hard signs
and apostrophes go (Uzbek o' is ў → u, g' → g), a final -off/-of becomes -ov.

Some letters are ambiguous across standards: "ch" is ч in English-style spellings, ш in French
ones ("Iouldachev") and х in German ones ("Chassanow"); "j" is ж/дж in Uzbek, Kazakh and
English-style spellings and й in German and GOST ones ("Jussupow", "Sergej"). A name with
such letters gets one reading per interpretation (at most six); comparisons take the best.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "J",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "C",
    "ш": "S",
    "щ": "SC",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Kazakh, Kyrgyz, Tajik, Turkmen, Uzbek and Ukrainian letters.
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    "ї": "i",
    "є": "e",
    "ў": "u",
    "ҳ": "h",
    "ҷ": "J",
    "ӣ": "i",
    "ӯ": "u",
    "җ": "J",
    "ҝ": "g",
    "ӊ": "n",
}
# Latin letters whose decomposition would lose the sound (ş is sh, not s).
_LATIN = {
    "ş": "sh",
    "š": "sh",
    "ș": "sh",
    "ŝ": "shch",
    "ç": "ch",
    "č": "ch",
    "ž": "zh",
    "ğ": "g",
    "ǵ": "g",
    "ı": "i",
    "ə": "a",
    "æ": "a",
    "ø": "o",
    "œ": "e",
    "ß": "ss",
    "đ": "d",
    "ł": "l",
    "ŋ": "n",
}
_APOSTROPHES = "`\u00b4\u2018\u2019\u201b\u02b9\u02bb\u02bc\u02bd\u02be\u02bf\u0374\u055a\uff07"
_TABLE = str.maketrans({**_CYRILLIC, **_LATIN, **dict.fromkeys(_APOSTROPHES, "'")})

# Unambiguous rules, in order: longer spellings before the shorter ones they contain.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"dsch|dzh|dž|dj", "J"),
        (r"tsch|tch", "C"),
        (r"sch", "S"),
        (r"sh", "S"),
        (r"zh", "J"),
        (r"kh", "h"),
        (r"gh", "g"),
        (r"ts|tz|cz", "c"),
        (r"ph", "f"),
        (r"ck", "k"),
        (r"ou", "u"),
        (r"x", "h"),
        (r"q", "k"),
        (r"w", "v"),
        (r"y", "i"),
    )
)
_SHCH = re.compile(r"shch|shh")
_NOT_LETTER = re.compile(r"[^a-zA-Z ]+")
_GLIDE = re.compile(r"i+(?=[aeou])")
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_F = re.compile(r"(?<=[oe])f\b")
_VOWELS = re.compile(r"[aeiou]+")
_FOLD_VOWELS = str.maketrans("oe", "ai")
_MAX_READINGS = 6
_GERMAN = re.compile(r"(?<!t)sch|ow\b|ew\b")


def _first(match: re.Match[str]) -> str:
    return match.group(1)


def _base(text: str) -> str:
    """Lower case, Cyrillic and special Latin letters mapped, other marks folded away."""
    t = unicodedata.normalize("NFC", text).lower().translate(_TABLE)
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if c.isascii())
    # Uzbek Latin: o' is ў, g' is ғ; any other apostrophe (ъ, ь, separators) goes.
    t = t.replace("o'", "u").replace("g'", "g")
    t = t.replace("-", "").replace("'", "")
    t = _SHCH.sub("SC", t)
    for pattern, repl in _RULES:
        t = pattern.sub(repl, t)
    return _NOT_LETTER.sub(" ", t)


def _finish(text: str) -> str:
    t = text.replace("dJ", "J").replace("tC", "C")
    t = _GLIDE.sub("", t)
    t = _DOUBLE.sub(_first, t)
    t = _FINAL_F.sub("v", t)
    return " ".join(t.split())


@lru_cache(maxsize=1 << 20)
def readings(text: str) -> tuple[str, ...]:
    """The phonetic readings of a name (tokens kept, single spaces); the first is the default.

    ``readings("Юсупов") == readings("IUSUPOV") == readings("Yusupov") == ("usupov",)``.
    """
    base = _base(text)
    ch_options = ("C", "S", "h") if "ch" in base else ("C",)
    j_options = ("J", "i") if "j" in base else ("J",)
    choices = sorted(
        ((j, ch) for j in j_options for ch in ch_options),
        key=lambda c: (c[0] != "J") + (c[1] != "C"),  # fewest unusual readings first
    )
    out: list[str] = []
    for j, ch in choices:
        value = _finish(base.replace("ch", ch).replace("j", j))
        if value not in out:
            out.append(value)
    lower = text.lower()
    if "S" in base and _GERMAN.search(lower):
        # German "sch" is also ж (Schukow = Жуков).
        out.insert(1, out[0].replace("S", "J"))
    if "ё" in lower:
        # ICAO 9303 writes ё as E (Бахтиёр → BAKHTIER), older spellings as YO.
        out.insert(1, _finish(_base(lower.replace("ё", "е"))))
    return tuple(dict.fromkeys(out))[:_MAX_READINGS]


def canonical(text: str) -> str:
    """The default reading of a name (used for display and explanation)."""
    return readings(text)[0]


def fold_vowels(reading: str) -> str:
    """a/o and e/i made one vowel each: Usmonov/Usmanov, Temur/Timur, Nodir/Nadir."""
    return reading.translate(_FOLD_VOWELS)


_LOOSE = str.maketrans({"e": "a", "i": "a", "o": "a", "u": "a", "z": "s", " ": None})


@lru_cache(maxsize=1 << 18)
def loose(reading: str) -> str:
    """Every vowel one symbol, z as s, doubles collapsed: the letters least reliable across
    scripts made equal. Turkic front vowels are written differently by each script and
    standard (Kyrgyz Үсөнов, Russian Усенов; Turkmen Мырат, Russian Мурат; Kazakh Төлеуов,
    Тулеуов), and German-style spellings write з as s (Orasow = Оразов)."""
    return _DOUBLE.sub(_first, reading.translate(_LOOSE))


def skeleton(reading: str) -> str:
    """Consonants only (z as s), doubles collapsed, spaces removed: the blocking form."""
    return _DOUBLE.sub(_first, _VOWELS.sub("", reading.replace(" ", "")).replace("z", "s"))


# --- surnames and patronymics --------------------------------------------------------------

_SURNAME_END = re.compile(r"(ova|eva|ov|ev|ina|in)$")
_FEMALE_SURNAME = re.compile(r"(ova|eva|ina|ska)$")
_MALE_SURNAME = re.compile(r"(ov|ev|in|ski)$")
_ZADE = re.compile(r"zade$")
# Russian patronymics (-ович/-евич/-ич, -овна/-евна/-ична) and local forms: Uzbek o'g'li/qizi,
# Kazakh -ұлы/-қызы, Kyrgyz uulu/kyzy, Turkmen ogly/gyzy, Azerbaijani oğlu/qızı.
_MALE_PATRONYMIC = re.compile(r"(oviC|eviC|iC|ugli|ogli|oglu|uli|ulu)$")
# German-style spellings write з as s: "kysy" is қызы.
_FEMALE_PATRONYMIC = re.compile(r"(ovna|evna|iCna|kizi|gizi|kisi|gisi|kiz)$")
_PATRONYMIC_WORDS = frozenset(
    {"ugli", "ogli", "oglu", "uli", "ulu", "kizi", "gizi", "kisi", "gisi", "kiz"}
)


@dataclass(frozen=True, slots=True, eq=False)
class NameForms:
    """The comparable forms of one name field: readings joined without spaces.

    Compared and hashed by identity: one text gives one object (the constructors below are
    cached), which makes the similarity caches of `compare` cheap to consult.
    """

    full: tuple[str, ...]
    stem: tuple[str, ...]  # surnames: gendered ending removed; patronymics: the father's name
    gender: str | None  # "m" or "f" when the ending tells, else None


_EMPTY = NameForms((), (), None)


def _join(reading: str) -> str:
    return reading.replace(" ", "")


@lru_cache(maxsize=1 << 20)
def surname_forms(text: str) -> NameForms:
    """Surname readings, their stems (-ov/-ev/-ova/-eva/-in/-ina removed) and the gender."""
    if not text.strip():
        return _EMPTY
    full = tuple(dict.fromkeys(_ZADE.sub("zoda", _join(r)) for r in readings(text)))
    full = tuple(f for f in full if f)
    if not full:
        return _EMPTY
    stems = []
    for f in full:
        stem = _SURNAME_END.sub("", f)
        stems.append(stem if len(stem) >= 2 else f)
    head = full[0]
    gender = "f" if _FEMALE_SURNAME.search(head) else "m" if _MALE_SURNAME.search(head) else None
    return NameForms(full, tuple(dict.fromkeys(stems)), gender)


@lru_cache(maxsize=1 << 20)
def given_forms(text: str) -> NameForms:
    """Given-name readings (several given names are joined into one string)."""
    full = tuple(f for f in dict.fromkeys(_join(r) for r in readings(text)) if f)
    return NameForms(full, full, None) if full else _EMPTY


@lru_cache(maxsize=1 << 20)
def patronymic_forms(text: str) -> NameForms:
    """The father's name inside a patronymic, and the gender its form tells."""
    if not text.strip():
        return _EMPTY
    stems: list[str] = []
    stripped: list[str] = []
    gender: str | None = None
    for reading in readings(text):
        words = reading.split()
        if len(words) > 1 and words[-1] in _PATRONYMIC_WORDS:
            marker = words.pop()
            gender = gender or ("f" if marker.endswith(("izi", "isi", "iz")) else "m")
            stripped.append("".join(words))
            continue
        father = "".join(words)
        if (m := _FEMALE_PATRONYMIC.search(father)) and len(father) - len(m.group()) >= 2:
            stripped.append(father[: m.start()])
            gender = gender or "f"
        elif (m := _MALE_PATRONYMIC.search(father)) and len(father) - len(m.group()) >= 2:
            stripped.append(father[: m.start()])
            gender = gender or "m"
        elif father:
            stems.append(father)
    # A reading in which the ending was recognised is the right one (ch = ч in -ovich).
    stems = list(dict.fromkeys(stripped or stems))
    return NameForms(tuple(stems), tuple(stems), gender) if stems else _EMPTY


def is_patronymic_marker(word: str) -> bool:
    """Whether a word is a local patronymic marker written apart (o'g'li, qizi, uulu, kyzy)."""
    return canonical(word).replace(" ", "") in _PATRONYMIC_WORDS


def looks_like_patronymic(word: str) -> bool:
    """Whether one word is a patronymic or a patronymic marker (Rustamovich, o'g'li, kyzy)."""
    reading = canonical(word).replace(" ", "")
    if reading in _PATRONYMIC_WORDS:
        return True
    m = _MALE_PATRONYMIC.search(reading) or _FEMALE_PATRONYMIC.search(reading)
    if m is None:
        return False
    return len(reading) - len(m.group()) >= 3 and m.group() not in ("uli", "ulu")
