"""Parsers stream: reading 200,000 rows must not make memory grow with the file."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.intake.parsers.big_files import write_csv, write_sdmx_ml
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers.base import SourceRow

ROWS = 200_000
#: Python allocations while iterating (tracemalloc peak).
MAX_PYTHON_GROWTH = 20 * 1024 * 1024
#: Resident memory growth, which also sees libxml2's C allocations that tracemalloc does not.
MAX_RSS_GROWTH = 40 * 1024 * 1024


def _rss() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _consume(rows: Iterable[SourceRow]) -> tuple[int, int, int]:
    """Rows read, peak Python allocation growth, peak resident memory growth."""
    gc.collect()
    rss_before = _rss() or 0
    rss_peak = rss_before
    tracemalloc.start()
    try:
        count = 0
        for count, _row in enumerate(rows, start=1):
            if count % 10_000 == 0:
                rss_peak = max(rss_peak, _rss() or 0)
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, python_peak, rss_peak - rss_before


@pytest.mark.parametrize("kind", ["csv", "sdmx-ml-generic"])
def test_memory_stays_flat(tmp_path: Path, kind: str) -> None:
    if kind == "csv":
        path = write_csv(tmp_path / "big.csv", ROWS)
    else:
        path = write_sdmx_ml(tmp_path / "big.xml", ROWS)
    assert path.stat().st_size > 5 * 1024 * 1024

    parser = open_parser(path)
    count, python_growth, rss_growth = _consume(parser.rows())

    assert count == ROWS
    assert python_growth < MAX_PYTHON_GROWTH, python_growth
    assert rss_growth < MAX_RSS_GROWTH, rss_growth
