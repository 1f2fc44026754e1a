"""Datasets, versions, uploads, findings and mapping profiles on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class DatasetCreate(BaseModel):
    title: str = Field(examples=["Community dialogues on inequality, Kenya 2024"])
    metadata: dict[str, Any] | None = Field(
        default=None, description="Methodology metadata (see /api/v1/schemas/methodology)"
    )
    dataflow: str | None = Field(
        default=None,
        description="An imported (national) dataflow to report against, AGENCY:ID(VERSION) or "
        "AGENCY:ID for its latest version: its codelists validate the uploads and its "
        "SDMX-REST flow disseminates the releases. Default: the community dataflow.",
        examples=["KNBS:DF_SDG_KE(1.0)"],
    )


class MetadataIssuePublic(BaseModel):
    field: str
    message: str
    severity: str


class IssuePublic(BaseModel):
    row: int | None = Field(description="Row in the file as a person counts it (header = 1)")
    column: str | None
    component: str | None
    value: str | None
    severity: str = Field(description="error or warning")
    issue: str = Field(description="Kind of issue, e.g. unknown-code, not-numeric, duplicate-key")
    message: str
    suggestions: list[str] = Field(description="Ranked codes that may have been meant")


class UploadPublic(BaseModel):
    id: int
    status: str = Field(description="received, accepted, rejected or withdrawn")
    filename: str | None
    media_type: str | None
    format: str | None
    sha256: str
    bytes: int
    rows_read: int
    rows_stored: int
    errors: int
    warnings: int
    summary: dict[str, Any]
    created_at: datetime
    created_by: str
    report_url: str | None
    file_url: str


class UploadResult(UploadPublic):
    issues: list[IssuePublic] = Field(description="The first issues (all are in the CSV report)")


class ValidationResult(BaseModel):
    valid: bool
    summary: dict[str, Any]
    issues: list[IssuePublic]
    metadata_issues: list[MetadataIssuePublic] = Field(
        default_factory=list, description="Problems with the metadata sent (standalone checks)"
    )


class ReportPublic(BaseModel):
    upload: int
    summary: dict[str, Any]
    total: int
    issues: list[IssuePublic]


class FindingCreate(BaseModel):
    statement: str = Field(max_length=4000)
    method: str = Field(description="focus_group, key_informant_interview, citizen_dialogue, …")
    sdg_targets: list[str] = Field(examples=[["10.2"]])
    areas: list[str] = Field(default_factory=list, examples=[["KE-47"]])
    target_groups: list[str] = Field(default_factory=list, examples=[["LNOB_PWD"]])
    language: str = "en"
    evidence: str | None = Field(default=None, description="Where in the coalition's material")


class FindingPublic(FindingCreate):
    position: int


class VersionSummary(BaseModel):
    number: int
    state: str
    created_at: datetime
    submitted_at: datetime | None
    observation_count: int
    content_hash: str | None


class VersionPublic(VersionSummary):
    dataset: str
    title: str
    organisation: str
    dataflow: str | None = Field(
        default=None, description="The imported dataflow the dataset reports against, if any"
    )
    editable: bool
    created_by: str
    submitted_by: str | None
    previous_version: int | None
    metadata: dict[str, Any]
    metadata_issues: list[MetadataIssuePublic] = Field(
        description="What the metadata lacks or contradicts, judged as for submission"
    )
    uploads: list[UploadPublic]
    findings: int
    screening: dict[str, Any] | None = Field(
        default=None,
        description="The automatic screening at submission: blocking issues return the "
        "version, warnings go to the reviewer (each with check, code, severity, where, message)",
    )


class DatasetPublic(BaseModel):
    id: str
    title: str
    organisation: str
    dataflow: str | None = Field(
        default=None, description="The imported dataflow the dataset reports against, if any"
    )
    created_at: datetime
    versions: list[VersionSummary]


class DatasetsPublic(BaseModel):
    data: list[DatasetPublic]
    count: int


class VersionCreate(BaseModel):
    copy_observations: bool = Field(
        default=True, description="Start from the previous version's observations"
    )


class ObservationsPublic(BaseModel):
    total: int
    columns: list[str]
    data: list[list[Any]]


class MappingProfileSaved(BaseModel):
    name: str
    profile: dict[str, Any]
    updated_at: datetime


class MappingProfilesPublic(BaseModel):
    data: list[MappingProfileSaved]
    count: int


class CommunitySeriesCreate(BaseModel):
    code: str = Field(description="Starts with your organisation's id, e.g. LNOB_NP_SC01")
    name: str
    sdg_target: str = Field(examples=["5.5"])
    unit_measure: str = Field(examples=["SCORE"])
    sdg_indicators: list[str] = Field(default_factory=list)
    description: str | None = None


class CommunitySeriesPublic(CommunitySeriesCreate):
    organisation: str
    created_at: datetime


class CommunitySeriesList(BaseModel):
    data: list[CommunitySeriesPublic]
    count: int


class SuggestionsPublic(BaseModel):
    component: str
    value: str
    code: str | None = Field(description="The code the value resolves to, if it does")
    via: str | None
    problem: str | None
    suggestions: list[dict[str, str]]
