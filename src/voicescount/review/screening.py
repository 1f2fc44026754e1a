"""Automatic screening of a submitted version: what a methodologist would check first. Pure.

Three classes of check, each issue itemised with where it was found:

- ``validation``: the intake validation re-run on every accepted file against the metadata as
  submitted (the metadata may have changed after the file was uploaded);
- ``consistency``: metadata against data — periods inside the reference period, areas inside
  the declared geography, population groups declared, no cell resting on more units than the
  sample reached;
- ``personal_data``: likely names, phone numbers, e-mail addresses, identity numbers or GPS
  points in free text and in the columns of the files that were not kept.

A ``blocking`` issue returns the version to the coalition; a ``warning`` goes to the reviewer.
The caller gathers the inputs (database, blob store); this module only judges them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from voicescount.intake.periods import InvalidPeriod, period_range
from voicescount.review import personal_data

VALIDATION = "validation"
CONSISTENCY = "consistency"
PERSONAL_DATA = "personal_data"

BLOCKING = "blocking"
WARNING = "warning"

#: Issues kept per check code; the rest are counted (a million bad rows make one point).
KEEP_PER_CODE = 50

#: Metadata fields where names, e-mails and numbers are there on purpose (the coalition's
#: contact point, credited people, identifiers of systems and approvals).
PUBLIC_METADATA_FIELDS = (
    "contact_point",
    "creators",
    "contributors",
    "producer",
    "source_system",
    "ethics.approval",
    "processing_steps",
    "derived_from",
    "licence_url",
    "instruments",
    "sdg_mappings",
    "licence",
    "languages",
    "keywords",
    "reference_period",
    "collection_period",
    "geography",
    "target_groups",
)

#: Observation attributes written as free text.
TEXT_ATTRIBUTES = ("COMMENT_OBS", "SOURCE_DETAIL", "TIME_DETAIL")

#: Dimension positions in a series key (see storage.tables.intake.DIMENSIONS).
_REF_AREA, _CUST_BREAKDOWN = 3, 10
#: CUST_BREAKDOWN codes that are totals or "not applicable", not population groups.
_NOT_GROUPS = frozenset({"_T", "_Z", "_X", "_N"})


@dataclass(frozen=True)
class ScreeningIssue:
    check: str
    code: str
    severity: str
    #: Where: ``metadata.abstract``, ``upload 3, row 14, column 'Phone'``, ``observation row 12``.
    where: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UploadCheck:
    """One accepted file as screening sees it."""

    upload_id: int
    filename: str | None
    #: Columns the mapping did not keep (unused or listed under ``ignore_columns``).
    dropped_columns: tuple[str, ...] = ()
    #: The re-run validation's issues (``intake.validate.Issue.as_dict()``), errors first.
    revalidation_issues: tuple[dict[str, Any], ...] = ()
    revalidation_errors: int = 0
    #: Values of the dropped columns: (row number, column, text), as far as they were read.
    dropped_values: tuple[tuple[int, str, str], ...] = ()


@dataclass(frozen=True)
class ObservationRow:
    row_number: int
    series_key: str
    time_period: str
    unweighted_n: int | None
    attributes: dict[str, Any] | str | None


@dataclass(frozen=True)
class Geography:
    """The geography of the metadata, with the code list's hierarchy to judge areas by."""

    country_area: str | None
    areas: tuple[str, ...]
    area_within: Callable[[str, str], bool]


@dataclass
class Result:
    issues: list[ScreeningIssue] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    blocking: int = 0
    warnings: int = 0

    def add(self, issue: ScreeningIssue) -> None:
        self.counts[issue.code] += 1
        if issue.severity == BLOCKING:
            self.blocking += 1
        else:
            self.warnings += 1
        if self.counts[issue.code] <= KEEP_PER_CODE:
            self.issues.append(issue)

    def summary(self) -> dict[str, Any]:
        return {
            "blocking": self.blocking,
            "warnings": self.warnings,
            "by_code": dict(sorted(self.counts.items())),
            "issues": [issue.as_dict() for issue in self.issues],
            "issues_shown": len(self.issues),
        }


# ------------------------------------------------------------------------------------------
# The checks


def check_uploads(result: Result, uploads: Iterable[UploadCheck]) -> None:
    for upload in uploads:
        label = f"upload {upload.upload_id}" + (f" ({upload.filename})" if upload.filename else "")
        if upload.revalidation_errors:
            for issue in upload.revalidation_issues:
                if issue.get("severity") != "error":
                    continue
                place = [label]
                if issue.get("row") is not None:
                    place.append(f"row {issue['row']}")
                if issue.get("column"):
                    place.append(f"column {issue['column']!r}")
                result.add(
                    ScreeningIssue(
                        VALIDATION,
                        f"revalidation-{issue.get('issue', 'error')}",
                        BLOCKING,
                        ", ".join(place),
                        f"{issue.get('message')} (the file was checked again against the "
                        "metadata as submitted)",
                    )
                )
        for column in upload.dropped_columns:
            kind = personal_data.column_kind(column)
            if kind is not None:
                result.add(
                    ScreeningIssue(
                        PERSONAL_DATA,
                        f"column-{kind}",
                        BLOCKING,
                        f"{label}, column {column!r}",
                        f"the file has a column {column!r}, which looks like it holds "
                        f"{personal_data.COLUMN_KIND_NAMES[kind]}; it was not stored as data, "
                        "but the file itself is kept: remove the column from the export and "
                        "upload the file again",
                    )
                )
        for row, column, text in upload.dropped_values:
            for match in personal_data.scan_text(text):
                result.add(
                    ScreeningIssue(
                        PERSONAL_DATA,
                        f"value-{match.kind}",
                        BLOCKING,
                        f"{label}, row {row}, column {column!r}",
                        f"{match.masked} looks like {match.description}; the file is kept as "
                        "submitted, so remove it from the export and upload the file again",
                    )
                )


def check_metadata_text(result: Result, metadata: dict[str, Any]) -> None:
    allowed = _published_contacts(metadata)
    for path, text in personal_data.scan_mapping(metadata):
        if _is_public_field(path):
            continue
        for match in personal_data.scan_text(text, allowed=allowed):
            result.add(
                ScreeningIssue(
                    PERSONAL_DATA,
                    f"text-{match.kind}",
                    BLOCKING,
                    f"metadata.{path}",
                    f"{match.masked} looks like {match.description}; metadata are public, so "
                    "remove it or say it in words that identify nobody",
                )
            )


def check_findings(
    result: Result,
    findings: Iterable[dict[str, Any]],
    metadata: dict[str, Any],
    geography: Geography,
) -> None:
    allowed = _published_contacts(metadata)
    declared_groups = _declared_groups(metadata)
    for position, finding in enumerate(findings, start=1):
        where = f"finding {position}"
        for field_name in ("statement", "evidence"):
            for match in personal_data.scan_text(finding.get(field_name) or "", allowed=allowed):
                result.add(
                    ScreeningIssue(
                        PERSONAL_DATA,
                        f"text-{match.kind}",
                        BLOCKING,
                        f"{where}, {field_name}",
                        f"{match.masked} looks like {match.description}; findings are "
                        "published, so say it in words that identify nobody",
                    )
                )
        for area in finding.get("areas") or []:
            if not _area_declared(area, geography):
                result.add(
                    ScreeningIssue(
                        CONSISTENCY,
                        "finding-area-undeclared",
                        WARNING,
                        f"{where}, areas",
                        f"area {area} is not within the geography the metadata declare",
                    )
                )
        for group in finding.get("target_groups") or []:
            if declared_groups and group not in declared_groups:
                result.add(
                    ScreeningIssue(
                        CONSISTENCY,
                        "finding-group-undeclared",
                        WARNING,
                        f"{where}, target_groups",
                        f"group {group} is not among the target groups the metadata declare "
                        f"({', '.join(sorted(declared_groups))})",
                    )
                )


class ObservationScan:
    """One pass over a version's observations, collecting what consistency checks need."""

    def __init__(self, result: Result, metadata: dict[str, Any]) -> None:
        self.result = result
        self.allowed = _published_contacts(metadata)
        self.periods: dict[str, int] = {}
        self.areas: dict[str, int] = {}
        self.groups: dict[str, int] = {}
        self.max_n: tuple[int, int] | None = None  # (n, row)
        self.rows = 0
        self.rows_with_n = 0

    def add(self, row: ObservationRow) -> None:
        self.rows += 1
        self.periods.setdefault(row.time_period, row.row_number)
        codes = row.series_key.split(".")
        if len(codes) > _CUST_BREAKDOWN:
            self.areas.setdefault(codes[_REF_AREA], row.row_number)
            self.groups.setdefault(codes[_CUST_BREAKDOWN], row.row_number)
        if row.unweighted_n is not None:
            self.rows_with_n += 1
            if self.max_n is None or row.unweighted_n > self.max_n[0]:
                self.max_n = (row.unweighted_n, row.row_number)
        attributes = row.attributes
        if isinstance(attributes, str):
            attributes = json.loads(attributes)
        for attribute in TEXT_ATTRIBUTES:
            text = (attributes or {}).get(attribute)
            if isinstance(text, str):
                for match in personal_data.scan_text(text, allowed=self.allowed):
                    self.result.add(
                        ScreeningIssue(
                            PERSONAL_DATA,
                            f"text-{match.kind}",
                            BLOCKING,
                            f"observation row {row.row_number}, {attribute}",
                            f"{match.masked} looks like {match.description}; observation "
                            "comments are published with the value",
                        )
                    )


def check_consistency(
    result: Result,
    scan: ObservationScan,
    metadata: dict[str, Any],
    geography: Geography,
) -> None:
    if scan.rows == 0:
        return
    _check_periods(result, scan, metadata)
    _check_areas(result, scan, geography)
    _check_groups(result, scan, metadata)
    _check_sample(result, scan, metadata)


def _check_periods(result: Result, scan: ObservationScan, metadata: dict[str, Any]) -> None:
    window = _window(metadata.get("reference_period"))
    if window is None:
        return
    for period, row in sorted(scan.periods.items()):
        try:
            start, end = period_range(period)
        except InvalidPeriod:
            continue
        if start < window[0] or end > window[1]:
            result.add(
                ScreeningIssue(
                    CONSISTENCY,
                    "period-outside-reference",
                    BLOCKING,
                    f"observation row {row} (and any other with TIME_PERIOD {period})",
                    f"TIME_PERIOD {period} ({start}–{end}) is not within the reference period "
                    f"the metadata declare ({window[0]}–{window[1]}); correct one of them",
                )
            )


def _check_areas(result: Result, scan: ObservationScan, geography: Geography) -> None:
    declared = set(geography.areas)
    for area, row in sorted(scan.areas.items()):
        if area in ("_T", "_Z"):
            continue
        if _area_declared(area, geography):
            continue
        outside_country = geography.country_area is not None and not geography.area_within(
            area, geography.country_area
        )
        result.add(
            ScreeningIssue(
                CONSISTENCY,
                "area-outside-country" if outside_country else "area-undeclared",
                BLOCKING,
                f"observation row {row} (and any other with REF_AREA {area})",
                f"REF_AREA {area} is "
                + (
                    f"outside the country the metadata declare ({geography.country_area})"
                    if outside_country
                    else "not within the areas the metadata declare "
                    f"({', '.join(sorted(declared))}); add it to geography.areas or correct "
                    "the rows"
                ),
            )
        )
    for area in sorted(declared):
        if not any(a == area or geography.area_within(a, area) for a in scan.areas):
            result.add(
                ScreeningIssue(
                    CONSISTENCY,
                    "area-without-data",
                    WARNING,
                    "metadata.geography.areas",
                    f"area {area} is declared but no observation is about it (findings may be)",
                )
            )


def _check_groups(result: Result, scan: ObservationScan, metadata: dict[str, Any]) -> None:
    declared = _declared_groups(metadata)
    in_data = {g: row for g, row in scan.groups.items() if g not in _NOT_GROUPS}
    for group, row in sorted(in_data.items()):
        if group not in declared:
            result.add(
                ScreeningIssue(
                    CONSISTENCY,
                    "group-undeclared",
                    BLOCKING,
                    f"observation row {row} (and any other with CUST_BREAKDOWN {group})",
                    f"population group {group} is in the data but not among the target groups "
                    "the metadata declare"
                    + (f" ({', '.join(sorted(declared))})" if declared else " (none)")
                    + "; declare how its members were identified",
                )
            )
    if in_data:
        for group in sorted(declared - set(in_data)):
            result.add(
                ScreeningIssue(
                    CONSISTENCY,
                    "group-without-data",
                    WARNING,
                    "metadata.target_groups",
                    f"target group {group} is declared but no observation is about it",
                )
            )


def _check_sample(result: Result, scan: ObservationScan, metadata: dict[str, Any]) -> None:
    achieved = _sample_size(metadata)
    if achieved is not None and scan.max_n is not None and scan.max_n[0] > achieved[1]:
        n, row = scan.max_n
        result.add(
            ScreeningIssue(
                CONSISTENCY,
                "n-exceeds-sample",
                BLOCKING,
                f"observation row {row}",
                f"UNWEIGHTED_N {n:,} is more than the {achieved[1]:,} units {achieved[0]} "
                "declares; a cell cannot rest on more people than were reached",
            )
        )
    if scan.rows_with_n == 0 and achieved is not None and _quantitative(metadata):
        result.add(
            ScreeningIssue(
                CONSISTENCY,
                "n-missing",
                WARNING,
                "observations, UNWEIGHTED_N",
                "no observation states its unweighted n; disclosure control treats every cell "
                "as too small to check and will ask the reviewer to confirm each one",
            )
        )


# ------------------------------------------------------------------------------------------
# Helpers


def _published_contacts(metadata: dict[str, Any]) -> frozenset[str]:
    contact = metadata.get("contact_point") or {}
    return frozenset(
        v.strip() for v in (contact.get("email"), contact.get("phone")) if isinstance(v, str)
    )


def _is_public_field(path: str) -> bool:
    return any(
        path == public or path.startswith((public + ".", public + "["))
        for public in PUBLIC_METADATA_FIELDS
    )


def _declared_groups(metadata: dict[str, Any]) -> set[str]:
    return {
        g["code"]
        for g in metadata.get("target_groups") or []
        if isinstance(g, dict) and isinstance(g.get("code"), str)
    }


def _area_declared(area: str, geography: Geography) -> bool:
    if geography.country_area is not None and area == geography.country_area:
        return True
    if not geography.areas:
        return geography.country_area is None or geography.area_within(area, geography.country_area)
    return any(area == d or geography.area_within(area, d) for d in geography.areas)


def _window(period: Any) -> tuple[date, date] | None:
    if not isinstance(period, dict):
        return None
    try:
        start = date.fromisoformat(str(period.get("start"))[:10])
        end = date.fromisoformat(str(period.get("end"))[:10])
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _sample_size(metadata: dict[str, Any]) -> tuple[str, int] | None:
    sampling = metadata.get("sampling")
    if isinstance(sampling, dict) and isinstance(sampling.get("size_achieved"), int):
        return "sampling.size_achieved", sampling["size_achieved"]
    for block in ("scorecard", "qualitative_methods"):
        section = metadata.get(block)
        if isinstance(section, dict) and isinstance(section.get("participants_by_group"), dict):
            counts = [v for v in section["participants_by_group"].values() if isinstance(v, int)]
            if counts:
                return f"{block}.participants_by_group (in total)", sum(counts)
    return None


def _quantitative(metadata: dict[str, Any]) -> bool:
    return metadata.get("kind_of_data") in ("household_survey", "community_scorecard")
