"""Write docs/cli.md from the ``--help`` text of every command, so the page cannot drift.

    .venv/bin/python scripts/generate_cli_reference.py

``tests/test_docs.py`` fails when docs/cli.md differs from what this script would write.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from voicescount.cli import main

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"

HEADER = """# `voicescount` command reference

Generated from the commands' own help by `scripts/generate_cli_reference.py`; do not edit by hand.
Every command reads its configuration from `VOICESCOUNT_*` environment variables (see the README).
"""


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    paths = [prefix]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            paths.extend(_commands(command, [*prefix, name]))
        else:
            paths.append([*prefix, name])
    return paths


def render() -> str:
    runner = CliRunner()
    sections = [HEADER]
    for path in _commands(main, []):
        result = runner.invoke(main, [*path, "--help"], prog_name="voicescount", terminal_width=100)
        title = " ".join(["voicescount", *path])
        sections.append(f"## `{title}`\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(sections)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
