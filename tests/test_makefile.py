"""``make run`` (and ``make serve``) bind where VOICESCOUNT_HOST and VOICESCOUNT_PORT say.

The Makefile defaults both (``?=``) and exports them; ``voicescount serve`` reads them through
the settings and hands them to uvicorn. Each link is tested on its own:

* make, with the real Makefile run in a scratch directory whose ``.venv`` stamp is up to date
  (so ``install`` does nothing) and ``BIN`` pointing at a stub ``voicescount`` that logs its
  arguments and environment: nothing is built or installed;
* the ``serve`` command, with uvicorn.run replaced, for what it passes to uvicorn;
* the installed ``voicescount serve``, started for real on a free port of 127.0.0.2.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from voicescount.cli import main
from voicescount.config import get_settings

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"
HOST, PORT = "127.0.0.2", "8765"


def _clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything that would steer make or the settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("VOICESCOUNT_") and key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    env.update(extra)
    return env


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A directory where the Makefile's ``install`` is up to date and ``BIN`` is a stub."""
    assert shutil.which("make"), "GNU make is needed (it is how a newcomer starts the service)"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("# stand-in: only its age matters to make\n", encoding="utf-8")
    stamp = tmp_path / ".venv" / ".installed-stamp"
    stamp.parent.mkdir()
    stamp.touch()
    old = time.time() - 3600
    os.utime(pyproject, (old, old))
    stub = tmp_path / "stub-bin" / "voicescount"
    stub.parent.mkdir()
    stub.write_text(
        "#!/bin/sh\n"
        'printf \'%s|%s|%s\\n\' "$*" "${VOICESCOUNT_HOST-<unset>}" "${VOICESCOUNT_PORT-<unset>}"'
        ' >> "$STUB_LOG"\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return tmp_path


def _make(
    scratch: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), "-C", str(scratch), *args],
        env=env if env is not None else _clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _run_with_stub(scratch: Path, target: str, *args: str, **env: str) -> list[str]:
    log = scratch / "calls.log"
    result = _make(
        scratch,
        target,
        f"BIN={scratch / 'stub-bin'}",
        *args,
        env=_clean_env(STUB_LOG=str(log), **env),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pip install" not in result.stdout, "install was not a no-op: the stamp was ignored"
    return log.read_text(encoding="utf-8").splitlines()


def test_make_run_passes_host_and_port_from_the_environment(scratch: Path) -> None:
    calls = _run_with_stub(scratch, "run", VOICESCOUNT_HOST=HOST, VOICESCOUNT_PORT=PORT)
    # run → demo → load → migrate, in that order, then serve; every step sees the settings.
    assert calls == [
        f"db upgrade|{HOST}|{PORT}",
        f"registry load|{HOST}|{PORT}",
        f"demo load|{HOST}|{PORT}",
        f"serve|{HOST}|{PORT}",
    ]


def test_make_serve_passes_host_and_port_from_the_environment(scratch: Path) -> None:
    calls = _run_with_stub(scratch, "serve", VOICESCOUNT_HOST=HOST, VOICESCOUNT_PORT=PORT)
    assert calls == [f"serve|{HOST}|{PORT}"]


def test_make_run_defaults_to_127_0_0_1_port_8000(scratch: Path) -> None:
    calls = _run_with_stub(scratch, "run")
    assert calls[-1] == "serve|127.0.0.1|8000"


def test_make_run_takes_host_and_port_from_the_command_line(scratch: Path) -> None:
    calls = _run_with_stub(
        scratch,
        "run",
        "VOICESCOUNT_PORT=9123",
        VOICESCOUNT_HOST=HOST,
        VOICESCOUNT_PORT=PORT,  # the command line wins over the environment, as in make
    )
    assert calls[-1] == f"serve|{HOST}|9123"


def test_make_dry_run_builds_nothing_and_serves_last(scratch: Path) -> None:
    """``make -n run`` with no venv: the whole chain is printed in order, and nothing is run."""
    shutil.rmtree(scratch / ".venv")
    result = _make(scratch, "-n", "run", env=_clean_env(VOICESCOUNT_HOST=HOST))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def position(fragment: str) -> int:
        matches = [i for i, line in enumerate(lines) if fragment in line]
        assert matches, f"{fragment!r} not in the dry run:\n{result.stdout}"
        return matches[0]

    assert (
        position("pip install")
        < position("voicescount db upgrade")
        < position("voicescount registry load")
        < position("voicescount demo load")
        < position("voicescount serve")
    )
    # The serve command sets no host or port of its own that would hide the environment's.
    assert lines[-1] == ".venv/bin/voicescount serve"
    assert not (scratch / ".venv").exists(), "the dry run created the virtualenv"


# ------------------------------------------------------------------------------------------
# The serve command


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def fake_run(app: object, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    for name in [name for name in os.environ if name.startswith("VOICESCOUNT_")]:
        monkeypatch.delenv(name)
    get_settings.cache_clear()  # serve reads the settings through this cache
    yield calls
    get_settings.cache_clear()


def test_serve_reads_host_and_port_from_the_environment(
    uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICESCOUNT_HOST", HOST)
    monkeypatch.setenv("VOICESCOUNT_PORT", PORT)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    assert len(uvicorn_calls) == 1
    call = uvicorn_calls[0]
    assert (call["host"], call["port"]) == (HOST, int(PORT))
    assert call["app"] == "voicescount.app:create_app" and call["factory"] is True


def test_serve_defaults_to_127_0_0_1_port_8000(uvicorn_calls: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    assert [(c["host"], c["port"]) for c in uvicorn_calls] == [("127.0.0.1", 8000)]


def test_serve_options_win_over_the_environment(
    uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICESCOUNT_HOST", HOST)
    monkeypatch.setenv("VOICESCOUNT_PORT", PORT)
    result = CliRunner().invoke(main, ["serve", "--host", "127.0.0.3", "--port", "8766"])
    assert result.exit_code == 0, result.output
    assert [(c["host"], c["port"]) for c in uvicorn_calls] == [("127.0.0.3", 8766)]


def test_serve_refuses_a_port_out_of_range(
    uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICESCOUNT_PORT", "70000")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code != 0
    assert uvicorn_calls == []


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def test_voicescount_serve_listens_where_the_environment_says(tmp_path: Path) -> None:
    """The installed command, for real: it answers on 127.0.0.2:<port> and not on 127.0.0.1."""
    port = _free_port(HOST)
    assert port != 8000
    executable = Path(sys.executable).parent / "voicescount"
    assert executable.is_file(), executable
    env = _clean_env(
        VOICESCOUNT_HOST=HOST,
        VOICESCOUNT_PORT=str(port),
        VOICESCOUNT_VAR_DIR=str(tmp_path / "var"),
        VOICESCOUNT_WEBHOOK_INTERVAL="0",
        VOICESCOUNT_CHECKPOINT_INTERVAL="0",
        VOICESCOUNT_LOG_LEVEL="warning",
    )
    process = subprocess.Popen(
        [str(executable), "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # The database is not migrated: 503, but an answer from our service all the same.
                response = httpx.get(f"http://{HOST}:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()[0].decode()
            assert time.monotonic() < deadline, "voicescount serve did not start listening"
            time.sleep(0.1)
        assert response.json()["database"]["status"] == "needs-migration"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
