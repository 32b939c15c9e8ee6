"""Tables of identity and access: sessions, API tokens, the workflow log, hit/no-hit digests,
access requests and grants, retention rules."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from dozor.store.tables_base import ID, UTCDateTime, _id, metadata

user_session = Table(
    "user_session",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("user_id", String(ID), ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Index("ix_session_user", "user_id"),
)

api_token = Table(
    "api_token",
    metadata,
    _id(),
    Column("user_id", String(ID), ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256; shown once
    Column("prefix", String(16), nullable=False),  # first characters, to recognise a token
    Column("scope", String(8), nullable=False),  # read | write
    Column("name", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

seizure_workflow = Table(
    "seizure_workflow",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seizure_id", String(ID), ForeignKey("seizure.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # submit | validate | release | retract | correct
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("user_id", String(ID), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("detail", String(1000)),
    Index("ix_workflow_seizure", "seizure_id"),
)

hit_digest = Table(
    "hit_digest",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("selector_type", String(16), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("object_type", String(32), nullable=False),  # person | conveyance
    Column("object_id", String(ID), nullable=False),
    Column("owner_agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("owner_country", String(3)),
    Column("hit_ref", String(64), nullable=False),  # opaque random reference
    Column("published_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
    Index("ix_hit_digest", "digest"),
    Index("ix_hit_object", "object_id"),
)

access_request = Table(
    "access_request",
    metadata,
    _id(),
    Column("hit_ref", String(64), nullable=False),
    Column("selector_type", String(16), nullable=False),
    Column("requester_agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("requester_user_id", String(ID), ForeignKey("app_user.id"), nullable=False),
    Column("owner_agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(ID), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("justification", String(2000), nullable=False),
    Column("legal_basis", String(200), nullable=False),
    Column("requested_scope", String(200), nullable=False),
    Column("priority", String(16), nullable=False, default="routine"),
    Column("status", String(24), nullable=False, default="submitted"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(ID)),
    Column("decided_at", UTCDateTime()),
    Column("decision_reason", String(2000)),
    Column("grant_id", String(ID)),
)

access_grant = Table(
    "access_grant",
    metadata,
    _id(),
    Column("request_id", String(ID), ForeignKey("access_request.id")),
    Column("grantee_agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
    Column("object_type", String(32), nullable=False),  # seizure | person | conveyance
    Column("object_id", String(ID), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("handling", String(600), nullable=False, default="H2"),
    Column("tlp", String(16), nullable=False, default="AMBER"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Index("ix_grant_object", "object_id", "grantee_agency_id"),
    Index("ix_grant_grantee", "grantee_agency_id", "object_id"),  # the viewer's granted ids
)

retention_rule = Table(
    "retention_rule",
    metadata,
    Column("country", String(3), primary_key=True),
    Column("data_subject_category", String(32), primary_key=True),
    Column("review_years", Integer, nullable=False),
    Column("erase_after_years", Integer, nullable=False),
)
