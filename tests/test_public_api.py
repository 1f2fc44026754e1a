"""The public surface of ``voicescount.client``: light to import, curated, documented.

After httpx's ``test_exported_members``: everything public in the package is in ``__all__``,
and ``__all__`` is sorted (as ruff's RUF022 sorts it: constants, then classes, then the rest).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import voicescount.client as client_package
from voicescount.client import ApiError, ClientError

ROOT = Path(__file__).resolve().parents[1]

#: What a coalition's laptop should not need to load to talk to a server.
SERVER_SIDE = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic", "uvicorn", "sdmx")


def test_importing_the_client_loads_no_server_side_library() -> None:
    probe = (
        "import json, sys\n"
        "import voicescount.client\n"
        f"server_side = {SERVER_SIDE!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in server_side\n"
        "                or m.startswith(('voicescount.storage', 'voicescount.intake',\n"
        "                                 'voicescount.api.routers', 'voicescount.app')))\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(result.stdout) == []


def _ruff_order(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def test_all_is_sorted_and_complete() -> None:
    exported = client_package.__all__
    public = [name for name in vars(client_package) if not name.startswith("_")]
    assert exported == sorted(exported, key=_ruff_order)
    assert sorted(public) == sorted(exported)
    assert len(set(exported)) == len(exported)


def test_every_error_is_in_the_documented_tree() -> None:
    doc = client_package.__doc__ or ""
    errors = [
        getattr(client_package, name)
        for name in client_package.__all__
        if isinstance(getattr(client_package, name), type)
        and issubclass(getattr(client_package, name), BaseException)
    ]
    assert ClientError in errors and ApiError in errors
    for error in errors:
        assert issubclass(error, ClientError), error
        assert error.__name__ in doc, f"{error.__name__} is missing from the docstring's tree"
        assert error.__module__ == "voicescount.client"
