"""Signed checkpoints of the audit chain: Ed25519 signatures over its head, published for anyone.

The hash chain alone catches edits that leave it inconsistent, but whoever can write the database
can also rewrite every entry after a forgery and re-hash them so the chain fits again. A
checkpoint stops that: it signs "entry ``seq`` had hash ``entry_hash``" with a key the database
does not hold, and is published, so a rewritten chain no longer matches a checkpoint taken before
the rewrite. :func:`verify_checkpoints` checks each signature and that each signed entry still has
its signed hash; deleting the newest checkpoints is caught only by those who kept a copy, which
is why they are public.

The signed bytes are the canonical JSON (sorted keys, no whitespace, UTF-8) of ``type``,
``number``, ``seq``, ``entry_hash``, ``entries``, ``created_at`` (UTC, microseconds) and
``key_id`` (SHA-256 hex of the raw 32-byte public key): see :func:`signed_payload`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from voicescount.config import Settings
from voicescount.errors import Conflict, NotFound
from voicescount.keyfiles import create_private_file
from voicescount.provenance import audit
from voicescount.storage.tables import AuditCheckpoint, AuditEntry
from voicescount.storage.types import utcnow

log = logging.getLogger(__name__)

ALGORITHM = "Ed25519"
#: Names what the signed bytes are, so a signature cannot be passed off as one over anything else.
PAYLOAD_TYPE = "voicescount.audit.checkpoint/1"
#: Where the key is generated when ``VOICESCOUNT_AUDIT_SIGNING_KEY_FILE`` is unset.
DEFAULT_KEY_FILE = "audit-signing-key.pem"
#: Longest pause between the worker's looks at the chain, so that restarts do not starve it.
MAX_POLL = 60.0
#: Serialises checkpoint writers on PostgreSQL (the audit log's appenders use 7405163).
_PG_LOCK = 7405164


class SigningKeyError(RuntimeError):
    """The signing key is missing where configured, unreadable, or not an Ed25519 key.

    An operator's problem, not a caller's: deliberately not a ``VoicescountError``.
    """


# ------------------------------------------------------------------------------------------
# Keys


def key_id(public: Ed25519PublicKey) -> str:
    """The key's fingerprint: SHA-256 (hex) of the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    """The public key as SubjectPublicKeyInfo PEM (what ``openssl pkey -pubin`` reads)."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def parse_public_key(pem: bytes) -> Ed25519PublicKey:
    """Read an Ed25519 public key from PEM, e.g. an earlier key kept to check old checkpoints."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SigningKeyError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"not an {ALGORITHM} public key ({type(key).__name__})")
    return key


@dataclass(frozen=True)
class SigningKey:
    """The deployment's checkpoint signing key and the file it was read from."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> str:
        """The Ed25519 signature of ``data``, base64 (standard alphabet, padded)."""
        return base64.b64encode(self.private.sign(data)).decode("ascii")


def key_path(settings: Settings) -> Path:
    if settings.audit_signing_key_file is not None:
        return settings.audit_signing_key_file
    return settings.var_dir / DEFAULT_KEY_FILE


def load_signing_key(settings: Settings, *, create: bool = True) -> SigningKey | None:
    """The signing key; generated at the default path on first use when none is configured.

    A configured file that does not exist is an error (a missing secret must not be replaced by
    a fresh key silently). With ``create=False`` a missing default key gives ``None``.
    """
    path = key_path(settings)
    if not path.exists():
        if settings.audit_signing_key_file is not None:
            raise SigningKeyError(
                f"VOICESCOUNT_AUDIT_SIGNING_KEY_FILE names {path}, which does not exist"
            )
        if not create:
            return None
        _generate(path)
    return _read(path)


def _generate(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # When two processes start at once both end up using the same (first) key.
    if create_private_file(path, pem):
        log.warning("generated the audit checkpoint signing key at %s", path)


def _read(path: Path) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the audit signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an {ALGORITHM} key")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        log.warning("the audit signing key %s is readable by others: chmod 600 it", path)
    return SigningKey(key, path)


def trusted_keys(
    settings: Settings, extra: Iterable[Ed25519PublicKey] = ()
) -> dict[str, Ed25519PublicKey]:
    """Key id → public key for verification: the deployment's key (if any) and ``extra`` ones."""
    keys = {key_id(public): public for public in extra}
    own = load_signing_key(settings, create=False)
    if own is not None:
        keys[own.key_id] = own.public
    return keys


# ------------------------------------------------------------------------------------------
# The signed statement


def signed_payload(
    *, number: int, seq: int, entry_hash: str, entries: int, created_at: datetime, key_id: str
) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    return json.dumps(
        {
            "type": PAYLOAD_TYPE,
            "number": number,
            "seq": seq,
            "entry_hash": entry_hash,
            "entries": entries,
            "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "key_id": key_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def payload_of(checkpoint: AuditCheckpoint) -> bytes:
    return signed_payload(
        number=checkpoint.number,
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        entries=checkpoint.entries,
        created_at=checkpoint.created_at,
        key_id=checkpoint.key_id,
    )


def signature_valid(checkpoint: AuditCheckpoint, public: Ed25519PublicKey) -> bool:
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public.verify(signature, payload_of(checkpoint))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# ------------------------------------------------------------------------------------------
# Reading


def latest(session: Session) -> AuditCheckpoint | None:
    statement = select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1)  # type: ignore[attr-defined]
    return session.exec(statement).first()


def get(session: Session, number: int) -> AuditCheckpoint:
    checkpoint = session.get(AuditCheckpoint, number)
    if checkpoint is None:
        raise NotFound("audit checkpoint", str(number))
    return checkpoint


def newest_first(session: Session, *, limit: int, offset: int = 0) -> list[AuditCheckpoint]:
    statement = (
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.number.desc())  # type: ignore[attr-defined]
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(statement))


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditCheckpoint)).one())


# ------------------------------------------------------------------------------------------
# Making one


def create(session: Session, key: SigningKey, *, min_interval: float = 0) -> AuditCheckpoint | None:
    """Sign the chain's head if it grew since the last checkpoint, in the caller's transaction.

    Nothing happens (``None``) on an empty chain, a chain that has not grown, or when the last
    checkpoint is younger than ``min_interval`` seconds. The entries since the last checkpoint
    are verified first: a broken chain is never signed (:class:`Conflict`).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK})"))  # type: ignore[call-overload]
    last = latest(session)
    if (
        last is not None
        and min_interval > 0
        and utcnow() - last.created_at < timedelta(seconds=min_interval)
    ):
        return None
    head = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()  # type: ignore[attr-defined]
    if head is None or (last is not None and head.seq <= last.seq):
        return None
    if last is not None and last.key_id == key.key_id and not signature_valid(last, key.public):
        raise Conflict(
            f"Audit checkpoint {last.number} claims this key but its signature does not verify; "
            "no checkpoint was signed. Run 'voicescount audit verify'."
        )
    # Walk on from the last checkpoint when it is ours; after a key change, from the beginning.
    trusted = last is not None and last.key_id == key.key_id
    problem = _chain_problem(session, last=last, from_last=trusted, upto=head.seq)
    if problem is not None:
        seq, reason = problem
        raise Conflict(
            f"The audit log is broken at entry {seq} ({reason}); no checkpoint was signed. "
            "Run 'voicescount audit verify'."
        )
    checkpoint = AuditCheckpoint(
        number=1 if last is None else last.number + 1,
        seq=head.seq,
        entry_hash=head.entry_hash,
        entries=head.seq,  # the chain was just checked gap-free from 1 (or a signed anchor)
        created_at=utcnow(),
        key_id=key.key_id,
        signature="",
    )
    checkpoint.signature = key.sign(payload_of(checkpoint))
    session.add(checkpoint)
    session.flush()
    return checkpoint


def _recomputed(entry: AuditEntry) -> str:
    return audit.entry_hash(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )


def _chain_problem(
    session: Session,
    *,
    last: AuditCheckpoint | None,
    from_last: bool,
    upto: int,
    batch_size: int = 5000,
) -> tuple[int, str] | None:
    """The first entry up to ``upto`` that breaks the chain, with the reason.

    The walk starts at the last checkpoint's entry when ``from_last`` (what comes before is
    covered by its signature), otherwise at entry 1; either way that entry must still have the
    hash the last checkpoint signed.
    """
    first = last.seq if last is not None and from_last else 1
    expected_seq = first
    expected_prev: str | None = audit.GENESIS_HASH if first == 1 else None
    statement = (
        select(AuditEntry)
        .where(AuditEntry.seq >= first, AuditEntry.seq <= upto)  # type: ignore[operator]
        .order_by(AuditEntry.seq)  # type: ignore[arg-type]
        .execution_options(yield_per=batch_size)
    )
    for entry in session.exec(statement):
        if entry.seq != expected_seq:
            return expected_seq, "the entry is missing"
        if last is not None and entry.seq == last.seq and entry.entry_hash != last.entry_hash:
            return entry.seq, f"not the hash checkpoint {last.number} signed"
        if expected_prev is not None and entry.prev_hash != expected_prev:
            return entry.seq, "prev_hash does not match the previous entry's hash"
        if _recomputed(entry) != entry.entry_hash:
            return entry.seq, "content does not match its hash"
        expected_prev = entry.entry_hash
        expected_seq += 1
    if expected_seq <= upto:
        return expected_seq, "the entry is missing"
    return None


# ------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class BadCheckpoint:
    """The first checkpoint that failed: its number, the entry it signed (if known) and why."""

    number: int
    seq: int | None
    reason: str


@dataclass(frozen=True)
class CheckpointVerification:
    ok: bool
    #: Checkpoints found good before the first bad one (all of them when ``ok``).
    checked: int
    first_bad: BadCheckpoint | None = None
    #: The newest good checkpoint's entry, when ``ok``.
    latest_seq: int | None = None


def verify_checkpoints(
    session: Session, trusted: Mapping[str, Ed25519PublicKey], *, batch_size: int = 1000
) -> CheckpointVerification:
    """Check every checkpoint in order: numbering, signature, and the signed entry's hash now."""
    statement = (
        select(AuditCheckpoint, AuditEntry.entry_hash)
        .outerjoin(AuditEntry, AuditEntry.seq == AuditCheckpoint.seq)  # type: ignore[arg-type]
        .order_by(AuditCheckpoint.number)  # type: ignore[arg-type]
        .execution_options(yield_per=batch_size)
    )
    checked = 0
    previous_seq = 0
    for checkpoint, current_hash in session.exec(statement):
        expected = checked + 1
        if checkpoint.number != expected:
            missing = BadCheckpoint(expected, None, f"checkpoint {expected} is missing")
            return CheckpointVerification(False, checked, missing)
        reason = _checkpoint_problem(checkpoint, current_hash, previous_seq, trusted)
        if reason is not None:
            bad = BadCheckpoint(checkpoint.number, checkpoint.seq, reason)
            return CheckpointVerification(False, checked, bad)
        previous_seq = checkpoint.seq
        checked += 1
    return CheckpointVerification(True, checked, latest_seq=previous_seq or None)


def _checkpoint_problem(
    checkpoint: AuditCheckpoint,
    current_hash: str | None,
    previous_seq: int,
    trusted: Mapping[str, Ed25519PublicKey],
) -> str | None:
    """Why one checkpoint fails, or ``None``; ``current_hash`` is its entry's hash now."""
    public = trusted.get(checkpoint.key_id)
    if public is None:
        return f"signed by key {checkpoint.key_id}, which is not trusted here"
    if not signature_valid(checkpoint, public):
        return "the signature does not verify"
    if checkpoint.seq <= previous_seq or checkpoint.entries != checkpoint.seq:
        return "it does not follow the checkpoint before it"
    if current_hash is None:
        return f"entry {checkpoint.seq} no longer exists"
    if current_hash != checkpoint.entry_hash:
        return f"entry {checkpoint.seq} no longer has the hash this checkpoint signed"
    return None


@dataclass(frozen=True)
class Report:
    """The chain recomputed and the checkpoints checked against it."""

    chain: audit.Verification
    checkpoints: CheckpointVerification

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checkpoints.ok

    @property
    def reason(self) -> str | None:
        if not self.chain.ok:
            return f"entry {self.chain.first_broken_seq}: {self.chain.reason}"
        bad = self.checkpoints.first_bad
        if bad is not None:
            return f"checkpoint {bad.number}: {bad.reason}"
        return None


def verify_all(session: Session, trusted: Mapping[str, Ed25519PublicKey]) -> Report:
    return Report(audit.verify(session), verify_checkpoints(session, trusted))


# ------------------------------------------------------------------------------------------
# The server's worker


class CheckpointWorker:
    """Signs a checkpoint every ``checkpoint_interval`` seconds while the chain grows.

    It looks at least every minute and signs when the last checkpoint is older than the
    interval, so a server restarted more often than the interval still makes them. Off (start
    and stop do nothing) when the interval is 0.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.interval = settings.checkpoint_interval
        self._key: SigningKey | None = None
        self._last_problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def run_once(self) -> AuditCheckpoint | None:
        if self._key is None:
            self._key = load_signing_key(self.settings)
        assert self._key is not None
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                checkpoint = create(session, self._key, min_interval=self.interval)
                session.commit()
            except IntegrityError:  # another process signed the same head first
                session.rollback()
                return None
        if checkpoint is not None:
            log.info("audit checkpoint %d signed at entry %d", checkpoint.number, checkpoint.seq)
        return checkpoint

    def _run(self) -> None:
        while not self._stop.wait(min(self.interval, MAX_POLL)):
            try:
                self.run_once()
                self._last_problem = None
            except Conflict as exc:
                # Say it once, not every round, until the problem changes.
                if exc.detail != self._last_problem:
                    log.error("audit checkpoint refused: %s", exc.detail)
                    self._last_problem = exc.detail
            except Exception:  # keep going after a bad round (e.g. a database restart)
                log.exception("audit checkpoint round failed")
