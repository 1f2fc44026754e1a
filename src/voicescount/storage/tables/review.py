"""Review of submitted versions: the case file, its transitions, disclosure control, a steward's
settings, and notifications (webhooks and their deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from voicescount.storage.types import UTCDateTime, utcnow


class ReviewCase(SQLModel, table=True):
    """Everything a statistics office found and decided about one submitted version."""

    __tablename__ = "review_case"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", unique=True)
    #: The statistics office that took the case (by assessing it first).
    steward_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    #: Automatic screening: ``{"ran_at", "issues": [...], "blocking": n}``.
    screening: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: The rubric assessment as recorded (ratings, evidence) and its result.
    assessment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    rubric: str | None = Field(default=None, max_length=120)
    score: float | None = None
    gating_passed: bool | None = None
    quality_outcome: str | None = Field(default=None, max_length=30)
    assessed_by: str | None = Field(default=None, max_length=200)
    assessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Disclosure control: the policy used and counts by rule (cells are in ``suppression``).
    disclosure: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    disclosure_by: str | None = Field(default=None, max_length=200)
    disclosure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The approver's decision: OFFICIAL, COMPLEMENTARY, CONTEXTUAL or REJECTED.
    decision: str | None = Field(default=None, max_length=30)
    decision_reason: str | None = Field(default=None, sa_column=Column(Text))
    conditions: str | None = Field(default=None, sa_column=Column(Text))
    caveat: str | None = Field(default=None, max_length=1000)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReviewTransition(SQLModel, table=True):
    """One move of a version through the workflow: who, when, why."""

    __tablename__ = "review_transition"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True)
    from_state: str = Field(max_length=30)
    to_state: str = Field(max_length=30)
    actor: str = Field(max_length=200)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    reason: str | None = Field(default=None, sa_column=Column(Text))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Suppression(SQLModel, table=True):
    """Disclosure control's verdict on one observation (only cells not simply free are kept)."""

    __tablename__ = "suppression"
    __table_args__ = (
        UniqueConstraint("version_id", "observation_id", name="uq_suppression"),
        Index("ix_suppression_version", "version_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(sa_column=Column(Integer, nullable=False))
    observation_id: int = Field(sa_column=Column(Integer, nullable=False))
    #: SDMX CONF_STATUS (A primary, D secondary; F for cells only flagged).
    conf_status: str = Field(max_length=4)
    #: SDMX OBS_STATUS to publish (Q suppressed, U low reliability), if any.
    obs_status: str | None = Field(default=None, max_length=4)
    rule: str = Field(max_length=30)
    reason: str = Field(sa_column=Column(Text, nullable=False))


class StewardSettings(SQLModel, table=True):
    """A statistics office's review settings: disclosure thresholds and its own rubric."""

    __tablename__ = "steward_settings"

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    frequency_threshold: int = 10
    reliability_threshold: int = 30
    #: The office's rubric (the file it loaded), or null for the default rubric.
    rubric: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Webhook(SQLModel, table=True):
    """An organisation's endpoint to be told of workflow transitions, signed with its secret."""

    __tablename__ = "webhook"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    url: str = Field(max_length=1000)
    #: The shared secret for HMAC-SHA256 signatures (kept: it signs every delivery).
    secret: str = Field(max_length=100)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)


class WebhookDelivery(SQLModel, table=True):
    """One event to one webhook, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_delivery"

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id", index=True)
    event: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default_factory=utcnow, sa_type=UTCDateTime, index=True
    )
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
