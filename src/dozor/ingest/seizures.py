"""From rows of the seizures sheet to validated seizure drafts (DATA.md §6.1).

Rows sharing a ``seizure_ref`` form one seizure. The assembler is fed rows in file order and
hands back each seizure once its group is complete, so that a file of a million rows streams
through without being held in memory; rows of one seizure that are not adjacent are detected
and reported to the caller, which then groups the whole file first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dozor.domain.codes import Code
from dozor.domain.countries import Country
from dozor.domain.errors import InvalidValue
from dozor.domain.geo import within_country
from dozor.domain.markings import tlp_distribution_violation
from dozor.domain.places import COUNTRY_TIMEZONES
from dozor.domain.values import PartialDate, partial_date_from_native
from dozor.ingest.context import JobContext
from dozor.ingest.drafts import ItemDraft, SeizureDraft
from dozor.ingest.parsers import seizure_parsers
from dozor.ingest.problems import Problem, shown
from dozor.ingest.readers import Cell, Sheet
from dozor.ingest.template import (
    DERIVED_COLUMNS,
    ITEM_COLUMNS,
    SEIZURE_COLUMNS,
    SEIZURE_REQUIRED,
)

SEIZURE_LEVEL_REQUIRED = SEIZURE_REQUIRED - set(ITEM_COLUMNS) - {"seizure_ref"}
HEROIN_CODES = {"heroin": Decimal(1)}


class NotContiguous(Exception):
    """Rows of one seizure are not adjacent in the file."""


def cell_text(value: Cell) -> str:
    """A cell as trimmed text; XLSX numbers keep their shortest exact form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class SeizureAssembler:
    """Validates seizure rows and yields complete seizure drafts."""

    def __init__(self, sheet: Sheet, context: JobContext, *, contiguous: bool = True) -> None:
        self.sheet = sheet
        self.context = context
        self.contiguous = contiguous
        self.problems: list[Problem] = []
        self.parsers: dict[str, Callable[[str], Any]] = seizure_parsers()
        self.columns = self._map_columns(sheet.header)
        self._plan()
        self._current: SeizureDraft | None = None
        self._done_refs: set[str] = set()

    # -- header ---------------------------------------------------------------------------
    def _map_columns(self, header: list[str]) -> list[tuple[int, str]]:
        known = set(SEIZURE_COLUMNS)
        mapped: list[tuple[int, str]] = []
        seen: set[str] = set()
        for index, raw in enumerate(header):
            name = raw.strip().lower()
            if name in known and name not in seen:
                mapped.append((index, name))
                seen.add(name)
            elif name and not name.startswith("x_") and name not in DERIVED_COLUMNS:
                self._problem(1, raw, raw, "unknown_column")
        for name in SEIZURE_COLUMNS:
            if name in SEIZURE_REQUIRED and name not in seen:
                self._problem(1, name, "", "missing_column")
        return mapped

    @property
    def header_ok(self) -> bool:
        return not self.problems

    def _problem(self, row: int, column: str, value: str, code: str, **params: Any) -> None:
        self.problems.append(self.sheet.problem(row, column, shown(value), code, **params))

    # -- rows -----------------------------------------------------------------------------
    def _plan(self) -> None:
        """Per-column work, decided once: rows are many, columns few."""
        self._ref_index = next((i for i, n in self.columns if n == "seizure_ref"), -1)
        self._level = [
            (i, n, self.parsers.get(n))
            for i, n in self.columns
            if n not in ITEM_COLUMNS and n != "seizure_ref"
        ]
        self._items = {n: i for i, n in self.columns if n in ITEM_COLUMNS}
        self._agencies: dict[str, Any] = {}

    def feed(self, row: int, cells: list[Cell]) -> Iterator[SeizureDraft]:
        """Take one row; yield the previous seizure when this row starts a new one."""
        raw_ref = cells[self._ref_index] if 0 <= self._ref_index < len(cells) else None
        ref = raw_ref.strip() if raw_ref.__class__ is str else cell_text(raw_ref)
        if not ref:
            self._problem(row, "seizure_ref", "", "required_missing")
            return
        current = self._current
        if current is None or current.ref != ref:
            if ref in self._done_refs and self.contiguous:
                raise NotContiguous(ref)
            if current is not None:
                self._done_refs.add(current.ref)
                yield self.finish(current)
            current = SeizureDraft(ref=ref, first_row=row)
            self._current = current
        current.rows.append(row)
        self._row(current, row, cells)

    def close(self) -> Iterator[SeizureDraft]:
        """Yield the last seizure."""
        if self._current is not None:
            self._done_refs.add(self._current.ref)
            yield self.finish(self._current)
            self._current = None

    def _row(self, draft: SeizureDraft, row: int, cells: list[Cell]) -> None:
        before = len(self.problems)
        stored = draft.values
        width = len(cells)
        for index, name, parse in self._level:
            raw = cells[index] if index < width else None
            if raw is None:
                continue
            if raw.__class__ is str:
                text = raw.strip()
                if not text:
                    continue
            elif name == "seizure_date" and isinstance(raw, date | datetime):
                self._keep(draft, row, name, cell_text(raw), partial_date_from_native(raw))
                continue
            else:
                text = cell_text(raw)
            if parse is None:  # reporting_agency
                parsed = self._agencies.get(text) or self._agency(row, text)
                if parsed is None:
                    continue
            else:
                try:
                    parsed = parse(text)
                except InvalidValue as error:
                    self._problem(row, name, text, error.code, **error.params)
                    continue
            earlier = stored.get(name)
            if earlier is None:
                stored[name] = (parsed, row, text)
            elif earlier[0] is not parsed and earlier[0] != parsed:
                self._problem(
                    row,
                    name,
                    text,
                    "conflicting_seizure_value",
                    first=earlier[2],
                    first_row=earlier[1],
                )
        if row == draft.first_row:
            try:  # seizure_ref is never parsed with the other columns; its limit is 64
                self.parsers["seizure_ref"](draft.ref)
            except InvalidValue as error:
                self._problem(row, "seizure_ref", draft.ref, error.code, **error.params)
            for name in SEIZURE_LEVEL_REQUIRED:
                if name not in stored and not self._failed(before, row, name):
                    self._problem(row, name, "", "required_missing")
        item = self._item(row, cells)
        if item is not None:
            draft.items.append(item)
        if len(self.problems) > before:
            draft.invalid = True

    def _failed(self, since: int, row: int, column: str) -> bool:
        return any(p.row == row and p.column == column for p in self.problems[since:])

    def _keep(self, draft: SeizureDraft, row: int, name: str, text: str, parsed: Any) -> None:
        earlier = draft.values.get(name)
        if earlier is None:
            draft.values[name] = (parsed, row, text)
        elif earlier[0] != parsed:
            self._problem(
                row, name, text, "conflicting_seizure_value", first=earlier[2], first_row=earlier[1]
            )

    def _agency(self, row: int, text: str) -> Any:
        agency = self.context.find_agency(text)
        if agency is None:
            self._problem(row, "reporting_agency", text, "unknown_code", what="agency")
            return None
        only = self.context.only_agency
        if only is not None and agency.id != only.id:
            self._problem(row, "reporting_agency", text, "agency_mismatch", expected=only.code)
            return None
        if not self.context.importer.may_import_for(agency):
            self._problem(row, "reporting_agency", text, "not_member_of_agency")
            return None
        self._agencies[text] = agency
        return agency

    def _item(self, row: int, cells: list[Cell]) -> ItemDraft | None:
        parsed: dict[str, Any] = {}
        ok = True
        width = len(cells)
        for name in ITEM_COLUMNS:
            index = self._items.get(name, width)
            text = cell_text(cells[index] if index < width else None)
            if not text:
                if name in SEIZURE_REQUIRED:
                    self._problem(row, name, "", "required_missing")
                    ok = False
                continue
            try:
                parsed[name] = self.parsers[name](text)
            except InvalidValue as error:
                self._problem(row, name, text, error.code, **error.params)
                ok = False
                continue
            parsed[name + "_text"] = text
        found: Code | None = parsed.get("drug")
        if found is not None and found.attrs.get("category") == "not_a_drug":
            self._problem(row, "drug", parsed["drug_text"], "not_a_drug")
            return None
        if not ok:
            return None
        drug: Code = parsed["drug"]
        unit: Code = parsed["unit"]
        allowed = drug.attrs.get("allowed_units")
        if allowed and unit.code not in allowed:
            self._problem(
                row,
                "unit",
                parsed["unit_text"],
                "unit_not_allowed",
                drug=drug.label_en,
                drug_ru=drug.label_ru,
            )
            return None
        form: Code | None = parsed.get("form")
        return ItemDraft(
            row=row,
            substance_code=drug.code,
            drug_group=drug.attrs.get("drug_group"),
            reported_name=parsed["drug_text"],
            identification="unidentified" if drug.code == "unidentified" else "presumptive",
            quantity=parsed["quantity"],
            quantity_text=parsed["quantity_text"],
            unit=unit.code,
            form=form.code if form else None,
            purity_pct=parsed.get("purity_pct"),
        )

    # -- whole seizure --------------------------------------------------------------------
    def finish(self, draft: SeizureDraft) -> SeizureDraft:
        """Cross-field checks and derived values, once all rows of a seizure are in."""
        before = len(self.problems)
        values = {name: value[0] for name, value in draft.values.items()}
        first = draft.first_row
        agency = values.get("reporting_agency")
        country: Country | None = values.get("reporting_country")
        draft.agency = agency
        if agency is not None and country is not None and agency.country != country.iso3:
            self._problem(
                first,
                "reporting_country",
                draft.values["reporting_country"][2],
                "agency_mismatch",
                expected=f"the country of {agency.code} ({agency.country})",
                expected_ru=f"стране ведомства {agency.code} ({agency.country})",
            )
        iso3 = country.iso3 if country else None
        seized: PartialDate | None = values.get("seizure_date")
        if seized is not None and iso3 is not None:
            self._check_date(draft, seized, iso3)
        self._check_place(draft, values, iso3)
        self._check_marking(draft, values)
        if iso3 is not None:
            for item in draft.items:
                self._convert(item, iso3)
        draft.legs = _route_legs(values)
        if len(self.problems) > before:
            draft.invalid = True
        return draft

    def _check_date(self, draft: SeizureDraft, seized: PartialDate, country: str) -> None:
        raw = draft.values["seizure_date"][2]
        row = draft.values["seizure_date"][1]
        if seized.value.date() > self.context.today_in(country):
            self._problem(row, "seizure_date", raw, "future_date")
            return
        if seized.value.year < self.context.earliest_year:
            self._problem(
                row,
                "seizure_date",
                raw,
                "out_of_range",
                rule=f"not before {self.context.earliest_year}",
                rule_ru=f"не ранее {self.context.earliest_year} года",
            )
            return
        draft.seized = seized
        draft.tz = COUNTRY_TIMEZONES.get(country, "UTC")
        draft.seized_at = seized.value.replace(tzinfo=ZoneInfo(draft.tz)).astimezone(UTC)

    def _check_place(self, draft: SeizureDraft, values: dict[str, Any], iso3: str | None) -> None:
        first = draft.first_row
        location: Code | None = values.get("location_type")
        bcp = values.get("bcp")
        if location is not None and location.code.startswith("bcp_") and bcp is None:
            if "bcp" not in draft.values and not self._failed(0, first, "bcp"):
                self._problem(first, "bcp", "", "required_missing")
        if bcp is not None and iso3 is not None and bcp.country != iso3:
            raw = draft.values["bcp"][2]
            self._problem(
                draft.values["bcp"][1],
                "bcp",
                raw,
                "unknown_bcp",
                country=iso3,
                hint=f"; it is a crossing point of {bcp.country}",
                hint_ru=f"; это пункт пропуска страны {bcp.country}",
            )
        lat, lon = values.get("latitude"), values.get("longitude")
        if (lat is None) != (lon is None):
            name = "longitude" if lat is not None else "latitude"
            given = draft.values.get("latitude") or draft.values.get("longitude")
            self._problem(
                given[1] if given else first,
                name,
                "",
                "invalid_coordinates",
                rule="latitude and longitude go together",
            )
            return
        if lat is None or lon is None:
            return
        row = draft.values["latitude"][1]
        if not -90 <= lat <= 90:
            self._problem(
                row,
                "latitude",
                str(lat),
                "invalid_coordinates",
                rule="latitude must be within -90..90",
            )
            return
        if not -180 <= lon <= 180:
            self._problem(
                row,
                "longitude",
                str(lon),
                "invalid_coordinates",
                rule="longitude must be within -180..180",
            )
            return
        if iso3 is None:
            return
        tolerance = self.context.coordinate_tolerance_km
        if within_country(lat, lon, iso3, tolerance) is False:
            swapped = within_country(lon, lat, iso3, tolerance)
            rule = f"more than {tolerance:g} km outside {iso3}"
            rule_ru = f"более чем в {tolerance:g} км за пределами {iso3}"
            if swapped:
                rule += "; latitude and longitude seem swapped"
                rule_ru += "; похоже, широта и долгота перепутаны"
            self._problem(
                row, "latitude", f"{lat}, {lon}", "invalid_coordinates", rule=rule, rule_ru=rule_ru
            )

    def _check_marking(self, draft: SeizureDraft, values: dict[str, Any]) -> None:
        draft.tlp = values.get("tlp") or self.context.default_tlp
        draft.distribution = values.get("distribution") or self.context.default_distribution
        handling = values.get("handling_code")
        if handling is not None:
            codes, draft.h3_text = handling
            draft.handling = ";".join(sorted(codes))
        problem = tlp_distribution_violation(draft.tlp, draft.distribution)
        if problem:
            column = "tlp" if "tlp" in draft.values else "distribution"
            cell = draft.values.get(column)
            self._problem(
                cell[1] if cell else draft.first_row,
                column,
                cell[2] if cell else draft.tlp,
                "marking_conflict",
                rule=problem,
                rule_ru=f"TLP:{draft.tlp} не допускает распространение {draft.distribution}",
            )

    def _convert(self, item: ItemDraft, country: str) -> None:
        table = self.context.conversion
        rule = table.find(item.substance_code, item.drug_group, item.unit, item.form, country)
        item.table_version = table.version
        if rule is None:
            return
        item.factor = rule.kg_per_unit
        item.rule_id = rule.id
        item.kg_eq = item.quantity * rule.kg_per_unit
        if item.kg_eq > self.context.max_item_kg_eq:
            self._problem(
                item.row,
                "quantity",
                item.quantity_text,
                "out_of_range",
                rule=f"more than {self.context.max_item_kg_eq:,} kg-equivalent",
                rule_ru=f"более {self.context.max_item_kg_eq:,} кг-эквивалента",
            )
        if item.purity_pct is not None:
            item.pure_kg = item.kg_eq * item.purity_pct / 100
        if item.substance_code == "heroin":
            item.heroin_eq_kg = item.kg_eq
        elif item.substance_code == "opium":
            item.heroin_eq_kg = item.kg_eq * table.heroin_eq_opium_factor


def _route_legs(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Route legs in travel order: origin → departure → transits → destination."""
    legs: list[tuple[str, str]] = []
    if values.get("origin_country"):
        legs.append(("origin", values["origin_country"].iso3))
    if values.get("departure_country"):
        legs.append(("departure", values["departure_country"].iso3))
    for iso3 in values.get("transit_countries") or ():
        legs.append(("transit", iso3))
    if values.get("destination_country"):
        legs.append(("destination", values["destination_country"].iso3))
    return legs
