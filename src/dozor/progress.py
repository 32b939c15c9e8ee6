"""Progress bars for long work, shown on a terminal only (stderr keeps stdout clean)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

err_console = Console(stderr=True)


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool) -> Iterator[Progress]:
    """A Rich progress bar with one task; invisible when stderr is not a terminal."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled or not err_console.is_terminal,
    )
    with progress:
        progress.add_task(description, total=total)
        yield progress
