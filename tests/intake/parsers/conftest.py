"""Fixtures for the parser tests: every input file is written by the test itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFile = Callable[[str, bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """Write ``data`` to a file called ``name`` in the test's directory and return its path."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write
