"""A dataset version's provenance as a W3C PROV document, built with the ``prov`` package.

:func:`build` turns the plain records of ``provenance.records`` into a ``ProvDocument``; it reads
no database. The document follows the data from the field to the release:

::

    collection (metadata: kind of data, mode, tool, period, place)      agents: the coalition,
      └▶ collected data ─▶ declared processing steps (script SHA-256) ─┐         the metadata's
    raw upload (nih:sha-256;…) ◀────────────────────────────────────────┘         creators
      └▶ upload processing (parse, map, validate; mapping profile) ─▶ stored observations
           └▶ submission (+ methodology metadata, findings) ─▶ dataset version (content hash)
                ├▶ screening ─▶ screening report
                ├▶ disclosure control ─▶ suppression result (hash of the suppression rows)
                ├▶ rubric assessment ─▶ assessment       people (API keys) act on behalf of
                └▶ decision ─▶ decision record             the coalition or the statistics office
                     └▶ publication ─▶ release ─▶ supersession / withdrawal (invalidation)

Identifiers are the API's own URLs (prefix ``vc``); bytes are named by their SHA-256 as RFC 6920
``nih:`` URIs, so an upload's entity is the same wherever those bytes appear. Terms of our own
(prefix ``vct``) are listed in :data:`TERMS` and served at ``/api/v1/provenance/terms``.

Relations are stated without times or roles (times sit on the activities), so that PROV-O
carries the plain ``prov:wasGeneratedBy``/``prov:used``/``prov:wasDerivedFrom`` triples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from prov.constants import PROV, XSD_ANYURI, XSD_DATE
from prov.model import Literal, Namespace, ProvDocument, QualifiedName

from voicescount.errors import NotAcceptable
from voicescount.provenance.records import Actor, Party, Step, UploadRecord, VersionRecord

#: Where bytes named by SHA-256 live: RFC 6920 "nih" URIs (``nih:sha-256;<hex>``).
NIH_SHA256 = "nih:sha-256;"
TERMS_PATH = "/api/v1/provenance/terms#"

#: voicescount's own PROV terms (prefix ``vct``): classes, then attributes.
TERMS: dict[str, str] = {
    # entity types
    "RawUpload": "The bytes a coalition uploaded, named by their SHA-256.",
    "MappingProfile": "The mapping from a file's columns and labels to SDMX components and codes "
    "applied to an upload.",
    "ValidationReport": "The CSV report of an upload's validation (sha256 gives its bytes).",
    "StoredObservations": "The observations an accepted upload stored in the dataset version.",
    "CollectedData": "The data as collected (or as exported from the collection platform).",
    "ProcessingOutput": "The data after one processing step the coalition declared.",
    "Script": "A script or notebook a declared processing step ran, named by its SHA-256.",
    "DeclaredSource": "An earlier dataset the methodology metadata says these data derive from.",
    "MethodologyMetadata": "The methodology metadata of the version as submitted.",
    "Findings": "The qualitative findings of the version.",
    "DatasetVersion": "A dataset version as frozen at submission (metadata, findings, "
    "observations), pinned by its content hash.",
    "ScreeningReport": "What the automatic screening found.",
    "SuppressionResult": "Disclosure control's verdict on every cell it withheld or flagged.",
    "Rubric": "The quality rubric a statistics office assessed the version against.",
    "AssessmentResult": "The rubric assessment: score, gating criteria, quality outcome.",
    "DecisionRecord": "The approver's decision: official, complementary, contextual or rejected.",
    "Release": "A dataset version as a statistics office released it through SDMX.",
    # activity types
    "DataCollection": "The coalition's data collection, as the methodology metadata describes it.",
    "Processing": "A processing step the coalition declared (cleaning, recoding, aggregation).",
    "UploadProcessing": "Intake of one upload: parsing, mapping to codes, validation, storage.",
    "UploadWithdrawal": "An accepted upload's observations taken out of the draft again.",
    "Submission": "The coalition froze the version, hashed it and sent it for review.",
    "Screening": "voicescount's automatic checks at submission.",
    "DisclosureControl": "Statistical disclosure control (primary and secondary suppression).",
    "RubricAssessment": "A reviewer's assessment of the version against the rubric.",
    "Return": "The statistics office sent the version back to the coalition.",
    "ReviewDecision": "An approver's decision on the version (four eyes: not the assessor).",
    "Publication": "The statistics office released the version as SDMX.",
    "Supersession": "A newer release of the dataset replaced this one in the current feed.",
    "Withdrawal": "The release was taken out of every feed; its tombstone stays.",
    # attributes
    "sha256": "SHA-256 of the bytes (or of the canonical JSON) of the thing, hexadecimal.",
    "filename": "The file name the upload was sent with.",
    "mediaType": "The media type the upload was sent with.",
    "size": "Size in bytes.",
    "format": "The parser that read the upload (csv, xlsx, sdmx-csv-2, …).",
    "encoding": "The text encoding the upload was read in.",
    "status": "Status of the thing (an upload: accepted, rejected, withdrawn; a release: "
    "current, superseded, withdrawn).",
    "rowsRead": "Rows read from the upload.",
    "rowsStored": "Rows stored as observations.",
    "errors": "Errors validation found.",
    "warnings": "Warnings found.",
    "blocking": "Blocking issues screening found.",
    "mappedColumns": "Columns the mapping profile maps.",
    "mappedValues": "Labels the mapping profile maps to codes.",
    "datasetId": "The voicescount dataset identifier (ds-…).",
    "versionNumber": "The number of the dataset version.",
    "state": "The review state of the version.",
    "contentHash": "SHA-256 over the version's metadata, findings, accepted uploads and "
    "observations, set at submission.",
    "observations": "Number of observations.",
    "findings": "Number of qualitative findings.",
    "kindOfData": "How the data came about (household survey, community scorecard, …).",
    "collectionMode": "Mode of collection (CAPI, PAPI, meeting, …).",
    "collectionTool": "Software or medium used to collect.",
    "samplingDesign": "How units were selected.",
    "periodicity": "How often the data are collected.",
    "periodStart": "First day of the collection period.",
    "periodEnd": "Last day of the collection period.",
    "country": "ISO 3166-1 alpha-2 country.",
    "refArea": "A REF_AREA code the data cover.",
    "lowestLevel": "Finest geographic level in the data.",
    "coalition": "The coalition the producer acts for, as the metadata names it.",
    "platform": "Collection platform the data were exported from.",
    "formId": "Form or asset id on the platform.",
    "formVersion": "Version of the form deployed.",
    "exportId": "Id of the export the data come from.",
    "exportedAt": "When the export was made.",
    "identifier": "An identifier as given (DOI, handle, voicescount dataset@version, URL).",
    "orcid": "ORCID iD of a person.",
    "ror": "ROR id of an organisation.",
    "organisationKind": "data_provider (a coalition) or steward (a statistics office).",
    "keyId": "The public id of the API key the person acted with.",
    "role": "The role of the key (submitter, reviewer, approver, admin).",
    "holder": "The person holding the key (only shown to the coalition and statistics offices).",
    "softwareVersion": "Version of the software.",
    "outcome": "How screening ended (under_review or returned).",
    "frequencyThreshold": "Disclosure control: smallest unweighted count published.",
    "reliabilityThreshold": "Disclosure control: smallest count published without a flag.",
    "cells": "Cells disclosure control looked at.",
    "withheld": "Cells whose value is withheld.",
    "suppressed": "Cells with a suppression row (withheld or flagged).",
    "primary": "Cells withheld by the frequency rule.",
    "secondary": "Cells withheld so that primary ones cannot be derived.",
    "lowReliability": "Cells published with a low-reliability flag (n under the reliability "
    "threshold).",
    "unknownN": "Cells whose unweighted count is unknown (flagged or withheld, by policy).",
    "rubric": "Rubric id and version.",
    "score": "Rubric score, in percent.",
    "gatingPassed": "Whether every gating criterion of the rubric was met.",
    "qualityOutcome": "MET, MET_WITH_CONDITIONS or NOT_MET.",
    "decision": "OFFICIAL, COMPLEMENTARY, CONTEXTUAL or REJECTED.",
    "reason": "Why, as recorded with the act.",
    "conditions": "Conditions stated with the decision.",
    "caveat": "The caveat printed beside a figure.",
    "producerType": "CL_PRODUCER_TYPE code of the producer.",
    "releaseId": "The release identifier (also the SDMX data set id).",
    "sdmxData": "Where the release's data are served through SDMX-REST.",
    "doi": "DOI minted for the release.",
    "description": "What a declared processing step did.",
}

#: Disclosure control's rules (``disclosure.model.RULES``) → the term counting their cells.
_DISCLOSURE_COUNTS = {
    "primary": "primary",
    "secondary": "secondary",
    "low-reliability": "lowReliability",
    "unknown-n": "unknownN",
}


def terms_url(base_url: str) -> str:
    return base_url.rstrip("/") + TERMS_PATH


class _Builder:
    def __init__(
        self,
        record: VersionRecord,
        *,
        base_url: str,
        software_version: str,
        sdmx_data_url: str | None,
    ) -> None:
        self.record = record
        self.sdmx_data_url = sdmx_data_url
        self.software_version = software_version
        self.doc = ProvDocument()
        base = base_url.rstrip("/")
        self.vc = self.doc.add_namespace("vc", f"{base}/api/v1/")
        self.vct = self.doc.add_namespace("vct", terms_url(base))
        self.nih = self.doc.add_namespace("nih", NIH_SHA256)
        self.version_path = f"datasets/{record.dataset}/versions/{record.number}"
        self._agents: set[QualifiedName] = set()
        self._namespaces: dict[str, Namespace] = {}
        self._blobs: set[QualifiedName] = set()

    # -- helpers ---------------------------------------------------------------------------

    def term(self, name: str) -> QualifiedName:
        if name not in TERMS:
            raise KeyError(f"{name} is not a documented provenance term")
        return self.vct[name]

    def attrs(self, kind: str | None = None, label: str | None = None, **values: Any) -> dict:
        """PROV attributes from ``vct`` term names; ``None`` values are left out."""
        result: dict[QualifiedName, Any] = {}
        if kind is not None:
            result[PROV["type"]] = self.term(kind)
        if label:
            result[PROV["label"]] = label
        for name, value in values.items():
            if value is None or value == "":
                continue
            if isinstance(value, date) and not isinstance(value, datetime):
                value = Literal(value.isoformat(), XSD_DATE)
            result[self.term(name)] = value
        return result

    def local(self, path: str) -> QualifiedName:
        return self.vc[path]

    def in_version(self, path: str) -> QualifiedName:
        return self.vc[f"{self.version_path}/{path}" if path else self.version_path]

    def namespace(self, prefix: str, uri: str) -> Namespace:
        if prefix not in self._namespaces:
            self._namespaces[prefix] = self.doc.add_namespace(prefix, uri)
        return self._namespaces[prefix]

    def bytes_id(self, sha256: str) -> QualifiedName:
        return self.nih[sha256.lower()]

    def entity(
        self, ident: QualifiedName, kind: str, label: str | None = None, **values: Any
    ) -> QualifiedName:
        """Declare ``ident`` an entity of the ``vct`` type ``kind``; return it."""
        self.doc.entity(ident, self.attrs(kind=kind, label=label, **values))
        return ident

    def generated(
        self,
        ident: QualifiedName,
        activity: QualifiedName,
        kind: str,
        label: str | None = None,
        **values: Any,
    ) -> QualifiedName:
        """Declare ``ident`` an entity of ``kind`` that ``activity`` generated; return it."""
        self.entity(ident, kind, label, **values)
        self.doc.wasGeneratedBy(ident, activity)
        return ident

    # -- agents ----------------------------------------------------------------------------

    def declare_agent(
        self, ident: QualifiedName, prov_type: QualifiedName | None = None, **values: Any
    ) -> bool:
        """Declare the agent ``ident`` unless it is already; whether this call declared it."""
        if ident in self._agents:
            return False
        attributes = self.attrs(**values)
        if prov_type is not None:
            attributes = {PROV["type"]: prov_type, **attributes}
        self.doc.agent(ident, attributes)
        self._agents.add(ident)
        return True

    def party(self, party: Party) -> QualifiedName:
        ident = self.local(f"organisations/{quote(party.slug, safe='')}")
        self.declare_agent(
            ident,
            PROV["Organization"],
            label=party.name,
            organisationKind=party.kind,
            country=party.country,
        )
        return ident

    def software(self) -> QualifiedName:
        ident = self.local(f"software/voicescount/{quote(self.software_version, safe='')}")
        self.declare_agent(
            ident,
            PROV["SoftwareAgent"],
            label=f"voicescount {self.software_version}",
            softwareVersion=self.software_version,
        )
        return ident

    def agent(self, actor: Actor) -> QualifiedName:
        """The agent for a recorded actor: a key's holder (acting for its organisation), the
        software itself for ``system``, or a named agent otherwise."""
        if actor.is_system:
            return self.software()
        if actor.key_id is None:
            ident = self.local(f"agents/{quote(actor.actor, safe='')}")
            self.declare_agent(ident, label=actor.actor)
            return ident
        owner = self.record.parties.get(actor.organisation or "")
        path = f"keys/{actor.key_id}"
        if owner is not None:
            path = f"organisations/{quote(owner.slug, safe='')}/{path}"
        ident = self.local(path)
        declared = self.declare_agent(
            ident,
            PROV["Person"],
            label=actor.holder or f"holder of key {actor.key_id}",
            keyId=actor.key_id,
            role=actor.role,
            holder=actor.holder,
        )
        if declared and owner is not None:
            self.doc.actedOnBehalfOf(ident, self.party(owner))
        return ident

    def associate(self, activity: QualifiedName, actor: Actor, *, software: bool = False) -> None:
        """Who carried ``activity`` out: the person (key) and their organisation."""
        agent = self.agent(actor)
        self.doc.wasAssociatedWith(activity, agent)
        owner = self.record.parties.get(actor.organisation or "")
        if owner is not None:
            self.doc.wasAssociatedWith(activity, self.party(owner))
        if software and not actor.is_system:
            self.doc.wasAssociatedWith(activity, self.software())

    # -- the story, in order ---------------------------------------------------------------

    def build(self) -> ProvDocument:
        record = self.record
        coalition = self.party(record.coalition)
        if record.steward is not None:
            self.party(record.steward)
        source = self.collection(coalition)
        blobs = {u.sha256: self.raw_upload(u, source, coalition) for u in record.uploads}
        stored = [self.upload(u, blobs[u.sha256]) for u in record.uploads]
        version = self.version(coalition, [s for s in stored if s is not None])
        self.review(version)
        return self.doc

    def collection(self, coalition: QualifiedName) -> QualifiedName:
        """The declared data collection and processing; the entity raw uploads derive from."""
        metadata = self.record.metadata
        mode = _mapping(metadata.get("collection_mode"))
        period = _mapping(metadata.get("collection_period"))
        geography = _mapping(metadata.get("geography"))
        producer = _mapping(metadata.get("producer"))
        start, end = _date(period.get("start")), _date(period.get("end"))
        activity = self.in_version("collection")
        locations = [_text(geography.get("country"))] + [
            _text(area) for area in _list(geography.get("areas"))
        ]
        attributes = self.attrs(
            kind="DataCollection",
            label=f"Data collection for {self.record.title}",
            kindOfData=_text(metadata.get("kind_of_data")),
            collectionMode=_text(mode.get("mode")),
            collectionTool=_text(mode.get("tool")),
            samplingDesign=_text(_mapping(metadata.get("sampling")).get("design")),
            periodicity=_text(metadata.get("periodicity")),
            periodStart=start,
            periodEnd=end,
            country=_text(geography.get("country")),
            lowestLevel=_text(geography.get("lowest_level")),
            coalition=_text(producer.get("coalition")),
        )
        attributes_list = list(attributes.items())
        attributes_list += [(self.term("refArea"), a) for a in locations[1:] if a]
        attributes_list += [(PROV["location"], a) for a in locations if a]
        self.doc.activity(
            activity,
            datetime.combine(start, time.min) if start else None,
            datetime.combine(end, time.max.replace(microsecond=0)) if end else None,
            attributes_list,
        )
        self.doc.wasAssociatedWith(activity, coalition)
        for index, creator in enumerate(_list(metadata.get("creators")), start=1):
            agent = self.creator(_mapping(creator), index)
            if agent is not None:
                self.doc.wasAssociatedWith(activity, agent)

        system = _mapping(metadata.get("source_system"))
        collected = self.generated(
            self.in_version("collection/data"),
            activity,
            "CollectedData",
            "The data as collected" + (" (platform export)" if system else ""),
            platform=_text(system.get("platform")),
            formId=_text(system.get("form_id")),
            formVersion=_text(system.get("form_version")),
            exportId=_text(system.get("export_id")),
            exportedAt=_datetime(system.get("exported_at")),
        )
        self.doc.wasAttributedTo(collected, coalition)
        current = collected
        for index, raw in enumerate(_list(metadata.get("processing_steps")), start=1):
            step = _mapping(raw)
            run_at = _datetime(step.get("run_at"))
            processing = self.in_version(f"processing/{index}")
            self.doc.activity(
                processing,
                run_at,
                None,
                self.attrs(
                    kind="Processing",
                    label=f"Processing step {index}",
                    description=_text(step.get("description")),
                ),
            )
            self.doc.wasAssociatedWith(processing, coalition)
            self.doc.used(processing, current)
            script_sha = _text(step.get("script_sha256"))
            if script_sha and re.fullmatch(r"[0-9a-fA-F]{64}", script_sha):
                script = self.bytes_id(script_sha)
                if script not in self._blobs:
                    self._blobs.add(script)
                    self.entity(script, "Script", sha256=script_sha.lower())
                self.doc.used(processing, script)
            output = self.generated(
                self.in_version(f"processing/{index}/output"),
                processing,
                "ProcessingOutput",
                f"Output of step {index}",
            )
            self.doc.wasDerivedFrom(output, current)
            current = output
        return current

    def creator(self, creator: dict[str, Any], index: int) -> QualifiedName | None:
        name = _text(creator.get("name"))
        if not name:
            return None
        orcid, ror = _text(creator.get("orcid")), _text(creator.get("ror"))
        if orcid:
            ident = self.namespace("orcid", "https://orcid.org/")[orcid]
        elif ror:
            ident = self.namespace("ror", "https://ror.org/")[ror]
        else:
            ident = self.in_version(f"creators/{index}")
        person = _text(creator.get("type")) == "person"
        kind = PROV["Person"] if person else PROV["Organization"]
        self.declare_agent(ident, kind, label=name, orcid=orcid, ror=ror)
        return ident

    def raw_upload(
        self, upload: UploadRecord, source: QualifiedName, coalition: QualifiedName
    ) -> QualifiedName:
        blob = self.bytes_id(upload.sha256)
        if blob not in self._blobs:  # the same bytes sent twice are one entity
            self.entity(
                blob,
                "RawUpload",
                upload.filename or f"upload {upload.id}",
                filename=upload.filename,
                mediaType=upload.media_type,
                size=upload.size,
                sha256=upload.sha256,
            )
            self.doc.wasAttributedTo(blob, coalition)
            self.doc.wasDerivedFrom(blob, source)
            self._blobs.add(blob)
        return blob

    def upload(self, upload: UploadRecord, blob: QualifiedName) -> QualifiedName | None:
        """Intake of one upload; the stored observations if it was accepted."""
        activity = self.in_version(f"uploads/{upload.id}")
        self.doc.activity(
            activity,
            upload.received_at,
            upload.processed_at,
            self.attrs(
                kind="UploadProcessing",
                label=f"Parsing, mapping and validation of upload {upload.id}",
                format=upload.format,
                encoding=upload.encoding,
                status=upload.status,
                rowsRead=upload.rows_read,
                rowsStored=upload.rows_stored,
                errors=upload.errors,
                warnings=upload.warnings,
            ),
        )
        self.doc.used(activity, blob)
        mapping = self.entity(
            self.in_version(f"uploads/{upload.id}/mapping"),
            "MappingProfile",
            sha256=upload.mapping_sha256,
            mappedColumns=upload.mapping_columns,
            mappedValues=upload.mapping_values,
        )
        self.doc.used(activity, mapping)
        self.associate(activity, upload.actor, software=True)
        if upload.report_sha256:
            # Not named by its hash: every clean upload's report is the same few bytes.
            self.generated(
                self.in_version(f"uploads/{upload.id}/report"),
                activity,
                "ValidationReport",
                f"Validation report of upload {upload.id}",
                sha256=upload.report_sha256,
                mediaType="text/csv",
            )
        if upload.rows_stored == 0 or upload.status not in ("accepted", "withdrawn"):
            return None
        stored = self.generated(
            self.in_version(f"uploads/{upload.id}/observations"),
            activity,
            "StoredObservations",
            f"Observations stored from upload {upload.id}",
            observations=upload.rows_stored,
        )
        self.doc.wasDerivedFrom(stored, blob)
        self.doc.wasDerivedFrom(stored, mapping)
        if upload.withdrawn_at is not None:
            withdrawal = self.in_version(f"uploads/{upload.id}/withdrawal")
            self.doc.activity(
                withdrawal,
                upload.withdrawn_at,
                upload.withdrawn_at,
                self.attrs(kind="UploadWithdrawal", label=f"Withdrawal of upload {upload.id}"),
            )
            if upload.withdrawn_by is not None:
                self.associate(withdrawal, upload.withdrawn_by)
            self.doc.wasInvalidatedBy(stored, withdrawal)
            return None
        return stored

    def version(self, coalition: QualifiedName, stored: list[QualifiedName]) -> QualifiedName:
        record = self.record
        version = self.entity(
            self.in_version(""),
            "DatasetVersion",
            f"{record.title} (version {record.number})",
            datasetId=record.dataset,
            versionNumber=record.number,
            state=record.state,
            contentHash=record.content_hash,
            observations=record.observation_count,
            findings=record.findings,
        )
        self.doc.wasAttributedTo(version, coalition)
        metadata = self.entity(
            self.in_version("metadata"),
            "MethodologyMetadata",
            "Methodology metadata",
            sha256=record.metadata_sha256,
        )
        self.doc.wasAttributedTo(metadata, coalition)
        inputs = [metadata, *stored]
        if record.findings:
            findings = self.entity(
                self.in_version("findings"), "Findings", "Findings", findings=record.findings
            )
            self.doc.wasAttributedTo(findings, coalition)
            inputs.append(findings)
        for used in inputs:
            self.doc.wasDerivedFrom(version, used)
        if record.previous_number is not None:
            previous = self.entity(
                self.vc[f"datasets/{record.dataset}/versions/{record.previous_number}"],
                "DatasetVersion",
                datasetId=record.dataset,
                versionNumber=record.previous_number,
            )
            self.doc.wasRevisionOf(version, previous)
        for index, identifier in enumerate(_list(record.metadata.get("derived_from")), start=1):
            if isinstance(identifier, str) and identifier.strip():
                self.doc.wasDerivedFrom(version, self.declared_source(identifier.strip(), index))
        if record.submission is not None:
            submission = self.in_version("submission")
            self.doc.activity(
                submission,
                record.submission.at,
                record.submission.at,
                self.attrs(kind="Submission", label=f"Submission of version {record.number}"),
            )
            for used in inputs:
                self.doc.used(submission, used)
            self.doc.wasGeneratedBy(version, submission)
            self.associate(submission, record.submission.actor)
        return version

    def declared_source(self, identifier: str, index: int) -> QualifiedName:
        doi = re.fullmatch(r"(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)", identifier)
        handle = re.fullmatch(r"(?:hdl:|https?://hdl\.handle\.net/)(\S+/\S+)", identifier)
        own = re.fullmatch(r"(ds-[0-9a-f]{10})(?:@v?(\d+))?", identifier)
        if doi:
            ident = self.namespace("doi", "https://doi.org/")[doi.group(1)]
        elif handle:
            ident = self.namespace("hdl", "https://hdl.handle.net/")[handle.group(1)]
        elif own:
            path = f"datasets/{own.group(1)}"
            ident = self.local(path + (f"/versions/{own.group(2)}" if own.group(2) else ""))
        else:
            ident = self.in_version(f"sources/{index}")
        value: Any = identifier
        if re.match(r"https?://", identifier):
            value = Literal(identifier, XSD_ANYURI)
        return self.entity(ident, "DeclaredSource", identifier=value)

    def review(self, version: QualifiedName) -> None:
        record = self.record
        screening = record.screening
        report = None
        if screening is not None:
            activity = self.in_version("review/screening")
            self.doc.activity(
                activity,
                screening.started_at,
                screening.ended_at,
                self.attrs(
                    kind="Screening", label="Automatic screening", outcome=screening.outcome
                ),
            )
            self.doc.used(activity, version)
            self.doc.wasAssociatedWith(activity, self.software())
            if screening.ended_at is not None:
                report = self.generated(
                    self.in_version("review/screening/report"),
                    activity,
                    "ScreeningReport",
                    blocking=screening.blocking,
                    warnings=screening.warnings,
                )
                self.doc.wasDerivedFrom(report, version)

        suppression = None
        if record.disclosure is not None:
            disclosure = record.disclosure
            activity = self.in_version("review/disclosure")
            self.act(
                activity,
                disclosure.step,
                "DisclosureControl",
                "Statistical disclosure control",
                frequencyThreshold=disclosure.frequency_threshold,
                reliabilityThreshold=disclosure.reliability_threshold,
            )
            self.doc.used(activity, version)
            counts = {
                term: disclosure.counts[rule]
                for rule, term in _DISCLOSURE_COUNTS.items()
                if rule in disclosure.counts
            }
            suppression = self.generated(
                self.in_version("review/disclosure/result"),
                activity,
                "SuppressionResult",
                "Suppression result",
                sha256=disclosure.suppression_sha256,
                cells=disclosure.cells,
                withheld=disclosure.withheld,
                suppressed=disclosure.suppressed,
                **counts,
            )
            self.doc.wasDerivedFrom(suppression, version)

        assessment = None
        if record.assessment is not None:
            activity = self.in_version("review/assessment")
            self.act(activity, record.assessment.step, "RubricAssessment", "Rubric assessment")
            self.doc.used(activity, version)
            if record.assessment.rubric:
                rubric = self.entity(
                    self.in_version("review/assessment/rubric"),
                    "Rubric",
                    record.assessment.rubric,
                    rubric=record.assessment.rubric,
                )
                self.doc.used(activity, rubric)
            assessment = self.generated(
                self.in_version("review/assessment/result"),
                activity,
                "AssessmentResult",
                "Rubric assessment",
                rubric=record.assessment.rubric,
                score=record.assessment.score,
                gatingPassed=record.assessment.gating_passed,
                qualityOutcome=record.assessment.quality_outcome,
            )

        if record.returned is not None:
            activity = self.in_version("review/return")
            self.act(
                activity,
                record.returned,
                "Return",
                "Returned to the coalition",
                reason=record.returned.reason,
            )
            self.doc.used(activity, version)

        decision = None
        if record.decision is not None:
            made = record.decision
            activity = self.in_version("review/decision")
            self.act(activity, made.step, "ReviewDecision", "Review decision")
            for used in (version, assessment, suppression, report):
                if used is not None:
                    self.doc.used(activity, used)
            decision = self.generated(
                self.in_version("review/decision/record"),
                activity,
                "DecisionRecord",
                f"Decision: {made.decision.lower()}",
                decision=made.decision,
                qualityOutcome=made.quality_outcome,
                reason=made.reason,
                conditions=made.conditions,
                caveat=made.caveat,
            )
            if assessment is not None:
                self.doc.wasDerivedFrom(decision, assessment)

        if record.release is not None:
            self.release(version, suppression, decision)

    def act(
        self, activity: QualifiedName, step: Step, kind: str, label: str, **values: Any
    ) -> None:
        """An activity of one moment (start = end), carried out by ``step``'s actor."""
        self.doc.activity(activity, step.at, step.at, self.attrs(kind=kind, label=label, **values))
        self.associate(activity, step.actor)

    def release(
        self,
        version: QualifiedName,
        suppression: QualifiedName | None,
        decision: QualifiedName | None,
    ) -> None:
        release = self.record.release
        assert release is not None
        status = (
            "withdrawn" if release.withdrawal else "superseded" if release.superseded else "current"
        )
        data_url = Literal(self.sdmx_data_url, XSD_ANYURI) if self.sdmx_data_url else None
        entity = self.entity(
            self.local(f"releases/{release.uid}"),
            "Release",
            f"Release {release.uid}",
            releaseId=release.uid,
            contentHash=release.content_hash,
            observations=release.observations,
            decision=release.decision,
            qualityOutcome=release.quality_outcome,
            producerType=release.producer_type,
            caveat=release.caveat,
            status=status,
            sdmxData=data_url,
            doi=release.doi,
        )
        publication = self.local(f"releases/{release.uid}/publication")
        self.act(publication, release.publication, "Publication", f"Publication of {release.uid}")
        self.doc.wasAssociatedWith(publication, self.software())
        self.doc.wasGeneratedBy(entity, publication)
        for used in (version, suppression, decision):
            if used is not None:
                self.doc.used(publication, used)
        # The release is the version with disclosure control applied.
        self.doc.wasDerivedFrom(entity, suppression if suppression is not None else version)
        if suppression is not None:
            self.doc.wasDerivedFrom(entity, version)
        if self.record.steward is not None:
            self.doc.wasAttributedTo(entity, self.party(self.record.steward))
        self.doc.wasAttributedTo(entity, self.party(self.record.coalition))
        if release.supersedes:
            older = self.local(f"releases/{release.supersedes}")
            self.entity(older, "Release", releaseId=release.supersedes)
            self.doc.wasRevisionOf(entity, older)
        if release.superseded is not None:
            activity = self.local(f"releases/{release.uid}/supersession")
            self.act(activity, release.superseded, "Supersession", "Superseded")
            self.doc.wasInvalidatedBy(entity, activity)
            if release.superseded_by:
                newer = self.local(f"releases/{release.superseded_by}")
                self.entity(newer, "Release", releaseId=release.superseded_by)
                self.doc.used(activity, newer)
                self.doc.wasRevisionOf(newer, entity)
        if release.withdrawal is not None:
            activity = self.local(f"releases/{release.uid}/withdrawal")
            self.act(
                activity,
                release.withdrawal,
                "Withdrawal",
                f"Withdrawal of {release.uid}",
                reason=release.withdrawal.reason,
            )
            self.doc.wasInvalidatedBy(entity, activity)


def build(
    record: VersionRecord,
    *,
    base_url: str,
    software_version: str,
    sdmx_data_url: str | None = None,
) -> ProvDocument:
    """The PROV document of one dataset version, down to its release if there is one."""
    return _Builder(
        record,
        base_url=base_url,
        software_version=software_version,
        sdmx_data_url=sdmx_data_url,
    ).build()


# ------------------------------------------------------------------------------------------
# Serialisations and their media types


@dataclass(frozen=True)
class Format:
    """A serialisation of PROV: its ``?format=`` names and media types (the first is the
    default ``Content-Type``)."""

    name: str
    aliases: tuple[str, ...]
    media_types: tuple[str, ...]


PROV_JSON = Format(
    "json", ("json", "prov-json"), ("application/json", "application/provenance+json")
)
PROV_N = Format("provn", ("provn", "prov-n"), ("text/provenance-notation",))
PROV_O = Format("turtle", ("turtle", "ttl"), ("text/turtle",))
FORMATS: tuple[Format, ...] = (PROV_JSON, PROV_N, PROV_O)


def negotiate(accept: str | None, format_param: str | None = None) -> tuple[Format, str]:
    """The format and ``Content-Type`` to answer with: ``?format=`` wins, then ``Accept`` (with
    q-values); PROV-JSON when neither says. :class:`NotAcceptable` if nothing offered fits."""
    offered = [{"media_type": m} for f in FORMATS for m in f.media_types]
    if format_param:
        for candidate in FORMATS:
            if format_param.strip().lower() in candidate.aliases:
                return candidate, _content_type(candidate, candidate.media_types[0])
        raise NotAcceptable(
            f"There is no provenance format {format_param!r}; use format=json, provn or turtle.",
            errors=offered,
        )
    if not accept or not accept.strip():
        return PROV_JSON, _content_type(PROV_JSON, PROV_JSON.media_types[0])
    for wanted in _accepted(accept):
        for candidate in FORMATS:
            for media_type in candidate.media_types:
                if _matches(media_type, wanted):
                    chosen = media_type if "*" not in wanted else candidate.media_types[0]
                    return candidate, _content_type(candidate, chosen)
    raise NotAcceptable(
        f"Cannot answer with {accept!r}; provenance is served as PROV-JSON, PROV-N or Turtle.",
        errors=offered,
    )


def _accepted(header: str) -> list[str]:
    """Media ranges of an ``Accept`` header, most wanted first (q=0 dropped)."""
    ranges: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        q = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, order, pieces[0].lower()))
    return [r[2] for r in sorted(ranges)]


def _matches(media_type: str, wanted: str) -> bool:
    if wanted == "*/*":
        return True
    kind, _, sub = wanted.partition("/")
    if sub == "*":
        return media_type.startswith(kind + "/")
    return media_type == wanted


def _content_type(format_: Format, media_type: str) -> str:
    return media_type if format_ is PROV_JSON else f"{media_type}; charset=utf-8"


def serialize(document: ProvDocument, format_: Format) -> str:
    """The document as PROV-JSON, PROV-N or PROV-O in Turtle."""
    if format_ is PROV_N:
        return document.serialize(format="provn")
    if format_ is PROV_O:
        return document.serialize(format="rdf", rdf_format="turtle")
    return document.serialize(format="json", indent=2)


# ------------------------------------------------------------------------------------------
# Reading the metadata leniently: drafts and older versions may be incomplete or malformed.


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
