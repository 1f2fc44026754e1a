"""Shared fixtures: one migrated database per backend (SQLite and PostgreSQL), apps and clients.

PostgreSQL: ``VOICESCOUNT_TEST_POSTGRES_URL`` names a throwaway database (``.ci/run`` creates one);
without it, a database is created on ``VOICESCOUNT_TEST_POSTGRES_ADMIN_URL`` (default: the local
server, user postgres) and dropped at the end. PostgreSQL being unreachable is an error, not a skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.config import Settings
from voicescount.registry import service as registry
from voicescount.storage import migrate
from voicescount.storage.db import make_engine
from voicescount.types import OrgKind, Role

BACKENDS = ["sqlite", "postgresql"]
#: The maintenance agency of the test deployments (the default).
AGENCY = "VOICES"
DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Store:
    """A migrated database of one backend, shared by the tests of a session."""

    backend: str
    url: str
    engine: Engine
    var_dir: Path

    def settings(self, **overrides: object) -> Settings:
        # No webhook worker thread per test app; tests that deliver call it themselves.
        values: dict[str, object] = {
            "database_url": self.url,
            "var_dir": self.var_dir,
            "webhook_interval": 0,
            "checkpoint_interval": 0,
            "webhook_allow_private": True,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("VOICESCOUNT_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    admin_url = os.environ.get("VOICESCOUNT_TEST_POSTGRES_ADMIN_URL", DEFAULT_PG_ADMIN)
    name = f"voicescount_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL is needed for the test suite and did not answer at {admin_url}: {exc}. "
            "Start it (see .ci/run) or set VOICESCOUNT_TEST_POSTGRES_URL.",
            pytrace=False,
        )
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_store(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Store:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'voicescount.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    if backend == "postgresql":
        # Each test worker (pytest-xdist) gets a schema of its own in the one test database,
        # emptied first, since CI hands over a database that an earlier run may have used.
        schema = f"store_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        registry.load_registry(session, agency=AGENCY)
    return Store(backend=backend, url=url, engine=engine, var_dir=tmp)


@pytest.fixture(scope="session", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A migrated database with the SDG structures loaded; tests share it, so they create
    uniquely named things."""
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"store-{backend}")
    result = _fresh_store(backend, tmp, request)
    yield result
    result.engine.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A brand-new migrated database of its own, for tests that must not share (or may damage) one.

    SQLite: a new file. PostgreSQL: a new schema in the test database, selected through the URL's
    ``options=-csearch_path=…``, so the URL works for the app and the command line alike.
    """
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"fresh-{backend}")
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'voicescount.db'}"
    else:
        base = make_url(request.getfixturevalue("postgres_url"))
        schema = f"fresh_{uuid.uuid4().hex[:12]}"
        admin = make_engine(base.render_as_string(hide_password=False))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield Store(backend=backend, url=url, engine=engine, var_dir=tmp)
    engine.dispose()
    if schema is not None:
        admin = make_engine(make_url(url).difference_update_query(["options"]))
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def session(store: Store) -> Iterator[Session]:
    with store.session() as s:
        yield s


@pytest.fixture
def app_client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings())) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class Actor:
    """An organisation with a key of one role, ready to send requests."""

    org: str
    role: Role
    token: str
    key_id: str
    #: The person holding the key; unique per key, so that four eyes see two people.
    holder: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_actor(store: Store):  # type: ignore[no-untyped-def]
    """Create (or reuse) an organisation and issue it a key: ``make_actor(kind, role, org=None)``."""

    def factory(
        kind: OrgKind, role: Role, org: str | None = None, country: str | None = None
    ) -> Actor:
        with store.session() as s:
            slug = org or unique("ORG")
            try:
                access.get_organisation(s, slug)
            except Exception:
                access.create_organisation(
                    s, slug=slug, name=f"{slug} name", kind=kind, country=country
                )
            holder = f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
            issued = access.create_key(s, organisation_slug=slug, role=role, holder=holder)
            return Actor(
                org=slug, role=role, token=issued.token, key_id=issued.key.key_id, holder=holder
            )

    return factory


# ------------------------------------------------------------------------------------------
# A real HTTP server, for the Python client and the CLI commands that talk to one


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread on a free port; yield its base URL.

    The socket is bound before uvicorn starts (port 0: the kernel picks a free one), so no other
    process can take the port in between. The server stops through ``should_exit``, the way
    uvicorn's own signal handler stops it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server on {url} did not become healthy")
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture(scope="module")
def live_server(store: Store) -> Iterator[str]:
    """The base URL of a real uvicorn server on ``store`` (both backends), one per module."""
    with running_server(create_app(store.settings())) as url:
        yield url
