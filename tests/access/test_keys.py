"""API-key generation, parsing and hashing (pure functions, no database)."""

from __future__ import annotations

import hashlib
import re

import pytest

from voicescount.access import keys

TOKEN_RE = re.compile(r"^vck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


def test_generated_token_has_the_documented_form() -> None:
    new = keys.generate()
    assert TOKEN_RE.match(new.token), new.token
    assert new.token.startswith(f"{keys.KEY_PREFIX}_{new.key_id}_")
    assert re.fullmatch(r"[0-9a-f]{12}", new.key_id)


def test_parse_round_trips_a_generated_token() -> None:
    new = keys.generate()
    parsed = keys.parse(new.token)
    assert parsed is not None
    key_id, secret = parsed
    assert key_id == new.key_id
    assert new.token == f"vck_{key_id}_{secret}"


def test_stored_hash_is_sha256_of_the_secret_and_never_the_secret() -> None:
    new = keys.generate()
    _, secret = keys.parse(new.token)  # type: ignore[misc]
    assert new.secret_hash != secret
    assert secret not in new.secret_hash
    assert new.secret_hash not in new.token
    assert re.fullmatch(r"[0-9a-f]{64}", new.secret_hash)
    assert new.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert keys.hash_secret(secret) == new.secret_hash


def test_secret_matches_only_the_right_secret() -> None:
    new = keys.generate()
    _, secret = keys.parse(new.token)  # type: ignore[misc]
    assert keys.secret_matches(secret, new.secret_hash)
    assert not keys.secret_matches(secret + "x", new.secret_hash)
    assert not keys.secret_matches(secret[:-1], new.secret_hash)
    assert not keys.secret_matches(new.secret_hash, new.secret_hash)


def test_generated_keys_are_distinct() -> None:
    generated = [keys.generate() for _ in range(200)]
    assert len({k.key_id for k in generated}) == 200
    assert len({k.token for k in generated}) == 200
    assert len({k.secret_hash for k in generated}) == 200


def test_secret_may_contain_underscores() -> None:
    # token_urlsafe secrets can hold '_' themselves; only the first two separate the parts.
    assert keys.parse("vck_abc123_se_cr_et") == ("abc123", "se_cr_et")


def test_parse_ignores_surrounding_whitespace() -> None:
    assert keys.parse("  vck_abc_def\n") == ("abc", "def")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "   ",
        "vck",
        "vck_",
        "vck__",
        "vck_abc",
        "vck_abc_",
        "vck__secret",
        "xyz_abc_secret",
        "VCK_abc_secret",
        "abc_secret",
        "Bearer vck_abc_secret",
        "sk_live_abc_secret",
    ],
)
def test_parse_rejects_malformed_tokens(token: str) -> None:
    assert keys.parse(token) is None
