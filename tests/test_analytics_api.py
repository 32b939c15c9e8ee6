"""``/api/v1/stats/...`` over real HTTP handling (TestClient), the CLI, and the tiny benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from builders import seizure_row, write_csv
from dozor.access.identity import create_user, hash_password
from dozor.ingest.service import import_file
from dozor.settings import Settings
from dozor.web.app import create_app

PASSWORD = "correct horse battery"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kgz.analyst": ("KGZ-BORDER", ["analyst"]),
    "kaz.admin": ("KAZ-POLICE", ["national_admin"]),
}
PATHS = (
    "timeseries", "by-country", "by-drug", "by-drug-group", "by-bcp", "by-agency",
    "by-transport", "by-concealment", "routes", "seasonality", "anomalies", "hotspots", "annual",
)  # fmt: skip


@pytest.fixture
def clients(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[dict[str, TestClient]]:
    digest = hash_password(PASSWORD)
    with engine.begin() as conn:
        for name, (agency, roles) in USERS.items():
            create_user(conn, username=name, agency_code=agency, roles=roles, password_hash=digest)
    rows = [
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/1"),
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/2", seizure_date="2024-06-02",
                    drug="cannabis_resin", quantity="3"),
    ]  # fmt: skip
    assert import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)).committed
    app = create_app(settings, engine)
    found: dict[str, TestClient] = {}
    for name in USERS:
        client = TestClient(app)
        reply = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        found[name] = client
    yield found
    for client in found.values():
        client.close()


def _shape(answer: dict[str, Any]) -> None:
    assert set(answer) >= {"kind", "filters", "unit", "categories", "series", "rows"}
    assert answer["unit"] == {"count": "seizures", "kg_eq": "kg"}
    for line in answer["series"]:
        assert set(line) == {"name", "measure", "data"}
        assert len(line["data"]) == len(answer["categories"])


def test_every_kind_answers_in_the_chart_shape(clients: dict[str, TestClient]) -> None:
    officer = clients["kaz.officer"]
    for path in PATHS:
        reply = officer.get(f"/api/v1/stats/{path}")
        assert reply.status_code == 200, (path, reply.text)
        _shape(reply.json())
    by_drug = officer.get("/api/v1/stats/by-drug").json()
    assert {(r["drug_code"], r["count"]) for r in by_drug["rows"]} == {
        ("heroin", 1), ("cannabis_resin", 1)}  # fmt: skip
    heroin = next(r for r in by_drug["rows"] if r["drug_code"] == "heroin")
    assert heroin["kg_eq"] == pytest.approx(12.5)
    series = officer.get("/api/v1/stats/timeseries", params={"granularity": "month",
                         "date_from": "2024-05-01", "date_to": "2024-06-30"}).json()  # fmt: skip
    assert series["categories"] == ["2024-05-01", "2024-06-01"]
    assert series["series"][0] == {"name": "count", "measure": "count", "data": [1, 1]}
    routes = officer.get("/api/v1/stats/routes").json()
    assert {(leg["from"], leg["to"]) for leg in routes["legs"]} == {
        ("AFG", "TJK"), ("TJK", "UZB"), ("UZB", "RUS")}  # fmt: skip
    compare = officer.get("/api/v1/stats/compare", params={
        "a_from": "2024-05-01", "a_to": "2024-05-31", "b_from": "2024-06-01",
        "b_to": "2024-06-30", "by": "drug"}).json()  # fmt: skip
    heroin_change = next(r for r in compare["rows"] if r["drug_code"] == "heroin")
    assert (heroin_change["count_a"], heroin_change["count_b"]) == (1, 0)
    assert heroin_change["count_change"] == -1 and heroin_change["count_change_pct"] == -100.0


def test_who_sees_nothing_gets_empty_statistics(clients: dict[str, TestClient]) -> None:
    for name in ("kgz.analyst", "kaz.admin"):  # another country's analyst; an admin
        for path in PATHS:
            if path == "annual":
                continue  # official totals are public reference data
            answer = clients[name].get(f"/api/v1/stats/{path}").json()
            assert answer["rows"] == [] and answer["categories"] == [], (name, path)


def test_bad_filters_name_field_value_and_reason(clients: dict[str, TestClient]) -> None:
    reply = clients["kaz.officer"].get("/api/v1/stats/by-drug", params={"drug": "heroine"})
    assert reply.status_code == 422
    (error,) = reply.json()["errors"]
    assert error["field"] == "drug" and error["value"] == "heroine"
    assert "heroin" in error["message"]
    reply = clients["kaz.officer"].get(
        "/api/v1/stats/timeseries", params={"granularity": "fortnight", "lang": "ru"}
    )
    assert reply.status_code == 422
    assert "ожидалось" in reply.json()["errors"][0]["message"]
    anonymous = TestClient(clients["kaz.officer"].app)
    assert anonymous.get("/api/v1/stats/by-drug").status_code == 401


def test_stats_routes_are_described_in_openapi(clients: dict[str, TestClient]) -> None:
    schema = clients["kaz.officer"].get("/openapi.json").json()
    for path in (*PATHS, "compare"):
        operation = schema["paths"][f"/api/v1/stats/{path}"]["get"]
        assert operation.get("description") or operation.get("summary"), path


@pytest.mark.skipif(os.environ.get("DOZOR_TEST_BACKENDS") == "postgresql", reason="sqlite run")
def test_bench_analytics_tiny_prints_one_json_object(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env["DOZOR_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "dozor", "bench", "analytics", "--seizures", "400",
         "--repeats", "2", "--json"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert report["name"] == "analytics" and report["params"]["seizures"] == 400
    metrics = {r["metric"]: r for r in report["results"]}
    for panel in ("timeseries", "by-drug", "routes", "compare", "anomalies", "hotspots"):
        result = metrics[f"p95 {panel}"]
        assert result["unit"] == "ms" and result["value"] > 0 and result["baseline"] > 0
    assert metrics["load seizures"]["value"] > 0


def test_annual_totals_beside_visible_seizures(
    clients: dict[str, TestClient], engine: Engine
) -> None:
    from dozor.store.schema import official_annual_total

    common = {"source": "unodc", "region": "Asia", "subregion": "Central Asia",
              "country_name": "Kazakhstan", "country": "KAZ", "year": 2024,
              "drug_group_name": "x", "drug_subgroup_name": "x", "import_job_id": None}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(official_annual_total.insert(), [
            {**common, "row_no": 1, "drug_name": "Heroin", "kilograms": "100", "kg": 100.0,
             "drug_group": "opioids", "substance_code": "heroin"},
            {**common, "row_no": 2, "drug_name": "Cannabis", "kilograms": "10", "kg": 10.0,
             "drug_group": "cannabis", "substance_code": None},
        ])  # fmt: skip
    rows = {
        r["drug_name"]: r
        for r in clients["kaz.officer"]
        .get("/api/v1/stats/annual", params={"country": "KAZ"})
        .json()["rows"]
    }
    assert (rows["Heroin"]["seizures_kg"], rows["Heroin"]["gap_kg"]) == (12.5, 87.5)
    assert rows["Heroin"]["seizure_count"] == 1
    assert (rows["Cannabis"]["seizures_kg"], rows["Cannabis"]["seizure_count"]) == (3.0, 1)
    assert rows["Cannabis"]["gap_kg"] == 7.0
    other = clients["kgz.analyst"].get("/api/v1/stats/annual").json()["rows"]
    assert {(r["drug_name"], r["seizures_kg"], r["gap_kg"]) for r in other} == {
        ("Heroin", 0.0, 100.0), ("Cannabis", 0.0, 10.0)}  # fmt: skip
