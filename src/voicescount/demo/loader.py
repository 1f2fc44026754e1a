"""Load the demo datasets of the five pilots, through the same services a coalition uses.

Each pilot of the Leave No One Behind partnership (Bangladesh, India, Kenya, Nepal, Viet Nam)
gets a demo coalition (a data provider whose name says "(demo)") and a demo statistics office
("Statistics office of <country> (demo)", a steward). The coalition then does what a real one
would: it defines its community series, creates a dataset, sets the methodology metadata, uploads
its observations (the bytes go to the blob store and the file is validated like any upload), adds
its findings and submits; the statistics office screens, protects, assesses, decides and
publishes it, a reviewer and an approver acting apart.

The coalition acts through a :class:`~voicescount.access.roles.Principal` with the submitter role
and the key id ``demo-<organisation>``. No such key is stored, so nobody can sign in with it; it
only names the actor, and the audit log records the demo's steps as ``key:demo-LNOB_KE`` and so
on. The organisations themselves are created by the actor ``demo``.

The content lives in ``voicescount/demo/data/<pilot>/`` (see that package). Only the figures the
partnership reported are given as facts; every other observation value carries the comment
:data:`ILLUSTRATIVE_COMMENT`, and the metadata's ``limitations`` say what is illustrative.

Loading is idempotent: a pilot whose demo dataset already has a submitted version is reported as
"already loaded" (its review is finished if a run stopped during it); a run that stopped before
submitting is completed from where it stopped.

Official figures to compare with (:func:`load_official`): the files of ``demo/data/official/``
(small extracts of Kenya's national SDG data and of the UN Global SDG Database, made by
``scripts/derive_demo_official.py``) are loaded as reference sources by the demo statistics
office of their pilot, through ``comparison.reference`` as an admin's API call would. No pilot
reported figures that share series, area and period with them, so :func:`load_companions`
adds :data:`COMPANIONS`: a wholly illustrative Kenyan dataset of another demo organisation,
published the same way as a pilot's, that does. Both are idempotent too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from voicescount.access import service as access
from voicescount.access.roles import Principal
from voicescount.comparison import reference
from voicescount.config import Settings
from voicescount.errors import InvalidInput, NotFound, UploadRejected
from voicescount.intake import service as intake
from voicescount.intake import uploads
from voicescount.intake.metadata import load_metadata_file
from voicescount.publishing import service as publishing
from voicescount.review import service as review
from voicescount.review import workflow
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import Dataset, DatasetVersion, Organisation, ReferenceSource
from voicescount.types import OrgKind, Role

#: The pilots, in the order they are loaded and reported (directories of ``demo/data``).
PILOTS: tuple[str, ...] = ("bangladesh", "india", "kenya", "nepal", "viet-nam")
#: Illustrative datasets that are no pilot's, loaded after them (directories of ``demo/data``):
#: community figures that share series, area and period with the demo's official data.
COMPANIONS: tuple[str, ...] = ("kenya-settlements",)
#: The directory of ``demo/data`` holding the official data and its ``sources.yaml``.
OFFICIAL = "official"

#: What every observation value that the coalition did not report says about itself.
ILLUSTRATIVE_COMMENT = "Illustrative value for the demo; not a figure reported by the coalition."

#: Audit actor of the organisations the demo creates (the datasets are the coalition's own).
DEMO_ACTOR = "demo"

LOADED = "loaded"
ALREADY_LOADED = "already loaded"
SKIPPED = "skipped"


@dataclass(frozen=True)
class OrganisationSpec:
    slug: str
    name: str
    country: str


@dataclass(frozen=True)
class Pilot:
    """The package data of one pilot, read but not yet checked against the registry."""

    name: str
    title: str
    organisation: OrganisationSpec
    steward: OrganisationSpec
    metadata: dict[str, Any]
    series: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    #: The observations file as bytes (uploaded as is), if the pilot has one.
    observations: bytes | None


@dataclass(frozen=True)
class DemoResult:
    """What loading one pilot did, or found already done."""

    pilot: str
    organisation: str
    steward: str
    #: ``loaded``, ``already loaded`` or ``skipped`` (see ``note``).
    status: str
    dataset: str | None = None
    version: int | None = None
    state: str | None = None
    observations: int = 0
    findings: int = 0
    note: str | None = None

    def line(self) -> str:
        """One line for people, as ``voicescount demo load`` prints it."""
        if self.dataset is None:
            return f"{self.pilot:<10}  {self.status}: {self.note}"
        return (
            f"{self.pilot:<10}  {self.dataset} v{self.version} {self.state:<9}  "
            f"{self.observations:>2} observations  {self.findings:>2} findings  ({self.status})"
        )


# ------------------------------------------------------------------------------------------
# Reading the package data


def _data_dir() -> Traversable:
    return resources.files("voicescount.demo.data")


def _yaml(entry: Traversable) -> dict[str, Any]:
    # The metadata reader keeps codes as written ("10.2" stays text, not the number 10.2) and
    # refuses duplicate keys, which is what every demo file needs, not only the metadata.
    with resources.as_file(entry) as path:
        return load_metadata_file(Path(path))


def _organisation(data: Any, where: str) -> OrganisationSpec:
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("slug", "name", "country")
    ):
        raise InvalidInput(f"{where} needs slug, name and country.")
    return OrganisationSpec(data["slug"], data["name"], data["country"])


def read_pilot(name: str) -> Pilot:
    """The demo content of one pilot, from ``voicescount/demo/data/<name>/``."""
    directory = _data_dir().joinpath(name)
    dataset = _yaml(directory.joinpath("dataset.yaml"))
    series = directory.joinpath("series.yaml")
    findings = directory.joinpath("findings.yaml")
    observations = directory.joinpath("observations.csv")
    return Pilot(
        name=name,
        title=str(dataset["title"]),
        organisation=_organisation(dataset.get("organisation"), f"{name}/dataset.yaml"),
        steward=_organisation(dataset.get("steward"), f"{name}/dataset.yaml"),
        metadata=_yaml(directory.joinpath("methodology.yaml")),
        series=list(_yaml(series)["series"]) if series.is_file() else [],
        findings=list(_yaml(findings)["findings"]) if findings.is_file() else [],
        observations=observations.read_bytes() if observations.is_file() else None,
    )


def read_pilots() -> list[Pilot]:
    return [read_pilot(name) for name in PILOTS]


def read_companions() -> list[Pilot]:
    return [read_pilot(name) for name in COMPANIONS]


@dataclass(frozen=True)
class OfficialFile:
    """One file of official data the demo loads, as ``official/sources.yaml`` lists it."""

    file: str
    name: str
    agency: str | None
    media_type: str
    #: The pilot whose demo statistics office loads it.
    pilot: str


def read_official() -> list[OfficialFile]:
    listed = _yaml(_data_dir().joinpath(OFFICIAL, "sources.yaml"))
    return [
        OfficialFile(
            file=str(entry["file"]),
            name=str(entry["name"]),
            agency=str(entry["agency"]) if entry.get("agency") else None,
            media_type=str(entry["media_type"]),
            pilot=str(entry["pilot"]),
        )
        for entry in listed["sources"]
    ]


# ------------------------------------------------------------------------------------------
# Loading


def load_demo(session: Session, settings: Settings) -> list[DemoResult]:
    """Load, submit and publish the demo dataset of every pilot; a second run changes nothing.

    Raises the service's error if a demo file does not pass its checks (an upload that fails
    validation raises :class:`UploadRejected` with the report's issues).
    """
    store = BlobStore(settings.resolved_blob_dir)
    return [_load_pilot(session, settings, store, pilot) for pilot in read_pilots()]


def load_companions(session: Session, settings: Settings) -> list[DemoResult]:
    """Load, submit and publish the illustrative companion datasets (:data:`COMPANIONS`) the
    way a pilot's is; a second run changes nothing."""
    store = BlobStore(settings.resolved_blob_dir)
    return [_load_pilot(session, settings, store, pilot) for pilot in read_companions()]


@dataclass(frozen=True)
class OfficialResult:
    """What loading one file of official data did, or found already done."""

    file: str
    name: str
    steward: str
    #: ``loaded``, ``already loaded`` or ``skipped`` (see ``note``).
    status: str
    source: int | None = None
    observations: int = 0
    note: str | None = None

    def line(self) -> str:
        """One line for people, as ``voicescount demo load`` prints it."""
        if self.source is None:
            return f"{OFFICIAL:<10}  {self.file}  {self.status}: {self.note}"
        return (
            f"{OFFICIAL:<10}  {self.file}: reference source {self.source}, "
            f"{self.observations} observations, loaded by {self.steward}  ({self.status})"
        )


def load_official(session: Session, settings: Settings) -> list[OfficialResult]:
    """Load each file of ``demo/data/official/`` as a reference source, as an admin of its
    pilot's demo statistics office would; a file already loaded (by its SHA-256) is left as
    it is, and so is another source holding the demo's name."""
    store = BlobStore(settings.resolved_blob_dir)
    return [
        _load_official(session, settings, store, official, read_pilot(official.pilot))
        for official in read_official()
    ]


def _load_official(
    session: Session, settings: Settings, store: BlobStore, official: OfficialFile, pilot: Pilot
) -> OfficialResult:
    skipped = OfficialResult(official.file, official.name, pilot.steward.slug, SKIPPED)
    steward = _demo_organisation(session, pilot.steward, OrgKind.STEWARD)
    if steward is None or steward.id is None:
        note = f"organisation '{pilot.steward.slug}' exists and is not the demo's"
        return replace(skipped, note=note)
    with resources.as_file(_data_dir().joinpath(OFFICIAL, official.file)) as path:
        sha256 = reference.sha256_of(Path(path))
        for source in reference.list_sources(session):
            if source.blob_sha256 == sha256:
                return _official_result(official, steward, source, ALREADY_LOADED)
            if source.name == official.name:
                note = f"reference source {source.id} holds the name and another file"
                return replace(skipped, note=note)
        admin = Principal(
            key_id=f"demo-{steward.slug}-admin",
            organisation_id=steward.id,
            organisation_slug=steward.slug,
            organisation_kind=OrgKind.STEWARD,
            role=Role.ADMIN,
            holder="voicescount demo admin",
        )
        reference.require_admin(admin)
        source = reference.load(
            session,
            Path(path),
            name=official.name,
            agency=official.agency,
            actor=admin.actor,
            organisation_id=steward.id,
            store=store,
            area_agency=settings.agency_id,
            max_rows=settings.max_upload_rows,
            filename=official.file,
            media_type=official.media_type.split(";")[0],
        )
    return _official_result(official, steward, source, LOADED)


def _official_result(
    official: OfficialFile, steward: Organisation, source: ReferenceSource, status: str
) -> OfficialResult:
    return OfficialResult(
        file=official.file,
        name=official.name,
        steward=steward.slug,
        status=status,
        source=source.id,
        observations=source.observation_count,
    )


def _load_pilot(session: Session, settings: Settings, store: BlobStore, pilot: Pilot) -> DemoResult:
    skipped = DemoResult(pilot.name, pilot.organisation.slug, pilot.steward.slug, SKIPPED)
    steward = _demo_organisation(session, pilot.steward, OrgKind.STEWARD)
    coalition = _demo_organisation(session, pilot.organisation, OrgKind.DATA_PROVIDER)
    for spec, organisation in ((pilot.steward, steward), (pilot.organisation, coalition)):
        if organisation is None:
            # Someone else's organisation holds the demo's identifier: never write into it.
            note = f"organisation '{spec.slug}' exists and is not the demo's ({spec.name})"
            return replace(skipped, note=note)
    assert coalition is not None and coalition.id is not None
    principal = Principal(
        key_id=f"demo-{coalition.slug}",
        organisation_id=coalition.id,
        organisation_slug=coalition.slug,
        organisation_kind=OrgKind.DATA_PROVIDER,
        role=Role.SUBMITTER,
        holder="voicescount demo loader",
    )

    assert steward is not None and steward.id is not None
    office = _DemoOffice.of(steward)

    dataset = _demo_dataset(session, principal, pilot.title)
    if dataset is not None:
        versions = intake.versions_of(session, dataset, principal)
        if any(v.state != workflow.DRAFT for v in versions):
            latest = versions[-1]
            # An earlier run stopped between submission and publication: finish the review.
            _review_and_publish(session, settings, office, pilot, dataset.uid, latest)
            session.refresh(latest)
            return _result(session, pilot, dataset, latest, ALREADY_LOADED)

    _define_series(session, principal, pilot.series)
    if dataset is None:
        handle = intake.create_dataset(session, principal, title=pilot.title)
    else:  # an earlier run stopped before submitting: finish its draft
        handle = intake.editable_version(session, principal, dataset.uid, 1)
    uid, number = handle.dataset.uid, handle.version.number
    intake.set_metadata(session, principal, uid, number, pilot.metadata)
    if pilot.observations is not None:
        _upload(session, principal, handle, pilot, settings=settings, store=store)
    _add_findings(session, principal, handle, pilot.findings)
    file = review.submit(session, principal, uid, number, settings=settings, store=store)
    _review_and_publish(session, settings, office, pilot, uid, file.handle.version)
    session.refresh(handle.version)
    return _result(session, pilot, handle.dataset, handle.version, LOADED)


@dataclass(frozen=True)
class _DemoOffice:
    """The demo statistics office's two people: four eyes hold in the demo too."""

    reviewer: Principal
    approver: Principal

    @classmethod
    def of(cls, steward: Organisation) -> _DemoOffice:
        assert steward.id is not None

        def person(role: Role) -> Principal:
            return Principal(
                key_id=f"demo-{steward.slug}-{role.value}",
                organisation_id=steward.id,  # type: ignore[arg-type]
                organisation_slug=steward.slug,
                organisation_kind=OrgKind.STEWARD,
                role=role,
                holder=f"voicescount demo {role.value}",
            )

        return cls(reviewer=person(Role.REVIEWER), approver=person(Role.APPROVER))


def _review_and_publish(
    session: Session,
    settings: Settings,
    office: _DemoOffice,
    pilot: Pilot,
    uid: str,
    version: DatasetVersion,
) -> None:
    """The demo statistics office reviews the version as a real one would (disclosure control,
    the default rubric with the ratings the metadata suggest, a decision by a second person) and
    publishes it: numbers as complementary citizen data, findings as contextual evidence.

    Each step starts from the state the version is in, so an interrupted load resumes."""
    number = version.number
    if version.state == workflow.RETURNED:
        screening = review.get_case(session, version).screening or {}
        raise RuntimeError(f"Screening returned the demo dataset of {pilot.name}: {screening}")
    if version.state == workflow.UNDER_REVIEW:
        if version.observation_count:
            review.apply_disclosure(
                session, office.reviewer, uid, number, agency=settings.agency_id
            )
        suggested = review.suggestions(session, office.reviewer, uid, number)
        ratings = {
            criterion["id"]: suggested["suggestions"].get(criterion["id"])
            or {"rating": 2, "evidence": "Demo data: rated as meeting the criterion."}
            for criterion in suggested["rubric"]["criteria"]
        }
        ratings = {
            k: {"rating": v["rating"], "evidence": v["evidence"]} for k, v in ratings.items()
        }
        review.assess(
            session,
            office.reviewer,
            uid,
            number,
            {"ratings": ratings, "comment": "Demo assessment with the default rubric."},
        )
        case = review.get_case(session, version)
        decision = "COMPLEMENTARY" if pilot.observations is not None else "CONTEXTUAL"
        if case.quality_outcome == "NOT_MET":
            decision = "CONTEXTUAL"
        conditions = (
            "Demo data: read beside the limitations in the methodology metadata."
            if case.quality_outcome == "MET_WITH_CONDITIONS"
            else None
        )
        review.decide(
            session, office.approver, uid, number, decision=decision, conditions=conditions
        )
        session.refresh(version)
    if version.state == workflow.DECIDED:
        publishing.publish(session, office.approver, uid, number, agency=settings.agency_id)


def _demo_organisation(
    session: Session, spec: OrganisationSpec, kind: OrgKind
) -> Organisation | None:
    """The demo organisation, created if missing; ``None`` if the slug belongs to another."""
    try:
        existing = access.get_organisation(session, spec.slug)
    except NotFound:
        return access.create_organisation(
            session,
            slug=spec.slug,
            name=spec.name,
            kind=kind,
            country=spec.country,
            actor=DEMO_ACTOR,
        )
    if existing.kind != kind.value or existing.name != spec.name:
        return None
    return existing


def _demo_dataset(session: Session, principal: Principal, title: str) -> Dataset | None:
    # The title identifies the demo dataset within its demo coalition: the loader creates no
    # other, and a coalition that renames it has made it its own.
    for dataset in intake.list_datasets(session, principal):
        if dataset.title == title:
            return dataset
    return None


def _define_series(session: Session, principal: Principal, series: list[dict[str, Any]]) -> None:
    defined = {s.code for s in intake.list_series(session, principal)}
    for spec in series:
        if spec["code"] in defined:
            continue
        intake.define_series(
            session,
            principal,
            code=spec["code"],
            name=spec["name"],
            sdg_target=str(spec["sdg_target"]),
            unit_measure=spec["unit_measure"],
            sdg_indicators=[str(i) for i in spec.get("sdg_indicators") or []],
            description=spec.get("description"),
        )


def _upload(
    session: Session,
    principal: Principal,
    handle: intake.VersionHandle,
    pilot: Pilot,
    *,
    settings: Settings,
    store: BlobStore,
) -> None:
    assert pilot.observations is not None
    blob = store.put_bytes(pilot.observations)
    accepted = {
        u.blob_sha256 for u in intake.uploads_of(session, handle.version) if u.status == "accepted"
    }
    if blob.sha256 in accepted:
        return
    request = uploads.UploadRequest(filename="observations.csv", media_type="text/csv")
    outcome = uploads.process(
        session,
        principal,
        handle.dataset.uid,
        handle.version.number,
        blob,
        request,
        settings=settings,
        store=store,
    )
    try:
        uploads.raise_for_outcome(outcome)
    except UploadRejected as exc:
        # The demo data ship with the package; a rejection is a bug in them, so say where.
        report = outcome.upload.report_sha256 if outcome.upload else None
        raise UploadRejected(
            f"The demo observations of {pilot.name} (voicescount/demo/data/{pilot.name}/"
            f"observations.csv) were rejected: {exc.detail} The full report is blob {report}.",
            errors=exc.errors,
        ) from exc


def _add_findings(
    session: Session,
    principal: Principal,
    handle: intake.VersionHandle,
    findings: list[dict[str, Any]],
) -> None:
    present = {f.statement for f in intake.list_findings(session, handle.version)}
    missing = [f for f in findings if str(f["statement"]).strip() not in present]
    if missing:
        intake.add_findings(session, principal, handle.dataset.uid, handle.version.number, missing)


def _result(
    session: Session, pilot: Pilot, dataset: Dataset, version: DatasetVersion, status: str
) -> DemoResult:
    return DemoResult(
        pilot=pilot.name,
        organisation=pilot.organisation.slug,
        steward=pilot.steward.slug,
        status=status,
        dataset=dataset.uid,
        version=version.number,
        state=version.state,
        observations=version.observation_count,
        findings=len(intake.list_findings(session, version)),
    )
