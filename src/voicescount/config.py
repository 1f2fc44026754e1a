"""Settings: the one typed place for configuration, read from ``VOICESCOUNT_*`` environment variables.

Every field is documented in the README's configuration table; ``tests/test_docs.py`` checks that.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one voicescount deployment."""

    model_config = SettingsConfigDict(env_prefix="VOICESCOUNT_", env_file=None, extra="ignore")

    #: SQLAlchemy URL of the store. SQLite by default; ``postgresql+psycopg://…`` in production.
    database_url: str = Field(default="", description="SQLAlchemy database URL")
    #: Directory for the embedded SQLite database and other local state.
    var_dir: Path = Field(default=Path("var"), description="directory for local state")
    #: Interface and port that ``voicescount serve`` (and ``make run``) bind to.
    host: str = Field(default="127.0.0.1", description="interface to bind")
    port: int = Field(default=8000, ge=1, le=65535, description="port to bind")
    #: Maintenance agency that owns every voicescount structure (DSD, codelists, dataflows).
    agency_id: str = Field(default="VOICES", pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    #: Public base URL, used in links, citations and SDMX URNs that point back at this service.
    base_url: str = Field(default="http://127.0.0.1:8000", description="public base URL")
    #: Origins allowed by CORS on public read endpoints (``*`` = any).
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    #: Log level of the service.
    log_level: str = Field(default="info")
    #: Largest structure message (bytes) an admin may import.
    max_structure_bytes: int = Field(default=50_000_000, ge=1)
    #: Where uploaded bytes and reports are kept, content-addressed (default: ``var_dir/blobs``).
    blob_dir: Path | None = Field(default=None, description="blob store directory")
    #: Largest upload in bytes; larger ones are refused with 413 before they are stored.
    max_upload_bytes: int = Field(default=1_000_000_000, ge=1)
    #: Most rows (observations) one upload may hold; more is refused with 413.
    max_upload_rows: int = Field(default=2_000_000, ge=1)
    #: Most observations one SDMX data query may return; larger queries get 413 (narrow them).
    max_data_observations: int = Field(default=5_000_000, ge=1)
    #: How many issues a validation report shows in JSON (the CSV report always has all).
    report_issue_limit: int = Field(default=1000, ge=1)
    #: Seconds between webhook delivery runs of the server's background worker; 0 turns the
    #: worker off (then run ``voicescount webhooks deliver`` from cron).
    webhook_interval: float = Field(default=5.0, ge=0)
    #: Whether webhooks may point at private or local addresses (tests, closed networks).
    webhook_allow_private: bool = Field(default=False)
    #: Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints. Unset: generated once at
    #: ``var_dir/audit-signing-key.pem`` (mode 0600) on first use; set: it must exist.
    audit_signing_key_file: Path | None = Field(default=None, description="checkpoint signing key")
    #: Seconds between signed audit checkpoints made by the server (only when the chain has
    #: grown); 0 turns the worker off (then run ``voicescount audit checkpoint`` from cron).
    checkpoint_interval: float = Field(default=3600.0, ge=0)
    #: File holding the secret that signs the web desk's session cookies (HMAC-SHA256). Unset:
    #: generated once at ``var_dir/desk-session-secret`` (mode 0600); set it to the same file on
    #: every server of a deployment. Replacing it signs everyone out (once servers restart).
    desk_session_secret_file: Path | None = Field(default=None, description="desk cookie secret")

    @field_validator("database_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under ``var_dir``."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.var_dir / 'voicescount.db').as_posix()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir if self.blob_dir is not None else self.var_dir / "blobs"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://``/``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
