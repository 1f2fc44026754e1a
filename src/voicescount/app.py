"""The composition root: ``create_app(settings)`` wires settings, storage, routers and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute

from voicescount import __version__
from voicescount.api import errors as api_errors
from voicescount.api.router import api_router
from voicescount.api.routers import health, problems
from voicescount.api.sdmx_rest import v1 as sdmx_v1
from voicescount.api.sdmx_rest import v2 as sdmx_v2
from voicescount.config import Settings, get_settings
from voicescount.notifications.worker import DeliveryWorker
from voicescount.provenance.checkpoints import CheckpointWorker
from voicescount.storage.db import make_engine
from voicescount.web import pages as web_pages

DESCRIPTION = """
voicescount takes in community-generated SDG data from civil-society coalitions, lets national
statistics offices review it, and publishes it as SDMX next to official statistics.

Authenticate with an API key: `Authorization: Bearer vck_…` (or `X-API-Key`). Reading published
data and the SDG registry needs no key. Errors are RFC 9457 `application/problem+json`.
"""


def _operation_id(route: APIRoute) -> str:
    # Readable method names in generated clients: "organisations-create_key".
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = DeliveryWorker(engine, settings.webhook_interval)
        if settings.webhook_interval > 0:
            worker.start()
        checkpointer = CheckpointWorker(engine, settings)  # off when checkpoint_interval is 0
        checkpointer.start()
        yield
        checkpointer.stop()
        if settings.webhook_interval > 0:
            worker.stop()
        engine.dispose()

    app = FastAPI(
        title="voicescount",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine
    # SDMX responses are large and repetitive text: compress them when the client accepts it.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=["ETag", "Last-Modified", "Location"],
    )
    api_errors.install(app)
    app.include_router(health.router)
    app.include_router(problems.router)
    app.include_router(api_router)
    app.include_router(sdmx_v1.router)
    app.include_router(sdmx_v2.router)
    web_pages.install(app)  # the public HTML pages and their static files
    return app
