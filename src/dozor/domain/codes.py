"""Code lists of DATA.md §4 loaded from the packaged reference data.

Every list lives in ``dozor/reference/codes/<name>.yaml`` (or in a folder ``<name>/`` of YAML
files that are concatenated, as for substances). Each entry has ``code``, ``label_en``,
``label_ru``, optional ``aliases``; any other key becomes an attribute (``Code.attrs``).

Import matches a code, a label or an alias after :func:`fold`. A folded key that would point at
two entries of the same list is a data error and fails loading: each synonym must map to exactly
one value (DATA.md §3.7).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "Code",
    "CodeList",
    "code_list",
    "fold",
    "is_valid_cas",
    "list_names",
    "load_yaml",
]

# Straight and typographic quotes, plus the modifier letters ʼ ʻ and the backtick that stand in
# for apostrophes in Latin spellings of Central Asian names (Do'stlik, Oʻzbekiston).
_QUOTES = str.maketrans(dict.fromkeys("\"'«»„“”‘’‚‹›`ʼʻ", ""))
_STRESS = "\u0301"  # combining acute accent: Russian stress marks, as in «Респу́блика»


def _fold_once(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).casefold()
    s = unicodedata.normalize("NFKC", s.replace(_STRESS, ""))
    s = s.replace("ё", "е").translate(_QUOTES)
    return " ".join(s.split())


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Return the lookup key of ``text``.

    Case-folded and NFKC-normalised; ё = е; quotes and Russian stress marks removed; runs of
    whitespace collapsed to one space and stripped. Hyphens are kept: spelling variants such as
    "alpha PVP" are listed as aliases instead. Applied until stable so that it is idempotent even
    for odd combining sequences.
    """
    s = _fold_once(text)
    for _ in range(4):
        t = _fold_once(s)
        if t == s:
            break
        s = t
    return s


_CAS_RE = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def is_valid_cas(cas: str) -> bool:
    """Check a CAS Registry Number's format and check digit."""
    m = _CAS_RE.match(cas.strip())
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    total = sum(i * int(d) for i, d in enumerate(digits, start=1))
    return total % 10 == int(m.group(3))


@dataclass(frozen=True, slots=True)
class Code:
    """One value of a code list."""

    code: str
    label_en: str
    label_ru: str
    aliases: tuple[str, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def label(self, lang: str) -> str:
        """The label in ``lang`` ('ru' gives Russian; anything else English)."""
        return self.label_ru if lang == "ru" else self.label_en

    def keys(self) -> tuple[str, ...]:
        """Every text that identifies this value on import, before folding."""
        return (self.code, self.label_en, self.label_ru, *self.aliases)


class CodeList:
    """An ordered, immutable code list with lookup by code, label or alias."""

    __slots__ = ("name", "version", "_entries", "_by_code", "_by_key")

    def __init__(self, name: str, version: str, entries: Iterable[Code]) -> None:
        self.name = name
        self.version = version
        self._entries: tuple[Code, ...] = tuple(entries)
        self._by_code: dict[str, Code] = {}
        self._by_key: dict[str, Code] = {}
        for entry in self._entries:
            if entry.code in self._by_code:
                raise ValueError(f"code list {name}: duplicate code {entry.code!r}")
            self._by_code[entry.code] = entry
            for text in entry.keys():
                key = fold(text)
                if not key:
                    raise ValueError(f"code list {name}: empty key in {entry.code!r}")
                other = self._by_key.setdefault(key, entry)
                if other is not entry:
                    raise ValueError(
                        f"code list {name}: {text!r} matches both {other.code!r} and {entry.code!r}"
                    )

    def get(self, code: str) -> Code:
        """The entry with exactly this code; KeyError if unknown."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"{self.name}: unknown code {code!r}") from None

    def lookup(self, text: str) -> Code | None:
        """The entry whose code, English or Russian label or alias folds to ``fold(text)``."""
        return self._by_key.get(fold(text))

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """Up to ``n`` codes whose keys are closest to ``text`` (for "did you mean")."""
        key = fold(text)
        if not key or n <= 0:
            return []
        matches = difflib.get_close_matches(key, self._by_key, n=n * 4, cutoff=0.6)
        out: list[str] = []
        for match in matches:
            code = self._by_key[match].code
            if code not in out:
                out.append(code)
        return out[:n]

    def folded_keys(self) -> dict[str, str]:
        """Folded key → code, for callers that index or export the list."""
        return {key: entry.code for key, entry in self._by_key.items()}

    def codes(self) -> list[str]:
        return [entry.code for entry in self._entries]

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[Code]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"CodeList({self.name!r}, version={self.version!r}, entries={len(self)})"


# --- loading -------------------------------------------------------------------------------


def _reference() -> Traversable:
    return files("dozor.reference")


def load_yaml(*parts: str) -> Any:
    """Parse a packaged reference YAML file, e.g. ``load_yaml("places", "bcp.yaml")``."""
    node = _reference()
    for part in parts:
        node = node.joinpath(part)
    return yaml.safe_load(node.read_text(encoding="utf-8"))


def _freeze(value: Any) -> Any:
    """Lists become tuples and dicts read-only, so a shared cached entry cannot be mutated."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _entry(list_name: str, raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Code:
    data = {**defaults, **raw}
    texts = [data.pop("code", None), data.pop("label_en", None), data.pop("label_ru", None)]
    aliases = list(data.pop("aliases", None) or ())
    # YAML turns bare `yes`, `1,4` or `12` into non-strings: insist on strings.
    if not all(isinstance(t, str) and t.strip() for t in texts + aliases):
        raise ValueError(
            f"code list {list_name}: entry {raw!r} needs non-empty string "
            "code, label_en, label_ru and aliases"
        )
    code, label_en, label_ru = (str(t) for t in texts)
    return Code(code, label_en, label_ru, tuple(str(a) for a in aliases), _freeze(data))


def _documents(name: str) -> list[Any]:
    codes_dir = _reference().joinpath("codes")
    single = codes_dir.joinpath(f"{name}.yaml")
    if single.is_file():
        return [yaml.safe_load(single.read_text(encoding="utf-8"))]
    folder = codes_dir.joinpath(name)
    if folder.is_dir():
        parts = sorted(
            (p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name
        )
        return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in parts]
    raise KeyError(f"unknown code list {name!r}; known: {', '.join(list_names())}")


@functools.cache
def code_list(name: str) -> CodeList:
    """The packaged code list ``name`` (see :func:`list_names`); cached."""
    version: str | None = None
    entries: list[Code] = []
    for doc in _documents(name):
        doc_version = str(doc["version"])
        if version is not None and doc_version != version:
            raise ValueError(f"code list {name}: files disagree on version")
        version = doc_version
        defaults = doc.get("defaults") or {}
        entries.extend(_entry(name, raw, defaults) for raw in doc["entries"])
    if version is None:
        raise ValueError(f"code list {name}: no data")
    return CodeList(name, version, entries)


@functools.cache
def _names() -> tuple[str, ...]:
    names = set()
    for node in _reference().joinpath("codes").iterdir():
        if node.name.endswith(".yaml"):
            names.add(node.name.removesuffix(".yaml"))
        elif node.is_dir() and not node.name.startswith(("_", ".")):
            names.add(node.name)
    return tuple(sorted(names))


def list_names() -> list[str]:
    """Names of all packaged code lists."""
    return list(_names())
