"""Documentation that cannot drift: settings, commands, errors and endpoints are all documented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from voicescount.api.errors import problem_catalogue
from voicescount.app import create_app
from voicescount.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = _read("README.md")
    for name in Settings.model_fields:
        assert f"`VOICESCOUNT_{name.upper()}`" in readme, f"VOICESCOUNT_{name.upper()} undocumented"


def test_the_readme_gives_the_two_commands() -> None:
    readme = _read("README.md")
    assert "make run" in readme and "make test" in readme
    makefile = _read("Makefile")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_the_cli_reference_is_generated_from_the_commands() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_cli_reference", ROOT / "scripts" / "generate_cli_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert _read("docs/cli.md") == module.render(), (
        "docs/cli.md is stale: run scripts/generate_cli_reference.py"
    )


def test_every_problem_type_is_documented() -> None:
    guide = _read("docs/api.md")
    for code in problem_catalogue():
        if code == "error":  # the abstract base, never raised itself
            continue
        assert f"`{code}`" in guide, f"problem type {code} is missing from docs/api.md"


def test_every_api_route_is_documented() -> None:
    guide = _read("docs/api.md") + _read("README.md")
    app = create_app(Settings(database_url="sqlite://", webhook_interval=0))
    # The OpenAPI paths, not app.routes: included routers may not expose theirs there.
    paths = [p for p in app.openapi()["paths"] if p.startswith("/api/v1/")]
    assert len(paths) > 40, paths  # the check must not pass by finding no routes
    for path in paths:
        # Documented either literally or by its first two segments after /api/v1.
        stem = "/".join(path.split("/")[:5])
        stem = re.sub(r"\{[^}]+\}", "", stem).rstrip("/")
        assert stem in guide, f"{path} is not mentioned in docs/api.md"


def test_architecture_names_every_package() -> None:
    architecture = _read("docs/architecture.md")
    package = ROOT / "src" / "voicescount"
    for child in sorted(package.iterdir()):
        if child.is_dir() and (child / "__init__.py").exists():
            assert f"{child.name}/" in architecture, f"docs/architecture.md misses {child.name}/"
