"""Request-scoped access to the node's engine and settings."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from dozor.settings import Settings


def get_engine(request: Request) -> Engine:
    """The node's database engine (set by ``create_app``)."""
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    """The node's settings (set by ``create_app``)."""
    settings: Settings = request.app.state.settings
    return settings


def request_lang(request: Request, default: str = "en") -> str:
    """``?lang=ru|en`` wins; else the given default."""
    lang = request.query_params.get("lang")
    return lang if lang in ("en", "ru") else default
