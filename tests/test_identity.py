"""Agencies, users and login with lock-out, on both databases (functions and the real CLI)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from dozor.access import audit
from dozor.access.agencies import create_agency
from dozor.access.identity import (
    IdentityError,
    LoginFailure,
    authenticate,
    check_password,
    create_user,
    hash_password,
    unlock_user,
)
from dozor.access.principal import Principal, load_principal
from dozor.settings import Settings
from dozor.store.schema import agency, app_user, audit_log

PASSWORD = "correct horse battery"


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        ).mappings()
        return [{**r, "details": json.loads(r["details"])} for r in rows]


@functools.cache
def _hash() -> str:
    return hash_password(PASSWORD)  # Argon2 is slow on purpose: hash once per test process


def _user(
    engine: Engine,
    username: str = "aigerim",
    agency_code: str = "KAZ-CUSTOMS",
    roles: tuple[str, ...] = ("analyst",),
) -> str:
    """A user whose password is ``PASSWORD``."""
    with engine.begin() as conn:
        return create_user(
            conn,
            username=username,
            agency_code=agency_code,
            roles=list(roles),
            password_hash=_hash(),
        )


# -- agencies ----------------------------------------------------------------------------------

BAD_AGENCIES = [
    ({"code": "kazfiu", "country": "KAZ", "kind": "police"}, "agency_code", "must look like"),
    ({"code": "KAZ-FIU", "country": "KGZ", "kind": "police"}, "agency_code", "start with its"),
    ({"code": "KAZ-FIU", "country": "Atlantis", "kind": "police"}, "agency_country", "unknown"),
    ({"code": "KAZ-FIU", "country": None, "kind": "police"}, "agency_country", "needs a country"),
    ({"code": "HUB-LAB", "country": "KAZ", "kind": "forensic_lab"}, "agency_country", "no country"),
    ({"code": "KAZ-FIU", "country": "KAZ", "kind": "polise"}, "agency_kind", "did you mean police"),
    ({"code": "KAZ-HUB", "country": "KAZ", "kind": "regional_hub"}, "agency_kind", "HUB- agencies"),
    ({"code": "KAZ-CUSTOMS", "country": "KAZ", "kind": "customs"}, "agency_exists", "exists"),
]


def test_agency_validation(engine: Engine) -> None:
    with engine.begin() as conn:
        for values, code, text in BAD_AGENCIES:
            with pytest.raises(IdentityError) as caught:
                create_agency(conn, name_en="Test", **values)
            assert caught.value.code == code, values
            assert text in caught.value.en, (values, caught.value.en)
            assert caught.value.ru and caught.value.ru != caught.value.en
        with pytest.raises(IdentityError, match="member or observer"):
            create_agency(
                conn,
                code="KAZ-FIU",
                country="KAZ",
                kind="police",
                name_en="FIU",
                membership="partner",
            )
        # Country by Russian name and alpha-2; kind by label; both stored as codes.
        create_agency(conn, code="kgz-fiu", country="Киргизия", kind="Police", name_en="FIU")
        create_agency(
            conn,
            code="HUB-LAB",
            kind="forensic_lab",
            name_en="Hub laboratory",
            name_ru="Лаборатория центра",
            membership="member",
        )
        rows = {r.code: r for r in conn.execute(select(agency))}
    assert (rows["KGZ-FIU"].country, rows["KGZ-FIU"].kind) == ("KGZ", "police")
    assert rows["KGZ-FIU"].name_ru == "FIU"
    assert rows["HUB-LAB"].country is None and rows["HUB-LAB"].name_ru == "Лаборатория центра"


def test_agency_cli(dozor: Any, engine: Engine) -> None:
    bad = dozor(
        "agency",
        "add",
        "--code",
        "KAZ-FIU",
        "--country",
        "KAZ",
        "--kind",
        "bank",
        "--name",
        "Financial Monitoring",
    )
    assert bad.code == 2
    assert "unknown agency kind 'bank'" in bad.stderr and "border_guard" in bad.stderr
    mismatch = dozor(
        "agency",
        "add",
        "--code",
        "UZB-FIU",
        "--country",
        "KAZ",
        "--kind",
        "police",
        "--name",
        "FIU",
    )
    assert mismatch.code == 2 and "must start with its country KAZ-" in mismatch.stderr
    good = dozor(
        "agency",
        "add",
        "--code",
        "TJK-FIU",
        "--country",
        "TJ",
        "--kind",
        "police",
        "--name",
        "Financial Monitoring",
        "--name-ru",
        "Финансовый мониторинг",
        "--membership",
        "observer",
    )
    assert good.code == 0, good.stderr
    listed = dozor("agency", "list", "--json")
    assert listed.code == 0
    by_code = {a["code"]: a for a in json.loads(listed.stdout)}
    assert by_code["TJK-FIU"]["country"] == "TJK"
    assert by_code["TJK-FIU"]["membership"] == "observer"
    assert by_code["HUB-CARICC"]["country"] is None
    changes = _audit(engine, "admin_change")
    assert [c["details"] for c in changes] == [{"change": "agency_added", "code": "TJK-FIU"}]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


# -- users -------------------------------------------------------------------------------------


def test_user_rules(engine: Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        cases = [
            ({"username": "a b"}, "username"),
            ({"roles": []}, "roles"),
            ({"roles": ["public"]}, "roles"),
            ({"agency_code": "KAZ-NOPE"}, "unknown_agency"),
            ({"ui_lang": "kk"}, "ui_lang"),
        ]
        for change, code in cases:
            values: dict[str, Any] = {
                "username": "nurlan",
                "agency_code": "KAZ-POLICE",
                "roles": ["officer"],
                "password": PASSWORD,
                **change,
            }
            with pytest.raises(IdentityError) as caught:
                create_user(conn, **values)
            assert caught.value.code == code
        create_user(
            conn, username="nurlan", agency_code="KAZ-POLICE", roles=["officer"], password=PASSWORD
        )
        with pytest.raises(IdentityError, match="exists already"):
            create_user(
                conn,
                username="nurlan",
                agency_code="KAZ-POLICE",
                roles=["officer"],
                password=PASSWORD,
            )
        stored = conn.execute(select(app_user.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for bad, code in (
        ("short", "password_too_short"),
        ("x" * 1025, "password_too_long"),
        ("Nurlan-Kaz", "password_is_username"),
    ):
        with pytest.raises(IdentityError) as caught:
            check_password(bad, min_length=settings.password_min_length, username="nurlan-kaz")
        assert caught.value.code == code


def test_principal_of_national_and_hub_users(engine: Engine) -> None:
    national = _user(engine, "aigerim", "KAZ-CUSTOMS", ("analyst", "officer"))
    hub = _user(engine, "caricc", "HUB-CARICC", ("analyst",))
    with engine.connect() as conn:
        one = load_principal(conn, national, "write")
        two = load_principal(conn, hub, "session")
        assert load_principal(conn, "no-such-user", "read") is None
        with pytest.raises(ValueError, match="scope"):
            load_principal(conn, national, "admin")  # type: ignore[arg-type]
    assert one is not None and two is not None
    assert (one.agency_code, one.country, one.is_hub, one.membership) == (
        "KAZ-CUSTOMS",
        "KAZ",
        False,
        "member",
    )
    assert one.roles == frozenset({"analyst", "officer"}) and one.scope == "write"
    assert one.may_write and one.has_role("officer") and not one.has_role("supervisor")
    assert (two.agency_code, two.country, two.is_hub) == ("HUB-CARICC", None, True)
    with pytest.raises(AttributeError):
        one.scope = "read"  # type: ignore[misc]


def test_lockout_expires_and_unlock(engine: Engine, settings: Settings) -> None:
    """Lock-out by failed logins, its expiry and ``unlock``; the web test does the same with 5."""
    settings = settings.model_copy(update={"lockout_attempts": 3})
    user_id = _user(engine)
    start = datetime.now(UTC)
    with engine.begin() as conn:
        for attempt in range(3):
            failed = authenticate(conn, "aigerim", "wrong password!", settings=settings, now=start)
            assert failed == LoginFailure("invalid"), attempt
        # Locked now: the right password is refused, and so are sessions and tokens.
        soon = start + timedelta(minutes=settings.lockout_minutes - 1)
        assert authenticate(conn, "aigerim", PASSWORD, settings=settings, now=soon) == LoginFailure(
            "locked"
        )
        assert load_principal(conn, user_id, "session", now=soon) is None
        # After DOZOR_LOCKOUT_MINUTES the lock is over.
        later = start + timedelta(minutes=settings.lockout_minutes, seconds=1)
        assert load_principal(conn, user_id, "session", now=later) is not None
        ok = authenticate(conn, "aigerim", PASSWORD, settings=settings, now=later)
        assert isinstance(ok, Principal) and ok.scope == "session"
        # An administrator's unlock ends a lock at once.
        conn.execute(
            update(app_user)
            .where(app_user.c.id == user_id)
            .values(status="locked", locked_until=later + timedelta(hours=1))
        )
        assert load_principal(conn, user_id, "session", now=later) is None
        assert unlock_user(conn, user_id) is True
        assert unlock_user(conn, user_id) is False
        assert load_principal(conn, user_id, "session", now=later) is not None
    outcomes = [e["details"]["outcome"] for e in _audit(engine, "login")]
    assert outcomes == ["failure", "failure", "failure", "refused", "success"]
    assert [e["details"].get("failures") for e in _audit(engine, "login")][:3] == [1, 2, 3]
    (lockout,) = _audit(engine, "lockout")
    assert lockout["object_ids"] == json.dumps([user_id]) and lockout["details"]["failures"] == 3
    assert all(e["actor_user_id"] == user_id for e in _audit(engine, "login"))


def test_unknown_user_is_audited_without_name(engine: Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        assert authenticate(conn, "nobody-here", PASSWORD, settings=settings) == LoginFailure(
            "invalid"
        )
    (entry,) = _audit(engine, "login")
    assert entry["actor_user_id"] is None
    assert entry["details"] == {"outcome": "failure", "purpose": "login", "reason": "unknown_user"}
    assert "nobody-here" not in json.dumps(entry, default=str)


def test_user_cli(dozor: Any, engine: Engine, settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    added = dozor(
        "user",
        "add",
        "--username",
        "timur",
        "--agency",
        "UZB-CUSTOMS",
        "--role",
        "officer",
        "--role",
        "supervisor",
        "--password-file",
        str(secret),
        "--lang",
        "ru",
    )
    assert added.code == 0, added.stderr
    with engine.begin() as conn:
        conn.execute(
            update(app_user).values(
                status="locked", locked_until=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    listed = dozor("user", "list", "--json")
    (timur,) = json.loads(listed.stdout)
    assert (timur["status"], timur["roles"], timur["ui_lang"]) == (
        "locked",
        ["officer", "supervisor"],
        "ru",
    )
    assert dozor("user", "unlock", "timur").code == 0
    assert dozor("user", "disable", "timur").code == 0
    with engine.begin() as conn:
        assert authenticate(conn, "timur", PASSWORD, settings=settings) == LoginFailure("disabled")
    assert dozor("user", "enable", "timur").code == 0
    secret.write_text("a brand new passphrase\n", encoding="utf-8")
    assert dozor("user", "set-password", "timur", "--password-file", str(secret)).code == 0
    with engine.begin() as conn:
        assert isinstance(
            authenticate(conn, "timur", "a brand new passphrase", settings=settings), Principal
        )
        assert [r.status for r in conn.execute(select(app_user.c.status))] == ["active"]
    changes = [c["details"]["change"] for c in _audit(engine, "admin_change")]
    assert changes == [
        "user_added",
        "user_unlocked",
        "user_disabled",
        "user_enabled",
        "password_set",
    ]
