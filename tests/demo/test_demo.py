"""The demo datasets of the five pilots: loaded through the services, honest, idempotent."""

from __future__ import annotations

import ast
import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlmodel import Session, col, func, select

from tests.conftest import Store
from voicescount.access import service as access
from voicescount.cli.demo import demo
from voicescount.comparison import service as comparison
from voicescount.config import get_settings
from voicescount.demo import loader
from voicescount.demo.loader import (
    COMPANIONS,
    ILLUSTRATIVE_COMMENT,
    PILOTS,
    DemoResult,
    load_companions,
    load_demo,
    load_official,
)
from voicescount.errors import UploadRejected
from voicescount.intake.lookup import RegistryVocabulary
from voicescount.intake.metadata import check_metadata
from voicescount.provenance import audit
from voicescount.publishing import service as publishing
from voicescount.registry.service import load_registry
from voicescount.review import workflow
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import (
    AuditEntry,
    Dataset,
    DatasetVersion,
    Finding,
    Observation,
    Organisation,
    ReferenceSource,
    ReviewCase,
    ReviewTransition,
    Upload,
)
from voicescount.types import OrgKind

AGENCY = "VOICES"
DEMO_PACKAGE = Path(loader.__file__).parent

#: Observations and findings each pilot's demo version holds.
EXPECTED_COUNTS = {
    "bangladesh": (0, 4),
    "india": (2, 4),
    "kenya": (0, 6),
    "nepal": (18, 0),
    "viet-nam": (3, 4),
}

#: The observation values that are figures the partnership reported, by (series, sex):
#: (value, unit, unweighted n). Every other value must say that it is illustrative.
FACTS = {
    ("LNOB_IN_KUTCHA_HH", "_T"): (42.0, "PT", 1000),
    ("LNOB_IN_WORK_DAYS", "_T"): (14.0, "NUMBER", None),
    ("LNOB_VN_SDG_PLANNING", "_T"): (40.0, "PT", 400),
}

#: Findings that restate a reported fact; every other finding must be marked "(illustrative)".
FACT_STATEMENTS = {
    "People surveyed in the ten hotspots had on average 14 days of work a month.",
    "About 42% of the households surveyed in the ten hotspots lived in kutcha houses.",
    "40% of the 400 people surveyed in the two sites had taken part in local SDG planning.",
    "Men had taken part in local SDG planning far more than women.",
}


def _prepared(store: Store) -> Session:
    session = store.session()
    load_registry(session, agency=AGENCY)
    return session


def _loaded(store: Store) -> tuple[Session, list[DemoResult]]:
    session = _prepared(store)
    return session, load_demo(session, store.settings())


def _check_only_reported_figures_lack_the_illustrative_comment(session: Session) -> None:
    stored = list(session.exec(select(Observation)))
    assert len(stored) == sum(obs for obs, _ in EXPECTED_COUNTS.values())
    facts_seen = {}
    for observation in stored:
        dimensions = observation.dimensions
        key = (dimensions["SERIES"], dimensions["SEX"])
        if key in FACTS:
            facts_seen[key] = (
                observation.obs_value,
                observation.unit_measure,
                observation.unweighted_n,
            )
            comment = observation.attribute("COMMENT_OBS")
            assert comment and comment.startswith("Reported by the coalition")
        else:
            assert observation.attribute("COMMENT_OBS") == ILLUSTRATIVE_COMMENT, key
    # India: ~42% of households in kutcha houses (n about 1,000) and 14 days of work a month;
    # Viet Nam: 40% took part in local SDG planning, of 400 people surveyed.
    assert facts_seen == FACTS


def _demo_version(session: Session, result: DemoResult) -> DatasetVersion:
    version = session.exec(
        select(DatasetVersion)
        .join(Dataset, col(Dataset.id) == DatasetVersion.dataset_id)
        .where(Dataset.uid == result.dataset, DatasetVersion.number == result.version)
    ).one()
    return version


# ------------------------------------------------------------------------------------------
# The package data alone


@pytest.mark.parametrize("name", PILOTS)
def test_each_pilot_is_a_demo_of_its_own_coalition(name: str) -> None:
    pilot = loader.read_pilot(name)
    assert pilot.organisation.name.endswith("(demo)")
    assert pilot.organisation.slug == f"LNOB_{pilot.organisation.country}"
    assert pilot.steward.name.startswith("Statistics office of ")
    assert pilot.steward.name.endswith("(demo)")
    assert pilot.steward.country == pilot.organisation.country
    assert pilot.metadata["geography"]["country"] == pilot.organisation.country
    assert pilot.title.endswith("(demo)") and pilot.metadata["title"] == pilot.title
    # The metadata says what is illustrative, in the file and in its limitations.
    text = (DEMO_PACKAGE / "data" / name / "methodology.yaml").read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in text and text.count("illustrative") >= 10
    assert "demo" in pilot.metadata["limitations"]
    assert "illustrative" in pilot.metadata["limitations"]
    for series in pilot.series:
        assert series["code"].startswith(pilot.organisation.slug.upper() + "_")


@pytest.mark.parametrize("name", PILOTS)
def test_findings_restate_a_fact_or_say_they_are_illustrative(name: str) -> None:
    for finding in loader.read_pilot(name).findings:
        statement = " ".join(finding["statement"].split())
        assert statement in FACT_STATEMENTS or statement.endswith("(illustrative)."), statement


def test_the_qualitative_pilots_have_findings_only() -> None:
    for name, target in (("bangladesh", "3.8"), ("kenya", "10.2")):
        pilot = loader.read_pilot(name)
        assert pilot.observations is None and pilot.findings
        for finding in pilot.findings:
            assert finding["sdg_targets"] == [target]
            assert finding["areas"] and finding["target_groups"]


def test_the_demo_package_imports_no_web_or_command_line_code() -> None:
    for path in sorted(DEMO_PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("fastapi", "starlette", "click", "voicescount.api"))
                assert not name.startswith("voicescount.cli"), path


# ------------------------------------------------------------------------------------------
# Loading into a store


def test_the_demo_submits_a_dataset_for_every_pilot_honestly(fresh_store: Store) -> None:
    session, results = _loaded(fresh_store)
    with session:
        assert [r.pilot for r in results] == list(PILOTS)
        for result in results:
            assert result.status == loader.LOADED, result
            assert (result.state, result.version) == (publishing.PUBLISHED, 1)
            assert (result.observations, result.findings) == EXPECTED_COUNTS[result.pilot]
            version = _demo_version(session, result)
            assert version.state == publishing.PUBLISHED and version.content_hash
            assert version.submitted_by == f"key:demo-{result.organisation}"
            assert version.observation_count == result.observations
            stored_findings = session.exec(
                select(func.count()).select_from(Finding).where(Finding.version_id == version.id)
            ).one()
            assert stored_findings == result.findings

            coalition = access.get_organisation(session, result.organisation)
            steward = access.get_organisation(session, result.steward)
            assert coalition.kind == OrgKind.DATA_PROVIDER and coalition.name.endswith("(demo)")
            assert steward.kind == OrgKind.STEWARD
            assert steward.name.startswith("Statistics office of ")
            assert steward.name.endswith("(demo)") and steward.country == coalition.country

            # The metadata passes the submission checks against the real registry.
            vocabulary = RegistryVocabulary(session, AGENCY, organisation_id=coalition.id)
            issues = check_metadata(version.metadata_, vocabulary, for_submission=True)
            assert [i for i in issues if i.severity == "error"] == []

        # Uploaded bytes are in the blob store, with their validation reports.
        store = BlobStore(fresh_store.settings().resolved_blob_dir)
        demo_uploads = list(session.exec(select(Upload)))
        assert len(demo_uploads) == 3
        for upload in demo_uploads:
            assert upload.status == "accepted" and upload.filename == "observations.csv"
            assert store.exists(upload.blob_sha256) and upload.report_sha256
            assert store.exists(upload.report_sha256)
            assert upload.created_by.startswith("key:demo-LNOB_")

        _check_only_reported_figures_lack_the_illustrative_comment(session)

        actors = set(session.exec(select(AuditEntry.actor)))
        assert {f"key:demo-LNOB_{c}" for c in ("BD", "IN", "KE", "NP", "VN")} <= actors
        assert audit.verify(session).ok


def test_a_second_run_changes_nothing(fresh_store: Store) -> None:
    session, first = _loaded(fresh_store)
    with session:
        entries = session.exec(select(func.count()).select_from(AuditEntry)).one()
        observations = session.exec(select(func.count()).select_from(Observation)).one()
        second = load_demo(session, fresh_store.settings())
        assert [r.status for r in second] == [loader.ALREADY_LOADED] * len(PILOTS)
        assert [replace(r, status=loader.LOADED) for r in second] == first
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == entries
        assert session.exec(select(func.count()).select_from(Observation)).one() == observations
        assert session.exec(select(func.count()).select_from(Dataset)).one() == len(PILOTS)
        assert "already loaded" in second[0].line()
        assert audit.verify(session).ok


def _only(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Load only some pilots (each scenario needs a fresh store; all five take seconds)."""
    monkeypatch.setattr(loader, "read_pilots", lambda: [loader.read_pilot(n) for n in names])


def test_an_interrupted_load_is_completed(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only(monkeypatch, "india", "kenya")
    session = _prepared(fresh_store)
    with session:

        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("interrupted")

        with monkeypatch.context() as patch:
            patch.setattr(loader.review, "submit", fail)
            with pytest.raises(RuntimeError):
                load_demo(session, fresh_store.settings())
        results = load_demo(session, fresh_store.settings())
        assert [r.status for r in results] == [loader.LOADED, loader.LOADED]
        india, kenya = results
        assert (india.observations, india.findings) == EXPECTED_COUNTS["india"]
        assert (kenya.observations, kenya.findings) == EXPECTED_COUNTS["kenya"]
        # The draft left behind was finished, not duplicated: one dataset, one upload.
        assert session.exec(select(func.count()).select_from(Dataset)).one() == 2
        assert len(session.exec(select(Upload)).all()) == 1
        assert audit.verify(session).ok


def test_a_load_interrupted_during_review_finishes_the_review(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only(monkeypatch, "kenya")
    session = _prepared(fresh_store)
    with session:

        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("interrupted")

        with monkeypatch.context() as patch:
            patch.setattr(loader.publishing, "publish", fail)
            with pytest.raises(RuntimeError):
                load_demo(session, fresh_store.settings())
        [version] = session.exec(select(DatasetVersion))
        assert version.state == workflow.DECIDED
        [result] = load_demo(session, fresh_store.settings())
        assert result.status == loader.ALREADY_LOADED and result.state == workflow.PUBLISHED
        states = [
            t.to_state for t in session.exec(select(ReviewTransition).order_by(ReviewTransition.id))
        ]
        assert states == [
            workflow.SUBMITTED,
            workflow.SCREENING,
            workflow.UNDER_REVIEW,
            workflow.DECIDED,
            workflow.PUBLISHED,
        ]
        # Four eyes in the demo too: the assessor and the decider are two keys.
        case = session.exec(select(ReviewCase)).one()
        assert case.assessed_by != case.decided_by
        # Disclosure control ran wherever there are numbers to protect.
        assert (case.disclosure is not None) == (version.observation_count > 0)


def test_a_demo_file_that_fails_validation_raises_with_the_report(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = loader.read_pilot("viet-nam")
    observations = (broken.observations or b"").replace(b",40,PT,400,", b",forty,PT,400,")
    monkeypatch.setattr(loader, "read_pilots", lambda: [replace(broken, observations=observations)])
    session = _prepared(fresh_store)
    with session:
        with pytest.raises(UploadRejected) as raised:
            load_demo(session, fresh_store.settings())
        assert "viet-nam" in raised.value.detail and "report" in raised.value.detail
        assert [e["issue"] for e in raised.value.errors] == ["not-numeric"]
        [upload] = session.exec(select(Upload))
        assert upload.status == "rejected" and upload.report_sha256 in raised.value.detail


def test_an_organisation_that_is_not_the_demos_is_left_alone(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only(monkeypatch, "bangladesh", "kenya")
    session = _prepared(fresh_store)
    with session:
        access.create_organisation(
            session, slug="LNOB_KE", name="LNOB Kenya coalition", kind=OrgKind.DATA_PROVIDER
        )
        results = {r.pilot: r for r in load_demo(session, fresh_store.settings())}
        kenya = results.pop("kenya")
        assert kenya.status == loader.SKIPPED and kenya.dataset is None
        assert "LNOB_KE" in (kenya.note or "") and "skipped" in kenya.line()
        assert all(r.status == loader.LOADED for r in results.values())
        owner = session.exec(select(Organisation).where(Organisation.slug == "LNOB_KE")).one()
        assert session.exec(select(Dataset).where(Dataset.organisation_id == owner.id)).all() == []


def test_the_command_prints_one_line_per_pilot(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepared(fresh_store).close()
    monkeypatch.setenv("VOICESCOUNT_DATABASE_URL", fresh_store.url)
    monkeypatch.setenv("VOICESCOUNT_VAR_DIR", str(fresh_store.var_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(demo, ["load"], catch_exceptions=False)
        assert first.exit_code == 0, first.output
        lines = first.stdout.splitlines()
        # A line per pilot, per illustrative companion dataset, then per official file.
        official = [f.file for f in loader.read_official()]
        assert [line.split()[0] for line in lines] == [
            *PILOTS,
            *COMPANIONS,
            *[loader.OFFICIAL] * len(official),
        ]
        nepal = lines[PILOTS.index("nepal")].split()
        assert nepal[1].startswith("ds-") and nepal[2:4] == ["v1", "published"]
        assert "18 observations" in lines[3] and "0 findings" in lines[3]
        for file, line in zip(official, lines[-len(official) :], strict=True):
            assert f"{file}: reference source" in line and line.endswith("(loaded)")
        again = runner.invoke(demo, ["load"], catch_exceptions=False)
        assert again.exit_code == 0
        assert all(line.endswith("(already loaded)") for line in again.stdout.splitlines())
    finally:
        get_settings.cache_clear()


# ------------------------------------------------------------------------------------------
# Official data to compare with, and the illustrative dataset that compares with it

#: The official figures the demo's extracts hold, as their public sources give them:
#: (file, series, area as written, period) → value.
OFFICIAL_FIGURES = {
    ("kenya-national-sdg.xml", "EN_LND_SLUM", "KE", "2014"): 7.9,
    ("kenya-national-sdg.xml", "EN_LND_SLUM", "KE", "2019"): 6.9,
    ("un-sdg-database-extract.csv", "SP_DYN_MRBF18", "404", "2014"): 22.9,
    ("un-sdg-database-extract.csv", "SP_DYN_MRBF18", "356", "2016"): 27.3,
    ("un-sdg-database-extract.csv", "SP_DYN_MRBF18", "524", "2016"): 39.5,
    ("un-sdg-database-extract.csv", "SP_DYN_MRBF18", "50", "2014"): 58.6,
    ("un-sdg-database-extract.csv", "SP_DYN_MRBF18", "704", "2014"): 10.6,
}


def _official_figures() -> dict[tuple[str, str, str, str], float]:
    """The figures of the official files, read as plainly as possible (no voicescount code)."""
    found: dict[tuple[str, str, str, str], float] = {}
    directory = DEMO_PACKAGE / "data" / loader.OFFICIAL
    for official in loader.read_official():
        path = directory / official.file
        if path.suffix == ".csv":
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
                key = (official.file, row["SERIES"], row["REF_AREA"], row["TIME_PERIOD"])
                found[key] = float(row["OBS_VALUE"])
            continue
        for series in etree.parse(str(path)).iter("Series"):
            for obs in series.iter("Obs"):
                key = (official.file, series.get("SERIES"), series.get("REF_AREA"))
                found[(*key, obs.get("TIME_PERIOD"))] = float(obs.get("OBS_VALUE"))
    return found


def test_the_official_files_hold_the_public_figures_unchanged() -> None:
    assert _official_figures() == OFFICIAL_FIGURES
    text = (DEMO_PACKAGE / "data" / loader.OFFICIAL / "kenya-national-sdg.xml").read_text()
    assert "Derived by scripts/derive_demo_official.py" in text
    assert "7fc54682aada46cd19763c6078ca0b8dae6125d6" in text
    # Each file is loaded by the demo statistics office of a pilot.
    for official in loader.read_official():
        assert official.pilot in PILOTS
        assert (DEMO_PACKAGE / "data" / loader.OFFICIAL / official.file).is_file()


@pytest.mark.parametrize("name", COMPANIONS)
def test_a_companion_dataset_is_illustrative_through_and_through(name: str) -> None:
    companion = loader.read_pilot(name)
    assert name not in PILOTS
    assert companion.title.endswith("(demo)") and companion.metadata["title"] == companion.title
    # Not a pilot coalition's: a demo organisation of its own, reviewed by a pilot's office.
    assert not companion.organisation.slug.startswith("LNOB_")
    assert companion.organisation.name.endswith("(demo)")
    assert companion.steward in {pilot.steward for pilot in loader.read_pilots()}
    text = (DEMO_PACKAGE / "data" / name / "methodology.yaml").read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in text and text.count("illustrative") >= 10
    limitations = companion.metadata["limitations"]
    assert "demo" in limitations and "whole dataset is illustrative" in limitations
    assert companion.observations is not None
    rows = list(csv.DictReader(io.StringIO(companion.observations.decode("utf-8"))))
    assert rows and all(row["COMMENT_OBS"] == ILLUSTRATIVE_COMMENT for row in rows)


def test_official_data_is_loaded_and_the_demo_compares_with_it(fresh_store: Store) -> None:
    session = _prepared(fresh_store)
    settings = fresh_store.settings()
    with session:
        companions = load_companions(session, settings)
        assert [(c.status, c.state) for c in companions] == [
            (loader.LOADED, publishing.PUBLISHED)
        ] * len(COMPANIONS)
        official = load_official(session, settings)
        assert [o.status for o in official] == [loader.LOADED] * len(official)
        sources = {s.filename: s for s in session.exec(select(ReferenceSource))}
        assert set(sources) == {o.file for o in loader.read_official()}
        for spec in loader.read_official():
            source = sources[spec.file]
            steward = loader.read_pilot(spec.pilot).steward.slug
            assert source.name == spec.name
            assert source.loaded_by == f"key:demo-{steward}-admin"
            office = access.get_organisation(session, steward)
            assert source.organisation_id == office.id and office.kind == OrgKind.STEWARD
        assert sources["un-sdg-database-extract.csv"].agency == "UNSD"

        # The illustrative Kenyan figures meet Kenya's official figure for 11.1.1.
        found = comparison.compare(
            session, agency=AGENCY, base_url=settings.base_url, indicator="11.1.1"
        )
        assert found.rows
        for row in found.rows:
            assert row.community.release.dataset == companions[0].dataset
            assert row.official.source.id == sources["kenya-national-sdg.xml"].id
            assert row.match.area == "national" and row.gap is not None
        assert {(r.area, r.period, r.official.value) for r in found.rows} == {
            ("KE-30", "2014", 7.9),
            ("KE-30", "2019", 6.9),
            ("KE-17", "2019", 6.9),
        }

        # A second run leaves everything as it is.
        entries = session.exec(select(func.count()).select_from(AuditEntry)).one()
        again = load_official(session, settings)
        assert [o.status for o in again] == [loader.ALREADY_LOADED] * len(official)
        assert [o.source for o in again] == [o.source for o in official]
        assert [c.status for c in load_companions(session, settings)] == [
            loader.ALREADY_LOADED
        ] * len(COMPANIONS)
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == entries
        assert audit.verify(session).ok
