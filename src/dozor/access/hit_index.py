"""The hit/no-hit index (DATA.md §2.8): publication and withdrawal of selector digests.

The index (``hit_digest``) holds only the digest, type, key version, owner agency and
country, an opaque random ``hit_ref`` and dates. Publication happens on release (a
``workflow.after_release`` hook), withdrawal on retraction or narrowing
(``workflow.after_withdrawal``, and the release hook itself), and ``dozor hits publish``
re-synchronises everything (after a key rotation, for instance). What is eligible, and the
digests themselves, come from `dozor.access.hits`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from dozor.access import audit, workflow
from dozor.access.hits import ObjectKey, digest, eligible_objects, linked_object_ids
from dozor.access.keys import KeyStoreError, NetworkKey, load_keys
from dozor.settings import Settings, load_settings
from dozor.store.schema import agency, event_outbox, hit_digest

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass(slots=True)
class PublishResult:
    """What one synchronisation of the index did."""

    key_version: int | None
    objects: int = 0  # eligible objects in scope
    published: int = 0  # new digests
    kept: int = 0  # digests already there
    withdrawn: int = 0  # digests deleted (object no longer eligible, selector gone, expired)
    expiring: int = 0  # old-key digests given an expiry date
    matches: int = 0  # cross-country matches notified
    withdrawn_objects: set[str] = field(default_factory=set)
    published_objects: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_version": self.key_version,
            "objects": self.objects,
            "published": self.published,
            "kept": self.kept,
            "withdrawn": self.withdrawn,
            "expiring": self.expiring,
            "matches": self.matches,
        }


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def synchronise(
    conn: Connection,
    settings: Settings,
    *,
    now: datetime | None = None,
    seizure_id: str | None = None,
    publish: bool = True,
    key: NetworkKey | None = None,
) -> PublishResult:
    """Make the index match the data: publish what is eligible, withdraw what is not.

    ``seizure_id`` limits the work to the persons and conveyances linked to that seizure
    (eligibility still looks at all their links). ``publish=False`` only withdraws. Digests of
    older key versions get ``expires_at = now + DOZOR_HIT_DIGEST_GRACE_DAYS`` and are deleted
    once expired. Without a network key nothing is published, but withdrawal still works.
    """
    moment = now or datetime.now(UTC)
    if key is None and publish:
        try:
            keys = load_keys(settings)
        except KeyStoreError as error:
            log.warning("hit/no-hit: network keys unusable (%s); nothing published", error)
            keys = {}
        key = keys[max(keys)] if keys else None
    result = PublishResult(key.version if key else None)
    desired = eligible_objects(conn, settings, seizure_id)
    result.objects = len(desired)
    wanted: dict[ObjectKey, set[tuple[str, str]]] = {}
    if key is not None and publish:
        for object_key, item in desired.items():
            wanted[object_key] = {(t, digest(key, t, c)) for t, c in item.selectors}
    grace = moment + timedelta(days=settings.hit_digest_grace_days)
    existing = select(
        hit_digest.c.id,
        hit_digest.c.object_type,
        hit_digest.c.object_id,
        hit_digest.c.selector_type,
        hit_digest.c.digest,
        hit_digest.c.key_version,
        hit_digest.c.expires_at,
    )
    if seizure_id is not None:
        scopes = [
            and_(hit_digest.c.object_type == kind, hit_digest.c.object_id.in_(query))
            for kind in ("person", "conveyance")
            if (query := linked_object_ids(kind, seizure_id)) is not None
        ]
        existing = existing.where(or_(*scopes))
    doomed: list[int] = []
    to_expire: list[int] = []
    for row in conn.execute(existing):
        object_key = (row.object_type, row.object_id)
        expires = _aware(row.expires_at)
        if expires is not None and expires <= moment:
            doomed.append(row.id)
        elif object_key not in desired:
            doomed.append(row.id)
            result.withdrawn_objects.add(row.object_id)
        elif key is None or not publish:
            continue
        elif row.key_version == key.version:
            if (row.selector_type, row.digest) in wanted[object_key]:
                wanted[object_key].discard((row.selector_type, row.digest))
                result.kept += 1
            else:
                doomed.append(row.id)
        elif expires is None:
            to_expire.append(row.id)
    for ids in _chunks(doomed):
        conn.execute(delete(hit_digest).where(hit_digest.c.id.in_(ids)))
    for ids in _chunks(to_expire):
        conn.execute(update(hit_digest).where(hit_digest.c.id.in_(ids)).values(expires_at=grace))
    result.withdrawn = len(doomed)
    result.expiring = len(to_expire)
    rows = []
    if key is not None:
        for object_key, digests in wanted.items():
            item = desired[object_key]
            for selector_type, value in sorted(digests):
                rows.append(
                    {
                        "digest": value,
                        "selector_type": selector_type,
                        "key_version": key.version,
                        "object_type": object_key[0],
                        "object_id": object_key[1],
                        "owner_agency_id": item.owner_agency_id,
                        "owner_country": item.owner_country,
                        "hit_ref": secrets.token_urlsafe(24),
                        "published_at": moment,
                        "expires_at": None,
                    }
                )
                result.published_objects.add(object_key[1])
    if rows:
        for batch in _chunks(rows):
            conn.execute(insert(hit_digest), list(batch))
        result.matches = _notify_matches(conn, rows, moment)
    result.published = len(rows)
    return result


def _notify_matches(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> int:
    """New digests equal to ones owned in another country: tell both owners (no content).

    DATA.md §2.8 "Matching": the type, the other agency and country, and the ``hit_ref``;
    one ``selector_hit`` event per owner in the outbox. Matches within one country are left
    to local search under the policy.
    """
    by_digest: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_digest.setdefault(r["digest"], []).append(r)
    codes = {r.id: r.code for r in conn.execute(select(agency.c.id, agency.c.code))}
    events: list[dict[str, Any]] = []
    seen: set[frozenset[str]] = set()
    for values in _chunks(list(by_digest)):
        others = (
            conn.execute(
                select(
                    hit_digest.c.digest,
                    hit_digest.c.selector_type,
                    hit_digest.c.hit_ref,
                    hit_digest.c.owner_agency_id,
                    hit_digest.c.owner_country,
                ).where(hit_digest.c.digest.in_(values))
            )
            .mappings()
            .all()
        )
        for other in others:
            for mine in by_digest[other["digest"]]:
                pair = frozenset((mine["hit_ref"], other["hit_ref"]))
                if other["owner_country"] == mine["owner_country"] or pair in seen:
                    continue
                seen.add(pair)
                for own, theirs in ((mine, other), (other, mine)):
                    events.append(
                        {
                            "at": now,
                            "event_type": "selector_hit",
                            "object_type": "hit",
                            "object_id": own["hit_ref"],
                            "payload": json.dumps(
                                {
                                    "owner_agency": codes.get(own["owner_agency_id"]),
                                    "selector_type": own["selector_type"],
                                    "other_agency": codes.get(theirs["owner_agency_id"]),
                                    "other_country": theirs["owner_country"],
                                    "other_hit_ref": theirs["hit_ref"],
                                }
                            ),
                        }
                    )
    if events:
        conn.execute(insert(event_outbox), events)
    return len(seen)


def publish_all(
    conn: Connection, settings: Settings, *, now: datetime | None = None, channel: str = "system"
) -> PublishResult:
    """(Re)publish everything eligible with the current key; one audit entry with counts."""
    result = synchronise(conn, settings, now=now)
    details = {"scope": "all", **result.as_dict()}
    audit.record(
        conn,
        node=settings.node_code,
        action="hit_publish",
        channel=channel,
        object_type="hit_digest",
        details=details,
    )
    return result


def _audit_sync(
    conn: Connection, settings: Settings, seizure_id: str, result: PublishResult
) -> None:
    if result.published_objects or result.kept or result.expiring:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_publish",
            object_type="seizure",
            object_ids=[seizure_id, *sorted(result.published_objects)],
            details={"scope": "seizure", **result.as_dict()},
        )
    if result.withdrawn_objects:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_withdraw",
            object_type="seizure",
            object_ids=[seizure_id, *sorted(result.withdrawn_objects)],
            details={"withdrawn": result.withdrawn},
        )


def publish_for_seizure(
    conn: Connection, seizure_id: str, now: datetime, *, settings: Settings | None = None
) -> PublishResult:
    """Publish (and withdraw where needed) the digests of one seizure's nominal objects."""
    chosen = settings or _hook_settings()
    result = synchronise(conn, chosen, now=now, seizure_id=seizure_id)
    _audit_sync(conn, chosen, seizure_id, result)
    return result


def withdraw_for_seizure(
    conn: Connection, seizure_id: str, now: datetime, *, settings: Settings | None = None
) -> PublishResult:
    """Delete the digests of this seizure's objects that no shared seizure still carries."""
    chosen = settings or _hook_settings()
    result = synchronise(conn, chosen, now=now, seizure_id=seizure_id, publish=False)
    _audit_sync(conn, chosen, seizure_id, result)
    return result


def withdraw_object(conn: Connection, object_id: str) -> int:
    """Delete every digest of one object (erasure, deletion); returns how many."""
    done = conn.execute(delete(hit_digest).where(hit_digest.c.object_id == object_id))
    return int(done.rowcount or 0)


# -- workflow hooks ---------------------------------------------------------------------------

_hook_state: dict[str, Settings] = {}


def _hook_settings() -> Settings:
    # Read afresh (not the cached get_settings) so that the environment of the moment counts.
    return _hook_state.get("settings") or load_settings()


def _release_hook(conn: Connection, seizure_id: str, now: datetime) -> None:
    publish_for_seizure(conn, seizure_id, now)


def _withdrawal_hook(conn: Connection, seizure_id: str, now: datetime) -> None:
    withdraw_for_seizure(conn, seizure_id, now)


def install_hooks(settings: Settings | None = None) -> None:
    """Publish on release and withdraw on retraction. Idempotent; the latest settings win.

    Called by ``create_app`` and the CLI (never at import time), with the node's settings:
    the hooks need them to find the network key.
    """
    if settings is not None:
        _hook_state["settings"] = settings
    if _release_hook not in workflow.after_release:
        workflow.after_release.append(_release_hook)
    if _withdrawal_hook not in workflow.after_withdrawal:
        workflow.after_withdrawal.append(_withdrawal_hook)


@contextmanager
def publication_deferred(engine: Engine, settings: Settings) -> Iterator[None]:
    """Bulk workflow (the demo, a back-fill): publish once at the end, not once per release.

    Per-release publication re-reads the seizure's objects and digests each time, which is
    right for one release and wasteful for thousands in a row; one :func:`publish_all`
    afterwards reaches the same index.
    """
    installed = _release_hook in workflow.after_release
    if installed:
        workflow.after_release.remove(_release_hook)
    try:
        yield
    finally:
        if installed:
            workflow.after_release.append(_release_hook)
    if installed:
        with engine.begin() as conn:
            publish_all(conn, settings)


def uninstall_hooks() -> None:
    """Remove the hooks and forget the settings (for tests that must leave no trace)."""
    _hook_state.clear()
    for hooks, hook in (
        (workflow.after_release, _release_hook),
        (workflow.after_withdrawal, _withdrawal_hook),
    ):
        while hook in hooks:
            hooks.remove(hook)


# -- reading the index ------------------------------------------------------------------------


def digest_counts(conn: Connection) -> dict[str, int]:
    """Digests in the index by selector type (for status displays)."""
    rows = conn.execute(
        select(hit_digest.c.selector_type, func.count()).group_by(hit_digest.c.selector_type)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def object_ids_with_digests(conn: Connection, object_ids: Iterable[str]) -> set[str]:
    """Which of ``object_ids`` have at least one digest."""
    ids = list(object_ids)
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(
            conn.execute(
                select(hit_digest.c.object_id).where(hit_digest.c.object_id.in_(chunk)).distinct()
            ).scalars()
        )
    return found
