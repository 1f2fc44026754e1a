"""docs/nso.md runs as written: its sdmx1, pysdmx, opensdmx and curl examples are executed in
document order against a live server holding the published demo, on both stores, and every SDMX
message they received is validated against the official schemas afterwards.

The guide's fenced blocks are read as docs/coalitions.md's are (the parser, the output matching
and the dataset-id substitution are those of ``tests/test_coalition_guide.py``):

* ``python``: executed, all blocks in one namespace, as in one interactive session.
* ``python opensdmx``: run on its own in the opensdmx virtualenv (Python 3.12+, see
  ``tests/interop``).
* ``bash``: run with ``bash -euo pipefail`` (curl and jq; skipped where either is missing).
* ``text output`` after any of these: what it printed, matched line by line in order (``…``
  stands for anything, and dataset ids and the server's port may differ).
* ``setup=kenya`` on a block: before it runs, a Kenyan coalition's survey on a global SDG series
  is published and Kenya's official data (``tests/interop/data``) is saved as ``KE1.xml``.
* ``setup=national`` on a block: before it runs, a national structure is imported and a
  coalition's dataset reported against its dataflow is published (``tests/interop/national``).
* anything else (``text``, ``sh``…) is shown, not run.

The guide addresses the server of ``make run`` (``http://127.0.0.1:8000``); the test puts the live
server's address in its place.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.interop.conftest import (
    COMMUNITY_ATTRIBUTES,
    DemoServer,
    kenya_slums_pilot,
    opensdmx_python,
    serve_demo,
    validate_recorded,
)
from tests.interop.national import import_structure, publish_national_release, set_up_office
from tests.test_coalition_guide import FENCE, Block, Ids, match_output

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "nso.md"
#: The address the guide's examples use: that of ``make run``.
GUIDE_URL = "http://127.0.0.1:8000"
OFFICIAL_DATA = ROOT / "tests" / "interop" / "data" / "ke1-official-subset.xml"
RUN = ("python", "bash")


class GuideBlock(Block):
    def __post_init__(self) -> None:
        self.where = f"{GUIDE.name}:{self.line}"


def guide_blocks() -> list[GuideBlock]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        blocks.append(
            GuideBlock(
                language=words[0] if words else "",
                attributes=dict(w.split("=", 1) for w in words[1:] if "=" in w),
                flags={w for w in words[1:] if "=" not in w},
                body=match["body"],
                line=text.count("\n", 0, match.start()) + 1,
            )
        )
    return blocks


def test_the_guide_covers_what_a_statistician_needs() -> None:
    blocks = guide_blocks()
    assert all(b.language for b in blocks), "every fenced block names its language"
    code = "\n".join(b.body for b in blocks if b.language in RUN)
    # The three ways in, on both trees.
    assert "sdmx.add_source(" in code and "sdmx.Client(" in code
    assert "RestService(" in code and "curl " in code
    assert "/sdmx/v1/" in code and "/sdmx/v2/" in code
    # The queries: dataflows, the DSD with references, data by key, provider and period,
    # availability, changes since, formats by Accept header.
    for needle in (
        "dataflow",
        "references=",
        "provisionagreement",
        "provider",
        "startPeriod",
        "c[TIME_PERIOD]",
        "updatedAfter",
        "availableconstraint",
        "availability",
        "Accept: $accept",
    ):
        assert needle in code, needle
    # Every community attribute of the DSD is explained.
    text = GUIDE.read_text(encoding="utf-8")
    for attribute in COMMUNITY_ATTRIBUTES:
        assert f"| `{attribute}` |" in text, f"{attribute} is not in the attribute table"
    # Every example that prints is followed by what it prints.
    for index, block in enumerate(blocks):
        if block.language in RUN and re.search(r"\bprint\(|\| jq|grep -o|-w '", block.body):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            assert following and "output" in following.flags, f"{block.where}: no output shown"


# ------------------------------------------------------------------------------------------
# Running the examples


@pytest.fixture(scope="module", params=BACKENDS)
def guide_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """The registry and the demo, published as ``make run`` publishes them, served live."""
    backend: str = request.param
    with serve_demo(backend, tmp_path_factory.mktemp(f"nso-guide-{backend}"), request) as server:
        yield server


def run_python(text: str, where: str, namespace: dict[str, Any]) -> list[str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(text, where, "exec"), namespace)
    return printed.getvalue().splitlines()


def run_opensdmx(text: str, where: str, directory: Path) -> list[str]:
    script = directory / "opensdmx_example.py"
    script.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(opensdmx_python()), str(script)],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=240,
        check=False,
        # opensdmx caches catalogues per agency across runs: one cache per run.
        env={**os.environ, "OPENSDMX_CACHE_DIR": str(directory / "opensdmx-cache")},
    )
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr[-5000:]}"
    return result.stdout.splitlines()


def run_bash(text: str, where: str, directory: Path) -> list[str]:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", text],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"
    return result.stdout.splitlines()


def set_up_kenya(server: DemoServer, directory: Path) -> None:
    """What section 8 needs beyond the demo: community data on a global series, and an
    official message to join them with."""
    result = server.publish(kenya_slums_pilot())
    assert result.state == "published", result
    shutil.copyfile(OFFICIAL_DATA, directory / "KE1.xml")


def set_up_national(server: DemoServer) -> None:
    """What section 10 needs: the office's national structure imported, and a coalition's
    dataset reported against its dataflow, published."""
    import_structure(server, set_up_office(server))
    publish_national_release(server)


def test_every_example_runs_against_a_live_server(
    guide_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mark = len(guide_server.responses)
    blocks = guide_blocks()
    has_curl = bool(shutil.which("curl") and shutil.which("jq"))
    namespace: dict[str, Any] = {"__name__": "nso_guide"}
    ids = Ids()
    done: set[str] = set()
    ran = {"python": 0, "opensdmx": 0, "bash": 0}
    for index, block in enumerate(blocks):
        if block.language not in RUN:
            continue
        setup = block.attributes.get("setup")
        if setup == "kenya" and setup not in done:
            set_up_kenya(guide_server, tmp_path)
            done.add(setup)
        if setup == "national" and setup not in done:
            set_up_national(guide_server)
            done.add(setup)
        text = block.body.replace(GUIDE_URL, guide_server.url)
        if block.language == "python" and "opensdmx" in block.flags:
            printed, kind = run_opensdmx(text, block.where, tmp_path), "opensdmx"
        elif block.language == "python":
            printed, kind = run_python(text, block.where, namespace), "python"
        elif has_curl:
            printed, kind = run_bash(text, block.where, tmp_path), "bash"
        else:
            continue
        ran[kind] += 1
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following and following.language == "text" and "output" in following.flags:
            match_output(following.body.splitlines(), printed, ids, block.where)
    assert ran["python"] >= 8 and ran["opensdmx"] == 1
    assert ran["bash"] >= 8 or not has_curl
    # What the examples received is valid SDMX, in every format the guide shows.
    kinds = validate_recorded(guide_server, guide_server.responses[mark:])
    expected = {"structure-ml-2.1", "structure-ml-3.0", "generic-data-ml-2.1", "ss-data-ml-2.1"}
    expected |= {"data-csv-1.0", "data-csv-2.0"}
    if has_curl:
        expected |= {"structure-json-2.0", "data-json-1.0", "data-json-2.0"}
    assert expected <= set(kinds), kinds
