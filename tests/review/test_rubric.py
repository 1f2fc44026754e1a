"""The quality rubric: loading, scoring, gates, evidence, suggestions, the published schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from voicescount.errors import InvalidInput
from voicescount.intake.metadata import load_metadata_file
from voicescount.publishing.rules import QUALITY_OUTCOMES
from voicescount.registry.voices import QUALITY_OUTCOME_CODES
from voicescount.review.rubric import (
    REQUIRED_GATES,
    Assessment,
    AutoCheck,
    QualityOutcome,
    Rubric,
    assessment_json_schema,
    check_assessment,
    default_rubric,
    load_rubric,
    parse_assessment,
    parse_rubric,
    rubric_json_schema,
    score,
    suggest_ratings,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def _errors(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {error["field"]: error["message"] for error in exc.value.errors}


def _assessment(rubric: Rubric, ratings: dict[str, int], **overrides: Any) -> Assessment:
    """An assessment of ``rubric`` rating every criterion at ``rubric.met_level`` unless given."""
    data: dict[str, Any] = {
        "rubric_id": rubric.id,
        "rubric_version": rubric.version,
        "assessor": "Methodologist, Statistics office (test)",
        "ratings": {
            criterion.id: {
                "rating": ratings.get(criterion.id, rubric.met_level),
                "evidence": f"Seen in the submission for {criterion.id}.",
            }
            for criterion in rubric.criteria
        },
    }
    data.update(overrides)
    return Assessment.model_validate(data)


def _small_rubric(**overrides: Any) -> dict[str, Any]:
    """Four gates of weight 1 (12 points at most) and one scored criterion of weight 4 (12)."""
    gates = [
        {
            "id": check.value,
            "name": check.value.replace("_", " "),
            "question": "?",
            "guidance": "metadata",
            "gating": True,
            "gating_minimum": 2,
            "auto": check.value,
        }
        for check in REQUIRED_GATES
    ]
    data = {
        "id": "small",
        "version": "1",
        "name": "Small test rubric",
        "description": "For tests.",
        "source": "Made up for tests.",
        "scale": [
            {"value": 0, "label": "not met", "meaning": "no"},
            {"value": 1, "label": "partly met", "meaning": "some"},
            {"value": 2, "label": "met", "meaning": "yes"},
            {"value": 3, "label": "exemplary", "meaning": "more"},
        ],
        "met_level": 2,
        "minimum_score": 60,
        "criteria": [
            *gates,
            {"id": "accuracy", "name": "Accuracy", "question": "?", "guidance": "qc", "weight": 4},
        ],
    }
    data.update(overrides)
    return data


# --- the default rubric ------------------------------------------------------------------------


def test_the_default_rubric_loads_with_the_published_criteria_and_the_four_gates() -> None:
    rubric = default_rubric()
    ids = {criterion.id for criterion in rubric.criteria}
    assert {
        "relevance",
        "producer_credibility",
        "method_documented",
        "accuracy_reliability",
        "timeliness",
        "coherence",
        "accessibility",
        "consent_documented",
        "do_no_harm",
    } <= ids
    gates = {criterion.auto for criterion in rubric.criteria if criterion.gating}
    assert gates == set(REQUIRED_GATES)
    assert all(c.gating_minimum == rubric.met_level for c in rubric.criteria if c.gating)
    assert rubric.values == [0, 1, 2, 3] and rubric.label(2) == "met"
    # Honest sourcing: the rubric says it is not a copy of the KeSQAF annex.
    assert "not a copy" in rubric.source and "PSA" in rubric.source
    assert all(criterion.sources for criterion in rubric.criteria)


def test_the_default_rubric_is_cached_and_immutable() -> None:
    rubric = default_rubric()
    assert default_rubric() is rubric
    with pytest.raises(ValueError, match="frozen"):
        rubric.minimum_score = 0  # type: ignore[misc]


def test_the_outcomes_are_the_codes_of_cl_quality_outcome() -> None:
    assert {outcome.value for outcome in QualityOutcome} == QUALITY_OUTCOMES
    assert {code for code, _name, _description in QUALITY_OUTCOME_CODES} == QUALITY_OUTCOMES


# --- scoring -------------------------------------------------------------------------------------


def test_everything_met_is_met_and_the_points_are_weighted() -> None:
    rubric = default_rubric()
    result = score(_assessment(rubric, {}), rubric)
    assert result.outcome is QualityOutcome.MET and result.gating_passed
    # 11 criteria of weight 1 rated 2 of 3.
    assert (result.points, result.max_points) == (22, 33)
    assert result.percent == 66.6  # rounded down, never up
    assert len(result.criteria) == len(rubric.criteria)
    assert "Quality criteria met:" in result.summary and "66.6%" in result.summary


def test_a_score_just_below_the_minimum_is_met_with_conditions() -> None:
    rubric = default_rubric()
    # Three scored criteria partly met: 19 of 33 = 57.6%, within 10 points of 60.
    partly = {"relevance": 1, "timeliness": 1, "coherence": 1}
    result = score(_assessment(rubric, partly), rubric)
    assert result.outcome is QualityOutcome.MET_WITH_CONDITIONS
    assert result.percent == 57.5
    assert "with conditions" in result.summary


def test_a_score_far_below_the_minimum_is_not_met() -> None:
    rubric = default_rubric()
    scored = [c.id for c in rubric.criteria if not c.gating]
    # Gates met (8 points), every scored criterion not met: 8 of 33 = 24.2%.
    result = score(_assessment(rubric, dict.fromkeys(scored, 0)), rubric)
    assert result.gating_passed
    assert result.outcome is QualityOutcome.NOT_MET
    assert "more than the 10-point margin" in result.summary


def test_the_weights_decide_between_outcomes() -> None:
    rubric = parse_rubric(_small_rubric())
    # Gates at 2 (8 of 12 points) and accuracy weight 4: at 3 → 20/24 = 83%; at 1 → 12/24 = 50%.
    assert score(_assessment(rubric, {"accuracy": 3}), rubric).outcome is QualityOutcome.MET
    low = score(_assessment(rubric, {"accuracy": 1}), rubric)
    assert (low.points, low.max_points, low.percent) == (12, 24, 50)
    assert low.outcome is QualityOutcome.MET_WITH_CONDITIONS
    assert score(_assessment(rubric, {"accuracy": 0}), rubric).outcome is QualityOutcome.NOT_MET


def test_the_minimum_is_compared_exactly() -> None:
    # 12 of 24 points is exactly 50%: with minimum_score 50 that is MET, not "49.99…" short.
    rubric = parse_rubric(_small_rubric(minimum_score=50, conditional_margin=0))
    assert score(_assessment(rubric, {"accuracy": 1}), rubric).outcome is QualityOutcome.MET
    # One point short with no margin is NOT_MET (the conditional outcome is turned off).
    rubric = parse_rubric(_small_rubric(minimum_score=51, conditional_margin=0))
    assert score(_assessment(rubric, {"accuracy": 1}), rubric).outcome is QualityOutcome.NOT_MET


def test_decimal_weights_are_counted_as_written() -> None:
    # Gates of weight 0.6 rated 2, accuracy of weight 0.1 rated 0: 4.8 of 7.5 points, exactly
    # 64%. In binary floating point the sum comes out a hair below 64 and would miss the minimum.
    data = _small_rubric(minimum_score=64, conditional_margin=0)
    for criterion in data["criteria"]:
        criterion["weight"] = 0.6 if criterion.get("gating") else 0.1
    rubric = parse_rubric(data)
    result = score(_assessment(rubric, {"accuracy": 0}), rubric)
    assert result.percent == 64
    assert result.outcome is QualityOutcome.MET


def test_the_conditional_margin_is_configurable() -> None:
    data = _small_rubric(minimum_score=70, conditional_margin=25)
    rubric = parse_rubric(data)
    # 50% is 20 points short: conditional with a 25-point margin, not met with the default 10.
    outcome = score(_assessment(rubric, {"accuracy": 1}), rubric).outcome
    assert outcome is QualityOutcome.MET_WITH_CONDITIONS
    del data["conditional_margin"]
    rubric = parse_rubric(data)
    assert rubric.conditional_margin == 10
    assert score(_assessment(rubric, {"accuracy": 1}), rubric).outcome is QualityOutcome.NOT_MET


@pytest.mark.parametrize("gate", [check.value for check in REQUIRED_GATES])
def test_a_failed_gate_is_not_met_whatever_the_score(gate: str) -> None:
    rubric = default_rubric()
    # Everything else exemplary: the score is far above the minimum.
    ratings = {criterion.id: 3 for criterion in rubric.criteria}
    ratings[gate] = 1
    result = score(_assessment(rubric, ratings), rubric)
    assert result.percent > 90
    assert result.outcome is QualityOutcome.NOT_MET
    assert not result.gating_passed and result.failed_gates == [gate]
    failed = next(c for c in result.criteria if c.criterion == gate)
    assert failed.gate_passed is False and failed.label == "partly met"
    assert "gating criteria failed" in result.summary and "partly met, below met" in result.summary


def test_a_scale_that_does_not_start_at_zero_gives_the_lowest_level_no_points() -> None:
    data = _small_rubric(
        scale=[
            {"value": 1, "label": "poor", "meaning": "no"},
            {"value": 2, "label": "fair", "meaning": "some"},
            {"value": 3, "label": "good", "meaning": "yes"},
        ],
        met_level=3,
    )
    for criterion in data["criteria"]:
        if criterion.get("gating"):
            criterion["gating_minimum"] = 3
    rubric = parse_rubric(data)
    result = score(_assessment(rubric, {"accuracy": 1}), rubric)
    # Gates at the top (4 × 2 points), accuracy at the bottom (0 of 8): 50%.
    assert (result.points, result.max_points) == (8, 16)
    assert next(c for c in result.criteria if c.criterion == "accuracy").points == 0


def test_the_result_keeps_the_evidence_and_serialises_for_storage() -> None:
    rubric = default_rubric()
    assessment = _assessment(
        rubric, {}, assessed_at="2025-03-01T10:00:00+03:00", comment="Fine for VNR 2025."
    )
    result = score(assessment, rubric)
    stored = json.loads(result.model_dump_json())
    assert stored["outcome"] == "MET" and stored["rubric_version"] == "1.0"
    assert stored["assessed_at"] == "2025-03-01T10:00:00+03:00"
    relevance = next(c for c in stored["criteria"] if c["criterion"] == "relevance")
    assert relevance["evidence"] == "Seen in the submission for relevance."
    assert type(result).model_validate(stored) == result


# --- assessment errors -------------------------------------------------------------------------


def test_evidence_is_required_for_gates_and_for_ratings_below_the_top() -> None:
    rubric = default_rubric()
    data = _assessment(rubric, {"relevance": 3, "timeliness": 1}).model_dump()
    for criterion in ("consent_documented", "relevance", "timeliness"):
        data["ratings"][criterion]["evidence"] = None
    data["ratings"]["coherence"]["evidence"] = "   "  # blank is no evidence
    with pytest.raises(InvalidInput) as exc:
        parse_assessment(data, rubric)
    errors = _errors(exc)
    assert set(errors) == {
        "ratings.consent_documented.evidence",
        "ratings.timeliness.evidence",
        "ratings.coherence.evidence",
    }
    assert "gating criterion" in errors["ratings.consent_documented.evidence"]
    assert "below 'exemplary'" in errors["ratings.timeliness.evidence"]
    # A scored criterion at the top level may go without evidence.
    assert "ratings.relevance.evidence" not in errors


def test_an_assessment_that_does_not_fit_the_rubric_gets_itemised_errors() -> None:
    rubric = default_rubric()
    data = _assessment(rubric, {"timeliness": 7}).model_dump()
    del data["ratings"]["coherence"]
    data["ratings"]["popularity"] = {"rating": 2, "evidence": "Many likes."}
    data["rubric_version"] = "0.9"
    with pytest.raises(InvalidInput) as exc:
        parse_assessment(data, rubric)
    errors = _errors(exc)
    assert errors == {
        "rubric_version": "is '0.9', but the rubric is version '1.0'",
        "ratings.timeliness.rating": errors["ratings.timeliness.rating"],
        "ratings.coherence": "'Coherence and comparability' is not rated; every criterion of "
        "the rubric must be",
        "ratings.popularity": errors["ratings.popularity"],
    }
    assert errors["ratings.timeliness.rating"].startswith("7 is not on the scale: 0 (not met)")
    assert "no such criterion" in errors["ratings.popularity"]
    assert "4 problems" in exc.value.detail
    # score() refuses the same assessment rather than scoring part of it.
    assessment = Assessment.model_validate(data)
    assert check_assessment(assessment, rubric)
    with pytest.raises(InvalidInput):
        score(assessment, rubric)


def test_a_malformed_assessment_gets_field_paths() -> None:
    data = {
        "rubric_id": "voicescount-default",
        "rubric_version": "1.0",
        "ratings": {"relevance": {"rating": "high", "evidnce": "x"}},
    }
    with pytest.raises(InvalidInput) as exc:
        parse_assessment(data, default_rubric())
    errors = _errors(exc)
    assert errors["assessor"] == "is required"
    assert "integer" in errors["ratings.relevance.rating"]
    assert errors["ratings.relevance.evidnce"] == "is not a field here (check the spelling)"


# --- malformed rubrics -------------------------------------------------------------------------


def test_a_malformed_rubric_gets_every_problem_itemised_at_once() -> None:
    data = _small_rubric(minimum_score=120, met_level=5)
    data["scale"].append({"value": 1, "label": "again", "meaning": "dup"})
    data["criteria"][0]["gating_minimum"] = 9
    data["criteria"][1]["gating_minimum"] = 0
    data["criteria"][2]["id"] = data["criteria"][0]["id"]
    data["criteria"][3]["gating"] = False  # the disclosure gate disappears
    data["criteria"][4]["weight"] = 0
    data["criteria"][4]["auto"] = "vibes_checked"
    with pytest.raises(InvalidInput) as exc:
        parse_rubric(data)
    errors = _errors(exc)
    assert errors == {
        # Field by field, from the model.
        "minimum_score": "must be less than or equal to 100",
        "criteria.4.weight": "must be greater than 0",
        "criteria.4.auto": errors["criteria.4.auto"],
        # Across fields, from the rubric's own rules — reported in the same pass.
        "scale.4.value": "1 is on the scale twice",
        "met_level": "5 is not on the scale (0, 1, 2, 3)",
        "criteria.0.gating_minimum": "9 is not on the scale (0, 1, 2, 3)",
        "criteria.1.gating_minimum": "must be above the lowest level of the scale, or every "
        "rating passes",
        "criteria.2.id": "'consent_documented' is already the id of criteria.0",
        "criteria.3.gating_minimum": "is only allowed when gating is true",
        "criteria": errors["criteria"],
    }
    assert "'consent_documented'" in errors["criteria.4.auto"]
    # criteria.2 still gates on sdg_relation_stated; only the disclosure gate is missing.
    assert errors["criteria"].startswith("no gating criterion has auto: disclosure_checked;")


def test_the_cross_field_rules_hold_for_a_rubric_built_in_code() -> None:
    data = _small_rubric()
    del data["criteria"][0]["gating_minimum"]
    with pytest.raises(InvalidInput) as exc:
        parse_rubric(data)
    assert _errors(exc) == {"criteria.0.gating_minimum": "is required when gating is true"}
    # Rubric.model_validate alone runs them too, so no code path makes an inconsistent rubric.
    with pytest.raises(ValueError, match="is required when gating is true"):
        Rubric.model_validate(data)


def test_a_rubric_without_the_required_gates_is_refused() -> None:
    data = _small_rubric()
    data["criteria"] = data["criteria"][4:]
    with pytest.raises(InvalidInput) as exc:
        parse_rubric(data)
    message = _errors(exc)["criteria"]
    for check in REQUIRED_GATES:
        assert check.value in message
    # An empty list is reported once, as empty, not again as lacking the gates.
    with pytest.raises(InvalidInput) as exc:
        parse_rubric(_small_rubric(criteria=[]))
    assert [error["field"] for error in exc.value.errors] == ["criteria"]
    assert "at least 1 item" in exc.value.errors[0]["message"]


def test_a_rubric_that_is_not_a_mapping_or_not_yaml_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_rubric(["not", "a", "mapping"])
    assert exc.value.errors == [{"field": "", "message": "the rubric must be a mapping of fields"}]
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_rubric("id: [unclosed\nversion: 1")
    with pytest.raises(InvalidInput, match="duplicate key"):
        load_rubric("id: a\nid: b\n")
    with pytest.raises(InvalidInput, match="no rubric file"):
        load_rubric(ROOT / "no-such-rubric.yaml")


# --- files, text and schema --------------------------------------------------------------------


def test_a_rubric_loads_from_yaml_or_json_text_and_files(tmp_path: Path) -> None:
    rubric = parse_rubric(_small_rubric(version="2.10"))
    as_json = rubric.model_dump_json()
    assert load_rubric(as_json) == rubric
    path = tmp_path / "nso-rubric.json"
    path.write_text(as_json, encoding="utf-8")
    assert load_rubric(path) == rubric
    assert load_rubric(str(path)) == rubric
    # YAML keeps versions as written: 2.10 is not the number 2.1.
    yaml_text = (ROOT / "src/voicescount/review/data/default-rubric.yaml").read_text("utf-8")
    assert load_rubric(yaml_text.replace('version: "1.0"', "version: 2.10")).version == "2.10"


def test_the_example_nso_rubric_loads_and_differs_from_the_default() -> None:
    rubric = load_rubric(EXAMPLES / "rubric-kenya-example.yaml")
    assert rubric.id.startswith("example") and "EXAMPLE" in rubric.name
    assert rubric.values == [0, 1, 2, 3, 4] and rubric.met_level == 3
    assert (rubric.minimum_score, rubric.conditional_margin) == (70, 5)
    extra_gate = rubric.criterion("producer_in_inventory")
    assert extra_gate.gating and extra_gate.auto is None
    assert rubric.criterion("relevance").weight == 3
    # An assessment against it follows its own thresholds: all at "meets threshold" (3 of 4)
    # is 75% ≥ 70.
    assert score(_assessment(rubric, {}), rubric).outcome is QualityOutcome.MET


def test_the_json_schemas_are_valid_and_accept_the_shipped_rubrics() -> None:
    schema = rubric_json_schema("https://example.org/schemas/quality-rubric.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://example.org/schemas/quality-rubric.json"
    validator = jsonschema.Draft202012Validator(schema)
    for rubric in (default_rubric(), load_rubric(EXAMPLES / "rubric-kenya-example.yaml")):
        assert list(validator.iter_errors(rubric.model_dump(mode="json"))) == []
    # The schema states the gating rule editors can check: a gate needs its minimum.
    broken = default_rubric().model_dump(mode="json")
    del broken["criteria"][0]["gating_minimum"]
    assert any("gating_minimum" in e.message for e in validator.iter_errors(broken))
    broken["criteria"][1]["gatting"] = True
    assert any("gatting" in e.message for e in validator.iter_errors(broken))

    assessment_schema = assessment_json_schema()
    jsonschema.Draft202012Validator.check_schema(assessment_schema)
    assessment = _assessment(default_rubric(), {}).model_dump(mode="json", exclude_none=True)
    assert list(jsonschema.Draft202012Validator(assessment_schema).iter_errors(assessment)) == []


# --- suggestions from the metadata -------------------------------------------------------------


@pytest.fixture
def dialogues() -> dict[str, Any]:
    return load_metadata_file(EXAMPLES / "kenya-dialogues.yaml")


def test_suggestions_from_complete_metadata_are_met_never_exemplary(
    dialogues: dict[str, Any],
) -> None:
    rubric = default_rubric()
    suggestions = suggest_ratings(rubric, dialogues, disclosure_checked=True)
    # Only criteria with an auto hint get a suggestion.
    assert set(suggestions) == {c.id for c in rubric.criteria if c.auto is not None}
    assert {s.rating for s in suggestions.values()} == {rubric.met_level}
    consent = suggestions["consent_documented"].evidence
    assert "informed consent" in consent and "sw, en" in consent
    method = suggestions["method_documented"].evidence
    assert "citizen_dialogue" in method and "purposive" in method and "500 achieved" in method
    assert "qualitative method described" in method
    relation = suggestions["sdg_relation_stated"].evidence
    assert "10.2.1 contextual" in relation and "concordance note" in relation
    assert suggestions["do_no_harm"].check is AutoCheck.DEIDENTIFICATION_DOCUMENTED


def test_suggestions_drop_with_what_the_metadata_lack(dialogues: dict[str, Any]) -> None:
    rubric = default_rubric()
    draft = copy.deepcopy(dialogues)
    draft["ethics"] = {"consent": {"type": "verbal"}}  # half of consent, no de-identification
    del draft["qualitative_methods"]  # required for dialogues
    draft["sdg_mappings"].append({"indicator": "5.5.1", "relation": "proxy"})  # no note
    draft["sdg_mappings"].append({"indicator": "1.4.1"})  # no relation
    suggestions = suggest_ratings(rubric, draft, disclosure_checked=False)
    assert suggestions["consent_documented"].rating == 1
    assert "languages" in suggestions["consent_documented"].evidence
    assert suggestions["method_documented"].rating == 1
    assert "Missing: qualitative method." in suggestions["method_documented"].evidence
    assert suggestions["sdg_relation_stated"].rating == 1
    relation = suggestions["sdg_relation_stated"].evidence
    assert "a concordance note for 5.5.1 (proxy)" in relation
    assert "indicator and relation of sdg_mappings.2" in relation
    assert suggestions["disclosure_checked"].rating == 0
    assert suggestions["do_no_harm"].rating == 0

    # Nothing at all: every suggestion is the lowest level, none raises on a bare draft.
    empty = suggest_ratings(rubric, {}, disclosure_checked=False)
    assert {s.rating for s in empty.values()} == {0}


def test_suggestions_follow_the_rubric_scale(dialogues: dict[str, Any]) -> None:
    rubric = load_rubric(EXAMPLES / "rubric-kenya-example.yaml")
    draft = copy.deepcopy(dialogues)
    draft["sampling"]["design"] = "probability"  # now frame, response rate, precision are due
    suggestions = suggest_ratings(rubric, draft, disclosure_checked=True)
    assert suggestions["consent"].rating == 3  # met on the 0–4 scale
    assert suggestions["methods"].rating == 2  # partly: one below "meets threshold"
    assert "response rate" in suggestions["methods"].evidence
    assert "producer_in_inventory" not in suggestions  # no auto hint: the reviewer alone


def test_suggestions_fill_a_valid_assessment(dialogues: dict[str, Any]) -> None:
    # What the reviewer starts from: suggestions plus their own ratings make a scorable whole.
    rubric = default_rubric()
    suggestions = suggest_ratings(rubric, dialogues, disclosure_checked=True)
    ratings = {
        criterion.id: (
            {
                "rating": suggestions[criterion.id].rating,
                "evidence": suggestions[criterion.id].evidence,
            }
            if criterion.id in suggestions
            else {"rating": 2, "evidence": "Reviewer's judgement."}
        )
        for criterion in rubric.criteria
    }
    data = {
        "rubric_id": rubric.id,
        "rubric_version": rubric.version,
        "assessor": "R",
        "ratings": ratings,
    }
    assert score(parse_assessment(data, rubric), rubric).outcome is QualityOutcome.MET
