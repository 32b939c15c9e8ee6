"""``/seizures/new`` and ``/seizures/{id}/edit``: the seizure form (items, route, persons).

The form is saved through the path of POST/PATCH ``/api/v1/seizures``: ingest/records.py
``save_record`` → ``import_file``, so it has the import's checks and its error messages, which
appear next to the fields they name. ``…/check`` runs the same save as a dry run for inline
validation while the user types (seizure-form.js); nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from dozor.access import reads
from dozor.access.policy import seizure_visible
from dozor.access.principal import Principal
from dozor.domain.codes import code_list
from dozor.domain.countries import MEMBER_COUNTRIES
from dozor.ingest.records import record_id, save_record
from dozor.ingest.service import ImportResult
from dozor.settings import Settings
from dozor.store.schema import person_conveyance, seizure, seizure_person
from dozor.web import api_seizures
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import (
    WRITE_ROLES,
    PageNotFound,
    flash,
    gettext_for,
    language,
    page_principal,
    render,
)
from dozor.web.ui.seizure_form_data import (
    HANDLING_CODES,
    LABELS,
    LEG_ROLES,
    FormState,
    from_record,
    parse_form,
    place_problems,
)

router = APIRouter(include_in_schema=False)
GRADES = {"source_grade": ("A", "B", "C", "X"), "info_grade": ("1", "2", "3", "4")}
LEG_LABELS = {
    "origin": N_("Origin"),
    "departure": N_("Departure"),
    "transit": N_("Transit"),
    "destination": N_("Destination"),
}
FIELD_COLUMNS = {"seizure_day": "seizure_date", "handling": "handling_code"}
REF_EXISTS = N_("A seizure with this reference exists already; open it from the list to edit it.")
PERSONS_KEPT = N_(
    "The form cannot remove the last person of a seizure; keep at least one person "
    "or ask an administrator."
)


@dataclass(frozen=True, slots=True)
class OwnRecord:
    """The key of a seizure the user's agency owns."""

    id: str
    ref: str
    has_persons: bool = False


def _require_writer(principal: Principal) -> None:
    if not principal.may_write or not principal.roles & WRITE_ROLES:
        raise PageNotFound("the seizure form needs the role officer or supervisor")


def _own_record(engine: Engine, principal: Principal, seizure_id: str) -> OwnRecord | None:
    """The record if the user may read it (the policy) and their agency owns it."""
    with engine.connect() as conn:
        row = conn.execute(
            select(seizure.c.id, seizure.c.local_ref).where(
                seizure.c.id == seizure_id,
                seizure.c.owner_agency_id == principal.agency_id,
                seizure_visible(principal),
            )
        ).first()
        if row is None:
            return None
        linked = conn.execute(
            select(seizure_person.c.person_id).where(seizure_person.c.seizure_id == row.id)
        ).first()
    return OwnRecord(str(row.id), str(row.local_ref), linked is not None)


def _vehicles_of_persons(conn: Connection, record: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Person id → plate, plate country and VIN of their vehicle in this (visible) record."""
    vehicles = {v["id"]: v for v in record.get("conveyances", [])}
    persons = [p["id"] for p in record.get("persons", [])]
    if not vehicles or not persons:
        return {}
    links = conn.execute(
        select(person_conveyance.c.person_id, person_conveyance.c.conveyance_id).where(
            person_conveyance.c.person_id.in_(persons),
            person_conveyance.c.conveyance_id.in_(list(vehicles)),
        )
    )
    out: dict[str, dict[str, str]] = {}
    for person_id, vehicle_id in links:
        vehicle = vehicles[vehicle_id]
        out.setdefault(
            person_id,
            {
                "vehicle_plate": vehicle.get("plate") or "",
                "vehicle_country": vehicle.get("plate_country") or "",
                "vin": vehicle.get("vin") or "",
            },
        )
    return out


def _save(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    state: FormState,
    existing: OwnRecord | None,
    *,
    dry_run: bool,
) -> ImportResult | str:
    """Save (or check) the form's record; or why not: ``ref_taken``, ``persons_kept``."""
    body = state.body()
    if existing is not None:
        body["seizure"]["seizure_ref"] = existing.ref
        if "persons" not in body and existing.has_persons:
            return "persons_kept"
    else:
        ref = body["seizure"].get("seizure_ref") or ""
        with engine.connect() as conn:
            if ref and record_id(conn, principal.agency_code, ref):
                return "ref_taken"
    author = api_seizures._author(principal)
    return save_record(engine, settings, author, body, channel="ui", dry_run=dry_run)


async def _posted(request: Request) -> FormState:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items() if isinstance(v, str)}
    return parse_form(form, [str(v) for v in raw.getlist("handling")])


def _check(result: ImportResult | str, state: FormState, lang: str, gettext: Any) -> FormState:
    if result == "ref_taken":
        state.add_error("seizure_ref", gettext(REF_EXISTS))
    elif result == "persons_kept":
        state.general.append(gettext(PERSONS_KEPT))
    elif isinstance(result, ImportResult) and result.errors:
        place_problems(state, result.errors, lang, gettext)
    return state


async def _form_page(
    request: Request,
    principal: Principal,
    state: FormState,
    existing: OwnRecord | None,
    status_code: int = 200,
) -> HTMLResponse:
    gettext = gettext_for(request, principal)
    fields = [
        (name, gettext(LABELS.get(FIELD_COLUMNS.get(name, name.split("-")[-1]), name)), texts)
        for name, texts in state.errors.items()
    ]
    grade_options = {}
    for name, codes in GRADES.items():
        shown = list(codes)
        if state.head.get(name) and state.head[name] not in shown:
            shown.append(state.head[name])  # a grade of another scheme, e.g. 5x5x5:B
        grade_options[name] = [(code, code) for code in shown]
    context = {
        "state": state,
        "existing": existing,
        "action": f"/seizures/{existing.id}/edit" if existing else "/seizures/new",
        "labels": LABELS,
        "leg_roles_shown": [(role, gettext(LEG_LABELS[role])) for role in LEG_ROLES],
        "handling_codes": [(c, code_list("handling_codes").get(c)) for c in HANDLING_CODES],
        "grade_options": grade_options,
        "member_countries": MEMBER_COUNTRIES,
        "error_fields": fields,
    }
    return await render(request, "seizures/form.html", context, status_code=status_code)


@router.get("/seizures/new", response_class=HTMLResponse)
async def new_seizure(
    request: Request,
    principal: Principal = Depends(page_principal),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """An empty form for a new draft (reference prefilled with the agency's prefix)."""
    _require_writer(principal)
    state = FormState(
        head={
            "seizure_ref": f"{principal.agency_code}/{date.today().year}/",
            "tlp": settings.default_tlp,
            "distribution": settings.default_distribution,
        }
    )
    return await _form_page(request, principal, state, None)


@router.post("/seizures/new", response_model=None)
async def create_seizure(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Create a draft; on errors show the form again with each reason by its field."""
    _require_writer(principal)
    state = await _posted(request)
    lang, gettext = language(request, principal), gettext_for(request, principal)
    result = await run_in_threadpool(_save, engine, settings, principal, state, None, dry_run=False)
    if isinstance(result, str) or not result.committed:
        _check(result, state, lang, gettext)
        return await _form_page(request, principal, state, None, status_code=422)
    with engine.connect() as conn:
        new_id = record_id(conn, principal.agency_code, state.head["seizure_ref"])
    target = RedirectResponse(f"/seizures/{new_id}", status_code=303)
    flash(target, "ok", gettext(N_("Seizure saved as a draft.")))
    return target


@router.post("/seizures/new/check")
async def check_new_seizure(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """The form's errors as JSON (a dry run: nothing is written)."""
    _require_writer(principal)
    return await _check_response(request, principal, engine, settings, None)


async def _check_response(
    request: Request,
    principal: Principal,
    engine: Engine,
    settings: Settings,
    existing: OwnRecord | None,
) -> JSONResponse:
    state = await _posted(request)
    lang, gettext = language(request, principal), gettext_for(request, principal)
    result = await run_in_threadpool(
        _save, engine, settings, principal, state, existing, dry_run=True
    )
    _check(result, state, lang, gettext)
    return JSONResponse(
        {"errors": state.errors, "general": state.general},
        headers={"Cache-Control": "no-store"},
    )


async def _editable(engine: Engine, principal: Principal, seizure_id: str) -> OwnRecord:
    _require_writer(principal)
    existing = await run_in_threadpool(_own_record, engine, principal, seizure_id)
    if existing is None:
        raise PageNotFound(seizure_id)
    return existing


def _load(
    engine: Engine, settings: Settings, principal: Principal, seizure_id: str, lang: str
) -> FormState | None:
    with engine.begin() as conn:
        record = reads.get_seizure(
            conn, principal, seizure_id, node=settings.node_code, channel="ui"
        )
        if record is None:
            return None
        return from_record(record, _vehicles_of_persons(conn, record), lang)


@router.get("/seizures/{seizure_id}/edit", response_class=HTMLResponse)
async def edit_seizure(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The form filled with the stored record (owner agency only; others get a 404)."""
    existing = await _editable(engine, principal, seizure_id)
    lang = language(request, principal)
    state = await run_in_threadpool(_load, engine, settings, principal, seizure_id, lang)
    if state is None:
        raise PageNotFound(seizure_id)
    return await _form_page(request, principal, state, existing)


@router.post("/seizures/{seizure_id}/edit", response_model=None)
async def save_seizure(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Save the changes (a validated or released record gets a pending correction)."""
    existing = await _editable(engine, principal, seizure_id)
    state = await _posted(request)
    lang, gettext = language(request, principal), gettext_for(request, principal)
    result = await run_in_threadpool(
        _save, engine, settings, principal, state, existing, dry_run=False
    )
    if isinstance(result, str) or not result.committed:
        _check(result, state, lang, gettext)
        return await _form_page(request, principal, state, existing, status_code=422)
    target = RedirectResponse(f"/seizures/{seizure_id}", status_code=303)
    if result.pending:
        text = N_("Saved; the change waits for validation as a correction.")
    elif result.unchanged:
        text = N_("Nothing changed.")
    else:
        text = N_("Seizure saved.")
    flash(target, "ok", gettext(text))
    return target


@router.post("/seizures/{seizure_id}/edit/check")
async def check_seizure(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """The edit form's errors as JSON (a dry run)."""
    existing = await _editable(engine, principal, seizure_id)
    return await _check_response(request, principal, engine, settings, existing)
