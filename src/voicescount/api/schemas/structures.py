"""SDMX structures on the JSON API (the SDMX-REST endpoints serve the same store as SDMX)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from voicescount.types import ArtefactType


class ArtefactSummary(BaseModel):
    type: ArtefactType
    agency: str
    id: str
    version: str
    is_final: bool
    name: str | None = Field(description="English name, or the first name given")
    names: dict[str, str]
    origin: str = Field(description="sdg-global, voicescount or import")
    urn: str


class ArtefactsPublic(BaseModel):
    data: list[ArtefactSummary]
    count: int


class ItemPublic(BaseModel):
    id: str
    parent: str | None
    name: str | None
    names: dict[str, str]
    descriptions: dict[str, str]
    annotations: list[dict[str, Any]]
    details: dict[str, Any]


class ComponentPublic(BaseModel):
    id: str
    role: str = Field(description="dimension, time_dimension, attribute or measure")
    position: int
    concept: str = Field(description="AGENCY:SCHEME(VERSION).CONCEPT")
    codelist: str | None = Field(description="AGENCY:CODELIST(VERSION) for coded components")
    text_type: str | None
    assignment_status: str | None
    attachment: dict[str, Any]


class ArtefactPublic(ArtefactSummary):
    descriptions: dict[str, str]
    annotations: list[dict[str, Any]]
    details: dict[str, Any]
    item_count: int
    items: list[ItemPublic] = Field(description="One page of the items (see limit/offset)")
    components: list[ComponentPublic]


class ImportResult(BaseModel):
    added: list[str]
    replaced: list[str]
    unchanged: list[str]
