"""Secret files generated once: written whole, readable by the owner alone, never overwritten.

The audit signing key (``provenance/checkpoints.py``) and the desk session secret
(``web/sessions.py``) are made on first use under ``var_dir``. Two processes may start at once,
so creation must be atomic: the bytes go to a temporary name opened with ``O_CREAT | O_EXCL``
and mode 0600, are flushed to disk, and are then *linked* into place. ``link`` never
overwrites, so whichever process links first wins and the other keeps the first file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_private_file(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` with mode 0600 unless ``path`` already exists.

    Creates the parent directories. Returns ``True`` when this call made the file, ``False``
    when another (or an earlier) writer had made it first; its content is then left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)
