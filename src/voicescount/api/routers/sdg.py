"""The SDG framework, read-only and public: goals, targets, indicators, series, and search."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from voicescount.api.deps import SessionDep
from voicescount.api.schemas.sdg import (
    GoalDetail,
    GoalPublic,
    GoalsPublic,
    IndicatorDetail,
    IndicatorPublic,
    IndicatorsPublic,
    SearchHitPublic,
    SearchResults,
    SeriesDetail,
    TargetDetail,
    TargetPublic,
    TargetsPublic,
)
from voicescount.registry import sdg
from voicescount.registry import search as sdg_search

router = APIRouter(prefix="/sdg", tags=["sdg"])

GoalFilter = Annotated[str | None, Query(description="Only this goal's, e.g. `5`")]
TargetFilter = Annotated[str | None, Query(description="Only this target's, e.g. `5.3`")]


@router.get("/goals", response_model=GoalsPublic, summary="The 17 goals")
def list_goals(session: SessionDep) -> GoalsPublic:
    goals = sdg.list_goals(session)
    return GoalsPublic(data=[GoalPublic.model_validate(g) for g in goals], count=len(goals))


@router.get("/goals/{code}", response_model=GoalDetail, summary="A goal and its targets")
def get_goal(code: str, session: SessionDep) -> GoalDetail:
    return GoalDetail.model_validate(sdg.get_goal(session, code))


@router.get("/targets", response_model=TargetsPublic, summary="Targets, optionally of one goal")
def list_targets(session: SessionDep, goal: GoalFilter = None) -> TargetsPublic:
    targets = sdg.list_targets(session, goal=goal)
    return TargetsPublic(data=[TargetPublic.model_validate(t) for t in targets], count=len(targets))


@router.get(
    "/targets/{code}", response_model=TargetDetail, summary="A target, its goal and indicators"
)
def get_target(code: str, session: SessionDep) -> TargetDetail:
    return TargetDetail.model_validate(sdg.get_target(session, code))


@router.get(
    "/indicators",
    response_model=IndicatorsPublic,
    summary="Indicators, optionally of one goal or target",
)
def list_indicators(
    session: SessionDep, goal: GoalFilter = None, target: TargetFilter = None
) -> IndicatorsPublic:
    indicators = sdg.list_indicators(session, goal=goal, target=target)
    return IndicatorsPublic(
        data=[IndicatorPublic.model_validate(i) for i in indicators], count=len(indicators)
    )


@router.get(
    "/indicators/{code}",
    response_model=IndicatorDetail,
    summary="An indicator with its target, goal and series",
)
def get_indicator(code: str, session: SessionDep) -> IndicatorDetail:
    return IndicatorDetail.model_validate(sdg.get_indicator(session, code))


@router.get(
    "/series/{code}", response_model=SeriesDetail, summary="A series and the indicators it measures"
)
def get_series(code: str, session: SessionDep) -> SeriesDetail:
    return SeriesDetail.model_validate(sdg.get_series(session, code))


@router.get(
    "/search",
    response_model=SearchResults,
    summary="Indicators and series ranked by relevance to a text query (BM25)",
)
def search(
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Words to look for, e.g. `child marriage`",
            examples=["child marriage"],
        ),
    ],
    kind: Annotated[
        Literal["indicator", "series"] | None,
        Query(description="Only indicators or only series"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=sdg_search.MAX_LIMIT)] = 20,
) -> SearchResults:
    hits = sdg_search.search(session, q, kind=kind, limit=limit)
    return SearchResults(data=[SearchHitPublic.model_validate(h) for h in hits], count=len(hits))
