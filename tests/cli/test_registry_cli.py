"""``voicescount registry load|import|list``."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke
from tests.registry.national import national_message


def test_load_reports_what_it_loaded_and_is_idempotent(fresh_cli: Invoke) -> None:
    first = fresh_cli("registry", "load")
    assert first.exit_code == 0, first.output
    assert "global: 23 added, 0 replaced, 0 unchanged" in first.output
    assert "voicescount: 45 added" in first.output
    assert "17 goals" in first.output and "169 targets" in first.output
    second = fresh_cli("registry", "load")
    assert second.exit_code == 0
    assert "global: 0 added, 0 replaced, 23 unchanged" in second.output


def test_import_a_national_structure_file(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "ke1.xml"
    path.write_bytes(national_message(version="7.0"))
    result = cli("registry", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "added      datastructure KE1:SDG(7.0)" in result.output
    listed = cli("registry", "list", "--type", "dataflow")
    assert "KE1:DF_SDG_KE(7.0)" in listed.output


def test_a_refused_import_says_why_and_exits_1(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(national_message(version="7.1", missing_codelist=True))
    result = cli("registry", "import", str(path))
    assert result.exit_code == 1
    assert "error: The structure message was refused: datastructure KE1:SDG(7.1)" in result.output
    assert "KE1:CL_MISSING(1.0)" in result.output
    listed = cli("registry", "list", "--type", "datastructure")
    assert "KE1:SDG(7.1)" not in listed.output
