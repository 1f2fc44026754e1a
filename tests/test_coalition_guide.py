"""docs/coalitions.md runs as written: its example files, Python, command-line and curl examples
are executed in document order against a live server, on both stores.

How the guide's fenced blocks are read (the info string after the opening fence):

* ``csv file=NAME``, ``yaml file=NAME``: a file the examples use, written to the working
  directory first; ``base=PATH`` merges the block's top-level keys over that YAML file.
* ``python``: executed, all blocks in one namespace, as in one interactive session.
* ``console``: each ``$ voicescount …`` line is run with click's CliRunner; the lines after it
  are its expected output, matched in order against what it printed (``…`` stands for anything,
  and dataset ids, upload ids, content hashes and dates may differ). ``exit=N`` is the expected
  exit status (default 0).
* ``bash``: run with ``bash -euo pipefail``; a following ``text output`` block is its output.
* anything else (``sh``, ``text``, ``json``…) is shown, not run.
* ``setup=national`` on a block: before it runs, an admin imports a national structure
  (``KNBS:DF_SDG_KE``, built by ``tests/registry/national.py``).

The guide is written for the coalition ``LNOB_KE``; the test puts its own organisation's id in its
place, and the server and key come from ``VOICESCOUNT_SERVER`` and ``VOICESCOUNT_API_KEY``.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import Actor
from tests.registry.national import national_sdg_message
from voicescount.cli import main
from voicescount.types import OrgKind, Role

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "coalitions.md"
GUIDE_ORG = "LNOB_KE"
RUN = ("python", "console", "bash")

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
DATASET_ID = re.compile(r"ds-[0-9a-f]{10}")
VARIABLE = re.compile(r"(ds-[0-9a-f]{10}|[0-9a-f]{64}|…|(?<=upload )\d+|http://127\.0\.0\.1:8000)")


@dataclass
class Block:
    language: str
    attributes: dict[str, str]
    flags: set[str]
    body: str
    line: int = 0
    where: str = field(init=False)

    def __post_init__(self) -> None:
        self.where = f"{GUIDE.name}:{self.line}"


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        language = words[0] if words else ""
        attributes = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        flags = {w for w in words[1:] if "=" not in w}
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(language, attributes, flags, match["body"], line))
    return blocks


def test_the_guide_has_examples_of_every_kind() -> None:
    blocks = guide_blocks()
    assert all(b.language for b in blocks), "every fenced block names its language"
    languages = {b.language for b in blocks}
    assert {"python", "console", "bash"} <= languages
    for block in blocks:
        if block.language == "console":
            commands = [ln for ln in block.body.splitlines() if ln.startswith("$ ")]
            assert commands, f"{block.where}: a console block without a command"
            assert all(c.startswith("$ voicescount ") for c in commands), block.where
    files = {b.attributes["file"] for b in blocks if "file" in b.attributes}
    assert {"households.csv", "methodology.yaml", "mapping.yaml"} <= files


# ------------------------------------------------------------------------------------------
# Running the examples


class Ids:
    """Dataset ids of the guide → those the run created, learnt as output is matched."""

    def __init__(self) -> None:
        self.real: dict[str, str] = {}

    def substitute(self, text: str) -> str:
        return DATASET_ID.sub(lambda m: self.real.get(m.group(), m.group()), text)

    def pattern(self, expected: str) -> re.Pattern[str]:
        parts = []
        for token in VARIABLE.split(expected):
            if not token:
                continue
            if token == "…":
                parts.append(".*")
            elif DATASET_ID.fullmatch(token):
                known = token in self.real.values()
                parts.append(re.escape(token) if known else DATASET_ID.pattern)
            elif re.fullmatch(r"[0-9a-f]{64}", token):
                parts.append("[0-9a-f]{64}")
            elif token.isdigit():
                parts.append(r"\d+")
            elif token == "http://127.0.0.1:8000":
                parts.append(r"http://127\.0\.0\.1:\d+")
            else:
                parts.append(r"\s+".join(re.escape(w) for w in token.split(" ")))
        return re.compile("".join(parts))

    def learn(self, expected: str, actual: str) -> None:
        for doc_id, real_id in zip(
            DATASET_ID.findall(expected), DATASET_ID.findall(actual), strict=False
        ):
            self.real.setdefault(doc_id, real_id)


def match_output(expected: list[str], actual: list[str], ids: Ids, where: str) -> None:
    """Every expected line matches an actual line, in order (others may come between)."""
    position = 0
    for line in expected:
        if not line.strip() or line.strip() == "…":
            continue
        pattern = ids.pattern(ids.substitute(line.rstrip()))
        while position < len(actual) and not pattern.fullmatch(actual[position].rstrip()):
            position += 1
        assert position < len(actual), (
            f"{where}: expected output line not printed (in this order):\n  {line}\n"
            f"actual output:\n" + "\n".join(actual)
        )
        ids.learn(line, actual[position])
        position += 1


def run_console(block: Block, text: str, ids: Ids) -> None:
    expected_exit = int(block.attributes.get("exit", "0"))
    commands: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    for command, expected in commands:
        args = shlex.split(ids.substitute(command))
        assert args[0] == "voicescount"
        result = CliRunner().invoke(main, args[1:], catch_exceptions=False)
        where = f"{block.where}: $ {command}"
        assert result.exit_code == expected_exit, f"{where}\n{result.output}"
        match_output(expected, result.stdout.splitlines(), ids, where)


def write_file(block: Block, directory: Path) -> None:
    target = directory / block.attributes["file"]
    if "base" not in block.attributes:
        target.write_text(block.body, encoding="utf-8")
        return
    document: dict[str, Any] = yaml.safe_load((ROOT / block.attributes["base"]).read_text())
    document.update(yaml.safe_load(block.body))
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def officer(make_actor) -> Actor:
    # Upper case, so that the id is also the prefix of the organisation's community series.
    slug = f"LNOB_{uuid.uuid4().hex[:6].upper()}"
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=slug, country="KE")


def import_national_structure(server: str, make_actor) -> None:  # type: ignore[no-untyped-def]
    """Section 13's national structure, imported by an admin (once per store: importing the
    same final artefacts again changes nothing)."""
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    response = httpx.post(
        f"{server}/api/v1/structures",
        content=national_sdg_message(agency="KNBS", flow_id="DF_SDG_KE"),
        headers={
            **admin.headers,
            "Content-Type": "application/vnd.sdmx.structure+xml;version=2.1",
        },
        timeout=60,
    )
    assert response.status_code in (200, 201), response.text


def test_every_example_runs_against_a_live_server(
    live_server: str,
    officer: Actor,
    make_actor,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICESCOUNT_SERVER", live_server)
    monkeypatch.setenv("VOICESCOUNT_API_KEY", officer.token)
    blocks = guide_blocks()
    for block in blocks:
        if "file" in block.attributes:
            write_file(block, tmp_path)
    has_curl = bool(shutil.which("curl") and shutil.which("jq"))
    namespace: dict[str, Any] = {"__name__": "coalition_guide"}
    ids = Ids()
    ran: dict[str, int] = dict.fromkeys(RUN, 0)
    for index, block in enumerate(blocks):
        if block.language not in RUN or "file" in block.attributes:
            continue
        if block.attributes.get("setup") == "national":
            import_national_structure(live_server, make_actor)
        text = block.body.replace(GUIDE_ORG, officer.org)
        if block.language == "python":
            exec(compile(text, block.where, "exec"), namespace)
        elif block.language == "console":
            run_console(block, text, ids)
        elif has_curl:
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", text],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                check=False,
            )
            assert result.returncode == 0, f"{block.where}\n{result.stdout}\n{result.stderr}"
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following and following.language == "text" and "output" in following.flags:
                match_output(
                    following.body.splitlines(), result.stdout.splitlines(), ids, block.where
                )
        else:
            continue
        ran[block.language] += 1
    assert ran["python"] >= 5 and ran["console"] >= 5
    assert ran["bash"] >= 2 or not has_curl
    # What the examples did is on the server: the walk-through's datasets were submitted.
    client = namespace["client"]
    assert namespace["submitted"].state == "under_review"
    assert client.base_url == live_server
