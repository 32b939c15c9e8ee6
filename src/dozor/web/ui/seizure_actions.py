"""The release workflow from the detail page: submit, validate, release, retract.

Each form posts here (with the CSRF token), the step runs through the very function the JSON
API uses (``api_seizures._action`` → access/workflow.py), and the browser returns to the detail
page with a message: the step done, or why it was refused (four-eyes, status, role, marking).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from dozor.access import workflow
from dozor.access.principal import Principal
from dozor.settings import Settings
from dozor.web import api_seizures
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import flash, gettext_for, page_principal

router = APIRouter(include_in_schema=False)

# action → (roles that may run it, statuses it applies to, message when done)
ACTIONS: dict[str, tuple[frozenset[str], tuple[str, ...], str]] = {
    "submit": (frozenset({"officer", "supervisor"}), ("draft",), N_("Submitted for validation.")),
    "validate": (frozenset({"supervisor"}), ("submitted",), N_("Validated.")),
    "release": (frozenset({"supervisor"}), ("validated", "released"), N_("Released.")),
    "retract": (
        frozenset({"supervisor"}),
        ("submitted", "validated", "released"),
        N_("Retracted."),
    ),
}


def available_actions(record: dict[str, Any], principal: Principal) -> list[str]:
    """The workflow steps to offer this user on this record (the workflow still decides).

    Only the owner agency acts on a record. The four-eyes rule is not pre-empted here: a
    supervisor who wrote the record sees the button and is told why it is refused.
    """
    if record["owner_agency_id"] != principal.agency_id or not principal.may_write:
        return []
    return [
        name
        for name, (roles, statuses, _done) in ACTIONS.items()
        if principal.roles & roles and record["status"] in statuses
    ]


def _step(action: str, form: dict[str, Any], node: str, seizure_id: str) -> Callable[..., None]:
    def run(conn: Connection, actor: workflow.Actor) -> None:
        if action == "submit":
            workflow.submit(conn, actor, seizure_id, node=node)
        elif action == "validate":
            workflow.validate(conn, actor, seizure_id, node=node)
        elif action == "release":
            countries = [c for c in form.get("listed_countries", []) if c]
            workflow.release(
                conn,
                actor,
                seizure_id,
                str(form.get("distribution") or ""),
                node=node,
                listed_countries=countries or None,
            )
        else:
            workflow.retract(conn, actor, seizure_id, str(form.get("reason") or ""), node=node)

    return run


@router.post("/seizures/{seizure_id}/workflow/{action}")
async def run_action(
    seizure_id: str,
    action: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Run one workflow step and go back to the record with the outcome."""
    _ = gettext_for(request, principal)
    back = RedirectResponse(f"/seizures/{seizure_id}", status_code=303)
    if action not in ACTIONS:
        flash(back, "error", _(N_("Unknown action.")))
        return back
    raw = await request.form()
    form: dict[str, Any] = {k: raw.get(k) for k in raw.keys()}
    form["listed_countries"] = [str(v) for v in raw.getlist("listed_countries")]
    step = _step(action, form, settings.node_code, seizure_id)
    try:
        await run_in_threadpool(
            api_seizures._action, seizure_id, principal, engine, settings, request, step
        )
    except HTTPException as error:
        detail = error.detail
        text = detail.get("message") if isinstance(detail, dict) else str(detail)
        if error.status_code == 404:
            gone = RedirectResponse("/seizures", status_code=303)
            flash(gone, "error", _(N_("No such seizure.")))
            return gone
        flash(back, "error", _(N_("Refused: %(reason)s")) % {"reason": text})
        return back
    flash(back, "ok", _(ACTIONS[action][2]))
    return back
