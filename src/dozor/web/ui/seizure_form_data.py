"""The seizure form's data: posted fields ↔ the import template's record, and errors → fields.

The form posts flat fields (``seizure_ref``, ``items-0-drug``, ``legs-1-country``,
``persons-0-surname`` …). :func:`parse_form` turns them into a :class:`FormState`, whose
:meth:`FormState.body` is the JSON record that POST/PATCH ``/api/v1/seizures`` take; that record
goes through the import (ingest/records.py), and :func:`place_problems` puts each import error
next to the field it names, in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dozor.domain.codes import fold
from dozor.domain.countries import get_country
from dozor.domain.places import crossing_points
from dozor.ingest.problems import Problem
from dozor.ingest.template import ITEM_COLUMNS, PERSON_COLUMNS
from dozor.web.ui.i18n import N_

HEAD_FIELDS = (
    "seizure_ref",
    "location_type",
    "bcp",
    "admin_region",
    "settlement",
    "latitude",
    "longitude",
    "mode_of_transport",
    "conveyance_type",
    "direction",
    "concealment",
    "persons_arrested",
    "tlp",
    "distribution",
    "source_grade",
    "info_grade",
    "narrative",
)
PERSON_FIELDS = tuple(c for c in PERSON_COLUMNS if c != "seizure_ref")
LEG_ROLES = ("origin", "departure", "transit", "destination")
LEG_COLUMNS = {
    "origin": "origin_country",
    "departure": "departure_country",
    "transit": "transit_countries",
    "destination": "destination_country",
}
HANDLING_CODES = ("H0", "H1", "H2", "H3")
_ROW_FIELD = re.compile(r"^(items|legs|persons)-(\d{1,3})-([a-z_]+)$")
MAX_ROWS = 200

# Column of the import template → the label the form shows for it.
LABELS: dict[str, str] = {
    "seizure_ref": N_("Reference"),
    "reporting_country": N_("Reporting country"),
    "reporting_agency": N_("Agency"),
    "seizure_date": N_("Date of seizure"),
    "location_type": N_("Location"),
    "bcp": N_("Crossing point"),
    "admin_region": N_("Region"),
    "settlement": N_("Settlement"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "mode_of_transport": N_("Mode of transport"),
    "conveyance_type": N_("Conveyance"),
    "direction": N_("Direction"),
    "concealment": N_("Concealment"),
    "origin_country": N_("Country of origin"),
    "departure_country": N_("Country of departure"),
    "destination_country": N_("Country of destination"),
    "transit_countries": N_("Transit countries"),
    "persons_arrested": N_("Persons arrested"),
    "tlp": N_("TLP"),
    "distribution": N_("Distribution"),
    "handling_code": N_("Handling"),
    "source_grade": N_("Source grade"),
    "info_grade": N_("Information grade"),
    "narrative": N_("Narrative"),
    "drug": N_("Substance"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit"),
    "form": N_("Form"),
    "purity_pct": N_("Purity (per cent)"),
    "role": N_("Role"),
    "surname": N_("Surname"),
    "given_name": N_("Given name"),
    "patronymic": N_("Patronymic"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "nationality": N_("Nationality"),
    "passport_country": N_("Passport country"),
    "passport_number": N_("Passport number"),
    "phone": N_("Phone"),
    "vehicle_plate": N_("Vehicle plate"),
    "vehicle_country": N_("Vehicle country"),
    "vin": N_("VIN"),
    "country": N_("Country"),
}


@dataclass
class FormState:
    """What the form shows: the values, and the errors by field name (``general``: no field)."""

    head: dict[str, str] = field(default_factory=dict)
    day: str = ""
    time: str = ""
    handling: list[str] = field(default_factory=list)
    h3_text: str = ""
    items: list[dict[str, str]] = field(default_factory=lambda: [{}])
    legs: list[dict[str, str]] = field(default_factory=list)
    persons: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The record in the shape of POST /api/v1/seizures."""
        head = {k: v for k, v in self.head.items() if k in HEAD_FIELDS}
        if self.day:
            head["seizure_date"] = f"{self.day} {self.time}".strip()
        else:
            head["seizure_date"] = ""
        handling = [c if c != "H3" else f"H3:{self.h3_text.strip()}" for c in self.handling]
        head["handling_code"] = ";".join(handling)
        for role, column in LEG_COLUMNS.items():
            countries = [leg["country"] for leg in self.legs if leg["role"] == role]
            head[column] = ";".join(c for c in countries if c)
        items = [dict(item) for item in self.items] or [{}]
        body: dict[str, Any] = {"seizure": head, "items": items}
        if self.persons:  # an empty list is not a persons sheet the import can read
            body["persons"] = [dict(p) for p in self.persons]
        return body

    def add_error(self, name: str, text: str) -> None:
        self.errors.setdefault(name, []).append(text)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general)


def _rows(form: Mapping[str, str], group: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """The posted rows of ``group`` in the order of their indexes.

    Blank rows are kept (an empty item or person is an error the user sees next to it), so
    the n-th row here is the n-th row on the page, where the script numbers rows 0, 1, 2 ….
    """
    by_index: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = _ROW_FIELD.match(key)
        if match and match.group(1) == group and match.group(3) in names:
            by_index.setdefault(int(match.group(2)), {})[match.group(3)] = value.strip()
    rows = [by_index[i] for i in sorted(by_index)][:MAX_ROWS]
    return [{n: r.get(n, "") for n in names} for r in rows]


def parse_form(form: Mapping[str, str], handling: list[str]) -> FormState:
    """The posted form (``handling``: the ticked handling codes) as a :class:`FormState`."""
    state = FormState(
        head={name: str(form.get(name) or "").strip() for name in HEAD_FIELDS},
        day=str(form.get("seizure_day") or "").strip(),
        time=str(form.get("seizure_time") or "").strip(),
        handling=[c for c in HANDLING_CODES if c in handling],
        h3_text=str(form.get("h3_text") or "").strip(),
    )
    state.items = _rows(form, "items", ITEM_COLUMNS) or [dict.fromkeys(ITEM_COLUMNS, "")]
    state.legs = _rows(form, "legs", ("role", "country"))
    for leg in state.legs:
        if leg["role"] not in LEG_ROLES:
            leg["role"] = "transit"
    state.persons = _rows(form, "persons", PERSON_FIELDS)
    return state


def _country_name(iso3: str, lang: str) -> str:
    try:
        return get_country(iso3).name(lang)
    except KeyError:
        return iso3


def from_record(
    record: dict[str, Any], vehicles: dict[str, dict[str, str]], lang: str
) -> FormState:
    """A stored seizure (as read through the policy) as the edit form's values.

    ``vehicles`` maps a person's id to the plate, plate country and VIN of the vehicle linked
    to them, so that saving the form keeps those.
    """
    from dozor.reports.exports import template_view

    head, items, _persons = template_view(record)
    points = {p.code: p for p in crossing_points()}
    state = FormState(head={name: str(head.get(name, "")) for name in HEAD_FIELDS})
    if record.get("bcp_code") in points:
        state.head["bcp"] = points[record["bcp_code"]].name(lang)
    seized = str(head.get("seizure_date") or "")
    state.day, _, state.time = seized.partition(" ")
    for code in str(head.get("handling_code") or "").split(";"):
        name, _, text = code.partition(":")
        if name in HANDLING_CODES:
            state.handling.append(name)
            if name == "H3":
                state.h3_text = text
    state.items = [{c: str(item.get(c, "")) for c in ITEM_COLUMNS} for item in items] or [{}]
    state.legs = [
        {"role": leg["role"], "country": _country_name(leg["country"], lang)}
        for leg in record.get("route_legs", [])
    ]
    for person in record.get("persons", []):
        row = {
            "role": person["role"],
            "surname": person["surname"],
            "given_name": person.get("given_name") or "",
            "patronymic": person.get("patronymic") or "",
            "date_of_birth": str(person.get("date_of_birth") or ""),
            "sex": person.get("sex") or "",
            "nationality": person.get("nationality") or "",
        }
        if person.get("phones"):
            row["phone"] = person["phones"][0]["raw"]
        if person.get("documents"):
            row["passport_country"] = person["documents"][0]["issuing_country"]
            row["passport_number"] = person["documents"][0]["number"]
        row.update(vehicles.get(person["id"], {}))
        for key in ("nationality", "passport_country", "vehicle_country"):
            if row.get(key):
                row[key] = _country_name(row[key], lang)
        state.persons.append({n: row.get(n, "") for n in PERSON_FIELDS})
    return state


def _leg_field(state: FormState, column: str, value: str) -> str | None:
    role = next(r for r, c in LEG_COLUMNS.items() if c == column)
    wanted = fold(value)
    indexes = [i for i, leg in enumerate(state.legs) if leg["role"] == role]
    for index in indexes:
        if fold(state.legs[index]["country"]) == wanted or wanted in fold(
            state.legs[index]["country"]
        ):
            return f"legs-{index}-country"
    return f"legs-{indexes[0]}-country" if indexes else None


def field_of(state: FormState, problem: Problem) -> str | None:
    """The form field an import problem is about; None when it names no field of the form."""
    column, row = problem.column, problem.row
    if not column or row < 2:
        return None
    if problem.sheet == "persons":
        index = row - 2
        if column in PERSON_FIELDS and index < len(state.persons):
            return f"persons-{index}-{column}"
        return None
    if column in ITEM_COLUMNS:
        return f"items-{row - 2}-{column}" if row - 2 < len(state.items) else None
    if column == "seizure_date":
        return "seizure_day"
    if column == "handling_code":
        return "handling"
    if column in LEG_COLUMNS.values():
        return _leg_field(state, column, problem.value)
    return column if column in HEAD_FIELDS else None


def place_problems(state: FormState, problems: list[Problem], lang: str, gettext: Any) -> None:
    """Attach each problem's reason (in ``lang``) to its field, or to ``general``."""
    for problem in problems:
        reason = problem.reason(lang)
        name = field_of(state, problem)
        if name is not None:
            state.add_error(name, reason)
            continue
        label = LABELS.get(problem.column)
        state.general.append(f"{gettext(label)}: {reason}" if label else reason)
