"""The methodology metadata a coalition submits with each dataset version, and how it is checked.

:class:`MethodologyMetadata` is the strict model of the proposed schema (research notes §9): what a
statistics office needs to judge a community dataset — who produced it, how citizens were engaged,
how the data were collected, sampled, computed and protected, and where they came from. Its JSON
Schema (:func:`methodology_json_schema`) is published to coalitions, so every field carries a
description written for a coalition's data officer.

:func:`check_metadata` reports problems as a flat list of :class:`MetadataIssue` (dotted field
path, message, severity) instead of raising, because a data officer fixes a document best from
the whole list at once:

1. the document against the model (types, codes' forms, enumerations, missing fields, typos);
2. cross-field rules (conditional blocks, contradictions between figures or dates);
3. codes against the registry, through the :class:`~voicescount.intake.vocabulary.Vocabulary`.

Steps 2 and 3 read the raw document, not the model, so that a draft which does not validate yet
still gets every check its filled-in fields allow. A draft (``for_submission=False``) may be
incomplete: missing fields are warnings and only wrong values are errors. At submission every
missing required field is an error. :func:`parse_metadata` is the submission gate that returns the
typed model; :func:`load_metadata_file` reads YAML or JSON.

Requirement classes (§9): required at submission (R) are the model's required fields; needed
before publication (P) are optional here and warned about; conditional (C) fields are optional in
the model and demanded by the cross-field rules; system-generated (S) fields — submission id,
version, citation, quality assessment, disclosure control — are not part of what a coalition
submits, and nor are the data files' own descriptions (distributions, table schema), which the
service computes from the uploads.
"""

from voicescount.intake.metadata.checks import (
    MetadataIssue,
    check_metadata,
    methodology_json_schema,
    parse_metadata,
)
from voicescount.intake.metadata.files import load_metadata_file, parse_metadata_text
from voicescount.intake.metadata.model import (
    SCHEMA_NAME,
    SCHEMA_TITLE,
    MethodologyMetadata,
    Severity,
)

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_TITLE",
    "MetadataIssue",
    "MethodologyMetadata",
    "Severity",
    "check_metadata",
    "load_metadata_file",
    "methodology_json_schema",
    "parse_metadata",
    "parse_metadata_text",
]
