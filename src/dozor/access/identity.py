"""Users, passwords (Argon2id) and login with lock-out; agencies are in ``agencies.py``.

Login (:func:`authenticate`) always verifies one Argon2 hash, a dummy one for an unknown
username, so the time taken does not tell whether a username exists; every failure gives the
same message. ``DOZOR_LOCKOUT_ATTEMPTS`` wrong passwords in a row lock the account for
``DOZOR_LOCKOUT_MINUTES``; while locked it refuses even the right password (and its sessions
and tokens stop working) until the time passes or ``dozor user unlock``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, select, update

from dozor.access import audit
from dozor.access.principal import Principal, aware, is_locked, load_principal
from dozor.access.sessions import revoke_user_sessions
from dozor.access.tokens import revoke_user_tokens
from dozor.domain.ids import uuid7
from dozor.settings import Settings
from dozor.store.schema import agency, app_user

ROLES = frozenset(
    {"officer", "analyst", "supervisor", "ew_officer", "national_admin", "hub_admin", "auditor"}
)
LANGS = ("en", "ru")
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte per request would be a denial of service
_USERNAME_RE = re.compile(r"^\w[\w.@-]{1,99}$")
_hasher = PasswordHasher()


class IdentityError(ValueError):
    """A refused identity change, with a stable code and messages in English and Russian."""

    def __init__(self, code: str, en: str, ru: str) -> None:
        super().__init__(en)
        self.code = code
        self.en = en
        self.ru = ru

    def message(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


class UnknownAgency(IdentityError, LookupError):
    """No agency with that code."""

    def __init__(self, code: str) -> None:
        super().__init__(
            "unknown_agency", f"unknown agency {code}", f"неизвестное ведомство {code}"
        )


class UnknownUser(IdentityError, LookupError):
    """No user with that username."""

    def __init__(self, username: str) -> None:
        super().__init__(
            "unknown_user", f"unknown user {username}", f"неизвестный пользователь {username}"
        )


# -- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An Argon2id hash with a fresh salt."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches in practice, verified for unknown users (equal timing)."""
    return _hasher.hash(uuid7())


def check_password(password: str, *, min_length: int, username: str | None = None) -> None:
    """Raise :class:`IdentityError` unless ``password`` is acceptable as a new password."""
    if len(password) < min_length:
        raise IdentityError(
            "password_too_short",
            f"a password needs at least {min_length} characters",
            f"пароль должен содержать не менее {min_length} символов",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise IdentityError(
            "password_too_long",
            f"a password may have at most {MAX_PASSWORD_LENGTH} characters",
            f"пароль может содержать не более {MAX_PASSWORD_LENGTH} символов",
        )
    if username is not None and password.casefold() == username.casefold():
        raise IdentityError(
            "password_is_username",
            "the password may not be the username",
            "пароль не может совпадать с именем пользователя",
        )


# -- users -------------------------------------------------------------------------------------


def create_user(
    conn: Connection,
    *,
    username: str,
    agency_code: str,
    roles: list[str],
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str | None = None,
    ui_lang: str = "en",
) -> str:
    """Add a user; returns its id. Raises :class:`IdentityError` (a ``ValueError``).

    Give ``password`` (hashed here; its rules are the caller's, :func:`check_password`) or an
    Argon2id ``password_hash`` made by :func:`hash_password`, e.g. to add many users with one
    initial password without hashing it for each.
    """
    if (password is None) == (password_hash is None):
        raise ValueError("give either password or password_hash")
    if password_hash is not None and not password_hash.startswith("$argon2id$"):
        raise ValueError("password_hash must be an Argon2id hash")
    if not _USERNAME_RE.match(username):
        raise IdentityError(
            "username",
            "a username has 2-100 letters, digits, '.', '_', '@' or '-'",
            "имя пользователя: 2-100 букв, цифр, '.', '_', '@' или '-'",
        )
    if not roles:
        raise IdentityError(
            "roles", "a user needs at least one role", "пользователю нужна хотя бы одна роль"
        )
    unknown = set(roles) - ROLES
    if unknown:
        names = ", ".join(sorted(unknown))
        raise IdentityError(
            "roles",
            f"unknown role(s): {names}; use {', '.join(sorted(ROLES))}",
            f"неизвестные роли: {names}",
        )
    if ui_lang not in LANGS:
        raise IdentityError("ui_lang", "the language must be en or ru", "язык: en или ru")
    agency_id = conn.execute(select(agency.c.id).where(agency.c.code == agency_code)).scalar()
    if agency_id is None:
        raise UnknownAgency(agency_code)
    if user_exists(conn, username):
        raise IdentityError(
            "user_exists",
            f"user {username} exists already",
            f"пользователь {username} уже существует",
        )
    user_id = uuid7()
    conn.execute(
        app_user.insert(),
        {
            "id": user_id,
            "username": username,
            "display_name": display_name or username,
            "agency_id": agency_id,
            "roles": ",".join(sorted(set(roles))),
            "ui_lang": ui_lang,
            "status": "active",
            "password_hash": password_hash or hash_password(password or ""),
            "failed_logins": 0,
            "created_at": datetime.now(UTC),
        },
    )
    return user_id


def user_exists(conn: Connection, username: str) -> bool:
    """Whether a username is taken."""
    found = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first()
    return found is not None


def user_id_of(conn: Connection, username: str) -> str:
    """The id of ``username``; raises :class:`UnknownUser`."""
    found = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).scalar()
    if found is None:
        raise UnknownUser(username)
    return str(found)


def effective_status(status: str, locked_until: datetime | None, now: datetime) -> str:
    """``active``, ``locked`` or ``disabled`` as of ``now`` (an expired lock-out is over)."""
    if status == "locked" and not is_locked(status, locked_until, now):
        return "active"
    return status


def list_users(
    conn: Connection, *, agency_code: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Users with agency code, roles and status as of ``now``, by username."""
    now = now or datetime.now(UTC)
    query = (
        select(
            app_user.c.id,
            app_user.c.username,
            app_user.c.display_name,
            agency.c.code.label("agency"),
            app_user.c.roles,
            app_user.c.ui_lang,
            app_user.c.status,
            app_user.c.locked_until,
            app_user.c.failed_logins,
            app_user.c.created_at,
        )
        .join(agency, agency.c.id == app_user.c.agency_id)
        .order_by(app_user.c.username)
    )
    if agency_code is not None:
        query = query.where(agency.c.code == agency_code)
    out = []
    for row in conn.execute(query):
        item = dict(row._mapping)
        item["roles"] = [r for r in row.roles.split(",") if r]
        item["locked_until"] = aware(row.locked_until)
        item["created_at"] = aware(row.created_at)
        item["status"] = effective_status(row.status, row.locked_until, now)
        if item["status"] != "locked":
            item["locked_until"] = None
        out.append(item)
    return out


def set_password(conn: Connection, user_id: str, password: str) -> None:
    """Store a new password hash (rules are the caller's: :func:`check_password`)."""
    conn.execute(
        update(app_user)
        .where(app_user.c.id == user_id)
        .values(password_hash=hash_password(password))
    )


def set_ui_lang(conn: Connection, user_id: str, lang: str) -> None:
    """Remember the user's interface language (``en`` or ``ru``)."""
    if lang not in LANGS:
        raise IdentityError("ui_lang", "the language must be en or ru", "язык: en или ru")
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(ui_lang=lang))


def disable_user(conn: Connection, user_id: str, *, now: datetime) -> None:
    """Disable a user: no login, and every session and token ends at once."""
    conn.execute(update(app_user).where(app_user.c.id == user_id).values(status="disabled"))
    revoke_user_sessions(conn, user_id, now=now)
    revoke_user_tokens(conn, user_id, now=now)


def enable_user(conn: Connection, user_id: str) -> None:
    """Make a disabled or locked user active again (a fresh count of failed logins)."""
    conn.execute(
        update(app_user)
        .where(app_user.c.id == user_id)
        .values(status="active", locked_until=None, failed_logins=0)
    )


def unlock_user(conn: Connection, user_id: str) -> bool:
    """Lift a lock-out (a disabled user stays disabled); True when the user was locked."""
    done = conn.execute(
        update(app_user)
        .where(app_user.c.id == user_id, app_user.c.status == "locked")
        .values(status="active", locked_until=None, failed_logins=0)
    )
    conn.execute(
        update(app_user)
        .where(app_user.c.id == user_id, app_user.c.status == "active")
        .values(failed_logins=0)
    )
    return done.rowcount > 0


# -- login -------------------------------------------------------------------------------------

LOGIN_FAILED_EN = "Wrong username or password, or the account is locked for a while."
LOGIN_FAILED_RU = (
    "Неверное имя пользователя или пароль, либо учётная запись временно заблокирована."
)


@dataclass(frozen=True, slots=True)
class LoginFailure:
    """A refused login. ``reason`` is for the audit log and tests, never for the client."""

    reason: Literal["invalid", "locked", "disabled"]

    def message(self, lang: str) -> str:
        """The one message every failure gets, so it reveals nothing about the account."""
        return LOGIN_FAILED_RU if lang == "ru" else LOGIN_FAILED_EN


def authenticate(
    conn: Connection,
    username: str,
    password: str,
    *,
    settings: Settings,
    now: datetime | None = None,
    channel: str = "ui",
    purpose: str = "login",
) -> Principal | LoginFailure:
    """Check a username and password; a session-scoped principal or the failure.

    Counts failures and locks the account after ``settings.lockout_attempts`` in a row.
    Writes the ``login`` (and ``lockout``) audit entries in the caller's transaction, which
    must be committed whatever the outcome; ``purpose`` says why the password was asked for
    (``login``, ``password_change``).
    """
    now = now or datetime.now(UTC)
    row = (
        conn.execute(
            select(
                app_user.c.id,
                app_user.c.agency_id,
                app_user.c.password_hash,
                app_user.c.status,
                app_user.c.locked_until,
                app_user.c.failed_logins,
            ).where(app_user.c.username == username)
        ).first()
        if 0 < len(username) <= 100
        else None
    )
    password = password[:MAX_PASSWORD_LENGTH]
    node = settings.node_code

    def log(outcome: str, **details: Any) -> None:
        audit.record(
            conn,
            node=node,
            action="login",
            channel=channel,
            actor_user_id=row.id if row else None,
            actor_agency_id=row.agency_id if row else None,
            object_type="user" if row else None,
            object_ids=[row.id] if row else [],
            details={"outcome": outcome, "purpose": purpose, **details},
        )

    if row is None or not row.password_hash:
        password_matches(_dummy_hash(), password)  # the same work as for a real user
        log("failure", reason="unknown_user" if row is None else "no_password")
        return LoginFailure("invalid")
    matches = password_matches(row.password_hash, password)
    if row.status == "disabled":
        log("refused", reason="disabled")
        return LoginFailure("disabled")
    if is_locked(row.status, row.locked_until, now):
        log("refused", reason="locked")
        return LoginFailure("locked")
    if not matches:
        conn.execute(
            update(app_user)
            .where(app_user.c.id == row.id)
            .values(failed_logins=app_user.c.failed_logins + 1)
        )
        failures = conn.execute(
            select(app_user.c.failed_logins).where(app_user.c.id == row.id)
        ).scalar_one()
        log("failure", reason="wrong_password", failures=failures)
        if failures >= settings.lockout_attempts:
            until = now + timedelta(minutes=settings.lockout_minutes)
            conn.execute(
                update(app_user)
                .where(app_user.c.id == row.id)
                .values(status="locked", locked_until=until, failed_logins=0)
            )
            audit.record(
                conn,
                node=node,
                action="lockout",
                channel=channel,
                actor_user_id=row.id,
                actor_agency_id=row.agency_id,
                object_type="user",
                object_ids=[row.id],
                details={"failures": failures, "until": until.astimezone(UTC).isoformat()},
            )
        return LoginFailure("invalid")
    values: dict[str, Any] = {"failed_logins": 0, "status": "active", "locked_until": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    principal = load_principal(conn, row.id, "session", now=now)
    if principal is None:  # pragma: no cover - the checks above make this unreachable
        log("refused", reason="inactive")
        return LoginFailure("disabled")
    log("success")
    return principal


def change_password(
    conn: Connection,
    user_id: str,
    current_password: str,
    new_password: str,
    *,
    settings: Settings,
    keep_session: str | None,
    now: datetime | None = None,
    channel: str = "ui",
) -> bool:
    """Change one's own password; False when ``current_password`` is wrong.

    A wrong current password counts as a failed login (it is a guess all the same). On
    success every other session of the user ends; ``keep_session`` (the caller's) stays.
    Raises :class:`IdentityError` when the new password breaks the rules.
    """
    now = now or datetime.now(UTC)
    row = conn.execute(select(app_user.c.username).where(app_user.c.id == user_id)).first()
    if row is None:
        return False
    check_password(new_password, min_length=settings.password_min_length, username=row.username)
    checked = authenticate(
        conn,
        row.username,
        current_password,
        settings=settings,
        now=now,
        channel=channel,
        purpose="password_change",
    )
    if isinstance(checked, LoginFailure):
        return False
    set_password(conn, user_id, new_password)
    ended = revoke_user_sessions(conn, user_id, now=now, keep=keep_session)
    audit.record(
        conn,
        node=settings.node_code,
        action="password_change",
        channel=channel,
        actor_user_id=user_id,
        actor_agency_id=checked.agency_id,
        object_type="user",
        object_ids=[user_id],
        details={"sessions_ended": ended},
    )
    return True
