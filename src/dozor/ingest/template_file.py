"""The downloadable import template: both sheets, an example row, allowed values in en/ru."""

from __future__ import annotations

from pathlib import Path

from dozor.domain.codes import code_list
from dozor.ingest.template import PERSON_COLUMNS, SEIZURE_COLUMNS

EXAMPLE_SEIZURE = {
    "seizure_ref": "KAZ-CUSTOMS/2024/000001",
    "reporting_country": "KAZ",
    "reporting_agency": "KAZ-CUSTOMS",
    "seizure_date": "2024-05-14 09:30",
    "location_type": "bcp_road",
    "bcp": "zhibek_zholy",
    "drug": "героин",
    "quantity": "12,5",
    "unit": "кг",
    "form": "powder",
    "mode_of_transport": "road",
    "conveyance_type": "truck",
    "direction": "import",
    "concealment": "vehicle_built_compartment",
    "origin_country": "AFG",
    "transit_countries": "TJK;UZB",
    "destination_country": "RUS",
    "persons_arrested": "1",
    "tlp": "AMBER",
    "distribution": "national",
    "handling_code": "H0",
}
EXAMPLE_PERSON = {
    "seizure_ref": "KAZ-CUSTOMS/2024/000001",
    "role": "driver",
    "surname": "Юсупов",
    "given_name": "Бахтиёр",
    "date_of_birth": "12.03.1985",
    "sex": "M",
    "nationality": "UZB",
    "passport_country": "UZB",
    "passport_number": "AB1234567",
    "phone": "+998 90 123 45 67",
    "vehicle_plate": "01 A 123 BC",
    "vehicle_country": "UZB",
}
VALUE_LISTS = {
    "drug": "substances",
    "unit": "units",
    "form": "forms",
    "location_type": "location_types",
    "mode_of_transport": "transport_modes",
    "conveyance_type": "conveyance_types",
    "direction": "directions",
    "concealment": "concealment_methods",
    "role": "person_roles",
    "sex": "sexes",
}


def write_template(path: Path, lang: str = "en") -> None:
    """Write the template workbook."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    seizures = workbook.active
    assert seizures is not None
    seizures.title = "seizures"
    seizures.append(list(SEIZURE_COLUMNS))
    seizures.append([EXAMPLE_SEIZURE.get(c, "") for c in SEIZURE_COLUMNS])
    persons = workbook.create_sheet("persons")
    persons.append(list(PERSON_COLUMNS))
    persons.append([EXAMPLE_PERSON.get(c, "") for c in PERSON_COLUMNS])
    for sheet in (seizures, persons):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    values = workbook.create_sheet("values" if lang == "en" else "значения")
    header = (
        ["column", "code", "English", "Russian"]
        if lang == "en"
        else ["столбец", "код", "английский", "русский"]
    )
    values.append(header)
    for column, list_name in VALUE_LISTS.items():
        for entry in code_list(list_name):
            values.append([column, entry.code, entry.label_en, entry.label_ru])
    workbook.save(path)
