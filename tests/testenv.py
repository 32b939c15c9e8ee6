"""What tests import by name (not from ``conftest``: ``tests/browser`` has a conftest too, and
``from conftest import`` would find whichever one a worker imported first)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = [
    b.strip() for b in os.environ.get("DOZOR_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
UNODC_FILE = ROOT / "src" / "dozor" / "reference" / "unodc" / "drug_seizures_2018_2022.xlsx"


@dataclass
class CliResult:
    """What a ``dozor`` child process returned."""

    code: int
    stdout: str
    stderr: str
