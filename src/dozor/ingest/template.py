"""The import template of DATA.md §6: its columns and which are required."""

from __future__ import annotations

SEIZURE_LEVEL_COLUMNS: tuple[str, ...] = (
    "seizure_ref",
    "reporting_country",
    "reporting_agency",
    "seizure_date",
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
    "origin_country",
    "departure_country",
    "destination_country",
    "transit_countries",
    "persons_arrested",
    "tlp",
    "distribution",
    "handling_code",
    "source_grade",
    "info_grade",
    "narrative",
)
ITEM_COLUMNS: tuple[str, ...] = ("drug", "quantity", "unit", "form", "purity_pct")

# The template's column order, as in DATA.md §6.1.
SEIZURE_COLUMNS: tuple[str, ...] = (
    *SEIZURE_LEVEL_COLUMNS[:10],
    *ITEM_COLUMNS,
    *SEIZURE_LEVEL_COLUMNS[10:],
)
SEIZURE_REQUIRED: frozenset[str] = frozenset(
    {
        "seizure_ref",
        "reporting_country",
        "reporting_agency",
        "seizure_date",
        "location_type",
        "drug",
        "quantity",
        "unit",
        "mode_of_transport",
    }
)

PERSON_COLUMNS: tuple[str, ...] = (
    "seizure_ref",
    "role",
    "surname",
    "given_name",
    "patronymic",
    "date_of_birth",
    "sex",
    "nationality",
    "passport_country",
    "passport_number",
    "phone",
    "vehicle_plate",
    "vehicle_country",
    "vin",
)
PERSON_REQUIRED: frozenset[str] = frozenset({"seizure_ref", "role", "surname"})

UNODC_COLUMNS: tuple[str, ...] = (
    "Region",
    "SubRegion",
    "Country",
    "DrugGroup",
    "DrugSubGroup",
    "DrugName",
    "Reference year",
    "Kilograms",
    "msCode",
)
UNODC_TITLE = "Drug seizures, 2018-2022"

# Columns whose values are free text, capped at these lengths.
TEXT_LIMITS: dict[str, int] = {
    "seizure_ref": 64,
    "settlement": 200,
    "admin_region": 100,
    "narrative": 4000,
    "surname": 100,
    "given_name": 100,
    "patronymic": 100,
}

# Columns that Dozor's own seizure export adds; derived, so the importer accepts and ignores them.
DERIVED_COLUMNS: tuple[str, ...] = ("drug_code", "drug_group", "quantity_kg_eq", "factor_version")
