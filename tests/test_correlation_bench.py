"""``dozor bench correlate`` at a tiny size, in a child process: one JSON object, every metric."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

METRICS = (
    "correlations of one person",
    "link chart depth 2",
    "link chart depth 3",
    "candidate queue",
    "match one new record on import",
)


def test_bench_correlate_tiny_prints_one_json_object(tmp_path: Path) -> None:
    # The benchmark builds its own temporary SQLite database: one backend is enough.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"DOZOR_HOME": str(tmp_path), "NO_COLOR": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "dozor", "bench", "correlate", "--seizures", "300", "--repeats",
         "3", "--json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert report["name"] == "correlate" and report["params"]["seizures"] == 300
    assert report["params"]["start_persons"] >= 1
    assert report["machine"]["cores"] >= 1
    found = {r["metric"]: r for r in report["results"]}
    for metric in METRICS:
        for stat in ("p50", "p95"):
            result = found[f"{stat} {metric}"]
            assert result["unit"] == "ms" and result["value"] > 0, result
        assert found[f"p95 {metric}"]["value"] >= found[f"p50 {metric}"]["value"]
        assert found[f"p95 {metric}"]["target"].startswith("<= ")
