"""Synthetic seizures and persons in the import template of DATA.md §6.

``generate`` streams :class:`DemoSeizure` objects in date order; ``write_template_csv`` writes them
as the seizures and persons CSV files of the template. Output is deterministic for a given
``(n_seizures, seed, start, end)``.
"""

from __future__ import annotations

import csv
from bisect import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from dozor.demo import world
from dozor.demo.drugs import (
    COUNTRY_ACCENT,
    DRUGS,
    NPS,
    NPS_COUNTRY,
    SCENARIOS,
    nps_year_factor,
    trend_factor,
)
from dozor.demo.narrative import narrative
from dozor.demo.people import PERSON_NATIONALITIES, Population
from dozor.demo.place import Place, Places, render_quantity
from dozor.demo.rand import Rng
from dozor.ingest.template import ITEM_COLUMNS as TEMPLATE_ITEM_COLUMNS
from dozor.ingest.template import PERSON_COLUMNS as PERSON_COLUMNS
from dozor.ingest.template import SEIZURE_COLUMNS as SEIZURE_COLUMNS

# The template's columns: the generator writes exactly what the importer reads.
ITEM_COLUMNS = frozenset(TEMPLATE_ITEM_COLUMNS)

_SUSPECT_ROLES = frozenset({"courier", "driver", "organiser", "recipient", "sender"})
_HANDLING = (
    ("H0", 72),
    ("", 6),
    ("H2", 12),
    ("H1", 4),
    ("H1;H3:Not for court without consent", 3),
    ("H2;H3:Не передавать третьим сторонам без согласия", 3),
)
_GRADES_4X4 = ("A", "B", "B", "B", "C", "C", "X", "")
_INFO_4X4 = ("1", "2", "2", "3", "3", "3", "4", "")


@dataclass(frozen=True, slots=True)
class DemoSeizure:
    """One synthetic seizure: its template rows and the hidden identities of its persons."""

    seizure_rows: list[dict[str, str]]
    person_rows: list[dict[str, str]]
    truth_person_ids: list[str]


def generate(
    n_seizures: int, *, seed: int = 1, start: date = date(2018, 1, 1), end: date | None = None
) -> Iterator[DemoSeizure]:
    """Stream ``n_seizures`` synthetic seizures dated in ``[start, end]``, oldest first.

    ``end`` defaults to today and is clipped to today, so no date is in the future.
    """
    today = date.today()
    end = min(end or today, today)
    if n_seizures < 0:
        raise ValueError("n_seizures must be >= 0")
    if start.year < 1990:
        raise ValueError("start must not be before 1990")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    return _Generator(seed, start, end, today).run(n_seizures)


def write_template_csv(
    seizures: Iterable[DemoSeizure], seizures_path: Path, persons_path: Path | None
) -> tuple[int, int]:
    """Write the template's seizures (and persons) CSV files; return the row counts."""
    n_s = n_p = 0
    with seizures_path.open("w", encoding="utf-8", newline="") as fs:
        ws = csv.writer(fs)
        ws.writerow(SEIZURE_COLUMNS)
        fp = persons_path.open("w", encoding="utf-8", newline="") if persons_path else None
        try:
            wp = csv.writer(fp) if fp else None
            if wp:
                wp.writerow(PERSON_COLUMNS)
            for s in seizures:
                ws.writerows([r[c] for c in SEIZURE_COLUMNS] for r in s.seizure_rows)
                n_s += len(s.seizure_rows)
                if wp:
                    wp.writerows([r[c] for c in PERSON_COLUMNS] for r in s.person_rows)
                    n_p += len(s.person_rows)
        finally:
            if fp:
                fp.close()
    return n_s, n_p


Table = tuple[tuple[str, ...], list[float]]


def _table(pairs: Iterable[tuple[str, float]]) -> Table:
    items = [(k, w) for k, w in pairs if w > 0]
    return tuple(k for k, _ in items), list(accumulate(w for _, w in items))


class _Generator:
    def __init__(self, seed: int, start: date, end: date, today: date) -> None:
        self.rng = Rng(f"dozor-demo/{seed}")
        self.start, self.today = start, today
        n_days = (end - start).days + 1
        self.day_cum = list(
            accumulate(self._intensity(start + timedelta(d)) for d in range(n_days))
        )
        self.countries = _table(zip(world.COUNTRIES, world.COUNTRY_WEIGHTS, strict=True))
        self.mixes: dict[tuple[str, str, int, int], Table] = {}
        self.counters: dict[tuple[str, int], int] = {}
        self.people = Population(self.rng)
        self.places = Places(self.rng)

    @staticmethod
    def _intensity(d: date) -> float:
        trend = 1.0 + 0.05 * (d.year - 2018)
        covid = 0.65 if d.year == 2020 and 4 <= d.month <= 8 else 1.0
        weekday = (1.05, 1.05, 1.05, 1.05, 1.0, 0.9, 0.8)[d.weekday()]
        return max(trend, 0.3) * covid * weekday * world.ALL_SEIZURES[d.month - 1]

    def _mix(self, scenario: str, country: str, year: int, month: int) -> Table:
        key = (scenario, country, year, month)
        hit = self.mixes.get(key)
        if hit is None:
            base = SCENARIOS[scenario]
            accent = COUNTRY_ACCENT[country] if scenario in ("inland", "field") else {}
            weights: dict[str, float] = {}
            for code, w in base.items():
                if code != "NPS_TOTAL":
                    season = DRUGS[code].season[month - 1]
                    weights[code] = w * season * accent.get(code, 1.0) * trend_factor(code, year)
            total = base.get("NPS_TOTAL", 0.0) * nps_year_factor(year) * NPS_COUNTRY[country]
            nps_w = {c: w for c, (since, w) in NPS.items() if year >= since}
            for code in ("mephedrone", "alpha_pvp"):  # stimulants dominate; sporadic at first
                if code in nps_w:
                    nps_w[code] *= 1.0 + 0.1 * max(0, year - 2020)
            scale = total / sum(nps_w.values()) if nps_w else 0.0
            for code, w in nps_w.items():
                first = 0.3 if year == NPS[code][0] else 1.0
                weights[code] = weights.get(code, 0.0) + w * scale * first
            hit = _table(weights.items())
            self.mixes[key] = hit
        return hit

    def run(self, n: int) -> Iterator[DemoSeizure]:
        rng = self.rng
        total = self.day_cum[-1] if self.day_cum else 0.0
        for i in range(n):
            day = bisect(self.day_cum, (i + rng.random()) / n * total)
            when = self.start + timedelta(days=min(day, len(self.day_cum) - 1))
            yield self._seizure(when)

    def _seizure(self, when: date) -> DemoSeizure:
        rng = self.rng
        r = rng.random
        codes, cum = self.countries
        country = codes[bisect(cum, r() * cum[-1])]
        place = self.places.pick(country)
        # Items: distinct drugs from the scenario mix of this place and month.
        mix_codes, mix_cum = self._mix(place.scenario, country, when.year, when.month)
        n_items = 1 if r() < 0.88 else (2 if r() < 0.75 else 3)
        drugs: list[str] = []
        for _ in range(n_items * 3):
            code = mix_codes[bisect(mix_cum, r() * mix_cum[-1])]
            if code not in drugs and (code != "cannabis_plants" or place.location == "open_area"):
                drugs.append(code)
                if len(drugs) == n_items:
                    break
        if not drugs:
            drugs.append("cannabis_herb")
        first = DRUGS[drugs[0]]
        transport = self.places.transport(place, first.family)
        route = self.places.route(place, first.family, country)
        # Reference, date and people.
        year = when.year
        counter = self.counters.get((place.agency, year), 0) + 1
        self.counters[(place.agency, year)] = counter
        ref = f"{place.agency}/{year}/{counter:06d}"
        person_rows: list[dict[str, str]] = []
        truth: list[str] = []
        nationalities: list[str] = []
        if r() < Places.person_share(place.location):
            roles = Places.roles(place.location, transport[1])
            k = r()
            n_people = 1 if k < 0.6 else 2 if k < 0.85 else 3 if k < 0.95 else 4 if k < 0.99 else 5
            seen: set[str] = set()
            for j in range(n_people):
                nat = self._nationality(country, place, route.path)
                person = self.people.pick(nat, when, seen)
                seen.add(person.pid)
                role = roles[0] if j == 0 else rng.pick(roles[1:])
                person_rows.append(self.people.row(person, ref, role, country, transport[1]))
                truth.append(person.pid)
                nationalities.append(person.nationality)
            arrested = sum(1 for p in person_rows if p["role"] in _SUSPECT_ROLES)
        else:
            arrested = (0, 0, 1, 1, 1, 1, 2, 3)[rng.below(8)]
        comma = r() < 0.2
        items = [render_quantity(rng, DRUGS[c], place, transport, comma) for c in drugs]
        text = ""
        if r() < 0.55:
            text = narrative(
                rng,
                items=[
                    (DRUGS[c].label_ru, DRUGS[c].label_en, q, u)
                    for c, (q, u, _, _) in zip(drugs, items, strict=True)
                ],
                place_ru=place.text_ru,
                place_en=place.text_en,
                conveyance=transport[1],
                concealment=transport[2].split(";")[0],
                origin=route.origin or route.departure,
                destination=route.destination,
                person=person_rows[0] if person_rows else None,
                nationality=nationalities[0] if nationalities else "",
            )
        row0 = {
            "seizure_ref": ref,
            "reporting_country": country,
            "reporting_agency": place.agency,
            "seizure_date": self._date_text(when),
            "location_type": place.location,
            "bcp": place.bcp,
            "admin_region": place.region,
            "settlement": place.settlement,
            "latitude": place.lat,
            "longitude": place.lon,
            "drug": drugs[0],
            "quantity": items[0][0],
            "unit": items[0][1],
            "form": items[0][2],
            "purity_pct": items[0][3],
            "mode_of_transport": transport[0],
            "conveyance_type": transport[1],
            "direction": route.direction,
            "concealment": transport[2],
            "origin_country": route.origin,
            "departure_country": route.departure,
            "destination_country": route.destination,
            "transit_countries": route.transit,
            "persons_arrested": str(arrested) if r() < 0.85 else "",
            **self._marking(),
            "narrative": text,
        }
        rows = [row0]
        blank = r() < 0.4
        for code, (q, u, form, purity) in zip(drugs[1:], items[1:], strict=True):
            row = dict.fromkeys(SEIZURE_COLUMNS, "") if blank else dict(row0)
            row["seizure_ref"] = ref
            row.update(drug=code, quantity=q, unit=u, form=form, purity_pct=purity)
            rows.append(row)
        return DemoSeizure(rows, person_rows, truth)

    def _nationality(self, country: str, place: Place, path: tuple[str, ...]) -> str:
        k = self.rng.random()
        if k < 0.65:
            return country
        if k < 0.9:
            near = [c for c in (place.counterpart, *path) if c in PERSON_NATIONALITIES]
            if near:
                return self.rng.pick(near)
        return self.rng.pick(PERSON_NATIONALITIES)

    def _date_text(self, when: date) -> str:
        r = self.rng.random
        text = when.isoformat() if r() < 0.8 else when.strftime("%d.%m.%Y")
        minute = self.rng.between(6 * 60, 24 * 60 - 1)
        if r() < 0.15 and when < self.today:
            text += f" {minute // 60:02d}:{minute % 60:02d}"
        return text

    def _marking(self) -> dict[str, str]:
        rng = self.rng
        k = rng.random()
        # Most records are meant for the region: sharing is what the programme is for.
        if k < 0.45:
            tlp, dist = "AMBER", ("org", "national", "national", "national", "")[rng.below(5)]
        elif k < 0.95:
            tlp, dist = "GREEN", ("national", "region", "region", "region")[rng.below(4)]
        elif k < 0.98:
            tlp, dist = "RED", "org"
        else:
            tlp, dist = "", ("org", "national", "")[rng.below(3)]
        if tlp and rng.random() < 0.03:
            tlp = "TLP:" + tlp
        k = rng.random() * 100
        handling = ""
        for code, w in _HANDLING:
            k -= w
            if k < 0:
                handling = code
                break
        k = rng.random()
        if k < 0.8:
            src, info = rng.pick(_GRADES_4X4), rng.pick(_INFO_4X4)
        elif k < 0.9:
            src, info = "5x5x5:" + rng.pick("ABBCCD"), "5x5x5:" + rng.pick("1223345")
        elif k < 0.95:
            src, info = "3x5x2:" + rng.pick("1123"), "3x5x2:" + rng.pick("ABBCD")
        else:
            src = info = ""
        return {
            "tlp": tlp,
            "distribution": dist,
            "handling_code": handling,
            "source_grade": src,
            "info_grade": info,
        }
