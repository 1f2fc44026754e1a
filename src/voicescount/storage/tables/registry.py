"""SDMX structures (artefacts, their items, DSD components) and the SDG framework."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class StructureArtefact(SQLModel, table=True):
    """One maintainable SDMX artefact, identified by type, agency, id and version."""

    __tablename__ = "structure_artefact"
    __table_args__ = (
        UniqueConstraint(
            "artefact_type", "agency_id", "artefact_id", "version", name="uq_artefact"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    artefact_type: str = Field(max_length=40, index=True)
    agency_id: str = Field(max_length=100, index=True)
    artefact_id: str = Field(max_length=100, index=True)
    version: str = Field(max_length=40)
    is_final: bool = True
    #: Multilingual names and descriptions: ``{"en": "…", "fr": "…"}``.
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    annotations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: Type-specific references (a dataflow's DSD, a categorisation's source and target, …).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Where it came from: ``sdg-global``, ``voicescount`` or ``import``.
    origin: str = Field(max_length=40)
    #: SHA-256 of the artefact's canonical content, to tell a re-import from a change.
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StructureItem(SQLModel, table=True):
    """An item of an item scheme: a code, a concept, a category, an agency, a data provider."""

    __tablename__ = "structure_item"
    __table_args__ = (
        UniqueConstraint("artefact_pk", "item_id", name="uq_item"),
        Index("ix_item_lookup", "artefact_pk", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    artefact_pk: int = Field(foreign_key="structure_artefact.id", ondelete="CASCADE")
    item_id: str = Field(max_length=100)
    parent_id: str | None = Field(default=None, max_length=100)
    position: int
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    annotations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    #: Item-specific extras (a concept's core representation, …).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DsdComponent(SQLModel, table=True):
    """A dimension, time dimension, attribute or measure of a data structure definition."""

    __tablename__ = "dsd_component"
    __table_args__ = (UniqueConstraint("artefact_pk", "component_id", name="uq_component"),)

    id: int | None = Field(default=None, primary_key=True)
    artefact_pk: int = Field(foreign_key="structure_artefact.id", ondelete="CASCADE", index=True)
    component_id: str = Field(max_length=100)
    #: ``dimension``, ``time_dimension``, ``attribute`` or ``measure``.
    role: str = Field(max_length=20)
    position: int
    #: Concept identity as ``AGENCY:SCHEME(VERSION).CONCEPT``.
    concept: str = Field(max_length=300)
    #: Enumeration as ``AGENCY:CODELIST(VERSION)``; empty for uncoded components.
    codelist: str | None = Field(default=None, max_length=300)
    #: SDMX text type of an uncoded component (``String``, ``Double``, ``DateTime``…).
    text_type: str | None = Field(default=None, max_length=40)
    #: Attributes only: ``Mandatory`` or ``Conditional``.
    assignment_status: str | None = Field(default=None, max_length=20)
    #: Attributes only: ``{"level": "observation"|"dataset"}`` or ``{"dimensions": [...]}``.
    attachment: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SdgGoal(SQLModel, table=True):
    __tablename__ = "sdg_goal"

    code: str = Field(primary_key=True, max_length=4)
    short_title: str = Field(max_length=200)
    title: str = Field(max_length=1000)
    position: int


class SdgTarget(SQLModel, table=True):
    __tablename__ = "sdg_target"

    code: str = Field(primary_key=True, max_length=8)
    goal_code: str = Field(foreign_key="sdg_goal.code", index=True)
    title: str = Field(max_length=2000)
    position: int


class SdgIndicator(SQLModel, table=True):
    __tablename__ = "sdg_indicator"

    code: str = Field(primary_key=True, max_length=12)
    target_code: str = Field(foreign_key="sdg_target.code", index=True)
    goal_code: str = Field(foreign_key="sdg_goal.code", index=True)
    title: str = Field(max_length=2000)
    #: UNSD's indicator code (``C050301`` for 5.3.1), where CL_SERIES gives one.
    unsd_code: str | None = Field(default=None, max_length=12)
    position: int


class SdgSeries(SQLModel, table=True):
    __tablename__ = "sdg_series"

    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=1000)
    #: The ``RetiredSeries`` note of CL_SERIES, for series withdrawn from the framework.
    retired_note: str | None = Field(default=None, max_length=1000)
    position: int


class SdgSeriesIndicator(SQLModel, table=True):
    __tablename__ = "sdg_series_indicator"

    series_code: str = Field(foreign_key="sdg_series.code", primary_key=True, max_length=60)
    indicator_code: str = Field(foreign_key="sdg_indicator.code", primary_key=True, max_length=12)
