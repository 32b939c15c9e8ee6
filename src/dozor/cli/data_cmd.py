"""``dozor import``, ``dozor export``, ``dozor template``."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from dozor.cli.common import console, err_console, progress_bar, settings_and_engine
from dozor.ingest.problems import Problem
from dozor.ingest.readers import open_sheets
from dozor.ingest.service import ImportResult, import_file
from dozor.ingest.unodc import import_annual
from dozor.store.db import current_revision


class Lang(StrEnum):
    en = "en"
    ru = "ru"


class SeizureFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


class AnnualFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


LABELS = {
    "en": {
        "created": "created",
        "updated": "updated",
        "unchanged": "unchanged",
        "pending": "pending corrections",
        "skipped": "skipped",
        "items": "items",
        "persons": "persons",
        "rows": "rows",
        "ok": "Imported",
        "dry": "Dry run: valid",
        "fail": "Nothing was imported",
        "errors": "errors",
    },
    "ru": {
        "created": "создано",
        "updated": "обновлено",
        "unchanged": "без изменений",
        "pending": "ожидают исправления",
        "skipped": "пропущено",
        "items": "позиций",
        "persons": "лиц",
        "rows": "строк",
        "ok": "Импортировано",
        "dry": "Пробный запуск: ошибок нет",
        "fail": "Ничего не импортировано",
        "errors": "ошибок",
    },
}


def _count_rows(path: Path) -> int | None:
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        with path.open("rb") as handle:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
            )
    return None


def _write_report(path: Path, problems: list[Problem], lang: str) -> None:
    rows = [p.as_dict(lang) for p in problems]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["file", "sheet", "row", "column", "value", "code", "reason"]
        )
        writer.writeheader()
        writer.writerows(rows)


def _show(result: ImportResult, lang: str) -> None:
    labels = LABELS[lang]
    if result.errors:
        table = Table(title=f"{len(result.errors)} {labels['errors']}", show_lines=False)
        for column in ("file", "row", "column", "value", "reason"):
            table.add_column(column)
        for problem in result.errors[:200]:
            table.add_row(
                problem.file + (f" [{problem.sheet}]" if problem.sheet else ""),
                str(problem.row),
                problem.column,
                problem.value,
                problem.reason(lang),
            )
        err_console.print(table)
        if len(result.errors) > 200:
            err_console.print(f"… {len(result.errors) - 200} more; use --report FILE")
    for note in result.notes:
        err_console.print(f"[yellow]{note}[/yellow]")
    head = labels["ok"] if result.committed else labels["dry"] if result.ok else labels["fail"]
    counts = ", ".join(
        f"{getattr(result, key)} {labels[key]}"
        for key in ("created", "updated", "unchanged", "pending", "skipped", "items", "persons")
    )
    style = "green" if result.ok else "red"
    err_console.print(f"[{style}]{head}[/{style}]: {result.rows} {labels['rows']}; {counts}")


def import_command(
    file: Path = typer.Argument(..., help="Seizures file (CSV, XLSX or JSON), or a UNODC export."),
    persons: Path | None = typer.Option(None, "--persons", help="Persons file of the same job."),
    agency: str | None = typer.Option(None, "--agency", help="Import only for this agency."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the valid seizures."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; write nothing."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of the error reasons."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    report: Path | None = typer.Option(None, "--report", help="Write errors to CSV or JSON."),
) -> None:
    """Import seizures (DATA.md §6 template) or UNODC annual totals; all or nothing."""
    settings, engine = settings_and_engine()
    if current_revision(engine) is None:
        err_console.print("[red]The database is not initialised: run 'dozor init' first.[/red]")
        raise typer.Exit(2)
    result: ImportResult | None = None
    if file.is_file() and persons is None:
        try:
            sheets = open_sheets(file)
        except Exception:  # noqa: BLE001 - import_file reports the same failure with its reason
            sheets = []
        annual = [s for s in sheets if s.kind == "annual"]
        if annual:
            result = import_annual(engine, settings, file, annual[0], dry_run=dry_run)
    if result is None:
        total = _count_rows(file) if file.is_file() else None
        with progress_bar(f"Importing {file.name}", total, not as_json) as bar:
            task = bar.task_ids[0]
            result = import_file(
                engine,
                settings,
                file,
                persons,
                agency_code=agency,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                progress=lambda n: bar.advance(task, n),
            )
    if report is not None:
        _write_report(report, result.errors, lang.value)
    if as_json:
        sys.stdout.write(json.dumps(result.summary(lang.value), ensure_ascii=False) + "\n")
    else:
        _show(result, lang.value)
    if not result.ok:
        raise typer.Exit(1)


export_app = typer.Typer(help="Export seizures or official annual totals.", no_args_is_help=True)


@export_app.command("seizures")
def export_seizures(
    fmt: SeizureFormat = typer.Option(SeizureFormat.csv, "--format", help="csv, jsonl or xlsx."),
    out: Path | None = typer.Option(None, "--out", help="Output file (default: stdout)."),
) -> None:
    """One row per item in the template columns plus drug_code, drug_group, kg-eq, version."""
    from dozor.access import audit
    from dozor.reports.exports import write_seizures

    settings, engine = settings_and_engine()
    if fmt is SeizureFormat.xlsx and out is None:
        err_console.print("[red]--format xlsx needs --out FILE[/red]")
        raise typer.Exit(2)
    with engine.begin() as conn:
        count = write_seizures(conn, fmt.value, out or sys.stdout)
        audit.record(
            conn,
            node=settings.node_code,
            action="export",
            object_type="seizure",
            details={"format": fmt.value, "rows": count, "file": out.name if out else "stdout"},
        )
    err_console.print(f"{count} item rows exported")


@export_app.command("annual")
def export_annual(
    fmt: AnnualFormat = typer.Option(AnnualFormat.csv, "--format", help="csv or xlsx."),
    out: Path | None = typer.Option(None, "--out", help="Output file (default: stdout)."),
) -> None:
    """Official annual totals in UNODC's layout (same column names)."""
    from dozor.reports.exports import write_annual

    _, engine = settings_and_engine()
    if fmt is AnnualFormat.xlsx and out is None:
        err_console.print("[red]--format xlsx needs --out FILE[/red]")
        raise typer.Exit(2)
    with engine.connect() as conn:
        count = write_annual(conn, fmt.value, out or sys.stdout)
    err_console.print(f"{count} rows exported")


def template_command(
    out: Path = typer.Argument(..., help="Where to write the template workbook (.xlsx)."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of the help sheet."),
) -> None:
    """Write the import template: seizures and persons sheets, an example, allowed values."""
    from dozor.ingest.template_file import write_template

    write_template(out, lang.value)
    console.print(f"Template written to {out}")


def register(app: typer.Typer) -> None:
    """Add the data commands to the main app."""
    app.command("import")(import_command)
    app.command("template")(template_command)
    app.add_typer(export_app, name="export")
