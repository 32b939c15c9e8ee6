"""The refusal raised by correlation and matching operations (HTTP status, code, en/ru)."""

from __future__ import annotations

from dozor.access.workflow import WorkflowError


class MatchingError(WorkflowError):
    """A refused exclusion, judgement or chart request, with English and Russian messages."""


def not_found(what: str, what_ru: str) -> MatchingError:
    """404 for an object that does not exist for this caller (hidden ones included)."""
    return MatchingError(404, "not_found", f"no such {what}", f"{what_ru}: не найдено")


def forbidden_role(roles: str) -> MatchingError:
    return MatchingError(403, "role", f"this needs the role {roles}", f"нужна роль {roles}")
