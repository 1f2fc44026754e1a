"""Releases (published dataset versions) and the observations they disseminate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class Release(SQLModel, table=True):
    """A dataset version as a statistics office released it: immutable once written, except for
    the moments it stops being current (superseded by a newer release, or withdrawn)."""

    __tablename__ = "release"

    id: int | None = Field(default=None, primary_key=True)
    #: Stable public identifier, e.g. ``ds-1a2b3c4d5e-v2`` (also the SDMX data set id).
    uid: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    version_id: int = Field(foreign_key="dataset_version.id", unique=True)
    #: The coalition (SDMX DataProvider) and the statistics office that released it.
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    steward_id: int | None = Field(default=None, foreign_key="organisation.id")
    #: CL_REVIEW_DECISION (OFFICIAL, COMPLEMENTARY, CONTEXTUAL), CL_QUALITY_OUTCOME, CL_PRODUCER_TYPE.
    decision: str = Field(max_length=30)
    quality_outcome: str | None = Field(default=None, max_length=30)
    producer_type: str = Field(max_length=30)
    #: What a VNR table can print beside a figure ("citizen data, reviewed by …").
    caveat: str | None = Field(default=None, max_length=1000)
    #: The dataset version's content hash, pinned at release.
    content_hash: str = Field(max_length=64)
    observation_count: int = 0
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    published_by: str = Field(max_length=200)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    superseded_by: int | None = Field(default=None, foreign_key="release.id")
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = Field(default=None, max_length=200)
    withdrawn_reason: str | None = Field(default=None, max_length=1000)
    #: A DOI the operator mints for the release, if any.
    doi: str | None = Field(default=None, max_length=200)

    @property
    def ended_at(self) -> datetime | None:
        """When the release stopped being current (superseded or withdrawn), if it has."""
        moments = [m for m in (self.superseded_at, self.withdrawn_at) if m is not None]
        return min(moments) if moments else None


class PublishedObservation(SQLModel, table=True):
    """An observation as disseminated: keyed and indexed for SDMX queries.

    Rows of a release are written once, and read in series-key and period order along
    ``ix_published_release``, which is the order SDMX messages list them. ``release_id`` has no
    foreign key for the same reason as ``observation`` (bulk writes; integrity by the service).
    """

    __tablename__ = "published_observation"
    __table_args__ = (
        Index("ix_published_release", "release_id", "series_key", "time_period"),
        Index("ix_published_series", "series", "ref_area"),
        Index("ix_published_key", "series_key", "time_period"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    release_id: int = Field(sa_column=Column(Integer, nullable=False))
    series_key: str = Field(max_length=600)
    #: Two dimensions of the key in their own columns, for the indexes most queries use.
    series: str = Field(max_length=80)
    ref_area: str = Field(max_length=40)
    time_period: str = Field(max_length=40)
    obs_value: float | None = Field(default=None, sa_column=Column(Float))
    unit_measure: str | None = Field(default=None, max_length=60)
    unit_mult: str | None = Field(default=None, max_length=10)
    obs_status: str | None = Field(default=None, max_length=10)
    unweighted_n: int | None = None
    conf_status: str | None = Field(default=None, max_length=4)
    attributes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
