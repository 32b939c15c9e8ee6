"""The vendored front-end files: pinned, checksummed, referenced, and nothing from outside."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "src" / "dozor" / "web" / "ui"
VENDOR = UI / "static" / "vendor"


def test_every_vendored_file_matches_its_checksum() -> None:
    listed = {}
    for line in (VENDOR / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    on_disk = {
        p.relative_to(VENDOR).as_posix(): p
        for p in VENDOR.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "MANIFEST.json")
    }
    assert set(listed) == set(on_disk)
    for name, path in on_disk.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name], name


def test_the_script_checks_without_network() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor_frontend.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matches SHA256SUMS" in done.stdout


def test_versions_are_in_the_paths_and_pinned_in_the_manifest() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text("utf-8"))
    pinned = {entry["package"]: entry["version"] for entry in manifest}
    assert pinned["htmx.org"].startswith("2.")
    assert pinned["echarts"].startswith("5.")
    assert pinned["leaflet"].startswith("1.9.")
    for entry in manifest:
        assert entry["integrity"].startswith("sha512-")
    for path in VENDOR.rglob("*"):
        if path.is_file() and path.parent == VENDOR and path.suffix == ".js":
            assert re.search(r"-\d+\.\d+\.\d+", path.name), path.name


def test_the_regional_map_is_small_and_names_countries_in_both_languages() -> None:
    path = VENDOR / "world-atlas-2.0.2" / "central-asia-50m.geojson"
    assert path.stat().st_size < 600_000
    features = {f["id"]: f for f in json.loads(path.read_text("utf-8"))["features"]}
    assert {"KAZ", "KGZ", "TJK", "TKM", "UZB", "AFG", "IRN", "CHN", "RUS", "PAK"} <= set(features)
    assert features["KAZ"]["properties"]["name_ru"] == "Казахстан"
    lon, lat = features["UZB"]["properties"]["centre"]
    assert 56 < lon < 73 and 37 < lat < 46


def test_templates_and_scripts_load_nothing_from_outside() -> None:
    sources = [*UI.glob("templates/**/*.html"), *UI.glob("static/*.js"), *UI.glob("static/*.css")]
    referenced = set()
    for path in sources:
        text = path.read_text("utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
        referenced.update(re.findall(r"static\('(vendor/[^']+)'\)", text))
    for name in referenced:
        assert (UI / "static" / name).is_file(), name
