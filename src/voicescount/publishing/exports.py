"""A release as files: its observations as a tidy CSV (streamed), and the facts its discovery
documents (``publishing.discovery``) are built from.

The CSV depends on nothing but what was published: the release's rows in
``published_observation`` (written once) and the release's own labels. It leaves out
CITATION_REF and REVIEW_ORG, which SDMX messages derive from the deployment's URL and the
office's name, so that neither a new base URL nor a renamed office changes a byte, or the hash
recorded in the manifest. Its SHA-256 is computed by streaming it once per process (cached:
a release never changes).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, col, select

from voicescount.errors import NotFound, StructureError
from voicescount.intake import lookup
from voicescount.intake.periods import InvalidPeriod, period_range
from voicescount.provenance import citation
from voicescount.publishing import citing, discovery, feeds
from voicescount.publishing import service as publishing
from voicescount.publishing.catalogue import PROVIDER_SCHEME_ID, PROVIDER_SCHEME_VERSION
from voicescount.publishing.discovery import Links, ReleaseFacts
from voicescount.registry import repository, voices
from voicescount.sdmx.structures import parse_ref, short_ref
from voicescount.sdmx.writers.base import value_text
from voicescount.storage import published
from voicescount.storage.tables import (
    Blob,
    CommunitySeries,
    Dataset,
    DatasetVersion,
    DsdComponent,
    Organisation,
    PublishedObservation,
    Release,
    SdgIndicator,
    SdgSeriesIndicator,
    StructureArtefact,
    Upload,
)
from voicescount.storage.tables.intake import DIMENSIONS, OTHER_ATTRIBUTES
from voicescount.types import ArtefactType

#: Columns set from the release itself (the same on every row).
RELEASE_COLUMNS: tuple[str, ...] = ("PRODUCER_TYPE", "REVIEW_DECISION", "QUALITY_OUTCOME")
#: The tidy CSV's header: the series-key dimensions, time, value, then the attributes.
CSV_COLUMNS: tuple[str, ...] = (
    *DIMENSIONS,
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_STATUS",
    "UNWEIGHTED_N",
    "CONF_STATUS",
    *OTHER_ATTRIBUTES,
    *RELEASE_COLUMNS,
)
_NUMBERS = frozenset({"OBS_VALUE", "LOWER_BOUND", "UPPER_BOUND"})
_INTEGERS = frozenset({"UNWEIGHTED_N"})
#: Bytes gathered before a chunk of the CSV is sent.
CHUNK_BYTES = 64 * 1024


# ------------------------------------------------------------------------------------------
# The CSV


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return value_text(value)
    return str(value)


def csv_chunks(session: Session, release: Release) -> Iterator[bytes]:
    """The release's observations as RFC 4180 CSV (UTF-8, CRLF), in series-key and period
    order, a chunk at a time (memory stays flat)."""
    assert release.id is not None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    constant = [release.producer_type, release.decision, release.quality_outcome or ""]
    rows = published.rows(session, published.Filter(release_ids=[release.id]))
    for _, series_key, period, value, unit, mult, status, count, conf, others in rows:
        extra = json.loads(others) if isinstance(others, str) else (others or {})
        writer.writerow(
            [
                *series_key.split("."),
                period,
                _cell(value),
                _cell(unit),
                _cell(mult),
                # As in the SDMX feeds: a published row without a status is a normal value (A),
                # one without a confidentiality status is free (F).
                status or "A",
                _cell(count),
                conf or "F",
                *(_cell(extra.get(attribute)) for attribute in OTHER_ATTRIBUTES),
                *constant,
            ]
        )
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


#: (release uid, content hash, count) → (SHA-256, bytes) of its CSV. A release's rows are
#: written once, so an entry stays true for the life of the process.
_DIGESTS: dict[tuple[str, str, int], tuple[str, int]] = {}
_DIGESTS_LIMIT = 4096


def csv_digest(session: Session, release: Release) -> tuple[str, int]:
    """SHA-256 (hex) and length of the release's CSV."""
    key = (release.uid, release.content_hash, release.observation_count)
    found = _DIGESTS.get(key)
    if found is None:
        hasher, size = hashlib.sha256(), 0
        for chunk in csv_chunks(session, release):
            hasher.update(chunk)
            size += len(chunk)
        found = (hasher.hexdigest(), size)
        if len(_DIGESTS) >= _DIGESTS_LIMIT:
            _DIGESTS.clear()
        _DIGESTS[key] = found
    return found


def disseminated(session: Session, release_uid: str) -> Release:
    """A release whose data are still served; a withdrawn one is reported as not found."""
    release = publishing.get_release(session, release_uid)
    if release.withdrawn_at is not None:
        raise NotFound(
            "release data",
            release_uid,
            f"Release {release_uid} was withdrawn on {release.withdrawn_at:%Y-%m-%d}; its data "
            "are no longer disseminated (the release's manifest stays as a tombstone).",
        )
    return release


# ------------------------------------------------------------------------------------------
# Facts


def release_facts(
    session: Session, release: Release, links: Links, *, digest: bool = True
) -> ReleaseFacts:
    """Everything the discovery documents say about ``release``; ``digest=False`` leaves out
    the CSV's hash and size (which read all of its rows once per process)."""
    assert release.id is not None
    dataset = session.get(Dataset, release.dataset_id)
    version = session.get(DatasetVersion, release.version_id)
    provider = session.get(Organisation, release.organisation_id)
    steward = session.get(Organisation, release.steward_id) if release.steward_id else None
    assert dataset is not None and version is not None and provider is not None
    metadata: dict[str, Any] = version.metadata_ or {}
    flow, dsd = _structures(session, release, links.agency)
    assert dsd.id is not None
    components = {c.component_id: c for c in repository.components(session, dsd.id)}
    dsd_ref = short_ref(dsd.agency_id, dsd.artefact_id, dsd.version)
    csv_sha256, csv_bytes = csv_digest(session, release) if digest else (None, None)
    series = _distinct(session, release.id, PublishedObservation.series)
    areas = _distinct(session, release.id, PublishedObservation.ref_area)
    periods = _distinct(session, release.id, PublishedObservation.time_period)
    goals, targets, indicators = _sdg_codes(session, metadata, series)
    described = publishing.describe(session, release)
    provider_iri = links.structure(
        ArtefactType.DATAPROVIDERSCHEME,
        short_ref(links.agency, PROVIDER_SCHEME_ID, PROVIDER_SCHEME_VERSION, provider.slug),
    )
    return ReleaseFacts(
        uid=release.uid,
        dataset=dataset.uid,
        title=dataset.title,
        description=str(metadata.get("abstract") or release.caveat or dataset.title),
        version=version.number,
        content_hash=release.content_hash,
        metadata_sha256=discovery.canonical_sha256(metadata),
        uploads=tuple(_uploads(session, version)),
        observation_count=release.observation_count,
        csv_sha256=csv_sha256,
        csv_bytes=csv_bytes,
        published_at=release.published_at,
        decision=release.decision,
        quality_outcome=release.quality_outcome,
        producer_type=release.producer_type,
        caveat=release.caveat,
        provider=discovery.Party(provider.slug, provider.name, provider_iri),
        steward=discovery.Party(steward.slug, steward.name) if steward else None,
        previous=_previous(session, release),
        flow=short_ref(flow.agency_id, flow.artefact_id, flow.version),
        dsd=dsd_ref,
        columns=tuple(_columns(session, components)),
        status=described["status"],
        superseded_by=described["superseded_by"],
        superseded_at=release.superseded_at,
        withdrawn_at=release.withdrawn_at,
        withdrawn_reason=release.withdrawn_reason,
        doi=release.doi,
        licence=metadata.get("licence"),
        licence_url=metadata.get("licence_url"),
        keywords=tuple(metadata.get("keywords") or ()),
        languages=tuple(metadata.get("languages") or ()),
        creators=tuple(_creators(metadata)),
        contact=_contact(metadata),
        version_notes=metadata.get("version_notes"),
        periodicity=metadata.get("periodicity"),
        kind_of_data=metadata.get("kind_of_data"),
        country=_alpha3().get(str((metadata.get("geography") or {}).get("country", ""))),
        goals=goals,
        targets=targets,
        indicators=indicators,
        series=tuple(
            discovery.Series(code, name)
            for code, name in _names(session, components.get("SERIES"), series)
        ),
        areas=tuple(
            discovery.Area(code, name, getattr(components.get("REF_AREA"), "codelist", None))
            for code, name in _names(session, components.get("REF_AREA"), areas)
        ),
        temporal=_temporal(periods, metadata),
        citation=citation.datacite_text(
            citing.release_record(session, release, base_url=links.base, agency=links.agency)
        ),
    )


def current_facts(session: Session, links: Links) -> list[ReleaseFacts]:
    """Facts of every release in the current feed, oldest first, without CSV hashes: a
    catalogue request must not read every release's data (each release's DCAT has them)."""
    return [
        release_facts(session, release, links, digest=False)
        for release in publishing.list_releases(session, current_only=True)
    ]


def catalogue(session: Session, links: Links) -> dict[str, Any]:
    """The DCAT-AP catalogue of every current release."""
    return discovery.dcat_catalog(
        current_facts(session, links), links, modified=feeds.last_change(session)
    )


def _structures(
    session: Session, release: Release, agency: str
) -> tuple[StructureArtefact, StructureArtefact]:
    """The dataflow and DSD the release was published under: the newest generation stored by
    the time it was published (publishing stores a new one first, when series were added)."""
    flows = repository.find_artefacts(
        session,
        artefact_type=ArtefactType.DATAFLOW.value,
        agency=agency,
        artefact_id=voices.FLOW_ID,
    )
    if not flows:
        raise NotFound("dataflow", f"{agency}:{voices.FLOW_ID}")
    earlier = [f for f in flows if f.created_at <= release.published_at] or flows
    flow = max(earlier, key=lambda f: repository.version_key(f.version))
    ref = parse_ref(flow.details["structure"])
    dsd = repository.get_artefact(
        session, ArtefactType.DATASTRUCTURE.value, ref.agency, ref.id, ref.version
    )
    if dsd is None or dsd.id is None:
        raise NotFound("datastructure", str(ref))
    return flow, dsd


def _distinct(session: Session, release_id: int, column: Any) -> list[str]:
    statement = select(column).where(PublishedObservation.release_id == release_id).distinct()
    return sorted(str(value) for value in session.exec(statement) if value is not None)


def _uploads(session: Session, version: DatasetVersion) -> Iterator[discovery.UploadFile]:
    statement = (
        select(Upload, Blob)
        .join(Blob, col(Blob.sha256) == col(Upload.blob_sha256))
        .where(Upload.version_id == version.id, Upload.status == "accepted")
        .order_by(col(Upload.id))
    )
    for upload, blob in session.exec(statement):
        yield discovery.UploadFile(
            filename=upload.filename,
            sha256=upload.blob_sha256,
            size=blob.size,
            media_type=upload.media_type,
            format=upload.format,
            rows=upload.rows_stored,
        )


def _previous(session: Session, release: Release) -> str | None:
    """The release of the same dataset just before this one, whatever became of it."""
    statement = (
        select(Release.uid)
        .where(Release.dataset_id == release.dataset_id, col(Release.id) < release.id)
        .order_by(col(Release.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def _concept_names(session: Session, components: dict[str, DsdComponent]) -> dict[str, str]:
    """``AGENCY:SCHEME(VERSION).CONCEPT`` → English name, for the concepts of the components."""
    by_scheme: dict[str, list[str]] = {}
    for component in components.values():
        ref = parse_ref(component.concept)
        if ref.item:
            by_scheme.setdefault(ref.maintainable, []).append(ref.item)
    names: dict[str, str] = {}
    for scheme, concepts in by_scheme.items():
        ref = parse_ref(scheme)
        row = repository.get_artefact(
            session, ArtefactType.CONCEPTSCHEME.value, ref.agency, ref.id, ref.version
        )
        if row is None or row.id is None:
            continue
        for item in repository.items(session, row.id, ids=concepts):
            name = item.names.get("en") or next(iter(item.names.values()), None)
            if name:
                names[f"{scheme}.{item.item_id}"] = name
    return names


def _columns(session: Session, components: dict[str, DsdComponent]) -> Iterator[discovery.Column]:
    names = _concept_names(session, components)
    for column in CSV_COLUMNS:
        component = components.get(column)
        role = component.role if component else "attribute"
        kind = "number" if column in _NUMBERS else "integer" if column in _INTEGERS else "string"
        yield discovery.Column(
            id=column,
            role=role,
            type=kind,
            title=names.get(component.concept) if component else None,
            concept=component.concept if component else None,
            codelist=component.codelist if component else None,
            required=role in ("dimension", "time_dimension"),
        )


def _names(
    session: Session, component: DsdComponent | None, codes: list[str]
) -> Iterator[tuple[str, str | None]]:
    found: dict[str, str] = {}
    if component is not None and component.codelist:
        try:
            found = lookup.codelist_items(session, component.codelist).names
        except StructureError:  # an unregistered codelist: codes without names, not a failure
            found = {}
    for code in codes:
        yield code, found.get(code) or None


def _sdg_codes(
    session: Session, metadata: dict[str, Any], series: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Goals, targets and indicators the release informs: those its metadata maps it to, and
    those of the series it carries (global series by indicator, community series by target)."""
    indicators: set[str] = set()
    targets: set[str] = set()
    for mapping in metadata.get("sdg_mappings") or ():
        if mapping.get("indicator"):
            indicators.add(str(mapping["indicator"]))
        if mapping.get("target"):
            targets.add(str(mapping["target"]))
    if series:
        statement = (
            select(SdgIndicator.code, SdgIndicator.target_code)
            .join(
                SdgSeriesIndicator,
                col(SdgSeriesIndicator.indicator_code) == col(SdgIndicator.code),
            )
            .where(col(SdgSeriesIndicator.series_code).in_(series))
        )
        for indicator, target in session.exec(statement):
            indicators.add(indicator)
            targets.add(target)
        for community in session.exec(
            select(CommunitySeries).where(col(CommunitySeries.code).in_(series))
        ):
            targets.add(community.sdg_target)
            indicators.update(community.sdg_indicators)
    targets.update(".".join(code.split(".")[:2]) for code in indicators)
    goals = {code.split(".")[0] for code in targets}
    return _sorted_codes(goals), _sorted_codes(targets), _sorted_codes(indicators)


def _sorted_codes(codes: set[str]) -> tuple[str, ...]:
    def key(code: str) -> tuple[tuple[int, str], ...]:
        return tuple((int(p), "") if p.isdigit() else (10**6, p) for p in code.split("."))

    return tuple(sorted(codes, key=key))


def _creators(metadata: dict[str, Any]) -> Iterator[discovery.Creator]:
    for creator in metadata.get("creators") or ():
        yield discovery.Creator(
            name=str(creator.get("name", "")),
            kind=str(creator.get("type", "organisation")),
            orcid=creator.get("orcid"),
            ror=creator.get("ror"),
            affiliation=creator.get("affiliation"),
        )


def _contact(metadata: dict[str, Any]) -> tuple[str, str] | None:
    contact = metadata.get("contact_point") or {}
    if contact.get("name") and contact.get("email"):
        return str(contact["name"]), str(contact["email"])
    return None


def _temporal(periods: list[str], metadata: dict[str, Any]) -> tuple[date, date] | None:
    """The days the published periods span; the metadata's reference period if none parse."""
    spans = []
    for period in periods:
        try:
            spans.append(period_range(period))
        except InvalidPeriod:
            continue
    if spans:
        return min(s[0] for s in spans), max(s[1] for s in spans)
    reference = metadata.get("reference_period") or {}
    try:
        return date.fromisoformat(reference["start"]), date.fromisoformat(reference["end"])
    except (KeyError, TypeError, ValueError):
        return None


@lru_cache(maxsize=1)
def _alpha3() -> dict[str, str]:
    text = resources.files("voicescount.registry.data").joinpath("countries.csv").read_text("utf-8")
    return {row["alpha2"]: row["alpha3"] for row in csv.DictReader(text.splitlines())}
