"""The one place that turns errors into HTTP: RFC 9457 ``application/problem+json`` bodies.

Each :class:`~voicescount.errors.VoicescountError` subclass maps to one status below; anything
unexpected becomes a 500 problem (logged with its traceback), never a bare stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from voicescount import errors

logger = logging.getLogger("voicescount")

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Error class → HTTP status. A test checks every subclass of VoicescountError is listed.
STATUS_BY_ERROR: dict[type[errors.VoicescountError], int] = {
    errors.NotFound: 404,
    errors.NoResults: 404,
    errors.NotAcceptable: 406,
    errors.AuthenticationRequired: 401,
    errors.PermissionDenied: 403,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.StructureError: 422,
    errors.UnreadableFile: 422,
    errors.UploadRejected: 422,
    errors.PayloadTooLarge: 413,
    errors.NotImplementedFeature: 501,
    errors.VoicescountError: 400,
}


def status_for(exc: errors.VoicescountError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_type(code: str) -> str:
    """Problem type URIs resolve: ``GET /problems/{code}`` explains each one."""
    return f"/problems/{code}"


def _all_error_classes() -> list[type[errors.VoicescountError]]:
    found: list[type[errors.VoicescountError]] = []
    pending: list[type[errors.VoicescountError]] = [errors.VoicescountError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


#: Problem types raised by the HTTP layer itself rather than by domain code.
HTTP_PROBLEMS: dict[str, tuple[str, int, str]] = {
    "invalid-request": (
        "Invalid request",
        422,
        "The request does not match what the endpoint accepts (a missing or mistyped parameter "
        "or field); 'errors' names each one.",
    ),
    "internal-error": (
        "Internal server error",
        500,
        "Something failed on the server. Nothing you sent was stored; try again, and tell the "
        "operator if it persists.",
    ),
}


def problem_catalogue() -> dict[str, dict[str, Any]]:
    """Every problem type this API answers with: code → title, status, description."""
    catalogue = {
        cls.code: {
            "title": cls.title,
            "status": STATUS_BY_ERROR.get(cls, 400),
            "description": cls.description,
        }
        for cls in _all_error_classes()
    }
    for code, (title, status, description) in HTTP_PROBLEMS.items():
        catalogue[code] = {"title": title, "status": status, "description": description}
    return dict(sorted(catalogue.items()))


async def _voicescount_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.VoicescountError)
    return problem_response_for(request, exc)


def problem_response_for(request: Request, exc: errors.VoicescountError) -> JSONResponse:
    """The problem+json answer for a domain error (also used to store idempotent replays)."""
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    extra: dict[str, Any] = {"code": exc.code}
    if exc.errors:
        extra["errors"] = exc.errors
    if isinstance(exc, errors.StructureError) and exc.artefact:
        extra["artefact"] = exc.artefact
    extra.update(exc.extra)
    return problem(
        status,
        exc.title,
        exc.detail,
        type_=problem_type(exc.code),
        instance=request.url.path,
        headers=headers,
        **extra,
    )


async def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ()) if part != "body"),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    return problem(
        422,
        "Invalid request",
        "The request does not match what this endpoint accepts; see 'errors'.",
        type_=problem_type("invalid-request"),
        instance=request.url.path,
        code="invalid-request",
        errors=items,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        str(exc.detail),
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "Internal server error",
        "Something went wrong on our side; nothing you sent was stored. Please try again.",
        type_=problem_type("internal-error"),
        instance=request.url.path,
        code="internal-error",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.VoicescountError, _voicescount_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
