"""One transaction per API action, and the HTTP answer when the domain refuses it.

Every refusal of the domain code (workflow, access requests and grants, matching) is a
``WorkflowError`` with an HTTP status, a stable code and a message in English or Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, Request
from sqlalchemy import Connection, Engine

from dozor.access.principal import Principal
from dozor.access.workflow import WorkflowError
from dozor.web.auth import auth_context
from dozor.web.deps import request_lang

T = TypeVar("T")


def channel_of(request: Request) -> str:
    """How the caller came in (``web`` or ``api``), for the audit log."""
    context = auth_context(request)
    return context.channel if context else "api"


def refused(error: WorkflowError, request: Request, principal: Principal) -> HTTPException:
    """The HTTP error for a refusal, in the caller's language."""
    lang = request_lang(request, principal.ui_lang)
    headers = {"Retry-After": "3600"} if error.status == 429 else None
    return HTTPException(
        error.status, {"code": error.code, "message": error.message(lang)}, headers=headers
    )


def run_refusable(
    engine: Engine,
    request: Request,
    principal: Principal,
    work: Callable[[Connection], T],
    *,
    keep_on_refusal: bool = False,
) -> T:
    """Run ``work`` in one transaction; a refusal becomes an HTTP error.

    A refusal rolls the transaction back, unless ``keep_on_refusal``: then what ``work`` wrote
    before refusing (an audit entry of the refused attempt) is committed first.
    """
    failure: WorkflowError | None = None
    try:
        with engine.begin() as conn:
            try:
                return work(conn)
            except WorkflowError as error:
                if not keep_on_refusal:
                    raise
                failure = error
    except WorkflowError as error:
        failure = error
    assert failure is not None
    raise refused(failure, request, principal) from None
