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


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement of the chain's head: entry ``seq`` had hash ``entry_hash``.

    No foreign key to ``audit_entry``: a checkpoint must outlive the entry it names, so that
    deleting or rewriting that entry is caught rather than cascaded or refused.
    """

    __tablename__ = "audit_checkpoint"

    #: Position among the checkpoints, 1-based and gap-free.
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    #: The last entry covered, and its hash when it was signed.
    seq: int = Field(unique=True)
    entry_hash: str = Field(max_length=64)
    #: How many entries the chain held (equal to ``seq``, signed so readers need not assume it).
    entries: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: SHA-256 (hex) of the raw Ed25519 public key that signed.
    key_id: str = Field(max_length=64)
    #: Ed25519 signature (base64) over the canonical JSON of the fields above.
    signature: str = Field(max_length=100)
