"""``voicescount registry``: load the SDG structures and import national ones."""

from __future__ import annotations

from pathlib import Path

import click

from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, friendly_errors
from voicescount.config import get_settings
from voicescount.registry import service as structures


@click.group(context_settings=CONTEXT_SETTINGS)
def registry() -> None:
    """The SDMX structure registry and the SDG framework."""


@registry.command("load", context_settings=CONTEXT_SETTINGS)
@friendly_errors
def load() -> None:
    """Load the SDG DSD, voicescount's structures and the SDG framework (idempotent)."""
    settings = get_settings()
    with cli_session() as session:
        report = structures.load_registry(session, agency=settings.agency_id, actor="cli")
    counts = report.pop("framework")
    for origin, parts in report.items():
        click.echo(
            f"{origin}: {len(parts['added'])} added, {len(parts['replaced'])} replaced, "
            f"{len(parts['unchanged'])} unchanged"
        )
    click.echo("SDG framework: " + ", ".join(f"{count} {what}" for what, count in counts.items()))


@registry.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly_errors
def import_file(path: Path) -> None:
    """Import an SDMX-ML 2.1 structure message (a national DSD, codelists, dataflows)."""
    settings = get_settings()
    with cli_session() as session:
        report = structures.import_structures(
            session,
            path.read_bytes(),
            agency=settings.agency_id,
            actor="cli",
            max_bytes=settings.max_structure_bytes,
        )
    for label in report.added:
        click.echo(f"added      {label}")
    for label in report.replaced:
        click.echo(f"replaced   {label}")
    for label in report.unchanged:
        click.echo(f"unchanged  {label}")


@registry.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--type", "artefact_type", default=None, help="codelist, datastructure, dataflow…")
@friendly_errors
def list_artefacts(artefact_type: str | None) -> None:
    """List registered structures."""
    with cli_session() as session:
        rows = structures.list_structures(
            session, artefact_type=structures.parse_type(artefact_type) if artefact_type else None
        )
        for row in rows:
            name = row.names.get("en", "")
            click.echo(
                f"{row.artefact_type:<20} {row.agency_id}:{row.artefact_id}({row.version})  {name}"
            )
