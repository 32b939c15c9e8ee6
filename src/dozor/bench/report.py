"""The benchmark report: a Rich table, or exactly one JSON object with ``--json``."""

from __future__ import annotations

import os
import platform
import resource
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(slots=True)
class Result:
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": round(self.value, 3),
            "unit": self.unit,
            "baseline": None if self.baseline is None else round(self.baseline, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target,
            "ok": self.ok,
        }


@dataclass(slots=True)
class Report:
    name: str
    params: dict[str, Any]
    results: list[Result] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": self.params,
            "machine": machine(),
            "results": [r.as_dict() for r in self.results],
        }

    def print_table(self, console: Console) -> None:
        table = Table(title=f"dozor bench {self.name} {self.params}")
        for column in ("metric", "value", "unit", "baseline", "ratio", "target", "ok"):
            table.add_column(column)
        for r in self.results:
            table.add_row(
                r.metric,
                f"{r.value:,.1f}",
                r.unit,
                "" if r.baseline is None else f"{r.baseline:,.1f}",
                "" if r.ratio is None else f"{r.ratio:.2f}",
                r.target,
                "" if r.ok is None else ("yes" if r.ok else "NO"),
            )
        console.print(table)


def machine() -> dict[str, Any]:
    """Cores, memory and Python of this machine."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(pages / 2**30, 1),
        "python": platform.python_version(),
    }


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
