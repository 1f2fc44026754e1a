"""HTTP glue for ``Idempotency-Key``: claim, run, store the answer, replay on retries."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from voicescount.access.roles import Principal
from voicescount.api.errors import problem_response_for
from voicescount.errors import VoicescountError
from voicescount.intake import idempotency

HEADER = "Idempotency-Key"

#: Errors worth replaying: the request was carried out and refused for good (an upload
#: rejected with its report). Others (not found, forbidden…) leave the key free for a retry.
REPLAYED_STATUSES = frozenset({413, 422})


async def run(
    request: Request,
    session: Session,
    principal: Principal,
    body_digest: str,
    handler: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run ``handler`` once per key; retries with the same key get the first answer."""
    key = request.headers.get(HEADER)
    if key is None:
        status, body = await handler()
        return JSONResponse(jsonable_encoder(body), status_code=status)
    fingerprint = idempotency.fingerprint(
        request.method, request.url.path, str(request.url.query), body_digest
    )
    claimed = await run_in_threadpool(
        idempotency.claim, session, principal.organisation_id, key, fingerprint
    )
    if isinstance(claimed, idempotency.Replay):
        response = JSONResponse(claimed.body, status_code=claimed.status_code)
        if claimed.status_code >= 400:
            response.headers["content-type"] = "application/problem+json"
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        status, body = await handler()
    except VoicescountError as exc:
        problem = problem_response_for(request, exc)
        if problem.status_code in REPLAYED_STATUSES:
            await run_in_threadpool(
                idempotency.complete,
                session,
                claimed,
                problem.status_code,
                json.loads(bytes(problem.body)),
            )
        else:
            await run_in_threadpool(idempotency.release, session, claimed)
        raise
    except BaseException:
        await run_in_threadpool(idempotency.release, session, claimed)
        raise
    encoded = jsonable_encoder(body)
    await run_in_threadpool(idempotency.complete, session, claimed, status, encoded)
    return JSONResponse(encoded, status_code=status)
