"""The ``dozor`` command, run for real in child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from dozor.reports.exports import EXPORT_COLUMNS
from dozor.store.schema import agency, app_user, seizure
from testenv import BACKENDS, CliResult

COMMANDS = [
    "init",
    "import",
    "export",
    "template",
    "demo",
    "serve",
    "doctor",
    "user",
    "audit",
    "bench",
]
# The CLI's own behaviour does not depend on the backend: these tests run on SQLite by default and
# on PostgreSQL with ``-m slow`` (the demo, whose loader is backend-specific, runs on both).
SQLITE_BY_DEFAULT = pytest.mark.parametrize(
    "database",
    [
        pytest.param(b, marks=[pytest.mark.slow] if b == "postgresql" else [])
        for b in ("sqlite", "postgresql")
        if b in BACKENDS
    ],
    indirect=True,
)
SAMPLE_CSV = (
    "seizure_ref;reporting_country;reporting_agency;seizure_date;location_type;bcp;drug;"
    "quantity;unit;mode_of_transport\n"
    "CLI-1;KAZ;KAZ-CUSTOMS;14.05.2024;bcp_road;zhibek_zholy;героин;12,5;кг;road\n"
    "CLI-1;;;;;;гашиш;300;г;\n"
    "CLI-2;UZB;UZB-POLICE;2024-02;road;;mdma;40;таб;road\n"
)


def run(
    env_overrides: dict[str, str],
    *args: str,
    cwd: Path | None = None,
    executable: list[str] | None = None,
) -> CliResult:
    """The CLI with an environment of our own (no DOZOR_* from outside)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", **env_overrides})
    done = subprocess.run(
        [*(executable or [sys.executable, "-m", "dozor"]), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def sqlite_env(tmp_path: Path, name: str) -> dict[str, str]:
    return {"DOZOR_HOME": str(tmp_path), "DOZOR_DATABASE_URL": f"sqlite:///{tmp_path / name}"}


def scalar(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


# -- no database needed ------------------------------------------------------------------------


def test_help_lists_every_command(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, "none.db")
    module = run(env, "--help")  # python -m dozor
    script = run(env, "--help", executable=[str(Path(sys.executable).with_name("dozor"))])
    for done in (module, script):
        assert done.code == 0, done.stderr
        assert "Usage:" in done.stdout
        for command in COMMANDS:
            assert f" {command} " in done.stdout, command
    assert not (tmp_path / "none.db").exists()  # --help touches no database


def test_bench_ingest_tiny_prints_one_json_object(tmp_path: Path) -> None:
    done = run(sqlite_env(tmp_path, "bench.db"), "bench", "ingest", "--rows", "2000", "--json")
    assert done.code == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert report["name"] == "ingest"
    assert report["params"]["rows"] >= 2000
    assert "machine" in report and report["machine"]["cores"] >= 1
    (speed,) = [r for r in report["results"] if r["metric"] == "import rows/s"]
    assert speed["value"] > 0
    assert speed["baseline"] > 0
    assert {"ratio", "ok"} <= set(speed)


def test_doctor_init_twice_doctor_on_a_new_file(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, "fresh.db")
    done = run(env, "doctor")
    assert done.code == 1  # uninitialised
    assert "FAIL" in done.stdout
    done = run(env, "import", str(tmp_path / "whatever.csv"))
    assert done.code == 2
    assert "dozor init" in done.stderr
    first = run(env, "init")
    assert first.code == 0, first.stderr
    assert "(17 seed agencies added)" in first.stdout
    second = run(env, "init")
    assert second.code == 0, second.stderr
    assert "(0 seed agencies added)" in second.stdout
    done = run(env, "doctor")
    assert done.code == 0, done.stdout


# -- on the test database (SQLite and PostgreSQL) ---------------------------------------------


@SQLITE_BY_DEFAULT
def test_init_again_is_harmless(dozor, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    # The fixture's database was initialised already: this is the second init.
    assert scalar(engine, agency) == 17
    done = dozor("init")
    assert done.code == 0, done.stderr
    assert "(0 seed agencies added)" in done.stdout
    assert scalar(engine, agency) == 17


@SQLITE_BY_DEFAULT
def test_doctor_ok_on_an_initialised_database(dozor) -> None:  # type: ignore[no-untyped-def]
    done = dozor("doctor")
    assert done.code == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    for check in ("database", "migrations", "reference data", "time zones"):
        assert check in done.stdout


@SQLITE_BY_DEFAULT
def test_template_example_imports_cleanly(dozor, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.xlsx"
    done = dozor("template", str(path), "--lang", "ru")
    assert done.code == 0, done.stderr
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert {"seizures", "persons"} <= set(workbook.sheetnames)
    assert "значения" in workbook.sheetnames  # allowed values, in Russian
    seizures = list(workbook["seizures"].iter_rows(values_only=True))
    assert len(seizures) == 2  # header and the example row
    workbook.close()
    done = dozor("import", str(path), "--json")
    assert done.code == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert (summary["created"], summary["persons"], summary["errors"]) == (1, 1, [])
    assert scalar(engine, seizure) == 1


@SQLITE_BY_DEFAULT
def test_user_add(dozor, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    password = tmp_path / "password.txt"
    password.write_text("a long enough secret\n", encoding="utf-8")
    args = [
        "user",
        "add",
        "--username",
        "u.1",
        "--agency",
        "KAZ-CUSTOMS",
        "--role",
        "officer",
        "--password-file",
        str(password),
    ]
    done = dozor(*args)
    assert done.code == 0, done.stderr
    with engine.connect() as conn:
        row = conn.execute(
            select(app_user.c.roles, app_user.c.password_hash, agency.c.code)
            .join(agency, agency.c.id == app_user.c.agency_id)
            .where(app_user.c.username == "u.1")
        ).one()
    assert (row.roles, row.code) == ("officer", "KAZ-CUSTOMS")
    assert row.password_hash.startswith("$argon2id$")
    assert "secret" not in row.password_hash

    again = dozor(*args)
    assert again.code == 2
    assert "exists" in again.stderr
    bad_role = dozor(
        "user",
        "add",
        "--username",
        "v",
        "--agency",
        "KAZ-CUSTOMS",
        "--role",
        "overlord",
        "--password-file",
        str(password),
    )
    assert bad_role.code == 2
    assert scalar(engine, app_user) == 1


@SQLITE_BY_DEFAULT
def test_export_seizures_jsonl_on_stdout(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    done = dozor("import", str(path))
    assert done.code == 0, done.stderr
    done = dozor("export", "seizures", "--format", "jsonl")
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 3
    assert all(set(row) == set(EXPORT_COLUMNS) for row in rows)
    assert sorted((r["seizure_ref"], r["drug"], r["quantity"], r["drug_code"]) for r in rows) == [
        ("CLI-1", "гашиш", "300", "cannabis_resin"),
        ("CLI-1", "героин", "12,5", "heroin"),
        ("CLI-2", "mdma", "40", "mdma"),
    ]
    assert "3 item rows exported" in done.stderr
    xlsx = dozor("export", "seizures", "--format", "xlsx")
    assert xlsx.code == 2  # xlsx needs --out


@SQLITE_BY_DEFAULT
def test_import_of_an_invalid_file_exits_1_and_writes_nothing(
    dozor, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text(SAMPLE_CSV.replace("12,5", "12,5,5"), encoding="utf-8")
    report = tmp_path / "report.json"
    done = dozor("import", str(path), "--report", str(report))
    assert done.code == 1
    (problem,) = json.loads(report.read_text(encoding="utf-8"))
    assert (problem["row"], problem["column"], problem["code"]) == (2, "quantity", "invalid_number")
    assert scalar(engine, seizure) == 0


@pytest.mark.parametrize("seizures", [300])
def test_demo_is_idempotent(dozor, engine: Engine, seizures: int) -> None:  # type: ignore[no-untyped-def]
    args = ("demo", "--seizures", str(seizures), "--seed", "3", "--no-serve")
    done = dozor(*args)
    assert done.code == 0, done.stderr
    assert "dozor-demo" in done.stdout
    for login in ("kaz.officer", "hub.auditor"):
        assert login in done.stdout
    count = scalar(engine, seizure)
    assert count >= seizures
    users = scalar(engine, app_user)
    again = dozor(*args)
    assert again.code == 0, again.stderr
    assert scalar(engine, seizure) == count
    assert scalar(engine, app_user) == users
