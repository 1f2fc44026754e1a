"""Organisations and API keys on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from voicescount.types import OrgKind, Role


class OrganisationCreate(BaseModel):
    slug: str = Field(description="Identifier, also the SDMX DataProvider id", examples=["LNOB_KE"])
    name: str = Field(examples=["LNOB Kenya coalition"])
    kind: OrgKind
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2", examples=["KE"])


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    kind: OrgKind
    country: str | None
    created_at: datetime


class OrganisationsPublic(BaseModel):
    data: list[OrganisationPublic]
    count: int


class KeyCreate(BaseModel):
    role: Role
    holder: str = Field(
        description="Who holds the key (name or e-mail)", examples=["Amina Odhiambo"]
    )


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    role: Role
    holder: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class KeyIssued(KeyPublic):
    organisation: str
    token: str = Field(
        description="The key itself. Shown once: store it now, it cannot be retrieved."
    )


class KeysPublic(BaseModel):
    data: list[KeyPublic]
    count: int


class KeyRevoke(BaseModel):
    reason: str = Field(default="", description="Why the key is revoked (kept in the audit log)")


class WhoAmI(BaseModel):
    key_id: str
    organisation: str
    organisation_kind: OrgKind
    role: Role
    holder: str
