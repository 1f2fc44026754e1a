"""Signed audit checkpoints: made when the chain grows, verifiable by anyone with the public key,
and they catch a chain rewritten after them even when the rewrite re-hashes consistently.

Tampering goes straight to the tables through the engine, on a fresh database of each backend.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import select

from tests.conftest import Store
from voicescount.app import create_app
from voicescount.errors import Conflict
from voicescount.provenance import audit, checkpoints
from voicescount.storage.tables import AuditCheckpoint, AuditEntry

ENTRIES = AuditEntry.__table__  # type: ignore[attr-defined]
CHECKPOINTS = AuditCheckpoint.__table__  # type: ignore[attr-defined]


def append_entries(store: Store, n: int) -> None:
    with store.session() as session:
        for _ in range(n):
            seq = audit.count(session) + 1
            audit.append(
                session, actor="key:0123456789ab", action="test.act", subject=f"t:{seq}",
                details={"n": seq, "name": "Coalition de Côte d'Ivoire"},
            )  # fmt: skip
        session.commit()


def _key(store: Store) -> checkpoints.SigningKey:
    key = checkpoints.load_signing_key(store.settings())
    assert key is not None
    return key


def _checkpoint(store: Store, key: checkpoints.SigningKey | None = None) -> AuditCheckpoint | None:
    with store.session() as session:
        made = checkpoints.create(session, key or _key(store))
        session.commit()
        return made


def _entries(store: Store) -> list[AuditEntry]:
    with store.session() as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]


def _verify(store: Store, *extra: Ed25519PublicKey) -> checkpoints.Report:
    with store.session() as session:
        return checkpoints.verify_all(session, checkpoints.trusted_keys(store.settings(), extra))


def rewrite_from(store: Store, seq: int) -> None:
    """Forge entry ``seq`` and re-hash it and every later entry, so the chain fits again."""
    entries = _entries(store)
    prev_hash = entries[seq - 2].entry_hash if seq > 1 else audit.GENESIS_HASH
    with store.engine.begin() as connection:
        for entry in entries[seq - 1 :]:
            details = {"name": "forged"} if entry.seq == seq else entry.details
            new_hash = audit.entry_hash(
                seq=entry.seq,
                occurred_at=entry.occurred_at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                details=details,
                prev_hash=prev_hash,
            )
            connection.execute(
                update(ENTRIES)
                .where(ENTRIES.c.seq == entry.seq)
                .values(details=details, prev_hash=prev_hash, entry_hash=new_hash)
            )
            prev_hash = new_hash


def canonical(body: dict[str, Any]) -> bytes:
    """The signed bytes, rebuilt from a checkpoint's fields as an outside verifier would."""
    created_at = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    fields = {
        "type": "voicescount.audit.checkpoint/1",
        "number": body["number"],
        "seq": body["seq"],
        "entry_hash": body["entry_hash"],
        "entries": body["entries"],
        "created_at": created_at.isoformat(timespec="microseconds"),
        "key_id": body["key_id"],
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


# ------------------------------------------------------------------------------------------
# The key


def test_the_key_is_generated_once_private_and_reused(tmp_path: Path, fresh_store: Store) -> None:
    settings = fresh_store.settings(var_dir=tmp_path / "var")
    assert checkpoints.load_signing_key(settings, create=False) is None
    assert not (tmp_path / "var").exists()
    first = checkpoints.load_signing_key(settings)
    assert first is not None
    assert first.path == tmp_path / "var" / "audit-signing-key.pem"
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    again = checkpoints.load_signing_key(settings)
    assert again is not None and again.key_id == first.key_id
    raw = first.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert first.key_id == hashlib.sha256(raw).hexdigest()
    # No temporary file left behind.
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["audit-signing-key.pem"]


def test_a_configured_key_is_used_and_must_exist(tmp_path: Path, fresh_store: Store) -> None:
    private = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key = checkpoints.load_signing_key(fresh_store.settings(audit_signing_key_file=path))
    assert key is not None and key.key_id == checkpoints.key_id(private.public_key())

    missing = tmp_path / "nowhere.pem"
    for create in (True, False):
        with pytest.raises(checkpoints.SigningKeyError, match="does not exist"):
            checkpoints.load_signing_key(
                fresh_store.settings(audit_signing_key_file=missing), create=create
            )
    assert not missing.exists()  # a missing secret is never replaced by a fresh key

    ec_path = tmp_path / "ec.pem"
    ec_path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(checkpoints.SigningKeyError, match="not an Ed25519 key"):
        checkpoints.load_signing_key(fresh_store.settings(audit_signing_key_file=ec_path))


# ------------------------------------------------------------------------------------------
# Making checkpoints


def test_a_checkpoint_is_made_only_when_the_chain_grew(fresh_store: Store) -> None:
    key = _key(fresh_store)
    assert _checkpoint(fresh_store, key) is None  # empty chain
    append_entries(fresh_store, 3)
    first = _checkpoint(fresh_store, key)
    assert first is not None
    head = _entries(fresh_store)[-1]
    assert (first.number, first.seq, first.entries) == (1, 3, 3)
    assert first.entry_hash == head.entry_hash
    assert first.key_id == key.key_id
    assert _checkpoint(fresh_store, key) is None  # nothing new
    append_entries(fresh_store, 2)
    with fresh_store.session() as session:
        # Grown, but the last checkpoint is younger than the interval.
        assert checkpoints.create(session, key, min_interval=3600) is None
    second = _checkpoint(fresh_store, key)
    assert second is not None and (second.number, second.seq, second.entries) == (2, 5, 5)
    with fresh_store.session() as session:
        assert [c.number for c in checkpoints.newest_first(session, limit=10)] == [2, 1]
        assert checkpoints.count(session) == 2
    report = _verify(fresh_store)
    assert report.ok and report.reason is None
    assert (report.checkpoints.checked, report.checkpoints.latest_seq) == (2, 5)


def test_signatures_verify_with_the_public_key_alone(fresh_store: Store) -> None:
    key = _key(fresh_store)
    append_entries(fresh_store, 2)
    made = _checkpoint(fresh_store, key)
    assert made is not None
    public = serialization.load_pem_public_key(checkpoints.public_pem(key.public).encode())
    assert isinstance(public, Ed25519PublicKey)
    body = {**made.model_dump(), "created_at": made.created_at.isoformat()}
    payload = canonical(body)
    assert payload == checkpoints.payload_of(made)
    public.verify(base64.b64decode(made.signature), payload)  # raises if it does not verify
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(made.signature), payload.replace(b'"seq":2', b'"seq":1'))


def test_a_broken_chain_is_not_signed(fresh_store: Store) -> None:
    key = _key(fresh_store)
    append_entries(fresh_store, 3)
    assert _checkpoint(fresh_store, key) is not None
    append_entries(fresh_store, 3)
    with fresh_store.engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 5).values(actor="key:forged"))
    with pytest.raises(Conflict, match="broken at entry 5 "):
        _checkpoint(fresh_store, key)
    # Nor a chain rewritten under the last checkpoint: its entry no longer has the signed hash.
    rewrite_from(fresh_store, 2)
    with pytest.raises(Conflict, match=r"broken at entry 3 \(not the hash checkpoint 1 signed"):
        _checkpoint(fresh_store, key)
    with fresh_store.session() as session:
        assert checkpoints.count(session) == 1


def test_a_forged_last_checkpoint_is_not_built_upon(fresh_store: Store) -> None:
    key = _key(fresh_store)
    append_entries(fresh_store, 3)
    assert _checkpoint(fresh_store, key) is not None
    rewrite_from(fresh_store, 2)
    forged = _entries(fresh_store)[2].entry_hash
    with fresh_store.engine.begin() as connection:
        connection.execute(update(CHECKPOINTS).values(entry_hash=forged))
    append_entries(fresh_store, 1)
    with pytest.raises(Conflict, match="checkpoint 1 claims this key"):
        _checkpoint(fresh_store, key)


def test_after_a_key_change_the_chain_is_checked_from_the_start(
    tmp_path: Path, fresh_store: Store
) -> None:
    old = _key(fresh_store)
    append_entries(fresh_store, 3)
    assert _checkpoint(fresh_store, old) is not None
    new_path = tmp_path / "new.pem"
    new_path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    new_path.chmod(0o600)
    new_settings = fresh_store.settings(audit_signing_key_file=new_path)
    new = checkpoints.load_signing_key(new_settings)
    assert new is not None and new.key_id != old.key_id
    append_entries(fresh_store, 2)
    # The new key cannot vouch for the old checkpoint, so the walk starts at entry 1 and catches
    # a break before that checkpoint, which the hash it signed does not reveal.
    with fresh_store.engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(subject="t:forged"))
    with pytest.raises(Conflict, match="broken at entry 2 "):
        _checkpoint(fresh_store, new)
    with fresh_store.engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(subject="t:2"))
    made = _checkpoint(fresh_store, new)
    assert made is not None and (made.number, made.seq, made.key_id) == (2, 5, new.key_id)

    with fresh_store.session() as session:
        only_new = checkpoints.verify_all(session, checkpoints.trusted_keys(new_settings))
        both = checkpoints.verify_all(session, checkpoints.trusted_keys(new_settings, [old.public]))
    bad = only_new.checkpoints.first_bad
    assert bad is not None and (bad.number, bad.seq) == (1, 3)
    assert bad.reason == f"signed by key {old.key_id}, which is not trusted here"
    assert both.ok and both.checkpoints.checked == 2


# ------------------------------------------------------------------------------------------
# Verifying: tampering with checkpoints, and rewriting the chain under them


@pytest.fixture
def three_checkpoints(fresh_store: Store) -> Store:
    """Entries 1–9 with checkpoints at entries 3, 6 and 8."""
    key = _key(fresh_store)
    for n in (3, 3, 2, 1):
        append_entries(fresh_store, n)
        if len(_entries(fresh_store)) < 9:
            assert _checkpoint(fresh_store, key) is not None
    return fresh_store


@pytest.mark.parametrize(
    ("forged", "bad_checkpoint", "bad_seq"),
    [(1, 1, 3), (3, 1, 3), (4, 2, 6), (6, 2, 6), (8, 3, 8), (9, None, None)],
)
def test_a_rewritten_chain_is_caught_by_the_first_checkpoint_after_the_forgery(
    three_checkpoints: Store, forged: int, bad_checkpoint: int | None, bad_seq: int | None
) -> None:
    store = three_checkpoints
    rewrite_from(store, forged)
    with store.session() as session:
        assert audit.verify(session) == audit.Verification(ok=True, entries=9)  # chain fits
        assert [e.details for e in _entries(store)][forged - 1] == {"name": "forged"}
    report = _verify(store)
    assert report.chain.ok
    if bad_checkpoint is None:
        # Past the newest checkpoint only the chain protects: the next checkpoint will cover it.
        assert report.ok
        return
    assert not report.ok
    bad = report.checkpoints.first_bad
    assert bad is not None
    assert (bad.number, bad.seq) == (bad_checkpoint, bad_seq)
    assert bad.reason == f"entry {bad_seq} no longer has the hash this checkpoint signed"
    assert report.checkpoints.checked == bad_checkpoint - 1
    assert report.reason == f"checkpoint {bad_checkpoint}: {bad.reason}"


@pytest.mark.parametrize("column", ["signature", "entry_hash", "created_at", "seq"])
def test_a_tampered_checkpoint_fails_its_signature(three_checkpoints: Store, column: str) -> None:
    store = three_checkpoints
    with store.session() as session:
        original = checkpoints.get(session, 2)
    changes: dict[str, Any] = {
        "signature": base64.b64encode(bytes(64)).decode(),
        "entry_hash": _entries(store)[6].entry_hash,
        "created_at": original.created_at.replace(year=2020),
        "seq": 7,
    }
    with store.engine.begin() as connection:
        connection.execute(
            update(CHECKPOINTS).where(CHECKPOINTS.c.number == 2).values({column: changes[column]})
        )
    report = _verify(store)
    assert report.chain.ok and not report.ok
    bad = report.checkpoints.first_bad
    assert bad is not None and bad.number == 2
    assert bad.reason == "the signature does not verify"
    assert report.checkpoints.checked == 1


def test_a_deleted_checkpointed_entry_is_named_by_the_checkpoint(three_checkpoints: Store) -> None:
    store = three_checkpoints
    with store.engine.begin() as connection:
        connection.execute(delete(ENTRIES).where(ENTRIES.c.seq == 6))
    report = _verify(store)
    assert (report.chain.ok, report.chain.first_broken_seq) == (False, 6)
    bad = report.checkpoints.first_bad
    assert bad is not None and (bad.number, bad.seq) == (2, 6)
    assert bad.reason == "entry 6 no longer exists"
    assert report.reason == "entry 6: entry 6 is missing (found 7)"


def test_a_deleted_checkpoint_leaves_a_gap(three_checkpoints: Store) -> None:
    store = three_checkpoints
    with store.engine.begin() as connection:
        connection.execute(delete(CHECKPOINTS).where(CHECKPOINTS.c.number == 2))
    report = _verify(store)
    bad = report.checkpoints.first_bad
    assert bad is not None and (bad.number, bad.seq) == (2, None)
    assert bad.reason == "checkpoint 2 is missing"


# ------------------------------------------------------------------------------------------
# The endpoints


@pytest.fixture
def client(three_checkpoints: Store) -> Iterator[TestClient]:
    with TestClient(create_app(three_checkpoints.settings())) as test_client:
        yield test_client


def test_the_endpoints_publish_checkpoints_that_verify(
    client: TestClient, three_checkpoints: Store
) -> None:
    key_body = client.get("/api/v1/audit/public-key").json()
    assert set(key_body) == {"algorithm", "key_id", "pem"}
    assert key_body["algorithm"] == "Ed25519"
    public = serialization.load_pem_public_key(key_body["pem"].encode())
    assert isinstance(public, Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_body["key_id"] == hashlib.sha256(raw).hexdigest()

    listing = client.get("/api/v1/audit/checkpoints")
    assert listing.status_code == 200
    body = listing.json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 100, 0)
    assert [c["number"] for c in body["data"]] == [3, 2, 1]
    assert [c["seq"] for c in body["data"]] == [8, 6, 3]
    head_hashes = {e.seq: e.entry_hash for e in _entries(three_checkpoints)}
    for item in body["data"]:
        assert set(item) == {
            "number", "seq", "entry_hash", "entries", "created_at", "key_id", "algorithm",
            "signature", "signed_payload",
        }  # fmt: skip
        assert item["entry_hash"] == head_hashes[item["seq"]]
        assert item["key_id"] == key_body["key_id"]
        assert item["signed_payload"].encode() == canonical(item)
        public.verify(base64.b64decode(item["signature"]), canonical(item))

    page = client.get("/api/v1/audit/checkpoints", params={"limit": 1, "offset": 1}).json()
    assert [c["number"] for c in page["data"]] == [2] and page["count"] == 3
    assert client.get("/api/v1/audit/checkpoints", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/audit/checkpoints/latest").json() == body["data"][0]
    assert client.get("/api/v1/audit/checkpoints/2").json() == body["data"][1]
    missing = client.get("/api/v1/audit/checkpoints/99")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_verify_endpoint_reports_the_chain_and_the_checkpoints(
    client: TestClient, three_checkpoints: Store
) -> None:
    fine = client.get("/api/v1/audit/verify")
    assert fine.status_code == 200
    assert fine.headers["cache-control"] == "no-store"
    assert fine.json() == {
        "ok": True,
        "entries": 9,
        "first_broken_seq": None,
        "reason": None,
        "checkpoints_checked": 3,
        "first_bad_checkpoint": None,
    }
    rewrite_from(three_checkpoints, 5)
    assert client.get("/api/v1/audit/verify").json() == {
        "ok": False,
        "entries": 9,
        "first_broken_seq": None,
        "reason": "checkpoint 2: entry 6 no longer has the hash this checkpoint signed",
        "checkpoints_checked": 1,
        "first_bad_checkpoint": {
            "number": 2,
            "seq": 6,
            "reason": "entry 6 no longer has the hash this checkpoint signed",
        },
    }
    with three_checkpoints.engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(actor="key:x"))
    broken = client.get("/api/v1/audit/verify").json()
    assert (broken["ok"], broken["entries"], broken["first_broken_seq"]) == (False, 1, 2)
    assert broken["reason"] == "entry 2: content does not match its hash"
    assert broken["first_bad_checkpoint"]["number"] == 2


def test_without_checkpoints_latest_is_not_found(fresh_store: Store) -> None:
    with TestClient(create_app(fresh_store.settings())) as client:
        latest = client.get("/api/v1/audit/checkpoints/latest")
        assert latest.status_code == 404
        assert latest.json()["detail"] == "No audit checkpoint has been signed yet."
        assert client.get("/api/v1/audit/checkpoints").json() == {
            "data": [], "count": 0, "limit": 100, "offset": 0,
        }  # fmt: skip
        assert client.get("/api/v1/audit/verify").json()["checkpoints_checked"] == 0


# ------------------------------------------------------------------------------------------
# The worker


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _count(store: Store) -> int:
    with store.session() as session:
        return checkpoints.count(session)


def test_the_worker_signs_on_its_interval_while_the_chain_grows(fresh_store: Store) -> None:
    worker = checkpoints.CheckpointWorker(
        fresh_store.engine, fresh_store.settings(checkpoint_interval=0.05)
    )
    worker.start()
    try:
        time.sleep(0.2)
        assert _count(fresh_store) == 0  # nothing to sign yet
        append_entries(fresh_store, 2)
        _wait_for(lambda: _count(fresh_store) == 1)
        append_entries(fresh_store, 1)
        _wait_for(lambda: _count(fresh_store) == 2)
        time.sleep(0.3)  # several rounds without growth
        assert _count(fresh_store) == 2
    finally:
        worker.stop()
    assert not worker.running
    report = _verify(fresh_store)
    assert report.ok and report.checkpoints.latest_seq == 3


def test_the_worker_is_off_at_interval_zero(fresh_store: Store) -> None:
    worker = checkpoints.CheckpointWorker(
        fresh_store.engine, fresh_store.settings(checkpoint_interval=0)
    )
    worker.start()
    assert not worker.running
    worker.stop()


def test_the_server_starts_the_worker(fresh_store: Store) -> None:
    append_entries(fresh_store, 4)
    app = create_app(fresh_store.settings(checkpoint_interval=0.05))
    with TestClient(app) as client:
        _wait_for(lambda: client.get("/api/v1/audit/checkpoints/latest").status_code == 200)
        assert client.get("/api/v1/audit/checkpoints/latest").json()["seq"] == 4
        assert client.get("/api/v1/audit/verify").json()["ok"] is True
