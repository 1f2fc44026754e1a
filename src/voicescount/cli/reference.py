"""``voicescount reference``: load official SDG data to compare community data with."""

from __future__ import annotations

from pathlib import Path

import click

from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, friendly_errors
from voicescount.comparison import reference as references
from voicescount.config import get_settings
from voicescount.storage.blobs import BlobStore


@click.group(context_settings=CONTEXT_SETTINGS)
def reference() -> None:
    """Reference sources: official SDG data (SDMX-ML 2.1, SDMX-CSV) beside community data."""


@reference.command("load", context_settings=CONTEXT_SETTINGS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="What comparisons call it (unique).")
@click.option("--agency", default=None, help="Agency answerable for it (default: the message's).")
@friendly_errors
def load(path: Path, name: str, agency: str | None) -> None:
    """Load an official data message as a reference source; all or nothing."""
    settings = get_settings()
    with cli_session() as session:
        source = references.load(
            session,
            path,
            name=name,
            agency=agency,
            actor="cli",
            store=BlobStore(settings.resolved_blob_dir),
            area_agency=settings.agency_id,
            max_rows=settings.max_upload_rows,
            filename=path.name,
        )
        summary = source.summary
        click.echo(
            f"loaded reference source {source.id} {source.name!r}: {source.observation_count} "
            f"observations of {len(summary['series'])} series in {len(summary['areas'])} areas, "
            f"{summary['periods']['first']}–{summary['periods']['last']}"
        )
        click.echo(f"  agency {source.agency or '-'}, data set {source.dataset or '-'}")
        click.echo(f"  {source.format}, SHA-256 {source.blob_sha256}")
        if summary["without_value"]:
            click.echo(f"  {summary['without_value']} observations without a value left out")
        if summary["unknown_areas"]:
            click.echo(
                "  areas voicescount does not know (never compared): "
                + ", ".join(summary["unknown_areas"])
            )


@reference.command("list", context_settings=CONTEXT_SETTINGS)
@friendly_errors
def list_sources() -> None:
    """List the reference sources loaded."""
    with cli_session() as session:
        for source in references.list_sources(session):
            click.echo(
                f"{source.id:>4}  {source.name}  [{source.agency or '-'}, "
                f"{source.dataset or '-'}]  {source.observation_count} observations  "
                f"loaded {source.loaded_at:%Y-%m-%d %H:%M} by {source.loaded_by}  "
                f"sha256 {source.blob_sha256[:12]}…"
            )
