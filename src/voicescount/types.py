"""Shared enumerations used by several layers (storage, domain, API). Imports nothing from the project."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    """What an organisation is to voicescount."""

    #: Coalitions, CSOs, community groups: they submit data.
    DATA_PROVIDER = "data_provider"
    #: National statistics offices and other official stewards: they review, decide and publish.
    STEWARD = "steward"


class Role(StrEnum):
    """What an API key may do within its organisation."""

    SUBMITTER = "submitter"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    ADMIN = "admin"


class ArtefactType(StrEnum):
    """SDMX maintainable artefact types the registry stores (SDMX-REST resource names)."""

    AGENCYSCHEME = "agencyscheme"
    CATEGORISATION = "categorisation"
    CATEGORYSCHEME = "categoryscheme"
    CODELIST = "codelist"
    CONCEPTSCHEME = "conceptscheme"
    CONTENTCONSTRAINT = "contentconstraint"
    DATAFLOW = "dataflow"
    DATAPROVIDERSCHEME = "dataproviderscheme"
    DATASTRUCTURE = "datastructure"
    PROVISIONAGREEMENT = "provisionagreement"
