"""What an import job knows before it reads a row: agencies, the importer, limits, today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dozor.domain.codes import fold
from dozor.domain.conversion import ConversionTable, load_conversion_table
from dozor.domain.places import COUNTRY_TIMEZONES


@dataclass(frozen=True, slots=True)
class AgencyRef:
    """The few facts of an agency that import needs."""

    id: str
    code: str
    country: str | None
    name_en: str
    name_ru: str


@dataclass(frozen=True, slots=True)
class Importer:
    """Who runs the import: the node administrator (CLI) or a user of an agency.

    ``may_import_for`` answers the membership rule of DATA.md §6.1: users import for their own
    agency; national admins for every agency of their country; the node administrator for any.
    """

    user_id: str | None = None
    agency_id: str | None = None
    country: str | None = None
    is_national_admin: bool = False
    is_node_admin: bool = True

    def may_import_for(self, agency: AgencyRef) -> bool:
        if self.is_node_admin:
            return True
        if self.is_national_admin and agency.country and agency.country == self.country:
            return True
        return agency.id == self.agency_id


@dataclass(slots=True)
class JobContext:
    """Lookups and limits shared by the readers, validators and the writer of one job."""

    agencies: list[AgencyRef]
    importer: Importer = field(default_factory=Importer)
    only_agency: AgencyRef | None = None
    today: date = field(default_factory=date.today)
    earliest_year: int = 1990
    max_item_kg_eq: int = 50_000
    coordinate_tolerance_km: float = 25.0
    default_tlp: str = "AMBER"
    default_distribution: str = "national"
    min_person_age: int = 10
    max_person_age: int = 100
    conversion: ConversionTable = field(default_factory=load_conversion_table)
    _by_key: dict[str, AgencyRef] = field(default_factory=dict)
    _today_by_country: dict[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for agency in self.agencies:
            for key in (agency.code, agency.name_en, agency.name_ru, agency.id):
                self._by_key.setdefault(fold(key), agency)

    def find_agency(self, text: str) -> AgencyRef | None:
        """An agency by code or English or Russian name."""
        return self._by_key.get(fold(text))

    def today_in(self, country: str) -> date:
        """Today's date at the country's clock (a seizure may not be later).

        Read once per country and job: it is asked for every seizure of the file.
        """
        known = self._today_by_country.get(country)
        if known is None:
            tz = COUNTRY_TIMEZONES.get(country)
            local = datetime.now(ZoneInfo(tz)).date() if tz else self.today
            known = self._today_by_country[country] = max(local, self.today)
        return known
