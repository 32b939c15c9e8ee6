"""The documentation names every command, setting and route (the Datasette habit)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from dozor.cli import app
from dozor.settings import Settings
from dozor.web.app import create_app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command_paths(group: object, prefix: str = "dozor") -> list[str]:
    click_group = typer.main.get_command(app) if group is None else group
    paths = []
    for name, command in getattr(click_group, "commands", {}).items():
        path = f"{prefix} {name}"
        if getattr(command, "commands", None):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    paths = _command_paths(None)
    assert "dozor import" in paths and "dozor export seizures" in paths
    missing = [p for p in paths if f"## `{p}" not in text]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`DOZOR_{n.upper()}`" not in text]
    assert not missing, f"undocumented settings in docs/settings.md: {missing}"


def test_every_route_is_documented(tmp_path: Path) -> None:
    from dozor.settings import load_settings

    settings = load_settings(home=tmp_path)
    application = create_app(settings)
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    # The OpenAPI schema, not app.routes: included routers are not listed there as APIRoutes.
    routes = [
        f"{method.upper()} {path}"
        for path, operations in application.openapi()["paths"].items()
        for method in operations
    ]
    assert "GET /healthz" in routes and "GET /api/v1/seizures" in routes
    missing = [r for r in routes if f"`{r}" not in text]
    assert not missing, f"undocumented routes in docs/api.md: {missing}"
