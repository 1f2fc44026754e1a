"""What harvesters and citation tools read about a release, built from plain facts (no I/O).

:func:`manifest` lists what a release is made of, with hashes, so anyone can check later that
what they fetch is what was published. :func:`dcat_dataset` and :func:`dcat_catalog` describe
releases in DCAT-AP (JSON-LD, inline context, so parsing never fetches anything) for CKAN and
data.europa.eu-style portals; :func:`schema_org_dataset` is the schema.org ``Dataset`` search
engines index; :func:`datapackage` is a Frictionless Data Package whose one CSV resource carries
its size and SHA-256, and whose Table Schema points each coded column at its SDMX codelist.

:class:`ReleaseFacts` is gathered from the database by ``publishing.exports``; every builder
here is a pure function of it and of :class:`Links` (the deployment's public URLs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from voicescount.intake import licences
from voicescount.sdmx import formats
from voicescount.sdmx.formats import MediaType
from voicescount.sdmx.structures import parse_ref, urn
from voicescount.types import ArtefactType

#: Namespaces of the DCAT-AP documents, given inline so no parser has to fetch a context.
DCAT_CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: The UN's SDG knowledge organisation system: goals, targets and indicators as SKOS concepts.
SDG_KOS = "http://metadata.un.org/sdg"
#: EU vocabularies DCAT-AP recommends for countries, frequencies and access rights.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types"
SPDX_LICENCES = "http://spdx.org/licenses"
DATA_PACKAGE_SPEC = "https://specs.frictionlessdata.io/data-package/"

#: Methodology ``periodicity`` → EU frequency authority code.
FREQUENCIES: dict[str, str] = {
    "one_off": "NEVER",
    "continuous": "CONT",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semi_annual": "ANNUAL_2",
    "annual": "ANNUAL",
    "irregular": "IRREG",
}

#: The SDMX representations a release is offered in: (format label, title, media type, tree).
#: SDMX-ML 3.0 is only on the 2.x tree; the rest use the 1.5 tree's provider filter.
SDMX_DISTRIBUTIONS: tuple[tuple[str, MediaType, str], ...] = (
    ("SDMX-ML 2.1 generic data", formats.GENERIC_21, "v1"),
    ("SDMX-ML 2.1 structure-specific data", formats.STRUCTURE_SPECIFIC_21, "v1"),
    ("SDMX-ML 3.0 data", formats.DATA_ML_30, "v2"),
    ("SDMX-JSON 1.0 data", formats.DATA_JSON_10, "v1"),
    ("SDMX-JSON 2.0 data", formats.DATA_JSON_20, "v1"),
    ("SDMX-CSV 1.0 data", formats.DATA_CSV_10, "v1"),
    ("SDMX-CSV 2.0 data", formats.DATA_CSV_20, "v1"),
)

CSV_MEDIA_TYPE = "text/csv"


# ------------------------------------------------------------------------------------------
# Facts


@dataclass(frozen=True)
class Party:
    """An organisation of the deployment: the coalition (provider) or the statistics office."""

    id: str
    name: str
    #: A dereferenceable IRI, where there is one (a coalition's SDMX DataProvider item).
    iri: str | None = None


@dataclass(frozen=True)
class Creator:
    """A creator named in the methodology metadata (DataCite creator)."""

    name: str
    kind: str  # "person" or "organisation"
    orcid: str | None = None
    ror: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class UploadFile:
    """A file the coalition uploaded and that went into the release."""

    filename: str | None
    sha256: str
    size: int
    media_type: str | None
    format: str | None
    rows: int


@dataclass(frozen=True)
class Column:
    """A column of the release's tidy CSV, and the DSD component behind it."""

    id: str
    #: ``dimension``, ``time_dimension``, ``measure`` or ``attribute``.
    role: str
    #: Table Schema type: ``string``, ``number`` or ``integer``.
    type: str
    title: str | None = None
    #: ``AGENCY:SCHEME(VERSION).CONCEPT`` and ``AGENCY:CODELIST(VERSION)``, where the DSD says.
    concept: str | None = None
    codelist: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Area:
    """A REF_AREA code the release has data for, with its codelist and name."""

    code: str
    name: str | None
    codelist: str | None


@dataclass(frozen=True)
class Series:
    code: str
    name: str | None


@dataclass(frozen=True)
class ReleaseFacts:
    """Everything the discovery documents say about one release."""

    uid: str
    dataset: str
    title: str
    description: str
    version: int
    content_hash: str
    metadata_sha256: str
    uploads: tuple[UploadFile, ...]
    observation_count: int
    #: SHA-256 and length of the release's tidy CSV (``GET …/data.csv``); ``None`` when not
    #: gathered (the catalogue leaves them to each release's own document).
    csv_sha256: str | None
    csv_bytes: int | None
    published_at: datetime
    decision: str
    quality_outcome: str | None
    producer_type: str
    caveat: str | None
    provider: Party
    steward: Party | None
    previous: str | None
    #: SDMX references: the dataflow and DSD the release was published under.
    flow: str
    dsd: str
    columns: tuple[Column, ...]
    # Changes after publication (supersession, withdrawal, a DOI minted later).
    status: str = "current"
    superseded_by: str | None = None
    superseded_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None
    doi: str | None = None
    # From the methodology metadata.
    licence: str | None = None
    licence_url: str | None = None
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    creators: tuple[Creator, ...] = ()
    contact: tuple[str, str] | None = None  # (name, e-mail)
    version_notes: str | None = None
    periodicity: str | None = None
    kind_of_data: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-3
    # From the published observations and the SDG framework.
    goals: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    areas: tuple[Area, ...] = ()
    temporal: tuple[date, date] | None = None
    #: The recommended citation (``provenance.citation``'s DataCite text form), if gathered.
    citation: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True)
class Links:
    """The public URLs of a deployment (``base`` is ``Settings.base_url``)."""

    base: str
    agency: str

    @property
    def root(self) -> str:
        return self.base.rstrip("/")

    def release(self, uid: str) -> str:
        return f"{self.root}/api/v1/releases/{uid}"

    def manifest(self, uid: str) -> str:
        return f"{self.release(uid)}/manifest"

    def datapackage(self, uid: str) -> str:
        return f"{self.release(uid)}/datapackage.json"

    def data_csv(self, uid: str) -> str:
        return f"{self.release(uid)}/data.csv"

    def catalogue(self) -> str:
        return f"{self.root}/api/v1/catalogue/dcat"

    def structure(self, kind: ArtefactType, ref: str) -> str:
        """SDMX-REST 2.x URL of an artefact (or of one item) given as ``AGENCY:ID(VERSION)``."""
        parsed = parse_ref(ref)
        url = f"{self.root}/sdmx/v2/structure/{kind.value}/{parsed.agency}/{parsed.id}/{parsed.version}"
        return f"{url}/{parsed.item}" if parsed.item else url

    def sdmx_data(self, facts: ReleaseFacts, tree: str = "v1", label: str | None = None) -> str:
        """The provider's data as they stood when the release was published (``asOf``): the
        release, and any other release of the coalition current at that moment."""
        flow = parse_ref(facts.flow)
        params = {"asOf": timestamp(facts.published_at)}
        if label:
            params["format"] = label
        if tree == "v2":
            path = (
                f"/sdmx/v2/data/provisionagreement/{flow.agency}/"
                f"{facts.provider.id}_{flow.id}/{flow.version}/*"
            )
        else:
            path = (
                f"/sdmx/v1/data/{flow.agency},{flow.id},{flow.version}/all/"
                f"{self.agency},{facts.provider.id}"
            )
        return f"{self.root}{path}?{urlencode(params, safe=':')}"


# ------------------------------------------------------------------------------------------
# Small helpers


def timestamp(moment: datetime) -> str:
    """An ISO 8601 UTC time with microseconds and ``Z`` (exact enough for ``asOf``)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def canonical_sha256(payload: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8), as intake hashes metadata."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def licence_url(facts: ReleaseFacts) -> str | None:
    """Where the licence is: the SPDX page of a listed licence, else the URL the coalition gave."""
    if facts.licence and facts.licence in licences.SPDX_LICENCES:
        return f"{SPDX_LICENCES}/{facts.licence}"
    return facts.licence_url


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{doi}" if doi else None


def citation(facts: ReleaseFacts, links: Links) -> str:
    """How to cite the release, on one line: the gathered citation (``provenance.citation``'s
    DataCite form with its notes), else title, version and identifier."""
    if facts.citation:
        return " ".join(line.strip() for line in facts.citation.splitlines() if line.strip())
    where = doi_url(facts.doi) or links.release(facts.uid)
    return f"{facts.title}. Version {facts.version}. {where}"


def _component_urn(ref: str, cls: str) -> str:
    parsed = parse_ref(ref)
    package = "conceptscheme" if cls == "Concept" else "codelist"
    base = (
        f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={parsed.agency}:{parsed.id}({parsed.version})"
    )
    return f"{base}.{parsed.item}" if parsed.item else base


def codelist_urn(ref: str) -> str:
    parsed = parse_ref(ref)
    return urn(ArtefactType.CODELIST, parsed.agency, parsed.id, parsed.version)


def _typed(value: str, datatype: str) -> dict[str, str]:
    return {"@value": value, "@type": datatype}


def _ids(values: Iterable[str]) -> list[dict[str, str]]:
    return [{"@id": value} for value in values]


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    """Drop members without a value, so documents never say ``null`` or ``[]``."""
    return {k: v for k, v in node.items() if v not in (None, [], {}, "")}


# ------------------------------------------------------------------------------------------
# The manifest


#: Members of the manifest that say where things are, not what they are: the fingerprint
#: leaves them out, so moving the deployment to a new address keeps every release's fingerprint.
_LOCATIONS = ("url", "data_url")


def manifest(facts: ReleaseFacts, links: Links) -> dict[str, Any]:
    """What the release is made of, with hashes. ``sha256`` fingerprints everything in it that
    never changes: all but ``doi`` and ``lifecycle`` (which change after publication) and the
    URLs (which change if the deployment moves)."""
    assert facts.csv_sha256 is not None, "a manifest needs the CSV's hash"
    pinned: dict[str, Any] = {
        "release": facts.uid,
        "url": links.release(facts.uid),
        "dataset": facts.dataset,
        "version": facts.version,
        "title": facts.title,
        "content_hash": facts.content_hash,
        "metadata_sha256": facts.metadata_sha256,
        "uploads": [
            {
                "filename": u.filename,
                "sha256": u.sha256,
                "size": u.size,
                "media_type": u.media_type,
                "format": u.format,
                "rows": u.rows,
            }
            for u in facts.uploads
        ],
        "observations": {
            "count": facts.observation_count,
            "sha256": facts.csv_sha256,
            "bytes": facts.csv_bytes,
            "media_type": f"{CSV_MEDIA_TYPE}; charset=utf-8; header=present",
            "url": links.data_csv(facts.uid),
        },
        "published_at": timestamp(facts.published_at),
        "provider": {"id": facts.provider.id, "name": facts.provider.name},
        "steward": {"id": facts.steward.id, "name": facts.steward.name} if facts.steward else None,
        "decision": facts.decision,
        "quality_outcome": facts.quality_outcome,
        "producer_type": facts.producer_type,
        "caveat": facts.caveat,
        "previous_release": facts.previous,
        "sdmx": {
            "dataflow": facts.flow,
            "datastructure": facts.dsd,
            "data_url": links.sdmx_data(facts),
        },
    }
    return {
        **pinned,
        "sha256": canonical_sha256(_without_locations(pinned)),
        "doi": facts.doi,
        "lifecycle": {
            "status": facts.status,
            "superseded_by": facts.superseded_by,
            "superseded_at": timestamp(facts.superseded_at) if facts.superseded_at else None,
            "withdrawn_at": timestamp(facts.withdrawn_at) if facts.withdrawn_at else None,
            "withdrawn_reason": facts.withdrawn_reason,
        },
    }


def _without_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items() if k not in _LOCATIONS}
    if isinstance(value, list):
        return [_without_locations(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------
# DCAT-AP


def _agent(party: Party) -> dict[str, Any]:
    node = {"@type": "foaf:Organization", "foaf:name": party.name, "dct:identifier": party.id}
    return {"@id": party.iri, **node} if party.iri else node


def _creator_agent(creator: Creator) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "foaf:Person" if creator.kind == "person" else "foaf:Organization",
        "foaf:name": creator.name,
    }
    if creator.orcid:
        node["@id"] = f"https://orcid.org/{creator.orcid}"
    elif creator.ror:
        node["@id"] = f"https://ror.org/{creator.ror}"
    return node


def _spatial(facts: ReleaseFacts, links: Links) -> list[dict[str, Any]]:
    places: list[dict[str, Any]] = []
    if facts.country:
        places.append({"@id": f"{EU_AUTHORITY}/country/{facts.country}"})
    for area in facts.areas:
        node: dict[str, Any] = {
            "@type": "dct:Location",
            "skos:notation": area.code,
            "skos:prefLabel": area.name,
        }
        if area.codelist:
            item = f"{area.codelist}.{area.code}"
            node["@id"] = links.structure(ArtefactType.CODELIST, item)
            node["dct:identifier"] = _component_urn(item, "Code")
        places.append(_compact(node))
    return places


def _temporal(facts: ReleaseFacts) -> dict[str, Any] | None:
    if facts.temporal is None:
        return None
    start, end = facts.temporal
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": _typed(start.isoformat(), "xsd:date"),
        "dcat:endDate": _typed(end.isoformat(), "xsd:date"),
    }


def _language(tag: str) -> dict[str, str]:
    return {"@id": f"http://id.loc.gov/vocabulary/iso639-1/{tag.split('-')[0].lower()}"}


def _distributions(facts: ReleaseFacts, links: Links) -> list[dict[str, Any]]:
    if facts.withdrawn:
        return []  # its data left every feed; nothing is distributed any more
    licence = licence_url(facts)
    common = _compact(
        {
            "dct:license": {"@id": licence} if licence else None,
            "dct:issued": _typed(timestamp(facts.published_at), "xsd:dateTime"),
        }
    )
    release = links.release(facts.uid)
    csv: dict[str, Any] = {
        "@id": f"{release}#csv",
        "@type": "dcat:Distribution",
        "dct:title": "Observations (CSV)",
        "dct:description": "The release's observations as a tidy CSV: one row per observation, "
        "one column per dimension and attribute, exactly as published.",
        "dcat:accessURL": {"@id": links.data_csv(facts.uid)},
        "dcat:downloadURL": {"@id": links.data_csv(facts.uid)},
        "dcat:mediaType": {"@id": f"{IANA_MEDIA_TYPES}/{CSV_MEDIA_TYPE}"},
        "dct:format": CSV_MEDIA_TYPE,
        "dct:conformsTo": {"@id": links.datapackage(facts.uid)},
        **common,
    }
    if facts.csv_sha256 is not None:
        csv["spdx:checksum"] = {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": _typed(facts.csv_sha256, "xsd:hexBinary"),
        }
        csv["dcat:byteSize"] = _typed(str(facts.csv_bytes), "xsd:nonNegativeInteger")
    result = [csv]
    for title, media, tree in SDMX_DISTRIBUTIONS:
        result.append(
            {
                "@id": f"{release}#sdmx-{media.label}",
                "@type": "dcat:Distribution",
                "dct:title": title,
                "dct:description": "The coalition's data through SDMX-REST as they stood when "
                "this release was published (asOf).",
                "dcat:accessURL": {"@id": links.sdmx_data(facts, tree)},
                "dcat:downloadURL": {"@id": links.sdmx_data(facts, tree, media.label)},
                "dcat:mediaType": {"@id": f"{IANA_MEDIA_TYPES}/{media.base}"},
                "dct:format": media.content_type,
                "dct:conformsTo": {"@id": links.structure(ArtefactType.DATASTRUCTURE, facts.dsd)},
                **common,
            }
        )
    result.append(
        {
            "@id": f"{release}#datapackage",
            "@type": "dcat:Distribution",
            "dct:title": "Frictionless Data Package",
            "dcat:accessURL": {"@id": links.datapackage(facts.uid)},
            "dcat:downloadURL": {"@id": links.datapackage(facts.uid)},
            "dcat:mediaType": {"@id": f"{IANA_MEDIA_TYPES}/application/json"},
            "dct:format": "application/json",
            "dct:conformsTo": {"@id": DATA_PACKAGE_SPEC},
            **common,
        }
    )
    return result


def dcat_dataset(facts: ReleaseFacts, links: Links) -> dict[str, Any]:
    """A ``dcat:Dataset`` node (no ``@context``) for one release."""
    release = links.release(facts.uid)
    licence = licence_url(facts)
    doi = doi_url(facts.doi)
    creators = [_creator_agent(c) for c in facts.creators] + [_agent(facts.provider)]
    node: dict[str, Any] = {
        "@id": release,
        "@type": "dcat:Dataset",
        "dct:identifier": release,
        "dct:title": facts.title,
        "dct:description": facts.description,
        "dct:publisher": _agent(facts.steward) if facts.steward else None,
        "dct:creator": creators,
        "dct:rightsHolder": _agent(facts.provider),
        "dct:issued": _typed(timestamp(facts.published_at), "xsd:dateTime"),
        "dct:modified": _typed(timestamp(facts.published_at), "xsd:dateTime"),
        "dct:license": {"@id": licence, "@type": "dct:LicenseDocument"} if licence else None,
        "dct:accessRights": {"@id": f"{EU_AUTHORITY}/access-right/PUBLIC"},
        "dcat:theme": _ids(f"{SDG_KOS}/{goal}" for goal in facts.goals),
        "dct:subject": _ids(f"{SDG_KOS}/{code}" for code in (*facts.targets, *facts.indicators)),
        "dcat:keyword": list(facts.keywords),
        "dct:spatial": _spatial(facts, links),
        "dct:temporal": _temporal(facts),
        "dct:language": [_language(tag) for tag in facts.languages],
        "dct:accrualPeriodicity": {
            "@id": f"{EU_AUTHORITY}/frequency/{FREQUENCIES[facts.periodicity]}"
        }
        if facts.periodicity in FREQUENCIES
        else None,
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": facts.contact[0],
            "vcard:hasEmail": {"@id": f"mailto:{facts.contact[1]}"},
        }
        if facts.contact
        else None,
        "dcat:landingPage": {"@id": release, "@type": "foaf:Document"},
        "foaf:page": {"@id": links.manifest(facts.uid), "@type": "foaf:Document"},
        "dct:conformsTo": {"@id": links.structure(ArtefactType.DATASTRUCTURE, facts.dsd)},
        "dct:provenance": {"@type": "dct:ProvenanceStatement", "rdfs:label": facts.caveat}
        if facts.caveat
        else None,
        "dct:type": {"@id": f"{EU_AUTHORITY}/dataset-type/STATISTICAL"},
        "dcat:version": str(facts.version),
        "owl:versionInfo": str(facts.version),
        "adms:versionNotes": facts.version_notes,
        "dcat:previousVersion": {"@id": links.release(facts.previous)} if facts.previous else None,
        "dct:replaces": {"@id": links.release(facts.previous)} if facts.previous else None,
        "dct:isReplacedBy": {"@id": links.release(facts.superseded_by)}
        if facts.superseded_by
        else None,
        "adms:identifier": {
            "@id": doi,
            "@type": "adms:Identifier",
            "skos:notation": facts.doi,
            "adms:schemaAgency": "DataCite",
        }
        if doi
        else None,
        "owl:sameAs": {"@id": doi} if doi else None,
        "dcat:distribution": _distributions(facts, links),
    }
    return _compact(node)


def dcat_document(facts: ReleaseFacts, links: Links) -> dict[str, Any]:
    """The DCAT-AP JSON-LD document of one release."""
    return {"@context": DCAT_CONTEXT, **dcat_dataset(facts, links)}


def dcat_catalog(
    releases: Sequence[ReleaseFacts], links: Links, *, modified: datetime | None
) -> dict[str, Any]:
    """The ``dcat:Catalog`` of the given (current) releases."""
    publisher = {
        "@id": links.root,
        "@type": "foaf:Agent",
        "foaf:name": f"voicescount ({links.agency})",
    }
    return _compact(
        {
            "@context": DCAT_CONTEXT,
            "@id": links.catalogue(),
            "@type": "dcat:Catalog",
            "dct:title": f"Community-generated SDG data ({links.agency})",
            "dct:description": "Citizen-generated data on the Sustainable Development Goals, "
            "reviewed by national statistics offices and published as SDMX. Each dataset is "
            "one immutable release; superseded versions stay retrievable at their own URL.",
            "dct:publisher": publisher,
            "foaf:homepage": {"@id": links.root},
            "dct:modified": _typed(timestamp(modified), "xsd:dateTime") if modified else None,
            "dcat:themeTaxonomy": {"@id": SDG_KOS},
            "dct:language": _language("en"),
            "dcat:dataset": [dcat_dataset(f, links) for f in releases],
        }
    )


# ------------------------------------------------------------------------------------------
# schema.org


def _schema_creator(creator: Creator) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "Person" if creator.kind == "person" else "Organization",
        "name": creator.name,
    }
    if creator.orcid:
        node["sameAs"] = f"https://orcid.org/{creator.orcid}"
    if creator.ror:
        node["sameAs"] = f"https://ror.org/{creator.ror}"
    if creator.affiliation and creator.kind == "person":
        node["affiliation"] = {"@type": "Organization", "name": creator.affiliation}
    return node


def schema_org_dataset(facts: ReleaseFacts, links: Links) -> dict[str, Any]:
    """The schema.org ``Dataset`` of a release (what Google Dataset Search reads)."""
    release = links.release(facts.uid)
    doi = doi_url(facts.doi)
    text = citation(facts, links)
    distribution = []
    if not facts.withdrawn:
        distribution.append(
            _compact(
                {
                    "@type": "DataDownload",
                    "name": "Observations (CSV)",
                    "encodingFormat": CSV_MEDIA_TYPE,
                    "contentUrl": links.data_csv(facts.uid),
                    "contentSize": f"{facts.csv_bytes} B" if facts.csv_bytes is not None else None,
                    "sha256": facts.csv_sha256,
                }
            )
        )
        distribution += [
            {
                "@type": "DataDownload",
                "name": title,
                "encodingFormat": media.content_type,
                "contentUrl": links.sdmx_data(facts, tree, media.label),
            }
            for title, media, tree in SDMX_DISTRIBUTIONS
        ]
    temporal = f"{facts.temporal[0]}/{facts.temporal[1]}" if facts.temporal else None
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": release,
        "name": facts.title,
        "description": facts.description,
        "url": release,
        "identifier": [value for value in (doi, release) if value],
        "sameAs": doi,
        "version": str(facts.version),
        "datePublished": timestamp(facts.published_at),
        "creator": [_schema_creator(c) for c in facts.creators]
        or [{"@type": "Organization", "name": facts.provider.name}],
        "provider": {"@type": "Organization", "name": facts.provider.name},
        "publisher": {"@type": "Organization", "name": facts.steward.name}
        if facts.steward
        else None,
        "license": licence_url(facts),
        "isAccessibleForFree": True,
        "keywords": list(facts.keywords),
        "inLanguage": list(facts.languages),
        "temporalCoverage": temporal,
        "spatialCoverage": [
            _compact({"@type": "Place", "name": area.name or area.code, "identifier": area.code})
            for area in facts.areas
        ],
        "variableMeasured": [
            _compact({"@type": "PropertyValue", "propertyID": s.code, "name": s.name or s.code})
            for s in facts.series
        ],
        "measurementTechnique": facts.kind_of_data.replace("_", " ")
        if facts.kind_of_data
        else None,
        "about": [
            {"@type": "Thing", "@id": f"{SDG_KOS}/{goal}", "name": f"SDG {goal}"}
            for goal in facts.goals
        ],
        "citation": text,
        "creditText": text,
        "distribution": distribution,
        "includedInDataCatalog": {"@type": "DataCatalog", "url": links.catalogue()},
    }
    return _compact(node)


# ------------------------------------------------------------------------------------------
# Frictionless Data Package


def _field(column: Column, links: Links) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"name": column.id, "type": column.type}
    if column.title:
        descriptor["title"] = column.title
    sdmx: dict[str, Any] = {"component": column.id, "role": column.role}
    if column.concept:
        sdmx["concept"] = _component_urn(column.concept, "Concept")
    if column.codelist:
        url = links.structure(ArtefactType.CODELIST, column.codelist)
        sdmx["codelist"] = codelist_urn(column.codelist)
        sdmx["codelistUrl"] = url
        descriptor["description"] = f"A code of the SDMX codelist {column.codelist}: {url}"
    descriptor["sdmx"] = sdmx
    if column.required:
        descriptor["constraints"] = {"required": True}
    return descriptor


def datapackage(facts: ReleaseFacts, links: Links) -> dict[str, Any]:
    """A Frictionless (tabular) Data Package with the release's CSV as its one resource."""
    assert facts.csv_sha256 is not None, "a data package needs the CSV's hash"
    licence = facts.licence
    sources = [
        {"title": f"{facts.provider.name} (data provider)", "path": links.release(facts.uid)},
        {
            "title": "SDMX-REST data as published (SDMX-CSV 1.0)",
            "path": links.sdmx_data(facts, "v1", formats.DATA_CSV_10.label),
        },
    ]
    contributors = [{"title": c.name, "role": "author"} for c in facts.creators]
    if facts.steward:
        contributors.append({"title": facts.steward.name, "role": "publisher"})
    keys = [c.id for c in facts.columns if c.role in ("dimension", "time_dimension")]
    return _compact(
        {
            "profile": "tabular-data-package",
            "name": facts.uid.lower(),
            "id": doi_url(facts.doi) or links.release(facts.uid),
            "title": facts.title,
            "description": facts.description,
            "version": str(facts.version),
            "created": timestamp(facts.published_at),
            "homepage": links.release(facts.uid),
            "keywords": list(facts.keywords),
            "licenses": [
                _compact(
                    {
                        "name": licence,
                        "path": licence_url(facts),
                        "title": licences.SPDX_LICENCES.get(licence),
                    }
                )
            ]
            if licence
            else [],
            "sources": sources,
            "contributors": contributors,
            "resources": [
                {
                    "name": "observations",
                    "title": f"{facts.title}: observations",
                    "path": links.data_csv(facts.uid),
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": CSV_MEDIA_TYPE,
                    "encoding": "utf-8",
                    "bytes": facts.csv_bytes,
                    "hash": f"sha256:{facts.csv_sha256}",
                    "schema": {
                        "fields": [_field(c, links) for c in facts.columns],
                        "primaryKey": keys,
                        "missingValues": [""],
                    },
                }
            ],
        }
    )
