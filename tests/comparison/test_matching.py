"""The matching rules on their own: which official figure a community one is compared with."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest

from voicescount.comparison.reference import Areas
from voicescount.comparison.service import (
    ReleaseLabel,
    SourceLabel,
    _Community,
    _matches,
    _Official,
    _row,
)
from voicescount.storage.tables.intake import DIMENSIONS

LINKS = {
    "SP_DYN_MRBF18": frozenset({"5.3.1"}),
    "SP_DYN_MRBF15": frozenset({"5.3.1"}),
    "EN_LND_SLUM": frozenset({"11.1.1"}),
}
#: CL_AREA as far as these tests need it: two counties under Kenya.
AREAS = Areas(
    codes=frozenset({"404", "KE-28", "KE-30", "KE"}),
    parents={"KE-28": "404", "KE-30": "404", "404": None, "KE": None},
    names={"404": "Kenya", "KE-28": "Mombasa", "KE-30": "Nairobi City"},
)
_ids = count(1)


def key(series: str = "SP_DYN_MRBF18", area: str = "KE-28", **breakdowns: str) -> tuple:
    codes = {"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": series, "REF_AREA": area}
    return tuple(codes.get(d, breakdowns.get(d, "_T")) for d in DIMENSIONS)


def community(period: str = "2023", value: float = 20.0, unit: str = "PT", **kw: str) -> _Community:
    return _Community(1, key(**kw), period, value, unit, "0", "A", 100)


def official(period: str, value: float, unit: str = "PT", source: int = 1, **kw: str) -> _Official:
    year = int(period[:4])
    return _Official(next(_ids), source, key(**kw), None, period, year, value, unit, None, None, {})


def best(item: _Community, *candidates: _Official, indicator: str | None = None) -> list:
    table: dict[tuple[str, str], list[_Official]] = {}
    for candidate in candidates:
        table.setdefault((candidate.key[2], candidate.key[3]), []).append(candidate)
    return list(_matches(item, table, LINKS, indicator, AREAS))


def test_the_same_series_wins_over_a_nearer_year_of_another() -> None:
    same = official("2022", 21.0, area="404", SEX="F")
    other = official("2023", 9.0, series="SP_DYN_MRBF15", area="404", SEX="F")
    ((chosen, match, totals),) = best(community(SEX="F"), other, same)
    assert chosen is same and match.series == "same" and match.period == "nearest_year"
    assert totals == ()


def test_the_areas_own_figure_wins_over_the_national_one() -> None:
    national = official("2023", 22.9, area="404", SEX="F")
    county = official("2023", 17.0, area="KE-28", SEX="F")
    ((chosen, match, _),) = best(community(SEX="F"), national, county)
    assert chosen is county and match.area == "same"
    ((chosen, match, _),) = best(community(SEX="F"), national)
    assert chosen is national and match.area == "national"


@pytest.mark.parametrize(
    ("periods", "expected", "how"),
    [
        (("2021", "2023", "2024"), "2023", "exact"),
        (("2021", "2024"), "2024", "nearest_year"),
        (("2022", "2024"), "2022", "nearest_year"),  # equally near: the earlier
        (("2020", "2026"), None, None),  # more than two years apart
        (("2023-06",), "2023-06", "same_year"),
    ],
)
def test_periods(periods: tuple[str, ...], expected: str | None, how: str | None) -> None:
    found = best(community(SEX="F"), *(official(p, 10.0, area="404", SEX="F") for p in periods))
    if expected is None:
        assert found == []
        return
    ((chosen, match, _),) = found
    assert (chosen.period, match.period) == (expected, how)


def test_another_group_is_never_used_but_the_total_is() -> None:
    women = official("2023", 22.9, area="404", SEX="F")
    assert best(community(SEX="M"), women) == []
    everyone = official("2023", 15.0, area="404")
    ((chosen, match, totals),) = best(community(SEX="M"), women, everyone)
    assert chosen is everyone and totals == ("SEX",)
    assert match.disaggregation == "official_total"


def test_a_shared_breakdown_is_kept_and_a_missing_one_totalled() -> None:
    women = official("2023", 22.9, area="404", SEX="F")
    women_20_24 = official("2023", 25.0, area="404", SEX="F", AGE="Y20T24")
    item = community(SEX="F", AGE="Y20T24", URBANISATION="R")
    ((chosen, match, totals),) = best(item, women, women_20_24)
    assert chosen is women_20_24 and totals == ("URBANISATION",)
    row = _row(item, chosen, match, totals, *_labels(), LINKS, None, AREAS)
    assert row.dimensions == {"SEX": "F", "AGE": "Y20T24"}
    assert row.compared_with_total == ("URBANISATION",)
    assert row.labels[-1] == "compared with the official total (_T) for urbanisation"


def test_an_indicator_query_only_pairs_series_of_that_indicator() -> None:
    other = official("2023", 9.0, series="SP_DYN_MRBF15", area="404", SEX="F")
    assert best(community(SEX="F"), other, indicator="11.1.1") == []
    ((chosen, match, _),) = best(community(SEX="F"), other, indicator="5.3.1")
    assert chosen is other and match.series == "same_indicator"


def test_one_match_per_source() -> None:
    first = official("2023", 22.9, area="404", SEX="F", source=1)
    second = official("2023", 23.1, area="404", SEX="F", source=2)
    found = best(community(SEX="F"), second, first)
    assert [chosen.source_id for chosen, _, _ in found] == [1, 2]


def _labels() -> tuple[dict[int, ReleaseLabel], dict[int, SourceLabel]]:
    release = ReleaseLabel(1, "ds-1-v1", "ds-1", "Coalition", "COMPLEMENTARY", None, "http://x")
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    sources = {
        s: SourceLabel(s, f"Source {s}", "KNBS", "DF", "KNBS:DF(1.0)", moment, "0" * 64)
        for s in (1, 2)
    }
    return {1: release}, sources


def test_gap_and_ratio_only_on_one_scale() -> None:
    item = community(value=23.5, SEX="F")
    same_unit = official("2023", 22.9, area="404", SEX="F")
    (match,) = best(item, same_unit)
    row = _row(item, same_unit, match[1], (), *_labels(), LINKS, None, AREAS)
    assert (row.gap, row.ratio) == (0.6, 1.026201)
    counted = official("2023", 1200.0, unit="NUMBER", area="404", SEX="F")
    (match,) = best(item, counted)
    row = _row(item, counted, match[1], (), *_labels(), LINKS, None, AREAS)
    assert row.gap is None and row.ratio is None
    assert "different units (community PT, official NUMBER): no gap computed" in row.labels
    zero = official("2023", 0.0, area="404", SEX="F")
    (match,) = best(item, zero)
    row = _row(item, zero, match[1], (), *_labels(), LINKS, None, AREAS)
    assert (row.gap, row.ratio) == (23.5, None)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("KE", "404"), ("ken", "404"), ("0404", "404"), ("404", "404"), ("KE-28", "KE-28"),
     ("KE_NBO", "KE_NBO"), ("050", "50")],
)  # fmt: skip
def test_area_codes_of_official_files(code: str, expected: str) -> None:
    assert AREAS.normalise(code) == expected


def test_the_country_of_an_area() -> None:
    assert AREAS.country_of("KE-28") == "404"
    assert AREAS.country_of("KE") == "404"
    assert AREAS.country_of("404") == "404"
    assert AREAS.country_of("KE_NBO") is None
    # Without the registry, an ISO 3166-2 code still names its country.
    assert Areas(frozenset(), {}, {}).country_of("NP-P3") == "524"
