"""``dozor match persons`` and ``dozor bench match`` end to end, in a child process."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

HEADER = "id,surname,given_name,patronymic,date_of_birth,nationality,passport_number,phone\n"
ROWS = [
    "1,Юсупов,Бахтиёр,Рустамович,1985-03-02,UZB,AA1234567,+998901234567",
    "2,YUSUPOV,BAKHTIYOR,,1985,Uzbekistan,,",
    "3,Юсупов,Бахтиёр,Бахтиёрович,2010-05-01,UZB,,+998901234567",
    "4,Baxtiyor,Yusupov,Rustam o'g'li,02.03.1985,UZ,AA 1234567,",
    "5,Karimov,Rustam,,,,,",
]


def _clusters(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row["cluster_id"] for row in csv.DictReader(handle)}


def test_match_persons_with_bom_and_explain(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "persons.csv"
    source.write_bytes(("\ufeff" + HEADER + "\n".join(ROWS) + "\n").encode("utf-8"))
    out = tmp_path / "out.csv"
    result = dozor("match", "persons", str(source), "--out", str(out), "--explain")
    assert result.code == 0, result.stderr
    clusters = _clusters(out)
    assert set(clusters) == {"1", "2", "3", "4", "5"}
    assert clusters["1"] == clusters["2"] == clusters["4"] == "1"
    assert clusters["3"] == "3" and clusters["5"] == "5"
    with (tmp_path / "out.explain.csv").open(encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))
    assert {(p["left_id"], p["right_id"]) for p in pairs} >= {("1", "2"), ("1", "4")}
    features = json.loads(pairs[0]["features"])
    assert "names" in features and {"contribution", "left", "right"} <= set(features["names"])
    assert all(0.5 <= float(p["score"]) <= 1.0 for p in pairs)


def test_match_persons_threshold_changes_the_decision(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "persons.csv"
    source.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    out = tmp_path / "strict.csv"
    result = dozor("match", "persons", str(source), "--out", str(out), "--threshold", "0.9999")
    assert result.code == 0, result.stderr
    clusters = _clusters(out)
    assert clusters["2"] == "2"  # name and year alone do not reach 0.9999


def test_match_persons_reports_bad_rows_and_writes_nothing(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "bad.csv"
    source.write_text(
        HEADER + "1,Ali,,,1985-13-02,ZZZ,,\n1,Vali,,,,,,\n,Sami,,,,,,\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    result = dozor("match", "persons", str(source), "--out", str(out))
    assert result.code == 1
    text = " ".join(result.stderr.split())
    assert "row 2, column date_of_birth: '1985-13-02'" in text and "month" in text
    assert "row 2, column nationality: 'ZZZ' is not a known country" in text
    assert "row 3, column id: id '1' is used by row 2" in text
    assert "row 4, column id: a value is required" in text
    assert not out.exists()
    result_ru = dozor("match", "persons", str(source), "--out", str(out), "--lang", "ru")
    assert "неизвестная страна" in " ".join(result_ru.stderr.split())


def test_match_persons_missing_column_and_encoding(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "short.csv"
    source.write_text("id,surname\n1,Ali\n", encoding="utf-8")
    result = dozor("match", "persons", str(source), "--out", str(tmp_path / "o.csv"))
    assert result.code == 1
    assert "required column given_name is missing" in result.stderr
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "1,M\xfcller,,,,,,\n").encode("latin-1"))
    result = dozor("match", "persons", str(latin1), "--out", str(tmp_path / "o.csv"))
    assert result.code == 1
    assert "not UTF-8" in result.stderr


def test_bench_match_tiny(dozor) -> None:  # type: ignore[no-untyped-def]
    result = dozor("bench", "match", "--persons", "1500", "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["name"] == "match"
    metrics = {r["metric"]: r for r in report["results"]}
    assert {"precision", "recall", "F1", "batch dedup time"} <= set(metrics)
    assert 0 < metrics["F1"]["value"] <= 100
    assert metrics["F1"]["baseline"] is not None  # Splink ran on the same data
    assert any(m.startswith("p95 one vs") for m in metrics)
    # Memory of the whole process tree (parent and forked workers) is measured.
    memory = metrics["batch dedup memory (parent peak RSS + workers' private)"]
    assert memory["unit"] == "MiB" and memory["value"] > 0
    assert any(m.startswith("batch dedup largest worker peak RSS") for m in metrics)


@pytest.mark.slow
def test_bench_match_meets_quality_targets_at_20000(dozor) -> None:  # type: ignore[no-untyped-def]
    """The F1 target on a mid-sized population, against Splink on the same records."""
    result = dozor("bench", "match", "--persons", "20000", "--json")
    assert result.code == 0, result.stderr
    metrics = {r["metric"]: r for r in json.loads(result.stdout)["results"]}
    f1 = metrics["F1"]
    assert f1["value"] >= 95.0 and f1["value"] > f1["baseline"], f1
