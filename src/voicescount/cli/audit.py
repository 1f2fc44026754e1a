"""``voicescount audit``: check the tamper-evident audit log."""

from __future__ import annotations

import sys

import click

from voicescount.cli.common import CONTEXT_SETTINGS, cli_session
from voicescount.provenance import audit as audit_log


@click.group(context_settings=CONTEXT_SETTINGS)
def audit() -> None:
    """The hash-chained audit log."""


@audit.command(context_settings=CONTEXT_SETTINGS)
def verify() -> None:
    """Recompute the chain; exit 1 and name the first broken entry if it was tampered with."""
    with cli_session() as session:
        result = audit_log.verify(session)
    if result.ok:
        click.echo(f"audit log intact: {result.entries} entries")
        return
    click.echo(
        f"audit log BROKEN at entry {result.first_broken_seq}: {result.reason} "
        f"({result.entries} entries verified before it)",
        err=True,
    )
    sys.exit(1)
