"""Fixtures for command-line tests: ``voicescount …`` run through click's CliRunner."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner, Result

from tests.conftest import Store
from voicescount.cli import main
from voicescount.config import get_settings

Invoke = Callable[..., Result]


def _runner_for(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("VOICESCOUNT_DATABASE_URL", store.url)
    monkeypatch.setenv("VOICESCOUNT_VAR_DIR", str(store.var_dir))
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    try:
        yield invoke
    finally:
        get_settings.cache_clear()


@pytest.fixture
def cli(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``voicescount …`` against the shared store."""
    yield from _runner_for(store, monkeypatch)


@pytest.fixture
def fresh_cli(fresh_store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``voicescount …`` against a database of its own (for tampering)."""
    yield from _runner_for(fresh_store, monkeypatch)
