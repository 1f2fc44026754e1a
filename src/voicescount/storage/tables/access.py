"""Organisations and the API keys people act through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    #: Short SDMX-style identifier (``[A-Za-z][A-Za-z0-9_-]*``), also the DataProvider id.
    slug: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str = Field(max_length=300)
    #: ``data_provider`` or ``steward`` (see ``voicescount.types.OrgKind``).
    kind: str = Field(max_length=20, index=True)
    #: ISO 3166-1 alpha-2 country the organisation works in, when it has one.
    country: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    #: Public part of the key, used to look it up; the secret part is only stored hashed.
    key_id: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    secret_hash: str = Field(max_length=64)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=20)
    #: Who holds the key (a person's name or e-mail); shown in audit records.
    holder: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=500)
