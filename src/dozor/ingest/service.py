"""``import_file``: the one write path for import files, used by the CLI, the web and tests.

The job validates every row and writes in one transaction; any invalid row (without
``skip_invalid``) rolls everything back, so the database is exactly as before. A crash or
interrupt mid-way leaves the transaction uncommitted, with the same effect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from dozor.access import audit
from dozor.domain.ids import uuid7
from dozor.domain.values import parse_date
from dozor.ingest.context import AgencyRef, Importer, JobContext
from dozor.ingest.drafts import PersonDraft, SeizureDraft
from dozor.ingest.persons import PersonReader, check_against_seizure
from dozor.ingest.problems import Problem
from dozor.ingest.readers import BrokenEncoding, Cell, Sheet, open_sheets
from dozor.ingest.seizures import NotContiguous, SeizureAssembler
from dozor.ingest.writer import SeizureWriter
from dozor.settings import Settings
from dozor.store.schema import agency, event_outbox, import_job, seizure

Progress = Callable[[int], None]


@dataclass(slots=True)
class ImportResult:
    """What a job did, or would have done (dry run), and every problem found."""

    job_id: str
    files: list[str]
    sha256: dict[str, str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pending: int = 0
    skipped: int = 0
    items: int = 0
    persons: int = 0
    rows: int = 0
    dry_run: bool = False
    committed: bool = False
    errors: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.committed or (self.dry_run and not self.errors)

    def summary(self, lang: str = "en") -> dict[str, Any]:
        """The machine-readable summary printed by ``dozor import --json``."""
        return {
            "job_id": self.job_id,
            "files": self.files,
            "sha256": self.sha256,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "pending_corrections": self.pending,
            "skipped": self.skipped,
            "items": self.items,
            "persons": self.persons,
            "notes": self.notes,
            "errors": [p.as_dict(lang) for p in self.errors],
        }


def load_agencies(conn: Connection) -> list[AgencyRef]:
    """Every agency registered on this node."""
    rows = conn.execute(
        select(agency.c.id, agency.c.code, agency.c.country, agency.c.name_en, agency.c.name_ru)
    ).all()
    return [AgencyRef(r.id, r.code, r.country, r.name_en, r.name_ru) for r in rows]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _file_problem(path: Path, code: str, value: str = "", **params: Any) -> Problem:
    return Problem(path.name, "", 0, "", value, code, params)


def _open(path: Path, settings: Settings) -> tuple[list[Sheet], list[Problem]]:
    if not path.is_file():
        return [], [_file_problem(path, "unreadable_file", str(path), detail="no such file")]
    size = path.stat().st_size
    if size > settings.import_max_bytes:
        return [], [
            _file_problem(
                path,
                "file_too_large",
                f"{size:,} bytes",
                limit=f"{settings.import_max_bytes:,} bytes",
            )
        ]
    try:
        return open_sheets(path), []
    except BrokenEncoding as error:
        return [], [Problem(path.name, "", error.line, "", "", "encoding", {})]
    except Exception as error:  # noqa: BLE001 - any parser failure is the file's fault
        return [], [_file_problem(path, "unreadable_file", detail=str(error)[:200])]


def _limited(sheet: Sheet, limit: int, problems: list[Problem]) -> Iterator[tuple[int, list[Cell]]]:
    for count, row in enumerate(sheet.rows, start=1):
        if count > limit:
            problems.append(
                Problem(
                    sheet.file,
                    sheet.name,
                    row[0],
                    "",
                    f"{count:,} rows",
                    "file_too_large",
                    {"limit": f"{limit:,} rows"},
                )
            )
            return
        yield row


class _Job:
    """State of one run over the seizure rows (restarted once if groups are scattered)."""

    def __init__(
        self,
        conn: Connection,
        result: ImportResult,
        context: JobContext,
        settings: Settings,
        skip_invalid: bool,
        persons: dict[str, list[Any]],
        person_sheet: Sheet | None,
        channel: str,
    ) -> None:
        self.conn = conn
        self.result = result
        self.context = context
        self.settings = settings
        self.skip_invalid = skip_invalid
        self.persons = persons
        self.person_sheet = person_sheet
        self.writer = SeizureWriter(
            conn,
            job_id=result.job_id,
            node=settings.node_code,
            now=datetime.now(UTC),
            channel=channel,
        )
        self.writer.user_id = context.importer.user_id
        self.failed = False
        self.problems: list[Problem] = []
        self.used_refs: set[str] = set()

    def take(self, draft: SeizureDraft) -> None:
        """Check a finished seizure with its persons and queue it for writing."""
        if self.check(draft) and (not self.failed or self.skip_invalid):
            self.writer.add(draft)

    def check(self, draft: SeizureDraft) -> bool:
        """Attach the draft's person rows and run the checks that need both; False if bad."""
        self.used_refs.add(draft.ref)
        person_rows = self.persons.get(draft.ref, [])
        invalid = draft.invalid or any(isinstance(p, int) for p in person_rows)
        if not invalid and self.person_sheet is not None:
            for person in person_rows:
                assert isinstance(person, PersonDraft)
                found = check_against_seizure(
                    person,
                    draft,
                    self.person_sheet,
                    self.settings.min_person_age,
                    self.settings.max_person_age,
                )
                if found:
                    self.problems.extend(found)
                    invalid = True
            draft.persons = [p for p in person_rows if isinstance(p, PersonDraft)]
            draft.persons_given = True
        if invalid:
            self.result.skipped += 1
            if not self.skip_invalid:
                self.failed = True
            return False
        return True


def import_file(
    engine: Engine,
    settings: Settings,
    seizures_path: Path,
    persons_path: Path | None = None,
    *,
    agency_code: str | None = None,
    importer: Importer | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    channel: str = "bulk_import",
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import a seizures file (and persons file); see DATA.md §6."""
    paths = [seizures_path] + ([persons_path] if persons_path else [])
    result = ImportResult(uuid7(), [p.name for p in paths], {}, dry_run=dry_run)
    sheets: list[Sheet] = []
    for path in paths:
        opened, problems = _open(path, settings)
        for sheet in opened:  # a sheet lacking a required column is still known by its role
            if not sheet.kind and sheet.name.strip().lower() in ("seizures", "persons"):
                sheet.kind = sheet.name.strip().lower()
            elif not sheet.kind and len(opened) == 1:
                sheet.kind = "seizures" if path == seizures_path else "persons"
        result.errors.extend(problems)
        sheets.extend(opened)
        if not problems:
            result.sha256[path.name] = file_sha256(path)
    if result.errors:
        return result
    seizure_sheets = [s for s in sheets if s.kind == "seizures"]
    person_sheets = [s for s in sheets if s.kind == "persons"]
    if len(seizure_sheets) != 1 or len(person_sheets) > 1:
        result.errors.append(
            _file_problem(
                seizures_path,
                "missing_column",
                column="seizure_ref",
                detail="no seizures sheet recognised",
            )
        )
        return result
    for sheet in sheets:
        result.notes.extend(f"{sheet.file}: {note}" for note in sheet.notes)
    with engine.connect() as conn:
        agencies = load_agencies(conn)
        conn.rollback()  # end the read's implicit transaction; each pass opens its own
        context = JobContext(
            agencies=agencies,
            importer=importer or Importer(),
            earliest_year=settings.earliest_seizure_year,
            max_item_kg_eq=settings.max_item_kg_eq,
            coordinate_tolerance_km=settings.coordinate_tolerance_km,
            default_tlp=settings.default_tlp,
            default_distribution=settings.default_distribution,
            min_person_age=settings.min_person_age,
            max_person_age=settings.max_person_age,
        )
        if agency_code is not None:
            context.only_agency = context.find_agency(agency_code)
            if context.only_agency is None:
                result.errors.append(
                    _file_problem(seizures_path, "unknown_code", agency_code, what="agency")
                )
                return result
        person_sheet = person_sheets[0] if person_sheets else None
        persons: dict[str, list[Any]] = {}
        if person_sheet is not None:
            reader = PersonReader(person_sheet)
            persons = reader.read() if not reader.problems else {}
            result.errors.extend(reader.problems)
        for contiguous in (True, False):
            if not contiguous:
                seizure_sheets = [s for s in open_sheets(seizures_path) if s.kind == "seizures"]
            outcome = _run(
                conn,
                result,
                context,
                settings,
                seizure_sheets[0],
                person_sheet,
                persons,
                skip_invalid,
                dry_run,
                channel,
                progress,
                contiguous,
            )
            if outcome:
                break
    return result


def _grouped(
    rows: Iterator[tuple[int, list[Cell]]], ref_index: int
) -> Iterator[tuple[int, list[Cell]]]:
    groups: dict[str, list[tuple[int, list[Cell]]]] = {}
    for row in rows:
        key = str(row[1][ref_index]).strip() if ref_index < len(row[1]) else ""
        groups.setdefault(key, []).append(row)
    for group in groups.values():
        yield from group


def _run(
    conn: Connection,
    result: ImportResult,
    context: JobContext,
    settings: Settings,
    sheet: Sheet,
    person_sheet: Sheet | None,
    persons: dict[str, list[Any]],
    skip_invalid: bool,
    dry_run: bool,
    channel: str,
    progress: Progress | None,
    contiguous: bool,
) -> bool:
    """One pass; False when rows of a seizure turned out not to be adjacent."""
    header_errors = list(result.errors)
    transaction = conn.begin()
    try:
        job = _Job(conn, result, context, settings, skip_invalid, persons, person_sheet, channel)
        assembler = SeizureAssembler(sheet, context, contiguous=contiguous)
        if not assembler.header_ok:
            result.errors.extend(assembler.problems)
            transaction.rollback()
            return True
        conn.execute(
            import_job.insert(),
            {
                "id": result.job_id,
                "kind": "seizures",
                "agency_id": context.only_agency.id if context.only_agency else None,
                "user_id": context.importer.user_id,
                "file_name": sheet.file,
                "sha256": result.sha256.get(sheet.file, ""),
                "started_at": datetime.now(UTC),
            },
        )
        limit_problems: list[Problem] = []
        rows: Iterator[tuple[int, list[Cell]]] = _limited(
            sheet, settings.import_max_rows, limit_problems
        )
        if not contiguous:
            ref_index = [h.strip().lower() for h in sheet.header].index("seizure_ref")
            rows = _grouped(rows, ref_index)
        count = 0
        for row_no, cells in rows:
            for draft in assembler.feed(row_no, cells):
                job.take(draft)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(1000)
        for draft in assembler.close():
            job.take(draft)
        if progress is not None:
            progress(count % 1000)
        result.rows = count
        job.writer.flush()
        _stored_persons(conn, job, result)
        result.errors = header_errors + assembler.problems + job.problems + limit_problems
        counts = job.writer.counts
        result.created, result.updated, result.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
        result.pending, result.items, result.persons = counts.pending, counts.items, counts.persons
        if limit_problems or (result.errors and not skip_invalid) or dry_run:
            transaction.rollback()
            if limit_problems or (result.errors and not skip_invalid):  # nothing was imported
                result.created = result.updated = result.unchanged = result.pending = 0
                result.items = result.persons = 0
            return True
        conn.execute(
            update(import_job)
            .where(import_job.c.id == result.job_id)
            .values(
                finished_at=datetime.now(UTC),
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                skipped=result.skipped,
                items=result.items,
                persons=result.persons,
            )
        )
        # One event per job, not per seizure: consumers read the job's seizures by job id.
        conn.execute(
            event_outbox.insert(),
            {
                "at": datetime.now(UTC),
                "event_type": "seizures_imported",
                "object_type": "import_job",
                "object_id": result.job_id,
                "payload": json.dumps({"created": result.created, "updated": result.updated}),
            },
        )
        audit.record(
            conn,
            node=settings.node_code,
            action="import",
            channel="system",
            actor_user_id=context.importer.user_id,
            actor_agency_id=context.importer.agency_id,
            object_type="import_job",
            object_ids=[result.job_id],
            details={
                "files": result.sha256,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
                "rows": result.rows,
            },
        )
        transaction.commit()
        result.committed = True
        return True
    except NotContiguous:
        transaction.rollback()
        result.errors = header_errors
        result.skipped = 0
        return False
    except BaseException:
        transaction.rollback()
        raise


def _stored_persons(conn: Connection, job: _Job, result: ImportResult) -> None:
    """Person rows whose seizure is not in this job: attach to the agency's stored seizure."""
    sheet = job.person_sheet
    if sheet is None:
        return
    only = job.context.only_agency
    by_id = {a.id: a for a in job.context.agencies}
    for ref, rows in job.persons.items():
        if ref in job.used_refs:
            continue
        query = select(
            seizure.c.id,
            seizure.c.owner_agency_id,
            seizure.c.seized_local,
            seizure.c.seized_precision,
            seizure.c.tlp,
            seizure.c.distribution,
            seizure.c.handling,
            seizure.c.h3_text,
        ).where(seizure.c.local_ref == ref)
        if only is not None:
            query = query.where(seizure.c.owner_agency_id == only.id)
        found = [
            r
            for r in conn.execute(query).all()
            if job.context.importer.may_import_for(by_id[r.owner_agency_id])
        ]
        if len(found) != 1:
            first_row = next((p.row if isinstance(p, PersonDraft) else p) for p in rows)
            job.problems.append(sheet.problem(first_row, "seizure_ref", ref, "unknown_seizure_ref"))
            result.skipped += 1
            job.failed = True
            continue
        stored = found[0]
        draft = SeizureDraft(
            ref=ref,
            first_row=0,
            agency=by_id[stored.owner_agency_id],
            seized=parse_date(stored.seized_local.replace("T", " ")),
            tlp=stored.tlp,
            distribution=stored.distribution,
            handling=stored.handling,
            h3_text=stored.h3_text,
        )
        if job.check(draft) and (not job.failed or job.skip_invalid):
            job.writer.counts.persons += job.writer.persons.replace_for_seizure(stored.id, draft)
