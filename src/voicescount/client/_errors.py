"""The client's exceptions, and how an HTTP answer becomes one (the tree is drawn in ``__init__``)."""

from __future__ import annotations

from typing import Any

import httpx

from voicescount.api.schemas.intake import IssuePublic


class ClientError(Exception):
    """Base of every error the voicescount client raises on purpose."""


class TransportError(ClientError):
    """The server could not be reached, or the connection failed before an answer came back."""


class ApiError(ClientError):
    """The server answered with an error: ``status`` and its RFC 9457 ``problem`` document.

    ``errors`` itemises the problem (fields, rows, artefacts). For uploads, ``issues`` holds the
    row-level issues, ``report_url`` the absolute URL of the full CSV report and ``upload_id``
    the upload kept on record (they are empty or ``None`` for other errors).
    """

    def __init__(self, status: int, problem: dict[str, Any], *, base_url: str = "") -> None:
        self.status = status
        self.problem = problem
        self._base_url = base_url.rstrip("/")
        super().__init__(f"{status} {self.title}: {self.detail}")

    @property
    def code(self) -> str:
        """The stable problem code, e.g. ``upload-rejected`` (empty if the server sent none)."""
        return str(self.problem.get("code") or "")

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or "Error")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or "")

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors = self.problem.get("errors")
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

    @property
    def issues(self) -> list[IssuePublic]:
        """Row- and column-level issues of an upload or a file check, with suggestions."""
        return [IssuePublic.model_validate(e) for e in self.errors if "issue" in e]

    @property
    def report_url(self) -> str | None:
        url = self.problem.get("report_url")
        if not url:
            return None
        return f"{self._base_url}{url}" if str(url).startswith("/") else str(url)

    @property
    def upload_id(self) -> int | None:
        upload = self.problem.get("upload")
        return upload if isinstance(upload, int) else None

    @property
    def summary(self) -> dict[str, Any]:
        summary = self.problem.get("summary")
        return summary if isinstance(summary, dict) else {}


class AuthenticationError(ApiError):
    """401: no key, or a malformed, unknown or revoked one."""


class PermissionDeniedError(ApiError):
    """403: the key's role or organisation may not do this."""


class NotFoundError(ApiError):
    """404: no such thing, or not visible to you (another organisation's drafts)."""


class ConflictError(ApiError):
    """409: clashes with the current state (a submitted version, a request still in progress)."""


class ValidationError(ApiError):
    """422: the content is wrong; ``errors`` names each field (metadata, findings, series…)."""


class UploadRejected(ValidationError):
    """422 ``upload-rejected``: the file failed validation; nothing from it was stored.

    ``issues`` lists the first issues by row and column, with suggestions; ``report_url`` has
    them all as CSV.
    """


class PayloadTooLargeError(ApiError):
    """413: more bytes or rows than the deployment accepts."""


class ServerError(ApiError):
    """5xx: a failure on the server (nothing was stored)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
}


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    # Not a problem document (a proxy's HTML page, say): keep what the person needs to see.
    return {
        "status": response.status_code,
        "title": response.reason_phrase or "Error",
        "detail": response.text[:500].strip(),
    }


def error_for(response: httpx.Response, base_url: str = "") -> ApiError:
    """The exception an error response stands for (the body must have been read)."""
    problem = _problem_of(response)
    status = response.status_code
    cls: type[ApiError]
    if status == 422 and problem.get("code") == "upload-rejected":
        cls = UploadRejected
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, ApiError)
    return cls(status, problem, base_url=base_url)
