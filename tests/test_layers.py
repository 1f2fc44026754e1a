"""The dependency rule: domain packages import nothing from the web or command-line edges."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "voicescount"

#: Package → modules it must never import (directly or through an edge package).
FORBIDDEN = {
    "sdmx": (
        "fastapi",
        "starlette",
        "click",
        "sqlalchemy",
        "sqlmodel",
        "voicescount.storage",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.registry",
        "voicescount.access",
    ),
    "storage": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.registry",
        "voicescount.access",
        "voicescount.provenance",
    ),
    "provenance": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.registry",
        "voicescount.access",
    ),
    "access": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.registry",
    ),
    "registry": ("fastapi", "starlette", "click", "voicescount.api", "voicescount.cli"),
    "disclosure": (
        "fastapi",
        "starlette",
        "click",
        "sqlalchemy",
        "sqlmodel",
        "voicescount.storage",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.web",
    ),
    "review": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.web",
    ),
    "publishing": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.web",
    ),
    "comparison": (
        "fastapi",
        "starlette",
        "click",
        "voicescount.api",
        "voicescount.cli",
        "voicescount.web",
    ),
    # Web pages sit beside the API, not on it: only web/pages.py and web/desk.py speak FastAPI.
    "web": ("click", "voicescount.cli", "voicescount.api.routers", "voicescount.api.sdmx_rest"),
    "api/schemas": ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "voicescount.storage"),
}
KERNEL = ("config.py", "errors.py", "keyfiles.py", "types.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_layers(package: str) -> None:
    offences = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offences.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offences == []


def test_the_kernel_imports_nothing_from_the_project() -> None:
    for filename in KERNEL:
        imported = _imports(PACKAGE / filename)
        assert not [n for n in imported if n.startswith("voicescount")], filename
