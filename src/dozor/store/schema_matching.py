"""Tables of cross-border correlation and identity matching (issue #6).

- ``selector_entry``: the exact-correlation index, one row per (selector kind, canonical value,
  nominal object). Kept in the writer's transaction; never a table of pairs. Visibility is not
  stored here: every read joins the object's table and applies the access policy.
- ``selector_exclusion``: values analysts took out of correlation (a switchboard number).
- ``person_block_key``: the identity engine's blocking keys of each person, so that candidate
  matches come from the database by key, not from all pairs.
- ``match_candidate``: scored candidate pairs proposed by the identity engine (``a < b``).
- ``match_judgement``: analysts' judgements on person pairs; positive, active ones form the
  reversible clusters (nothing is merged).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from dozor.store.tables_base import ID, UTCDateTime, metadata

selector_entry = Table(
    "selector_entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(24), nullable=False),
    Column("value", String(120), nullable=False),  # canonical; as written when not valid
    Column("valid", Boolean, nullable=False),
    Column("flag", String(32)),  # why it is not valid, or a warning (vin_check_digit)
    Column("object_type", String(16), nullable=False),  # person | conveyance
    Column("object_id", String(ID), nullable=False),
    Column("owner_agency_id", String(ID), nullable=False),
    UniqueConstraint("kind", "value", "object_id", name="uq_selector_entry"),
    Index("ix_selector_entry_object", "object_id"),
)

selector_exclusion = Table(
    "selector_exclusion",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("value", String(120), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("created_by", String(ID)),
    Column("created_agency_id", String(ID)),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "value", name="uq_selector_exclusion"),
)

person_block_key = Table(
    "person_block_key",
    metadata,
    Column("key", String(200), nullable=False),
    Column("person_id", String(ID), nullable=False),
    UniqueConstraint("key", "person_id", name="uq_person_block_key"),
    Index("ix_person_block_key_person", "person_id"),
)

match_candidate = Table(
    "match_candidate",
    metadata,
    Column("person_a", String(ID), nullable=False),  # the smaller id of the pair
    Column("person_b", String(ID), nullable=False),
    Column("score", Float, nullable=False),
    Column("is_match", Boolean, nullable=False),
    Column("features", Text),  # JSON: the engine's per-feature explanation
    Column("computed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("person_a", "person_b", name="uq_match_candidate"),
    Index("ix_match_candidate_b", "person_b"),
    Index("ix_match_candidate_score", "score"),
)

match_judgement = Table(
    "match_judgement",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("person_a", String(ID), nullable=False),  # the smaller id of the pair
    Column("person_b", String(ID), nullable=False),
    Column("verdict", String(16), nullable=False),  # same | not_same | unsure
    Column("note", String(1000)),
    Column("score", Float),  # the engine's score when judged, if it proposed the pair
    Column("judged_by", String(ID), nullable=False),
    Column("judged_agency_id", String(ID), nullable=False),
    Column("judged_at", UTCDateTime(), nullable=False),
    Column("withdrawn_at", UTCDateTime()),
    Column("withdrawn_by", String(ID)),
    Index("ix_match_judgement_pair", "person_a", "person_b"),
    Index("ix_match_judgement_b", "person_b"),
)

__all__ = [
    "match_candidate",
    "match_judgement",
    "person_block_key",
    "selector_entry",
    "selector_exclusion",
]
