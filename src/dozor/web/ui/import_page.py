"""``/import``: upload a seizures file (and a persons file), see the dry run, commit or cancel.

The upload is kept in the node's home folder under a random id (import_jobs.py); the dry run
and the import are ``import_file`` itself, run in a background thread while the page polls its
progress with htmx. The error report (row, column, value, reason) is the importer's, shown in
the user's language. The template is ``ingest/template_file.py``'s, as ``dozor template`` writes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dozor.access.principal import Principal
from dozor.ingest.context import Importer
from dozor.ingest.template_file import write_template
from dozor.settings import Settings
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui import import_jobs
from dozor.web.ui.i18n import LANGS, N_
from dozor.web.ui.import_jobs import RUNNING, Upload, UploadRefused
from dozor.web.ui.pages import (
    WRITE_ROLES,
    PageNotFound,
    flash,
    gettext_for,
    language,
    page_principal,
    render,
)

router = APIRouter(include_in_schema=False)
ERRORS_SHOWN = 500
REFUSALS = {
    "file_type": N_("%(name)s: only CSV, XLSX or JSON files can be imported (%(allowed)s)."),
    "file_too_large": N_("The file is larger than the limit of %(limit)s bytes."),
    "no_file": N_("Choose the seizures file to upload."),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_importer(principal: Principal) -> None:
    if not principal.may_write or not principal.roles & WRITE_ROLES:
        raise PageNotFound("the import needs the role officer or supervisor")


def _importer(principal: Principal) -> Importer:
    return Importer(
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        country=principal.country,
        is_national_admin="national_admin" in principal.roles,
        is_node_admin=False,
    )


@router.get("/import", response_class=HTMLResponse)
async def import_form(
    request: Request,
    principal: Principal = Depends(page_principal),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The upload form and the template in both languages."""
    _require_importer(principal)
    await run_in_threadpool(import_jobs.sweep, settings)
    return await render(
        request, "import/upload.html", {"limit_mb": settings.import_max_bytes // (1024 * 1024)}
    )


def _chosen(value: Any) -> UploadFile | None:
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


@router.post("/import", response_model=None)
async def upload_file(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Keep the upload and start its dry run; the browser goes on to the upload's page."""
    _require_importer(principal)
    gettext = gettext_for(request, principal)
    raw = await request.form()
    seizures_file, persons_file = (
        _chosen(raw.get("seizures_file")),
        _chosen(raw.get("persons_file")),
    )
    files: dict[str, Any] = {}
    if seizures_file is not None:
        files["seizures"] = (seizures_file.filename or "", seizures_file.file.read)
    if persons_file is not None:
        files["persons"] = (persons_file.filename or "", persons_file.file.read)
    try:
        if "seizures" not in files:
            raise UploadRefused("no_file")
        upload = await run_in_threadpool(import_jobs.create, settings, principal.user_id, files)
    except UploadRefused as refused:
        back = RedirectResponse("/import", status_code=303)
        flash(back, "error", gettext(REFUSALS[refused.code]) % refused.params)
        return back
    import_jobs.start(upload, engine, settings, _importer(principal), commit=False)
    return RedirectResponse(f"/import/{upload.id}", status_code=303)


@router.get("/import/template/{lang}", response_class=Response)
async def template_file(lang: str, principal: Principal = Depends(page_principal)) -> Response:
    """The import template (XLSX) with its value lists labelled in ``lang`` (en or ru)."""
    if lang not in LANGS:
        raise PageNotFound(lang)

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="dozor-template-") as folder:
            path = Path(folder) / "template.xlsx"
            write_template(path, lang)
            return path.read_bytes()

    content = await run_in_threadpool(build)
    name = f"dozor-import-template-{lang}.xlsx"
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _upload(settings: Settings, principal: Principal, upload_id: str) -> Upload:
    _require_importer(principal)
    upload = import_jobs.find(settings, upload_id, principal.user_id)
    if upload is None:
        raise PageNotFound(upload_id)
    return upload


def _view(upload: Upload, lang: str) -> dict[str, Any]:
    """What the upload's page shows: phase, progress, counts, errors, preview."""
    state = upload.read()
    problems = import_jobs.problems_of(state)
    bad_cells = {(p.sheet, p.row, p.column) for p in problems}
    tables = []
    for table in state.get("preview") or []:
        header = table["header"]
        rows = [
            (
                row_no,
                [
                    (
                        text,
                        (table["sheet"], row_no, header[i] if i < len(header) else "") in bad_cells,
                    )
                    for i, text in enumerate(cells)
                ],
            )
            for row_no, cells in table["rows"]
        ]
        tables.append({**table, "rows": rows})
    total = int(state.get("rows_total") or 0)
    done = int(state.get("rows_done") or 0)
    result = state.get("result") or {}
    return {
        "upload": upload,
        "state": state,
        "running": state["phase"] in RUNNING,
        "rows_done": done,
        "rows_total": max(total, done),
        "result": result,
        "errors": [p.as_dict(lang) for p in problems[:ERRORS_SHOWN]],
        "error_count": len(problems),
        "tables": tables,
        "files": state.get("files", {}),
    }


@router.get("/import/{upload_id}", response_class=HTMLResponse)
async def upload_page(
    upload_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The dry run's progress, then its preview and error report with commit and cancel."""
    upload = _upload(settings, principal, upload_id)
    view = await run_in_threadpool(_view, upload, language(request, principal))
    fragment = request.headers.get("hx-target") == "import-job"
    return await render(request, "import/_job.html" if fragment else "import/job.html", view)


@router.post("/import/{upload_id}/commit", response_model=None)
async def commit_upload(
    upload_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Import the checked file (all or nothing, or skipping invalid seizures if asked)."""
    upload = _upload(settings, principal, upload_id)
    gettext = gettext_for(request, principal)
    raw = await request.form()
    state = upload.read()
    back = RedirectResponse(f"/import/{upload_id}", status_code=303)
    if state["phase"] != "checked":
        flash(back, "error", gettext(N_("This file cannot be imported now.")))
        return back
    skip = raw.get("skip_invalid") == "on"
    if (state.get("result") or {}).get("errors") and not skip:
        flash(
            back,
            "error",
            gettext(N_("Correct the errors first, or choose to skip the invalid seizures.")),
        )
        return back
    upload.update(skip_invalid=skip)
    import_jobs.start(upload, engine, settings, _importer(principal), commit=True)
    return back


@router.post("/import/{upload_id}/cancel", response_model=None)
async def cancel_upload(
    upload_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Delete the upload (not while it is being imported)."""
    upload = _upload(settings, principal, upload_id)
    gettext = gettext_for(request, principal)
    if upload.read()["phase"] in RUNNING:
        back = RedirectResponse(f"/import/{upload_id}", status_code=303)
        flash(back, "error", gettext(N_("Wait until the file has been processed.")))
        return back
    await run_in_threadpool(import_jobs.remove, upload)
    target = RedirectResponse("/import", status_code=303)
    flash(target, "ok", gettext(N_("Import cancelled; the uploaded file was deleted.")))
    return target
