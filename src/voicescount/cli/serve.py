"""``voicescount serve``: run the API with uvicorn."""

from __future__ import annotations

import click

from voicescount.cli.common import CONTEXT_SETTINGS
from voicescount.config import get_settings


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--host", default=None, help="Interface to bind (default: VOICESCOUNT_HOST).")
@click.option("--port", default=None, type=int, help="Port to bind (default: VOICESCOUNT_PORT).")
@click.option("--workers", default=1, show_default=True, help="uvicorn worker processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API and SDMX endpoints."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "voicescount.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
    )
