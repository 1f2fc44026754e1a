"""Datasets, their versions, uploads (raw bytes kept as blobs), observations and findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow

#: The 15 dimensions of the SDG DSD (and of voicescount's community DSD), in DSD order, as the
#: observation table's column names (lower-case component ids).
DIMENSION_COLUMNS: tuple[str, ...] = (
    "freq",
    "reporting_type",
    "series",
    "ref_area",
    "sex",
    "age",
    "urbanisation",
    "income_wealth_quantile",
    "education_lev",
    "occupation",
    "cust_breakdown",
    "composite_breakdown",
    "disability_status",
    "activity",
    "product",
)

#: SDMX ids of the 15 series-key dimensions, in DSD order (``series_key`` joins their codes).
DIMENSIONS: tuple[str, ...] = tuple(column.upper() for column in DIMENSION_COLUMNS)

#: Observation attributes with a column of their own: the ones nearly every row has.
CORE_ATTRIBUTES: tuple[str, ...] = ("UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "UNWEIGHTED_N")

#: Observation attributes kept together in the ``attributes`` JSON column, as they are rare.
OTHER_ATTRIBUTES: tuple[str, ...] = (
    "NATURE",
    "LOWER_BOUND",
    "UPPER_BOUND",
    "COMMENT_OBS",
    "TIME_DETAIL",
    "SOURCE_DETAIL",
)


class Blob(SQLModel, table=True):
    """Bytes kept in the blob store, content-addressed by their SHA-256."""

    __tablename__ = "blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Dataset(SQLModel, table=True):
    __tablename__ = "dataset"

    id: int | None = Field(default=None, primary_key=True)
    #: Public identifier (``ds-`` and 10 hex digits), stable across versions.
    uid: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    #: The dataflow the coalition reports against when it is not the community one: an imported
    #: national structure (``AGENCY:ID(VERSION)``). Its codelists validate the uploads and its
    #: SDMX-REST flow disseminates the releases; ``None`` is the community dataflow.
    dataflow: str | None = Field(default=None, max_length=300)


class DatasetVersion(SQLModel, table=True):
    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "number", name="uq_dataset_version"),)

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    number: int
    #: ``draft`` while editable, ``submitted`` once frozen (review states follow).
    state: str = Field(max_length=30, index=True)
    #: The methodology metadata as sent (checked field by field, stored as given).
    metadata_: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("metadata", JSON, nullable=False)
    )
    #: The version this one was started from, if any.
    previous_version_id: int | None = Field(default=None, foreign_key="dataset_version.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by: str | None = Field(default=None, max_length=200)
    #: SHA-256 over metadata, findings, accepted uploads and observations, set at submission.
    content_hash: str | None = Field(default=None, max_length=64)
    observation_count: int = 0


class Upload(SQLModel, table=True):
    __tablename__ = "upload"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True)
    blob_sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    filename: str | None = Field(default=None, max_length=300)
    media_type: str | None = Field(default=None, max_length=200)
    #: Parser format name (``csv``, ``xlsx``, ``json``, ``sdmx-csv-2``…).
    format: str | None = Field(default=None, max_length=40)
    encoding: str | None = Field(default=None, max_length=40)
    #: ``received`` → ``accepted`` | ``rejected`` (all or nothing), or ``withdrawn`` from a draft.
    status: str = Field(max_length=20, index=True)
    rows_read: int = 0
    rows_stored: int = 0
    error_count: int = 0
    warning_count: int = 0
    #: Summary of the validation report (counts by issue class, applied label mappings…).
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: The full report as CSV in the blob store.
    report_sha256: str | None = Field(default=None, max_length=64)
    #: The mapping profile applied (as given or as saved at the time).
    mapping: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)


class Observation(SQLModel, table=True):
    """One observation of a dataset version, keyed like the SDG DSD.

    Narrow on purpose: the 15 dimension codes are one ``series_key`` (``A.N.SP_DYN_MRBF18.KE-28.F…``,
    DSD order) and the rare attributes one JSON value, because storing a million rows costs per
    column (measured on SQLite: 235,000 rows/s with 36 columns, 408,000 with 12).
    """

    __tablename__ = "observation"
    # Indexed for appending: rows of an upload arrive in file order, and an index on the key
    # would make each one land at a random place (measured: storing ran 2x slower with it).
    # Dissemination reads from its own, key-indexed table built at publication.
    __table_args__ = (Index("ix_observation_version", "version_id", "id"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    # No foreign keys on purpose: every row of an upload carries the same version and upload,
    # yet the database would check both on each row (measured: a third of the time of storing
    # a million rows on PostgreSQL). Rows are only written by storage.observations, in the
    # transaction that checked the version and created the upload; tests check for orphans.
    version_id: int = Field(sa_column=Column(Integer, nullable=False))
    upload_id: int | None = Field(default=None, sa_column=Column(Integer))
    row_number: int
    #: The 15 dimension codes joined with '.', in DSD order (the SDMX series key).
    series_key: str = Field(max_length=600)
    time_period: str = Field(max_length=40)
    obs_value: float | None = Field(default=None, sa_column=Column(Float))
    unit_measure: str | None = Field(default=None, max_length=60)
    unit_mult: str | None = Field(default=None, max_length=10)
    obs_status: str | None = Field(default=None, max_length=10)
    unweighted_n: int | None = None
    #: The other observation attributes that have a value (``OTHER_ATTRIBUTES``), or null.
    attributes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    #: Set by disclosure control before publication (SDMX CONF_STATUS).
    conf_status: str | None = Field(default=None, max_length=4)

    @property
    def dimensions(self) -> dict[str, str]:
        """The series key as ``{dimension id: code}``."""
        return dict(zip(DIMENSIONS, self.series_key.split("."), strict=True))

    def attribute(self, attribute_id: str) -> Any:
        """An observation attribute's value by SDMX id (core column or JSON), or ``None``."""
        if attribute_id in CORE_ATTRIBUTES:
            return getattr(self, attribute_id.lower())
        return (self.attributes or {}).get(attribute_id)


class Finding(SQLModel, table=True):
    """A qualitative finding: a short statement linked to SDG targets, areas and target groups."""

    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True)
    position: int
    statement: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="en", max_length=20)
    sdg_targets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: How it was produced (focus_group, key_informant_interview, citizen_dialogue, …).
    method: str = Field(max_length=60)
    #: Where it comes from in the coalition's material (session, site, date), free text.
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MappingProfile(SQLModel, table=True):
    """A coalition's saved mapping from its own columns and labels to SDMX components and codes."""

    __tablename__ = "mapping_profile"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_mapping_profile"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    profile: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommunitySeries(SQLModel, table=True):
    """A series a coalition defines where no global series exists (e.g. a scorecard item)."""

    __tablename__ = "community_series"

    code: str = Field(primary_key=True, max_length=80)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    #: The SDG target the series informs (required), and indicators where one applies.
    sdg_target: str = Field(max_length=8)
    sdg_indicators: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unit_measure: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("organisation_id", "key", name="uq_idempotency"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    key: str = Field(max_length=200)
    #: SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    #: ``processing`` until the first request finishes, then ``done``.
    state: str = Field(max_length=20)
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
