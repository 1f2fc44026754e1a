"""API-key generation, parsing and hashing. Pure: no database, no clock."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

#: Every key starts with this, so leaked keys are easy to find with secret scanners.
KEY_PREFIX = "vck"


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: ``token`` is shown once; only ``secret_hash`` is stored."""

    key_id: str
    token: str
    secret_hash: str


def generate() -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(
        key_id=key_id, token=f"{KEY_PREFIX}_{key_id}_{secret}", secret_hash=hash_secret(secret)
    )


def hash_secret(secret: str) -> str:
    # The secret carries 256 random bits, so a plain SHA-256 cannot be brute-forced; no salt needed.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """Split a presented token into ``(key_id, secret)``, or ``None`` if it is not one of ours."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
