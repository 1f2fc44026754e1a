"""Releases on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class WithdrawRequest(BaseModel):
    reason: str = Field(description="Why (kept on the release's tombstone)", max_length=1000)


class Party(BaseModel):
    id: str
    name: str


class ReleasePublic(BaseModel):
    id: str = Field(description="Stable identifier, e.g. ds-1a2b3c4d5e-v2")
    dataset: str
    title: str
    dataflow: str | None = Field(
        default=None,
        description="The imported dataflow the release is disseminated in (None: the community one)",
    )
    version: int
    provider: Party
    steward: Party | None
    decision: str
    quality_outcome: str | None
    producer_type: str
    caveat: str | None
    content_hash: str
    observations: int
    published_at: datetime
    superseded_at: datetime | None
    superseded_by: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    status: str = Field(description="current, superseded or withdrawn")
    doi: str | None
    sdmx_data_url: str = Field(description="The release's data through SDMX-REST")
    provenance_url: str = Field(description="The release's provenance (W3C PROV)")
    citation_url: str = Field(description="How to cite the release (DataCite, APA, BibTeX…)")


class ReleasesPublic(BaseModel):
    data: list[ReleasePublic]
    count: int
