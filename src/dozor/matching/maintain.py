"""The one hook every writer of nominal objects calls, in its own transaction.

The import writer (files and API records) and retention call `objects_changed` with the persons
and conveyances whose phones, documents, plates, VINs or names they wrote or deleted; the
correlation index and the identity engine's blocking keys are rewritten for exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from dozor.matching import candidates, selector_index


def objects_changed(
    conn: Connection, *, persons: Iterable[str] = (), conveyances: Iterable[str] = ()
) -> None:
    """Bring the correlation index and blocking keys up to date for these objects."""
    person_ids = sorted(set(persons))
    selector_index.reindex(conn, persons=person_ids, conveyances=conveyances)
    candidates.reindex(conn, person_ids)
