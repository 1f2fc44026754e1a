"""Reference sources: an official SDG data message, read, checked whole, and stored or refused.

A statistics office loads official figures (its national SDG platform's message, an extract of
the UN Global SDG Database) so that community data can be shown beside them. What is read:

* **SDMX-ML 2.1** data messages, generic or structure-specific, by sdmx1 (``sdmx.read_sdmx``).
  Structure-specific data is read without a DSD: sdmx1 then takes every series-level XML
  attribute for a key value, which is harmless here because the SDG dimensions are picked out by
  id and everything else is kept as an attribute. Before sdmx1 sees the file, intake's SDMX-ML
  parser checks its root and header, so a structure message, SDMX-ML 3.0 or a document type
  declaration (entities) is refused with the same words an upload would get.
* **SDMX-CSV 1.0 and 2.0**, by intake's parsers (sdmx1 2.28 reads only SDMX-CSV 2.x, and only
  with the DSD at hand).

Every observation must have SERIES, REF_AREA and TIME_PERIOD; its value must be a number (an
empty value or ``NaN`` is counted and left out). Areas are translated to voicescount's codes
where the file uses another notation for a country (``KE``, ``KEN``, ``0404`` → ``404``); other
codes are kept as given and listed in the summary when voicescount does not know them, since
they can never match community data. Any problem refuses the whole file with every problem
listed; nothing is stored, not even the bytes. A loaded file is kept in the blob store and its
SHA-256 labels every comparison made with it.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import sdmx
from lxml import etree
from sqlalchemy import Table, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    StructureError,
    UnreadableFile,
)
from voicescount.intake import lookup
from voicescount.intake.parsers import HEAD_SIZE, detect
from voicescount.intake.parsers._common import EXTRA
from voicescount.intake.parsers.sdmx_ml import MES
from voicescount.intake.periods import InvalidPeriod, period_range
from voicescount.provenance import audit
from voicescount.registry import voices
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import Blob, ReferenceObservation, ReferenceSource
from voicescount.storage.tables.intake import DIMENSIONS
from voicescount.storage.types import utcnow

#: The formats a reference source may come in (intake's parser names).
FORMATS = ("sdmx-ml-generic", "sdmx-ml-structure-specific", "sdmx-csv-1", "sdmx-csv-2")
_SDMX_ML = FORMATS[:2]
#: The disaggregation dimensions of the SDG DSD (everything after SERIES and REF_AREA).
BREAKDOWNS: tuple[str, ...] = DIMENSIONS[4:]
#: Attributes with a column of their own; the others go to the ``attributes`` JSON.
_CORE = ("UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS")
_NOT_ATTRIBUTES = frozenset({*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", "ACTION", EXTRA, *_CORE})
#: How many problems a refusal lists (all are counted).
MAX_PROBLEMS = 100
#: Values that mean "no value" in SDMX data.
_MISSING = frozenset({"", "nan", "NaN", "NAN"})
_BATCH = 5_000

_observation: Table = ReferenceObservation.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# Areas


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """alpha-2 → M49, alpha-3 → M49, and the M49 codes of countries (unpadded, as CL_AREA)."""
    text = resources.files("voicescount.registry.data").joinpath("countries.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return (
        {r["alpha2"]: r["m49"] for r in rows},
        {r["alpha3"]: r["m49"] for r in rows},
        frozenset(r["m49"] for r in rows),
    )


@dataclass(frozen=True)
class Areas:
    """voicescount's area codes (CL_AREA) and how they relate to countries."""

    codes: frozenset[str]
    parents: dict[str, str | None]
    names: dict[str, str]

    @classmethod
    def of(cls, session: Session, agency: str) -> Areas:
        """From the registry; without one loaded, countries alone (from the package data)."""
        try:
            items = lookup.codelist_items(session, f"{agency}:CL_AREA({voices.VERSION})")
        except StructureError:
            return cls(frozenset(), {}, {})
        return cls(items.codes, items.parents, items.names)

    def normalise(self, code: str) -> str:
        """Another notation of a country → voicescount's M49 code (``KE``, ``KEN``, ``0404`` →
        ``404``); any other code as it is.

        The global CL_AREA has ``KE`` beside ``404`` for Kenya, but voicescount (and the UN
        Global SDG Database) write countries in M49, so alpha codes are translated even though
        CL_AREA lists them.
        """
        alpha2, alpha3, countries = _countries()
        if code in countries:
            return code
        upper = code.upper()
        if upper in alpha2 or upper in alpha3:
            return alpha2.get(upper) or alpha3[upper]
        if code.isdigit():
            unpadded = str(int(code))
            if unpadded in countries or unpadded in self.codes:
                return unpadded
        return code

    def country_of(self, code: str) -> str | None:
        """The M49 code of the country an area lies in (itself for a country), if known."""
        alpha2, _, countries = _countries()
        seen: set[str] = set()
        current: str | None = self.normalise(code)
        while current is not None and current not in seen:
            if current in countries:
                return current
            seen.add(current)
            current = self.parents.get(current)
        # An ISO 3166-2 code the registry does not list still names its country.
        prefix, dash, _ = code.partition("-")
        return alpha2.get(prefix) if dash else None

    def known(self, code: str) -> bool:
        return code in self.codes or code in _countries()[2]

    def name(self, code: str) -> str | None:
        return self.names.get(code)


# ------------------------------------------------------------------------------------------
# Reading


@dataclass
class Message:
    """An official data message opened for reading: what its header says, and its rows."""

    format: str
    structure: str | None
    dataset: str | None
    sender: str | None
    prepared: datetime | None
    #: (row number, component id → text) per observation, in file order.
    rows: Iterator[tuple[int, dict[str, str]]]
    #: How a row number is said: ``line`` (CSV) or ``observation`` (SDMX-ML).
    unit: str = "observation"


def read_message(
    path: Path, *, media_type: str | None = None, filename: str | None = None
) -> Message:
    """Open an official data message; :class:`UnreadableFile` if it is not one."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    parser_class = detect(head, media_type, filename)
    if parser_class.format not in FORMATS:
        raise UnreadableFile(
            f"This looks like a {parser_class.format} file. A reference source is an official "
            "SDG data message: SDMX-ML 2.1 (generic or structure-specific) or SDMX-CSV 1.0/2.0.",
            location="file",
        )
    # Intake's parser checks the root and the header first (and refuses a DOCTYPE), so sdmx1
    # only ever sees a well-formed SDMX-ML 2.1 data message without entities.
    parser = parser_class(path)
    if parser_class.format in _SDMX_ML:
        return _read_sdmx_ml(path, parser_class.format, parser.declared_structure)
    return Message(
        format=parser_class.format,
        structure=parser.declared_structure,
        dataset=parser.declared_structure,
        sender=None,
        prepared=None,
        rows=((row.number, row.values) for row in parser.rows()),
        unit="line",
    )


class _NoStructureWarning(logging.Filter):
    """Drops sdmx1's warning that it reads structure-specific data without the DSD: the rows
    are checked against the SDG codelists afterwards, so the warning tells the operator nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "got no structure" not in record.getMessage()


logging.getLogger("sdmx.reader.xml.v21").addFilter(_NoStructureWarning())


def _read_sdmx_ml(path: Path, format_: str, structure: str | None) -> Message:
    try:
        with path.open("rb") as handle:
            message = sdmx.read_sdmx(handle, format="XML")
    except Exception as exc:  # sdmx1 raises many kinds; each means the same thing here
        raise UnreadableFile(
            f"sdmx1 could not read the SDMX-ML message: {exc}", location="file"
        ) from exc
    header = getattr(message, "header", None)
    sender = getattr(getattr(header, "sender", None), "id", None)
    prepared = getattr(header, "prepared", None)
    if isinstance(prepared, datetime) and prepared.tzinfo is None:
        prepared = prepared.replace(tzinfo=UTC)
    return Message(
        format=format_,
        structure=structure,
        dataset=_dataset_id(path) or structure,
        sender=str(sender) if sender else None,
        prepared=prepared if isinstance(prepared, datetime) else None,
        rows=_sdmx1_rows(message),
    )


def _dataset_id(path: Path) -> str | None:
    """The header's ``DataSetID`` (sdmx1 does not keep it)."""
    with path.open("rb") as handle:
        context = etree.iterparse(
            handle, events=("end",), resolve_entities=False, no_network=True, load_dtd=False
        )
        try:
            for _, element in context:
                if element.tag == f"{{{MES}}}DataSetID":
                    return (element.text or "").strip() or None
                if element.tag in (f"{{{MES}}}Header", f"{{{MES}}}DataSet"):
                    return None
        except etree.XMLSyntaxError:
            return None
    return None


def _text(value: Any) -> str:
    """A key or attribute value as text (sdmx1 gives strings, codes or AttributeValues)."""
    value = getattr(value, "value", value)
    value = getattr(value, "id", value)
    return "" if value is None else str(value).strip()


def _sdmx1_rows(message: Any) -> Iterator[tuple[int, dict[str, str]]]:
    number = 0
    for dataset in message.data:
        action = getattr(dataset, "action", None)
        common = {key: _text(value) for key, value in dataset.attrib.items()}
        if action is not None and "delete" in str(action).lower():
            common["ACTION"] = "D"
        for observation in dataset.obs:
            number += 1
            values = dict(common)
            if observation.series_key is not None:
                values.update(
                    (key, _text(value)) for key, value in observation.series_key.attrib.items()
                )
            values.update((key, _text(value)) for key, value in observation.key.values.items())
            values.update((key, _text(value)) for key, value in observation.attrib.items())
            values["OBS_VALUE"] = _text(observation.value)
            yield number, values


# ------------------------------------------------------------------------------------------
# Checking


@dataclass
class _Check:
    """Problems found so far (all counted, the first ``MAX_PROBLEMS`` kept)."""

    unit: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, number: int, component: str, value: str, message: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                {
                    "location": f"{self.unit} {number}",
                    "row": number,
                    "component": component,
                    "value": value,
                    "message": message,
                }
            )


def _not_sdg(values: dict[str, str]) -> InvalidInput:
    missing = [c for c in ("SERIES", "REF_AREA", "TIME_PERIOD") if c not in values]
    found = ", ".join(sorted(k for k in values if k != EXTRA)) or "none"
    return InvalidInput(
        f"This message does not hold SDG data: its observations have no "
        f"{', '.join(missing)} (components found: {found}). A reference source is keyed like "
        "the SDG DSD (SERIES, REF_AREA, TIME_PERIOD and the disaggregations). Nothing was stored.",
        errors=[{"location": "file", "message": f"missing components: {', '.join(missing)}"}],
    )


def _check_rows(
    message: Message, areas: Areas, max_rows: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows to store (without ``source_id``) and the summary; refuses on any problem."""
    check = _Check(message.unit)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    normalised: dict[str, str] = {}
    read = without_value = 0
    for number, values in message.rows:
        read += 1
        if read > max_rows:
            raise PayloadTooLarge(
                f"The message holds more than {max_rows:,} observations, the limit of this "
                "deployment; load an extract (fewer series or areas)."
            )
        if read == 1 and not {"SERIES", "REF_AREA", "TIME_PERIOD"} <= values.keys():
            raise _not_sdg(values)
        row = _check_row(number, values, check, areas, normalised)
        if row is None:
            continue
        if row["obs_value"] is None:
            without_value += 1
            continue
        key = (row["series_key"], row["time_period"])
        if key in seen:
            check.add(
                number,
                "TIME_PERIOD",
                row["time_period"],
                f"the same series key and period as {message.unit} {seen[key]}: each official "
                "observation may appear once",
            )
            continue
        seen[key] = number
        rows.append(row)
    if read == 0:
        raise InvalidInput(
            "The message holds no observations; nothing was stored.",
            errors=[{"location": "file", "message": "no observations"}],
        )
    if check.count:
        raise InvalidInput(
            f"The reference source was refused: {check.count} problem"
            f"{'s' if check.count != 1 else ''} in {read} observations. Nothing was stored; "
            "fix the file and load it again.",
            errors=check.problems,
        )
    if not rows:
        raise InvalidInput(
            f"None of the {read} observations has a value; nothing was stored.",
            errors=[{"location": "file", "message": "no observation with a value"}],
        )
    return rows, _summary(rows, normalised, areas, read, without_value)


def _check_row(
    number: int,
    values: dict[str, str],
    check: _Check,
    areas: Areas,
    normalised: dict[str, str],
) -> dict[str, Any] | None:
    """The row to store (``obs_value`` None when it has no value), or None after problems."""
    before = check.count
    if values.get(EXTRA):
        check.add(number, "", values[EXTRA], "cells beyond the header")
    if values.get("ACTION", "").upper() == "D":
        check.add(number, "ACTION", "D", "a deletion: a reference source holds figures only")
    codes: dict[str, str] = {}
    for dimension in DIMENSIONS:
        code = values.get(dimension, "").strip()
        if dimension in ("SERIES", "REF_AREA") and not code:
            check.add(number, dimension, "", f"{dimension} is missing")
        elif "." in code:
            check.add(number, dimension, code, "a code may not contain '.'")
        codes[dimension] = code or ("_T" if dimension in BREAKDOWNS else "")
    period = values.get("TIME_PERIOD", "").strip()
    year = 0
    try:
        year = period_range(period)[0].year
    except InvalidPeriod as exc:
        check.add(number, "TIME_PERIOD", period, str(exc) if period else "TIME_PERIOD is missing")
    text = values.get("OBS_VALUE", "").strip()
    value: float | None = None
    if text not in _MISSING:
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            check.add(number, "OBS_VALUE", text, "not a number")
    if check.count > before:
        return None
    source_area = codes["REF_AREA"]
    area = normalised.get(source_area)
    if area is None:
        area = normalised[source_area] = areas.normalise(source_area)
    codes["REF_AREA"] = area
    attributes = {
        key: text
        for key, text in values.items()
        if key not in _NOT_ATTRIBUTES and text and not key.startswith("__")
    }
    return {
        "row_number": number,
        "series_key": ".".join(codes[d] for d in DIMENSIONS),
        "series": codes["SERIES"],
        "ref_area": area,
        "source_area": source_area if source_area != area else None,
        "time_period": period,
        "year": year,
        "obs_value": value,
        "unit_measure": values.get("UNIT_MEASURE") or None,
        "unit_mult": values.get("UNIT_MULT") or None,
        "obs_status": values.get("OBS_STATUS") or None,
        "attributes": attributes or None,
    }


def _summary(
    rows: list[dict[str, Any]],
    normalised: dict[str, str],
    areas: Areas,
    read: int,
    without_value: int,
) -> dict[str, Any]:
    stored_areas = sorted({r["ref_area"] for r in rows})
    periods = sorted({r["time_period"] for r in rows})
    return {
        "observations_read": read,
        "observations": len(rows),
        "without_value": without_value,
        "series": sorted({r["series"] for r in rows}),
        "areas": stored_areas,
        # Codes voicescount does not know never match community data; the admin should know.
        "unknown_areas": [a for a in stored_areas if not areas.known(a)][:MAX_PROBLEMS],
        "translated_areas": {raw: code for raw, code in sorted(normalised.items()) if raw != code},
        "periods": {"first": periods[0], "last": periods[-1]},
    }


# ------------------------------------------------------------------------------------------
# Loading, listing, deleting


def require_admin(principal: Principal) -> None:
    """Loading and deleting reference sources is for admins of a statistics office."""
    if not principal.is_deployment_admin:
        raise PermissionDenied(
            "Only an admin of a statistics office (steward) loads or deletes reference sources."
        )


async def spool(chunks: AsyncIterator[bytes], path: Path, *, max_bytes: int) -> int:
    """Write a request body to ``path`` as it arrives (never whole in memory); its size."""
    size = 0
    with path.open("wb") as out:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"The reference file exceeds the limit of {max_bytes:,} bytes; load an "
                    "extract (fewer series or areas)."
                )
            out.write(chunk)
    return size


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file (hex), as a loaded source records it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _clean(value: str | None, field_name: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(
            f"Give the reference source a {field_name}; comparisons are labelled with it.",
            errors=[{"field": field_name, "message": "must not be empty"}],
        )
    if len(text) > limit:
        raise InvalidInput(
            f"The {field_name} is {len(text)} characters long; the limit is {limit}.",
            errors=[{"field": field_name, "message": f"at most {limit} characters"}],
        )
    return text or None


def _agency_of(structure: str | None) -> str | None:
    if structure and ":" in structure:
        return structure.split(":", 1)[0]
    return None


def load(
    session: Session,
    path: Path,
    *,
    name: str,
    agency: str | None,
    actor: str,
    store: BlobStore,
    area_agency: str,
    max_rows: int,
    organisation_id: int | None = None,
    filename: str | None = None,
    media_type: str | None = None,
) -> ReferenceSource:
    """Read, check and store an official data message as a reference source, and **commit**.

    All or nothing: any problem raises before anything is written, and the bytes only enter the
    blob store once the whole file has been read and found sound.
    """
    clean_name = _clean(name, "name", 200, required=True)
    clean_agency = _clean(agency, "agency", 100, required=False)
    assert clean_name is not None
    _no_clash(session, name=clean_name)
    sha256 = sha256_of(path)
    _no_clash(session, sha256=sha256)
    message = read_message(path, media_type=media_type, filename=filename)
    areas = Areas.of(session, area_agency)
    rows, summary = _check_rows(message, areas, max_rows)
    with path.open("rb") as handle:
        stored = store.put_file(handle)
    try:
        if session.get(Blob, stored.sha256) is None:
            session.add(Blob(sha256=stored.sha256, size=stored.size))
        source = ReferenceSource(
            name=clean_name,
            agency=(clean_agency or _agency_of(message.structure) or message.sender or "")[:100]
            or None,
            dataset=(message.dataset or "")[:300] or None,
            structure=(message.structure or "")[:300] or None,
            sender=(message.sender or "")[:100] or None,
            prepared=message.prepared,
            format=message.format,
            filename=(filename or "")[:300] or None,
            blob_sha256=stored.sha256,
            observation_count=len(rows),
            summary=summary,
            loaded_at=utcnow(),
            loaded_by=actor,
            organisation_id=organisation_id,
        )
        session.add(source)
        session.flush()
        assert source.id is not None
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            for row in batch:
                row["source_id"] = source.id
            # One executemany per batch (multi-row VALUES on psycopg), not an ORM object each.
            session.execute(insert(_observation), batch)
        audit.append(
            session,
            actor=actor,
            action="reference.load",
            subject=f"reference-source:{source.id}",
            details={
                "name": source.name,
                "agency": source.agency,
                "dataset": source.dataset,
                "sha256": source.blob_sha256,
                "bytes": stored.size,
                "format": source.format,
                "observations": source.observation_count,
            },
        )
        session.commit()
    except IntegrityError:
        # Another load of the same name or file won the race.
        session.rollback()
        _no_clash(session, name=clean_name)
        _no_clash(session, sha256=sha256)
        raise
    except BaseException:
        session.rollback()
        raise
    session.refresh(source)
    return source


def _no_clash(session: Session, *, name: str | None = None, sha256: str | None = None) -> None:
    if name is not None:
        same = session.exec(select(ReferenceSource).where(ReferenceSource.name == name)).first()
        if same is not None:
            raise Conflict(
                f"A reference source is already named {name!r} (id {same.id}); choose another "
                "name, or delete that source first to replace it."
            )
    if sha256 is not None:
        same = session.exec(
            select(ReferenceSource).where(ReferenceSource.blob_sha256 == sha256)
        ).first()
        if same is not None:
            raise Conflict(
                f"This file (SHA-256 {sha256}) is already loaded as reference source {same.id} "
                f"({same.name!r})."
            )


def list_sources(session: Session) -> list[ReferenceSource]:
    return list(session.exec(select(ReferenceSource).order_by(col(ReferenceSource.id))))


def get_source(session: Session, source_id: int) -> ReferenceSource:
    source = session.get(ReferenceSource, source_id)
    if source is None:
        raise NotFound("reference source", str(source_id))
    return source


def delete_source(session: Session, source_id: int, *, actor: str) -> ReferenceSource:
    """Remove a source and its observations, and **commit**; the file stays in the blob store
    and the audit log keeps its name and SHA-256."""
    source = get_source(session, source_id)
    session.execute(delete(_observation).where(_observation.c.source_id == source_id))
    session.delete(source)
    audit.append(
        session,
        actor=actor,
        action="reference.delete",
        subject=f"reference-source:{source_id}",
        details={"name": source.name, "sha256": source.blob_sha256},
    )
    session.commit()
    return source
