"""Row validation against the community DSD: each issue class, with row and column."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from voicescount.intake.parsers.base import SourceRow
from voicescount.intake.validate import (
    DIMENSIONS,
    Context,
    IssueSink,
    RowValidator,
    plan_columns,
)
from voicescount.mapping.labels import BUILT_IN_LABELS
from voicescount.mapping.profile import MappingProfile
from voicescount.mapping.resolve import Codebook

AREA_PARENTS = {"KE-28": "404", "KE-30": "404", "404": None, "NP-P2": "524", "524": None}


def _books() -> dict[str, Codebook]:
    books = {
        dim: Codebook(component=dim, codelist=f"X:CL_{dim}(1.0)", codes=frozenset({"_T"}))
        for dim in DIMENSIONS
    }
    books["FREQ"] = Codebook(component="FREQ", codelist="SDMX:CL_FREQ(2.0)", codes=frozenset({"A"}))
    books["REPORTING_TYPE"] = Codebook(
        component="REPORTING_TYPE", codelist="X:CL_RT(1.0)", codes=frozenset({"N"})
    )
    books["SERIES"] = Codebook(
        component="SERIES",
        codelist="VOICES:CL_SERIES(1.0.0)",
        codes=frozenset({"SP_DYN_MRBF18", "SI_POV_50MI"}),
        names={"SP_DYN_MRBF18": "Proportion of women married before age 18"},
    )
    books["REF_AREA"] = Codebook(
        component="REF_AREA",
        codelist="VOICES:CL_AREA(1.0.0)",
        codes=frozenset(AREA_PARENTS),
        names={
            "KE-28": "Mombasa",
            "KE-30": "Nairobi City",
            "404": "Kenya",
            "524": "Nepal",
            "NP-P2": "Madhesh",
        },
        places=True,
    )
    books["SEX"] = Codebook(
        component="SEX",
        codelist="IAEG-SDGs:CL_SEX(1.1)",
        codes=frozenset({"_T", "F", "M"}),
        names={"F": "Female", "M": "Male"},
        labels=BUILT_IN_LABELS["SEX"],
    )
    for component, codes in {
        "UNIT_MEASURE": {"PT", "NUMBER"},
        "UNIT_MULT": {"0"},
        "OBS_STATUS": {"A", "O", "U"},
        "NATURE": {"C"},
    }.items():
        books[component] = Codebook(
            component=component, codelist=f"X:CL_{component}(1.0)", codes=frozenset(codes)
        )
    return books


def _within(code: str, ancestor: str) -> bool:
    current: str | None = code
    while current is not None:
        if current == ancestor:
            return True
        current = AREA_PARENTS.get(current)
    return False


CONTEXT = Context(
    reference_period=(date(2023, 1, 1), date(2023, 12, 31)),
    country_area="404",
    areas=(),
    unit_of_measure="PT",
    area_within=_within,
)

COLUMNS = ["Indicator", "County", "Gender", "Year", "Value", "Respondents"]


def run(
    rows: list[dict[str, str]],
    *,
    columns: list[str] = COLUMNS,
    profile: MappingProfile | None = None,
    context: Context = CONTEXT,
    report: Path | None = None,
):
    sink = IssueSink(report)
    profile = profile or MappingProfile()
    plan = plan_columns(columns, profile, sink)
    validator = RowValidator(
        plan=plan,
        codebooks=_books(),
        profile=profile,
        context=context,
        sink=sink,
        version_id=7,
        upload_id=3,
    )
    out = [validator.validate(SourceRow(i + 2, row)) for i, row in enumerate(rows)]
    sink.close()
    return out, sink, validator


def row(**values: str) -> dict[str, str]:
    base = {
        "Indicator": "SP_DYN_MRBF18",
        "County": "Mombasa County",
        "Gender": "Women",
        "Year": "2023",
        "Value": "23.5",
        "Respondents": "120",
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


def only_issue(sink: IssueSink) -> dict:
    errors = [i for i in sink.first if i.severity == "error"]
    assert len(errors) == 1, [e.as_dict() for e in errors]
    return errors[0].as_dict()


def test_a_good_row_becomes_an_observation_tuple() -> None:
    (result,), sink, validator = run([row()])
    assert sink.errors == 0
    assert result is not None
    version_id, upload_id, number, key, period, value, unit, mult, status, count, others = result
    assert (version_id, upload_id, number) == (7, 3, 2)
    assert key == "A.N.SP_DYN_MRBF18.KE-28.F._T._T._T._T._T._T._T._T._T._T"
    assert (period, value, unit, mult, status, count) == ("2023", 23.5, "PT", "0", "A", 120)
    assert others is None  # no rare attributes on this row
    summary = validator.summary()
    assert summary["automatic_mappings"] == {
        "REF_AREA": {"Mombasa County": "KE-28"},
        "SEX": {"Women": "F"},
    }
    assert summary["columns"]["components"]["SERIES"] == "Indicator"


@pytest.mark.parametrize(
    ("values", "kind", "component"),
    [
        ({"Indicator": "Child marriage rate"}, "unknown-code", "SERIES"),
        ({"Gender": "Wazee"}, "unknown-code", "SEX"),
        ({"Value": "twenty"}, "not-numeric", "OBS_VALUE"),
        ({"Value": "1,234"}, "not-numeric", "OBS_VALUE"),
        ({"Value": "120"}, "percentage-out-of-range", "OBS_VALUE"),
        ({"Value": ""}, "missing-value", "OBS_VALUE"),
        ({"Year": "2019"}, "period-outside-reference", "TIME_PERIOD"),
        ({"Year": "last year"}, "invalid-period", "TIME_PERIOD"),
        ({"County": "NP-P2"}, "area-outside-geography", "REF_AREA"),
        ({"Respondents": "12.5"}, "not-integer", "UNWEIGHTED_N"),
        ({"Respondents": "-3"}, "not-integer", "UNWEIGHTED_N"),
    ],
)
def test_each_issue_class_names_row_column_and_value(values, kind, component) -> None:
    (result,), sink, _ = run([row(), row(**values)][1:])
    assert result is None
    issue = only_issue(sink)
    assert issue["issue"] == kind
    assert issue["row"] == 2
    assert issue["component"] == component
    if component in ("SERIES", "SEX", "OBS_VALUE", "TIME_PERIOD", "REF_AREA", "UNWEIGHTED_N"):
        assert issue["column"] in COLUMNS


def test_unknown_codes_come_with_suggestions() -> None:
    (_,), sink, _ = run([row(County="Mombassa")])
    issue = only_issue(sink)
    assert issue["issue"] == "unknown-code"
    assert issue["suggestions"][0] == "KE-28"
    assert issue["value"] == "Mombassa"


def test_missing_mandatory_attribute_without_metadata_unit() -> None:
    context = Context(reference_period=None, country_area=None, unit_of_measure=None)
    (_,), sink, _ = run([row()], context=context)
    issue = only_issue(sink)
    assert issue["issue"] == "missing-mandatory-attribute"
    assert issue["component"] == "UNIT_MEASURE"


def test_a_missing_value_is_fine_with_a_status_saying_why() -> None:
    columns = [*COLUMNS, "Status"]
    (result,), sink, _ = run([row(Value="", Status="O")], columns=columns)
    assert sink.errors == 0 and result is not None
    assert result[5] is None  # OBS_VALUE


def test_missing_dimension_and_unknown_columns() -> None:
    columns = ["Indicator", "Gender", "Value", "Enumerator"]
    (result,), sink, _ = run(
        [{"Indicator": "SP_DYN_MRBF18", "Gender": "F", "Value": "3", "Enumerator": "Ann"}],
        columns=columns,
        context=Context(unit_of_measure="PT"),
    )
    assert result is None
    kinds = {i.kind: i for i in sink.first}
    assert kinds["unknown-column"].severity == "warning"
    assert kinds["unknown-column"].column == "Enumerator"
    assert kinds["missing-dimension"].component in ("REF_AREA", "TIME_PERIOD")


def test_the_profile_maps_columns_labels_and_defaults() -> None:
    profile = MappingProfile(
        columns={
            "Kaunti": "REF_AREA",
            "Jinsia": "SEX",
            "Mwaka": "TIME_PERIOD",
            "Thamani": "OBS_VALUE",
        },
        values={"SEX": {"Wamama": "F"}, "SERIES": {"Ndoa za utotoni": "SP_DYN_MRBF18"}},
        defaults={"SERIES": "SP_DYN_MRBF18"},
        ignore_columns=["Maoni"],
    )
    columns = ["Kaunti", "Jinsia", "Mwaka", "Thamani", "Maoni"]
    (result,), sink, _ = run(
        [{"Kaunti": "KE-30", "Jinsia": "Wamama", "Mwaka": "2023", "Thamani": "40", "Maoni": "x"}],
        columns=columns,
        profile=profile,
    )
    assert sink.errors == 0 and sink.warnings == 0
    assert result is not None and result[3].startswith("A.N.SP_DYN_MRBF18.KE-30.F.")


def test_profile_errors_are_file_level() -> None:
    profile = MappingProfile(columns={"Indicator": "SERIES", "County": "PLACE"})
    (_,), sink, _ = run([row()], profile=profile)
    kinds = [i for i in sink.first if i.kind == "unknown-component"]
    assert kinds and kinds[0].row is None and kinds[0].column == "County"


def test_deletions_and_extra_cells_are_refused() -> None:
    (first, second), sink, _ = run([row(ACTION="D"), row(__extra__="surplus")])
    assert first is None and second is None
    assert {i.kind for i in sink.first} == {"deletion-not-allowed", "extra-cells"}


def test_the_csv_report_has_every_issue(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    rows = [row(Value="x") for _ in range(30)]
    _, sink, _ = run(rows, report=report)
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,column,component,value,severity,issue,message,suggestions"
    assert len(lines) == 31
    assert lines[1].startswith("2,Value,OBS_VALUE,x,error,not-numeric,")
    assert sink.errors == 30


def test_the_fast_path_gives_exactly_what_the_full_checks_give() -> None:
    rows = [
        row(),
        row(Gender="Men", Value="5"),
        row(County="KE-30", Value="18.25", Respondents=""),
        row(),  # a repeat: this one takes the fast path
        row(Gender="Men", Value="5"),
        row(Value="1e1"),
        row(Value="101"),  # percentage out of range: must still be caught
        row(Gender="Wazee"),  # unknown: must still be caught
    ]
    fast_out, fast_sink, fast = run(rows)
    assert fast._fast

    sink = IssueSink()
    plan = plan_columns(COLUMNS, MappingProfile(), sink)
    slow = RowValidator(
        plan=plan,
        codebooks=_books(),
        profile=MappingProfile(),
        context=CONTEXT,
        sink=sink,
        version_id=7,
        upload_id=3,
    )
    slow._fast = False
    slow_out = [slow.validate(SourceRow(i + 2, r)) for i, r in enumerate(rows)]
    assert fast_out == slow_out
    assert [i.as_dict() for i in fast_sink.first] == [i.as_dict() for i in sink.first]
    assert fast.summary() == slow.summary()


def test_rare_attributes_travel_as_json() -> None:
    columns = [*COLUMNS, "Comment", "Lower bound", "Upper bound"]
    (result,), sink, _ = run(
        [row(Comment="Mombasa wards 3–5 only", **{"Lower bound": "20", "Upper bound": "27"})],
        columns=columns,
    )
    assert sink.errors == 0 and result is not None
    assert json.loads(result[10]) == {
        "COMMENT_OBS": "Mombasa wards 3–5 only",
        "LOWER_BOUND": 20.0,
        "UPPER_BOUND": 27.0,
    }
