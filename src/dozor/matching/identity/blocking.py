"""Blocking keys and the in-memory candidate index (never all pairs).

Each record gets several keys; two records are compared only when they share one:

- ``n:`` the consonant skeletons of surname stem and given name, sorted (swaps meet);
- ``a:`` one skeleton plus the first two consonants of the other (a late typo or variant);
- ``f:`` both skeletons plus the father's name from the patronymic;
- ``d:`` one skeleton plus the full date of birth, day and month sorted (a typo anywhere in
  the other name, or day and month swapped);
- ``y:`` three-consonant prefixes of both names plus the birth year (partial dates);
- ``p:`` the passport number; ``t:`` the phone number.

Keys are made for every reading of ambiguous spellings (see `names`). A block larger than
its cap is skipped: its key says too little, other keys still apply. Name-only keys (``n:``,
``a:``) have a small cap (`NAME_BLOCK_CAP`): when more than that many records share a name,
two of them without a shared date, father, passport or phone cannot score as one person (the
name frequency outweighs the name), so comparing them is wasted work, and the pairs that can
match meet on the finer keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from dozor.matching.identity.compare import (
    DEFAULT_THRESHOLD,
    MatchResult,
    compare_prepared,
    pair_log_odds,
)
from dozor.matching.identity.names import skeleton
from dozor.matching.identity.records import PersonRecord, PreparedPerson, prepare

DEFAULT_BLOCK_CAP = 1000
NAME_BLOCK_CAP = 16
_MAX_NAME_COMBINATIONS = 12
NAME_ONLY_KINDS = ("n:", "a:")


def cap_of(key: str, block_cap: int = DEFAULT_BLOCK_CAP) -> int:
    """The largest block of this key that is still compared."""
    return min(block_cap, NAME_BLOCK_CAP) if key.startswith(NAME_ONLY_KINDS) else block_cap


@lru_cache(maxsize=1 << 20)
def _skeletons(forms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(skeleton(f) for f in forms))


@lru_cache(maxsize=1 << 20)
def _name_keys(
    surnames: tuple[str, ...], givens: tuple[str, ...]
) -> tuple[frozenset[str], tuple[tuple[str, str, str], ...]]:
    """Keys from the name skeletons alone, and (skeleton, skeleton, joined pair) per reading."""
    keys: set[str] = set()
    combos = sorted(
        ((i + k, s, g) for i, s in enumerate(surnames) for k, g in enumerate(givens) if s or g)
    )[:_MAX_NAME_COMBINATIONS]
    parts: list[tuple[str, str, str]] = []
    for _, s, g in combos:
        if s and g:
            pair = "/".join(sorted((s, g)))
            keys.add("n:" + pair)
            keys.add(f"a:{s}/{g[:2]}")
            keys.add(f"a:{g}/{s[:2]}")
        else:
            pair = s or g
            keys.add("n:" + pair)
        parts.append((s, g, pair))
    return frozenset(keys), tuple(parts)


def name_block_keys(p: PreparedPerson) -> tuple[str, ...]:
    """The record's ``n:`` keys: the blocks that tell how common its name is."""
    name_keys, _ = _name_keys(*_name_skeletons(p))
    return tuple(k for k in name_keys if k.startswith("n:"))


def _name_skeletons(p: PreparedPerson) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _skeletons(p.surname.stem), _skeletons(p.given.full) if p.given.full else ("",)


def prepared_keys(p: PreparedPerson) -> frozenset[str]:
    """The blocking keys of a prepared record."""
    name_keys, parts = _name_keys(*_name_skeletons(p))
    dob = p.dob
    if not parts or not (dob or p.patronymic.stem or p.passport or p.phone):
        return name_keys
    keys: set[str] = set()
    # Day and month in order of size: a date keyed with the two swapped meets the right one.
    full_dob = (
        f"{dob[0]}-{min(dob[1], dob[2])}-{max(dob[1], dob[2])}" if dob and dob[1] and dob[2] else ""
    )
    fathers = _skeletons(p.patronymic.stem) if p.patronymic.stem else ()
    for s, g, pair in parts:
        if full_dob:
            if s:
                keys.add(f"d:{s}/{full_dob}")
            if g:
                keys.add(f"d:{g}/{full_dob}")
        if dob:
            keys.add("y:" + "/".join(sorted((s[:3], g[:3]))) + f"/{dob[0]}")
        for father in fathers:
            keys.add(f"f:{pair}/{father}")
    if p.passport:
        keys.add("p:" + p.passport)
    if p.phone:
        keys.add("t:" + p.phone)
    return name_keys.union(keys)


def estimated_people(members: Iterable[PreparedPerson]) -> int:
    """How many different people a block of same-name records holds, roughly.

    Records with one birth year count once per year; records without a date count half
    (they are often copies of the dated ones). Used as the name frequency of `compare`.
    """
    years: set[int] = set()
    undated = 0
    for p in members:
        if p.dob:
            years.add(p.dob[0])
        else:
            undated += 1
    return max(1, len(years) + (undated + 1) // 2)


def blocking_keys(record: PersonRecord) -> frozenset[str]:
    """The blocking keys of a record: two records are candidates when they share one."""
    return prepared_keys(prepare(record))


@dataclass
class PersonIndex:
    """Persons kept in memory by blocking key, to match one new record against all of them.

    `block_cap` bounds the work per query: blocks larger than it are skipped.
    """

    block_cap: int = DEFAULT_BLOCK_CAP
    threshold: float = DEFAULT_THRESHOLD
    _people: dict[str, PreparedPerson] = field(default_factory=dict)
    _keys: dict[str, frozenset[str]] = field(default_factory=dict)
    _blocks: dict[str, list[str]] = field(default_factory=dict)
    _people_per_key: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._people)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._people

    def add(self, record: PersonRecord) -> None:
        """Add a record, or replace the record with the same id."""
        if record.id in self._people:
            self.remove(record.id)
        prepared = prepare(record)
        keys = prepared_keys(prepared)
        self._people[record.id] = prepared
        self._keys[record.id] = keys
        for key in keys:
            self._blocks.setdefault(key, []).append(record.id)
            self._people_per_key.pop(key, None)

    def remove(self, record_id: str) -> None:
        """Forget a record; unknown ids are ignored."""
        if self._people.pop(record_id, None) is None:
            return
        for key in self._keys.pop(record_id):
            self._people_per_key.pop(key, None)
            block = self._blocks[key]
            block.remove(record_id)
            if not block:
                del self._blocks[key]

    def candidate_ids(self, prepared: PreparedPerson, keys: frozenset[str]) -> set[str]:
        """Ids sharing a key with the record, from blocks no larger than the cap."""
        found: set[str] = set()
        for key in keys:
            block = self._blocks.get(key)
            if block and len(block) <= cap_of(key, self.block_cap):
                found.update(block)
        found.discard(prepared.record.id)
        return found

    def name_count(self, keys: frozenset[str]) -> int:
        """About how many stored people share the record's name skeleton (plus one)."""
        counts = [1]
        for key in keys:
            if key.startswith("n:") and key in self._blocks:
                count = self._people_per_key.get(key)
                if count is None:
                    people = (self._people[i] for i in self._blocks[key])
                    count = self._people_per_key[key] = estimated_people(people)
                counts.append(count + 1)
        return max(counts)

    def candidates(
        self, record: PersonRecord, limit: int = 20
    ) -> list[tuple[PersonRecord, MatchResult]]:
        """The best-scoring stored records for a new one, best first (matches and near ones).

        Scores use the name frequency of the index, as `deduplicate` does on its input.
        """
        prepared = prepare(record)
        keys = prepared_keys(prepared)
        own_count = self.name_count(keys)
        scored: list[tuple[float, str, int]] = []
        for other_id in self.candidate_ids(prepared, keys):
            count = max(own_count, self.name_count(self._keys[other_id]))
            log_odds = pair_log_odds(prepared, self._people[other_id], count)
            scored.append((-log_odds, other_id, count))
        scored.sort()
        out = []
        for _, other_id, count in scored[:limit]:
            other = self._people[other_id]
            out.append((other.record, compare_prepared(prepared, other, self.threshold, count)))
        return out
