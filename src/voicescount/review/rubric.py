"""The quality rubric a statistics office reviews a community dataset against. Pure.

A :class:`Rubric` is a file the office can write itself (YAML or JSON, :func:`load_rubric`): a
rating scale, criteria with weights, gating criteria with a minimum rating, and a minimum score.
:func:`default_rubric` is the one voicescount ships, built from the published criteria (research
notes §2.5). A reviewer rates every criterion with evidence (:class:`Assessment`) and
:func:`score` turns that into an :class:`AssessmentResult`, whose ``outcome`` is a code of the SDMX
codelist CL_QUALITY_OUTCOME:

* ``NOT_MET`` when any gating criterion is rated below its minimum, whatever the score — consent,
  a documented method, a stated relation to the SDG indicator and passed disclosure checks are
  not things a high score elsewhere can make up for (research notes §10);
* ``MET`` when every gate passes and the weighted score reaches ``minimum_score`` (percent of the
  maximum);
* ``MET_WITH_CONDITIONS`` when every gate passes and the score falls short by less than
  ``conditional_margin`` percentage points;
* ``NOT_MET`` otherwise.

A criterion earns ``weight × (rating − lowest level)`` points, so the lowest level of any scale
earns nothing and the top level earns the full weight, whether the scale runs 0–3 or 1–5.

Every rubric must gate on the four checks of the review workflow (:data:`REQUIRED_GATES`): a
gating criterion carrying each of those ``auto`` hints. :func:`suggest_ratings` pre-fills the
criteria with an ``auto`` hint from the methodology metadata; suggestions are a starting point
for the reviewer, never a rating.

Problems come back itemised — ``InvalidInput.errors`` lists ``{"field", "message"}`` with a
dotted field path — because an office fixes a rubric, and a reviewer an assessment, best from the
whole list at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from voicescount.errors import InvalidInput
from voicescount.intake.metadata.files import parse_metadata_text

DEFAULT_RUBRIC_PACKAGE = "voicescount.review.data"
DEFAULT_RUBRIC_RESOURCE = "default-rubric.yaml"

IDENTIFIER_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"

#: Error type of the rubric's own consistency rules; :func:`_issues` expands it into items.
_INCONSISTENT = "rubric_inconsistent"


class AutoCheck(StrEnum):
    """A check of the submission that can pre-fill a criterion's rating (:func:`suggest_ratings`)."""

    CONSENT_DOCUMENTED = "consent_documented"
    METHOD_DOCUMENTED = "method_documented"
    SDG_RELATION_STATED = "sdg_relation_stated"
    DISCLOSURE_CHECKED = "disclosure_checked"
    DEIDENTIFICATION_DOCUMENTED = "deidentification_documented"


#: Checks every rubric must gate on (research notes §10: "must be met regardless of total score").
REQUIRED_GATES = (
    AutoCheck.CONSENT_DOCUMENTED,
    AutoCheck.METHOD_DOCUMENTED,
    AutoCheck.SDG_RELATION_STATED,
    AutoCheck.DISCLOSURE_CHECKED,
)


class QualityOutcome(StrEnum):
    """Outcome of an assessment: the codes of CL_QUALITY_OUTCOME."""

    MET = "MET"
    MET_WITH_CONDITIONS = "MET_WITH_CONDITIONS"
    NOT_MET = "NOT_MET"


# --- issues ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RubricIssue:
    """One problem with a rubric or an assessment."""

    #: Dotted path, list positions from 0 (``criteria.2.weight``, ``ratings.consent.evidence``).
    field: str
    message: str

    def as_error(self) -> dict[str, str]:
        """The issue in the ``errors`` form of :class:`InvalidInput`."""
        return {"field": self.field, "message": self.message}


def _raise(what: str, issues: Sequence[RubricIssue]) -> NoReturn:
    count = f"{len(issues)} problem{'s' if len(issues) != 1 else ''}"
    raise InvalidInput(
        f"{what} has {count}; 'errors' lists them.", errors=[i.as_error() for i in issues]
    )


def _message(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a field here (check the spelling)"
    message = error["msg"]
    for wordy, plain in (("Input should be", "must be"), ("Value error, ", "")):
        message = message.replace(wordy, plain, 1)
    return message


def _issues(error: ValidationError) -> list[RubricIssue]:
    issues = []
    for item in error.errors():
        prefix = ".".join(str(part) for part in item["loc"])
        if item["type"] == _INCONSISTENT:
            for field, message in item.get("ctx", {}).get("issues", ()):
                issues.append(RubricIssue(".".join(p for p in (prefix, field) if p), message))
        else:
            issues.append(RubricIssue(prefix, _message(item)))
    return issues


# --- the rubric ------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, pattern=IDENTIFIER_PATTERN)]


class _Model(BaseModel):
    # extra="forbid": a misspelt key ("gatting: true") must be reported, not dropped — a gate the
    # office believes it set but that does nothing is worse than an error. Frozen, because the
    # default rubric is cached and shared.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class RatingLevel(_Model):
    """One level of the rating scale."""

    value: int = Field(ge=0, le=100, description="The rating, a whole number (e.g. 0–3).")
    label: Text = Field(description="Short name shown to reviewers (e.g. 'met').")
    meaning: Text = Field(description="What a criterion rated at this level looks like.")


class Criterion(_Model):
    """One thing the statistics office judges, with the evidence it looks for."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"gating": {"const": True}}, "required": ["gating"]},
            "then": {"required": ["gating_minimum"]},
        }
    )

    id: Identifier = Field(description="Identifier, unique in the rubric (e.g. 'relevance').")
    name: Text = Field(description="Name shown to reviewers.")
    question: Text = Field(description="The question the reviewer answers.")
    guidance: Text = Field(description="What evidence to look for, and where in the submission.")
    weight: float = Field(
        1.0,
        gt=0,
        le=1000,
        allow_inf_nan=False,
        description="Relative weight in the score (greater than 0; default 1).",
    )
    gating: bool = Field(
        False,
        description="True when the criterion must reach gating_minimum whatever the total score.",
    )
    gating_minimum: int | None = Field(
        None,
        description="Lowest rating that passes the gate: a scale value above the lowest. "
        "Required for, and only allowed on, gating criteria.",
    )
    auto: AutoCheck | None = Field(
        None,
        description="Check of the submission that pre-fills a suggested rating: "
        + ", ".join(check.value for check in AutoCheck)
        + ". The reviewer confirms or changes it.",
    )
    sources: list[Text] = Field(
        default_factory=list, description="Frameworks or documents the criterion comes from."
    )


class Rubric(_Model):
    """A quality rubric, as a statistics office writes it in a file."""

    model_config = ConfigDict(title="QualityRubric")

    id: Identifier = Field(description="Identifier of the rubric (e.g. 'knbs-cgd').")
    version: Text = Field(description="Version of the rubric; quote it in YAML (e.g. '1.0').")
    name: Text = Field(description="Name shown with assessments.")
    description: Text = Field(description="What the rubric is for and how to use it.")
    source: Text = Field(
        description="Which framework(s) the rubric encodes, and how faithfully (a copy, an "
        "adaptation, an example)."
    )
    scale: list[RatingLevel] = Field(
        min_length=2, description="The rating levels, each value once (e.g. 0, 1, 2, 3)."
    )
    met_level: int = Field(
        description="The scale value that means 'met': what a pre-filled suggestion proposes "
        "when the submission documents what its check looks for."
    )
    minimum_score: float = Field(
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Weighted score needed for MET, in percent of the maximum (0–100).",
    )
    conditional_margin: float = Field(
        10,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Percentage points below minimum_score that still give MET_WITH_CONDITIONS "
        "when every gate passes (default 10; 0 turns the conditional outcome off).",
    )
    criteria: list[Criterion] = Field(min_length=1, description="The criteria, in review order.")

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        problems = _rubric_problems(self.model_dump(mode="json"))
        if problems:
            raise PydanticCustomError(
                _INCONSISTENT,
                "{summary}",
                {"summary": "; ".join(f"{f}: {m}" for f, m in problems), "issues": problems},
            )
        return self

    @property
    def values(self) -> list[int]:
        """The scale's values, lowest first."""
        return sorted(level.value for level in self.scale)

    @property
    def lowest(self) -> int:
        return self.values[0]

    @property
    def top(self) -> int:
        return self.values[-1]

    def label(self, value: int) -> str:
        """The label of a scale value (the value itself if it is not on the scale)."""
        return next((level.label for level in self.scale if level.value == value), str(value))

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


_AS_INT: TypeAdapter[int] = TypeAdapter(int)
_AS_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


def _lax(adapter: TypeAdapter[Any], value: Any) -> Any:
    """``value`` as the model would read it, or None if it would not."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    # A list of blocks, each read as empty when it is not a mapping (the model reports that).
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, Mapping) else {} for item in value]


def _rubric_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rules that span fields (the model checks each field alone).

    They read the raw document, tolerating values of the wrong type, so that a rubric with a
    type error still gets these checks too and the office sees every problem at once.
    """
    problems: list[tuple[str, str]] = []
    values: list[int] = []
    for index, level in enumerate(_mappings(data.get("scale"))):
        value = _lax(_AS_INT, level.get("value"))
        if value is not None and value in values:
            problems.append((f"scale.{index}.value", f"{value} is on the scale twice"))
        if value is not None:
            values.append(value)
    shown = ", ".join(str(v) for v in sorted(set(values)))
    met_level = _lax(_AS_INT, data.get("met_level"))
    if values and met_level is not None and met_level not in values:
        problems.append(("met_level", f"{met_level} is not on the scale ({shown})"))
    elif values and met_level == min(values):
        problems.append(("met_level", "must be above the lowest level of the scale"))
    seen: dict[str, int] = {}
    gated: set[str] = set()
    for index, criterion in enumerate(_mappings(data.get("criteria"))):
        identifier = str(criterion.get("id", "")).strip()
        if identifier in seen:
            problems.append(
                (
                    f"criteria.{index}.id",
                    f"'{identifier}' is already the id of criteria.{seen[identifier]}",
                )
            )
        if identifier:
            seen.setdefault(identifier, index)
        gating = _lax(_AS_BOOL, criterion.get("gating", False))
        if gating:
            gated.add(str(criterion.get("auto", "")).strip())
        problems.extend(_gate_problems(gating, criterion.get("gating_minimum"), index, values))
    ungated = [check.value for check in REQUIRED_GATES if check.value not in gated]
    if isinstance(data.get("criteria"), list) and ungated:
        problems.append(
            (
                "criteria",
                f"no gating criterion has auto: {', '.join(ungated)}; every rubric must gate on "
                "consent, method, SDG relation and disclosure control, whatever the score",
            )
        )
    return problems


def _gate_problems(
    gating: bool | None, given: Any, index: int, values: list[int]
) -> list[tuple[str, str]]:
    where = f"criteria.{index}.gating_minimum"
    if gating is None:  # gating itself is malformed; the model reports it
        return []
    if not gating:
        return [] if given is None else [(where, "is only allowed when gating is true")]
    if given is None:
        return [(where, "is required when gating is true")]
    minimum = _lax(_AS_INT, given)
    if minimum is None or not values:  # not a whole number, or no scale: the model reports it
        return []
    if minimum not in values:
        shown = ", ".join(str(v) for v in sorted(set(values)))
        return [(where, f"{minimum} is not on the scale ({shown})")]
    if minimum == min(values):
        return [(where, "must be above the lowest level of the scale, or every rating passes")]
    return []


def parse_rubric(data: Any) -> Rubric:
    """The rubric in ``data`` (a parsed YAML or JSON document); else :class:`InvalidInput`."""
    if not isinstance(data, Mapping):
        _raise("The rubric", [RubricIssue("", "the rubric must be a mapping of fields")])
    try:
        return Rubric.model_validate(dict(data))
    except ValidationError as exc:
        issues = _issues(exc)
        if any(error["type"] == _INCONSISTENT for error in exc.errors()):
            _raise("The rubric", issues)
    # A malformed field stops the model before its cross-field rules: run them on the raw
    # document, leaving out fields already reported.
    reported = {issue.field for issue in issues}
    issues += [
        RubricIssue(field, message)
        for field, message in _rubric_problems(data)
        if field not in reported
    ]
    _raise("The rubric", issues)


def load_rubric(source: Path | str) -> Rubric:
    """The rubric in a YAML or JSON file, or in YAML or JSON text.

    A :class:`~pathlib.Path`, or a one-line string that names an existing file or ends in
    ``.yaml``/``.yml``/``.json``, is read as a file; any other string is the rubric's text. YAML
    is read as methodology metadata is (codes and versions stay text, duplicate keys are refused).
    """
    if isinstance(source, Path) or _looks_like_path(source):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InvalidInput(f"There is no rubric file {path}.") from exc
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{path.name} is not UTF-8 text: {exc.reason}.") from exc
        suffix = path.suffix.lower()
        as_json = suffix == ".json" or (
            suffix not in {".yaml", ".yml"} and text.lstrip()[:1] == "{"
        )
        return parse_rubric(parse_metadata_text(text, path.name, as_json=as_json))
    as_json = source.lstrip()[:1] == "{"
    return parse_rubric(parse_metadata_text(source, "The rubric", as_json=as_json))


def _looks_like_path(source: str) -> bool:
    if "\n" in source or not source.strip():
        return False
    if source.strip().lower().endswith((".yaml", ".yml", ".json")):
        return True
    try:
        return Path(source).is_file()
    except OSError:  # e.g. a name too long for the file system: it is text
        return False


@cache
def default_rubric() -> Rubric:
    """The rubric voicescount ships (``review/data/default-rubric.yaml``)."""
    text = (
        resources.files(DEFAULT_RUBRIC_PACKAGE)
        .joinpath(DEFAULT_RUBRIC_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return parse_rubric(parse_metadata_text(text, DEFAULT_RUBRIC_RESOURCE))


def _schema(model: type[BaseModel], schema_id: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if schema_id:
        head["$id"] = schema_id
    return head | model.model_json_schema(mode="validation")


def rubric_json_schema(schema_id: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a rubric file, for offices writing their own.

    The rules spanning fields (unique ids, gates on the scale, the required gates) are checked
    by :func:`load_rubric` only.
    """
    return _schema(Rubric, schema_id)


# --- assessments -----------------------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    # Blank evidence is no evidence: report it as missing, not as "too short".
    return None if isinstance(value, str) and not value.strip() else value


class CriterionAssessment(_Model):
    """The reviewer's rating of one criterion and the reasons for it."""

    rating: int = Field(description="A value of the rubric's scale.")
    evidence: Annotated[Text | None, BeforeValidator(_blank_is_none)] = Field(
        None,
        description="What in the submission supports the rating. Required for gating criteria "
        "and for any rating below the top level.",
    )


class Assessment(_Model):
    """A reviewer's assessment of one dataset version against one rubric."""

    model_config = ConfigDict(title="QualityAssessment")

    rubric_id: Identifier = Field(description="Id of the rubric used.")
    rubric_version: Text = Field(description="Version of the rubric used.")
    assessor: Text = Field(description="Who assessed (name or role, and organisation).")
    assessed_at: AwareDatetime | None = Field(
        None, description="When, with time zone; the service stamps it if absent."
    )
    ratings: dict[Identifier, CriterionAssessment] = Field(
        description="Criterion id → rating and evidence, for every criterion of the rubric."
    )
    comment: Text | None = Field(None, description="Overall remarks, e.g. the conditions set.")


def assessment_json_schema(schema_id: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an assessment."""
    return _schema(Assessment, schema_id)


def check_assessment(assessment: Assessment, rubric: Rubric) -> list[RubricIssue]:
    """Every way ``assessment`` does not fit ``rubric``, in the rubric's order (empty if none)."""
    issues = []
    if assessment.rubric_id != rubric.id:
        issues.append(
            RubricIssue("rubric_id", f"is '{assessment.rubric_id}', not the rubric '{rubric.id}'")
        )
    if assessment.rubric_version != rubric.version:
        issues.append(
            RubricIssue(
                "rubric_version",
                f"is '{assessment.rubric_version}', but the rubric is version '{rubric.version}'",
            )
        )
    for criterion in rubric.criteria:
        given = assessment.ratings.get(criterion.id)
        if given is None:
            issues.append(
                RubricIssue(
                    f"ratings.{criterion.id}",
                    f"'{criterion.name}' is not rated; every criterion of the rubric must be",
                )
            )
        else:
            issues.extend(_rating_issues(criterion, given, rubric))
    known = {criterion.id for criterion in rubric.criteria}
    for criterion_id in assessment.ratings:
        if criterion_id not in known:
            issues.append(
                RubricIssue(
                    f"ratings.{criterion_id}",
                    f"the rubric has no such criterion (it has: {', '.join(sorted(known))})",
                )
            )
    return issues


def _rating_issues(
    criterion: Criterion, given: CriterionAssessment, rubric: Rubric
) -> list[RubricIssue]:
    where = f"ratings.{criterion.id}"
    if given.rating not in rubric.values:
        levels = ", ".join(f"{level.value} ({level.label})" for level in rubric.scale)
        return [RubricIssue(f"{where}.rating", f"{given.rating} is not on the scale: {levels}")]
    if given.evidence is not None:
        return []
    if criterion.gating:
        why = "is required for a gating criterion: say what in the submission shows it"
    elif given.rating < rubric.top:
        why = (
            f"is required for a rating below '{rubric.label(rubric.top)}': say what is missing "
            "or weak"
        )
    else:
        return []
    return [RubricIssue(f"{where}.evidence", why)]


def parse_assessment(data: Any, rubric: Rubric) -> Assessment:
    """The assessment in ``data``, if it is well-formed and fits ``rubric``; else
    :class:`InvalidInput` listing every problem."""
    if not isinstance(data, Mapping):
        _raise("The assessment", [RubricIssue("", "the assessment must be a mapping of fields")])
    try:
        assessment = Assessment.model_validate(dict(data))
    except ValidationError as exc:
        _raise("The assessment", _issues(exc))
    issues = check_assessment(assessment, rubric)
    if issues:
        _raise("The assessment", issues)
    return assessment


class CriterionResult(_Model):
    """How one criterion was rated and what it earned."""

    criterion: str
    name: str
    rating: int
    label: str
    evidence: str | None
    weight: float
    points: float
    max_points: float
    gating: bool
    gating_minimum: int | None
    #: Whether the gate passed; None for a criterion that is not gating.
    gate_passed: bool | None


class AssessmentResult(_Model):
    """A scored assessment: what is stored and shown with the review decision."""

    rubric_id: str
    rubric_version: str
    rubric_name: str
    assessor: str
    assessed_at: AwareDatetime | None
    comment: str | None
    criteria: list[CriterionResult]
    points: float
    max_points: float
    #: Percent of the maximum, rounded down to one decimal so that a score is never shown as
    #: reaching a threshold it missed (the outcome is decided on the exact value).
    percent: float
    minimum_score: float
    conditional_margin: float
    gating_passed: bool
    #: Ids of the gating criteria rated below their minimum.
    failed_gates: list[str]
    outcome: QualityOutcome
    summary: str


def _exact(number: float) -> Fraction:
    # Through the decimal text, so that weight 0.1 counts as 1/10 and a score of exactly the
    # minimum is not lost to binary rounding.
    return Fraction(Decimal(str(number)))


def _shown_percent(value: Fraction) -> str:
    return f"{math.floor(value * 10) / 10:.1f}".removesuffix(".0") + "%"


def score(assessment: Assessment, rubric: Rubric) -> AssessmentResult:
    """Score ``assessment`` against ``rubric``; :class:`InvalidInput` if it does not fit it."""
    issues = check_assessment(assessment, rubric)
    if issues:
        _raise("The assessment", issues)
    span = rubric.top - rubric.lowest
    points = maximum = Fraction(0)
    results = []
    for criterion in rubric.criteria:
        given = assessment.ratings[criterion.id]
        weight = _exact(criterion.weight)
        earned = weight * (given.rating - rubric.lowest)
        points += earned
        maximum += weight * span
        passed = None
        if criterion.gating and criterion.gating_minimum is not None:
            passed = given.rating >= criterion.gating_minimum
        results.append(
            CriterionResult(
                criterion=criterion.id,
                name=criterion.name,
                rating=given.rating,
                label=rubric.label(given.rating),
                evidence=given.evidence,
                weight=criterion.weight,
                points=float(earned),
                max_points=float(weight * span),
                gating=criterion.gating,
                gating_minimum=criterion.gating_minimum,
                gate_passed=passed,
            )
        )
    percent = 100 * points / maximum
    failed = [result for result in results if result.gate_passed is False]
    outcome = _outcome(percent, rubric, gating_passed=not failed)
    return AssessmentResult(
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        rubric_name=rubric.name,
        assessor=assessment.assessor,
        assessed_at=assessment.assessed_at,
        comment=assessment.comment,
        criteria=results,
        points=float(points),
        max_points=float(maximum),
        percent=math.floor(percent * 10) / 10,
        minimum_score=rubric.minimum_score,
        conditional_margin=rubric.conditional_margin,
        gating_passed=not failed,
        failed_gates=[result.criterion for result in failed],
        outcome=outcome,
        summary=_summary(outcome, percent, rubric, failed, len(results)),
    )


def _outcome(percent: Fraction, rubric: Rubric, *, gating_passed: bool) -> QualityOutcome:
    minimum = _exact(rubric.minimum_score)
    if not gating_passed:
        return QualityOutcome.NOT_MET
    if percent >= minimum:
        return QualityOutcome.MET
    if percent >= minimum - _exact(rubric.conditional_margin):
        return QualityOutcome.MET_WITH_CONDITIONS
    return QualityOutcome.NOT_MET


def _summary(
    outcome: QualityOutcome,
    percent: Fraction,
    rubric: Rubric,
    failed: list[CriterionResult],
    criteria: int,
) -> str:
    # The score is rounded down (never shown reaching a threshold it missed); the thresholds
    # are shown as configured.
    scored = f"score {_shown_percent(percent)} of the maximum (minimum {rubric.minimum_score:g}%)"
    gates = sum(1 for criterion in rubric.criteria if criterion.gating)
    if failed:
        below = "; ".join(
            f"'{r.name}' rated {r.label}, below {rubric.label(r.gating_minimum or 0)}"
            for r in failed
        )
        return (
            f"Quality criteria not met: {len(failed)} of {gates} gating criteria failed "
            f"({below}). The gates decide whatever the score; {scored}."
        )
    passed = f"all {gates} gating criteria passed, {criteria} criteria rated"
    if outcome is QualityOutcome.MET:
        return f"Quality criteria met: {scored}; {passed}."
    margin = f"{rubric.conditional_margin:g}"
    if outcome is QualityOutcome.MET_WITH_CONDITIONS:
        return (
            f"Quality criteria met with conditions: {scored}, short of it but within the "
            f"{margin}-point margin; {passed}. State the conditions with the decision."
        )
    return (
        f"Quality criteria not met: {scored}, short by more than the {margin}-point margin; "
        f"{passed}."
    )


# --- suggestions from the methodology metadata -----------------------------------------------

Verdict = Literal["met", "partly", "not_met"]


class Suggestion(_Model):
    """A rating proposed from the submission for the reviewer to confirm or change."""

    criterion: str
    check: AutoCheck
    rating: int
    evidence: str


def suggest_ratings(
    rubric: Rubric, metadata: Mapping[str, Any] | BaseModel, *, disclosure_checked: bool
) -> dict[str, Suggestion]:
    """Suggested ratings for the criteria of ``rubric`` that have an ``auto`` hint.

    ``metadata`` is the methodology metadata document (a draft is fine: missing parts lower the
    suggestion, they do not raise); ``disclosure_checked`` says whether the service's disclosure
    control checks passed for the version. What the metadata fully document is suggested at the
    rubric's ``met_level``, never above — whether it is exemplary is the reviewer's call; what
    they partly document one level below; what they lack at the lowest level.
    """
    document: Mapping[str, Any] = (
        metadata.model_dump(mode="json", exclude_none=True)
        if isinstance(metadata, BaseModel)
        else metadata
    )
    suggestions = {}
    for criterion in rubric.criteria:
        if criterion.auto is None:
            continue
        if criterion.auto is AutoCheck.DISCLOSURE_CHECKED:
            verdict, evidence = _disclosure(disclosure_checked)
        else:
            verdict, evidence = _CHECKS[criterion.auto](document)
        suggestions[criterion.id] = Suggestion(
            criterion=criterion.id,
            check=criterion.auto,
            rating=_suggested_rating(verdict, rubric),
            evidence=evidence,
        )
    return suggestions


def _suggested_rating(verdict: Verdict, rubric: Rubric) -> int:
    if verdict == "met":
        return rubric.met_level
    below = [value for value in rubric.values if value < rubric.met_level]
    return below[-1] if verdict == "partly" else rubric.lowest


def _get(document: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def _short(text: Any, limit: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _verdict(present: list[str], missing: list[str]) -> Verdict:
    if not missing:
        return "met"
    return "partly" if present else "not_met"


def _said(present: list[str], missing: list[str]) -> str:
    parts = []
    # Items may quote the coalition's own sentences: drop their full stops before joining.
    if present:
        parts.append("The metadata state: " + "; ".join(p.rstrip(".") for p in present) + ".")
    if missing:
        parts.append("Missing: " + "; ".join(m.rstrip(".") for m in missing) + ".")
    return " ".join(parts)


def _consent(document: Mapping[str, Any]) -> tuple[Verdict, str]:
    consent = _get(document, "ethics", "consent")
    if not isinstance(consent, Mapping):
        return "not_met", "The metadata do not document consent (ethics.consent)."
    present, missing = [], []
    kind, languages = consent.get("type"), consent.get("languages")
    if _filled(kind):
        present.append(f"{kind} consent")
    else:
        missing.append("how consent was obtained (ethics.consent.type)")
    if _filled(languages) and isinstance(languages, list):
        present.append("sought in " + ", ".join(str(language) for language in languages))
    else:
        missing.append("the languages consent was sought in (ethics.consent.languages)")
    # Informative, not part of the verdict: the reviewer weighs them.
    if _filled(consent.get("minors_policy")):
        present.append(f"minors: {_short(consent['minors_policy'])}")
    if _filled(consent.get("script_ref")):
        present.append(f"script: {_short(consent['script_ref'])}")
    approval = _get(document, "ethics", "approval")
    if isinstance(approval, Mapping) and _filled(approval.get("body")):
        present.append(f"ethics approval by {approval['body']} ({approval.get('reference', '')})")
    # Two things make consent documented: how it was obtained, and in which languages.
    verdict: Verdict = "met" if not missing else "partly" if len(missing) == 1 else "not_met"
    return verdict, _said(present, missing)


def _method(document: Mapping[str, Any]) -> tuple[Verdict, str]:
    present, missing = [], []
    for label, value in (
        ("kind of data", _get(document, "kind_of_data")),
        ("collection mode", _get(document, "collection_mode", "mode")),
        ("sampling design", _get(document, "sampling", "design")),
    ):
        if _filled(value):
            present.append(f"{label} {value}")
        else:
            missing.append(label)
    planned = _get(document, "sampling", "size_planned")
    achieved = _get(document, "sampling", "size_achieved")
    if _filled(planned) and _filled(achieved):
        present.append(f"sample {achieved} achieved of {planned} planned")
    else:
        missing.append("planned and achieved sample sizes")
    computation = _get(document, "computation")
    steps = computation if isinstance(computation, list) else []
    with_formula = [step for step in steps if _filled(_get(step, "formula"))]
    if steps and len(with_formula) == len(steps):
        present.append(f"{len(steps)} measure(s) with their computation")
    else:
        missing.append("a formula for every published measure (computation)")
    also_present, also_missing = _conditional_method_gaps(document)
    present += also_present
    missing += also_missing
    return _verdict(present, missing), _said(present, missing)


def _conditional_method_gaps(document: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """What the metadata checks demand for some designs, as (present, missing): without these
    blocks the method is not documented for that design, even if the common fields are there."""
    required: list[tuple[str, Any]] = []
    if _get(document, "sampling", "design") == "probability":
        required += [
            ("sampling frame", _get(document, "sampling", "frame")),
            ("selection procedure", _get(document, "sampling", "selection")),
            ("response rate", _get(document, "sampling", "response_rate")),
            ("precision of estimates", _get(document, "precision")),
        ]
    kind = _get(document, "kind_of_data")
    if kind == "community_scorecard":
        required.append(("scorecard method", _get(document, "scorecard")))
    if kind in {"focus_group", "key_informant_interview", "citizen_dialogue"}:
        required.append(("qualitative method", _get(document, "qualitative_methods")))
    present = [f"{label} described" for label, value in required if _filled(value)]
    missing = [label for label, value in required if not _filled(value)]
    return present, missing


def _sdg_relation(document: Mapping[str, Any]) -> tuple[Verdict, str]:
    mappings = _get(document, "sdg_mappings")
    if not isinstance(mappings, list) or not mappings:
        return "not_met", "The metadata relate the data to no SDG indicator (sdg_mappings)."
    present, missing = [], []
    for index, mapping in enumerate(mappings):
        indicator, relation = _get(mapping, "indicator"), _get(mapping, "relation")
        note = _get(mapping, "concordance_note")
        if not (_filled(indicator) and _filled(relation)):
            missing.append(f"indicator and relation of sdg_mappings.{index}")
        elif relation != "exact" and not _filled(note):
            missing.append(f"a concordance note for {indicator} ({relation})")
        else:
            said = f"{indicator} {relation}"
            present.append(f"{said}, concordance note: '{_short(note)}'" if _filled(note) else said)
    return _verdict(present, missing), _said(present, missing)


def _deidentification(document: Mapping[str, Any]) -> tuple[Verdict, str]:
    present, missing = [], []
    removed = _get(document, "ethics", "deidentification", "direct_ids_removed")
    if removed is True:
        present.append("direct identifiers removed")
    else:
        missing.append("removal of direct identifiers (ethics.deidentification.direct_ids_removed)")
    method = _get(document, "ethics", "deidentification", "method")
    if _filled(method):
        present.append(f"method: {_short(method)}")
    else:
        missing.append("how identities are protected (ethics.deidentification.method)")
    harm = _get(document, "ethics", "harm_assessment")
    if _filled(harm):
        present.append(f"harm assessment: {_short(harm)}")
    else:
        missing.append("an assessment of risks to participants (ethics.harm_assessment)")
    return _verdict(present, missing), _said(present, missing)


def _disclosure(passed: bool) -> tuple[Verdict, str]:
    if passed:
        return "met", "The service's disclosure control checks passed for this version."
    return "not_met", "The disclosure control checks have not passed (or not run) for this version."


_CHECKS = {
    AutoCheck.CONSENT_DOCUMENTED: _consent,
    AutoCheck.METHOD_DOCUMENTED: _method,
    AutoCheck.SDG_RELATION_STATED: _sdg_relation,
    AutoCheck.DEIDENTIFICATION_DOCUMENTED: _deidentification,
}
