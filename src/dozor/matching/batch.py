"""Batch deduplication of persons: blocking, pair scoring, connected components.

Records are prepared and keyed once (name forms are computed once per distinct text); each
record is compared with the records that share a blocking key with it (blocks over their cap
are skipped), never with all others. Candidate pairs are integer indexes, deduplicated per
record, and scored on the fast path (`pair_log_odds`: no explanation); only the pairs that
match get their explanation, and only when asked. The comparisons run in forked worker
processes (one per core) that read the prepared records copy-on-write. Matched pairs are joined
strongest first with union-find, refusing joins that would put evidence of two different
people into one cluster (see `clusters_from_pairs`).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from operator import attrgetter
from typing import Any

from dozor.matching.identity.blocking import (
    DEFAULT_BLOCK_CAP,
    cap_of,
    estimated_people,
    prepared_keys,
)
from dozor.matching.identity.compare import (
    DEFAULT_THRESHOLD,
    MatchResult,
    compare_prepared,
    dob_evidence,
    name_frequency_weight,
    pair_log_odds_before_frequency,
    patronymic_weight,
    score_of,
)
from dozor.matching.identity.names import NameForms
from dozor.matching.identity.records import PartialDate, PersonRecord, PreparedPerson, prepare

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class MatchedPair:
    """Two records (indexes into the input, left < right) judged the same person.

    `result` (the per-feature explanation) is filled only when `match_pairs` is asked to
    explain; `score` and `name_count` always are.
    """

    left: int
    right: int
    score: float
    name_count: int
    result: MatchResult | None = None


@dataclass(slots=True)
class _Batch:
    """The records built so far: prepared, keyed, and in blocks (key → ascending indexes)."""

    block_cap: int
    prepared: list[PreparedPerson] = field(default_factory=list)
    keys_of: list[frozenset[str]] = field(default_factory=list)
    blocks: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record: PersonRecord) -> None:
        i = len(self.prepared)
        p = prepare(record)
        keys = prepared_keys(p)
        self.prepared.append(p)
        self.keys_of.append(keys)
        blocks = self.blocks
        for key in keys:
            blocks[key].append(i)

    def usable(self, key: str) -> list[int] | None:
        """The block of a key if it is compared: more than one record, not over its cap."""
        block = self.blocks.get(key)
        if block is None or len(block) < 2 or len(block) > cap_of(key, self.block_cap):
            return None
        return block


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector off: millions of small objects, none cyclic, make its
    passes pure cost (they walk every object, again and again)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# i, j (j < i), log-odds with a name count of one, whether the name count lowers it.
Found = tuple[int, int, float, bool]


def _pairs_for(batch: _Batch, indexes: Iterable[int], cut: float, reject: bool) -> list[Found]:
    """The pairs (j, i), j < i, of records i that may match: they share a block and their
    log-odds before the name frequency reaches `cut` (the frequency can only lower it).

    Runs in a worker forked while the batch is still being built: blocks hold every record
    before the last of `indexes`, and may still grow past their cap (the parent checks).
    """
    prepared, keys_of, blocks = batch.prepared, batch.keys_of, batch.blocks
    block_cap, name_cap = batch.block_cap, cap_of("n:", batch.block_cap)
    out: list[Found] = []
    for i in indexes:
        seen: set[int] = set()
        for key in keys_of[i]:
            block = blocks.get(key)
            # `_Batch.usable`, inlined: this loop runs for every key of every record.
            if block is not None and len(block) <= (name_cap if key[0] in "na" else block_cap):
                stop = bisect_left(block, i)
                if stop:
                    seen.update(block[:stop])
        if not seen:
            continue
        a = prepared[i]
        a_year = a.dob[0] if a.dob else None
        for j in seen:
            b = prepared[j]
            if (
                reject
                and a_year is not None
                and b.dob is not None
                and abs(a_year - b.dob[0]) >= 2
                and not (a.passport and a.passport == b.passport)
            ):
                continue  # birth years two or more apart: the score cannot reach 0.5
            log_odds, lowered = pair_log_odds_before_frequency(a, b, cut)
            if log_odds >= cut:
                out.append((j, i, log_odds, lowered))
    return out


def _child(
    send: Connection,
    batch: _Batch,
    indexes: range,
    cut: float,
    reject: bool,
    earlier: list[Found] | None,
) -> None:
    """Compare records; once the batch is complete (`earlier` given), also finish the pairs
    found earlier, so that the parent has only to cluster."""
    gc.disable()
    found = _pairs_for(batch, indexes, cut, reject)
    if earlier is None:
        send.send(found)
    else:
        send.send(_finish_pairs(batch, earlier + found, cut))
    send.close()


def _log_odds_cut(threshold: float) -> float:
    if threshold <= 0.0:
        return -math.inf
    if threshold >= 1.0:
        return math.inf
    return math.log(threshold / (1.0 - threshold))


class _Workers:
    """Forked processes comparing chunks of records while the parent builds the next ones."""

    def __init__(self, batch: _Batch, cut: float, reject: bool, limit: int) -> None:
        self.context = multiprocessing.get_context("fork")
        self.batch, self.cut, self.reject, self.limit = batch, cut, reject, limit
        self.running: list[tuple[BaseProcess, Connection]] = []
        self.found: list[Any] = []

    def start(self, indexes: range, earlier: list[Found] | None = None) -> None:
        while len(self.running) >= self.limit:
            self.collect_one()
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_child, args=(send, self.batch, indexes, self.cut, self.reject, earlier)
        )
        process.start()
        send.close()
        self.running.append((process, receive))

    def collect_one(self) -> None:
        process, receive = self.running.pop(0)
        try:
            self.found.extend(receive.recv())
        finally:
            receive.close()
            process.join()
        if process.exitcode:
            raise RuntimeError(f"a matching worker failed (exit code {process.exitcode})")

    def finish(self) -> list[Any]:
        try:
            while self.running:
                self.collect_one()
        finally:
            for process, _ in self.running:
                process.kill()
        return self.found


def _match(
    records: Sequence[PersonRecord],
    threshold: float,
    block_cap: int,
    workers: int | None,
    progress: Progress | None,
    explain: bool,
) -> tuple[list[PreparedPerson], list[MatchedPair]]:
    n = len(records)
    workers = workers or os.cpu_count() or 1
    cut = _log_odds_cut(threshold)
    reject = threshold >= 0.5
    batch = _Batch(block_cap)
    parallel = workers > 1 and n >= 20000 and "fork" in multiprocessing.get_all_start_methods()
    chunk = -(-n // 4) if parallel else max(n, 1)
    finished: list[Finished] = []
    with _no_collection():
        pool = _Workers(batch, cut, reject, workers - 1) if parallel else None
        try:
            for start in range(0, n, chunk):
                stop = min(start + chunk, n)
                for i in range(start, stop):
                    batch.add(records[i])
                if progress:
                    progress("prepare and compare", stop, n)
                if pool is None:
                    found = _pairs_for(batch, range(start, stop), cut, reject)
                    finished.extend(_finish_pairs(batch, found, cut))
                elif stop < n:
                    pool.start(range(start, stop))
                else:  # the last chunk, and finishing the pairs found earlier: every core
                    earlier: list[Found] = pool.finish()
                    pool.found, pool.limit = [], workers
                    for k in range(workers):
                        pool.start(range(start + k, stop, workers), earlier[k::workers])
                    del earlier
        finally:
            if pool is not None:
                finished = pool.finish()
        finished.sort()
        prepared = batch.prepared
        pairs = [
            MatchedPair(
                j,
                i,
                score_of(log_odds),
                count,
                compare_prepared(prepared[j], prepared[i], threshold, count) if explain else None,
            )
            for j, i, log_odds, count in finished
        ]
    return batch.prepared, pairs


Finished = tuple[int, int, float, int]  # j < i, log-odds, name count


def _finish_pairs(batch: _Batch, found: list[Found], cut: float) -> list[Finished]:
    """The found pairs that share a block within its final cap, with their name frequency,
    that still reach `cut` (the batch must be complete)."""
    prepared, keys_of, blocks = batch.prepared, batch.keys_of, batch.blocks
    people: dict[str, int] = {}
    counts: dict[int, int] = {}

    def name_count(k: int) -> int:
        """About how many people share the record's name (`estimated_people` of its blocks)."""
        count = counts.get(k)
        if count is None:
            count = 1
            for key in keys_of[k]:
                if key[0] == "n":
                    c = people.get(key)
                    if c is None:
                        block = blocks[key]
                        c = estimated_people(prepared[m] for m in block) if len(block) > 1 else 1
                        people[key] = c
                    count = max(count, c)
            counts[k] = count
        return count

    out: list[Finished] = []
    for j, i, log_odds, lowered in found:
        if not any(batch.usable(key) for key in keys_of[i] & keys_of[j]):
            continue  # met only in a block that grew past its cap
        count = max(name_count(i), name_count(j))
        if lowered and count > 1:
            log_odds += name_frequency_weight(count)
            if log_odds < cut:
                continue
        out.append((j, i, log_odds, count))
    return out


def match_pairs(
    records: Sequence[PersonRecord],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    block_cap: int = DEFAULT_BLOCK_CAP,
    workers: int | None = None,
    progress: Progress | None = None,
    explain: bool = False,
) -> list[MatchedPair]:
    """Every pair of records judged the same person (left < right, indexes into `records`).

    With `explain`, each pair carries its `MatchResult` (computed for matched pairs only).
    """
    return _match(records, threshold, block_cap, workers, progress, explain)[1]


_MAX_TRAITS = 8
_CONFLICT = -2.0  # date or patronymic evidence at or below this: two different people
_OTHER_YEAR = -3.5  # the date evidence of birth years one or more apart


@dataclass(frozen=True, slots=True)
class ClusterTraits:
    """What a cluster's records say about who the person is: birth dates, fathers, gender."""

    dates: tuple[PartialDate, ...]
    fathers: tuple[NameForms, ...]
    genders: frozenset[str]

    @classmethod
    def of(cls, p: PreparedPerson) -> ClusterTraits:
        return cls(
            (p.dob,) if p.dob else (),
            (p.patronymic,) if p.patronymic.stem else (),
            frozenset((p.gender,)) if p.gender else frozenset(),
        )

    def join(self, other: ClusterTraits) -> ClusterTraits | None:
        """The traits of the joined cluster, or None when they prove two people.

        Two people: dates of birth that disagree beyond a keying error (another month or
        year), fathers with different names, or a male and a female form.
        """
        genders = self.genders | other.genders
        if len(genders) > 1:
            return None
        dates = list(self.dates)
        for d in other.dates:
            weights = [dob_evidence(d, mine)[0] for mine in self.dates]
            # Another birth year anywhere is two people; another month or day is, unless
            # some date of the cluster agrees (records with keying errors of one date).
            if weights and (min(weights) <= _OTHER_YEAR or max(weights) <= _CONFLICT):
                return None
            if d not in dates and len(dates) < _MAX_TRAITS:
                dates.append(d)
        fathers = list(self.fathers)
        for father in other.fathers:
            if any(patronymic_weight(father, f) <= _CONFLICT for f in self.fathers):
                return None
            if father not in fathers and len(fathers) < _MAX_TRAITS:
                fathers.append(father)
        return ClusterTraits(tuple(dates), tuple(fathers), genders)


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Join the sets of a and b; the new root."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra


def clusters_from_pairs(
    records: Sequence[PersonRecord],
    pairs: Iterable[MatchedPair],
    prepared: Sequence[PreparedPerson] | None = None,
) -> dict[str, str]:
    """Connected components of the matched pairs: record id → id of the cluster's first record.

    Pairs are joined strongest first, and a join is refused when it would put proof of two
    people into one cluster (`ClusterTraits.join`): birth dates that disagree beyond a
    keying error, fathers' names that disagree, or a male and a female form. One weak link
    (a name shared by namesakes) must not merge two people whose records each say who they
    are.
    """
    if prepared is None:
        prepared = [prepare(r) for r in records]
    sets = UnionFind(len(records))
    traits: dict[int, ClusterTraits | None] = {}  # by root; a singleton's are made on demand

    def traits_of(root: int) -> ClusterTraits | None:
        if root in traits:
            return traits[root]
        p = prepared[root]
        made = ClusterTraits.of(p) if p.dob or p.patronymic.stem or p.gender else None
        traits[root] = made
        return made

    ordered = sorted(pairs, key=attrgetter("left", "right"))
    ordered.sort(key=attrgetter("score"), reverse=True)  # stable: ties stay in index order
    for pair in ordered:
        ra, rb = sets.find(pair.left), sets.find(pair.right)
        if ra == rb:
            continue
        ta, tb = traits_of(ra), traits_of(rb)
        merged = ta.join(tb) if ta and tb else ta or tb
        if merged is None and ta and tb:
            continue
        root = sets.union(ra, rb)
        traits[root] = merged
    first: dict[int, str] = {}
    out: dict[str, str] = {}
    for i, record in enumerate(records):
        root = sets.find(i)
        out[record.id] = first.setdefault(root, record.id)
    return out


def cluster_persons(
    records: Sequence[PersonRecord],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    block_cap: int = DEFAULT_BLOCK_CAP,
    workers: int | None = None,
    progress: Progress | None = None,
    explain: bool = False,
) -> tuple[dict[str, str], list[MatchedPair]]:
    """`match_pairs` and `clusters_from_pairs` in one pass (records prepared once)."""
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    prepared, pairs = _match(records, threshold, block_cap, workers, progress, explain)
    with _no_collection():
        return clusters_from_pairs(records, pairs, prepared), pairs


def deduplicate(
    records: Sequence[PersonRecord],
    progress: Progress | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    block_cap: int = DEFAULT_BLOCK_CAP,
    workers: int | None = None,
) -> dict[str, str]:
    """Cluster records of one person: record id → cluster id (the first record's id).

    Record ids must be unique. Singletons are their own cluster.
    """
    return cluster_persons(
        records, threshold=threshold, block_cap=block_cap, workers=workers, progress=progress
    )[0]
