"""Checking a metadata document: issues, Pydantic errors made readable, cross-field and
vocabulary rules; the submission gate and the published JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from difflib import get_close_matches
from enum import StrEnum
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import ErrorDetails

from voicescount.errors import InvalidInput
from voicescount.intake import licences
from voicescount.intake.metadata.model import (
    _PATTERN_HINTS,
    QUALITATIVE_KINDS,
    AccessRights,
    AreaCode,
    CountryCode,
    EngagementStage,
    GoalCode,
    IndicatorCode,
    IsoDate,
    IsoDateTime,
    KindOfData,
    MethodologyMetadata,
    SamplingDesign,
    SdgRelation,
    Severity,
    TargetCode,
    Text,
    WeightingMethod,
    kind_of,
)
from voicescount.intake.vocabulary import Vocabulary

# --- issues ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataIssue:
    """One problem with a metadata document."""

    #: Dotted path of the field, with list positions counted from 0 (``sdg_mappings.0.target``);
    #: empty for the document as a whole.
    field: str
    message: str
    severity: Severity

    def as_error(self) -> dict[str, str]:
        """The issue in the ``errors`` form of problem+json responses."""
        return {"location": self.field, "message": self.message, "severity": self.severity}


def check_metadata(
    data: Mapping[str, Any],
    vocabulary: Vocabulary,
    *,
    for_submission: bool,
    today: date | None = None,
) -> list[MetadataIssue]:
    """Every problem with ``data`` as a metadata document, in document order per kind of check.

    ``for_submission=False`` checks a draft: missing required fields are warnings. ``today``
    (default: the current date) dates the warnings about periods in the future or past.
    """
    return _Checker(data, vocabulary, for_submission=for_submission, today=today).run()


def parse_metadata(
    data: Mapping[str, Any], vocabulary: Vocabulary | None = None
) -> MethodologyMetadata:
    """The typed metadata, if ``data`` passes the submission checks; else :class:`InvalidInput`.

    Without a vocabulary the codes are checked for form only, not looked up. Warnings do not stop
    parsing; the error's ``errors`` list each blocking issue (location, message, severity).
    """
    issues = _Checker(data, vocabulary, for_submission=True, today=None).run()
    blocking = [issue for issue in issues if issue.severity == "error"]
    if blocking:
        count = f"{len(blocking)} problem{'s' if len(blocking) > 1 else ''}"
        raise InvalidInput(
            f"The methodology metadata has {count} to fix before submission; 'errors' lists them.",
            errors=[issue.as_error() for issue in blocking],
        )
    return MethodologyMetadata.model_validate(dict(data))


def methodology_json_schema(schema_id: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`MethodologyMetadata`, as served to coalitions.

    ``schema_id`` becomes ``$id`` (the URL the schema is served at), so editors can reference it.
    """
    schema = MethodologyMetadata.model_json_schema(mode="validation")
    head: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if schema_id:
        head["$id"] = schema_id
    return head | schema


# --- turning Pydantic errors into issues -----------------------------------------------------

#: Error types that mean "not filled in yet" rather than "filled in wrongly".
_INCOMPLETE = {"missing", "too_short", "string_too_short"}


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            non_null = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(non_null) != 1:
                return annotation
            annotation = non_null[0]
        else:
            return annotation


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names allowed in the object at ``loc`` of the document (empty if not a model)."""
    annotation: Any = MethodologyMetadata
    for part in loc:
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif origin is list:
            annotation = get_args(annotation)[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unknown_field_message(loc: tuple[int | str, ...]) -> str:
    name = str(loc[-1])
    allowed = _fields_at(loc[:-1])
    close = get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field '{name}': did you mean '{close[0]}'?"
    if allowed:
        return f"unknown field '{name}'; the fields here are: {', '.join(allowed)}"
    return f"unknown field '{name}'"


def _choices(expected: str) -> str:
    # Pydantic writes "'a', 'b' or 'c'"; a list reads better in a form.
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _number(value: Any) -> float | None:
    # YAML values arrive as text (see _MetadataLoader), so "87" must count as 87 here too.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _bound_message(error: ErrorDetails) -> str:
    ctx = error.get("ctx", {})
    kind = error["type"]
    value = _number(error.get("input"))
    proportion = kind == "less_than_equal" and ctx.get("le") == 1
    if proportion and value is not None and 1 < value <= 100:
        # Most often a percentage; but 1.5 may be a typo for 0.15, so say "if", not "write".
        return (
            f"must be a proportion between 0 and 1 (got {value:g}); if that is a percentage, "
            f"write {value / 100:g}"
        )
    words = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }[kind]
    return f"must be {words[0]} {ctx.get(words[1])}"


_TYPE_MESSAGES = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, without a time",
    "datetime_type": "must be a date and time such as 2024-03-31T14:05:00+03:00",
    "datetime_parsing": "must be a date and time such as 2024-03-31T14:05:00+03:00",
    "datetime_from_date_parsing": "must be a date and time such as 2024-03-31T14:05:00+03:00",
    "timezone_aware": "must include a time zone, e.g. 2024-03-31T14:05:00+03:00 or …Z for UTC",
    "url_type": "must be a web address starting with https:// or http://",
    "url_parsing": "must be a web address starting with https:// or http://",
    "url_scheme": "must be a web address starting with https:// or http://",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a group of fields (a mapping)",
    "model_attributes_type": "must be a group of fields (a mapping)",
}


def _message(error: ErrorDetails, loc: tuple[int | str, ...]) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    value = error.get("input")
    if kind == "missing" or (value is None and kind != "extra_forbidden"):
        return "required at submission"
    if kind == "extra_forbidden":
        return _unknown_field_message(loc)
    if kind in ("enum", "literal_error"):
        return f"must be one of: {_choices(str(ctx.get('expected', '')))} (got {_shown(value)})"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(str(ctx.get("pattern")), "does not have the expected form")
        return f"{hint} (got {_shown(value)})"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        entries = "at least one entry" if minimum == 1 else f"at least {minimum} entries"
        return f"needs {entries} (required at submission)"
    if kind == "too_long":
        return f"may have at most {ctx.get('max_length')} entries"
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        if minimum == 1:
            return "must not be empty (required at submission)"
        return f"must have at least {minimum} characters (has {len(str(value).strip())})"
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters (has {len(str(value))})"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _bound_message(error)
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]} (got {kind_of(value)} {_shown(value)})"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _issue_from(error: ErrorDetails, *, for_submission: bool) -> MetadataIssue:
    loc = tuple(error["loc"])
    key_problem = bool(loc) and loc[-1] == "[key]"
    if key_problem:
        loc = loc[:-1]
    message = _message(error, loc)
    if key_problem:
        message = f"the key {message}"
    incomplete = error["type"] in _INCOMPLETE or (
        error.get("input") is None and error["type"] != "extra_forbidden"
    )
    severity: Severity = "warning" if incomplete and not for_submission else "error"
    return MetadataIssue(".".join(str(part) for part in loc), message, severity)


# --- cross-field and vocabulary checks -------------------------------------------------------

_DATE = TypeAdapter(IsoDate)
_DATETIME = TypeAdapter(IsoDateTime)
_INT = TypeAdapter(int)
_TEXT = TypeAdapter(Text)
_BOOL = TypeAdapter(bool)
_COUNTRY = TypeAdapter(CountryCode)
_AREA = TypeAdapter(AreaCode)
_GOAL = TypeAdapter(GoalCode)
_TARGET = TypeAdapter(TargetCode)
_INDICATOR = TypeAdapter(IndicatorCode)

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)

#: Copenhagen Framework: engagement at these levels counts as sufficient.
SUFFICIENT_ENGAGEMENT_LEVEL = 4


def _at(data: Any, path: str) -> Any:
    """The raw value at a dotted path, or None where the path does not lead anywhere."""
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _goal_of(code: str) -> str:
    return code.split(".")[0]


def _target_of(indicator: str) -> str:
    # SDG codes are hierarchical by construction: indicator 5.3.1 is the first of target 5.3.
    return ".".join(indicator.split(".")[:2])


class _Checker:
    """One run of the checks over one document; collects issues in order."""

    def __init__(
        self,
        data: Any,
        vocabulary: Vocabulary | None,
        *,
        for_submission: bool,
        today: date | None,
    ) -> None:
        self.data = data
        self.vocabulary = vocabulary
        self.for_submission = for_submission
        self.today = today or date.today()
        self.issues: list[MetadataIssue] = []

    # reporting

    def error(self, field: str, message: str) -> None:
        self.issues.append(MetadataIssue(field, message, "error"))

    def warn(self, field: str, message: str) -> None:
        self.issues.append(MetadataIssue(field, message, "warning"))

    def need(self, field: str, message: str) -> None:
        """A conditional requirement: an error at submission, a warning in a draft."""
        self.issues.append(
            MetadataIssue(field, message, "error" if self.for_submission else "warning")
        )

    # reading the raw document: None when absent or malformed (malformed is reported already)

    def get(self, path: str, adapter: TypeAdapter[_T]) -> _T | None:
        value = _at(self.data, path)
        if value is None:
            return None
        try:
            return adapter.validate_python(value)
        except ValidationError:
            return None

    def enum(self, path: str, enum: type[_E]) -> _E | None:
        value = _at(self.data, path)
        try:
            return enum(value.strip()) if isinstance(value, str) else None
        except ValueError:
            return None

    def present(self, path: str) -> bool:
        value = _at(self.data, path)
        return value is not None and not (isinstance(value, str | list | dict) and not value)

    def items(self, path: str) -> Iterator[str]:
        """The dotted paths of the entries of the list at ``path``."""
        value = _at(self.data, path)
        if isinstance(value, list):
            for index in range(len(value)):
                yield f"{path}.{index}"

    # the run

    def run(self) -> list[MetadataIssue]:
        if not isinstance(self.data, Mapping):
            self.error(
                "",
                f"the metadata must be a mapping of field names to values, not a "
                f"{kind_of(self.data)}",
            )
            return self.issues
        self._structure()
        self._periods()
        self._provenance_dates()
        self._sampling()
        self._weighting()
        self._method_blocks()
        self._terms()
        self._engagement()
        self._community_validation()
        self._ethics()
        if self.vocabulary is not None:
            self._sdg_mappings(self.vocabulary)
            self._computation(self.vocabulary)
            self._geography(self.vocabulary)
            self._target_groups(self.vocabulary)
            self._unit(self.vocabulary)
        return self.issues

    def _structure(self) -> None:
        try:
            MethodologyMetadata.model_validate(dict(self.data))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.issues.append(_issue_from(error, for_submission=self.for_submission))

    def _periods(self) -> None:
        for block in ("reference_period", "collection_period"):
            start = self.get(f"{block}.start", _DATE)
            end = self.get(f"{block}.end", _DATE)
            if start and end and end < start:
                self.error(f"{block}.end", f"the period ends ({end}) before it starts ({start})")
        end = self.get("collection_period.end", _DATE)
        if end and end > self.today:
            self.warn(
                "collection_period.end",
                f"collection ends in the future ({end}); submit the data once collection is over",
            )

    def _provenance_dates(self) -> None:
        start = self.get("collection_period.start", _DATE)
        exported = self.get("source_system.exported_at", _DATETIME)
        if start and exported and exported.date() < start:
            self.error(
                "source_system.exported_at",
                f"the export ({exported.date()}) is dated before collection started ({start})",
            )
        for step in self.items("processing_steps"):
            run_at = self.get(f"{step}.run_at", _DATETIME)
            if exported and run_at and run_at < exported:
                self.warn(
                    f"{step}.run_at",
                    "this step ran before the export in source_system was made; check the "
                    "times or say which data it processed",
                )

    def _sampling(self) -> None:
        design = self.enum("sampling.design", SamplingDesign)
        planned = self.get("sampling.size_planned", _INT)
        achieved = self.get("sampling.size_achieved", _INT)
        population = self.get("universe.population_size", _INT)
        if achieved is not None and population is not None and achieved > population:
            self.error(
                "sampling.size_achieved",
                f"the achieved sample ({achieved}) is larger than the population it comes from "
                f"(universe.population_size = {population})",
            )
        if achieved is not None and planned is not None and achieved > planned:
            self.warn(
                "sampling.size_achieved",
                f"more units were covered ({achieved}) than planned ({planned}); explain under "
                "sampling.deviations",
            )
        if design is SamplingDesign.PROBABILITY:
            for field in ("frame", "selection", "response_rate"):
                if not self.present(f"sampling.{field}"):
                    self.need(f"sampling.{field}", "required for a probability sample")
            if not self.present("precision"):
                self.need(
                    "precision",
                    "required for a probability sample: say how sampling error was estimated",
                )
        elif (
            design is not None and design is not SamplingDesign.CENSUS and self.present("precision")
        ):
            self.warn(
                "precision",
                f"confidence intervals assume a probability sample, but the design is "
                f"'{design}'; describe the uncertainty under limitations instead",
            )

    def _weighting(self) -> None:
        method = self.enum("weighting.method", WeightingMethod)
        has_variable = self.present("weighting.weight_variable")
        if method is WeightingMethod.NONE and has_variable:
            self.error(
                "weighting.weight_variable",
                "a weight variable is given but weighting.method is 'none'",
            )
        elif method is not None and method is not WeightingMethod.NONE:
            if not has_variable:
                self.warn(
                    "weighting.weight_variable",
                    f"name the column holding the weights for '{method}' weighting",
                )
            calibrated = (WeightingMethod.POST_STRATIFICATION, WeightingMethod.RAKING)
            if method in calibrated and not self.present("weighting.benchmarks"):
                self.warn(
                    "weighting.benchmarks",
                    f"'{method}' weighting needs the population totals it was calibrated to, "
                    "with their source",
                )

    def _method_blocks(self) -> None:
        kind = self.enum("kind_of_data", KindOfData)
        if kind is KindOfData.COMMUNITY_SCORECARD and not self.present("scorecard"):
            self.need("scorecard", "required when kind_of_data is community_scorecard")
        if kind in QUALITATIVE_KINDS and not self.present("qualitative_methods"):
            self.need("qualitative_methods", f"required when kind_of_data is {kind}")

    def _terms(self) -> None:
        access = self.enum("access_rights", AccessRights)
        embargo = self.get("embargo_until", _DATE)
        if access is AccessRights.EMBARGOED and not self.present("embargo_until"):
            self.need("embargo_until", "required when access_rights is embargoed")
        if embargo and access is not None and access is not AccessRights.EMBARGOED:
            self.warn(
                "embargo_until",
                f"an embargo date is given but access_rights is '{access}', not 'embargoed'",
            )
        if embargo and access is AccessRights.EMBARGOED and embargo <= self.today:
            self.warn("embargo_until", f"the embargo date ({embargo}) has passed")
        licence = _at(self.data, "licence")
        if (
            isinstance(licence, str)
            and licences.is_custom_licence(licence.strip())
            and not self.present("licence_url")
        ):
            self.need("licence_url", "required for a LicenseRef- licence: link to its text")

    def _engagement(self) -> None:
        stages: list[tuple[EngagementStage, int | None]] = []
        for entry in self.items("engagement"):
            stage = self.enum(f"{entry}.stage", EngagementStage)
            if stage is not None:
                stages.append((stage, self.get(f"{entry}.level", _INT)))
        if not stages:
            return  # absent, empty or malformed: reported by the structure check
        early = [level for stage, level in stages if stage in _EARLY_STAGES]
        if not early:
            self.need(
                "engagement",
                "citizens must be engaged at least in the design or collection stage for the "
                "data to count as citizen data (Copenhagen Framework); add that stage",
            )
        elif all(level is not None and level < SUFFICIENT_ENGAGEMENT_LEVEL for level in early):
            self.warn(
                "engagement",
                "engagement in design and collection is below level 4; the Copenhagen "
                "Framework treats levels 1–3 as insufficient participation",
            )

    def _community_validation(self) -> None:
        if not self.present("community_validation"):
            self.warn(
                "community_validation",
                "needed before publication: return the results to the community and record "
                "when, how and with whom",
            )
        elif self.get("community_validation.done", _BOOL) and not self.present(
            "community_validation.date"
        ):
            self.warn("community_validation.date", "say when the validation took place")

    def _ethics(self) -> None:
        access = self.enum("access_rights", AccessRights)
        removed = self.get("ethics.deidentification.direct_ids_removed", _BOOL)
        if removed is False and access is AccessRights.PUBLIC:
            self.error(
                "ethics.deidentification.direct_ids_removed",
                "direct identifiers must be removed before data are made public "
                "(access_rights is 'public')",
            )
        approved = self.get("ethics.approval.date", _DATE)
        started = self.get("collection_period.start", _DATE)
        if approved and started and approved > started:
            self.warn(
                "ethics.approval.date",
                f"ethics approval ({approved}) is dated after collection started ({started})",
            )

    # vocabulary checks

    def _sdg_mappings(self, vocabulary: Vocabulary) -> None:
        seen: set[tuple[str, str | None]] = set()
        for entry in self.items("sdg_mappings"):
            indicator = self.get(f"{entry}.indicator", _INDICATOR)
            self._sdg_hierarchy(vocabulary, entry, indicator)
            series = self.get(f"{entry}.series_code", _TEXT)
            if series:
                self._series(vocabulary, f"{entry}.series_code", series, indicator)
            relation = self.enum(f"{entry}.relation", SdgRelation)
            if relation not in (None, SdgRelation.EXACT) and not self.present(
                f"{entry}.concordance_note"
            ):
                self.warn(
                    f"{entry}.concordance_note",
                    f"explain how these data differ from the indicator's definition "
                    f"(relation is '{relation}')",
                )
            if indicator:
                if (indicator, series) in seen:
                    self.warn(f"{entry}.indicator", f"indicator {indicator} is mapped twice")
                seen.add((indicator, series))

    def _sdg_hierarchy(self, vocabulary: Vocabulary, entry: str, indicator: str | None) -> None:
        goal = self.get(f"{entry}.goal", _GOAL)
        target = self.get(f"{entry}.target", _TARGET)
        if indicator and not vocabulary.indicator_exists(indicator):
            self.error(f"{entry}.indicator", f"unknown SDG indicator '{indicator}'")
            indicator = None
        if target and not vocabulary.target_exists(target):
            self.error(f"{entry}.target", f"unknown SDG target '{target}'")
            target = None
        if goal and not vocabulary.goal_exists(goal):
            self.error(f"{entry}.goal", f"unknown SDG goal '{goal}'")
            goal = None
        if indicator and target and _target_of(indicator) != target:
            self.error(
                f"{entry}.target",
                f"indicator {indicator} belongs to target {_target_of(indicator)}, not {target}",
            )
            target = None  # one contradiction, reported once
        parent = target or indicator
        if goal and parent and _goal_of(parent) != goal:
            kind = "target" if target else "indicator"
            self.error(
                f"{entry}.goal",
                f"{kind} {parent} belongs to goal {_goal_of(parent)}, not {goal}",
            )

    def _series(
        self, vocabulary: Vocabulary, field: str, series: str, indicator: str | None
    ) -> None:
        measured = vocabulary.series_indicators(series)
        if measured is None:
            self.error(field, f"unknown series '{series}'")
        elif not measured:
            self.warn(field, f"series {series} is not linked to any SDG indicator")
        elif indicator and indicator not in measured:
            self.error(
                field,
                f"series {series} measures {', '.join(sorted(measured))}, not {indicator}",
            )

    def _computation(self, vocabulary: Vocabulary) -> None:
        mapped = {
            self.get(f"{entry}.indicator", _INDICATOR) for entry in self.items("sdg_mappings")
        }
        for entry in self.items("computation"):
            indicator = self.get(f"{entry}.indicator", _INDICATOR)
            if indicator and not vocabulary.indicator_exists(indicator):
                self.error(f"{entry}.indicator", f"unknown SDG indicator '{indicator}'")
                indicator = None
            elif indicator and indicator not in mapped:
                self.warn(
                    f"{entry}.indicator",
                    f"indicator {indicator} is not among sdg_mappings; add a mapping for it",
                )
            series = self.get(f"{entry}.series", _TEXT)
            if series:
                self._series(vocabulary, f"{entry}.series", series, indicator)

    def _geography(self, vocabulary: Vocabulary) -> None:
        country = self.get("geography.country", _COUNTRY)
        country_area = vocabulary.country_area(country) if country else None
        if country and country_area is None:
            self.error("geography.country", f"unknown country code '{country}'")
        for entry in self.items("geography.areas"):
            area = self.get(entry, _AREA)
            if not area:
                continue
            if not vocabulary.area_exists(area):
                self.error(entry, f"unknown REF_AREA code '{area}'")
            elif country_area and not vocabulary.area_within(area, country_area):
                self.error(entry, f"area {area} is not in {country} (REF_AREA {country_area})")
        producer_country = self.get("producer.organisation.country", _COUNTRY)
        if producer_country and vocabulary.country_area(producer_country) is None:
            self.error(
                "producer.organisation.country", f"unknown country code '{producer_country}'"
            )

    def _target_groups(self, vocabulary: Vocabulary) -> None:
        seen: set[str] = set()
        for entry in self.items("target_groups"):
            code = self.get(f"{entry}.code", _TEXT)
            if not code:
                continue
            if not vocabulary.target_group_exists(code):
                self.error(f"{entry}.code", f"unknown target group (CUST_BREAKDOWN) '{code}'")
            elif code in seen:
                self.warn(f"{entry}.code", f"target group {code} is listed twice")
            seen.add(code)

    def _unit(self, vocabulary: Vocabulary) -> None:
        unit = self.get("unit_of_measure", _TEXT)
        if unit and not vocabulary.unit_exists(unit):
            self.error("unit_of_measure", f"unknown UNIT_MEASURE code '{unit}'")


_EARLY_STAGES = (EngagementStage.DESIGN, EngagementStage.COLLECTION)
