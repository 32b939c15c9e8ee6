"""Shared helpers of the CLI commands: settings, engine, console, progress bars."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine

from dozor.progress import err_console, progress_bar
from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine

console = Console()


def settings_and_engine() -> tuple[Settings, Engine]:
    """The node's settings and an engine on its database."""
    settings = load_settings()
    return settings, make_engine(settings.resolved_database_url())


__all__ = ["console", "err_console", "progress_bar", "settings_and_engine"]
