"""Methodology metadata: the model, each check with its field and severity, schema and files."""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.intake.fakes import FakeVocabulary
from voicescount.errors import InvalidInput
from voicescount.intake import metadata as metadata_module
from voicescount.intake.metadata import (
    MetadataIssue,
    MethodologyMetadata,
    check_metadata,
    load_metadata_file,
    methodology_json_schema,
    parse_metadata,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
EXAMPLE_FILES = ["kenya-dialogues.yaml", "nepal-scorecard.yaml"]
VOCABULARY = FakeVocabulary()
TODAY = date(2025, 6, 1)

_LOADED = {name: load_metadata_file(EXAMPLES / name) for name in EXAMPLE_FILES}


def example(name: str) -> dict[str, Any]:
    """A fresh copy of an example document, for a test to change."""
    return copy.deepcopy(_LOADED[f"{name}.yaml"])


def check(doc: Any, *, for_submission: bool = True) -> list[MetadataIssue]:
    return check_metadata(doc, VOCABULARY, for_submission=for_submission, today=TODAY)


def at(issues: list[MetadataIssue], field: str) -> list[MetadataIssue]:
    return [issue for issue in issues if issue.field == field]


def only(issues: list[MetadataIssue], field: str) -> MetadataIssue:
    found = at(issues, field)
    assert len(found) == 1, f"expected one issue at {field}, got {issues}"
    return found[0]


def put(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def drop(doc: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]


# --- the examples ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_the_examples_pass_the_submission_checks_without_any_issue(name: str) -> None:
    doc = load_metadata_file(EXAMPLES / name)
    assert check_metadata(doc, VOCABULARY, for_submission=True, today=TODAY) == []
    parsed = parse_metadata(doc, VOCABULARY)
    assert isinstance(parsed, MethodologyMetadata)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_the_examples_mark_what_is_illustrative(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in text and text.count("illustrative") >= 10
    doc = load_metadata_file(EXAMPLES / name)
    assert "illustrative" in doc["limitations"]


def test_the_examples_keep_the_stated_facts() -> None:
    kenya = parse_metadata(example("kenya-dialogues"), VOCABULARY)
    assert kenya.kind_of_data == "citizen_dialogue"
    assert kenya.qualitative_methods is not None
    assert {m.target for m in kenya.sdg_mappings} == {"10.2"}
    assert {g.code for g in kenya.target_groups} == {
        "LNOB_WOMEN_GIRLS",
        "LNOB_PWD",
        "LNOB_YOUTH",
        "LNOB_FARMERS",
        "LNOB_ELDERLY",
        "LNOB_SLUM",
    }
    assert "five sites" in kenya.abstract and "about 500" in kenya.abstract
    nepal = parse_metadata(example("nepal-scorecard"), VOCABULARY)
    assert nepal.scorecard is not None and nepal.scorecard.n_indicators == 41
    assert [m.target for m in nepal.sdg_mappings] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"]
    assert nepal.geography.areas == ["NP-P2", "NP-P5", "NP-P6"]
    assert nepal.sampling.size_achieved == 9 and nepal.unit_of_analysis == "community"


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_the_examples_satisfy_the_published_json_schema(name: str) -> None:
    parsed = parse_metadata(load_metadata_file(EXAMPLES / name), VOCABULARY)
    validator = Draft202012Validator(methodology_json_schema())
    document = parsed.model_dump(mode="json", exclude_none=True)
    assert list(validator.iter_errors(document)) == []


# --- contradictions and conditional requirements ---------------------------------------------

Change = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Change:
    return lambda doc: put(doc, path, value)


def _drop(path: str) -> Change:
    return lambda doc: drop(doc, path)


def _probability(doc: dict[str, Any]) -> None:
    doc["sampling"] = {"design": "probability", "size_planned": 400, "size_achieved": 380}


CASES: list[tuple[str, str, Change, str, str, str]] = [
    # (id, example, change, field, severity, part of the message)
    (
        "achieved-above-population",
        "kenya-dialogues",
        _set("universe.population_size", 420),
        "sampling.size_achieved",
        "error",
        "larger than the population",
    ),
    (
        "collection-ends-before-start",
        "kenya-dialogues",
        _set("collection_period", {"start": "2023-09-30", "end": "2023-08-01"}),
        "collection_period.end",
        "error",
        "ends (2023-08-01) before it starts (2023-09-30)",
    ),
    (
        "reference-ends-before-start",
        "nepal-scorecard",
        _set("reference_period.end", "2023-12-31"),
        "reference_period.end",
        "error",
        "before it starts",
    ),
    (
        "response-rate-above-one",
        "kenya-dialogues",
        _set("sampling.response_rate", 1.5),
        "sampling.response_rate",
        "error",
        "must be a proportion between 0 and 1 (got 1.5)",
    ),
    (
        "response-rate-as-percent",
        "kenya-dialogues",
        _set("sampling.response_rate", 87),
        "sampling.response_rate",
        "error",
        "if that is a percentage, write 0.87",
    ),
    (
        "response-rate-negative",
        "kenya-dialogues",
        _set("sampling.response_rate", -0.1),
        "sampling.response_rate",
        "error",
        "must be at least 0",
    ),
    (
        "achieved-above-planned",
        "kenya-dialogues",
        _set("sampling.size_achieved", 520),
        "sampling.size_achieved",
        "warning",
        "more units were covered (520) than planned (500)",
    ),
    (
        "no-weighting-but-weight-variable",
        "kenya-dialogues",
        _set("weighting", {"method": "none", "weight_variable": "wt"}),
        "weighting.weight_variable",
        "error",
        "weighting.method is 'none'",
    ),
    (
        "weighting-without-weight-variable",
        "kenya-dialogues",
        _set("weighting", {"method": "design"}),
        "weighting.weight_variable",
        "warning",
        "name the column",
    ),
    (
        "raking-without-benchmarks",
        "kenya-dialogues",
        _set("weighting", {"method": "raking", "weight_variable": "wt"}),
        "weighting.benchmarks",
        "warning",
        "population totals",
    ),
    (
        "probability-without-frame",
        "kenya-dialogues",
        _probability,
        "sampling.frame",
        "error",
        "required for a probability sample",
    ),
    (
        "probability-without-selection",
        "kenya-dialogues",
        _probability,
        "sampling.selection",
        "error",
        "required for a probability sample",
    ),
    (
        "probability-without-response-rate",
        "kenya-dialogues",
        _probability,
        "sampling.response_rate",
        "error",
        "required for a probability sample",
    ),
    (
        "probability-without-precision",
        "kenya-dialogues",
        _probability,
        "precision",
        "error",
        "required for a probability sample",
    ),
    (
        "precision-for-purposive-sample",
        "kenya-dialogues",
        _set("precision", {"method": "bootstrap", "ci_level": 0.95}),
        "precision",
        "warning",
        "assume a probability sample",
    ),
    (
        "scorecard-without-scorecard-block",
        "nepal-scorecard",
        _drop("scorecard"),
        "scorecard",
        "error",
        "required when kind_of_data is community_scorecard",
    ),
    (
        "dialogue-without-qualitative-methods",
        "kenya-dialogues",
        _drop("qualitative_methods"),
        "qualitative_methods",
        "error",
        "required when kind_of_data is citizen_dialogue",
    ),
    (
        "focus-group-without-qualitative-methods",
        "nepal-scorecard",
        _set("kind_of_data", "focus_group"),
        "qualitative_methods",
        "error",
        "required when kind_of_data is focus_group",
    ),
    (
        "embargoed-without-date",
        "kenya-dialogues",
        _set("access_rights", "embargoed"),
        "embargo_until",
        "error",
        "required when access_rights is embargoed",
    ),
    (
        "embargo-date-without-embargo",
        "kenya-dialogues",
        _set("embargo_until", "2026-01-01"),
        "embargo_until",
        "warning",
        "access_rights is 'public'",
    ),
    (
        "licence-ref-without-url",
        "kenya-dialogues",
        _set("licence", "LicenseRef-Coalition-Terms-1.0"),
        "licence_url",
        "error",
        "required for a LicenseRef- licence",
    ),
    (
        "unknown-indicator",
        "kenya-dialogues",
        _set("sdg_mappings.0.indicator", "10.2.9"),
        "sdg_mappings.0.indicator",
        "error",
        "unknown SDG indicator '10.2.9'",
    ),
    (
        "unknown-target",
        "nepal-scorecard",
        _set("sdg_mappings.0.target", "5.9"),
        "sdg_mappings.0.target",
        "error",
        "unknown SDG target '5.9'",
    ),
    (
        "unknown-goal",
        "kenya-dialogues",
        _set("sdg_mappings.0.goal", "4"),
        "sdg_mappings.0.goal",
        "error",
        "unknown SDG goal '4'",
    ),
    (
        "unknown-series",
        "kenya-dialogues",
        _set("sdg_mappings.0.series_code", "XX_NOT_A_SERIES"),
        "sdg_mappings.0.series_code",
        "error",
        "unknown series 'XX_NOT_A_SERIES'",
    ),
    (
        "series-of-another-indicator",
        "kenya-dialogues",
        _set("sdg_mappings.0.series_code", "SP_DYN_MRBF18"),
        "sdg_mappings.0.series_code",
        "error",
        "series SP_DYN_MRBF18 measures 5.3.1, not 10.2.1",
    ),
    (
        "target-of-another-indicator",
        "nepal-scorecard",
        _set("sdg_mappings.2.target", "5.2"),
        "sdg_mappings.2.target",
        "error",
        "indicator 5.3.1 belongs to target 5.3, not 5.2",
    ),
    (
        "goal-of-another-target",
        "kenya-dialogues",
        _set("sdg_mappings.0.goal", "5"),
        "sdg_mappings.0.goal",
        "error",
        "target 10.2 belongs to goal 10, not 5",
    ),
    (
        "mapping-without-concordance-note",
        "kenya-dialogues",
        _drop("sdg_mappings.0.concordance_note"),
        "sdg_mappings.0.concordance_note",
        "warning",
        "relation is 'contextual'",
    ),
    (
        "computation-indicator-not-mapped",
        "kenya-dialogues",
        _set("computation.0.indicator", "3.8.1"),
        "computation.0.indicator",
        "warning",
        "not among sdg_mappings",
    ),
    (
        "computation-series-of-another-indicator",
        "kenya-dialogues",
        lambda doc: doc["computation"][0].update(indicator="10.2.1", series="SP_DYN_MRBF18"),
        "computation.0.series",
        "error",
        "measures 5.3.1, not 10.2.1",
    ),
    (
        "unknown-country",
        "kenya-dialogues",
        _set("geography.country", "ZZ"),
        "geography.country",
        "error",
        "unknown country code 'ZZ'",
    ),
    (
        "unknown-producer-country",
        "kenya-dialogues",
        _set("producer.organisation.country", "QQ"),
        "producer.organisation.country",
        "error",
        "unknown country code 'QQ'",
    ),
    (
        "unknown-area",
        "kenya-dialogues",
        _set("geography.areas", ["KE-99"]),
        "geography.areas.0",
        "error",
        "unknown REF_AREA code 'KE-99'",
    ),
    (
        "area-outside-the-country",
        "nepal-scorecard",
        _set("geography.areas", ["NP-P2", "KE-28"]),
        "geography.areas.1",
        "error",
        "area KE-28 is not in NP (REF_AREA 524)",
    ),
    (
        "unknown-target-group",
        "kenya-dialogues",
        _set("target_groups.2.code", "LNOB_NOBODY"),
        "target_groups.2.code",
        "error",
        "unknown target group (CUST_BREAKDOWN) 'LNOB_NOBODY'",
    ),
    (
        "unknown-unit",
        "kenya-dialogues",
        _set("unit_of_measure", "PERSONS"),
        "unit_of_measure",
        "error",
        "unknown UNIT_MEASURE code 'PERSONS'",
    ),
    (
        "engagement-only-after-collection",
        "nepal-scorecard",
        _set("engagement", [{"stage": "use", "level": 4, "description": "Interface meetings"}]),
        "engagement",
        "error",
        "at least in the design or collection stage",
    ),
    (
        "engagement-below-level-four",
        "kenya-dialogues",
        lambda doc: [entry.update(level=2) for entry in doc["engagement"]],
        "engagement",
        "warning",
        "levels 1–3 as insufficient",
    ),
    (
        "identifiers-in-public-data",
        "kenya-dialogues",
        _set("ethics.deidentification.direct_ids_removed", False),
        "ethics.deidentification.direct_ids_removed",
        "error",
        "must be removed before data are made public",
    ),
    (
        "ethics-approval-after-collection-began",
        "kenya-dialogues",
        _set("ethics.approval", {"body": "NACOSTI", "reference": "X-1", "date": "2023-09-01"}),
        "ethics.approval.date",
        "warning",
        "after collection started (2023-08-01)",
    ),
    (
        "export-before-collection",
        "nepal-scorecard",
        _set("source_system.exported_at", "2024-01-15T09:00:00+05:45"),
        "source_system.exported_at",
        "error",
        "before collection started (2024-02-05)",
    ),
    (
        "processing-before-export",
        "nepal-scorecard",
        _set("processing_steps.0.run_at", "2024-04-01T09:00:00+05:45"),
        "processing_steps.0.run_at",
        "warning",
        "ran before the export",
    ),
    (
        "collection-ends-in-the-future",
        "kenya-dialogues",
        _set("collection_period.end", "2025-12-31"),
        "collection_period.end",
        "warning",
        "ends in the future",
    ),
    (
        "no-community-validation",
        "kenya-dialogues",
        _drop("community_validation"),
        "community_validation",
        "warning",
        "needed before publication",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "field", "severity", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_each_check_reports_its_field_severity_and_message(
    name: str, change: Change, field: str, severity: str, message: str
) -> None:
    doc = example(name)
    change(doc)
    issue = only(check(doc), field)
    assert issue.severity == severity
    assert message in issue.message


def test_a_contradiction_is_the_only_issue_it_causes() -> None:
    doc = example("nepal-scorecard")
    put(doc, "sdg_mappings.2.target", "5.2")
    assert [issue.field for issue in check(doc)] == ["sdg_mappings.2.target"]


def test_an_unknown_indicator_is_not_also_reported_as_a_hierarchy_mismatch() -> None:
    doc = example("nepal-scorecard")
    put(doc, "sdg_mappings.0.indicator", "5.1.9")
    assert [(i.field, i.severity) for i in check(doc)] == [("sdg_mappings.0.indicator", "error")]


def test_vocabulary_checks_are_errors_in_a_draft_too() -> None:
    doc = example("kenya-dialogues")
    put(doc, "unit_of_measure", "PERSONS")
    put(doc, "collection_period.end", "2023-07-01")
    severities = {i.field: i.severity for i in check(doc, for_submission=False)}
    assert severities == {"unit_of_measure": "error", "collection_period.end": "error"}


# --- draft versus submission -----------------------------------------------------------------


def test_a_missing_required_field_is_an_error_at_submission_and_a_warning_in_a_draft() -> None:
    doc = example("kenya-dialogues")
    del doc["limitations"]
    submitted = only(check(doc), "limitations")
    assert (submitted.severity, submitted.message) == ("error", "required at submission")
    draft = only(check(doc, for_submission=False), "limitations")
    assert (draft.severity, draft.message) == ("warning", "required at submission")


def test_an_empty_draft_has_warnings_only_one_per_required_field() -> None:
    required = {
        name for name, field in MethodologyMetadata.model_fields.items() if field.is_required()
    }
    issues = check({}, for_submission=False)
    assert {i.severity for i in issues} == {"warning"}
    missing = {i.field for i in issues if i.message == "required at submission"}
    assert missing == required
    assert "creators" in required and "community_validation" not in required


def test_at_submission_every_missing_required_field_is_an_error() -> None:
    issues = check({})
    missing = {i.field for i in issues if i.severity == "error"}
    assert missing == {
        name for name, field in MethodologyMetadata.model_fields.items() if field.is_required()
    }


def test_nested_required_fields_and_empty_values_follow_the_same_rule() -> None:
    doc = example("kenya-dialogues")
    del doc["sampling"]["size_achieved"]
    doc["creators"] = []
    doc["data_collectors"]["who"] = "   "
    doc["limitations"] = None
    for for_submission, severity in ((True, "error"), (False, "warning")):
        issues = check(doc, for_submission=for_submission)
        assert {i.field: i.severity for i in issues} == {
            "sampling.size_achieved": severity,
            "creators": severity,
            "data_collectors.who": severity,
            "limitations": severity,
        }
    assert (
        only(check(doc), "creators").message == "needs at least one entry (required at submission)"
    )
    assert "must not be empty" in only(check(doc), "data_collectors.who").message


def test_a_malformed_value_is_an_error_even_in_a_draft() -> None:
    issues = check(
        {"kind_of_data": "focus group", "sampling": {"size_planned": "many"}}, for_submission=False
    )
    kind = only(issues, "kind_of_data")
    assert kind.severity == "error"
    assert kind.message.startswith("must be one of: household_survey, community_scorecard,")
    assert "(got 'focus group')" in kind.message
    planned = only(issues, "sampling.size_planned")
    assert planned.severity == "error" and "whole number" in planned.message


def test_conditional_requirements_are_warnings_in_a_draft() -> None:
    doc = example("nepal-scorecard")
    del doc["scorecard"]
    doc["engagement"] = [{"stage": "use", "level": 4, "description": "Interface meetings"}]
    severities = {i.field: i.severity for i in check(doc, for_submission=False)}
    assert severities == {"scorecard": "warning", "engagement": "warning"}


def test_a_short_abstract_is_reported_with_its_length() -> None:
    doc = example("kenya-dialogues")
    doc["abstract"] = "Dialogues in Kenya."
    issue = only(check(doc), "abstract")
    assert issue.message == "must have at least 50 characters (has 19)"
    assert only(check(doc, for_submission=False), "abstract").severity == "warning"


def test_a_document_that_is_not_a_mapping_is_one_error() -> None:
    issues = check_metadata(["title"], VOCABULARY, for_submission=False)  # type: ignore[arg-type]
    assert [(i.field, i.severity) for i in issues] == [("", "error")]
    assert "not a list" in issues[0].message


# --- typos and value forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "suggestion"),
    [
        ("titel", "x", "did you mean 'title'?"),
        ("sampling.size_acheived", 500, "did you mean 'size_achieved'?"),
        ("sdg_mappings.0.indicatr", "10.2.1", "did you mean 'indicator'?"),
        ("ethics.consent.minor_policy", "x", "did you mean 'minors_policy'?"),
    ],
)
def test_a_misspelt_field_is_an_error_with_a_suggestion(
    path: str, value: Any, suggestion: str
) -> None:
    doc = example("kenya-dialogues")
    put(doc, path, value)
    for for_submission in (True, False):
        issue = only(check(doc, for_submission=for_submission), path)
        assert issue.severity == "error"
        assert issue.message.startswith(f"unknown field '{path.rsplit('.', 1)[-1]}'")
        assert suggestion in issue.message


def test_an_unknown_field_without_a_close_match_lists_the_fields_allowed() -> None:
    doc = example("kenya-dialogues")
    doc["weighting"]["colour"] = "blue"
    issue = only(check(doc), "weighting.colour")
    assert issue.message == (
        "unknown field 'colour'; the fields here are: method, weight_variable, benchmarks"
    )


@pytest.mark.parametrize("tag", ["en", "sw", "ne", "sw-KE", "pt-BR", "zh-Hant-TW", "es-419"])
def test_good_language_tags_pass(tag: str) -> None:
    doc = example("kenya-dialogues")
    doc["languages"] = [tag]
    assert check(doc) == []


@pytest.mark.parametrize("tag", ["english", "en_US", "e", "sw-", "12"])
def test_bad_language_tags_are_errors(tag: str) -> None:
    doc = example("kenya-dialogues")
    doc["languages"] = ["en", tag]
    issue = only(check(doc), "languages.1")
    assert issue.severity == "error" and "BCP-47" in issue.message


def test_a_bad_language_tag_as_a_translation_key_is_an_error() -> None:
    doc = example("kenya-dialogues")
    doc["title_translations"] = {"Swahili": "Mazungumzo"}
    issue = only(check(doc), "title_translations.Swahili")
    assert issue.severity == "error" and issue.message.startswith("the key must be a BCP-47")


@pytest.mark.parametrize(
    "licence", ["CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "OGL-UK-3.0", "MIT"]
)
def test_curated_spdx_licences_pass(licence: str) -> None:
    doc = example("kenya-dialogues")
    doc["licence"] = licence
    assert check(doc) == []


def test_a_licence_ref_with_its_url_passes() -> None:
    doc = example("kenya-dialogues")
    doc["licence"] = "LicenseRef-Coalition-Terms-1.0"
    doc["licence_url"] = "https://example.org/data-terms"
    assert check(doc) == []


@pytest.mark.parametrize(
    ("licence", "suggestion"),
    [
        ("CC BY 4.0", "CC-BY-4.0"),
        ("cc-by-sa-4.0", "CC-BY-SA-4.0"),
        ("ODBL", "ODbL-1.0"),
        ("GPL", None),
        ("All rights reserved", None),
    ],
)
def test_unknown_licences_are_errors_with_a_suggestion_where_one_fits(
    licence: str, suggestion: str | None
) -> None:
    doc = example("kenya-dialogues")
    doc["licence"] = licence
    issue = only(check(doc), "licence")
    assert issue.severity == "error" and "SPDX" in issue.message
    if suggestion:
        assert issue.message.endswith(f"Did you mean {suggestion}?")
    else:
        assert "Did you mean" not in issue.message


def test_orcid_ids_are_checked_including_the_check_digit() -> None:
    doc = example("kenya-dialogues")
    doc["creators"].append({"name": "Josiah Carberry", "type": "person"})
    doc["creators"][1]["orcid"] = "0000-0002-1825-0097"
    assert check(doc) == []
    doc["creators"][1]["orcid"] = "0000-0002-1825-0098"
    assert "check digit" in only(check(doc), "creators.1.orcid").message
    doc["creators"][1]["orcid"] = "https://orcid.org/0000-0002-1825-0097"
    assert "without https://orcid.org/" in only(check(doc), "creators.1.orcid").message


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("collection_period.start", 2023, "collection_period.start", "not a number"),
        ("collection_period.start", "1 August 2023", "collection_period.start", "YYYY-MM-DD"),
        ("geography.country", "Kenya", "geography.country", "alpha-2"),
        ("geography.areas", ["Nairobi"], "geography.areas.0", "REF_AREA code"),
        ("sdg_mappings.0.target", 10.2, "sdg_mappings.0.target", "must be text"),
        ("sdg_mappings.0.indicator", "10.2", "sdg_mappings.0.indicator", "SDG indicator code"),
        ("contact_point.email", "data at example.org", "contact_point.email", "e-mail"),
        ("instruments.0.co_designed", "perhaps", "instruments.0.co_designed", "true or false"),
        ("producer.organisation.website", "example org", "producer.organisation.website", "web"),
        ("engagement.0.level", 0, "engagement.0.level", "must be at least 1"),
        ("sampling", "purposive", "sampling", "must be a group of fields"),
    ],
)
def test_malformed_values_get_readable_messages(
    path: str, value: Any, field: str, message: str
) -> None:
    doc = example("kenya-dialogues")
    put(doc, path, value)
    issue = only(check(doc), field)
    assert issue.severity == "error" and message in issue.message


# --- parse_metadata --------------------------------------------------------------------------


def test_parse_metadata_raises_invalid_input_listing_each_blocking_issue() -> None:
    doc = example("kenya-dialogues")
    del doc["limitations"]
    put(doc, "sdg_mappings.0.series_code", "SP_DYN_MRBF18")
    with pytest.raises(InvalidInput) as raised:
        parse_metadata(doc, VOCABULARY)
    assert raised.value.errors == [
        {"location": "limitations", "message": "required at submission", "severity": "error"},
        {
            "location": "sdg_mappings.0.series_code",
            "message": "series SP_DYN_MRBF18 measures 5.3.1, not 10.2.1",
            "severity": "error",
        },
    ]
    assert "2 problems" in raised.value.detail


def test_parse_metadata_lets_warnings_through() -> None:
    doc = example("kenya-dialogues")
    del doc["community_validation"]
    doc["sampling"]["size_achieved"] = 510
    parsed = parse_metadata(doc, VOCABULARY)
    assert parsed.community_validation is None and parsed.sampling.size_achieved == 510


def test_without_a_vocabulary_parse_metadata_checks_code_forms_only() -> None:
    doc = example("kenya-dialogues")
    put(doc, "sdg_mappings.0.indicator", "10.2.9")
    assert parse_metadata(doc).sdg_mappings[0].indicator == "10.2.9"
    with pytest.raises(InvalidInput):
        parse_metadata(doc, VOCABULARY)
    put(doc, "sdg_mappings.0.indicator", "ten")
    with pytest.raises(InvalidInput):
        parse_metadata(doc)


# --- the JSON Schema -------------------------------------------------------------------------


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [("", schema)] + [(f"$defs.{k}", v) for k, v in schema.get("$defs", {}).items()]
    return [
        (f"{where}.{name}", prop)
        for where, node in found
        for name, prop in node.get("properties", {}).items()
    ]


def test_the_json_schema_is_valid_draft_2020_12_with_an_id() -> None:
    schema = methodology_json_schema("https://voices.example/schemas/methodology-metadata.json")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://voices.example/schemas/methodology-metadata.json"
    assert schema["title"] == "MethodologyMetadata"
    assert "$id" not in methodology_json_schema()
    json.dumps(schema)  # serialisable as served


def test_every_field_and_type_in_the_json_schema_is_described() -> None:
    schema = methodology_json_schema()
    undescribed = [path for path, prop in _properties(schema) if not prop.get("description")]
    assert undescribed == []
    assert all(definition.get("description") for definition in schema["$defs"].values())
    assert schema["description"].startswith("Methodology metadata")
    level = schema["$defs"]["Engagement"]["properties"]["level"]
    assert (level["minimum"], level["maximum"]) == (1, 5)
    for name in ("information", "consultation", "collaboration", "self-determination"):
        assert name in level["description"]


def test_the_json_schema_forbids_unknown_fields_and_states_the_conditions() -> None:
    schema = methodology_json_schema()
    assert schema["additionalProperties"] is False
    assert all(
        d.get("additionalProperties") is False
        for d in schema["$defs"].values()
        if "properties" in d
    )
    validator = Draft202012Validator(schema)
    nepal = parse_metadata(example("nepal-scorecard"), VOCABULARY).model_dump(
        mode="json", exclude_none=True
    )
    del nepal["scorecard"]
    assert any(
        "'scorecard' is a required property" in e.message for e in validator.iter_errors(nepal)
    )
    kenya = parse_metadata(example("kenya-dialogues"), VOCABULARY).model_dump(
        mode="json", exclude_none=True
    )
    kenya["licence"] = "LicenseRef-Own"
    assert any("'licence_url'" in e.message for e in validator.iter_errors(kenya))
    kenya["licence"] = "CC-BY-4.0"
    kenya["engagement"] = [e for e in kenya["engagement"] if e["stage"] == "analysis"]
    assert list(validator.iter_errors(kenya))


# --- reading files ---------------------------------------------------------------------------


def test_yaml_and_json_files_give_the_same_document(tmp_path: Path) -> None:
    doc = example("kenya-dialogues")
    path = tmp_path / "kenya.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert load_metadata_file(path) == doc
    assert check(load_metadata_file(path)) == []
    untyped = tmp_path / "kenya.metadata"  # no telling suffix: sniffed as JSON
    untyped.write_text(json.dumps(doc), encoding="utf-8")
    assert load_metadata_file(untyped) == doc


def test_json_numbers_and_dates_check_like_yaml_text(tmp_path: Path) -> None:
    doc = example("nepal-scorecard")
    doc["sampling"]["size_planned"] = 9
    doc["scorecard"]["n_indicators"] = 41
    doc["sdg_mappings"][0]["indicator"] = "5.1.1"
    path = tmp_path / "nepal.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert parse_metadata(load_metadata_file(path), VOCABULARY).scorecard.n_indicators == 41  # type: ignore[union-attr]


def test_yaml_keeps_codes_as_written(tmp_path: Path) -> None:
    path = tmp_path / "codes.yml"
    path.write_text(
        "target: 16.10\ncountry: NO\narea: 050\nflag: true\nother: yes\nempty:\n", encoding="utf-8"
    )
    assert load_metadata_file(path) == {
        "target": "16.10",
        "country": "NO",
        "area": "050",
        "flag": True,
        "other": "yes",
        "empty": None,
    }


def test_yaml_merge_keys_work_and_explicit_keys_override_them(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "defaults: &group {identification: self, label: Women}\n"
        "target_groups:\n"
        "  - {<<: *group, code: LNOB_WOMEN_GIRLS}\n"
        "  - {<<: *group, code: LNOB_PWD, label: People with disabilities}\n",
        encoding="utf-8",
    )
    groups = load_metadata_file(path)["target_groups"]
    assert groups[1] == {
        "identification": "self",
        "label": "People with disabilities",
        "code": "LNOB_PWD",
    }


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_the_examples_also_pass_when_read_by_a_plain_yaml_parser(name: str) -> None:
    # Coalitions may produce the document with other tools; the examples quote what YAML 1.1
    # would otherwise turn into numbers.
    doc = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    assert check(doc) == []


def test_yaml_refuses_duplicate_keys_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("title: a\nsampling:\n  design: census\n  design: quota\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_metadata_file(path)
    assert "duplicate key 'design'" in raised.value.detail
    assert "line 4" in raised.value.detail


def test_json_refuses_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"title": "a", "title": "b"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="duplicate key 'title'"):
        load_metadata_file(path)


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("broken.yaml", "title: [unclosed\nabstract: x\n", "line 2"),
        ("broken.json", '{"title": "a",\n "abstract": }', "line 2"),
    ],
)
def test_unreadable_files_report_the_line(name: str, text: str, where: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_metadata_file(path)
    assert where in raised.value.detail


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- title\n- abstract\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a list"):
        load_metadata_file(path)


# --- layering --------------------------------------------------------------------------------


def test_the_metadata_modules_import_no_web_or_database_code() -> None:
    forbidden = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "voicescount.storage")
    forbidden += ("voicescount.api", "voicescount.registry", "voicescount.cli")
    package = Path(metadata_module.__file__ or "").parent
    modules = [*sorted(package.glob("*.py")), package.parent / "licences.py"]
    assert len(modules) >= 4
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not [n for n in imported if n.startswith(forbidden)], module
