"""The blob store: content-addressed by SHA-256, written once, complete or absent, where the
settings say (``VOICESCOUNT_BLOB_DIR``, else ``var_dir/blobs``)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.test_intake import GOOD_CSV, kenya_metadata, upload
from tests.conftest import Actor, Store
from voicescount.app import create_app
from voicescount.config import Settings
from voicescount.errors import PayloadTooLarge
from voicescount.storage import blobs
from voicescount.storage.blobs import BlobStore
from voicescount.types import OrgKind, Role

DATA = b"Indicator,County,Year,Value\n5.3.1,KE-001,2023,12.5\n" * 1000


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def blob_files(root: Path) -> list[Path]:
    """Files under their final names (everything but the ``incoming`` spool)."""
    return [p for p in stored_files(root) if "incoming" not in p.relative_to(root).parts]


# ------------------------------------------------------------------------------------------
# Content addressing


def test_a_blob_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    blob = store.put_bytes(DATA)
    digest = sha256(DATA)
    assert blob.sha256 == digest
    assert blob.size == len(DATA)
    assert blob.path == tmp_path / "blobs" / digest[:2] / digest
    assert blob.path.read_bytes() == DATA
    assert blob_files(tmp_path / "blobs") == [blob.path]
    assert store.exists(digest)
    assert b"".join(store.iter_chunks(digest)) == DATA
    # Written once, never changed: the file is read-only.
    assert stat.S_IMODE(blob.path.stat().st_mode) == 0o444


def test_every_way_in_gives_the_same_name(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    digest = sha256(DATA)
    chunked = store.put_chunks([DATA[:7], b"", DATA[7:5000], DATA[5000:]])
    with (tmp_path / "source").open("wb") as f:
        f.write(DATA)
    with (tmp_path / "source").open("rb") as f:
        from_file = store.put_file(f)

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(DATA), 1000):
            yield DATA[start : start + 1000]

    streamed = asyncio.run(store.put_stream(stream()))
    assert chunked.sha256 == from_file.sha256 == streamed.sha256 == digest
    assert blob_files(tmp_path / "blobs") == [chunked.path]


def test_storing_the_same_bytes_twice_keeps_one_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put_bytes(DATA)
    modified = first.path.stat().st_mtime_ns
    inode = first.path.stat().st_ino
    second = store.put_bytes(DATA)
    assert second == first
    assert blob_files(tmp_path) == [first.path]
    # The first file was left alone, not replaced by the second copy.
    assert first.path.stat().st_ino == inode
    assert first.path.stat().st_mtime_ns == modified
    # No spooled copy is left behind either.
    assert stored_files(tmp_path / "incoming") == []
    other = store.put_bytes(DATA + b"\n")
    assert other.sha256 != first.sha256
    assert len(blob_files(tmp_path)) == 2


def test_the_empty_blob_is_a_blob(tmp_path: Path) -> None:
    blob = BlobStore(tmp_path).put_bytes(b"")
    assert blob.sha256 == sha256(b"") and blob.size == 0 and blob.path.read_bytes() == b""


@pytest.mark.parametrize("name", ["", "abc", "G" * 64, "A" * 64, "../" + "a" * 61])
def test_only_sha256_digests_name_blobs(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        BlobStore(tmp_path).path(name)


# ------------------------------------------------------------------------------------------
# Interrupted writes


def test_a_blob_is_absent_under_its_name_until_complete(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    seen: list[tuple[list[Path], list[Path]]] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(DATA), 10_000):
            yield DATA[start : start + 10_000]
            seen.append((blob_files(tmp_path), stored_files(tmp_path / "incoming")))

    blob = store.put_chunks(chunks())
    assert len(seen) > 2
    for final, spooled in seen[:-1]:
        assert final == []  # nothing under a final name while the bytes arrive
        assert len(spooled) == 1 and spooled[0].name.startswith("upload-")
    assert blob_files(tmp_path) == [blob.path]
    assert stored_files(tmp_path / "incoming") == []


@pytest.mark.parametrize("error", [ConnectionResetError, KeyboardInterrupt])
def test_a_write_interrupted_midway_leaves_nothing(
    tmp_path: Path, error: type[BaseException]
) -> None:
    store = BlobStore(tmp_path)

    def chunks() -> Iterator[bytes]:
        yield DATA[:5000]
        raise error("interrupted")

    with pytest.raises(error):
        store.put_chunks(chunks())
    assert not store.exists(sha256(DATA))
    assert not store.exists(sha256(DATA[:5000]))
    assert stored_files(tmp_path) == []


def test_an_interrupted_request_body_leaves_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)

    async def body() -> AsyncIterator[bytes]:
        yield DATA[:5000]
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put_stream(body()))
    assert not store.exists(sha256(DATA[:5000]))
    assert stored_files(tmp_path) == []


def test_a_write_over_the_limit_stops_and_leaves_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    consumed: list[int] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(DATA), 1000):
            consumed.append(start)
            yield DATA[start : start + 1000]

    with pytest.raises(PayloadTooLarge):
        store.put_chunks(chunks(), max_bytes=4500)
    assert len(consumed) == 5  # stopped at the chunk that crossed the limit, not at the end
    assert stored_files(tmp_path) == []


def test_a_failed_rename_leaves_nothing_under_the_final_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(source: object, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(blobs.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        BlobStore(tmp_path).put_bytes(DATA)
    assert blob_files(tmp_path) == []


def test_a_killed_writer_leaves_nothing_under_the_final_name(tmp_path: Path) -> None:
    """A process killed mid-write (no exception handler runs) leaves at most a spooled file."""
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import pathlib, time
        from voicescount.storage.blobs import BlobStore

        def chunks():
            yield {DATA[:5000]!r}
            pathlib.Path({str(ready)!r}).touch()
            time.sleep(60)
            yield {DATA[5000:]!r}

        BlobStore(pathlib.Path({str(tmp_path / "blobs")!r})).put_chunks(chunks())
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline, "the writer never got halfway"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=15)
    store = BlobStore(tmp_path / "blobs")
    assert not store.exists(sha256(DATA)) and not store.exists(sha256(DATA[:5000]))
    assert blob_files(tmp_path / "blobs") == []


# ------------------------------------------------------------------------------------------
# Where blobs go


def test_the_blob_directory_defaults_to_var_dir_blobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOICESCOUNT_BLOB_DIR", raising=False)
    monkeypatch.setenv("VOICESCOUNT_VAR_DIR", str(tmp_path / "state"))
    assert Settings().resolved_blob_dir == tmp_path / "state" / "blobs"


def test_the_blob_directory_comes_from_voicescount_blob_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICESCOUNT_VAR_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VOICESCOUNT_BLOB_DIR", str(tmp_path / "elsewhere"))
    assert Settings().resolved_blob_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize("how", ["setting", "environment"])
@pytest.mark.parametrize("body", ["raw", "multipart"])
def test_an_upload_lands_in_the_configured_directory(
    store: Store,
    make_actor: Callable[..., Actor],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    body: str,
) -> None:
    blob_dir = tmp_path / f"custom-blobs-{how}"
    if how == "setting":
        settings = store.settings(blob_dir=blob_dir)
    else:
        monkeypatch.setenv("VOICESCOUNT_BLOB_DIR", str(blob_dir))
        settings = store.settings()
    default_dir = store.var_dir / "blobs"
    before = set(stored_files(default_dir)) if default_dir.exists() else set()
    coalition: Actor = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")
    # Bytes of this test alone (a value no other test uses), so no other test stored this blob.
    value = f"{uuid.uuid4().int % 100_000 / 1000:.3f}"  # a percentage, 0 to 99.999
    data = (GOOD_CSV + f"SP_DYN_MRBF18,KE-30,M,2023,{value},90\n").encode()

    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/api/v1/datasets",
            json={"title": "Blob directory", "metadata": kenya_metadata()},
            headers=coalition.headers,
        )
        assert created.status_code == 201, created.text
        uid = created.json()["dataset"]
        if body == "raw":
            response = upload(client, coalition, uid, data, filename="data.csv")
        else:
            response = client.post(
                f"/api/v1/datasets/{uid}/versions/1/uploads",
                files={"file": ("data.csv", data, "text/csv")},
                headers=coalition.headers,
            )
        assert response.status_code in (200, 201), response.text
        result = response.json()
        digest = sha256(data)
        assert result["sha256"] == digest
        path = blob_dir / digest[:2] / digest
        assert path.read_bytes() == data
        # The bytes served back come from there.
        served = client.get(result["file_url"], headers=coalition.headers)
        assert served.status_code == 200 and served.content == data

    # Everything the upload stored (the file, its report) is in the configured directory and
    # named by its content; nothing new went to the default one.
    files = blob_files(blob_dir)
    assert path in files
    for file in files:
        assert file.name == sha256(file.read_bytes()) and file.parent.name == file.name[:2]
    after = set(stored_files(default_dir)) if default_dir.exists() else set()
    assert after == before
    assert os.listdir(blob_dir / "incoming") == []
