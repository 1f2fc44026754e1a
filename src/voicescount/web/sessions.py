"""Desk sessions: a signed cookie that names a key, and the CSRF checks of the desk's forms.

Signing in presents an API key once; the key is checked by ``access.service`` and never stored
in the browser. The cookie holds the key's *id*, an expiry and a random nonce, signed with
HMAC-SHA256 under a server secret (``VOICESCOUNT_DESK_SESSION_SECRET_FILE``, generated once
under ``var_dir`` like the audit signing key). Nothing is kept on the server: every request
verifies the signature and the expiry and looks the key up again, so a revoked key ends its
sessions at once. Signing out deletes the cookie in the browser.

Forms are protected twice: every POST carries ``csrf_token``, an HMAC of the session cookie
(so another site can neither read nor forge it), and a POST whose ``Origin`` (or, lacking it,
``Referer``) names another site is refused. The cookie is also ``SameSite=Strict``.

Pure apart from the secret file: no web framework here (``web/desk.py`` speaks HTTP).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session

from voicescount.access import service as access
from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import AuthenticationRequired
from voicescount.keyfiles import create_private_file

log = logging.getLogger("voicescount")

COOKIE_NAME = "voicescount_desk"
#: The cookie goes only to the desk's own pages, never to the API or the public pages.
COOKIE_PATH = "/desk"
#: A working day: long enough for a review, short enough that a forgotten session lapses.
LIFETIME = timedelta(hours=8)
DEFAULT_SECRET_FILE = "desk-session-secret"
#: Fewest characters a configured secret may have (the generated one has 64 hex digits).
MIN_SECRET_CHARS = 32
CSRF_FIELD = "csrf_token"


class SessionSecretError(RuntimeError):
    """The configured desk session secret is missing or too short."""


@dataclass(frozen=True)
class DeskSession:
    """A verified session cookie: which key signed in, and until when."""

    key_id: str
    expires_at: datetime
    #: The cookie value itself (the CSRF token is derived from it).
    cookie: str


# ------------------------------------------------------------------------------------------
# The server secret


def secret_path(settings: Settings) -> Path:
    if settings.desk_session_secret_file is not None:
        return settings.desk_session_secret_file
    return settings.var_dir / DEFAULT_SECRET_FILE


def load_secret(settings: Settings) -> bytes:
    """The secret that signs session cookies; generated at the default path on first use.

    A configured file that does not exist is an error: a fresh secret on one server of several
    would sign people out at random.
    """
    path = secret_path(settings)
    if not path.exists():
        if settings.desk_session_secret_file is not None:
            raise SessionSecretError(
                f"VOICESCOUNT_DESK_SESSION_SECRET_FILE names {path}, which does not exist"
            )
        _generate(path)
    return _read(str(path))


def _generate(path: Path) -> None:
    # When two processes start at once both end up with the same (first) secret.
    if create_private_file(path, (secrets.token_hex(32) + "\n").encode("ascii")):
        log.warning("generated the desk session secret at %s", path)


@lru_cache(maxsize=8)
def _read(path: str) -> bytes:
    text = Path(path).read_text(encoding="utf-8").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise SessionSecretError(
            f"the desk session secret {path} has {len(text)} characters; it needs at least "
            f"{MIN_SECRET_CHARS} (e.g. 64 random hex digits)"
        )
    return text.encode("utf-8")


# ------------------------------------------------------------------------------------------
# Cookies


def _mac(secret: bytes, purpose: str, message: str) -> str:
    # The purpose keeps a cookie signature from ever being valid as a CSRF token and back.
    return hmac.new(secret, f"{purpose}|{message}".encode(), hashlib.sha256).hexdigest()


def _equal(given: str, expected: str) -> bool:
    # Bytes: compare_digest refuses non-ASCII text, and a forged cookie may hold any.
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def issue(secret: bytes, key_id: str, *, now: datetime | None = None) -> DeskSession:
    """A new session for ``key_id`` (already authenticated), expiring after :data:`LIFETIME`."""
    expires = (now or datetime.now(UTC)) + LIFETIME
    payload = f"{key_id}.{int(expires.timestamp())}.{secrets.token_hex(8)}"
    cookie = f"{payload}.{_mac(secret, 'session', payload)}"
    return DeskSession(key_id=key_id, expires_at=expires, cookie=cookie)


def read(secret: bytes, cookie: str | None, *, now: datetime | None = None) -> DeskSession | None:
    """The session a cookie holds, if its signature is ours and it has not expired."""
    if not cookie:
        return None
    payload, _, signature = cookie.rpartition(".")
    parts = payload.split(".")
    if len(parts) != 3 or not _equal(signature, _mac(secret, "session", payload)):
        return None
    key_id, expires_text, _nonce = parts
    try:
        expires = datetime.fromtimestamp(int(expires_text), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if expires <= (now or datetime.now(UTC)):
        return None
    return DeskSession(key_id=key_id, expires_at=expires, cookie=cookie)


def principal(session: Session, desk: DeskSession) -> Principal | None:
    """Who the session stands for, if the key still exists and has not been revoked."""
    try:
        return access.key_principal(session, desk.key_id)
    except AuthenticationRequired:
        return None


def secure_cookie(settings: Settings) -> bool:
    """Whether the cookie is ``Secure``: when the deployment is served over HTTPS."""
    return settings.base_url.lower().startswith("https://")


# ------------------------------------------------------------------------------------------
# Cross-site request forgery


def csrf_token(secret: bytes, desk: DeskSession) -> str:
    """The token every form of this session carries in :data:`CSRF_FIELD`."""
    return _mac(secret, "csrf", desk.cookie)


def csrf_valid(secret: bytes, desk: DeskSession, presented: str | None) -> bool:
    return bool(presented) and _equal(presented or "", csrf_token(secret, desk))


def _origin_of(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def same_origin(
    *, origin: str | None, referer: str | None, host: str | None, base_url: str
) -> bool:
    """Whether a POST comes from the desk's own pages.

    The sender is the ``Origin`` header, or the ``Referer`` when a browser leaves ``Origin``
    out; it must be the deployment's public address (``base_url``) or the host the request
    was sent to (a proxy may end TLS, so only the host is compared there). A request with
    neither header is not from a browser page, and the CSRF token alone decides.
    """
    sender = origin if origin is not None else referer
    if sender is None:
        return True
    found = _origin_of(sender)
    if found is None:  # "Origin: null" (sandboxed or privacy-stripped) is nobody we know
        return False
    if found == _origin_of(base_url):
        return True
    return host is not None and found[1] == host.strip().lower()
