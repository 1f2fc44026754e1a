"""``voicescount registry``: load the SDG structures and import national ones."""

from __future__ import annotations

import click


@click.group()
def registry() -> None:
    """The SDMX structure registry and the SDG framework."""
