"""Analysts' judgements on pairs of persons: same, not the same, or unsure.

A judgement is never edited or deleted. A new judgement on the same pair supersedes the active
one (which gets ``withdrawn_at``), and withdrawing one leaves the pair unjudged, so the history
of every decision stays. Only users who may see **both** persons can judge a pair or see its
judgements. Each judgement and withdrawal is audited (ids and verdict, no note text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, or_, select, update

from dozor.access import audit
from dozor.access.policy import Viewer
from dozor.domain.ids import uuid7
from dozor.matching.correlation import PERSON, visible
from dozor.matching.errors import MatchingError, forbidden_role, not_found
from dozor.store.schema import person
from dozor.store.schema_matching import match_candidate, match_judgement

VERDICTS = ("same", "not_same", "unsure")
JUDGE_ROLES = frozenset({"analyst", "supervisor"})
NOTE_LIMIT = 1000


class Judge(Viewer, Protocol):
    """A principal who judges: the policy's viewer plus the user id."""

    @property
    def user_id(self) -> str: ...


def pair(a: str, b: str) -> tuple[str, str]:
    """The pair in stored order (smaller id first)."""
    return (a, b) if a < b else (b, a)


def visible_persons(conn: Connection, viewer: Viewer, ids: set[str], now: datetime) -> set[str]:
    """Those of ``ids`` the viewer may read."""
    if not ids:
        return set()
    query = select(person.c.id).where(person.c.id.in_(sorted(ids)), visible(PERSON, viewer, now))
    return set(conn.execute(query).scalars())


def _as_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "person_a": r.person_a,
        "person_b": r.person_b,
        "verdict": r.verdict,
        "note": r.note,
        "score": r.score,
        "judged_by": r.judged_by,
        "judged_at": r.judged_at,
        "withdrawn_at": r.withdrawn_at,
        "withdrawn_by": r.withdrawn_by,
    }


def _active(a: str, b: str) -> Any:
    return and_(
        match_judgement.c.person_a == a,
        match_judgement.c.person_b == b,
        match_judgement.c.withdrawn_at.is_(None),
    )


def record_judgement(
    conn: Connection,
    judge: Judge,
    first: str,
    second: str,
    verdict: str,
    note: str = "",
    *,
    node: str,
    channel: str = "api",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a judgement on two persons the judge may both see; it supersedes the last one."""
    moment = now or datetime.now(UTC)
    if not judge.roles & JUDGE_ROLES:
        raise forbidden_role("analyst / supervisor")
    if verdict not in VERDICTS:
        raise MatchingError(
            422,
            "unknown_code",
            f"verdict: {verdict!r} is not one of {', '.join(VERDICTS)}",
            f"verdict: {verdict!r} — допустимо: {', '.join(VERDICTS)}",
        )
    text = note.strip()
    if len(text) > NOTE_LIMIT:
        raise MatchingError(
            422,
            "too_long",
            f"note: at most {NOTE_LIMIT} characters, got {len(text)}",
            f"note: не более {NOTE_LIMIT} символов, получено {len(text)}",
        )
    if first == second:
        raise MatchingError(
            422,
            "out_of_range",
            "person_b: a person cannot be judged against itself",
            "person_b: нельзя сравнивать лицо с самим собой",
        )
    a, b = pair(first, second)
    if visible_persons(conn, judge, {a, b}, moment) != {a, b}:
        raise not_found("person", "лицо")
    conn.execute(
        update(match_judgement)
        .where(_active(a, b))
        .values(withdrawn_at=moment, withdrawn_by=judge.user_id)
    )
    score = conn.execute(
        select(match_candidate.c.score).where(
            match_candidate.c.person_a == a, match_candidate.c.person_b == b
        )
    ).scalar()
    judgement_id = uuid7()
    row: dict[str, Any] = {
        "id": judgement_id,
        "person_a": a,
        "person_b": b,
        "verdict": verdict,
        "note": text or None,
        "score": score,
        "judged_by": judge.user_id,
        "judged_agency_id": judge.agency_id,
        "judged_at": moment,
        "withdrawn_at": None,
        "withdrawn_by": None,
    }
    conn.execute(match_judgement.insert(), row)
    audit.record(
        conn,
        node=node,
        action="match_judgement",
        channel=channel,
        actor_user_id=judge.user_id,
        actor_agency_id=judge.agency_id,
        object_type="person",
        object_ids=[judgement_id, a, b],
        details={"verdict": verdict},
    )
    return {k: v for k, v in row.items() if k != "judged_agency_id"}


def withdraw_judgement(
    conn: Connection,
    judge: Judge,
    judgement_id: str,
    *,
    node: str,
    channel: str = "api",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Withdraw an active judgement of the judge's agency; a cluster it held together splits."""
    moment = now or datetime.now(UTC)
    if not judge.roles & JUDGE_ROLES:
        raise forbidden_role("analyst / supervisor")
    found = conn.execute(
        select(match_judgement).where(match_judgement.c.id == judgement_id)
    ).first()
    if found is None or visible_persons(conn, judge, {found.person_a, found.person_b}, moment) != {
        found.person_a,
        found.person_b,
    }:
        raise not_found("judgement", "решение")
    if found.judged_agency_id != judge.agency_id:
        raise MatchingError(
            403,
            "not_owner",
            "only the judging agency may withdraw its judgement",
            "отозвать решение может только ведомство, которое его приняло",
        )
    if found.withdrawn_at is not None:
        raise MatchingError(
            409, "already_withdrawn", "the judgement is already withdrawn", "решение уже отозвано"
        )
    conn.execute(
        update(match_judgement)
        .where(match_judgement.c.id == judgement_id)
        .values(withdrawn_at=moment, withdrawn_by=judge.user_id)
    )
    audit.record(
        conn,
        node=node,
        action="match_judgement_withdraw",
        channel=channel,
        actor_user_id=judge.user_id,
        actor_agency_id=judge.agency_id,
        object_type="person",
        object_ids=[judgement_id, found.person_a, found.person_b],
        details={"verdict": found.verdict},
    )
    updated = conn.execute(
        select(match_judgement).where(match_judgement.c.id == judgement_id)
    ).one()
    return _as_dict(updated)


def judgements_of(
    conn: Connection,
    viewer: Viewer,
    person_id: str,
    *,
    include_withdrawn: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]] | None:
    """Judgements involving a visible person whose other person is visible too; None if hidden."""
    moment = now or datetime.now(UTC)
    if not visible_persons(conn, viewer, {person_id}, moment):
        return None
    query = select(match_judgement).where(
        or_(match_judgement.c.person_a == person_id, match_judgement.c.person_b == person_id)
    )
    if not include_withdrawn:
        query = query.where(match_judgement.c.withdrawn_at.is_(None))
    rows = list(conn.execute(query.order_by(match_judgement.c.judged_at, match_judgement.c.id)))
    others = {r.person_b if r.person_a == person_id else r.person_a for r in rows}
    shown = visible_persons(conn, viewer, others, moment)
    return [
        _as_dict(r)
        for r in rows
        if (r.person_b if r.person_a == person_id else r.person_a) in shown
    ]


def judged_pairs(conn: Connection, ids: set[str]) -> set[tuple[str, str]]:
    """Pairs among those touching ``ids`` with an active judgement (any verdict)."""
    if not ids:
        return set()
    rows = conn.execute(
        select(match_judgement.c.person_a, match_judgement.c.person_b).where(
            match_judgement.c.withdrawn_at.is_(None),
            or_(
                match_judgement.c.person_a.in_(sorted(ids)),
                match_judgement.c.person_b.in_(sorted(ids)),
            ),
        )
    )
    return {(r.person_a, r.person_b) for r in rows}
