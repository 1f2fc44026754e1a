"""``GET /health``: the application's and the database's state, on SQLite and PostgreSQL.

Besides the migrated store of the suite: a database that answers but holds no schema yet
(503, ``needs-migration``) and one that cannot be reached (503, ``unreachable``), which must
answer quickly rather than hang the healthcheck, and must not repeat the database URL.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, Store
from voicescount.app import create_app
from voicescount.config import Settings
from voicescount.storage import db
from voicescount.storage.db import make_engine
from voicescount.storage.migrate import head_revision

#: A healthcheck that takes longer than this is as good as a hung one (compose gives 10 s).
FAST = 10.0
PASSWORD = "s3cret-not-to-be-shown"


def _settings(url: str, var_dir: Path) -> Settings:
    # No background workers: they would touch the database outside the request under test.
    return Settings(database_url=url, var_dir=var_dir, webhook_interval=0, checkpoint_interval=0)


def test_health_reports_app_and_migrated_database(app_client: TestClient, store: Store) -> None:
    response = app_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] == ("sqlite" if store.backend == "sqlite" else "postgresql")
    assert body["database"]["revision"] == head_revision()


@pytest.fixture(params=BACKENDS)
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that answers and is empty: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    schema = f"health_unmigrated_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_health_reports_an_unmigrated_database(unmigrated_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(unmigrated_url, tmp_path))) as client:
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    database = body["database"]
    assert database["status"] == "needs-migration"
    assert database["revision"] is None
    assert database["head"] == head_revision()
    assert database["backend"] == make_url(unmigrated_url).get_backend_name()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listener accepts connections and never says a word (a hung server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def _unreachable_url(case: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if case == "postgresql-closed-port":
        return f"postgresql+psycopg://nobody:{PASSWORD}@127.0.0.1:1/none?connect_timeout=2"
    if case == "postgresql-silent-server":
        # Without a connect timeout this would wait for ever: the engine's default one (made
        # short here) bounds it, with none in the URL.
        request.getfixturevalue("monkeypatch").setattr(db, "CONNECT_TIMEOUT", 2)
        port = request.getfixturevalue("silent_port")
        return f"postgresql+psycopg://nobody:{PASSWORD}@127.0.0.1:{port}/none"
    if case == "postgresql-refused-login":
        # The server answers, but the role does not exist: as unusable as no server at all.
        url = make_url(request.getfixturevalue("postgres_url"))
        return url.set(
            username=f"nobody_{uuid.uuid4().hex[:8]}", password=PASSWORD
        ).render_as_string(hide_password=False)
    assert case == "sqlite-unopenable"
    directory = tmp_path / "a-directory-not-a-database"
    directory.mkdir()
    return f"sqlite:///{directory}"


@pytest.mark.parametrize(
    "case",
    [
        "postgresql-closed-port",
        "postgresql-silent-server",
        "postgresql-refused-login",
        "sqlite-unopenable",
    ],
)
def test_health_reports_an_unreachable_database(
    case: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _unreachable_url(case, request, tmp_path)
    with TestClient(create_app(_settings(url, tmp_path))) as client:
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    assert elapsed < FAST, f"/health took {elapsed:.1f} s on an unreachable database"
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["status"] == "unreachable"
    assert body["database"]["error"] == "OperationalError"
    # The URL (with its password) and the driver's message stay in the server's logs.
    assert PASSWORD not in response.text
    assert "nobody" not in response.text and "127.0.0.1" not in response.text
