"""The blob store: raw bytes on disk, content-addressed by SHA-256, written once, never changed.

Files live at ``<root>/<first two hex digits>/<sha256>``. Writes go to a temporary file in the same
directory tree and are renamed into place, so a blob is either complete or absent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from voicescount.errors import PayloadTooLarge

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def _spool(self) -> tuple[int, Path]:
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        return fd, Path(name)

    def _commit(self, temp: Path, digest: str, size: int) -> StoredBlob:
        final = self.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            temp.unlink()
        else:
            os.replace(temp, final)
            final.chmod(0o444)
        return StoredBlob(digest, size, final)

    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        """Store bytes from an iterable of chunks, hashing as they arrive."""
        fd, temp = self._spool()
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise PayloadTooLarge(
                            f"The upload exceeds the limit of {max_bytes:,} bytes; split it into "
                            "smaller files or ask the operator to raise VOICESCOUNT_MAX_UPLOAD_BYTES."
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return self._commit(temp, digest.hexdigest(), size)

    async def put_stream(
        self, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        """Store bytes from an async stream (a request body) without holding them in memory."""
        fd, temp = self._spool()
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise PayloadTooLarge(
                            f"The upload exceeds the limit of {max_bytes:,} bytes; split it into "
                            "smaller files or ask the operator to raise VOICESCOUNT_MAX_UPLOAD_BYTES."
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return self._commit(temp, digest.hexdigest(), size)

    def put_file(self, source: BinaryIO, *, max_bytes: int | None = None) -> StoredBlob:
        return self.put_chunks(iter(lambda: source.read(CHUNK), b""), max_bytes=max_bytes)

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_chunks([data])

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")

    def copy_to(self, sha256: str, destination: Path) -> None:
        shutil.copyfile(self.path(sha256), destination)
