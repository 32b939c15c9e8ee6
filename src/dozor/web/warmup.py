"""Load the analytics copy when the server starts, so that the first dashboard does not wait.

At a million seizures the copy takes about half a minute to load. Without a warm-up the first
statistic of a process pays for it; with it, the load starts with the server, and a request
that comes earlier waits only for the part still to do (the engine's lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from dozor.analytics.engine import stats_engine_for
from dozor.settings import Settings

log = logging.getLogger("uvicorn.error")  # the server's own log, shown by `dozor serve`


def warm_up(engine: Engine) -> None:
    """Load the analytics copy of ``engine`` now; a failure is logged, not raised."""
    copy = stats_engine_for(engine)
    try:
        copy.ensure_loaded()
    except Exception:  # the first statistic will load again and report the error itself
        log.exception("Analytics warm-up failed; statistics will load on first use")
        return
    log.info(
        "Analytics copy loaded: %d seizures, %d items in %.1f s",
        copy.stats.seizures,
        copy.stats.items,
        copy.stats.seconds,
    )


def lifespan_for(
    settings: Settings, engine: Engine
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: start the warm-up in a background thread when the setting says so."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.analytics_warm_up:
            threading.Thread(
                target=warm_up, args=(engine,), name="dozor-analytics-warm-up", daemon=True
            ).start()
        yield

    return lifespan
