"""Reference sources (official data) and comparisons of community data with them, on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ReferenceSourcePublic(BaseModel):
    id: int
    name: str = Field(description="What comparisons call the source")
    agency: str | None = Field(description="The agency answerable for the figures")
    dataset: str | None = Field(
        description="The data set the message names (DataSetID, else its structure)"
    )
    structure: str | None = Field(description="AGENCY:ID(VERSION) of the dataflow or DSD declared")
    sender: str | None
    prepared: datetime | None = Field(description="When the message says it was prepared")
    format: str = Field(
        description="sdmx-ml-generic, sdmx-ml-structure-specific, sdmx-csv-1 or sdmx-csv-2"
    )
    filename: str | None
    sha256: str = Field(description="SHA-256 of the file as loaded (kept in the blob store)")
    bytes: int
    observations: int
    summary: dict[str, Any] = Field(
        description="series, areas, periods, unknown_areas, translated_areas, without_value…"
    )
    loaded_at: datetime
    loaded_by: str
    file_url: str = Field(description="The file exactly as loaded")


class ReferenceSourcesPublic(BaseModel):
    data: list[ReferenceSourcePublic]
    count: int


class SourceLabelPublic(BaseModel):
    """The provenance every official figure carries."""

    id: int
    name: str
    agency: str | None
    dataset: str | None
    structure: str | None
    loaded_at: datetime
    sha256: str


class CommunityFigurePublic(BaseModel):
    value: float
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    unweighted_n: int | None
    release: str = Field(description="The release uid")
    dataset: str
    provider: str = Field(description="The coalition that produced the data")
    decision: str = Field(description="OFFICIAL, COMPLEMENTARY or CONTEXTUAL")
    caveat: str | None
    citation_url: str


class OfficialFigurePublic(BaseModel):
    value: float
    series: str
    area: str
    source_area: str | None = Field(description="The area code as the official file wrote it")
    period: str
    dimensions: dict[str, str] = Field(description="Its disaggregations other than _T")
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    attributes: dict[str, Any]
    source: SourceLabelPublic


class MatchPublic(BaseModel):
    series: str = Field(description="same | same_indicator")
    area: str = Field(description="same | national")
    period: str = Field(description="exact | same_year | nearest_year")
    disaggregation: str = Field(description="exact | official_total")


class ComparisonRowPublic(BaseModel):
    series: str
    indicator: str | None
    area: str
    area_name: str | None
    period: str
    dimensions: dict[str, str] = Field(
        description="Disaggregations both sides share; any other is _T on both sides or listed "
        "in compared_with_total"
    )
    compared_with_total: list[str] = Field(
        description="Community disaggregations compared with the official total (_T)"
    )
    community: CommunityFigurePublic
    official: OfficialFigurePublic
    match: MatchPublic
    labels: list[str] = Field(description="What a reader must know about the pairing")
    gap: float | None = Field(description="community − official (null when units differ)")
    ratio: float | None = Field(description="community / official")


class ComparisonPublic(BaseModel):
    data: list[ComparisonRowPublic]
    count: int
    sources: list[SourceLabelPublic]
    community_observations: int = Field(description="Community observations in scope")
    unmatched: int = Field(description="Of those, how many no official figure matched")
    query: dict[str, Any]
