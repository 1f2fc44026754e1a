"""``GET /health``: the application's and the database's state (the compose healthcheck uses it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from voicescount import __version__
from voicescount.api.deps import EngineDep
from voicescount.storage.db import probe
from voicescount.storage.migrate import head_revision

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service and database health")
def health(engine: EngineDep) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        database = probe(engine)
    except Exception as exc:  # the point of a health check is to report this, not to raise it
        body["status"] = "error"
        body["database"] = {"status": "unreachable", "error": type(exc).__name__}
        return JSONResponse(body, status_code=503)
    head = head_revision()
    migrated = database["revision"] == head
    body["database"] = {
        "status": "ok" if migrated else "needs-migration",
        "backend": database["backend"],
        "revision": database["revision"],
        "head": head,
    }
    if not migrated:
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if migrated else 503)
