"""The SDG global indicator framework in the store: loading it, and looking things up.

The framework ships as package data (``voicescount/registry/data/sdg-framework.json``, made by
``scripts/derive_sdg_framework.py``); :func:`load_framework` copies it into the ``sdg_*`` tables.
The query functions return plain frozen dataclasses, so callers (API, CLI, tests) never hold
session-bound ORM objects, and raise :class:`~voicescount.errors.NotFound` for unknown codes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from voicescount.errors import NotFound
from voicescount.storage.tables import (
    SdgGoal,
    SdgIndicator,
    SdgSeries,
    SdgSeriesIndicator,
    SdgTarget,
)

FRAMEWORK_PACKAGE = "voicescount.registry.data"
FRAMEWORK_RESOURCE = "sdg-framework.json"

_goal: Table = SdgGoal.__table__  # type: ignore[attr-defined]
_target: Table = SdgTarget.__table__  # type: ignore[attr-defined]
_indicator: Table = SdgIndicator.__table__  # type: ignore[attr-defined]
_series: Table = SdgSeries.__table__  # type: ignore[attr-defined]
_link: Table = SdgSeriesIndicator.__table__  # type: ignore[attr-defined]

# Bumped by every load in this process, so caches built from the tables (the search index) know
# to rebuild. Another process loading the same database is caught by the search module's own
# fingerprint of the tables; this counter makes the common in-process case exact and cheap.
_generation = 0
_generation_lock = threading.Lock()


def framework_generation() -> int:
    """How many times :func:`load_framework` has run in this process."""
    return _generation


# --- what the query functions return ---------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    code: str
    short_title: str
    title: str


@dataclass(frozen=True)
class TargetRef:
    code: str
    title: str


@dataclass(frozen=True)
class IndicatorRef:
    code: str
    title: str


@dataclass(frozen=True)
class SeriesRef:
    code: str
    name: str
    retired: bool


@dataclass(frozen=True)
class Target:
    code: str
    goal: str
    title: str


@dataclass(frozen=True)
class Indicator:
    code: str
    target: str
    goal: str
    title: str
    unsd_code: str | None


@dataclass(frozen=True)
class GoalDetail:
    code: str
    short_title: str
    title: str
    targets: tuple[TargetRef, ...]


@dataclass(frozen=True)
class TargetDetail:
    code: str
    title: str
    goal: Goal
    indicators: tuple[IndicatorRef, ...]


@dataclass(frozen=True)
class IndicatorDetail:
    code: str
    title: str
    unsd_code: str | None
    target: TargetRef
    goal: Goal
    series: tuple[SeriesRef, ...]


@dataclass(frozen=True)
class SeriesDetail:
    code: str
    name: str
    retired_note: str | None
    indicators: tuple[IndicatorRef, ...]


# --- loading ---------------------------------------------------------------------------------


def read_framework() -> dict[str, Any]:
    """The packaged framework JSON, parsed (``source``, ``goals``, ``targets``, ``indicators``,
    ``series``)."""
    text = resources.files(FRAMEWORK_PACKAGE).joinpath(FRAMEWORK_RESOURCE).read_text("utf-8")
    framework: dict[str, Any] = json.loads(text)
    return framework


def load_framework(session: Session) -> dict[str, int]:
    """Copy the packaged framework into the ``sdg_*`` tables and **commit**; returns row counts.

    Idempotent: goals, targets, indicators and series are upserted by code (``INSERT … ON
    CONFLICT DO UPDATE`` on both SQLite and PostgreSQL, in bulk), the series–indicator links are
    replaced, and rows whose codes the packaged framework no longer has are deleted, so the
    tables mirror the package after every run. All of it happens in one transaction: a failure
    rolls everything back and leaves the previous framework in place.
    """
    framework = read_framework()
    goals = [
        {"code": g["code"], "short_title": g["short_title"], "title": g["title"], "position": i}
        for i, g in enumerate(framework["goals"])
    ]
    targets = [
        {"code": t["code"], "goal_code": t["goal"], "title": t["title"], "position": i}
        for i, t in enumerate(framework["targets"])
    ]
    indicators = [
        {
            "code": d["code"],
            "target_code": d["target"],
            "goal_code": d["goal"],
            "title": d["title"],
            "unsd_code": d["unsd_code"],
            "position": i,
        }
        for i, d in enumerate(framework["indicators"])
    ]
    series = [
        {
            "code": s["code"],
            "name": s["name"],
            "retired_note": s["retired_note"],
            # CL_SERIES's own order (10, 20, …) keeps the DSD's ordering recognisable.
            "position": s["order"],
        }
        for s in framework["series"]
    ]
    links = [
        {"series_code": s["code"], "indicator_code": code}
        for s in framework["series"]
        for code in s["indicators"]
    ]
    try:
        # Parents before children for the upserts; children before parents for the deletions.
        _upsert(session, _goal, goals)
        _upsert(session, _target, targets)
        _upsert(session, _indicator, indicators)
        _upsert(session, _series, series)
        session.execute(delete(_link))
        session.execute(_link.insert(), links)
        for table, rows in (
            (_series, series),
            (_indicator, indicators),
            (_target, targets),
            (_goal, goals),
        ):
            session.execute(delete(table).where(table.c.code.not_in([r["code"] for r in rows])))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    global _generation
    with _generation_lock:
        _generation += 1
    return {
        "goals": len(goals),
        "targets": len(targets),
        "indicators": len(indicators),
        "series": len(series),
        "series_indicators": len(links),
    }


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - the store supports exactly these two backends
        raise RuntimeError(f"unsupported database backend {dialect!r}")
    keys = [column.name for column in table.primary_key.columns]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    # A list of parameter sets runs as one executemany (batched multi-row VALUES on psycopg).
    session.execute(statement, rows)


# --- codes -----------------------------------------------------------------------------------


def normalise_goal_code(code: str) -> str:
    # "05" and " 5" mean goal 5.
    code = code.strip()
    return str(int(code)) if code.isdigit() else code


def normalise_code(code: str) -> str:
    """Targets and indicators are lowercase (``1.a``, ``1.a.1``); accept ``1.A.1`` too."""
    return code.strip().lower()


def normalise_series_code(code: str) -> str:
    """Series codes are uppercase (``SP_DYN_MRBF18``); accept any case."""
    return code.strip().upper()


# --- queries ---------------------------------------------------------------------------------


def list_goals(session: Session) -> list[Goal]:
    rows = session.execute(select(_goal).order_by(_goal.c.position)).all()
    return [Goal(code=r.code, short_title=r.short_title, title=r.title) for r in rows]


def get_goal(session: Session, code: str) -> GoalDetail:
    goal = _goal_row(session, code)
    targets = session.execute(
        select(_target.c.code, _target.c.title)
        .where(_target.c.goal_code == goal.code)
        .order_by(_target.c.position)
    ).all()
    return GoalDetail(
        code=goal.code,
        short_title=goal.short_title,
        title=goal.title,
        targets=tuple(TargetRef(code=t.code, title=t.title) for t in targets),
    )


def list_targets(session: Session, goal: str | None = None) -> list[Target]:
    """All targets in framework order, or a goal's; an unknown goal is :class:`NotFound`."""
    statement = select(_target).order_by(_target.c.position)
    if goal is not None:
        statement = statement.where(_target.c.goal_code == _goal_row(session, goal).code)
    return [
        Target(code=r.code, goal=r.goal_code, title=r.title)
        for r in session.execute(statement).all()
    ]


def get_target(session: Session, code: str) -> TargetDetail:
    target = _target_row(session, code)
    goal = _goal_row(session, target.goal_code)
    indicators = session.execute(
        select(_indicator.c.code, _indicator.c.title)
        .where(_indicator.c.target_code == target.code)
        .order_by(_indicator.c.position)
    ).all()
    return TargetDetail(
        code=target.code,
        title=target.title,
        goal=_goal_ref(goal),
        indicators=tuple(IndicatorRef(code=i.code, title=i.title) for i in indicators),
    )


def list_indicators(
    session: Session, goal: str | None = None, target: str | None = None
) -> list[Indicator]:
    """All indicators in framework order, filtered by goal and/or target.

    Unknown goals or targets are :class:`NotFound` (a typo should not look like "no
    indicators"); a target outside the given goal simply matches nothing.
    """
    statement = select(_indicator).order_by(_indicator.c.position)
    if goal is not None:
        statement = statement.where(_indicator.c.goal_code == _goal_row(session, goal).code)
    if target is not None:
        statement = statement.where(_indicator.c.target_code == _target_row(session, target).code)
    return [
        Indicator(
            code=r.code,
            target=r.target_code,
            goal=r.goal_code,
            title=r.title,
            unsd_code=r.unsd_code,
        )
        for r in session.execute(statement).all()
    ]


def get_indicator(session: Session, code: str) -> IndicatorDetail:
    """An indicator with its target's and goal's titles and the series that measure it."""
    wanted = normalise_code(code)
    indicator = session.execute(select(_indicator).where(_indicator.c.code == wanted)).first()
    if indicator is None:
        raise NotFound("SDG indicator", code)
    target = _target_row(session, indicator.target_code)
    goal = _goal_row(session, indicator.goal_code)
    series = session.execute(
        select(_series.c.code, _series.c.name, _series.c.retired_note)
        .join(_link, _link.c.series_code == _series.c.code)
        .where(_link.c.indicator_code == indicator.code)
        .order_by(_series.c.position, _series.c.code)
    ).all()
    return IndicatorDetail(
        code=indicator.code,
        title=indicator.title,
        unsd_code=indicator.unsd_code,
        target=TargetRef(code=target.code, title=target.title),
        goal=_goal_ref(goal),
        series=tuple(
            SeriesRef(code=s.code, name=s.name, retired=s.retired_note is not None) for s in series
        ),
    )


def get_series(session: Session, code: str) -> SeriesDetail:
    """A series with the indicators it belongs to (none for retired series)."""
    wanted = normalise_series_code(code)
    series = session.execute(select(_series).where(_series.c.code == wanted)).first()
    if series is None:
        raise NotFound("SDG series", code)
    indicators = session.execute(
        select(_indicator.c.code, _indicator.c.title)
        .join(_link, _link.c.indicator_code == _indicator.c.code)
        .where(_link.c.series_code == series.code)
        .order_by(_indicator.c.position)
    ).all()
    return SeriesDetail(
        code=series.code,
        name=series.name,
        retired_note=series.retired_note,
        indicators=tuple(IndicatorRef(code=i.code, title=i.title) for i in indicators),
    )


def _goal_row(session: Session, code: str) -> Any:
    row = session.execute(select(_goal).where(_goal.c.code == normalise_goal_code(code))).first()
    if row is None:
        raise NotFound("SDG goal", code)
    return row


def _target_row(session: Session, code: str) -> Any:
    row = session.execute(select(_target).where(_target.c.code == normalise_code(code))).first()
    if row is None:
        raise NotFound("SDG target", code)
    return row


def _goal_ref(row: Any) -> Goal:
    return Goal(code=row.code, short_title=row.short_title, title=row.title)
