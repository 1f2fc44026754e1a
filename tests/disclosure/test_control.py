"""Disclosure control by example: a worked table with every outcome spelled out, the policy and
cell checks, unknown n, n = 0, one-part margins, partner choice and the suppression report."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from types import SimpleNamespace

import pytest

from tests.disclosure.support import (
    Dimension,
    Table,
    build_table,
    determined_exactly,
    peel,
    sdg_key,
    withheld_ids,
)
from voicescount.disclosure import (
    SDG_DIMENSIONS,
    Cell,
    Hierarchies,
    Outcome,
    Policy,
    ReportEntry,
    apply,
    protect,
)
from voicescount.disclosure.report import CSV_HEADER

AREA = Dimension("REF_AREA", "404", {"404": ("KE-01", "KE-28", "KE-47")})
SEX = Dimension("SEX", "_T", {"_T": ("F", "M")})
AREAS = Hierarchies({"REF_AREA": {"404": ["KE-01", "KE-28", "KE-47"]}})
SEX_AT = SDG_DIMENSIONS.index("SEX")
AREA_AT = SDG_DIMENSIONS.index("REF_AREA")


def worked_table() -> Table:
    """Sex × area (Kenya and three counties) with all totals; only F in KE-01 is small::

    value / n   KE-01     KE-28     KE-47     404
    F           3 / 4     20 / 25   35 / 40   58 / 69
    M           10 / 12   15 / 18   41 / 45   66 / 75
    _T          13 / 16   35 / 43   76 / 85   124 / 144
    """
    leaves = {
        ("KE-01", "F"): (3, 4),
        ("KE-01", "M"): (10, 12),
        ("KE-28", "F"): (20, 25),
        ("KE-28", "M"): (15, 18),
        ("KE-47", "F"): (35, 40),
        ("KE-47", "M"): (41, 45),
    }
    values = {leaf: value for leaf, (value, _) in leaves.items()}
    n = {leaf: count for leaf, (_, count) in leaves.items()}
    return build_table([AREA, SEX], values, n)


def by_codes(table: Table, outcomes: list[Outcome]) -> dict[tuple[str, str], Outcome]:
    """Outcomes keyed by (sex, area)."""
    cells = table.by_id()
    return {(cells[o.cell_id].key[SEX_AT], cells[o.cell_id].key[AREA_AT]): o for o in outcomes}


def id_of(table: Table, sex: str, area: str) -> int:
    return next(c.id for c in table.cells if c.key == sdg_key(SEX=sex, REF_AREA=area))


def one_dimension(*rows: tuple[str, float | None, int | None]) -> list[Cell]:
    """Cells of a sex breakdown, one per (code, value, n)."""
    return [
        Cell(index, sdg_key(SEX=code), "2023", value, n)
        for index, (code, value, n) in enumerate(rows, 1)
    ]


def outcome_of(outcomes: list[Outcome], cell_id: int) -> Outcome:
    return next(o for o in outcomes if o.cell_id == cell_id)


# ------------------------------------------------------------------------------------------
# The worked table


def test_worked_table_gets_exactly_the_expected_outcomes() -> None:
    """F × KE-01 (n = 4) is primary; round 1 hides it in its sex margin (M × KE-01, the only
    component) and its area margin (F × KE-28, smaller n than F × KE-47); round 2 hides
    M × KE-01 in the male area margin (M × KE-28). _T × KE-01 (n = 16) is flagged."""
    table = worked_table()
    got = by_codes(table, protect(table.cells, Policy(), AREAS).outcomes)
    primary = id_of(table, "F", "KE-01")
    expected = {
        ("F", "KE-01"): ("A", "Q", "primary", None, None),
        ("M", "KE-01"): ("D", "Q", "secondary", primary, 1),
        ("F", "KE-28"): ("D", "Q", "secondary", primary, 1),
        ("M", "KE-28"): ("D", "Q", "secondary", id_of(table, "M", "KE-01"), 2),
        ("_T", "KE-01"): ("F", "U", "low-reliability", None, None),
    }
    for codes, outcome in got.items():
        want = expected.get(codes, ("F", None, "free", None, None))
        assert (
            outcome.conf_status,
            outcome.obs_status,
            outcome.rule,
            outcome.protects,
            outcome.round,
        ) == want, codes


def test_worked_table_reasons_name_the_threshold_and_the_margin() -> None:
    table = worked_table()
    got = by_codes(table, protect(table.cells, Policy(), AREAS).outcomes)
    assert got["F", "KE-01"].reason == "n = 4 < threshold 10 (primary)"
    assert "SEX margin _T = F + M (secondary, round 1)" in got["M", "KE-01"].reason
    assert "REF_AREA margin 404 = KE-01 + KE-28 + KE-47" in got["F", "KE-28"].reason
    assert got["_T", "KE-01"].reason == "n = 16 < reliability threshold 30 (low-reliability)"
    assert got["_T", "404"].reason == "n = 144 ≥ 30 (free)"


def test_worked_table_is_safe_but_would_leak_with_primary_suppression_only() -> None:
    """_T × KE-01 - M × KE-01 = 13 - 10 gives F × KE-01 when only it is withheld."""
    table = worked_table()
    primary = id_of(table, "F", "KE-01")
    assert peel(table, {primary}) == {primary: 3.0}
    protection = protect(table.cells, Policy(), AREAS)
    withheld = withheld_ids(protection.outcomes)
    assert peel(table, withheld) == {}
    assert determined_exactly(table, withheld) == set()
    assert protection.report.residual == []


def test_worked_table_report_counts() -> None:
    table = worked_table()
    report = protect(table.cells, Policy(), AREAS).report
    assert report.counts == {
        "primary": 1,
        "secondary": 3,
        "low-reliability": 1,
        "unknown-n": 0,
        "free": 7,
    }
    assert report.withheld == 4


def test_outcomes_follow_input_order_and_apply_gives_the_same() -> None:
    table = worked_table()
    cells = list(reversed(table.cells))
    outcomes = apply(cells, Policy(), AREAS)
    assert [o.cell_id for o in outcomes] == [c.id for c in cells]
    assert outcomes == protect(cells, Policy(), AREAS).outcomes


# ------------------------------------------------------------------------------------------
# Policy and cell checks


def test_policy_defaults() -> None:
    policy = Policy()
    assert (policy.frequency_threshold, policy.reliability_threshold) == (10, 30)
    assert (policy.total_code, policy.unknown_n, policy.exact_check) == ("_T", "flag", True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"frequency_threshold": -1}, "thresholds must not be negative"),
        ({"reliability_threshold": -1}, "thresholds must not be negative"),
        ({"total_code": ""}, "total code must not be empty"),
        ({"unknown_n": "drop"}, "unknown_n must be 'flag' or 'suppress'"),
    ],
)
def test_policy_rejects_invalid_settings(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Policy(**arguments)  # type: ignore[arg-type]


def test_cell_rejects_a_negative_n() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        Cell(1, sdg_key(), "2023", 1.0, -1)


def test_frequency_threshold_is_configurable_and_strict() -> None:
    """n < threshold is withheld; n = threshold is published (and flagged, being under 30).
    No total here, so no margin and no partner to get in the way."""
    cells = one_dimension(("F", 4.0, 4), ("M", 5.0, 5))
    assert [o.rule for o in apply(cells, Policy(frequency_threshold=5))] == [
        "primary",
        "low-reliability",
    ]
    assert [o.rule for o in apply(cells, Policy(frequency_threshold=4))] == [
        "low-reliability",
        "low-reliability",
    ]


def test_reliability_threshold_is_strict() -> None:
    """n = reliability threshold is free, one less is flagged."""
    cells = one_dimension(("_T", 9.0, 59), ("F", 4.0, 29), ("M", 5.0, 30))
    outcomes = apply(cells, Policy())
    assert [o.rule for o in outcomes] == ["free", "low-reliability", "free"]
    assert [o.obs_status for o in outcomes] == [None, "U", None]


# ------------------------------------------------------------------------------------------
# Unknown n, n = 0, one-part margins


def test_unknown_n_is_published_and_listed_under_flag() -> None:
    cells = one_dimension(("_T", 9.0, 60), ("F", 4.0, None), ("M", 5.0, 30))
    protection = protect(cells, Policy(unknown_n="flag"))
    unknown = outcome_of(protection.outcomes, 2)
    assert (unknown.conf_status, unknown.obs_status, unknown.rule) == ("F", None, "unknown-n")
    assert "unweighted n unknown" in unknown.reason
    assert protection.report.withheld == 0
    assert protection.report.counts["unknown-n"] == 1


def test_unknown_n_is_withheld_like_a_small_cell_under_suppress() -> None:
    cells = one_dimension(("_T", 9.0, 60), ("F", 4.0, None), ("M", 5.0, 30))
    outcomes = apply(cells, Policy(unknown_n="suppress"))
    unknown, partner = outcome_of(outcomes, 2), outcome_of(outcomes, 3)
    assert (unknown.conf_status, unknown.obs_status, unknown.rule) == ("A", "Q", "unknown-n")
    assert (partner.conf_status, partner.rule, partner.protects) == ("D", "secondary", 2)
    assert not outcome_of(outcomes, 1).withheld


def test_n_zero_is_withheld_as_primary() -> None:
    """A zero count cannot be told from a group nobody reached: withheld like any small cell."""
    cells = one_dimension(("_T", 40.0, 40), ("F", 0.0, 0), ("M", 40.0, 40))
    outcomes = apply(cells)
    zero = outcome_of(outcomes, 2)
    assert (zero.conf_status, zero.rule, zero.reason) == (
        "A",
        "primary",
        "n = 0 < threshold 10 (primary)",
    )
    assert outcome_of(outcomes, 3).conf_status == "D"


def test_a_lone_cell_has_no_margin_to_protect_it_in() -> None:
    """A single observation: withheld if small, and nothing else to do."""
    assert [o.rule for o in apply(one_dimension(("F", 2.0, 3)))] == ["primary"]
    assert [o.rule for o in apply(one_dimension(("F", 20.0, 50)))] == ["free"]
    assert apply([]) == []


def test_a_total_with_a_single_part_is_withheld_with_it() -> None:
    """_T = F when F is the only code given: the total is F's value, so it goes too."""
    cells = one_dimension(("_T", 4.0, 4), ("F", 4.0, 4))
    outcomes = apply(cells, Policy(frequency_threshold=5, reliability_threshold=5))
    assert [o.conf_status for o in outcomes] == ["A", "A"]
    cells = one_dimension(("_T", 4.0, 40), ("F", 4.0, 4))
    total = outcome_of(apply(cells), 1)
    assert (total.conf_status, total.protects) == ("D", 2)
    assert "SEX margin _T = F (secondary" in total.reason


def test_a_county_alone_in_its_country_takes_the_country_with_it() -> None:
    hierarchies = Hierarchies({"REF_AREA": {"404": ["KE-01"]}})
    cells = [
        Cell(1, sdg_key(REF_AREA="404"), "2023", 7.0, 40),
        Cell(2, sdg_key(REF_AREA="KE-01"), "2023", 7.0, 3),
    ]
    assert [o.conf_status for o in apply(cells, Policy(), hierarchies)] == ["D", "A"]


# ------------------------------------------------------------------------------------------
# Hierarchies and margins


def test_counties_add_up_to_the_country_through_a_missing_region() -> None:
    """The hierarchy says county → region → country (the review service builds it over the
    whole submission), but this series gives counties and the country only. The country is
    still the sum of the counties, so a lone small county needs a partner."""
    hierarchies = Hierarchies.from_parents(
        {"REF_AREA": {"R0": "404", "R1": "404", "R0K0": "R0", "R0K1": "R0", "R1K0": "R1"}}
    )
    cells = [
        Cell(1, sdg_key(REF_AREA="404"), "2023", 60.0, 100),
        Cell(2, sdg_key(REF_AREA="R0K0"), "2023", 5.0, 4),
        Cell(3, sdg_key(REF_AREA="R0K1"), "2023", 25.0, 40),
        Cell(4, sdg_key(REF_AREA="R1K0"), "2023", 30.0, 56),
    ]
    outcomes = apply(cells, Policy(), hierarchies)
    assert [o.conf_status for o in outcomes] == ["F", "A", "D", "F"]
    assert "404 = R0K0 + R0K1 + R1K0" in outcomes[2].reason


def test_hierarchies_from_parents_match_hierarchies_from_children() -> None:
    children = Hierarchies({"REF_AREA": {"404": ["KE-01", "KE-28"]}})
    parents = Hierarchies.from_parents({"REF_AREA": {"KE-01": "404", "KE-28": "404"}})
    by_position = Hierarchies({AREA_AT: {"404": ["KE-01", "KE-28"]}})
    assert children.as_dict() == parents.as_dict() == by_position.as_dict()
    assert children.as_dict() == {"REF_AREA": {"404": ["KE-01", "KE-28"]}}


def test_hierarchies_reject_unknown_dimensions_and_self_parents() -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        Hierarchies({"PLANET": {"EARTH": ["MOON"]}})
    with pytest.raises(ValueError, match="its own child"):
        Hierarchies({"REF_AREA": {"404": ["404", "KE-01"]}})


def test_margins_never_cross_periods() -> None:
    """A small cell in 2023 leaves 2022's identical breakdown alone."""
    rows = [("_T", 40.0, 40), ("F", 3.0, 3), ("M", 37.0, 37)]
    cells = [
        Cell(index, sdg_key(SEX=code), period, value, 50 if period == "2022" else n)
        for index, (period, (code, value, n)) in enumerate(
            ((p, r) for p in ("2022", "2023") for r in rows), 1
        )
    ]
    outcomes = apply(cells)
    assert [o.withheld for o in outcomes] == [False, False, False, False, True, True]


def test_a_custom_total_code_makes_the_margin() -> None:
    cells = one_dimension(("TOTAL", 40.0, 40), ("F", 3.0, 3), ("M", 37.0, 37))
    assert [o.conf_status for o in apply(cells, Policy(total_code="TOTAL"))] == ["F", "A", "D"]
    # With the default code, TOTAL is just another category: no margin, nothing to protect.
    assert [o.conf_status for o in apply(cells)] == ["F", "A", "F"]


def test_duplicate_cells_and_ragged_keys_are_refused() -> None:
    twice = [Cell(1, sdg_key(), "2023", 1.0, 50), Cell(2, sdg_key(), "2023", 2.0, 50)]
    with pytest.raises(ValueError, match="two cells for"):
        apply(twice)
    ragged = [Cell(1, sdg_key(), "2023", 1.0, 50), Cell(2, ("A", "B"), "2023", 2.0, 50)]
    with pytest.raises(ValueError, match="dimension codes"):
        apply(ragged)


# ------------------------------------------------------------------------------------------
# Partner choice


@pytest.mark.parametrize(
    ("rows", "partner"),
    [
        # the smallest n among the components
        ([("_T", 63.0, 63), ("F", 3.0, 3), ("M", 40.0, 40), ("X", 20.0, 20)], 4),
        # a component without a value is taken last
        ([("_T", 63.0, 63), ("F", 3.0, 3), ("M", 40.0, 40), ("X", None, 20)], 3),
        # equal n: the smaller value, then key order
        ([("_T", 63.0, 63), ("F", 3.0, 3), ("M", 30.0, 30), ("X", 20.0, 30)], 4),
        ([("_T", 63.0, 63), ("F", 3.0, 3), ("M", 30.0, 30), ("X", 30.0, 30)], 3),
    ],
)
def test_secondary_partner_is_the_cheapest_component(
    rows: list[tuple[str, float | None, int]], partner: int
) -> None:
    outcomes = apply(one_dimension(*rows))
    assert [o.cell_id for o in outcomes if o.rule == "secondary"] == [partner]


# ------------------------------------------------------------------------------------------
# The report


def test_report_csv_has_the_documented_columns_and_one_row_per_cell() -> None:
    table = worked_table()
    report = protect(table.cells, Policy(), AREAS).report
    stream = io.StringIO()
    report.write_csv(stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == [
        "cell_id",
        "series_key",
        "time_period",
        "unweighted_n",
        "value_withheld",
        "conf_status",
        "obs_status",
        "rule",
        "round",
        "protects",
        "reason",
    ]
    assert list(CSV_HEADER) == rows[0]
    assert len(rows) == 1 + len(table.cells)
    by_id = {row[0]: row for row in rows[1:]}
    primary = id_of(table, "F", "KE-01")
    assert by_id[str(primary)] == [
        str(primary),
        ".".join(sdg_key(SEX="F", REF_AREA="KE-01")),
        "2023",
        "4",
        "yes",
        "A",
        "Q",
        "primary",
        "",
        "",
        "n = 4 < threshold 10 (primary)",
    ]
    partner = by_id[str(id_of(table, "M", "KE-28"))]
    assert partner[4:10] == ["yes", "D", "Q", "secondary", "2", str(id_of(table, "M", "KE-01"))]
    flagged = by_id[str(id_of(table, "_T", "KE-01"))]
    assert flagged[3:9] == ["16", "no", "F", "U", "low-reliability", ""]


def test_report_csv_leaves_unknown_n_empty() -> None:
    report = protect(one_dimension(("_T", 9.0, 60), ("F", 4.0, None), ("M", 5.0, 30))).report
    rows = list(report.csv_rows())
    assert rows[2][3] == "" and rows[2][7] == "unknown-n"


def test_report_never_carries_the_values() -> None:
    """The report goes to reviewers and back to the coalition: no field for values at all."""
    names = {field.name for field in fields(ReportEntry)}
    assert not any("value" in name and name != "value_withheld" for name in names)
    table = worked_table()
    report = protect(table.cells, Policy(), AREAS).report
    document = report.as_dict()
    json.dumps(document)  # JSON-ready
    assert document["withheld"] == 4 and document["cells"] == len(table.cells)
    assert document["hierarchies"] == {"REF_AREA": {"404": ["KE-01", "KE-28", "KE-47"]}}
    assert all(set(entry) == names for entry in document["entries"])


# ------------------------------------------------------------------------------------------
# Plumbing


def test_sdg_dimensions_match_the_stored_observation_key() -> None:
    """``model.SDG_DIMENSIONS`` is a copy (to keep the package free of the database layer)."""
    from voicescount.storage.tables.intake import DIMENSIONS

    assert SDG_DIMENSIONS == DIMENSIONS


def test_cell_from_observation() -> None:
    observation = SimpleNamespace(
        id=7, series_key="A.N.X", time_period="2023", obs_value=1.5, unweighted_n=12
    )
    assert Cell.from_observation(observation) == Cell(7, ("A", "N", "X"), "2023", 1.5, 12)
    with pytest.raises(ValueError, match="no id yet"):
        Cell.from_observation(SimpleNamespace(**{**vars(observation), "id": None}))
