"""The import page over HTTP on both databases: upload, dry run, error report, commit, cancel.

(The same page in a real browser: tests/browser/test_ui_form_import_admin.py.)
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from dozor.settings import Settings
from dozor.store.schema import seizure
from dozor.web.ui import import_jobs
from test_ui_form import Client, app  # noqa: F401 - the fixture

HEADER = (
    "seizure_ref,reporting_country,reporting_agency,seizure_date,location_type,drug,quantity,"
    "unit,mode_of_transport,tlp,distribution\n"
)


def csv_file(rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


GOOD = [
    "KAZ-CUSTOMS/2025/501,KAZ,KAZ-CUSTOMS,2025-05-01,road,героин,1.5,кг,road,GREEN,region",
    "KAZ-CUSTOMS/2025/501,KAZ,KAZ-CUSTOMS,2025-05-01,road,гашиш,300,г,road,GREEN,region",
    "KAZ-CUSTOMS/2025/502,KAZ,KAZ-CUSTOMS,2025-05-02,dwelling,опий,2,kg,road,GREEN,region",
]
BAD = [
    "KAZ-CUSTOMS/2025/601,KAZ,KAZ-CUSTOMS,2025-05-01,road,героин,много,кг,road,GREEN,region",
    "KAZ-CUSTOMS/2025/602,KAZ,KAZ-CUSTOMS,31.02.2025,dwelling,unobtainium,2,kg,road,GREEN,region",
]


def wait(officer: Client, upload_id: str, phase: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        html: str = officer.http.get(f"/import/{upload_id}").text
        if 'hx-trigger="every 1s"' not in html:
            assert phase in ("checked", "committed")
            return html
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def upload(officer: Client, content: bytes, name: str = "seizures.csv") -> str:
    reply = officer.http.post(
        "/import",
        data={"csrf_token": officer.csrf},
        files={"seizures_file": (name, content, "text/csv")},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    location: str = reply.headers["location"]
    return location.rsplit("/", 1)[1]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(seizure)).scalar_one())


def test_a_bad_file_shows_row_column_value_and_reason(
    app: Any,  # noqa: F811
    engine: Engine,
    settings: Settings,
) -> None:
    officer = Client(app, "kaz.officer")
    upload_id = upload(officer, csv_file(BAD))
    assert (Path(settings.home) / "uploads" / upload_id / "seizures" / "seizures.csv").is_file()
    html = wait(officer, upload_id, "checked")
    assert 'id="import-errors"' in html
    assert "&#39;много&#39; is not a number" in html
    assert "unobtainium" in html and "31.02.2025" in html
    assert 'class="cell-error"' in html  # the preview marks the bad cells
    russian = officer.http.get(f"/import/{upload_id}?lang=ru").text
    assert "не число" in russian
    officer.http.get("/import?lang=en")
    refused = officer.post(f"/import/{upload_id}/commit", {}, follow_redirects=True)
    assert "Correct the errors first" in refused.text
    assert count(engine) == 0
    cancelled = officer.post(f"/import/{upload_id}/cancel", {}, follow_redirects=True)
    assert "the uploaded file was deleted" in cancelled.text
    assert not (Path(settings.home) / "uploads" / upload_id).exists()
    assert officer.http.get(f"/import/{upload_id}").status_code == 404


def test_a_good_file_is_committed_and_its_upload_deleted(
    app: Any,  # noqa: F811
    engine: Engine,
    settings: Settings,
) -> None:
    officer = Client(app, "kaz.officer")
    upload_id = upload(officer, csv_file(GOOD))
    html = wait(officer, upload_id, "checked")
    assert 'id="check-ok"' in html and "KAZ-CUSTOMS/2025/501" in html
    assert count(engine) == 0  # the dry run wrote nothing
    # Somebody else cannot see or commit it.
    other = Client(app, "kaz.border")
    assert other.http.get(f"/import/{upload_id}").status_code == 404
    assert other.post(f"/import/{upload_id}/commit", {}).status_code == 404
    officer.post(f"/import/{upload_id}/commit", {}, follow_redirects=False)
    done = wait(officer, upload_id, "committed")
    assert 'id="import-done"' in done
    assert count(engine) == 2
    assert not (Path(settings.home) / "uploads" / upload_id / "seizures").exists()
    listed = officer.http.get("/seizures").text
    assert "KAZ-CUSTOMS/2025/501" in listed and "KAZ-CUSTOMS/2025/502" in listed


def test_skip_invalid_imports_the_valid_seizures(app: Any, engine: Engine) -> None:  # noqa: F811
    officer = Client(app, "kaz.officer")
    upload_id = upload(officer, csv_file(GOOD[2:] + BAD[:1]))
    wait(officer, upload_id, "checked")
    officer.post(f"/import/{upload_id}/commit", {"skip_invalid": "on"})
    done = wait(officer, upload_id, "committed")
    assert 'id="import-done"' in done
    assert count(engine) == 1


def test_refused_uploads_and_the_expiry(app: Any, settings: Settings) -> None:  # noqa: F811
    officer = Client(app, "kaz.officer")
    reply = officer.http.post(
        "/import",
        data={"csrf_token": officer.csrf},
        files={"seizures_file": ("evil.exe", b"MZ", "application/octet-stream")},
    )
    assert "only CSV, XLSX or JSON files can be imported" in reply.text
    nothing = officer.http.post("/import", data={"csrf_token": officer.csrf})
    assert "Choose the seizures file to upload." in nothing.text
    upload_id = upload(officer, csv_file(GOOD), name="../../etc/passwd.csv")
    wait(officer, upload_id, "checked")
    folder = Path(settings.home) / "uploads" / upload_id
    assert (folder / "seizures" / "passwd.csv").is_file()
    assert import_jobs.sweep(settings) == 0
    later = datetime.now(UTC) + import_jobs.TTL + timedelta(minutes=1)
    assert import_jobs.sweep(settings, now=later) == 1
    assert not folder.exists()
    analyst = Client(app, "kaz.analyst")
    assert analyst.http.get("/import").status_code == 404


@pytest.mark.parametrize("lang, values_sheet", [("en", "values"), ("ru", "значения")])
def test_the_template_in_both_languages(
    app: Any,  # noqa: F811
    lang: str,
    values_sheet: str,
) -> None:
    officer = Client(app, "kaz.officer")
    reply = officer.http.get(f"/import/template/{lang}")
    assert reply.status_code == 200
    assert f"dozor-import-template-{lang}.xlsx" in reply.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["seizures", "persons", values_sheet]
    assert officer.http.get("/import/template/de").status_code == 404
