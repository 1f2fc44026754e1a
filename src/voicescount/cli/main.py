"""The ``voicescount`` command: one group, one module per noun."""

from __future__ import annotations

import click

from voicescount import __version__
from voicescount.cli import access, audit, db, demo, reference, registry, serve, webhooks
from voicescount.cli.common import CONTEXT_SETTINGS
from voicescount.cli.submission import register as register_submission


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="voicescount")
def main() -> None:
    """voicescount: community SDG data, reviewed by statistics offices, published as SDMX.

    Configuration comes from VOICESCOUNT_* environment variables (see the README).
    """


main.add_command(serve.serve)
main.add_command(db.db)
main.add_command(access.org)
main.add_command(access.key)
main.add_command(registry.registry)
main.add_command(reference.reference)
main.add_command(audit.audit)
main.add_command(demo.demo)
main.add_command(webhooks.webhooks)
register_submission(main)
