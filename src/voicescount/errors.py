"""The voicescount error tree. Domain code raises these; ``api/errors.py`` alone turns them into HTTP.

* VoicescountError                 — base; ``code`` is stable and documented
  * NotFound                       — no such thing, or not visible to the caller (drafts never leak)
  * NoResults                      — a valid data query that matches no published observation
  * NotAcceptable                  — no representation offered matches the Accept header
  * AuthenticationRequired         — no credentials, or credentials that do not identify anyone
  * PermissionDenied               — identified, but the role or organisation may not do this
  * Conflict                       — the request clashes with the current state (duplicate, frozen…)
  * InvalidInput                   — the request is well-formed but its content is wrong
    * StructureError               — an SDMX structure message is malformed or inconsistent
    * UnreadableFile               — an uploaded file cannot be parsed at all
    * UploadRejected               — an upload failed validation; ``errors`` lists row and column
  * PayloadTooLarge                — a configured size or row limit was exceeded
  * NotImplementedFeature          — a standard endpoint or option that we do not offer yet

Classes name the condition; attributes carry the identifiers. Messages are written for the person who
sent the request: say what is wrong and, where possible, what to do instead.
"""

from __future__ import annotations

from typing import Any


class VoicescountError(Exception):
    """Base of every error voicescount raises on purpose."""

    code: str = "error"
    title: str = "Error"
    #: What the problem type means and what to do about it (served at ``/problems/{code}``).
    description: str = "The request could not be carried out."

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        #: Itemised problems (field/row/column level), rendered as ``errors`` in problem+json.
        self.errors: list[dict[str, Any]] = errors or []
        #: Further members of the problem document (an upload id, a report URL…).
        self.extra: dict[str, Any] = {}


class NotFound(VoicescountError):
    code = "not-found"
    title = "Not found"
    description = "The thing named in the request does not exist, or is not visible to you. Drafts of another organisation are reported as not found, never as forbidden, so that their existence does not leak."

    def __init__(self, kind: str, identifier: str, detail: str | None = None) -> None:
        super().__init__(detail or f"No {kind} '{identifier}'.")
        self.kind = kind
        self.identifier = identifier


class AuthenticationRequired(VoicescountError):
    code = "authentication-required"
    title = "Authentication required"
    description = "The request needs an API key, or the key sent is malformed, unknown or revoked. Send 'Authorization: Bearer vck_…' or 'X-API-Key: vck_…'."


class PermissionDenied(VoicescountError):
    code = "permission-denied"
    title = "Permission denied"
    description = "Your key identifies you, but your role or organisation may not do this. Ask an admin of your organisation (or of the statistics office) for a key with the right role."


class Conflict(VoicescountError):
    code = "conflict"
    title = "Conflict"
    description = "The request clashes with the current state: a duplicate identifier, a key already revoked, a frozen version."


class InvalidInput(VoicescountError):
    code = "invalid-input"
    title = "Invalid input"
    description = "The request is well-formed but its content is wrong; 'errors' lists each problem with the field, row or column it concerns."


class StructureError(InvalidInput):
    """A structure message was refused; ``artefact`` names the artefact at fault (URN-like)."""

    code = "invalid-structure"
    title = "Invalid SDMX structure"
    description = "An SDMX structure message is malformed or inconsistent: 'artefact' names the first artefact at fault and 'errors' lists every problem. Nothing was stored."

    def __init__(
        self,
        detail: str,
        *,
        artefact: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail, errors=errors)
        self.artefact = artefact


class PayloadTooLarge(VoicescountError):
    code = "payload-too-large"
    title = "Payload too large"
    description = "The request is larger than this deployment accepts (bytes or rows). Split it, or ask the operator about the limit."


class NotImplementedFeature(VoicescountError):
    code = "not-implemented"
    title = "Not implemented"
    description = "A standard endpoint or option that this service does not offer yet."


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be parsed (bad encoding, broken XML, not a spreadsheet…)."""

    code = "unreadable-file"
    title = "Unreadable file"
    description = (
        "The uploaded file cannot be read in the format it claims or seems to be; 'errors' says "
        "where reading stopped."
    )

    def __init__(self, detail: str, *, location: str | None = None) -> None:
        super().__init__(detail, errors=[{"location": location or "", "message": detail}])
        self.location = location


class UploadRejected(InvalidInput):
    """An upload was read but failed validation: nothing from it was stored."""

    code = "upload-rejected"
    title = "Upload rejected"
    description = (
        "The uploaded file was kept, but its rows were not stored because validation found "
        "errors. 'errors' lists each with its row, column, value and suggested codes; "
        "'report_url' gives the full report as CSV. Fix the file (or the mapping profile) and "
        "upload it again."
    )


class NoResults(VoicescountError):
    """A valid data query matching no data (SDMX-REST 1.5: 404 with code 100; 2.x: 204)."""

    code = "no-results"
    title = "No results"
    description = "The query is well formed but no published observation matches it."


class NotAcceptable(VoicescountError):
    code = "not-acceptable"
    title = "Not acceptable"
    description = (
        "None of the representations the Accept header (or format=) asks for is offered here; "
        "'errors' lists those that are."
    )
