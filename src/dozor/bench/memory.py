"""Memory of a process and its worker processes, measured while a benchmark phase runs.

`ru_maxrss` of ``RUSAGE_CHILDREN`` is the peak of the largest child, not of all children
together, and the resident size of forked workers counts again the pages they share with
their parent. `TreeMemory` gives an upper bound on what the process tree holds: the parent's
peak resident size (every page it maps, shared ones included) plus the peak of the workers'
private pages (``Private_Clean`` + ``Private_Dirty`` of Linux ``smaps_rollup``: what forking
cost beyond the shared pages), sampled in a thread. The parent is not sampled: walking its
page tables while it allocates would slow it down.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from types import TracebackType

_PROC = Path("/proc")


def _private_kib(pid: int) -> int:
    try:
        text = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    total = 0
    for line in text.splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    out = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def descendants_private_mib(root: int | None = None) -> float:
    """Private memory of all descendants of a process (default: this one), in MiB."""
    pending = _children(root or os.getpid())
    total = 0
    while pending:
        pid = pending.pop()
        total += _private_kib(pid)
        pending.extend(_children(pid))
    return total / 1024


def peak_rss_mib() -> float:
    """Peak resident size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mib() -> float:
    """Peak resident size of the largest child process waited for so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class TreeMemory:
    """``with TreeMemory() as m: ...`` then ``m.total_mib``: an upper bound on the memory of
    this process and its workers during the block (see the module docstring)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.workers_private_mib = 0.0
        self.parent_peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def total_mib(self) -> float:
        return self.parent_peak_mib + self.workers_private_mib

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.workers_private_mib = max(self.workers_private_mib, descendants_private_mib())

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.parent_peak_mib = peak_rss_mib()
