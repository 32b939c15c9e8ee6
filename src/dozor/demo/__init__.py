"""Synthetic but realistic demo data: seizures and persons in the import template (DATA.md §6)."""

from dozor.demo.generator import (
    PERSON_COLUMNS,
    SEIZURE_COLUMNS,
    DemoSeizure,
    generate,
    write_template_csv,
)

__all__ = [
    "PERSON_COLUMNS",
    "SEIZURE_COLUMNS",
    "DemoSeizure",
    "generate",
    "write_template_csv",
]
