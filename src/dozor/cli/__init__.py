"""The ``dozor`` command: the node administrator's tool (Typer + Rich)."""

from __future__ import annotations

import typer

from dozor.cli import (
    access_cmd,
    bench_cmd,
    correlate_cmd,
    data_cmd,
    hits_cmd,
    match_cmd,
    node_cmd,
    stats_cmd,
)

app = typer.Typer(
    name="dozor",
    help="Dozor: regional information system against drug trafficking in Central Asia.",
    no_args_is_help=True,
    add_completion=False,
)
node_cmd.register(app)
access_cmd.register(app)
data_cmd.register(app)
bench_cmd.register(app)
hits_cmd.register(app)
stats_cmd.register(app)
correlate_cmd.register(app)
match_cmd.register(app)


def main() -> None:
    """Console entry point."""
    app()
