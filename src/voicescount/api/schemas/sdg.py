"""The SDG framework on the wire: goals, targets, indicators, series and search hits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _FromDomain(BaseModel):
    # Built from the registry's frozen dataclasses (attribute access, nested ones included).
    model_config = ConfigDict(from_attributes=True)


class GoalPublic(_FromDomain):
    code: str = Field(examples=["5"])
    short_title: str = Field(examples=["Gender equality"])
    title: str = Field(examples=["Achieve gender equality and empower all women and girls"])


class GoalsPublic(BaseModel):
    data: list[GoalPublic]
    count: int


class TargetRef(_FromDomain):
    code: str = Field(examples=["5.3"])
    title: str


class IndicatorRef(_FromDomain):
    code: str = Field(examples=["5.3.1"])
    title: str


class SeriesRef(_FromDomain):
    code: str = Field(examples=["SP_DYN_MRBF18"])
    name: str
    retired: bool = Field(description="Withdrawn from the framework (CL_SERIES 'RetiredSeries')")


class GoalDetail(GoalPublic):
    targets: list[TargetRef]


class TargetPublic(_FromDomain):
    code: str = Field(examples=["5.3"])
    goal: str = Field(examples=["5"])
    title: str


class TargetsPublic(BaseModel):
    data: list[TargetPublic]
    count: int


class TargetDetail(_FromDomain):
    code: str = Field(examples=["5.3"])
    title: str
    goal: GoalPublic
    indicators: list[IndicatorRef]


class IndicatorPublic(_FromDomain):
    code: str = Field(examples=["5.3.1"])
    target: str = Field(examples=["5.3"])
    goal: str = Field(examples=["5"])
    title: str
    unsd_code: str | None = Field(
        description="UNSD's indicator code from CL_SERIES", examples=["C050301"]
    )


class IndicatorsPublic(BaseModel):
    data: list[IndicatorPublic]
    count: int


class IndicatorDetail(_FromDomain):
    code: str = Field(examples=["5.3.1"])
    title: str
    unsd_code: str | None = Field(examples=["C050301"])
    target: TargetRef
    goal: GoalPublic
    series: list[SeriesRef] = Field(description="The SDMX SERIES codes that measure it")


class SeriesDetail(_FromDomain):
    code: str = Field(examples=["SP_DYN_MRBF18"])
    name: str
    retired_note: str | None = Field(description="Why the series was withdrawn, if it was")
    indicators: list[IndicatorRef]


class SearchHitPublic(_FromDomain):
    code: str = Field(examples=["5.3.1"])
    kind: Literal["indicator", "series"]
    title: str = Field(description="An indicator's title or a series' name")
    score: float = Field(description="BM25F relevance; comparable within one query only")
    indicators: list[str] = Field(description="For a series: the indicators it measures")
    target: str | None = Field(description="For an indicator: its target")
    goal: str | None = Field(description="For an indicator: its goal")
    retired: bool = Field(description="For a series: withdrawn from the framework")


class SearchResults(BaseModel):
    data: list[SearchHitPublic]
    count: int
