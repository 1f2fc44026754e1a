"""The append-only audit log; each entry holds the hash of the one before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    #: Position in the chain, 1-based and gap-free.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Who acted: ``key:<key_id>`` for API keys, ``cli:<user>`` for the command line, ``system``.
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100, index=True)
    #: What was acted on, as ``kind:identifier``.
    subject: str = Field(max_length=300, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)
