"""Fixtures of the API tests: the SDMX-REST world (see tests/api/sdmx_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.sdmx_helpers import World, build_world
from tests.conftest import BACKENDS


@pytest.fixture(scope="session", params=BACKENDS)
def sdmx_world(request: pytest.FixtureRequest) -> Iterator[World]:
    """Published data of several coalitions and releases, in a store of its own per backend;
    read-only for the tests."""
    yield from build_world(request, request.param)
