"""The container set-up, checked statically (Docker itself is not available where the tests run)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from voicescount.config import Settings, normalise_database_url

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whichever of the two compose forms (mapping or list) it uses."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.split("=", 1) for item in raw)
        return {k: v for k, v in pairs}
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def _command_text(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def _named_volumes_used(service: dict[str, Any]) -> dict[str, str]:
    """``{volume name: container path}`` for the service's named (not bind-mounted) volumes."""
    used = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume":
                used[volume["source"]] = volume["target"]
            continue
        source, target = volume.split(":")[:2]
        if not source.startswith((".", "/", "~")):
            used[source] = target
    return used


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    return instructions


def _exec_or_shell(arguments: str) -> list[str]:
    """A CMD/ENTRYPOINT as its argument vector (exec form is JSON, shell form runs under sh -c)."""
    if arguments.startswith("["):
        return list(json.loads(arguments))
    return ["/bin/sh", "-c", arguments]


def test_services_app_and_db(compose: dict[str, Any]) -> None:
    assert {"app", "db"} <= set(compose["services"])


def test_db_is_postgres_16(compose: dict[str, Any]) -> None:
    image = compose["services"]["db"]["image"]
    assert re.fullmatch(r"postgres:16([.\-].*)?", image), image


def test_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    db_volumes = _named_volumes_used(compose["services"]["db"])
    app_volumes = _named_volumes_used(compose["services"]["app"])
    assert "/var/lib/postgresql/data" in db_volumes.values()
    assert "/app/var" in app_volumes.values()
    used = set(db_volumes) | set(app_volumes)
    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert declared <= used, f"declared but unused volumes: {declared - used}"


def test_app_publishes_port_8000(compose: dict[str, Any]) -> None:
    ports = compose["services"]["app"]["ports"]
    container_ports = []
    for port in ports:
        if isinstance(port, dict):
            container_ports.append(int(port["target"]))
        else:
            container_ports.append(int(str(port).split(":")[-1].split("/")[0]))
    assert 8000 in container_ports


def test_app_database_url_points_at_the_db_service(compose: dict[str, Any]) -> None:
    app_env = _env(compose["services"]["app"])
    db_env = _env(compose["services"]["db"])
    raw = app_env["VOICESCOUNT_DATABASE_URL"]
    url = make_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert normalise_database_url(raw) == raw
    assert url.host == "db"
    assert url.port in (None, 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.database == db_env.get("POSTGRES_DB", db_env["POSTGRES_USER"])
    assert app_env["VOICESCOUNT_HOST"] == "0.0.0.0"


def test_every_voicescount_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = {f"VOICESCOUNT_{name.upper()}" for name in Settings.model_fields}
    used = {
        name
        for service in compose["services"].values()
        for name in _env(service)
        if name.startswith("VOICESCOUNT_")
    }
    assert "VOICESCOUNT_DATABASE_URL" in used
    assert used <= fields, f"not settings: {sorted(used - fields)}"
    # And every value is one the settings accept.
    app_env = _env(compose["services"]["app"])
    settings = Settings(
        **{name.removeprefix("VOICESCOUNT_").lower(): value for name, value in app_env.items()}
    )
    assert settings.resolved_database_url == app_env["VOICESCOUNT_DATABASE_URL"]


def test_healthchecks(compose: dict[str, Any]) -> None:
    db_check = _command_text(compose["services"]["db"]["healthcheck"]["test"])
    assert "pg_isready" in db_check
    app_check = compose["services"]["app"]["healthcheck"]["test"]
    text = _command_text(app_check)
    assert "/health" in text
    assert "urllib" in text  # the slim image has no curl or wget
    assert "curl" not in text and "wget" not in text
    assert ":8000/health" in text
    if isinstance(app_check, list):
        assert app_check[0] in ("CMD", "CMD-SHELL")
        if app_check[0] == "CMD":
            # exec form: the Python snippet must be one argument that compiles.
            assert app_check[1].startswith("python")
            assert app_check[2] == "-c"
            compile(app_check[3], "<healthcheck>", "exec")


def test_app_waits_for_a_healthy_db(compose: dict[str, Any]) -> None:
    depends_on = compose["services"]["app"]["depends_on"]
    assert isinstance(depends_on, dict), "use the long form to wait for health"
    assert depends_on["db"]["condition"] == "service_healthy"


def test_app_is_built_from_the_dockerfile(compose: dict[str, Any]) -> None:
    build = compose["services"]["app"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE


def test_dockerfile_base_user_and_install() -> None:
    instructions = _dockerfile_instructions()
    [base] = [args for word, args in instructions if word == "FROM"]
    assert base.split()[0] == "python:3.11-slim"
    users = [args for word, args in instructions if word == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    runs = " ".join(args for word, args in instructions if word == "RUN")
    assert re.search(r"pip install [^&]*\.", runs)
    copies = [args.split() for word, args in instructions if word == "COPY"]
    copied = {src for args in copies for src in args[:-1]}
    assert {"pyproject.toml", "README.md", "src"} <= copied


def test_dockerfile_starts_by_migrating_then_serves() -> None:
    instructions = _dockerfile_instructions()
    starts = [_exec_or_shell(args) for word, args in instructions if word in ("CMD", "ENTRYPOINT")]
    assert starts
    command = " ".join(" ".join(argv) for argv in starts)
    steps = [step.strip() for step in re.split(r"&&", command)]
    assert any(step.endswith("voicescount db upgrade") for step in steps), steps
    upgrade_at = command.index("voicescount db upgrade")
    load_at = command.index("voicescount registry load")
    serve_at = command.index("voicescount serve")
    assert upgrade_at < load_at < serve_at
    serve_args = shlex.split(command[serve_at:])
    assert serve_args[serve_args.index("--host") + 1] == "0.0.0.0"


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var"} <= ignored
    # …but not what the build needs.
    assert not {"src", "pyproject.toml", "README.md"} & ignored
