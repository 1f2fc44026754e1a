"""What every command needs: settings, an engine, and errors printed for people, not tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voicescount.config import Settings, get_settings
from voicescount.errors import VoicescountError
from voicescount.storage.db import make_engine, session_scope

#: Every command answers -h as well as --help. Set on each command, not only the root group:
#: click caches a command's help option the first time it is built, so a command first invoked
#: on its own would otherwise lose -h for the rest of the process.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

P = ParamSpec("P")
R = TypeVar("R")


def engine_from_settings(settings: Settings | None = None) -> Engine:
    return make_engine((settings or get_settings()).resolved_database_url)


@contextmanager
def cli_session() -> Iterator[Session]:
    engine = engine_from_settings()
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a VoicescountError as 'error: …' with its itemised problems and exit with status 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VoicescountError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            for item in exc.errors:
                where = item.get("field") or item.get("artefact") or item.get("location") or ""
                click.echo(f"  - {where}: {item.get('message', '')}".rstrip(), err=True)
            sys.exit(1)

    return wrapper


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
