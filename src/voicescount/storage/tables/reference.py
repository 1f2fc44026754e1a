"""Reference sources: official SDG data a statistics office loads to compare community data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class ReferenceSource(SQLModel, table=True):
    """One official data message as loaded: what it is, where it came from, who loaded it.

    The file itself is kept in the blob store (``blob_sha256``), so a comparison can always be
    traced back to the exact bytes the official figures were read from.
    """

    __tablename__ = "reference_source"

    id: int | None = Field(default=None, primary_key=True)
    #: What comparisons call it ("Kenya SDG data platform, Feb 2024"); unique, so labels are too.
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    #: The agency answerable for the figures (KNBS, UNSD…), as given or read from the message.
    agency: str | None = Field(default=None, max_length=100)
    #: The data set the message names: its DataSetID, else its dataflow or DSD reference.
    dataset: str | None = Field(default=None, max_length=300)
    #: ``AGENCY:ID(VERSION)`` of the dataflow or DSD the message declares.
    structure: str | None = Field(default=None, max_length=300)
    #: The message header's sender and preparation time, when it has them.
    sender: str | None = Field(default=None, max_length=100)
    prepared: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: ``sdmx-ml-generic``, ``sdmx-ml-structure-specific``, ``sdmx-csv-1`` or ``sdmx-csv-2``.
    format: str = Field(max_length=40)
    filename: str | None = Field(default=None, max_length=300)
    #: The file as received; one file is loaded once.
    blob_sha256: str = Field(
        sa_column=Column(String(64), ForeignKey("blob.sha256"), unique=True, nullable=False)
    )
    observation_count: int = 0
    #: Series, areas and periods held, areas voicescount does not know, values left out…
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    loaded_by: str = Field(max_length=200)
    #: The statistics office whose admin loaded it (none when loaded from the command line).
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")


class ReferenceObservation(SQLModel, table=True):
    """One official observation, keyed like the SDG DSD and indexed for matching.

    Like ``observation``, no foreign key on ``source_id``: rows are written in bulk by
    ``comparison.reference`` in the transaction that created the source, and deleted with it.
    """

    __tablename__ = "reference_observation"
    __table_args__ = (
        Index("ix_reference_match", "series", "ref_area", "source_id"),
        Index("ix_reference_source", "source_id", "id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    source_id: int = Field(sa_column=Column(Integer, nullable=False))
    #: Where the observation is in the file (SDMX-ML: 1-based in document order; CSV: its line).
    row_number: int
    #: The 15 SDG dimension codes joined with '.', in DSD order; breakdowns the message does
    #: not have are ``_T``.
    series_key: str = Field(max_length=600)
    series: str = Field(max_length=80)
    #: voicescount's code for the area (M49 for countries, ISO 3166-2 below), where the file's
    #: code could be translated (``KE``, ``KEN``, ``404``, ``0404`` → ``404``); else as given.
    ref_area: str = Field(max_length=40)
    #: The area code exactly as the file gave it, when it differs from ``ref_area``.
    source_area: str | None = Field(default=None, max_length=40)
    time_period: str = Field(max_length=40)
    #: The calendar year the period starts in, for matching neighbouring years.
    year: int
    obs_value: float = Field(sa_column=Column(Float, nullable=False))
    unit_measure: str | None = Field(default=None, max_length=60)
    unit_mult: str | None = Field(default=None, max_length=10)
    obs_status: str | None = Field(default=None, max_length=10)
    #: Every other attribute with a value (NATURE, TIME_DETAIL, SOURCE_DETAIL…), or null.
    attributes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
