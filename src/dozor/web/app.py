"""FastAPI app factory: health, readiness, public reference data, official totals, and the
authenticated API (auth, seizures, hit/no-hit and access requests) from the routers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine, func, select

from dozor import __version__
from dozor.domain.codes import code_list, list_names
from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine
from dozor.store.schema import crossing_point, official_annual_total
from dozor.web import (
    api_access,
    api_audit,
    api_live,
    api_map,
    api_matching,
    api_seizures,
    api_stats,
    ui,
)
from dozor.web.auth import router as auth_router
from dozor.web.health import readiness
from dozor.web.warmup import lifespan_for


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The web app for one node."""
    settings = settings or load_settings()
    engine = engine or make_engine(settings.resolved_database_url())
    app = FastAPI(
        title="Dozor",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan_for(settings, engine),
    )
    app.state.engine = engine
    app.state.settings = settings
    app.include_router(auth_router)
    app.include_router(api_access.router_for(settings))  # hit/no-hit, requests, grants
    app.include_router(api_seizures.router)
    app.include_router(api_matching.router)  # correlations, matching, link chart
    app.include_router(api_audit.router)
    app.include_router(api_stats.router)  # statistics for the dashboard
    app.include_router(api_map.router)  # seizures per place, for maps
    app.include_router(api_live.router)  # Server-Sent Events: the live feed

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> dict[str, Any]:
        """The node can serve: database, migrations, reference data, time zones."""
        checks = readiness(engine, settings)
        body = {
            "ready": all(c.ok for c in checks),
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
        }
        if not body["ready"]:
            raise HTTPException(status_code=503, detail=body)
        return body

    @app.get("/api/v1/reference", tags=["reference"])
    def reference_lists() -> dict[str, list[str]]:
        """Names of the code lists."""
        return {"lists": list_names()}

    @app.get("/api/v1/reference/{name}", tags=["reference"])
    def reference_list(name: str) -> dict[str, Any]:
        """One code list with English and Russian labels."""
        if name not in list_names():
            raise HTTPException(status_code=404, detail=f"no code list {name}")
        codes = code_list(name)
        return {
            "name": name,
            "version": codes.version,
            "entries": [
                {"code": e.code, "label_en": e.label_en, "label_ru": e.label_ru} for e in codes
            ],
        }

    @app.get("/api/v1/crossing-points", tags=["reference"])
    def crossing_points() -> dict[str, Any]:
        """The crossing-point register (coordinates approximate unless checked)."""
        with engine.connect() as conn:
            rows = conn.execute(select(crossing_point).order_by(crossing_point.c.code))
            return {"crossing_points": [dict(r._mapping) for r in rows]}

    @app.get("/api/v1/annual-totals", tags=["statistics"])
    def annual_totals(
        country: str | None = Query(None, description="ISO3, e.g. KAZ"),
        year: int | None = Query(None),
    ) -> dict[str, Any]:
        """UNODC's published annual seizure totals (kg), by country, year and drug."""
        query = select(
            official_annual_total.c.country,
            official_annual_total.c.year,
            official_annual_total.c.drug_group,
            official_annual_total.c.drug_name,
            official_annual_total.c.kilograms,
        )
        if country:
            query = query.where(official_annual_total.c.country == country.upper())
        if year:
            query = query.where(official_annual_total.c.year == year)
        with engine.connect() as conn:
            rows = conn.execute(query.order_by(official_annual_total.c.row_no).limit(5000))
            data = [dict(r._mapping) for r in rows]
        return {
            "source": "UNODC, dataUNODC Drug seizures",
            "unit": "kg",
            "filters": {"country": country, "year": year},
            "rows": data,
        }

    @app.get("/status", response_class=HTMLResponse, include_in_schema=False)
    def node_status() -> str:
        """A plain public status page (the pages of web/ui start at /)."""
        checks = readiness(engine, settings)
        with engine.connect() as conn:
            totals = (
                conn.execute(
                    select(official_annual_total.c.country, func.count())
                    .group_by(official_annual_total.c.country)
                    .where(official_annual_total.c.country.in_(["KAZ", "KGZ", "TJK", "TKM", "UZB"]))
                ).all()
                if all(c.ok for c in checks)
                else []
            )
        items = "".join(
            f"<li>{escape(c.name)}: {'ok' if c.ok else 'FAIL'} ({escape(c.detail)})</li>"
            for c in checks
        )
        annual = "".join(f"<li>{escape(c)}: {n} rows</li>" for c, n in totals)
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Dozor — node {escape(settings.node_code)}</title></head><body>"
            f"<h1>Dozor</h1><p>Node {escape(settings.node_code)}, version {__version__}.</p>"
            f"<h2>Status</h2><ul>{items}</ul>"
            f"<h2>Official annual totals (UNODC)</h2><ul>{annual}</ul>"
            "<p>JSON: <a href='/healthz'>/healthz</a>, <a href='/readyz'>/readyz</a>, "
            "<a href='/api/v1/reference'>/api/v1/reference</a>, "
            "<a href='/api/v1/crossing-points'>/api/v1/crossing-points</a>, "
            "<a href='/api/v1/annual-totals?country=KAZ'>/api/v1/annual-totals</a>, "
            "<a href='/openapi.json'>/openapi.json</a></p></body></html>"
        )

    ui.register(app)  # the pages: login, dashboard, seizures, API docs (web/ui)
    return app
