"""The hash-chained audit log (DATA.md §2.11, §3.13): appends, verification, tampering."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update

from dozor.access import audit
from dozor.ingest.readers import open_sheets
from dozor.ingest.service import import_file
from dozor.ingest.unodc import import_annual
from dozor.settings import Settings
from dozor.store.schema import audit_log
from testenv import BACKENDS, UNODC_FILE

# CLI-driven checks run on SQLite by default and on PostgreSQL with ``-m slow``.
SQLITE_BY_DEFAULT = pytest.mark.parametrize(
    "database",
    [
        pytest.param(b, marks=[pytest.mark.slow] if b == "postgresql" else [])
        for b in ("sqlite", "postgresql")
        if b in BACKENDS
    ],
    indirect=True,
)
SEIZURE_CSV = (
    "seizure_ref,reporting_country,reporting_agency,seizure_date,location_type,bcp,drug,"
    "quantity,unit,mode_of_transport,narrative\n"
    'AUD-SECRET-REF,KAZ,KAZ-CUSTOMS,14.05.2024,bcp_road,zhibek_zholy,героин,"12,5",кг,road,'
    "Курьер Юсупов задержан\n"
)


def _append(engine: Engine, n: int, start: int = 1) -> None:
    """n entries, each in its own transaction."""
    for i in range(start, start + n):
        with engine.begin() as conn:
            audit.record(
                conn,
                node="TEST",
                action="read_nominal",
                channel="ui",
                actor_user_id=f"user-{i}",
                object_type="person",
                object_ids=[f"id-{i}b", f"id-{i}a"],
                details={"n": i, "reason": "case 17"},
            )


def _verify(engine: Engine) -> audit.ChainCheck:
    with engine.connect() as conn:
        return audit.verify(conn)


def test_entries_chain_and_verify(engine: Engine) -> None:
    assert _verify(engine) == audit.ChainCheck(0)
    _append(engine, 5)
    check = _verify(engine)
    assert check.ok and check.entries == 5 and check.problem == ""
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings().all()
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]  # no gaps
    assert rows[0]["prev_hash"] == audit.GENESIS == "0" * 64
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later["prev_hash"] == earlier["entry_hash"]
    # entry_hash = SHA-256(prev_hash ‖ JCS(entry)), computed here independently.
    first = rows[0]
    at = first["at"]
    at_text = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    entry = {
        "seq": 1,
        "at": at_text.isoformat(),
        "node": "TEST",
        "actor_user_id": "user-1",
        "actor_agency_id": None,
        "channel": "ui",
        "action": "read_nominal",
        "object_type": "person",
        "object_ids": '["id-1a","id-1b"]',
        "details": '{"n":1,"reason":"case 17"}',
    }
    jcs = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first["entry_hash"] == hashlib.sha256((audit.GENESIS + jcs).encode()).hexdigest()
    assert json.loads(first["object_ids"]) == ["id-1a", "id-1b"]  # sorted ids
    with engine.connect() as conn:
        assert audit.count_entries(conn) == 5


def test_a_rolled_back_transaction_leaves_no_entry(engine: Engine) -> None:
    _append(engine, 2)
    with engine.connect() as conn:
        transaction = conn.begin()
        assert audit.record(conn, node="TEST", action="export") == 3
        transaction.rollback()
    _append(engine, 1, start=3)
    check = _verify(engine)
    assert check.ok and check.entries == 3


def _set(engine: Engine, at_seq: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == at_seq).values(**values))


def _alter_details(engine: Engine) -> None:
    _set(engine, 3, details='{"n":3,"reason":"nothing to see"}')


def _rehash_altered(engine: Engine) -> None:
    # The forger recomputes the altered entry's own hash: the next entry's link breaks.
    with engine.begin() as conn:
        row = dict(conn.execute(select(audit_log).where(audit_log.c.seq == 2)).mappings().one())
    row["details"] = '{"n":2,"reason":"forged"}'
    if row["at"].tzinfo is None:  # SQLite returns naive UTC
        row["at"] = row["at"].replace(tzinfo=UTC)
    _set(engine, 2, details=row["details"], entry_hash=audit.entry_hash(row["prev_hash"], row))


def _delete_middle(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 3))


def _swap(engine: Engine) -> None:
    _set(engine, 2, seq=-2)
    _set(engine, 3, seq=2)
    _set(engine, -2, seq=3)


# (scenario, tampering, the entry verify must name, words of its problem)
TAMPERING = [
    ("altered details", _alter_details, 3, "content"),
    ("altered action", lambda e: _set(e, 2, action="login"), 2, "content"),
    ("altered actor", lambda e: _set(e, 4, actor_user_id="user-9"), 4, "content"),
    ("altered object ids", lambda e: _set(e, 1, object_ids='["id-x"]'), 1, "content"),
    ("altered time", lambda e: _set(e, 5, at=datetime(2020, 1, 1, tzinfo=UTC)), 5, "content"),
    ("altered node", lambda e: _set(e, 2, node="OTHER"), 2, "content"),
    ("re-hashed entry", _rehash_altered, 3, "previous hash"),
    ("deleted middle entry", _delete_middle, 3, "missing"),
    ("swapped entries", _swap, 2, "previous hash"),
]


def test_tampering_is_detected_and_named(engine: Engine) -> None:
    _append(engine, 6)
    with engine.connect() as conn:
        intact = [dict(r) for r in conn.execute(select(audit_log)).mappings()]
    for scenario, tamper, seq, words in TAMPERING:
        tamper(engine)
        check = _verify(engine)
        assert not check.ok, scenario
        assert check.broken_seq == seq, (scenario, check)
        assert words in check.problem, (scenario, check)
        with engine.begin() as conn:  # back to the intact chain for the next scenario
            conn.execute(delete(audit_log))
            conn.execute(audit_log.insert(), intact)
        assert _verify(engine).ok, scenario


def test_concurrent_appends_keep_the_chain_gapless(engine: Engine) -> None:
    # Writers in parallel transactions: none may fail on a duplicate seq, none may fork the chain.
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            _append(engine, 15, start=100 * k)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    check = _verify(engine)
    assert check.ok and check.entries == 90


@SQLITE_BY_DEFAULT
def test_cli_audit_verify(dozor, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _append(engine, 4)
    done = dozor("audit", "verify")
    assert done.code == 0, done.stderr
    assert "4 entries" in done.stdout
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(details='{"n":2}'))
    done = dozor("audit", "verify")
    assert done.code == 1
    assert "entry 2" in done.stderr


def _entries(engine: Engine, action: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = (
            conn.execute(
                select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def test_an_import_is_audited_with_ids_sha256_and_counts_only(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "seizures.csv"
    path.write_text(SEIZURE_CSV, encoding="utf-8")
    result = import_file(engine, settings, path)
    assert result.committed, result.errors
    (entry,) = _entries(engine, "import")
    assert entry["object_type"] == "import_job"
    assert json.loads(str(entry["object_ids"])) == [result.job_id]
    details = json.loads(str(entry["details"]))
    assert details["files"] == {"seizures.csv": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert set(details) <= {"files", "created", "updated", "unchanged", "skipped", "rows"}
    assert (details["created"], details["rows"]) == (1, 1)
    # Ids, never content: no reference, drug, name or narrative in the entry.
    whole = json.dumps({k: str(v) for k, v in entry.items()}, ensure_ascii=False)
    for secret in ("AUD-SECRET-REF", "героин", "Юсупов", "Курьер", "12,5"):
        assert secret not in whole
    assert _verify(engine).ok


def test_an_annual_import_is_audited_with_sha256_and_counts(
    engine: Engine, settings: Settings
) -> None:
    sheet = next(s for s in open_sheets(UNODC_FILE) if s.kind == "annual")
    result = import_annual(engine, settings, UNODC_FILE, sheet)
    assert result.committed
    (entry,) = _entries(engine, "import")
    details = json.loads(str(entry["details"]))
    assert details["files"] == {
        UNODC_FILE.name: hashlib.sha256(UNODC_FILE.read_bytes()).hexdigest()
    }
    assert set(details) <= {"files", "kind", "rows", "replaced"}
    assert "Kazakhstan" not in str(entry["details"])
    assert _verify(engine).ok


@SQLITE_BY_DEFAULT
def test_cli_user_add_and_export_are_audited_without_content(
    dozor, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    password = tmp_path / "pw"
    password.write_text("correct horse battery\n", encoding="utf-8")
    done = dozor(
        "user",
        "add",
        "--username",
        "aigul.k",
        "--agency",
        "KAZ-CUSTOMS",
        "--role",
        "analyst",
        "--password-file",
        str(password),
    )
    assert done.code == 0, done.stderr
    (change,) = _entries(engine, "admin_change")
    assert change["object_type"] == "user"
    assert "aigul" not in str(change["details"]) + str(change["object_ids"])
    assert "correct horse" not in json.dumps({k: str(v) for k, v in change.items()})
    done = dozor("export", "seizures", "--format", "csv")
    assert done.code == 0, done.stderr
    (exported,) = _entries(engine, "export")
    assert json.loads(str(exported["details"]))["format"] == "csv"
    assert _verify(engine).ok


def test_seq_is_the_primary_key(engine: Engine) -> None:
    _append(engine, 2)
    with pytest.raises(Exception):  # noqa: B017, PT011 - IntegrityError of either driver
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (seq, at, node, channel, action, prev_hash, "
                    "entry_hash) VALUES (2, CURRENT_TIMESTAMP, 'x', 'ui', 'x', 'x', "
                    "'x')"
                )
            )
    assert _verify(engine).ok
