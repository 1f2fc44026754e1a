"""Screening judges each class of issue: re-validation, consistency, personal data."""

from __future__ import annotations

from typing import Any

from voicescount.review import screening as sc

PARENTS = {"KE-30": "404", "KE-28": "404", "KE-17": "404", "404": None, "356": None}


def within(code: str, ancestor: str) -> bool:
    current: str | None = code
    while current is not None:
        if current == ancestor:
            return True
        current = PARENTS.get(current)
    return False


GEOGRAPHY = sc.Geography(country_area="404", areas=("KE-30", "KE-28"), area_within=within)


def metadata(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "abstract": "Household survey in two counties.",
        "contact_point": {"name": "Data officer", "email": "data@coalition.example"},
        "reference_period": {"start": "2023-01-01", "end": "2023-12-31"},
        "target_groups": [{"code": "LNOB_PWD", "label": "People with disabilities"}],
        "sampling": {"design": "simple_random", "size_planned": 500, "size_achieved": 480},
        "kind_of_data": "household_survey",
    }
    base.update(changes)
    return base


def key(area: str = "KE-30", group: str = "_T") -> str:
    codes = ["A", "_Z", "LNOB_KE_X", area, "_T", "_T", "_T", "_T", "_T", "_T", group]
    return ".".join([*codes, "_T", "_T", "_T", "_T"])


def row(number: int, **kwargs: Any) -> sc.ObservationRow:
    values: dict[str, Any] = {
        "row_number": number,
        "series_key": key(),
        "time_period": "2023",
        "unweighted_n": 100,
        "attributes": None,
    }
    values.update(kwargs)
    return sc.ObservationRow(**values)


def run(rows: list[sc.ObservationRow], meta: dict[str, Any] | None = None) -> sc.Result:
    meta = meta or metadata()
    result = sc.Result()
    scan = sc.ObservationScan(result, meta)
    for r in rows:
        scan.add(r)
    sc.check_consistency(result, scan, meta, GEOGRAPHY)
    return result


def codes(result: sc.Result) -> dict[str, str]:
    return {issue.code: issue.severity for issue in result.issues}


def test_clean_data_pass() -> None:
    result = run([row(2), row(3, series_key=key("KE-28"))])
    assert result.blocking == 0 and result.issues == []


def test_a_period_outside_the_reference_period_blocks() -> None:
    result = run([row(2), row(3, time_period="2024-Q1"), row(4, series_key=key("KE-28"))])
    assert codes(result) == {"period-outside-reference": "blocking"}
    issue = result.issues[0]
    assert "row 3" in issue.where and "2024-Q1" in issue.message and "2023-12-31" in issue.message


def test_areas_outside_the_country_or_the_declared_areas_block() -> None:
    result = run(
        [
            row(2),
            row(3, series_key=key("KE-17")),
            row(4, series_key=key("356")),
            row(5, series_key=key("KE-28")),
        ]
    )
    assert codes(result) == {"area-undeclared": "blocking", "area-outside-country": "blocking"}


def test_national_figures_are_within_the_declared_geography() -> None:
    result = run([row(2, series_key=key("404")), row(3), row(4, series_key=key("KE-28"))])
    assert result.issues == []


def test_a_declared_area_without_data_is_a_warning() -> None:
    result = run([row(2)])
    assert codes(result) == {"area-without-data": "warning"}
    assert result.blocking == 0 and result.warnings == 1


def test_an_undeclared_group_blocks_and_a_declared_group_without_data_warns() -> None:
    meta = metadata(target_groups=[{"code": "LNOB_PWD"}, {"code": "LNOB_SLUM"}])
    result = run(
        [
            row(2, series_key=key(group="LNOB_PWD")),
            row(3, series_key=key(group="LNOB_DALIT")),
            row(4, series_key=key("KE-28")),
        ],
        meta,
    )
    assert codes(result) == {"group-undeclared": "blocking", "group-without-data": "warning"}


def test_a_cell_resting_on_more_units_than_the_sample_blocks() -> None:
    result = run(
        [row(2, unweighted_n=100), row(7, unweighted_n=481), row(3, series_key=key("KE-28"))]
    )
    assert codes(result) == {"n-exceeds-sample": "blocking"}
    assert "row 7" in result.issues[0].where and "480" in result.issues[0].message


def test_scorecard_participants_are_the_sample_when_there_is_no_sampling_block() -> None:
    meta = metadata(sampling=None, scorecard={"participants_by_group": {"w": 20, "m": 15}})
    result = run([row(2, unweighted_n=36), row(3, series_key=key("KE-28"), unweighted_n=10)], meta)
    assert codes(result) == {"n-exceeds-sample": "blocking"}


def test_a_survey_without_any_unweighted_n_warns() -> None:
    result = run([row(2, unweighted_n=None), row(3, series_key=key("KE-28"), unweighted_n=None)])
    assert codes(result) == {"n-missing": "warning"}


def test_personal_data_in_observation_comments_blocks() -> None:
    result = run(
        [
            row(2, attributes='{"COMMENT_OBS": "checked with Mr. Peter Otieno, 0712345678"}'),
            row(3, series_key=key("KE-28"), attributes={"SOURCE_DETAIL": "scorecard, round 2"}),
        ]
    )
    assert codes(result) == {"text-phone": "blocking", "text-person_name": "blocking"}
    assert all("row 2, COMMENT_OBS" in i.where for i in result.issues)
    assert all("0712345678" not in i.message for i in result.issues)


def test_personal_data_in_free_metadata_blocks_but_the_contact_point_does_not() -> None:
    meta = metadata(
        limitations="Call Jane on +254 722 000 111 for the raw sheets",
        governance={"withdrawal_procedure": "write to data@coalition.example"},
    )
    result = sc.Result()
    sc.check_metadata_text(result, meta)
    assert [(i.code, i.where) for i in result.issues] == [("text-phone", "metadata.limitations")]


def test_findings_are_scanned_and_checked_against_the_metadata() -> None:
    result = sc.Result()
    findings = [
        {"statement": "Women in Kibera lack toilets", "areas": ["KE-30"], "target_groups": []},
        {
            "statement": "Told by Mrs. Achieng Odhiambo",
            "evidence": "site 3",
            "areas": ["KE-17"],
            "target_groups": ["LNOB_SLUM"],
        },
    ]
    sc.check_findings(result, findings, metadata(), GEOGRAPHY)
    assert [(i.code, i.severity, i.where) for i in result.issues] == [
        ("text-person_name", "blocking", "finding 2, statement"),
        ("finding-area-undeclared", "warning", "finding 2, areas"),
        ("finding-group-undeclared", "warning", "finding 2, target_groups"),
    ]


def test_uploads_revalidation_errors_and_personal_columns_block() -> None:
    result = sc.Result()
    upload = sc.UploadCheck(
        upload_id=4,
        filename="export.csv",
        dropped_columns=("Respondent name", "Notes", "site"),
        revalidation_issues=(
            {
                "row": 12,
                "column": "Year",
                "issue": "period-outside-reference",
                "severity": "error",
                "message": "2024 is outside",
            },
            {
                "row": None,
                "column": "Notes",
                "issue": "unknown-column",
                "severity": "warning",
                "message": "unused",
            },
        ),
        revalidation_errors=1,
        dropped_values=((2, "Notes", "ring 0733 123 456"), (3, "Notes", "fine")),
    )
    sc.check_uploads(result, [upload])
    assert [(i.check, i.code, i.where) for i in result.issues] == [
        (
            "validation",
            "revalidation-period-outside-reference",
            "upload 4 (export.csv), row 12, column 'Year'",
        ),
        ("personal_data", "column-person_name", "upload 4 (export.csv), column 'Respondent name'"),
        ("personal_data", "value-phone", "upload 4 (export.csv), row 2, column 'Notes'"),
    ]
    assert result.blocking == 3


def test_a_million_identical_problems_make_one_point_with_a_count() -> None:
    result = sc.Result()
    for number in range(sc.KEEP_PER_CODE * 3):
        result.add(sc.ScreeningIssue("consistency", "x", "blocking", f"row {number}", "m"))
    summary = result.summary()
    assert summary["blocking"] == sc.KEEP_PER_CODE * 3
    assert summary["by_code"] == {"x": sc.KEEP_PER_CODE * 3}
    assert summary["issues_shown"] == sc.KEEP_PER_CODE
