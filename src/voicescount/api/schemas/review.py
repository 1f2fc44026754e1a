"""Wire models of review: assessments, decisions, settings, the inbox and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class RatingIn(BaseModel):
    rating: int = Field(description="A value of the rubric's scale")
    evidence: str | None = Field(
        default=None,
        description="What in the submission supports the rating (required for gating criteria "
        "and for ratings below the top level)",
    )


class AssessmentRequest(BaseModel):
    ratings: dict[str, RatingIn] = Field(
        description="Criterion id → rating and evidence, for every criterion of the rubric"
    )
    comment: str | None = Field(default=None, description="Overall remarks")


class ReturnRequest(BaseModel):
    reason: str = Field(
        description="What the coalition must change (it reads this)", max_length=4000
    )


class DecisionRequest(BaseModel):
    decision: str = Field(
        description="official, complementary (citizen data beside official statistics), "
        "contextual (narrative evidence only) or rejected",
        examples=["complementary"],
    )
    reason: str | None = Field(
        default=None, max_length=4000, description="Why (required when rejecting)"
    )
    conditions: str | None = Field(
        default=None,
        max_length=4000,
        description="Conditions of use (required when the rubric outcome is met with conditions)",
    )
    caveat: str | None = Field(
        default=None,
        max_length=1000,
        description="The line a VNR table prints beside the figure; a default names the "
        "producer, the reviewing office and the decision",
    )


class CasePublic(BaseModel):
    """A version's review case: screening, assessment, disclosure control, decision, history."""

    dataset: str
    version: int
    state: str
    steward: dict[str, str] | None
    screening: dict[str, Any]
    assessment: dict[str, Any] | None
    disclosure: dict[str, Any] | None
    decision: dict[str, Any] | None
    transitions: list[dict[str, Any]]
    allowed: list[dict[str, str]] = Field(description="Moves the workflow allows from here")


class RubricPublic(BaseModel):
    rubric: dict[str, Any]
    suggestions: dict[str, dict[str, Any]] = Field(
        description="Ratings the methodology metadata suggest, by criterion, for the reviewer "
        "to confirm or change"
    )


class SuppressionPublic(BaseModel):
    row_number: int
    series_key: str
    time_period: str
    unweighted_n: int | None
    value_withheld: bool
    conf_status: str
    obs_status: str | None
    rule: str
    reason: str


class SuppressionsPublic(BaseModel):
    disclosure: dict[str, Any] | None
    data: list[SuppressionPublic]


class ReviewSettingsUpdate(BaseModel):
    frequency_threshold: int | None = Field(
        default=None, description="Cells with an unweighted n below this are suppressed"
    )
    reliability_threshold: int | None = Field(
        default=None, description="Published cells with an unweighted n below this are flagged"
    )


class ReviewSettingsPublic(BaseModel):
    organisation: str
    frequency_threshold: int
    reliability_threshold: int
    rubric_is_default: bool
    rubric: dict[str, Any]
    updated_at: datetime | None


class InboxItem(BaseModel):
    dataset: str
    title: str
    version: int
    state: str
    provider: str
    action: str = Field(description="What the caller's organisation does next")
    since: datetime | None
    link: str


class InboxPublic(BaseModel):
    data: list[InboxItem]
    count: int


class WebhookCreate(BaseModel):
    url: str = Field(description="Where to POST events (https)", max_length=1000)


class WebhookPublic(BaseModel):
    id: int
    url: str
    active: bool
    created_at: datetime
    created_by: str


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_…); shown only now"
    )


class WebhooksPublic(BaseModel):
    data: list[WebhookPublic]


class DeliveryPublic(BaseModel):
    id: int
    event: dict[str, Any]
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime


class DeliveriesPublic(BaseModel):
    data: list[DeliveryPublic]
