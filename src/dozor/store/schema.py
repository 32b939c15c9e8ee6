"""Tables of one Dozor node (SQLAlchemy Core).

Core tables rather than ORM classes: imports write tens of thousands of rows per second with
``executemany``, and the access policy adds its filter as a SQL expression over these columns.
Every object table carries provenance and the marking block of DATA.md §1-2 as plain columns
(``distribution``, ``tlp``, ``handling``), so visibility is decided in the query itself.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from dozor.store.schema_access import (
    access_grant,
    access_request,
    api_token,
    hit_digest,
    retention_rule,
    seizure_workflow,
    user_session,
)
from dozor.store.schema_analytics import analytics_change
from dozor.store.schema_matching import (
    match_candidate,
    match_judgement,
    person_block_key,
    selector_entry,
    selector_exclusion,
)
from dozor.store.tables_base import (
    ID,
    NAMING_CONVENTION,
    UTCDateTime,
    _id,
    _marking,
    _provenance,
    metadata,
)

node = Table(
    "node",
    metadata,
    _id(),
    Column("code", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("country", String(3)),
    Column("base_url", String(300)),
    Column("signing_public_key", Text),
    Column("is_self", Boolean, nullable=False, default=False),
)

agency = Table(
    "agency",
    metadata,
    _id(),
    Column("code", String(32), nullable=False, unique=True),
    Column("country", String(3)),
    Column("kind", String(32), nullable=False),
    Column("name_en", String(300), nullable=False),
    Column("name_ru", String(300), nullable=False),
    Column("membership", String(16), nullable=False, default="member"),
    Column("node_code", String(64)),
    Column("is_national_contact_point", Boolean, nullable=False, default=False),
    Column("duty_phone", String(32)),
    Column("duty_email", String(200)),
)

unit = Table(
    "unit",
    metadata,
    _id(),
    Column("agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("name_en", String(300), nullable=False),
    Column("name_ru", String(300), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("bcp_code", String(64), ForeignKey("crossing_point.code")),
)

app_user = Table(
    "app_user",
    metadata,
    _id(),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("unit_id", String(ID), ForeignKey("unit.id")),
    Column("roles", String(200), nullable=False),
    Column("ui_lang", String(2), nullable=False, default="en"),
    Column("status", String(16), nullable=False, default="active"),
    Column("password_hash", String(200)),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime()),
    Column("clearance", String(32)),
    Column("email", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
)

crossing_point = Table(
    "crossing_point",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name_en", String(200), nullable=False),
    Column("name_ru", String(200), nullable=False),
    Column("country", String(3), nullable=False),
    Column("counterpart_country", String(3), nullable=False),
    Column("counterpart_code", String(64)),
    Column("modes", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("coords_checked", Boolean, nullable=False, default=False),
)

substance = Table(
    "substance",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name_en", String(300), nullable=False),
    Column("name_ru", String(300), nullable=False),
    Column("category", String(32), nullable=False),
    Column("drug_group", String(32)),
    Column("status", String(16), nullable=False, default="active"),
)

reference_version = Table(
    "reference_version",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("loaded_at", UTCDateTime(), nullable=False),
)

seizure = Table(
    "seizure",
    metadata,
    _id(),
    *_provenance(),
    *_marking(),
    Column("local_ref", String(64), nullable=False),
    Column("status", String(16), nullable=False, default="draft"),
    Column("reporting_country", String(3), nullable=False),
    Column("country_of_seizure", String(3), nullable=False),
    Column("seized_at", UTCDateTime(), nullable=False),
    Column("seized_local", String(16), nullable=False),  # local wall time as typed, ISO
    Column("seized_date", Date, nullable=False),  # local date, for statistics
    Column("seized_precision", String(8), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("location_type", String(32), nullable=False),
    Column("bcp_code", String(64), ForeignKey("crossing_point.code")),
    Column("admin_region", String(100)),
    Column("settlement", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_source", String(32)),
    Column("mode_of_transport", String(32), nullable=False),
    Column("conveyance_type", String(32), nullable=False, default="unknown"),
    Column("direction", String(16), nullable=False, default="unknown"),
    Column("concealment", String(300)),
    Column("detection", String(300)),
    Column("persons_arrested", Integer),
    Column("h3_text", String(500)),
    Column("source_grade", String(16)),
    Column("source_grade_norm", String(1)),
    Column("info_grade", String(16)),
    Column("info_grade_norm", String(1)),
    Column("suspected_false", Boolean, nullable=False, default=False),
    Column("grading_version", Integer),
    Column("release_summary", String(1000)),
    # Narrative is nominal by default (DATA.md §2.6) and carries its own marking.
    Column("narrative", Text),
    Column("narrative_distribution", String(16)),
    Column("narrative_tlp", String(16)),
    Column("item_count", Integer, nullable=False, default=0),
    Column("total_kg_eq", Float),
    Column("content_hash", String(64), nullable=False),
    Column("import_job_id", String(ID)),
    Column("submitted_by", String(ID)),
    Column("validated_by", String(ID)),
    Column("released_by", String(ID)),
    Column("released_at", UTCDateTime()),
    Column("retracted_reason", String(500)),
    UniqueConstraint("owner_agency_id", "local_ref", name="uq_seizure_owner_ref"),
    Index("ix_seizure_date", "seized_date"),
    Index("ix_seizure_country_date", "reporting_country", "seized_date"),
    Index("ix_seizure_bcp", "bcp_code"),
    Index("ix_seizure_visibility", "status", "distribution", "owner_country"),
)

seizure_item = Table(
    "seizure_item",
    metadata,
    _id(),
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("substance_code", String(64), ForeignKey("substance.code"), nullable=False),
    Column("drug_group", String(32)),
    Column("reported_name", String(200), nullable=False),
    Column("identification", String(16), nullable=False),
    Column("quantity_reported", String(40), nullable=False),  # exact decimal text
    Column("unit_reported", String(16), nullable=False),
    Column("quantity_text", String(100), nullable=False),
    Column("form", String(16)),
    Column("purity_pct", String(20)),
    Column("quantity_kg_eq", Float),
    Column("conversion_factor", String(40)),
    Column("conversion_rule_id", String(64)),
    Column("conversion_table_version", String(16)),
    Column("pure_kg", Float),
    Column("heroin_eq_kg", Float),
    Index("ix_item_seizure", "seizure_id"),
    Index("ix_item_substance", "substance_code"),
)

route_leg = Table(
    "route_leg",
    metadata,
    _id(),
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("country", String(3), nullable=False),
    Column("place", String(200)),
    Index("ix_route_leg_seizure", "seizure_id"),
)

seizure_version = Table(
    "seizure_version",
    metadata,
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),  # canonical JSON of the whole record
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("changed_by", String(ID)),
    Column("change_note", String(500)),
    UniqueConstraint("seizure_id", "version", name="uq_seizure_version"),
)

listed_audience = Table(
    "listed_audience",
    metadata,
    Column("object_id", String(ID), nullable=False),
    Column("agency_id", String(ID), ForeignKey("agency.id")),
    Column("country", String(3)),
    Index("ix_listed_object", "object_id"),
    Index("ix_listed_agency", "agency_id", "object_id"),  # the viewer's listed ids (policy)
    Index("ix_listed_country", "country", "object_id"),
)

person = Table(
    "person",
    metadata,
    _id(),
    *_provenance(),
    *_marking(),
    Column("data_subject_category", String(32), nullable=False),
    Column("surname", String(100), nullable=False),
    Column("given_name", String(100)),
    Column("patronymic", String(100)),
    Column("script", String(8)),
    Column("name_latin", String(400)),
    Column("match_key", String(400), nullable=False),
    Column("sex", String(8)),
    Column("date_of_birth", Date),
    Column("dob_precision", String(8)),
    Column("nationality", String(3)),
    Column("hit_publish", Boolean, nullable=False, default=True),
    Column("retention_review_at", Date),
    Column("erased_at", UTCDateTime()),
    Index("ix_person_key", "owner_agency_id", "match_key", "date_of_birth"),
)

person_phone = Table(
    "person_phone",
    metadata,
    _id(),
    Column("person_id", String(ID), ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("raw", String(64), nullable=False),
    Column("e164", String(20)),
    Column("valid", Boolean, nullable=False),
    Column("country", String(3)),
    Index("ix_phone_e164", "e164"),
)

identity_document = Table(
    "identity_document",
    metadata,
    _id(),
    Column("person_id", String(ID), ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("doc_type", String(32), nullable=False),
    Column("issuing_country", String(3), nullable=False),
    Column("number", String(64), nullable=False),
    Column("number_norm", String(64), nullable=False),
    Index("ix_document_norm", "number_norm"),
)

seizure_person = Table(
    "seizure_person",
    metadata,
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", String(ID), ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("status", String(16)),
    Column("row_no", Integer),
    UniqueConstraint("seizure_id", "person_id", name="uq_seizure_person"),
    Index("ix_seizure_person_person", "person_id"),
)

conveyance = Table(
    "conveyance",
    metadata,
    _id(),
    *_provenance(),
    *_marking(),
    Column("kind", String(32), nullable=False),
    Column("vehicle_type", String(32)),
    Column("plate", String(32)),
    Column("plate_country", String(3)),
    Column("plate_norm", String(20)),
    Column("vin", String(17)),
    Column("description", String(300)),
    Index("ix_conveyance_plate", "plate_norm"),
    Index("ix_conveyance_vin", "vin"),
)

seizure_conveyance = Table(
    "seizure_conveyance",
    metadata,
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("conveyance_id", String(ID), ForeignKey("conveyance.id"), nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("seizure_id", "conveyance_id", name="uq_seizure_conveyance"),
    Index("ix_seizure_conveyance_conveyance", "conveyance_id"),
)

person_conveyance = Table(
    "person_conveyance",
    metadata,
    Column("person_id", String(ID), ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("conveyance_id", String(ID), ForeignKey("conveyance.id"), nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("person_id", "conveyance_id", name="uq_person_conveyance"),
)

organisation = Table(
    "organisation",
    metadata,
    _id(),
    *_provenance(),
    *_marking(),
    Column("kind", String(32), nullable=False),
    Column("name", String(300), nullable=False),
    Column("match_key", String(300), nullable=False),
    Column("registration_country", String(3)),
    Column("registration_number", String(64)),
)

import_job = Table(
    "import_job",
    metadata,
    _id(),
    Column("kind", String(16), nullable=False),  # seizures | annual
    Column("agency_id", String(ID), ForeignKey("agency.id")),
    Column("user_id", String(ID)),
    Column("file_name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("items", Integer, nullable=False, default=0),
    Column("persons", Integer, nullable=False, default=0),
)

official_annual_total = Table(
    "official_annual_total",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),  # e.g. unodc
    Column("row_no", Integer, nullable=False),  # order in the source file, for exact export
    Column("region", String(100), nullable=False),
    Column("subregion", String(100), nullable=False),
    Column("country_name", String(200), nullable=False),
    Column("country", String(3), nullable=False),  # ISO3 (the file's msCode)
    Column("drug_group_name", String(200), nullable=False),
    Column("drug_subgroup_name", String(300), nullable=False),
    Column("drug_name", String(400), nullable=False),
    Column("year", Integer, nullable=False),
    Column("kilograms", String(40)),  # exact text of the published number; empty = not given
    Column("kg", Float),
    Column("drug_group", String(32)),  # our group code where the mapping is known
    Column("substance_code", String(64)),
    Column("import_job_id", String(ID)),
    Index("ix_annual_country_year", "country", "year"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("node", String(64), nullable=False),
    Column("actor_user_id", String(ID)),
    Column("actor_agency_id", String(ID)),
    Column("channel", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("object_type", String(32)),
    Column("object_ids", Text),
    Column("details", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_audit_action_actor", "action", "actor_user_id", "at"),
)

event_outbox = Table(
    "event_outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(ID), nullable=False),
    Column("payload", Text),
)

seizure_pending = Table(
    "seizure_pending",
    metadata,
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("snapshot", Text, nullable=False),  # the proposed new content, canonical JSON
    Column("content_hash", String(64), nullable=False),
    Column("import_job_id", String(ID)),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_pending_seizure", "seizure_id"),
)

__all__ = [
    "ID",
    "NAMING_CONVENTION",
    "UTCDateTime",
    "access_grant",
    "access_request",
    "agency",
    "analytics_change",
    "api_token",
    "app_user",
    "audit_log",
    "conveyance",
    "crossing_point",
    "event_outbox",
    "hit_digest",
    "identity_document",
    "import_job",
    "listed_audience",
    "match_candidate",
    "match_judgement",
    "metadata",
    "node",
    "official_annual_total",
    "organisation",
    "person",
    "person_block_key",
    "person_conveyance",
    "person_phone",
    "reference_version",
    "retention_rule",
    "route_leg",
    "seizure",
    "seizure_conveyance",
    "seizure_item",
    "seizure_pending",
    "seizure_person",
    "seizure_version",
    "seizure_workflow",
    "selector_entry",
    "selector_exclusion",
    "substance",
    "unit",
    "user_session",
]
