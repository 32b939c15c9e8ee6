"""Uploaded import files kept on the node while the user looks at the dry run.

Each upload lives in ``<DOZOR_HOME>/uploads/<random id>/`` with a ``state.json`` that a
background thread updates (phase, rows done, the dry run's or the import's result). The files
are deleted on cancel, after the commit, and when an upload is older than :data:`TTL`. The state
is a file, not memory, so any server process can answer the progress polls.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from dozor.ingest.context import Importer
from dozor.ingest.problems import Problem
from dozor.ingest.readers import open_sheets
from dozor.ingest.service import ImportResult, import_file
from dozor.settings import Settings

TTL = timedelta(hours=2)
PREVIEW_ROWS = 10
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl")
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_UNSAFE = re.compile(r"[^\w.\- ]+")
RUNNING = ("checking", "committing")


class UploadRefused(ValueError):
    """The upload is not accepted (kind of file, size); ``code`` names the reason."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Upload:
    """One upload's folder."""

    id: str
    folder: Path

    @property
    def state_path(self) -> Path:
        return self.folder / "state.json"

    def read(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text("utf-8"))
        return data

    def write(self, state: dict[str, Any]) -> None:
        temporary = self.folder / f"state.{threading.get_ident()}.tmp"
        temporary.write_text(json.dumps(state, ensure_ascii=False, default=str), "utf-8")
        os.replace(temporary, self.state_path)

    def update(self, **changes: Any) -> dict[str, Any]:
        state = self.read()
        state.update(changes)
        self.write(state)
        return state

    def path(self, role: str) -> Path | None:
        name = self.read()["files"].get(role)
        return self.folder / role / name if name else None

    def delete_files(self) -> None:
        for role in ("seizures", "persons"):
            shutil.rmtree(self.folder / role, ignore_errors=True)


def uploads_root(settings: Settings) -> Path:
    return Path(settings.home) / "uploads"


def find(settings: Settings, upload_id: str, user_id: str) -> Upload | None:
    """The user's upload with this id (None for a bad id, another user's or a gone one)."""
    if not _ID.match(upload_id):
        return None
    upload = Upload(upload_id, uploads_root(settings) / upload_id)
    try:
        state = upload.read()
    except (OSError, ValueError):
        return None
    return upload if state.get("user_id") == user_id else None


def safe_name(name: str, role: str) -> str:
    """The file's own name without folders or odd characters; its suffix must be known."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .") or role
    suffix = Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRefused("file_type", name=name or "—", allowed=", ".join(SUFFIXES))
    return base[-100:]


def create(
    settings: Settings,
    user_id: str,
    files: dict[str, tuple[str, Callable[[int], bytes]]],
) -> Upload:
    """Store the uploaded files (role → (name, read(n))) under a new random id."""
    upload_id = secrets.token_urlsafe(16)
    upload = Upload(upload_id, uploads_root(settings) / upload_id)
    stored: dict[str, str] = {}
    try:
        for role, (name, read) in files.items():
            safe = safe_name(name, role)
            (upload.folder / role).mkdir(parents=True)
            size = 0
            with (upload.folder / role / safe).open("wb") as out:
                while chunk := read(1 << 20):
                    size += len(chunk)
                    if size > settings.import_max_bytes:
                        raise UploadRefused("file_too_large", limit=settings.import_max_bytes)
                    out.write(chunk)
            stored[role] = safe
        now = datetime.now(UTC).isoformat()
        upload.write(
            {
                "id": upload.id,
                "user_id": user_id,
                "created_at": now,
                "files": stored,
                "phase": "checking",
                "rows_done": 0,
                "rows_total": estimate_rows(upload.folder / "seizures" / stored["seizures"]),
                "skip_invalid": False,
            }
        )
    except BaseException:
        shutil.rmtree(upload.folder, ignore_errors=True)
        raise
    return upload


def estimate_rows(path: Path) -> int:
    """About how many data rows a file has (for the progress bar); 0 when unknown."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            try:
                return max((sheet.max_row or 1) - 1 for sheet in book.worksheets)
            finally:
                book.close()
        if suffix in (".json", ".jsonl"):
            return 0
        with path.open("rb") as handle:
            return max(
                0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1
            )
    except Exception:  # noqa: BLE001 - a file the reader cannot open gets its error from import
        return 0


def sweep(settings: Settings, now: datetime | None = None) -> int:
    """Delete uploads older than :data:`TTL` (and broken folders); returns how many."""
    root = uploads_root(settings)
    if not root.is_dir():
        return 0
    now = now or datetime.now(UTC)
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or not _ID.match(folder.name):
            continue
        try:
            state = json.loads((folder / "state.json").read_text("utf-8"))
            created = datetime.fromisoformat(state["created_at"])
        except (OSError, ValueError, KeyError):
            created = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
        if now - created > TTL:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def preview(upload: Upload) -> list[dict[str, Any]]:
    """The first rows of every sheet, as read (a table per sheet)."""
    out = []
    for role in ("seizures", "persons"):
        path = upload.path(role)
        if path is None:
            continue
        try:
            sheets = open_sheets(path)
        except Exception:  # noqa: BLE001 - the dry run reports why the file cannot be read
            sheets = []
        for sheet in sheets:
            rows = []
            for row_no, cells in sheet.rows:
                rows.append([row_no, ["" if c is None else str(c) for c in cells]])
                if len(rows) >= PREVIEW_ROWS:
                    break
            out.append(
                {"file": sheet.file, "sheet": sheet.name, "header": sheet.header, "rows": rows}
            )
    return out


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "file": p.file,
            "sheet": p.sheet,
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "code": p.code,
            "params": p.params,
        }
        for p in problems
    ]


def problems_of(state: dict[str, Any]) -> list[Problem]:
    """The stored problems of the last run, to show in any language."""
    result = state.get("result") or {}
    return [
        Problem(p["file"], p["sheet"], p["row"], p["column"], p["value"], p["code"], p["params"])
        for p in result.get("errors", [])
    ]


def _counts(result: ImportResult) -> dict[str, Any]:
    return {
        "job_id": result.job_id,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "pending": result.pending,
        "skipped": result.skipped,
        "items": result.items,
        "persons": result.persons,
        "committed": result.committed,
        "notes": result.notes,
        "errors": problem_dicts(result.errors),
    }


def start(
    upload: Upload, engine: Engine, settings: Settings, importer: Importer, *, commit: bool
) -> threading.Thread:
    """Run the dry run (or, ``commit``, the import) in a background thread."""
    state = upload.read()
    seizures_path, persons_path = upload.path("seizures"), upload.path("persons")
    assert seizures_path is not None
    upload.update(phase="committing" if commit else "checking", rows_done=0)

    def progress(rows: int) -> None:
        current = upload.read()
        upload.update(rows_done=int(current.get("rows_done", 0)) + rows)

    def run() -> None:
        try:
            result = import_file(
                engine,
                settings,
                seizures_path,
                persons_path,
                importer=importer,
                skip_invalid=bool(state.get("skip_invalid")) and commit,
                dry_run=not commit,
                channel="bulk_import",
                progress=progress,
            )
        except Exception as error:  # noqa: BLE001 - shown to the user, the upload kept
            upload.update(phase="failed", failure=str(error)[:300])
            return
        if commit and result.committed:
            upload.delete_files()
            upload.update(phase="committed", result=_counts(result), preview=[])
        elif commit:  # the data changed since the dry run: show the new errors
            upload.update(phase="checked", result=_counts(result))
        else:
            upload.update(phase="checked", result=_counts(result), preview=preview(upload))

    thread = threading.Thread(target=run, name=f"dozor-import-{upload.id}", daemon=True)
    thread.start()
    return thread


def remove(upload: Upload) -> None:
    """Delete the upload's folder: its files and state."""
    shutil.rmtree(upload.folder, ignore_errors=True)
