"""``voicescount reference load|list``."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.cli.conftest import cli as cli
from tests.comparison.messages import sdmx_csv_1


def test_load_and_list(cli: Invoke, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    path = tmp_path / "unsd.csv"
    row = {"SERIES": "SI_POV_DAY1", "REF_AREA": "NP", "TIME_PERIOD": "2010", "UNIT_MEASURE": "PT"}
    path.write_bytes(
        sdmx_csv_1(
            [row | {"OBS_VALUE": "15.0"}, row | {"REF_AREA": "XX_1", "OBS_VALUE": "1"}],
            f"IAEG-SDGs:DF_SDG_GLH_{tag}(1.0)",
        )
    )
    name = f"UN SDG poverty {tag}"
    loaded = cli("reference", "load", str(path), "--name", name, "--agency", "UNSD")
    assert loaded.exit_code == 0, loaded.output
    assert f"{name!r}: 2 observations of 1 series in 2 areas, 2010–2010" in loaded.output
    assert f"agency UNSD, data set IAEG-SDGs:DF_SDG_GLH_{tag}(1.0)" in loaded.output
    assert "areas voicescount does not know (never compared): XX_1" in loaded.output
    listed = cli("reference", "list")
    assert listed.exit_code == 0
    line = next(line for line in listed.output.splitlines() if name in line)
    assert "[UNSD, IAEG-SDGs:DF_SDG_GLH_" in line and "2 observations" in line
    assert "by cli" in line


def test_a_refused_file_says_why_and_exits_1(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    row = {"SERIES": "SI_POV_DAY1", "REF_AREA": "524", "TIME_PERIOD": "2010"}
    path.write_bytes(sdmx_csv_1([row | {"OBS_VALUE": "fifteen"}], "X:Y(1.0)"))
    name = f"Refused {uuid.uuid4().hex[:8]}"
    result = cli("reference", "load", str(path), "--name", name)
    assert result.exit_code == 1
    assert "error: The reference source was refused: 1 problem in 1 observations" in result.output
    assert "line 2: not a number" in result.output
    assert name not in cli("reference", "list").output
