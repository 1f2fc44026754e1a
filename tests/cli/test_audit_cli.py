"""``voicescount audit key|checkpoint|verify``: output and exit codes, on a database of their own."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import update

from tests.cli.conftest import Invoke
from tests.conftest import Store
from tests.provenance.test_checkpoints import append_entries, rewrite_from
from voicescount.config import get_settings
from voicescount.storage.tables import AuditCheckpoint, AuditEntry

ENTRIES = AuditEntry.__table__  # type: ignore[attr-defined]
CHECKPOINTS = AuditCheckpoint.__table__  # type: ignore[attr-defined]


def _key_id(pem: str) -> str:
    public = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _use_key_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("VOICESCOUNT_AUDIT_SIGNING_KEY_FILE", str(path))
    get_settings.cache_clear()


def test_key_prints_the_public_key_and_keeps_it(fresh_cli: Invoke, fresh_store: Store) -> None:
    first = fresh_cli("audit", "key")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert first.stdout.endswith("-----END PUBLIC KEY-----\n")
    key_id = _key_id(first.stdout)
    assert f"key id (SHA-256 of the raw public key): {key_id}\n" in first.stderr
    path = fresh_store.var_dir / "audit-signing-key.pem"
    assert f"algorithm: Ed25519; private key: {path}" in first.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fresh_cli("audit", "key").stdout == first.stdout


def test_checkpoint_signs_only_when_the_log_grew(fresh_cli: Invoke, fresh_store: Store) -> None:
    empty = fresh_cli("audit", "checkpoint")
    assert (empty.exit_code, empty.stdout) == (0, "no new checkpoint: the audit log is empty\n")
    append_entries(fresh_store, 3)
    made = fresh_cli("audit", "checkpoint")
    assert made.exit_code == 0, made.output
    with fresh_store.session() as session:
        head = session.get(AuditEntry, 3)
        assert head is not None
    key_id = _key_id(fresh_cli("audit", "key").stdout)
    assert made.stdout == (f"checkpoint 1 signed: entry 3, hash {head.entry_hash}, key {key_id}\n")
    same = fresh_cli("audit", "checkpoint")
    assert same.stdout == "no new checkpoint: the log has not grown since checkpoint 1\n"
    append_entries(fresh_store, 2)
    assert fresh_cli("audit", "checkpoint").stdout.startswith("checkpoint 2 signed: entry 5, ")

    verified = fresh_cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert verified.stdout == (
        "audit log intact: 5 entries\ncheckpoints intact: 2 signed, the latest at entry 5\n"
    )


def test_checkpoint_refuses_a_broken_log(fresh_cli: Invoke, fresh_store: Store) -> None:
    append_entries(fresh_store, 3)
    with fresh_store.engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(action="forged"))
    result = fresh_cli("audit", "checkpoint")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: The audit log is broken at entry 2 (content does not match its hash)"
    )


def test_verify_catches_a_rewrite_under_a_checkpoint(fresh_cli: Invoke, fresh_store: Store) -> None:
    append_entries(fresh_store, 3)
    assert fresh_cli("audit", "checkpoint").exit_code == 0
    append_entries(fresh_store, 3)
    assert fresh_cli("audit", "checkpoint").exit_code == 0
    rewrite_from(fresh_store, 5)
    result = fresh_cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "audit log chain consistent: 6 entries\n"
        "audit checkpoint 2 (entry 6) FAILED: entry 6 no longer has the hash this checkpoint "
        "signed (1 checkpoints verified before it)\n"
    )


def test_verify_reports_a_tampered_signature_and_a_broken_chain(
    fresh_cli: Invoke, fresh_store: Store
) -> None:
    append_entries(fresh_store, 4)
    assert fresh_cli("audit", "checkpoint").exit_code == 0
    with fresh_store.engine.begin() as connection:
        connection.execute(
            update(CHECKPOINTS).values(signature=base64.b64encode(b"\x01" * 64).decode())
        )
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(subject="t:forged"))
    result = fresh_cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("audit log BROKEN at entry 2: content does not match its hash")
    assert lines[1] == (
        "audit checkpoint 1 (entry 4) FAILED: the signature does not verify "
        "(0 checkpoints verified before it)"
    )


def test_verify_trusts_an_earlier_key_given_on_the_command_line(
    fresh_cli: Invoke, fresh_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    append_entries(fresh_store, 2)
    assert fresh_cli("audit", "checkpoint").exit_code == 0
    old_public = tmp_path / "old.pem"
    old_public.write_text(fresh_cli("audit", "key").stdout)

    new_private = tmp_path / "new.pem"
    new_private.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    new_private.chmod(0o600)
    _use_key_file(monkeypatch, new_private)
    append_entries(fresh_store, 1)
    assert fresh_cli("audit", "checkpoint").stdout.startswith("checkpoint 2 signed: entry 3, ")

    untrusted = fresh_cli("audit", "verify")
    assert untrusted.exit_code == 1
    assert "audit checkpoint 1 (entry 2) FAILED: signed by key " in untrusted.stderr
    trusted = fresh_cli("audit", "verify", "--public-key", str(old_public))
    assert trusted.exit_code == 0, trusted.output
    assert trusted.stdout.endswith("checkpoints intact: 2 signed, the latest at entry 3\n")

    not_a_key = tmp_path / "junk.pem"
    not_a_key.write_text("hello")
    junk = fresh_cli("audit", "verify", "--public-key", str(not_a_key))
    assert (junk.exit_code, junk.stderr[:27]) == (1, "error: not a PEM public key")


def test_a_configured_key_file_must_exist(
    fresh_cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "secret" / "audit.pem"
    _use_key_file(monkeypatch, missing)
    for command in ("key", "checkpoint"):
        result = fresh_cli("audit", command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: VOICESCOUNT_AUDIT_SIGNING_KEY_FILE names {missing}, which does not exist\n"
        )
    assert not missing.exists()
