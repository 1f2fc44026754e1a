"""opensdmx (needs Python 3.12+) against the live server, in its own virtualenv.

``make opensdmx-venv`` builds ``.venv-opensdmx`` in the checkout (the session fixture below runs it
when the virtualenv is missing, so ``make test`` works on a fresh machine; later runs reuse it).
``opensdmx_probe.py`` runs there: it registers the server with ``opensdmx.set_provider`` as
docs/nso.md shows, lists the dataflows, reads the DSD, codelists and availability, and downloads
data with opensdmx's default ``Accept: text/csv`` (SDMX-CSV 1.0 here).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.interop.conftest import (
    DIMENSIONS,
    FLOW,
    INDIA,
    VIET_NAM,
    VIET_NAM_SERIES,
    DemoServer,
)
from tests.interop.conftest import opensdmx_python as build_opensdmx_python

pytestmark = pytest.mark.interop

PROBE = Path(__file__).with_name("opensdmx_probe.py")


@pytest.fixture(scope="session")
def opensdmx_python() -> Path:
    """The opensdmx virtualenv's interpreter, built with ``make opensdmx-venv`` if missing."""
    return build_opensdmx_python()


@pytest.fixture(scope="module")
def found(
    demo_server: DemoServer, opensdmx_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    # A cache of its own: opensdmx caches the catalogue per agency id across runs.
    cache = tmp_path_factory.mktemp("opensdmx-cache")
    result = subprocess.run(
        [str(opensdmx_python), str(PROBE), demo_server.url],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "OPENSDMX_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout)


def test_opensdmx_lists_the_dataflows_and_reads_the_structure(found: dict[str, Any]) -> None:
    assert set(found["flows"]) == {FLOW} | {f"{FLOW}_G{goal:02d}" for goal in range(1, 18)}
    assert found["structure"] == "DSD_SDG_COMMUNITY"
    assert found["dimensions"] == list(DIMENSIONS)
    assert {"_T", "F", "M"} <= set(found["sex"])
    # codelist/ALL/CL_SERIES answers the global list and ours; opensdmx sees the community codes.
    assert {"LNOB_IN_KUTCHA_HH", VIET_NAM_SERIES, "EN_LND_SLUM"} <= set(found["series"])
    assert {"404", "NP-P2", "KE-30"} <= set(found["areas"])


def test_opensdmx_reads_the_availability(found: dict[str, Any]) -> None:
    available = found["available"]
    assert available["REF_AREA"] == ["356", "704", "NP-P2", "NP-P5", "NP-P6"]
    assert {"LNOB_IN_KUTCHA_HH", VIET_NAM_SERIES} <= set(available["SERIES"])
    assert available["SEX"] == ["F", "M", "_T"]


def test_opensdmx_gets_the_published_values_as_csv(
    demo_server: DemoServer, found: dict[str, Any]
) -> None:
    # opensdmx asks for text/csv, which means SDMX-CSV 1.0 on the SDMX-REST 1.5 tree.
    downloads = [r for r in demo_server.responses if r.accept == "text/csv"]
    assert len(downloads) >= 2
    assert {tuple(r.content_type.split(";")[:2]) for r in downloads} == {
        ("application/vnd.sdmx.data+csv", "version=1.0.0")
    }
    assert found["value_type"] == "Float64"
    viet_nam = {row["SEX"]: (row["OBS_VALUE"], row["UNWEIGHTED_N"]) for row in found["viet_nam"]}
    assert viet_nam == VIET_NAM
    assert {(row["REF_AREA"], row["TIME_PERIOD"]) for row in found["viet_nam"]} == {
        ("704", "2023-01-01")  # opensdmx turns periods into dates
    }
    india = {row["SERIES"]: (row["OBS_VALUE"], row["UNWEIGHTED_N"]) for row in found["india"]}
    assert india == INDIA
