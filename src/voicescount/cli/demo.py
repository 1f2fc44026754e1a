"""``voicescount demo``: demo datasets of the five pilots, so a new deployment shows content."""

from __future__ import annotations

import click

from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, friendly_errors
from voicescount.config import get_settings
from voicescount.demo.loader import load_companions, load_demo, load_official


@click.group(context_settings=CONTEXT_SETTINGS)
def demo() -> None:
    """Demo datasets of the five Leave No One Behind pilots."""


@demo.command("load", context_settings=CONTEXT_SETTINGS)
@friendly_errors
def load() -> None:
    """Create and submit a demo dataset for each pilot (idempotent).

    Creates a demo coalition and a demo statistics office per country, then, as the coalition,
    defines its series, creates the dataset, sets its metadata, uploads its observations, adds
    its findings and submits. Values the coalitions did not report are marked illustrative. The
    audit log names the coalition's steps key:demo-<organisation>; no such key is stored. Then
    loads official SDG data (extracts of Kenya's national data and the UN Global SDG Database)
    as reference sources, and a wholly illustrative Kenyan dataset that compares with them.
    Needs the SDG structures (voicescount registry load). Prints one line per pilot, then one
    per illustrative dataset and per official file.
    """
    settings = get_settings()
    with cli_session() as session:
        results = [*load_demo(session, settings), *load_companions(session, settings)]
        official = load_official(session, settings)
    for result in [*results, *official]:
        click.echo(result.line())
