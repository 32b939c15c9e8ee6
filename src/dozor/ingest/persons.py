"""From rows of the persons sheet to validated person drafts (DATA.md §6.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from dozor.domain.codes import Code
from dozor.domain.errors import InvalidValue
from dozor.domain.selectors import (
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_vin,
)
from dozor.domain.translit import detect_script, icao_latin, match_key
from dozor.domain.values import PartialDate, partial_date_from_native
from dozor.ingest.drafts import PersonDraft, SeizureDraft
from dozor.ingest.parsers import (
    code_parser,
    parse_country,
    parse_date_cached,
    parse_nationality,
)
from dozor.ingest.problems import Problem, shown
from dozor.ingest.readers import Cell, Sheet
from dozor.ingest.seizures import cell_text
from dozor.ingest.template import PERSON_COLUMNS, PERSON_REQUIRED, TEXT_LIMITS

SUSPECT_ROLES = frozenset({"courier", "driver", "organiser", "recipient", "sender"})
_DIGIT = re.compile(r"\d")


class PersonReader:
    """Validates person rows on their own; checks against the seizure come later."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.problems: list[Problem] = []
        self.roles: Callable[[str], Code] = code_parser("person_roles", "role")
        self.sexes: Callable[[str], Code] = code_parser("sexes", "sex")
        self.columns: list[tuple[int, str]] = []
        known = set(PERSON_COLUMNS)
        seen: set[str] = set()
        for index, raw in enumerate(sheet.header):
            name = raw.strip().lower()
            if name in known and name not in seen:
                self.columns.append((index, name))
                seen.add(name)
            elif name and not name.startswith("x_"):
                self._problem(1, raw, raw, "unknown_column")
        for name in PERSON_COLUMNS:
            if name in PERSON_REQUIRED and name not in seen:
                self._problem(1, name, "", "missing_column")

    def _problem(self, row: int, column: str, value: str, code: str, **params: Any) -> None:
        self.problems.append(self.sheet.problem(row, column, shown(value), code, **params))

    def read(self) -> dict[str, list[PersonDraft | int]]:
        """Person drafts by seizure_ref; an int in the list is an invalid row's number."""
        by_ref: dict[str, list[PersonDraft | int]] = {}
        for row, cells in self.sheet.rows:
            values = {name: cells[i] if i < len(cells) else None for i, name in self.columns}
            ref = cell_text(values.get("seizure_ref"))
            before = len(self.problems)
            if not ref:
                self._problem(row, "seizure_ref", "", "required_missing")
                continue
            draft = self._person(row, ref, values)
            if draft is None or len(self.problems) > before:
                by_ref.setdefault(ref, []).append(row)
            else:
                by_ref.setdefault(ref, []).append(draft)
        return by_ref

    def _text(self, row: int, name: str, values: dict[str, Cell], required: bool) -> str | None:
        text = cell_text(values.get(name))
        if not text:
            if required:
                self._problem(row, name, "", "required_missing")
            return None
        limit = TEXT_LIMITS.get(name)
        if limit is not None and len(text) > limit:
            self._problem(row, name, text, "too_long", length=len(text), limit=limit)
            return None
        return text

    def _parse(self, row: int, name: str, text: str, parser: Callable[[str], Any]) -> Any:
        try:
            return parser(text)
        except InvalidValue as error:
            self._problem(row, name, text, error.code, **error.params)
            return None

    def _person(self, row: int, ref: str, values: dict[str, Cell]) -> PersonDraft | None:
        role_text = self._text(row, "role", values, True)
        role = self._parse(row, "role", role_text, self.roles) if role_text else None
        names: dict[str, str | None] = {}
        for name in ("surname", "given_name", "patronymic"):
            text = self._text(row, name, values, name == "surname")
            if text and _DIGIT.search(text):
                self._problem(
                    row,
                    name,
                    text,
                    "out_of_range",
                    rule="a name contains no digits",
                    rule_ru="имя не может содержать цифр",
                )
                text = None
            names[name] = text
        dob = self._date_of_birth(row, values.get("date_of_birth"))
        sex_text = self._text(row, "sex", values, False)
        sex = self._parse(row, "sex", sex_text, self.sexes) if sex_text else None
        nat_text = self._text(row, "nationality", values, False)
        nationality = (
            self._parse(row, "nationality", nat_text, parse_nationality) if nat_text else None
        )
        surname = names["surname"]
        if role is None or surname is None:
            return None
        full = " ".join(n for n in (surname, names["given_name"], names["patronymic"]) if n)
        draft = PersonDraft(
            row=row,
            seizure_ref=ref,
            role=role.code,
            category="suspect" if role.code in SUSPECT_ROLES else "person_of_interest",
            surname=surname,
            given_name=names["given_name"],
            patronymic=names["patronymic"],
            script=detect_script(full),
            name_latin=icao_latin(full),
            match_key=match_key(" ".join(n for n in (surname, names["given_name"]) if n)),
            date_of_birth=dob,
            sex=sex.code if sex else None,
            nationality=nationality.iso3 if nationality else None,
        )
        self._documents(row, values, draft)
        return draft

    def _date_of_birth(self, row: int, raw: Cell) -> PartialDate | None:
        if isinstance(raw, date | datetime):
            return partial_date_from_native(raw)
        text = cell_text(raw)
        if not text:
            return None
        parsed: PartialDate | None = self._parse(row, "date_of_birth", text, parse_date_cached)
        return parsed

    def _pair(self, row: int, values: dict[str, Cell], a: str, b: str) -> tuple[str, str] | None:
        first, second = cell_text(values.get(a)), cell_text(values.get(b))
        if bool(first) != bool(second):
            missing = b if first else a
            self._problem(row, missing, "", "required_missing")
            return None
        return (first, second) if first else None

    def _documents(self, row: int, values: dict[str, Cell], draft: PersonDraft) -> None:
        passport = self._pair(row, values, "passport_country", "passport_number")
        if passport is not None:
            country = self._parse(row, "passport_country", passport[0], parse_country)
            if country is not None:
                norm = self._parse(
                    row,
                    "passport_number",
                    passport[1],
                    lambda t: normalise_passport(t, country.iso3),
                )
                if norm is not None:
                    draft.passport_country = country.iso3
                    draft.passport_number = passport[1]
                    draft.passport_norm = norm
        phone = cell_text(values.get("phone"))
        if phone:
            draft.phone_raw = phone
        plate = self._pair(row, values, "vehicle_plate", "vehicle_country")
        if plate is not None:
            country = self._parse(row, "vehicle_country", plate[1], parse_country)
            if country is not None:
                norm = self._parse(
                    row, "vehicle_plate", plate[0], lambda t: normalise_plate(t, country.iso3)
                )
                if norm is not None:
                    draft.plate, draft.plate_country, draft.plate_norm = (
                        plate[0],
                        country.iso3,
                        norm,
                    )
        vin = cell_text(values.get("vin"))
        if vin:
            draft.vin = self._parse(row, "vin", vin, normalise_vin)


def check_against_seizure(
    person: PersonDraft,
    seizure: SeizureDraft,
    sheet: Sheet,
    min_age: int,
    max_age: int,
) -> list[Problem]:
    """Checks that need the seizure: birth date against the seizure date, the phone region."""
    problems: list[Problem] = []
    country = seizure.agency.country if seizure.agency else None
    if person.phone_raw is not None:
        phone = normalise_phone(person.phone_raw, country)
        if not phone.valid:
            problems.append(
                sheet.problem(person.row, "phone", shown(person.phone_raw), "invalid_phone")
            )
        person.phone = phone
    dob, seized = person.date_of_birth, seizure.seized
    if dob is not None and seized is not None:
        raw = dob.iso()
        if dob.value > seized.value:
            problems.append(
                sheet.problem(
                    person.row,
                    "date_of_birth",
                    raw,
                    "out_of_range",
                    rule="after the seizure date",
                    rule_ru="позже даты изъятия",
                )
            )
        else:
            age = seized.value.year - dob.value.year
            if (seized.value.month, seized.value.day) < (dob.value.month, dob.value.day):
                age -= 1
            if not min_age <= age <= max_age:
                problems.append(
                    sheet.problem(
                        person.row,
                        "date_of_birth",
                        raw,
                        "out_of_range",
                        rule=f"age {age} is outside {min_age}-{max_age}",
                        rule_ru=f"возраст {age} вне пределов {min_age}-{max_age}",
                    )
                )
    return problems
