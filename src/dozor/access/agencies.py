"""Agencies (DATA.md §3.1): national ones ``<ISO3>-<SHORT>``, hub ones ``HUB-<SHORT>``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, func, select

from dozor.access.identity import IdentityError
from dozor.domain.codes import code_list
from dozor.domain.countries import lookup_country
from dozor.domain.ids import uuid7
from dozor.store.schema import agency, app_user

MEMBERSHIPS = ("member", "observer")
_AGENCY_CODE_RE = re.compile(r"^([A-Z]{3})-([A-Z0-9]+(?:[-_][A-Z0-9]+)*)$")


def create_agency(
    conn: Connection,
    *,
    code: str,
    kind: str,
    name_en: str,
    name_ru: str | None = None,
    country: str | None = None,
    membership: str = "member",
) -> str:
    """Add an agency (DATA.md §3.1); returns its id. Raises :class:`IdentityError`.

    ``code`` is ``<ISO3>-<SHORT>`` for a national agency, whose country it names, or
    ``HUB-<SHORT>`` for a hub agency, which has no country. ``country`` accepts what the
    import accepts (alpha-2, alpha-3, English or Russian name) and is stored as alpha-3.
    """
    code = code.strip().upper()
    match = _AGENCY_CODE_RE.match(code)
    if match is None or len(code) > 32:
        raise IdentityError(
            "agency_code",
            f"agency code {code!r} must look like KAZ-CUSTOMS (<ISO3>-<SHORT>) "
            "or HUB-<SHORT>: Latin capitals and digits, at most 32 characters",
            f"код ведомства {code!r} должен иметь вид KAZ-CUSTOMS (<ISO3>-<КОД>) "
            "или HUB-<КОД>: латинские заглавные буквы и цифры, не более 32 "
            "символов",
        )
    prefix = match.group(1)
    iso3: str | None = None
    if prefix == "HUB":
        if country:
            raise IdentityError(
                "agency_country",
                f"hub agency {code} has no country; omit --country",
                f"у ведомства регионального центра {code} нет страны; уберите --country",
            )
    else:
        if not country:
            raise IdentityError(
                "agency_country",
                f"agency {code} needs a country (ISO3, e.g. {prefix})",
                f"для ведомства {code} нужна страна (ISO3, например {prefix})",
            )
        found = lookup_country(country)
        if found is None:
            raise IdentityError(
                "agency_country", f"unknown country {country!r}", f"неизвестная страна {country!r}"
            )
        iso3 = found.iso3
        if iso3 != prefix:
            raise IdentityError(
                "agency_code",
                f"agency code {code} must start with its country {iso3}-",
                f"код ведомства {code} должен начинаться с кода страны {iso3}-",
            )
    kinds = code_list("agency_kinds")
    entry = kinds.lookup(kind)
    if entry is None:
        hint = ", ".join(kinds.codes())
        close = kinds.suggest(kind, 1)
        guess_en = f" (did you mean {close[0]}?)" if close else ""
        guess_ru = f" (возможно, {close[0]}?)" if close else ""
        raise IdentityError(
            "agency_kind",
            f"unknown agency kind {kind!r}{guess_en}; use one of {hint}",
            f"неизвестный вид ведомства {kind!r}{guess_ru}; допустимо: {hint}",
        )
    if entry.code == "regional_hub" and iso3 is not None:
        raise IdentityError(
            "agency_kind",
            "kind regional_hub is for HUB- agencies only",
            "вид regional_hub допустим только для ведомств HUB-",
        )
    if membership not in MEMBERSHIPS:
        raise IdentityError(
            "agency_membership",
            f"membership must be member or observer, not {membership!r}",
            f"членство: member или observer, а не {membership!r}",
        )
    name_en = name_en.strip()
    name_ru = (name_ru or "").strip() or name_en
    if not name_en:
        raise IdentityError(
            "agency_name", "the agency needs a name", "у ведомства должно быть название"
        )
    if conn.execute(select(agency.c.id).where(agency.c.code == code)).first() is not None:
        raise IdentityError(
            "agency_exists", f"agency {code} exists already", f"ведомство {code} уже существует"
        )
    agency_id = uuid7()
    conn.execute(
        agency.insert(),
        {
            "id": agency_id,
            "code": code,
            "country": iso3,
            "kind": entry.code,
            "name_en": name_en[:300],
            "name_ru": name_ru[:300],
            "membership": membership,
            "is_national_contact_point": False,
        },
    )
    return agency_id


def list_agencies(conn: Connection) -> list[dict[str, Any]]:
    """Every agency with its number of users, by code."""
    users = (
        select(app_user.c.agency_id, func.count().label("users"))
        .group_by(app_user.c.agency_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            agency.c.id,
            agency.c.code,
            agency.c.country,
            agency.c.kind,
            agency.c.membership,
            agency.c.name_en,
            agency.c.name_ru,
            func.coalesce(users.c.users, 0).label("users"),
        )
        .outerjoin(users, users.c.agency_id == agency.c.id)
        .order_by(agency.c.code)
    )
    return [dict(r._mapping) for r in rows]
