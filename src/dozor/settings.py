"""Node configuration from the environment (prefix ``DOZOR_``).

Every setting can also be read from a file: ``DOZOR_SECRET_KEY_FILE=/run/secrets/key`` sets
``secret_key`` to the file's content (trailing newline stripped), the Healthchecks habit for
secrets that must not sit in the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _read_file_overrides(prefix: str = "DOZOR_") -> dict[str, str]:
    """Values from ``DOZOR_<NAME>_FILE`` variables, keyed by lower-case setting name."""
    values: dict[str, str] = {}
    for key, path in os.environ.items():
        if key.startswith(prefix) and key.endswith("_FILE"):
            name = key[len(prefix) : -len("_FILE")].lower()
            values[name] = Path(path).read_text(encoding="utf-8").rstrip("\n")
    return values


class Settings(BaseSettings):
    """All settings of one node; see docs/settings.md for each one."""

    model_config = SettingsConfigDict(env_prefix="DOZOR_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Folder for the SQLite file and keys.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file dozor.db in home."
    )
    node_code: str = Field(default="DEMO", description="This node's code in the network.")
    node_role: Literal["national", "hub"] = Field(default="national")
    node_country: str | None = Field(default=None, description="ISO3 of a national node.")
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=8000, description="Port the web app listens on.")
    lang: Literal["en", "ru"] = Field(default="en", description="Default language.")
    secret_key: str = Field(default="", description="Secret for sessions; generated if empty.")
    import_max_bytes: int = Field(default=50 * 1024 * 1024, description="Largest import file.")
    import_max_rows: int = Field(default=100_000, description="Most rows in one import file.")
    earliest_seizure_year: int = Field(default=1990, description="Older dates are rejected.")
    max_item_kg_eq: int = Field(default=50_000, description="Larger items are rejected.")
    coordinate_tolerance_km: float = Field(
        default=25.0, description="How far outside its country a seizure's point may lie."
    )
    default_tlp: str = Field(default="AMBER", description="TLP of imported rows without one.")
    default_distribution: str = Field(default="national", description="Intended distribution.")
    retention_years: int = Field(default=5, description="Review period for nominal data.")
    min_person_age: int = Field(default=10, description="Youngest plausible age at seizure.")
    max_person_age: int = Field(default=100, description="Oldest plausible age at seizure.")
    # Hit/no-hit, access grants and retention (DATA.md §2.8, §2.9, §2.1 retention_review_at).
    network_key: str = Field(
        default="", description="Network key 'v<N>:<hex>'; use DOZOR_NETWORK_KEY_FILE.", repr=False
    )
    hit_query_daily_limit: int = Field(default=200, description="Hit queries per user per day.")
    hit_digest_grace_days: int = Field(
        default=7, description="Days old-key digests stay after a rotation."
    )
    hit_excluded_categories: str = Field(
        default="witness,victim", description="Data-subject categories never published."
    )
    grant_default_days: int = Field(default=180, description="Default lifetime of a grant.")
    retention_erase_years: int = Field(
        default=10, description="Default years after the last update before erasure."
    )
    lockout_attempts: int = Field(
        default=5, ge=1, description="Failed logins in a row that lock an account."
    )
    lockout_minutes: int = Field(default=15, ge=1, description="How long a lock-out lasts.")
    session_idle_minutes: int = Field(
        default=60, ge=1, description="A session unused this long ends."
    )
    session_hours: int = Field(default=12, ge=1, description="Absolute lifetime of a session.")
    cookie_secure: bool = Field(
        default=False, description="Always mark the session cookie Secure (HTTPS only)."
    )
    password_min_length: int = Field(default=10, ge=8, description="Shortest password.")
    token_days: int = Field(default=90, ge=1, description="Default lifetime of an API token.")
    token_max_days: int = Field(default=365, ge=1, description="Longest API token lifetime.")
    correlation_max_frequency: int = Field(
        default=20, ge=1, description="A selector value seen more often stops correlating."
    )
    analytics_warm_up: bool = Field(
        default=True,
        description="Load the analytics copy in the background when the server starts.",
    )
    live_stream_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A live-feed connection ends after this long; browsers reconnect at once.",
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'dozor.db').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, ``*_FILE`` secrets and explicit overrides."""
    values: dict[str, object] = dict(_read_file_overrides())
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
