"""``voicescount submit|validate|status`` through click's CliRunner against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from tests.api.test_intake import GOOD_CSV, HEADER, kenya_metadata
from tests.conftest import Actor
from voicescount.cli import main
from voicescount.client import Client
from voicescount.types import OrgKind, Role

Run = Callable[..., Result]
DATASET = re.compile(r"\bds-[0-9a-f]{10}\b")
BAD_CSV = (
    HEADER + "SP_DYN_MRBF18,KE-28,F,2023,23.5,120\n" + "SP_DYN_MRBF18,Mombassa,Femal,2023,abc,110\n"
)


@pytest.fixture
def coalition(make_actor) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "methodology.yaml").write_text(
        yaml.safe_dump(kenya_metadata(), allow_unicode=True), encoding="utf-8"
    )
    (tmp_path / "households.csv").write_text(GOOD_CSV, encoding="utf-8")
    (tmp_path / "bad.csv").write_text(BAD_CSV, encoding="utf-8")
    return tmp_path


@pytest.fixture
def run(live_server: str, coalition: Actor, files: Path) -> Run:
    """``voicescount ARGS --server <live server> --key <the coalition's key>``."""

    def invoke(*args: str, key: str | None = coalition.token) -> Result:
        options = ["--server", live_server] + (["--key", key] if key else [])
        return CliRunner().invoke(main, [*args, *options], catch_exceptions=False, env={})

    return invoke


@pytest.fixture
def client(live_server: str, coalition: Actor) -> Iterator[Client]:
    with Client(live_server, api_key=coalition.token) as c:
        yield c


def dataset_of(result: Result) -> str:
    found = DATASET.search(result.stdout)
    assert found, result.output
    return found.group()


def test_submit_creates_uploads_and_submits(run: Run, client: Client) -> None:
    result = run("submit", "households.csv", "--metadata", "methodology.yaml")
    assert result.exit_code == 0, result.output
    uid = dataset_of(result)
    version = client.get_version(uid, 1)
    assert version.state == "under_review" and version.observation_count == 3
    assert f"submitted {uid} version 1: 3 observations" in result.stdout
    assert "screening passed: now under review (0 warning(s))" in result.stdout
    assert f"content hash (SHA-256): {version.content_hash}" in result.stdout
    assert "'Mombasa County' → KE-28" in result.stdout
    assert "sending households.csv (177 bytes)" in result.stderr
    assert client.get_dataset(uid).title == kenya_metadata()["title"]


def test_a_bad_file_prints_issues_with_suggestions_and_exits_1(run: Run, client: Client) -> None:
    result = run("submit", "bad.csv", "--metadata", "methodology.yaml", "--title", "Mombasa")
    assert result.exit_code == 1, result.output
    uid = dataset_of(result)
    out = result.stdout
    assert "upload rejected" in out
    assert "row 3, column County (REF_AREA): 'Mombassa' is not a code" in out
    assert "— did you mean KE-28" in out
    assert "row 3, column Gender (SEX): 'Femal'" in out and "did you mean F?" in out
    assert "row 3, column Value (OBS_VALUE): OBS_VALUE must be a number" in out
    assert re.search(r"issues by kind:\n  unknown-code +2\n  not-numeric +1", out)
    assert f"full report (CSV): {client.base_url}/api/v1/datasets/{uid}/versions/1/" in out
    assert f"run the same command again with --dataset {uid}" in out
    assert client.get_version(uid, 1).state == "draft"
    # Fixed, the file goes into the same draft, and the draft is submitted.
    Path("bad.csv").write_text(BAD_CSV.replace("Mombassa,Femal,2023,abc", "KE-28,M,2023,7"))
    fixed = run("submit", "bad.csv", "--dataset", uid)
    assert fixed.exit_code == 0, fixed.output
    assert f"using draft version 1 of {uid}" in fixed.stdout
    assert client.get_version(uid, 1).state == "under_review"
    assert [d.id for d in client.list_datasets()].count(uid) == 1


def test_blocking_metadata_is_listed_and_a_rerun_does_not_upload_twice(
    run: Run, client: Client, files: Path
) -> None:
    incomplete = {"title": "Child marriage in Mombasa", "unit_of_measure": "PT"}
    (files / "draft.yaml").write_text(yaml.safe_dump(incomplete), encoding="utf-8")
    first = run("submit", "households.csv", "--metadata", "draft.yaml")
    assert first.exit_code == 1, first.output
    uid = dataset_of(first)
    assert re.search(r"upload \d+ accepted: 3 observations stored", first.stdout)
    assert "not submitted: the metadata is not ready:" in first.stdout
    assert "  - licence: required at submission" in first.stdout
    assert "  - sdg_mappings: required at submission" in first.stdout
    again = run("submit", "households.csv", "--metadata", "methodology.yaml", "--dataset", uid)
    assert again.exit_code == 0, again.output
    assert "households.csv is already in this draft" in again.stdout
    version = client.get_version(uid, 1)
    assert version.state == "under_review" and len(version.uploads) == 1


def test_malformed_metadata_is_refused_field_by_field(
    run: Run, client: Client, files: Path
) -> None:
    metadata = kenya_metadata()
    metadata["collection_period"] = {"start": "2023-09-30", "end": "2023-08-01"}
    (files / "wrong.yaml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    result = run("submit", "households.csv", "--metadata", "wrong.yaml")
    assert result.exit_code == 1, result.output
    assert "wrong.yaml was refused" in result.stdout
    assert "  - collection_period.end:" in result.stdout
    assert client.get_version(dataset_of(result), 1).uploads == []


def test_no_submit_keeps_the_draft_and_a_later_submit_makes_a_new_version(
    run: Run, client: Client
) -> None:
    kept = run("submit", "households.csv", "--metadata", "methodology.yaml", "--no-submit")
    assert kept.exit_code == 0, kept.output
    uid = dataset_of(kept)
    assert f"draft kept: {uid} version 1 (3 obs.)" in kept.stdout
    assert client.get_version(uid, 1).state == "draft"
    assert run("submit", "households.csv", "--dataset", uid).exit_code == 0
    second = run("submit", "households.csv", "--dataset", uid)
    assert second.exit_code == 0, second.output
    assert f"started version 2 of {uid} (after version 1, under review)" in second.stdout
    assert f"submitted {uid} version 2: 3 observations" in second.stdout
    assert [v.state for v in client.get_dataset(uid).versions] == ["under_review", "under_review"]


def test_validate_a_file_alone_with_metadata_or_against_a_draft(
    run: Run, client: Client, files: Path
) -> None:
    good = run("validate", "households.csv", "--metadata", "methodology.yaml")
    assert good.exit_code == 0, good.output
    assert "households.csv: valid with methodology.yaml" in good.stdout
    bad = run("validate", "bad.csv", "--metadata", "methodology.yaml")
    assert bad.exit_code == 1
    assert "row 3, column County (REF_AREA): 'Mombassa'" in bad.stdout
    assert "did you mean KE-28" in bad.stdout
    assert "not valid: fix bad.csv (nothing was stored)" in bad.stdout
    (files / "draft.yaml").write_text("title: Only a title\nunit_of_measure: PT\n")
    incomplete = run("validate", "households.csv", "--metadata", "draft.yaml")
    assert incomplete.exit_code == 1
    assert "  - licence: required at submission" in incomplete.stdout
    assert "not valid: fix the metadata" in incomplete.stdout
    # Without metadata only the file is judged: UNIT_MEASURE must then come from the mapping.
    (files / "mapping.yaml").write_text("defaults: {UNIT_MEASURE: PT}\n")
    alone = run("validate", "households.csv", "--mapping", "mapping.yaml")
    assert alone.exit_code == 0, alone.output
    draft = client.create_dataset("Dry run", metadata=kenya_metadata())
    dry = run("validate", "bad.csv", "--dataset", draft.dataset)
    assert dry.exit_code == 1 and "did you mean KE-28" in dry.stdout
    ok = run("validate", "households.csv", "--dataset", draft.dataset, "--version", "1")
    assert ok.exit_code == 0, ok.output
    assert client.get_version(draft.dataset, 1).uploads == []


def test_status_lists_datasets_and_versions(run: Run, client: Client, coalition: Actor) -> None:
    submitted = run("submit", "households.csv", "--metadata", "methodology.yaml")
    uid = dataset_of(submitted)
    rejected = run("submit", "bad.csv", "--dataset", uid)
    assert rejected.exit_code == 1  # version 2 was started, its upload rejected
    listing = run("status")
    assert listing.exit_code == 0, listing.output
    assert f"1 dataset of {coalition.org} (submitter)" in listing.stdout
    assert re.search(rf"^{uid}  v2 draft\s+Community dialogues", listing.stdout, re.M)
    one = run("status", uid)
    assert one.exit_code == 0, one.output
    lines = one.stdout.splitlines()
    assert lines[0].startswith(f"{uid}: Community dialogues")
    assert "version 1  under_review  3 observations, 0 findings, submitted " in one.stdout
    hash_ = client.get_version(uid, 1).content_hash
    assert f"  content hash: {hash_}" in lines
    assert re.search(
        r"  upload \d+  accepted +households\.csv  3/3 rows stored, 0 errors", one.stdout
    )
    assert "version 2  draft      0 observations" in one.stdout
    assert re.search(r"  upload \d+  rejected +bad\.csv  0/2 rows stored, 3 errors", one.stdout)


def test_errors_are_reported_without_tracebacks(run: Run, tmp_path: Path) -> None:
    no_key = run("status", key=None)
    assert no_key.exit_code == 2 and "an API key is needed" in no_key.stderr
    wrong = run("status", key="vck_nope_nope")
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error: ") and "--key" in wrong.stderr
    missing = run("status", "ds-0000000000")
    assert missing.exit_code == 1 and "ds-0000000000" in missing.stderr
    no_metadata = run("submit", "households.csv")
    assert no_metadata.exit_code == 2 and "--metadata" in no_metadata.stderr
    unreachable = CliRunner().invoke(
        main, ["status", "--server", "http://127.0.0.1:9", "--key", "vck_x_y"], env={}
    )
    assert unreachable.exit_code == 1
    assert "cannot reach the voicescount server" in unreachable.stderr


def test_server_and_key_come_from_the_environment(
    live_server: str, coalition: Actor, files: Path
) -> None:
    result = CliRunner().invoke(
        main,
        ["status"],
        env={"VOICESCOUNT_SERVER": live_server, "VOICESCOUNT_API_KEY": coalition.token},
    )
    assert result.exit_code == 0, result.output
    assert f"datasets of {coalition.org}" in result.stdout
