"""Refresh the vendored front-end files from the npm registry (developers only, never at run time).

    python scripts/vendor_frontend.py           # download the pinned packages, rewrite vendor/
    python scripts/vendor_frontend.py --check   # verify vendor/ against SHA256SUMS, no network

Each pinned package is fetched with ``npm pack`` (the ordinary npm client), its tarball checked
against the pinned ``sha512`` integrity, and the files the app needs copied into
``src/dozor/web/ui/static/vendor/`` with the package version in the path. The regional map
(Central Asia and neighbours) is cut from world-atlas's TopoJSON into a small GeoJSON here, so
pages load a few hundred kilobytes rather than the world. ``SHA256SUMS`` lists every vendored
file; ``tests/test_ui_vendor.py`` checks the files against it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "dozor" / "web" / "ui" / "static" / "vendor"
SUMS = VENDOR / "SHA256SUMS"
MANIFEST = VENDOR / "MANIFEST.json"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files taken from it (tarball path → vendored path)."""

    name: str
    version: str
    integrity: str
    files: dict[str, str]


PACKAGES: tuple[Package, ...] = (
    Package(
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        {"dist/htmx.min.js": "htmx-2.0.11.min.js"},
    ),
    Package(
        "echarts",
        "5.6.0",
        "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
        {"dist/echarts.min.js": "echarts-5.6.0.min.js"},
    ),
    Package(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        {
            "dist/leaflet.js": "leaflet-1.9.4/leaflet.js",
            "dist/leaflet.css": "leaflet-1.9.4/leaflet.css",
            "dist/images/layers.png": "leaflet-1.9.4/images/layers.png",
            "dist/images/layers-2x.png": "leaflet-1.9.4/images/layers-2x.png",
            "dist/images/marker-icon.png": "leaflet-1.9.4/images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "leaflet-1.9.4/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "leaflet-1.9.4/images/marker-shadow.png",
            "LICENSE": "leaflet-1.9.4/LICENSE",
        },
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        {
            f"dist/{name}": f"leaflet.markercluster-1.5.3/{name}"
            for name in (
                "leaflet.markercluster.js",
                "MarkerCluster.css",
                "MarkerCluster.Default.css",
            )
        },
    ),
    Package(
        "swagger-ui-dist",
        "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        {
            "swagger-ui-bundle.js": "swagger-ui-5.35.0/swagger-ui-bundle.js",
            "swagger-ui.css": "swagger-ui-5.35.0/swagger-ui.css",
            "LICENSE": "swagger-ui-5.35.0/LICENSE",
        },
    ),
    Package(
        "world-atlas",
        "2.0.2",
        "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
        {"LICENSE": "world-atlas-2.0.2/LICENSE"},
    ),
)

# The regional map: members, their neighbours and the countries on the routes.
REGION = ("KAZ KGZ TJK TKM UZB AFG IRN PAK CHN RUS MNG AZE ARM GEO TUR IRQ IND").split()
MAP_SOURCE = ("world-atlas", "countries-50m.json")
MAP_FILE = "world-atlas-2.0.2/central-asia-50m.geojson"
MAP_DECIMALS = 2  # about 1 km: enough for a regional view, small to load
# Where route lines meet a country: the centroid of its largest part, except where that lies
# far from the routes of the region (Russia's and China's lie in Siberia and central China).
ROUTE_POINTS = {"RUS": [50.1, 53.2], "CHN": [87.6, 43.8]}  # Samara, Ürümqi (lon, lat)


def npm_pack(package: Package, folder: Path) -> bytes:
    """The package tarball via ``npm pack``, checked against the pinned integrity."""
    spec = f"{package.name}@{package.version}"
    done = subprocess.run(  # noqa: S603 - fixed arguments, developer tool
        ["npm", "pack", spec, "--pack-destination", str(folder), "--json", "--silent"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"npm pack {spec} failed: {done.stderr.strip()}")
    filename = json.loads(done.stdout)[0]["filename"]
    data = (folder / filename).read_bytes()
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{spec}: tarball integrity {actual} != pinned {expected}")
    return data


def tar_members(data: bytes) -> dict[str, bytes]:
    """Regular files of an npm tarball, keyed by their path inside ``package/``."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                found[member.name.split("/", 1)[1]] = handle.read()
    return found


# -- TopoJSON → GeoJSON for the regional cut -----------------------------------------------------


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    scale = topology.get("transform", {}).get("scale", [1, 1])
    shift = topology.get("transform", {}).get("translate", [0, 0])
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + shift[0], y * scale[1] + shift[1]))
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    rounded: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, MAP_DECIMALS), round(lat, MAP_DECIMALS)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def _polygon(rings: list[list[int]], arcs: list[list[tuple[float, float]]]) -> list[Any]:
    return [r for r in (_ring(ring, arcs) for ring in rings) if len(r) >= 4]


def _centre(polygons: list[Any]) -> list[float]:
    """The area centroid of the largest polygon's outer ring (lon, lat)."""
    best: tuple[float, list[float]] = (0.0, [0.0, 0.0])
    for polygon in polygons:
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if area and abs(area) > best[0]:
            best = (abs(area), [round(cx / (3 * area), 2), round(cy / (3 * area), 2)])
    return best[1]


def regional_geojson(topology: dict[str, Any]) -> dict[str, Any]:
    """The REGION countries as a GeoJSON FeatureCollection with ISO3 and English/Russian names."""
    sys.path.insert(0, str(ROOT / "src"))
    import pycountry

    from dozor.domain.countries import get_country

    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = str(geometry.get("id") or "")
        match = pycountry.countries.get(numeric=numeric) if numeric else None
        if match is None or match.alpha_3 not in REGION:
            continue
        iso3 = match.alpha_3
        if geometry["type"] == "Polygon":
            polygons = [_polygon(geometry["arcs"], arcs)]
        else:
            polygons = [_polygon(p, arcs) for p in geometry["arcs"]]
        polygons = [p for p in polygons if p]
        country = get_country(iso3)
        features.append(
            {
                "type": "Feature",
                "id": iso3,
                "properties": {
                    "iso3": iso3,
                    "name_en": country.name_en,
                    "name_ru": country.name_ru,
                    "centre": ROUTE_POINTS.get(iso3) or _centre(polygons),
                },
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    features.sort(key=lambda f: f["id"])
    return {"type": "FeatureCollection", "features": features}


# -- checksums ------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendored_files() -> list[Path]:
    skip = {SUMS, MANIFEST}
    return sorted(p for p in VENDOR.rglob("*") if p.is_file() and p not in skip)


def write_sums() -> None:
    lines = [f"{sha256(p)}  {p.relative_to(VENDOR).as_posix()}" for p in vendored_files()]
    SUMS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def check() -> list[str]:
    """Problems of vendor/ against SHA256SUMS (empty when all is well)."""
    if not SUMS.exists():
        return [f"{SUMS} is missing: run scripts/vendor_frontend.py"]
    listed: dict[str, str] = {}
    for line in SUMS.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    problems = []
    present = {p.relative_to(VENDOR).as_posix(): p for p in vendored_files()}
    for name, digest in listed.items():
        if name not in present:
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif sha256(present[name]) != digest:
            problems.append(f"{name}: SHA-256 differs from SHA256SUMS")
    problems += [f"{name}: not listed in SHA256SUMS" for name in present if name not in listed]
    return problems


def refresh() -> None:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    manifest = []
    with tempfile.TemporaryDirectory(prefix="dozor-vendor-") as folder:
        for package in PACKAGES:
            members = tar_members(npm_pack(package, Path(folder)))
            for source, target in package.files.items():
                path = VENDOR / target
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(members[source])
            if package.name == MAP_SOURCE[0]:
                topology = json.loads(members[MAP_SOURCE[1]])
                geojson = json.dumps(regional_geojson(topology), separators=(",", ":"))
                (VENDOR / MAP_FILE).write_text(geojson, encoding="utf-8")
            manifest.append(
                {
                    "package": package.name,
                    "version": package.version,
                    "integrity": package.integrity,
                }
            )
            print(f"vendored {package.name}@{package.version}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    write_sums()
    problems = check()
    if problems:
        raise SystemExit("\n".join(problems))
    print(f"{len(vendored_files())} files in {VENDOR.relative_to(ROOT)}, SHA256SUMS written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="verify only, no network")
    args = parser.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "vendor/ matches SHA256SUMS")
        raise SystemExit(1 if problems else 0)
    refresh()


if __name__ == "__main__":
    main()
