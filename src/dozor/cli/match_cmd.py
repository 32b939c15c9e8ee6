"""``dozor match persons``: batch identity matching of a persons CSV file."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer

from dozor.cli.common import err_console, progress_bar
from dozor.domain.countries import lookup_country
from dozor.matching.batch import cluster_persons
from dozor.matching.identity.compare import DEFAULT_THRESHOLD
from dozor.matching.identity.records import PersonRecord, parse_partial_date

COLUMNS = (
    "id",
    "surname",
    "given_name",
    "patronymic",
    "date_of_birth",
    "nationality",
    "passport_number",
    "phone",
)
_REASONS = {
    "encoding": ("the file is not UTF-8 text", "файл не в кодировке UTF-8"),
    "empty": ("the file has no header row", "в файле нет строки заголовков"),
    "missing_column": ("required column {column} is missing", "нет обязательного столбца {column}"),
    "required_missing": ("a value is required", "значение обязательно"),
    "duplicate_id": (
        "id {value!r} is used by row {other}",
        "id {value!r} уже есть в строке {other}",
    ),
    "invalid_date": (
        "{value!r} is not a date ({detail}); use YYYY, YYYY-MM, YYYY-MM-DD or DD.MM.YYYY",
        "{value!r} — не дата; используйте ГГГГ, ГГГГ-ММ, ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
    ),
    "unknown_code": (
        "{value!r} is not a known country",
        "{value!r} — неизвестная страна",
    ),
}


class Lang(StrEnum):
    en = "en"
    ru = "ru"


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    row: int
    column: str
    value: str
    code: str
    params: dict[str, object]

    def reason(self, lang: str) -> str:
        en, ru = _REASONS[self.code]
        return (ru if lang == "ru" else en).format(
            value=self.value, column=self.column, **self.params
        )


def read_persons(path: Path) -> tuple[list[PersonRecord], list[RowError]]:
    """Read and check the input file; rows are numbered as in a spreadsheet (header = 1)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(name, 1, "", "", "encoding", {})]
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        return [], [RowError(name, 1, "", "", "empty", {})]
    reader.fieldnames = header
    errors = [RowError(name, 1, c, "", "missing_column", {}) for c in COLUMNS if c not in header]
    if errors:
        return [], errors
    records: list[PersonRecord] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        record_id = values["id"]
        if not record_id:
            errors.append(RowError(name, row_number, "id", "", "required_missing", {}))
        elif record_id in seen:
            errors.append(
                RowError(
                    name, row_number, "id", record_id, "duplicate_id", {"other": seen[record_id]}
                )
            )
        else:
            seen[record_id] = row_number
        if values["date_of_birth"]:
            try:
                parse_partial_date(values["date_of_birth"])
            except ValueError as exc:
                errors.append(
                    RowError(
                        name,
                        row_number,
                        "date_of_birth",
                        values["date_of_birth"],
                        "invalid_date",
                        {"detail": str(exc)},
                    )
                )
        if values["nationality"]:
            country = lookup_country(values["nationality"], allow_nationality_codes=True)
            if country is None:
                errors.append(
                    RowError(
                        name, row_number, "nationality", values["nationality"], "unknown_code", {}
                    )
                )
            else:
                values["nationality"] = country.iso3
        records.append(PersonRecord(**values))
    return records, errors


def match_persons(
    input_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Persons CSV file."),
    out: Path = typer.Option(..., "--out", help="Output CSV: id, cluster_id."),
    explain: bool = typer.Option(
        False, "--explain", help="Also write OUT.explain.csv: matched pairs, scores, features."
    ),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD, "--threshold", min=0.0, max=1.0, help="Score for 'same person'."
    ),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of error messages."),
) -> None:
    """Cluster the records of one person: same cluster_id = judged the same person."""
    records, errors = read_persons(input_file)
    if errors:
        for e in errors[:200]:
            err_console.print(
                f"{e.file}: row {e.row}, column {e.column or '-'}: {e.reason(lang.value)}",
                markup=False,
                highlight=False,
            )
        if len(errors) > 200:
            err_console.print(f"… {len(errors) - 200} more errors")
        raise typer.Exit(1)
    with progress_bar("match persons", len(records), enabled=len(records) > 20000) as bar:
        task = bar.task_ids[0]

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        clusters, pairs = cluster_persons(
            records, threshold=threshold, progress=progress, explain=explain
        )
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id"])
        writer.writerows((r.id, clusters[r.id]) for r in records)
    if explain:
        explain_path = out.with_name(out.stem + ".explain.csv")
        with explain_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["left_id", "right_id", "score", "same_cluster", "features"])
            for p in sorted(pairs, key=lambda p: (-p.score, p.left, p.right)):
                left, right = records[p.left].id, records[p.right].id
                assert p.result is not None  # asked for with explain=True
                features = {k: v.as_dict() for k, v in p.result.features.items()}
                writer.writerow(
                    [
                        left,
                        right,
                        f"{p.score:.4f}",
                        "yes" if clusters[left] == clusters[right] else "no",
                        json.dumps(features, ensure_ascii=False),
                    ]
                )
    n_clusters = len(set(clusters.values()))
    err_console.print(f"{len(records)} records, {n_clusters} persons, {len(pairs)} matched pairs")


def register(app: typer.Typer) -> None:
    """Add ``dozor match persons`` to the main app."""
    match_app = typer.Typer(help="Identity matching in batch.", no_args_is_help=True)
    match_app.command("persons")(match_persons)
    app.add_typer(match_app, name="match")
