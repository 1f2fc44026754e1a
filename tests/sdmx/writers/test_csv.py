"""SDMX-CSV 1.0 and 2.0: the csv module, sdmx1 (2.0) and pysdmx read back what was written."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pysdmx.errors
import pysdmx.io
import pytest

from tests.sdmx.writers.support import (
    CITATION,
    COMMENT,
    DIMENSIONS,
    OBS_ATTRIBUTES,
    datasets,
    expected_rows,
    header,
    same,
    sdmx1_read,
    sdmx1_rows,
    sdmx1_structures,
    write,
)
from voicescount.sdmx.data import Action, Detail, WriteOptions
from voicescount.sdmx.writers.sdmx_csv import write_csv10, write_csv20

COLUMNS = [
    *DIMENSIONS,
    "TIME_PERIOD",
    "OBS_VALUE",
    *OBS_ATTRIBUTES,
    "UNIT_MEASURE",
    "DATA_SOURCE_NOTE",
]


def _records(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _as_rows(records: list[dict[str, str]]) -> list[dict[str, Any]]:
    leading = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION"}
    rows = []
    for record in records:
        row: dict[str, Any] = {k: v for k, v in record.items() if k not in leading}
        row["value"] = row.pop("OBS_VALUE")
        rows.append(row)
    return rows


def _all(expected: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [row for rows in expected for row in rows]


@pytest.mark.parametrize("writer", [write_csv10, write_csv20], ids=["1.0", "2.0"])
def test_csv_reads_back_with_the_csv_module(writer: Any) -> None:
    data = write(writer)
    assert b"\r\n" in data and data.endswith(b"\r\n")  # RFC 4180 line breaks
    records = _records(data)
    leading = ["DATAFLOW"] if writer is write_csv10 else ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert list(records[0]) == leading + COLUMNS
    assert same(_as_rows(records), _all(expected_rows(datasets())))
    if writer is write_csv10:
        assert {r["DATAFLOW"] for r in records} == {"VOICES:DF_SDG_CGD(1.0)"}
    else:
        assert {(r["STRUCTURE"], r["STRUCTURE_ID"]) for r in records} == {
            ("dataflow", "VOICES:DF_SDG_CGD(1.0)")
        }
        assert [r["ACTION"] for r in records] == ["I", "I", "I", "I", "R", "R"]


def test_csv_cells() -> None:
    records = _records(write(write_csv20))
    assert records[0]["CITATION_REF"] == CITATION
    assert records[1]["COMMENT_OBS"] == COMMENT
    # A suppressed cell: NaN in 2.0 ("intentionally missing"), empty in 1.0.
    assert records[1]["OBS_VALUE"] == "NaN"
    assert _records(write(write_csv10))[1]["OBS_VALUE"] == ""
    assert records[5]["OBS_VALUE"] == "0.000325" and records[4]["OBS_VALUE"] == "1250"
    assert records[4]["DATA_SOURCE_NOTE"] == ""  # the second data set has none
    text = write(write_csv20).decode()
    assert '"Сведения скрыты <5 — 保密 ""small cell"" & N/A"' in text
    no_flow = _records(write(write_csv20, header=header(flow=None)))
    assert (no_flow[0]["STRUCTURE"], no_flow[0]["STRUCTURE_ID"]) == (
        "datastructure",
        "VOICES:SDG_CGD(1.0)",
    )


def test_labels_both() -> None:
    names = {("SEX", "F"): "Female", ("OBS_STATUS", "A"): "Normal value"}
    options = WriteOptions(labels="both", names=lambda c, code: names.get((c, code)))
    records = _records(write(write_csv10, options=options))
    columns = list(records[0])
    assert columns[:2] == ["DATAFLOW", "FREQ: Frequency"]
    assert "REF_AREA: Reference area" in columns and "OBS_VALUE: Observation value" in columns
    assert records[0]["SEX"] == "F: Female" and records[0]["OBS_STATUS"] == "A: Normal value"
    assert records[0]["REF_AREA: Reference area"] == "KE-28"  # no name known: the code
    assert records[0]["TIME_PERIOD"] == "2021" and records[0]["CITATION_REF"] == CITATION


@pytest.mark.parametrize("writer", [write_csv10, write_csv20], ids=["1.0", "2.0"])
@pytest.mark.parametrize("detail", [Detail.DATAONLY, Detail.SERIESKEYSONLY, Detail.NODATA])
def test_csv_detail(writer: Any, detail: Detail) -> None:
    records = _records(write(writer, detail=detail))
    columns = list(records[0])
    assert ("OBS_STATUS" in columns) is False
    assert ("UNIT_MEASURE" in columns) is (detail is Detail.NODATA)
    if detail is Detail.DATAONLY:
        assert len(records) == 6
    else:
        # One attribute-only row per series: empty time and value (SDMX-CSV 2.0 example 13).
        assert len(records) == 3
        assert {(r["TIME_PERIOD"], r["OBS_VALUE"]) for r in records} == {("", "")}
    rows = _as_rows(records)
    if detail is not Detail.DATAONLY:
        rows = [{k: v for k, v in r.items() if k not in ("TIME_PERIOD", "value")} for r in rows]
    assert same(rows, _all(expected_rows(datasets(), detail=detail)))


@pytest.mark.parametrize("writer", [write_csv10, write_csv20], ids=["1.0", "2.0"])
def test_an_empty_csv_message_has_its_header_row(writer: Any) -> None:
    data = write(writer, data=[])
    assert data.count(b"\r\n") == 1
    assert data.decode().split(",")[-1] == "DATA_SOURCE_NOTE\r\n"


@pytest.fixture
def _quiet_sdmx1() -> None:
    logging.getLogger("sdmx").setLevel(logging.ERROR)


@pytest.mark.interop
@pytest.mark.usefixtures("_quiet_sdmx1")
def test_sdmx1_reads_csv20_with_the_dataflow() -> None:
    """sdmx1 reads SDMX-CSV 2.0 (not 1.0) given the dataflow, one data set per action."""
    _, flow = sdmx1_structures()
    message = sdmx1_read(write(write_csv20), structure=flow, format="CSV")
    assert [d.action.name for d in message.data] == ["information", "replace"]
    for actual, expected in zip(sdmx1_rows(message), expected_rows(datasets()), strict=True):
        assert same(actual, expected)


@pytest.mark.interop
@pytest.mark.parametrize("writer", [write_csv10, write_csv20], ids=["1.0", "2.0"])
def test_pysdmx_reads_csv(writer: Any) -> None:
    """pysdmx reads both versions when all rows share one action (see the next test)."""
    data = datasets(action2=Action.INFORMATION)
    message = pysdmx.io.read_sdmx(io.BytesIO(write(writer, data=data)))
    (dataset,) = message.data
    assert dataset.short_urn == "Dataflow=VOICES:DF_SDG_CGD(1.0)"
    rows = dataset.data.rename(columns={"OBS_VALUE": "value"}).to_dict("records")
    rows = [{k: v for k, v in r.items() if k != "ACTION"} for r in rows]
    assert same(rows, _all(expected_rows(datasets())))


@pytest.mark.interop
def test_pysdmx_rejects_csv20_with_two_actions() -> None:
    """pysdmx 1.21: "Cannot have more than one value on ACTION column, or 2 if D is present".
    Only ``includeHistory`` answers mix actions; canary for a fix."""
    with pytest.raises(pysdmx.errors.Invalid, match="ACTION"):
        pysdmx.io.read_sdmx(io.BytesIO(write(write_csv20)))
