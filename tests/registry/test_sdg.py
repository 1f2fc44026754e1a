"""The SDG framework: the packaged JSON, loading it into the store (both backends), lookups."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from tests.conftest import Store
from voicescount.errors import NotFound
from voicescount.registry import sdg
from voicescount.storage.tables import (
    SdgGoal,
    SdgIndicator,
    SdgSeries,
    SdgSeriesIndicator,
    SdgTarget,
)

FRAMEWORK = sdg.read_framework()
EXPECTED = {
    "goals": 17,
    "targets": 169,
    "indicators": 253,  # 252 from the indicator list, plus 11.5.3 from CL_SERIES
    "series": 783,
    "series_indicators": 837,
}


@pytest.fixture(scope="module")
def loaded(store: Store) -> dict[str, int]:
    """The framework loaded into the shared store (idempotent, so any number of modules may)."""
    with store.session() as session:
        return sdg.load_framework(session)


@pytest.fixture
def db(store: Store, loaded: dict[str, int]) -> Iterator[Session]:
    with store.session() as session:
        yield session


def _rows(session: Session) -> dict[str, int]:
    def count(model: type) -> int:
        return session.execute(select(func.count()).select_from(model)).scalar_one()

    return {
        "goals": count(SdgGoal),
        "targets": count(SdgTarget),
        "indicators": count(SdgIndicator),
        "series": count(SdgSeries),
        "series_indicators": count(SdgSeriesIndicator),
    }


# --- the packaged JSON (no database) ---------------------------------------------------------


def test_the_package_holds_the_whole_framework() -> None:
    assert {key: len(FRAMEWORK[key]) for key in ("goals", "targets", "indicators", "series")} == {
        key: EXPECTED[key] for key in ("goals", "targets", "indicators", "series")
    }
    links = sum(len(s["indicators"]) for s in FRAMEWORK["series"])
    assert links == EXPECTED["series_indicators"]


def test_the_package_is_internally_consistent() -> None:
    goals = {g["code"] for g in FRAMEWORK["goals"]}
    targets = {t["code"]: t["goal"] for t in FRAMEWORK["targets"]}
    indicators = {i["code"]: i for i in FRAMEWORK["indicators"]}
    assert goals == {str(n) for n in range(1, 18)}
    assert set(targets.values()) == goals
    for code, indicator in indicators.items():
        assert re.fullmatch(r"\d+\.[0-9a-z]+\.\d+", code)
        assert indicator["target"] in targets
        assert targets[indicator["target"]] == indicator["goal"]
        assert code.startswith(indicator["target"] + ".")
    for series in FRAMEWORK["series"]:
        assert set(series["indicators"]) <= set(indicators), series["code"]
        # The trailing " [5.3.1]" of the CL_SERIES name is gone; the link is in "indicators".
        assert not re.search(r"\[[\d., a-z]+\]$", series["name"]), series["name"]
        assert (series["retired_note"] is None) == bool(series["indicators"]), series["code"]


def test_the_package_keeps_the_readme_caveats() -> None:
    indicators = {i["code"]: i for i in FRAMEWORK["indicators"]}
    # Missing from the indicator list, added from CL_SERIES with target and goal from its code.
    assert indicators["11.5.3"]["target"] == "11.5"
    assert indicators["11.5.3"]["goal"] == "11"
    assert indicators["11.5.3"]["title"].startswith("(a) Damage to critical infrastructure")
    assert FRAMEWORK["source"]["notes"]["indicators_added_from_series"] == ["11.5.3"]
    # Deleted in the 2020 review, still in the list: kept.
    assert {"1.a.3", "11.c.1", "13.3.2", "17.6.2", "8.9.2"} <= set(indicators)
    # Shared code of a repeated indicator; the title-matching code where series disagree.
    assert indicators["1.5.1"]["unsd_code"] == indicators["13.1.1"]["unsd_code"] == "C200303"
    assert indicators["17.3.1"]["unsd_code"] == "C170304"
    assert indicators["5.3.1"]["unsd_code"] == "C050301"


def test_the_package_names_its_sources() -> None:
    upstream = FRAMEWORK["source"]["upstream"]
    assert upstream["framework"]["commit"] == "0cda585851a5c6f04040a9a2755fbb4496c4eead"
    assert upstream["series"]["commit"].startswith("0b450bf")
    assert set(FRAMEWORK["source"]["inputs"]) == {
        "sdg_goals_en.csv",
        "sdg_targets_en.csv",
        "sdg_indicators_en.csv",
        "sdg_series_to_indicator_DSD_1.14.csv",
    }


# --- loading (SQLite and PostgreSQL) ---------------------------------------------------------


def test_loading_reports_and_stores_every_row(loaded: dict[str, int], db: Session) -> None:
    assert loaded == EXPECTED
    assert _rows(db) == EXPECTED


def test_loading_again_changes_nothing(store: Store, loaded: dict[str, int]) -> None:
    before = sdg.framework_generation()
    with store.session() as session:
        assert sdg.load_framework(session) == EXPECTED
        assert sdg.load_framework(session) == EXPECTED
    with store.session() as session:
        assert _rows(session) == EXPECTED
        assert sdg.get_indicator(session, "5.3.1").unsd_code == "C050301"
    assert sdg.framework_generation() == before + 2


def test_loading_repairs_edits_and_removes_what_the_package_lacks(
    store: Store, loaded: dict[str, int]
) -> None:
    with store.session() as session:
        session.execute(text("UPDATE sdg_indicator SET title = 'edited' WHERE code = '5.3.1'"))
        session.execute(
            text(
                "INSERT INTO sdg_indicator (code, target_code, goal_code, title, position) "
                "VALUES ('5.3.99', '5.3', '5', 'Not in the framework', 9999)"
            )
        )
        session.execute(
            text(
                "INSERT INTO sdg_series_indicator (series_code, indicator_code) "
                "VALUES ('SP_DYN_MRBF18', '5.3.99')"
            )
        )
        session.commit()
        assert _rows(session)["indicators"] == EXPECTED["indicators"] + 1

        assert sdg.load_framework(session) == EXPECTED

    with store.session() as session:
        assert _rows(session) == EXPECTED
        assert sdg.get_indicator(session, "5.3.1").title.startswith("Proportion of women aged")
        with pytest.raises(NotFound):
            sdg.get_indicator(session, "5.3.99")


# --- lookups ---------------------------------------------------------------------------------


def test_goals_are_listed_in_order(db: Session) -> None:
    goals = sdg.list_goals(db)
    assert [g.code for g in goals] == [str(n) for n in range(1, 18)]
    assert goals[4].short_title == "Gender equality"


def test_a_goal_comes_with_its_targets(db: Session) -> None:
    goal = sdg.get_goal(db, "5")
    assert goal.title == "Achieve gender equality and empower all women and girls"
    assert [t.code for t in goal.targets] == [
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
        "5.6",
        "5.a",
        "5.b",
        "5.c",
    ]
    assert sdg.get_goal(db, "05").code == "5"


def test_targets_are_filtered_by_goal_in_framework_order(db: Session) -> None:
    assert len(sdg.list_targets(db)) == 169
    codes = [t.code for t in sdg.list_targets(db, goal="1")]
    # Numbered targets before lettered ones, and 1.10 would sort after 1.9, not after 1.1.
    assert codes == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.a", "1.b"]
    assert [t.code for t in sdg.list_targets(db, goal="17")][:3] == ["17.1", "17.2", "17.3"]
    assert [t.code for t in sdg.list_targets(db, goal="17")][9:11] == ["17.10", "17.11"]


def test_indicators_are_filtered_by_goal_and_target(db: Session) -> None:
    assert len(sdg.list_indicators(db)) == 253
    assert len(sdg.list_indicators(db, goal="5")) == 14
    assert [i.code for i in sdg.list_indicators(db, target="5.3")] == ["5.3.1", "5.3.2"]
    assert [i.code for i in sdg.list_indicators(db, goal="5", target="5.3")] == ["5.3.1", "5.3.2"]
    # A target of another goal is not an error, it just matches nothing.
    assert sdg.list_indicators(db, goal="1", target="5.3") == []
    one_a = sdg.list_indicators(db, target="1.A")
    assert [i.code for i in one_a] == ["1.a.1", "1.a.2", "1.a.3"]


def test_an_indicator_comes_with_its_target_goal_and_series(db: Session) -> None:
    indicator = sdg.get_indicator(db, "5.3.1")
    assert indicator.title == (
        "Proportion of women aged 20–24 years who were married or in a union before age 15 and "
        "before age 18"
    )
    assert indicator.target.code == "5.3"
    assert "child, early and forced marriage" in indicator.target.title
    assert indicator.goal.code == "5"
    assert indicator.goal.short_title == "Gender equality"
    assert [s.code for s in indicator.series] == ["SP_DYN_MRBF15", "SP_DYN_MRBF18"]
    assert not any(s.retired for s in indicator.series)


def test_an_indicator_added_from_cl_series_is_complete(db: Session) -> None:
    indicator = sdg.get_indicator(db, "11.5.3")
    assert indicator.target.code == "11.5"
    assert indicator.goal.code == "11"
    assert "VC_DSR_CDAN" in {s.code for s in indicator.series}


def test_a_repeated_indicator_shares_its_series(db: Session) -> None:
    series = sdg.get_series(db, "VC_DSR_MISS")
    assert [i.code for i in series.indicators] == ["1.5.1", "11.5.1", "13.1.1"]
    assert "VC_DSR_MISS" in {s.code for s in sdg.get_indicator(db, "13.1.1").series}


def test_a_series_comes_with_its_indicators(db: Session) -> None:
    series = sdg.get_series(db, "sp_dyn_mrbf18")
    assert series.code == "SP_DYN_MRBF18"
    assert series.name == (
        "Proportion of women aged 20-24 years who were married or in a union before age 18"
    )
    assert series.retired_note is None
    assert [(i.code, i.title[:26]) for i in series.indicators] == [
        ("5.3.1", "Proportion of women aged 2")
    ]


def test_a_retired_series_has_its_note_and_no_indicators(db: Session) -> None:
    series = sdg.get_series(db, "AG_FLS_IDX")
    assert series.name == "Global food loss index"
    assert series.retired_note is not None
    assert "AG_FLS_INDEX" in series.retired_note
    assert series.indicators == ()


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda s: sdg.get_goal(s, "18"), "SDG goal"),
        (lambda s: sdg.get_target(s, "5.9"), "SDG target"),
        (lambda s: sdg.get_indicator(s, "5.3.9"), "SDG indicator"),
        (lambda s: sdg.get_series(s, "NO_SUCH_SERIES"), "SDG series"),
        (lambda s: sdg.list_targets(s, goal="0"), "SDG goal"),
        (lambda s: sdg.list_indicators(s, goal="99"), "SDG goal"),
        (lambda s: sdg.list_indicators(s, target="5.z"), "SDG target"),
    ],
)
def test_unknown_codes_are_not_found(db: Session, call, kind: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as caught:
        call(db)
    assert caught.value.kind == kind


def test_a_target_comes_with_its_goal_and_indicators(db: Session) -> None:
    target = sdg.get_target(db, "5.3")
    assert target.goal.code == "5"
    assert [i.code for i in target.indicators] == ["5.3.1", "5.3.2"]
