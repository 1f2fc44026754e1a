"""Secret files made once: private, whole, never overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

from voicescount.keyfiles import create_private_file


def test_a_new_file_is_written_whole_and_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "secret"
    assert create_private_file(path, b"first\n") is True
    assert path.read_bytes() == b"first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_file_is_kept_and_no_temporary_is_left(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    create_private_file(path, b"first\n")
    assert create_private_file(path, b"second\n") is False
    assert path.read_bytes() == b"first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
