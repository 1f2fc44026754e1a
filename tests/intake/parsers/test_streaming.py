"""Parsers stream: memory does not grow with the file, in every upload format.

Each format is read twice, at N and at 4N rows, and three things are checked (``_not_flat``),
where "size" is the bytes the parser has to read (for a workbook, its unzipped parts):

* the Python allocation peak (tracemalloc) at 4N stays under a quarter of the size plus 1 MB,
  so a parser that holds the file's bytes or text at once fails;
* that peak grows from N to 4N by less than a twentieth of the extra bytes, so a parser that
  keeps anything per row (the rows, their numbers, a DOM) fails too, whatever its baseline;
* resident memory (which also sees libxml2's and zlib's C allocations, invisible to tracemalloc)
  grows by less than the size: a C-level tree of the document is larger than that.

``test_the_bound_catches_whole_file_readers`` runs the same check on readers that hold the whole
file, to show that it fails them.
"""

from __future__ import annotations

import gc
import json
import os
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from tests.intake.parsers.big_files import (
    HEADER,
    write_csv,
    write_json_array,
    write_jsonl,
    write_sdmx_csv,
    write_sdmx_ml,
    write_xlsx,
)
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers.base import SourceRow

#: N: each format is read at N and 4N rows. Modest, so that the file runs in well under a minute.
ROWS = 12_000
#: Resident memory is sampled every this many rows.
SAMPLE_EVERY = 1_000
MB = 1024 * 1024

RowsOf = Callable[[Path], Iterable[SourceRow]]


@dataclass(frozen=True)
class Format:
    write: Callable[[Path, int], Path]
    filename: str
    #: The parser detection must choose, so that the intended parser is the one measured.
    parser: str
    rows: int = ROWS
    #: Memory the parser may hold whatever the size: buffers, and what it loads to start.
    base: int = 1 * MB
    #: Bytes per row the parser may keep (0: none; see xlsx).
    per_row: int = 0


FORMATS = {
    "csv": Format(write_csv, "big.csv", "csv"),
    "sdmx-csv": Format(write_sdmx_csv, "big.csv", "sdmx-csv-2"),
    "jsonl": Format(write_jsonl, "big.jsonl", "json"),
    "json-array": Format(write_json_array, "big.json", "json"),
    "sdmx-ml-generic": Format(write_sdmx_ml, "big.xml", "sdmx-ml-generic"),
    "sdmx-ml-structure-specific": Format(
        lambda path, rows: write_sdmx_ml(path, rows, generic=False),
        "big.xml",
        "sdmx-ml-structure-specific",
    ),
    # Fewer rows: openpyxl reads about 4,000 rows a second under tracemalloc. A larger base:
    # opening a workbook costs about 1.5 MB (styles, theme, zip directory). And a per-row
    # allowance: openpyxl's read-only reader clears each <row> element but leaves the emptied
    # element in its parent (xml.etree iterparse), about 80 bytes a row at 16,000 to 64,000 rows
    # (80 MB for a million rows). The sheet's XML is about 285 bytes a row, so a reader holding
    # it fails still (see test_the_bound_catches_whole_file_readers), and openpyxl's normal mode,
    # which loads the whole workbook, costs about 2.5 KB a row.
    "xlsx": Format(write_xlsx, "big.xlsx", "xlsx", rows=3_000, base=3 * MB, per_row=100),
}


@dataclass(frozen=True)
class Reading:
    rows: int
    #: Bytes to read: the file's size, or the sum of a zip's unpacked parts.
    size: int
    python_peak: int
    rss_growth: int


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _content_size(path: Path) -> int:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    return path.stat().st_size


def _read(path: Path, rows_of: RowsOf) -> Reading:
    """Iterate ``rows_of(path)`` to the end and measure it. It is called inside the measurement,
    so whatever a parser does before its first row (open, load, parse) is counted."""
    gc.collect()
    rss_before = rss_peak = _rss()
    tracemalloc.start()
    try:
        count = 0
        for count, _row in enumerate(rows_of(path), start=1):
            if count % SAMPLE_EVERY == 0:
                rss_peak = max(rss_peak, _rss())
        rss_peak = max(rss_peak, _rss())
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Reading(count, _content_size(path), python_peak, rss_peak - rss_before)


def _not_flat(small: Reading, large: Reading, spec: Format) -> list[str]:
    """What shows memory growing with the file; empty when it stays flat."""
    failures = []
    limit = large.size // 4 + spec.base + spec.per_row * large.rows
    if large.python_peak >= limit:
        failures.append(
            f"Python peak {large.python_peak:,} B (limit {limit:,}) reading {large.size:,} B"
        )
    growth = large.python_peak - small.python_peak
    limit = (large.size - small.size) // 20 + spec.per_row * (large.rows - small.rows)
    if growth >= limit:
        failures.append(
            f"Python peak grew by {growth:,} B (limit {limit:,}) from {small.rows:,} rows "
            f"to {large.rows:,}"
        )
    limit = large.size + spec.base + spec.per_row * large.rows
    if large.rss_growth >= limit:
        failures.append(f"resident memory grew by {large.rss_growth:,} B (limit {limit:,})")
    return failures


def _measure(tmp_path: Path, kind: str, rows_of: RowsOf) -> tuple[Reading, Reading]:
    spec = FORMATS[kind]
    readings = []
    for rows in (spec.rows, 4 * spec.rows):
        path = spec.write(tmp_path / f"{rows}-{spec.filename}", rows)
        reading = _read(path, rows_of)
        assert reading.rows == rows
        readings.append(reading)
        path.unlink()
    small, large = readings
    assert large.size > 3 * small.size  # the writer wrote what was asked
    return small, large


def _parsed(kind: str) -> RowsOf:
    def rows_of(path: Path) -> Iterable[SourceRow]:
        parser = open_parser(path)
        assert parser.format == FORMATS[kind].parser
        return parser.rows()

    return rows_of


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_memory_stays_flat(tmp_path: Path, kind: str) -> None:
    small, large = _measure(tmp_path, kind, _parsed(kind))
    assert not _not_flat(small, large, FORMATS[kind]), (small, large)


# ------------------------------------------------------------------------------------------
# The check itself: readers that hold the whole file fail it


def _holding_the_bytes(kind: str) -> RowsOf:
    """The real parser's rows, read while the file's whole content is held (``read()``)."""

    def rows_of(path: Path) -> Iterator[SourceRow]:
        content = path.read_bytes()
        yield from _parsed(kind)(path)
        assert content

    return rows_of


def _keeping_the_rows(kind: str) -> RowsOf:
    """The real parser's rows, collected in a list first."""

    def rows_of(path: Path) -> Iterator[SourceRow]:
        yield from list(_parsed(kind)(path))

    return rows_of


def _holding_an_xml_tree(kind: str) -> RowsOf:
    """The real parser's rows, read while lxml holds the whole document (C memory only)."""

    def rows_of(path: Path) -> Iterator[SourceRow]:
        tree = etree.parse(str(path))
        yield from _parsed(kind)(path)
        assert tree.getroot() is not None

    return rows_of


def _loading_the_json(_kind: str) -> RowsOf:
    """Rows of a JSON array read with ``json.load`` (no parser: fast, and the check is the same)."""

    def rows_of(path: Path) -> Iterator[SourceRow]:
        with path.open(encoding="utf-8") as f:
            records = json.load(f)
        for number, record in enumerate(records, start=1):
            yield SourceRow(number, record)

    return rows_of


def _holding_the_sheet_xml(_kind: str) -> RowsOf:
    """One row per <row> of a workbook's sheet, read whole out of the zip (no openpyxl, which
    would take long under tracemalloc; the check is the same)."""

    def rows_of(path: Path) -> Iterator[SourceRow]:
        with zipfile.ZipFile(path) as archive:
            sheet = archive.read("xl/worksheets/sheet1.xml")
        cells = [""] * len(HEADER)
        for number in range(2, sheet.count(b"<row ") + 1):  # row 1 is the header
            yield SourceRow(number, cells=cells, names=HEADER)

    return rows_of


@pytest.mark.parametrize(
    ("kind", "reader"),
    [
        ("csv", _holding_the_bytes),
        ("csv", _keeping_the_rows),
        ("json-array", _loading_the_json),
        ("sdmx-ml-structure-specific", _holding_an_xml_tree),
        ("xlsx", _holding_the_sheet_xml),
    ],
    ids=["csv-bytes", "csv-rows", "json-load", "sdmx-ml-tree", "xlsx-sheet-xml"],
)
def test_the_bound_catches_whole_file_readers(
    tmp_path: Path, kind: str, reader: Callable[[str], RowsOf]
) -> None:
    small, large = _measure(tmp_path, kind, reader(kind))
    assert _not_flat(small, large, FORMATS[kind]), (small, large)
