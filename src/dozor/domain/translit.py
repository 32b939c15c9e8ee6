"""Name transliteration and matching keys (DATA.md §1 Names, §2.8 name_dob).

`icao_latin` is the ICAO 9303 Part 3 table of DATA.md plus its [config] letters for Kazakh,
Kyrgyz, Tajik and Uzbek Cyrillic. `match_key` folds any spelling of a name (Cyrillic, Latin
with diacritics, apostrophes, hyphens, dots) to plain upper-case ASCII so that records written
in different scripts meet.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# DATA.md §1: ICAO 9303 Part 3, upper case.
_ICAO = {
    "А": "A",
    "Б": "B",
    "В": "V",
    "Г": "G",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Э": "E",
    "Ж": "ZH",
    "З": "Z",
    "И": "I",
    "Й": "I",
    "І": "I",
    "К": "K",
    "Л": "L",
    "М": "M",
    "Н": "N",
    "О": "O",
    "П": "P",
    "Р": "R",
    "С": "S",
    "Т": "T",
    "У": "U",
    "Ў": "U",
    "Ф": "F",
    "Х": "KH",
    "Ц": "TS",
    "Ч": "CH",
    "Ш": "SH",
    "Щ": "SHCH",
    "Ъ": "IE",
    "Ы": "Y",
    "Ь": "",
    "Ю": "IU",
    "Я": "IA",
}
# DATA.md §1: letters outside the ICAO table [config].
_EXTRA = {
    "Ә": "A",
    "Ғ": "G",
    "Қ": "K",
    "Ң": "N",
    "Ө": "O",
    "Ұ": "U",
    "Ү": "U",
    "Ӯ": "U",
    "Һ": "H",
    "Ҳ": "H",
    "Ҷ": "J",
    "Ӣ": "I",
}
_CYRILLIC_TO_LATIN = {**_ICAO, **_EXTRA}

_ICAO_TABLE = {ord(k): v for k, v in _CYRILLIC_TO_LATIN.items()}

# Letters that Unicode does not decompose into a base letter plus marks.
_FOLD_EXTRA = {
    "Ə": "A",
    "Ø": "O",
    "Æ": "AE",
    "Œ": "OE",
    "Đ": "D",
    "Ð": "D",
    "Ł": "L",
    "Ħ": "H",
    "Þ": "TH",
    "Ŧ": "T",
    "Ŋ": "N",
    "Ɨ": "I",
    "Ɵ": "O",
    "ẞ": "SS",
}
# DATA.md §1: apostrophes (' ’ ‘ ʻ ʼ ` ´ and the like), hyphens and dots are dropped.
_DROPPED = "'`\u00b4\u2018\u2019\u201b\u02b9\u02bb\u02bc\u02bd\u02be\u02bf\u0374" + (
    "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2212.\u00b7"
)

_KEY_TABLE: dict[int, str | None] = {ord(k): v for k, v in _CYRILLIC_TO_LATIN.items()}
_KEY_TABLE.update({ord(k): v for k, v in _FOLD_EXTRA.items()})
_KEY_TABLE.update(dict.fromkeys(map(ord, _DROPPED)))
# Control characters go; any Unicode space becomes a plain space before non-ASCII is removed.
_KEY_TABLE.update({c: " " if chr(c).isspace() else None for c in range(0x20)})
_KEY_TABLE[0x7F] = None
_KEY_TABLE.update({c: " " for c in range(0x80, 0x3000 + 1) if chr(c).isspace()})

_CACHE_SIZE = 65536


def icao_latin(text: str) -> str:
    """Transliterate to upper-case Latin with the ICAO 9303 table of DATA.md §1.

    Latin letters are upper-cased; characters outside the table (digits, punctuation, other
    scripts, Latin diacritics) are kept as they are, upper-cased.
    """
    return unicodedata.normalize("NFC", text).upper().translate(_ICAO_TABLE)


@lru_cache(maxsize=_CACHE_SIZE)
def _match_key(text: str) -> str:
    if text.isascii():
        folded = text.upper().translate(_KEY_TABLE)
    else:
        # Upper-case (ß → SS, ı → I) and map before decomposing, so that marks such as ´ are
        # dropped rather than decomposed to a space; then split letters from their marks
        # (Ş → S + U+0327), upper-case and map again what decomposition produced (º → o,
        # Ї → І, ＇ → '), and drop everything left outside ASCII (marks, other scripts).
        mapped = text.upper().translate(_KEY_TABLE)
        decomposed = unicodedata.normalize("NFKD", mapped).upper().translate(_KEY_TABLE)
        folded = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())


def match_key(text: str) -> str:
    """The matching key of a name (DATA.md §1): upper-case ASCII, single spaces.

    Transliterates Cyrillic (`icao_latin`), folds diacritics (Ä Ç Ğ Ň Ö Ş Ü Ý Ž → A C G N O
    S U Y Z; generally NFKD without combining marks), drops apostrophes, hyphens and dots,
    drops any character left outside ASCII, collapses spaces and strips.
    ``match_key("Юсупов Бахтиёр") == match_key("IUSUPOV BAKHTIER") == "IUSUPOV BAKHTIER"``.
    """
    return _match_key(text)


_SCRIPT_BY_NAME = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "GREEK": "Grek",
    "CJK": "Hani",
    "HANGUL": "Hang",
    "HIRAGANA": "Hira",
    "KATAKANA": "Kana",
    "DEVANAGARI": "Deva",
    "HEBREW": "Hebr",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
}
_LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo"})


@lru_cache(maxsize=4096)
def _char_script(char: str) -> str:
    words = unicodedata.name(char, "").split()
    if words and words[0] in ("FULLWIDTH", "HALFWIDTH"):
        words = words[1:]
    return _SCRIPT_BY_NAME.get(words[0], "Zzzz") if words else "Zzzz"


def detect_script(text: str) -> str:
    """The ISO 15924 script of a name: ``Latn``, ``Cyrl`` (also ``Arab``, ``Grek``, ``Hani``…).

    ``Zyyy`` when there is no letter (modifier letters such as ʻ do not count), ``Mixed`` when
    letters of more than one script occur, ``Zzzz`` for letters of a script not listed.
    """
    if text.isascii():
        return "Latn" if any(c.isalpha() for c in text) else "Zyyy"
    scripts: set[str] = set()
    for char in text:
        if char.isascii():
            if char.isalpha():
                scripts.add("Latn")
        elif unicodedata.category(char) in _LETTER_CATEGORIES:
            scripts.add(_char_script(char))
        if len(scripts) > 1:
            return "Mixed"
    return scripts.pop() if scripts else "Zyyy"


def person_name_key(surname: str, given_name: str | None) -> str:
    """The name part of the name_dob selector (DATA.md §2.8).

    `match_key` of the surname and of the first given name, sorted and joined by a space, so
    that a swapped surname and given name still match. No patronymic. An empty part is left out.
    """
    parts = [match_key(surname)]
    if given_name:
        given = match_key(given_name).split(" ", 1)[0]
        parts.append(given)
    return " ".join(sorted(p for p in parts if p))
