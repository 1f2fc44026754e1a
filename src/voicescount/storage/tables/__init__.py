"""SQLModel table classes, one module per area. Importing this package registers them all."""

from voicescount.storage.tables.access import ApiKey, Organisation
from voicescount.storage.tables.audit import AuditCheckpoint, AuditEntry
from voicescount.storage.tables.intake import (
    Blob,
    CommunitySeries,
    Dataset,
    DatasetVersion,
    Finding,
    IdempotencyRecord,
    MappingProfile,
    Observation,
    Upload,
)
from voicescount.storage.tables.publishing import PublishedObservation, Release
from voicescount.storage.tables.reference import ReferenceObservation, ReferenceSource
from voicescount.storage.tables.registry import (
    DsdComponent,
    SdgGoal,
    SdgIndicator,
    SdgSeries,
    SdgSeriesIndicator,
    SdgTarget,
    StructureArtefact,
    StructureItem,
)
from voicescount.storage.tables.review import (
    ReviewCase,
    ReviewTransition,
    StewardSettings,
    Suppression,
    Webhook,
    WebhookDelivery,
)

__all__ = [
    "ApiKey",
    "AuditCheckpoint",
    "AuditEntry",
    "Blob",
    "CommunitySeries",
    "Dataset",
    "DatasetVersion",
    "DsdComponent",
    "Finding",
    "IdempotencyRecord",
    "MappingProfile",
    "Observation",
    "Organisation",
    "PublishedObservation",
    "ReferenceObservation",
    "ReferenceSource",
    "Release",
    "ReviewCase",
    "ReviewTransition",
    "SdgGoal",
    "SdgIndicator",
    "SdgSeries",
    "SdgSeriesIndicator",
    "SdgTarget",
    "StewardSettings",
    "StructureArtefact",
    "StructureItem",
    "Suppression",
    "Upload",
    "Webhook",
    "WebhookDelivery",
]
