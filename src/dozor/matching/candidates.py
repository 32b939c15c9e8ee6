"""Candidate person matches from the identity engine, kept in the database, and the queue.

When a writer touches persons (`dozor.matching.maintain`), their blocking keys
(`dozor.matching.identity.blocking_keys`) are rewritten in ``person_block_key`` and their
candidate pairs recomputed: the persons sharing a key, from blocks of at most ``BLOCK_CAP``
persons (a larger block is a very common name: other keys still apply), scored with
`dozor.matching.identity.compare`. Pairs scoring at least ``MIN_SCORE`` are stored in
``match_candidate`` with the engine's per-feature explanation. Never all pairs.

The queue and a person's candidates are read through the access policy: a pair is shown only
when the viewer may see both persons, and pairs with an active judgement leave the queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, or_, select, true

from dozor.access.policy import Viewer, reads_content
from dozor.matching.correlation import PERSON, describe, visible
from dozor.matching.identity.blocking import prepared_keys
from dozor.matching.identity.compare import compare_prepared
from dozor.matching.identity.records import PersonRecord, PreparedPerson, prepare
from dozor.matching.judgements import visible_persons
from dozor.store.bulk import insert_rows
from dozor.store.schema import identity_document, person, person_phone
from dozor.store.schema_matching import match_candidate, match_judgement, person_block_key

BLOCK_CAP = 200
MIN_SCORE = 0.3
_CHUNK = 500
SCAN = 500  # queue pairs checked per round
SCAN_ROUNDS = 20


def _chunks(values: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _dob_text(born: Any, precision: str | None) -> str:
    if born is None:
        return ""
    if precision == "year":
        return f"{born.year:04d}"
    if precision == "month":
        return f"{born.year:04d}-{born.month:02d}"
    return str(born.isoformat())


def load_records(conn: Connection, ids: Sequence[str]) -> dict[str, PersonRecord]:
    """The identity engine's records of these persons (erased ones are left out)."""
    records: dict[str, PersonRecord] = {}
    for chunk in _chunks(ids):
        passports: dict[str, str] = {}
        for d in conn.execute(
            select(identity_document.c.person_id, identity_document.c.number)
            .where(
                identity_document.c.person_id.in_(chunk),
                identity_document.c.doc_type == "passport",
            )
            .order_by(identity_document.c.id)
        ):
            passports.setdefault(d.person_id, d.number)
        phones: dict[str, str] = {}
        for p in conn.execute(
            select(person_phone.c.person_id, person_phone.c.e164, person_phone.c.raw)
            .where(person_phone.c.person_id.in_(chunk))
            .order_by(person_phone.c.valid.desc(), person_phone.c.id)
        ):
            phones.setdefault(p.person_id, p.e164 or p.raw)
        for r in conn.execute(
            select(
                person.c.id,
                person.c.surname,
                person.c.given_name,
                person.c.patronymic,
                person.c.date_of_birth,
                person.c.dob_precision,
                person.c.nationality,
            ).where(person.c.id.in_(chunk), person.c.erased_at.is_(None))
        ):
            records[r.id] = PersonRecord(
                id=r.id,
                surname=r.surname or "",
                given_name=r.given_name or "",
                patronymic=r.patronymic or "",
                date_of_birth=_dob_text(r.date_of_birth, r.dob_precision),
                nationality=r.nationality or "",
                passport_number=passports.get(r.id, ""),
                phone=phones.get(r.id, ""),
            )
    return records


def _write_keys(conn: Connection, prepared: dict[str, PreparedPerson]) -> None:
    rows = sorted({(key, pid) for pid, p in prepared.items() for key in prepared_keys(p)})
    insert_rows(conn, person_block_key, ("key", "person_id"), rows)


def _neighbours(conn: Connection, ids: Sequence[str]) -> dict[str, set[str]]:
    """Persons sharing a blocking key (of a block within the cap) with each of ``ids``."""
    found: dict[str, set[str]] = {i: set() for i in ids}
    mine = person_block_key.alias("mine")
    theirs = person_block_key.alias("theirs")
    for chunk in _chunks(ids, 200):
        keys = select(mine.c.key).where(mine.c.person_id.in_(chunk)).distinct()
        small = (
            select(person_block_key.c.key)
            .where(person_block_key.c.key.in_(keys))
            .group_by(person_block_key.c.key)
            .having(func.count() <= BLOCK_CAP)
        )
        rows = conn.execute(
            select(mine.c.person_id.label("me"), theirs.c.person_id.label("other"))
            .join(theirs, theirs.c.key == mine.c.key)
            .where(
                mine.c.person_id.in_(chunk),
                mine.c.key.in_(small),
                theirs.c.person_id != mine.c.person_id,
            )
            .distinct()
        )
        for r in rows:
            found[r.me].add(r.other)
    return found


def _score_pairs(
    conn: Connection, prepared: dict[str, PreparedPerson], now: datetime
) -> list[tuple[Any, ...]]:
    neighbours = _neighbours(conn, sorted(prepared))
    others = sorted({o for found in neighbours.values() for o in found} - set(prepared))
    pool = dict(prepared)
    pool.update({pid: prepare(r) for pid, r in load_records(conn, others).items()})
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    for me, found in neighbours.items():
        for other in found:
            a, b = (me, other) if me < other else (other, me)
            if (a, b) in rows or other not in pool:
                continue
            result = compare_prepared(pool[a], pool[b])
            if result.score >= MIN_SCORE:
                features = {k: f.as_dict() for k, f in result.features.items()}
                rows[(a, b)] = (
                    a,
                    b,
                    round(result.score, 6),
                    result.is_match,
                    json.dumps(features, ensure_ascii=False, sort_keys=True),
                    now,
                )
    return list(rows.values())


_CANDIDATE_COLUMNS = ("person_a", "person_b", "score", "is_match", "features", "computed_at")


def reindex(conn: Connection, ids: Sequence[str], *, now: datetime | None = None) -> int:
    """Rewrite the blocking keys and candidate pairs of these persons; returns pairs stored."""
    if not ids:
        return 0
    moment = now or datetime.now(UTC)
    for chunk in _chunks(ids):
        conn.execute(delete(person_block_key).where(person_block_key.c.person_id.in_(chunk)))
        conn.execute(
            delete(match_candidate).where(
                or_(match_candidate.c.person_a.in_(chunk), match_candidate.c.person_b.in_(chunk))
            )
        )
    prepared = {pid: prepare(r) for pid, r in load_records(conn, ids).items()}
    _write_keys(conn, prepared)
    rows = _score_pairs(conn, prepared, moment)
    insert_rows(conn, match_candidate, _CANDIDATE_COLUMNS, rows)
    return len(rows)


def rebuild(
    conn: Connection, *, advance: Callable[[int], None] | None = None, batch: int = 2000
) -> tuple[int, int]:
    """Blocking keys and candidate pairs of every person again; returns (persons, pairs)."""
    conn.execute(delete(person_block_key))
    conn.execute(delete(match_candidate))
    ids = list(conn.execute(select(person.c.id).order_by(person.c.id)).scalars())
    for chunk in _chunks(ids, batch):
        prepared = {pid: prepare(r) for pid, r in load_records(conn, chunk).items()}
        _write_keys(conn, prepared)
    now = datetime.now(UTC)
    for chunk in _chunks(ids, batch):
        prepared = {pid: prepare(r) for pid, r in load_records(conn, chunk).items()}
        rows = _score_pairs(conn, prepared, now)
        for chunk_ids in _chunks(list(chunk)):
            conn.execute(
                delete(match_candidate).where(
                    or_(
                        match_candidate.c.person_a.in_(chunk_ids),
                        match_candidate.c.person_b.in_(chunk_ids),
                    )
                )
            )
        insert_rows(conn, match_candidate, _CANDIDATE_COLUMNS, rows)
        if advance is not None:
            advance(len(chunk))
    pairs = int(conn.execute(select(func.count()).select_from(match_candidate)).scalar_one())
    return len(ids), pairs


def _pair_row(r: Any) -> dict[str, Any]:
    return {
        "person_a": r.person_a,
        "person_b": r.person_b,
        "score": r.score,
        "is_match": bool(r.is_match),
        "features": json.loads(r.features) if r.features else {},
    }


def _judged() -> Any:
    return exists(
        select(match_judgement.c.id).where(
            match_judgement.c.person_a == match_candidate.c.person_a,
            match_judgement.c.person_b == match_candidate.c.person_b,
            match_judgement.c.withdrawn_at.is_(None),
        )
    )


def _after(key: tuple[float, str, str] | None) -> Any:
    """Candidates after ``key`` in queue order (score down, then the pair's ids)."""
    if key is None:
        return true()
    score, a, b = key
    c = match_candidate.c
    return or_(
        c.score < score,
        and_(c.score == score, or_(c.person_a > a, and_(c.person_a == a, c.person_b > b))),
    )


def _queue_order() -> tuple[Any, ...]:
    c = match_candidate.c
    return (c.score.desc(), c.person_a, c.person_b)


def _scan_visible_pairs(
    conn: Connection, viewer: Viewer, wanted: int, min_score: float, moment: datetime
) -> tuple[list[Any], tuple[float, str, str] | None, bool]:
    """Walk the queue in order, ``SCAN`` pairs at a time, checking their persons in one query.

    Stops with the first ``wanted`` visible pairs, at the end of the queue (``done``), or after
    ``SCAN_ROUNDS`` rounds (a viewer who sees few of the candidates), returning where it got.
    """
    seen: dict[str, bool] = {}
    found: list[Any] = []
    key: tuple[float, str, str] | None = None
    for _round in range(SCAN_ROUNDS):
        rows = list(
            conn.execute(
                select(match_candidate)
                .where(match_candidate.c.score >= min_score, ~_judged(), _after(key))
                .order_by(*_queue_order())
                .limit(SCAN)
            )
        )
        unknown = {i for r in rows for i in (r.person_a, r.person_b) if i not in seen}
        shown = visible_persons(conn, viewer, unknown, moment)
        seen.update({i: i in shown for i in unknown})
        for r in rows:
            if seen[r.person_a] and seen[r.person_b]:
                found.append(r)
                if len(found) >= wanted:
                    return found, None, True
        if len(rows) < SCAN:
            return found, None, True
        key = (rows[-1].score, rows[-1].person_a, rows[-1].person_b)
    return found, key, False


def candidate_queue(
    conn: Connection,
    viewer: Viewer,
    *,
    limit: int = 50,
    offset: int = 0,
    min_score: float = 0.5,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Unjudged candidate pairs of two persons the viewer may see, best score first.

    The queue is walked in score order with the persons of each batch checked at once, which
    stops after a page; asking the policy about every person first (an ``IN`` of all visible
    persons) cost the whole visible set on every page. For a viewer who sees few of the
    candidates, the walk gives way to that set-based query after ``SCAN_ROUNDS`` batches.
    """
    moment = now or datetime.now(UTC)
    if not reads_content(viewer):
        return []
    wanted = offset + limit
    found, key, done = _scan_visible_pairs(conn, viewer, wanted, min_score, moment)
    if not done:
        shown = select(person.c.id).where(visible(PERSON, viewer, moment))
        found += conn.execute(
            select(match_candidate)
            .where(
                match_candidate.c.score >= min_score,
                match_candidate.c.person_a.in_(shown),
                match_candidate.c.person_b.in_(shown),
                ~_judged(),
                _after(key),
            )
            .order_by(*_queue_order())
            .limit(wanted - len(found))
        ).all()
    rows = found[offset:wanted]
    ids = sorted({r.person_a for r in rows} | {r.person_b for r in rows})
    described = describe(conn, viewer, PERSON, ids, moment)
    return [
        {**_pair_row(r), "a": described[r.person_a], "b": described[r.person_b]}
        for r in rows
        if r.person_a in described and r.person_b in described
    ]


def person_candidates(
    conn: Connection,
    viewer: Viewer,
    person_id: str,
    *,
    limit: int = 20,
    now: datetime | None = None,
) -> list[dict[str, Any]] | None:
    """A visible person's candidates the viewer may see, with any active judgement."""
    moment = now or datetime.now(UTC)
    if not visible_persons(conn, viewer, {person_id}, moment):
        return None
    rows = list(
        conn.execute(
            select(match_candidate)
            .where(
                or_(
                    match_candidate.c.person_a == person_id,
                    match_candidate.c.person_b == person_id,
                )
            )
            .order_by(match_candidate.c.score.desc(), match_candidate.c.person_a)
        )
    )
    others = {r.person_b if r.person_a == person_id else r.person_a for r in rows}
    described = describe(conn, viewer, PERSON, sorted(others), moment)
    verdicts = {
        (j.person_a, j.person_b): j.verdict
        for j in conn.execute(
            select(
                match_judgement.c.person_a, match_judgement.c.person_b, match_judgement.c.verdict
            ).where(
                match_judgement.c.withdrawn_at.is_(None),
                or_(
                    and_(match_judgement.c.person_a == person_id),
                    match_judgement.c.person_b == person_id,
                ),
            )
        )
    }
    found = []
    for r in rows:
        other = r.person_b if r.person_a == person_id else r.person_a
        if other in described:
            found.append(
                {
                    **_pair_row(r),
                    "other": described[other],
                    "verdict": verdicts.get((r.person_a, r.person_b)),
                }
            )
        if len(found) >= limit:
            break
    return found
