"""Readiness checks shared by ``/readyz`` and ``dozor doctor``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from dozor.settings import Settings
from dozor.store.db import current_revision, head_revision
from dozor.store.schema import agency, crossing_point


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(engine: Engine, settings: Settings) -> list[Check]:
    """Database reachable, schema at head, reference data loaded, tz database recent."""
    checks: list[Check] = []
    try:
        revision = current_revision(engine)
    except Exception as error:  # noqa: BLE001 - any failure to connect is the finding
        return [Check("database", False, str(error).splitlines()[0][:200])]
    checks.append(Check("database", True, engine.dialect.name))
    head = head_revision(engine)
    checks.append(Check("migrations", revision == head, f"at {revision}, newest {head}"))
    if revision is not None:
        with engine.connect() as conn:
            agencies = conn.execute(select(func.count()).select_from(agency)).scalar_one()
            points = conn.execute(select(func.count()).select_from(crossing_point)).scalar_one()
        checks.append(
            Check(
                "reference data",
                agencies > 0 and points > 0,
                f"{agencies} agencies, {points} crossing points",
            )
        )
    offset = datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Almaty")).utcoffset()
    checks.append(
        Check(
            "time zones",
            offset is not None and offset.total_seconds() == 5 * 3600,
            f"Asia/Almaty is UTC{offset} (tzdata 2024a or later needed)",
        )
    )
    return checks
