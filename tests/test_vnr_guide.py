"""docs/vnr.md runs as written: its ``bash`` and ``python`` examples are executed in document
order against a live server holding the published demo, on both stores, and what they print is
matched against the output the guide shows.

The guide's fenced blocks are read as the other guides' are (the parser and the output matching
are those of ``tests/test_coalition_guide.py``; Python runs as in ``tests/test_nso_guide.py``, the
shell as in ``tests/test_review_guide.py``, all ``bash`` blocks one shell session):

* ``python``: executed, all blocks in one namespace, as in one interactive session.
* ``bash``: run with ``bash -euo pipefail``; the variables a block sets are there in the next.
* ``text output`` after either: what it printed, matched line by line in order (``…`` stands for
  anything). What differs from run to run may differ: dataset ids, SHA-256 hashes, upload
  numbers, the server's port, the moments the server chose (written as on the guide's day,
  2026-03-02) and the public key. The figures, codes, labels and counts may not.
* anything else (``text``, ``json``…) is shown, not run.

The guide addresses the server of ``make run`` (``http://127.0.0.1:8000``); the test puts the live
server's address in its place.

What the guide's server holds besides the demo of ``make run`` is set up here the way a
statistics office would have done it (through the API, with real keys): the Kenyan coalition's
child-marriage survey of ``docs/review.md``, published by the demo's Kenyan office, a second
copy of it published and withdrawn, and a signed audit checkpoint.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib

from tests.api.test_intake import kenya_metadata, upload
from tests.conftest import BACKENDS, Actor
from tests.interop.conftest import DemoServer, serve_demo, validate_recorded
from tests.review_steps import assess, decide, protect, publish_decided
from tests.test_coalition_guide import FENCE, Block, Ids, match_output
from tests.test_nso_guide import run_python
from tests.test_review_guide import guide_blocks as review_guide_blocks
from tests.test_review_guide import run_bash
from voicescount.access import service as access
from voicescount.provenance import checkpoints
from voicescount.types import Role

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "vnr.md"
#: The address the guide's examples use: that of ``make run``.
GUIDE_URL = "http://127.0.0.1:8000"
RUN = ("python", "bash")
COALITION, OFFICE = "LNOB_KE", "NSO_KE"
TITLE = "Child marriage in three counties of Kenya, 2023"
WITHDRAWN_TITLE = "Child marriage in three counties of Kenya, 2023 (first upload)"
WITHDRAWN_REASON = "The Kilifi community group withdrew its consent to publication."
CAVEAT = (
    "Citizen-generated data from LNOB_KE (purposive sample of women aged 20-24 in three "
    "counties, 2023); reviewed by NSO_KE as complementary to official statistics."
)
CONDITIONS = (
    "Use as county figures for the women who took part, not as estimates for all women in the "
    "counties."
)


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        line = text.count("\n", 0, match.start()) + 1
        block = Block(
            words[0] if words else "",
            dict(w.split("=", 1) for w in words[1:] if "=" in w),
            {w for w in words[1:] if "=" not in w},
            match["body"],
            line,
        )
        block.where = f"{GUIDE.name}:{line}"
        blocks.append(block)
    return blocks


# ------------------------------------------------------------------------------------------
# What the server holds


def survey_csv() -> bytes:
    """The review guide's survey: nine cells, one resting on 7 respondents, one on 24."""
    (block,) = [b for b in review_guide_blocks() if b.attributes.get("file") == "survey.csv"]
    return block.body.encode("utf-8")


def survey_metadata(title: str) -> dict[str, Any]:
    """The methodology of a household survey (the example metadata, made to say what the
    survey did, so that its provenance reads right)."""
    metadata = kenya_metadata()
    metadata.pop("qualitative_methods", None)
    metadata.update(
        {
            "title": title,
            "abstract": (
                "A household survey of women aged 20 to 24 in three counties of Kenya, asking "
                "at what age they first married or lived with a partner. The shares describe "
                "the women who took part, by county and residence, not all women in the "
                "counties (illustrative example)."
            ),
            "creators": [{"name": "Example Community Network", "type": "organisation"}],
            "keywords": ["child marriage", "leave no one behind", "SDG 5"],
            "kind_of_data": "household_survey",
            "sdg_mappings": [
                {
                    "goal": "5",
                    "target": "5.3",
                    "indicator": "5.3.1",
                    "series_code": "SP_DYN_MRBF18",
                    "relation": "proxy",
                    "concordance_note": (
                        "Same question and age group as the indicator, asked of a purposive "
                        "sample in three counties: the shares describe the women who took "
                        "part, not the counties' populations."
                    ),
                }
            ],
            "rationale": "No official source publishes the indicator for these counties.",
            "unit_of_measure": "PT",
            "reference_period": {"start": "2023-01-01", "end": "2023-12-31"},
            "collection_period": {"start": "2023-03-06", "end": "2023-04-28"},
            "geography": {
                "country": "KE",
                "areas": ["KE-28", "KE-14", "KE-30"],
                "lowest_level": "county",
            },
            "universe": {"description": "Women aged 20 to 24 living in the three counties."},
            "target_groups": [
                {"code": "LNOB_WOMEN_GIRLS", "label": "Young women", "identification": "self"}
            ],
            "instruments": [
                {
                    "type": "questionnaire",
                    "title": "Household questionnaire on marriage and partnership",
                    "language": "sw",
                    "co_designed": True,
                    "pretested": True,
                }
            ],
            "collection_mode": {"mode": "CAPI", "tool": "KoBoToolbox on surveyors' phones"},
            "sampling": {
                "design": "purposive",
                "selection": "Women reached door to door in the wards where the members work.",
                "size_planned": 500,
                "size_achieved": 500,
            },
            "computation": [
                {
                    "measure": "Share of women aged 20-24 first married or in union before 18",
                    "indicator": "5.3.1",
                    "series": "SP_DYN_MRBF18",
                    "numerator": "Women aged 20-24 first married or in union before age 18",
                    "denominator": "Women aged 20-24 who answered the question",
                    "formula": "100 × numerator ÷ denominator",
                    "aggregation": "Unweighted, by county and residence",
                }
            ],
            "limitations": (
                "Women were reached door to door, not sampled at random: the shares describe "
                "the women who took part. Every figure is illustrative."
            ),
        }
    )
    return metadata


def key(server: DemoServer, organisation: str, role: Role) -> Actor:
    """A key of one of the demo's organisations, held by a person of its own."""
    holder = f"{role.value}@{organisation.lower()}.example"
    with server.store.session() as session:
        issued = access.create_key(
            session, organisation_slug=organisation, role=role, holder=holder
        )
    return Actor(organisation, role, issued.token, issued.key.key_id, holder)


def submit(client: httpx.Client, coalition: Actor, title: str) -> str:
    created = client.post(
        "/api/v1/datasets",
        json={"title": title, "metadata": survey_metadata(title)},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid: str = created.json()["dataset"]
    uploaded = upload(client, coalition, uid, survey_csv())
    assert uploaded.status_code == 201, uploaded.text
    submitted = client.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    assert submitted.json()["state"] == "under_review", submitted.text
    return uid


def publish_survey(client: httpx.Client, office: dict[Role, Actor], uid: str) -> dict[str, Any]:
    """The office's review, as docs/review.md walks through it: disclosure control, an
    assessment, a decision by another person, publication."""
    reviewer, approver = office[Role.REVIEWER], office[Role.APPROVER]
    protect(client, reviewer, uid)
    assess(client, reviewer, uid, accuracy=1)
    decide(client, approver, uid, conditions=CONDITIONS, caveat=CAVEAT)
    return publish_decided(client, approver, uid)


def set_up(server: DemoServer) -> None:
    """What the guide's server holds besides the demo."""
    coalition = key(server, COALITION, Role.SUBMITTER)
    office = {role: key(server, OFFICE, role) for role in (Role.REVIEWER, Role.APPROVER)}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        # A first copy, published and then withdrawn, before the survey itself is published.
        first = publish_survey(client, office, submit(client, coalition, WITHDRAWN_TITLE))
        withdrawn = client.post(
            f"/api/v1/releases/{first['id']}/withdraw",
            json={"reason": WITHDRAWN_REASON},
            headers=office[Role.APPROVER].headers,
        )
        assert withdrawn.json()["status"] == "withdrawn", withdrawn.text
        release = publish_survey(client, office, submit(client, coalition, TITLE))
        assert release["status"] == "current", release
    # The server's worker would sign one within the hour; the guide checks one now.
    signing_key = checkpoints.load_signing_key(server.settings)
    assert signing_key is not None
    with server.store.session() as session:
        assert checkpoints.create(session, signing_key) is not None
        session.commit()


def serve_guide(backend: str, tmp: Path, request: Any) -> Iterator[DemoServer]:
    """The demo and the set-up above, served live at an address that is also the server's
    public base URL (the guide follows the links the server gives)."""
    with serve_demo(backend, tmp, request) as server:
        server.settings = server.settings.model_copy(update={"base_url": server.url})
        server.recorder.app.state.settings = server.settings
        set_up(server)
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def guide_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    backend: str = request.param
    yield from serve_guide(backend, tmp_path_factory.mktemp(f"vnr-guide-{backend}"), request)


# ------------------------------------------------------------------------------------------
# The guide


def test_the_guide_covers_what_a_vnr_team_needs() -> None:
    blocks = guide_blocks()
    assert all(b.language for b in blocks), "every fenced block names its language"
    code = "\n".join(b.body for b in blocks if b.language in RUN)
    for needle in (
        "/releases?current=true",
        "sdmx_data_url",
        "application/vnd.sdmx.data+csv;version=2.0.0",
        "format=csvdata-2.0",
        "/sdg/indicators/",
        "/community-series",
        "/provenance",
        "format=provn",
        "format=turtle",
        "citation?format=apa",
        "format=bibtex",
        "format=ris",
        "/citations/query",
        "pinned_url",
        '"withdrawn"',
        "content_hash",
        "/manifest",
        "/data.csv",
        "/audit/verify",
        "/audit/checkpoints/latest",
        "/audit/public-key",
        "signed_payload",
    ):
        assert needle in code, f"no example uses {needle}"
    text = GUIDE.read_text(encoding="utf-8")
    assert "## 6. Wording for the VNR report" in text
    for attribute in ("REVIEW_DECISION", "CONF_STATUS", "OBS_STATUS", "UNWEIGHTED_N"):
        assert f"| `{attribute}` |" in text, f"{attribute} is not in the attribute table"
    # Every example that prints is followed by what it prints.
    for index, block in enumerate(blocks):
        if block.language in RUN and re.search(
            r"\bprint\(|\| jq|\becho |\bhead |wc |grep |^curl", block.body, re.M
        ):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            assert following and "output" in following.flags, f"{block.where}: no output shown"


#: Moments the server chose (publication, asOf, checkpoints) differ on every run: in the guide's
#: output they are written as on its publication day, and stand for any moment.
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
GUIDE_DAY, GUIDE_YEAR = "2026-03-02", "2026"
#: An Ed25519 public key's PEM body: the algorithm prefix is fixed, the key is not.
ED25519_PEM = re.compile(r"^(MCowBQYDK2VwAyEA)\S+$")


def expected_lines(block: Block) -> list[str]:
    lines = []
    for line in block.body.splitlines():
        line = MOMENT.sub("…", line).replace(GUIDE_DAY, "…")
        line = line.replace(f"({GUIDE_YEAR})", "(…)")
        lines.append(ED25519_PEM.sub(r"\1…", line))
    return lines


def test_the_output_check_can_fail() -> None:
    """Each shown output matches itself, and no longer once a figure in it is changed (the
    wildcards for moments and keys do not swallow the figures)."""
    blocks = guide_blocks()
    checked = 0
    for block in blocks:
        if "output" not in block.flags:
            continue
        match_output(expected_lines(block), block.body.splitlines(), Ids(), block.where)
        checked += 1
    assert checked >= 15, checked
    (table,) = [b for b in blocks if "output" in b.flags and "| Mombasa |" in b.body]
    changed = Block(
        table.language, table.attributes, table.flags, table.body.replace("26.8", "26.9")
    )
    with pytest.raises(AssertionError, match=r"\| Mombasa \| 23\.5 \| 31 \| 26\.9 \|"):
        match_output(expected_lines(changed), table.body.splitlines(), Ids(), table.where)


def test_every_example_runs_against_a_live_server(
    guide_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mark = len(guide_server.responses)
    blocks = guide_blocks()
    has_curl = bool(shutil.which("curl") and shutil.which("jq"))
    namespace: dict[str, Any] = {"__name__": "vnr_guide"}
    shell = dict(os.environ)
    ids = Ids()
    ran = dict.fromkeys(RUN, 0)
    for index, block in enumerate(blocks):
        if block.language not in RUN:
            continue
        text = block.body.replace(GUIDE_URL, guide_server.url)
        if block.language == "python":
            printed = run_python(text, block.where, namespace)
        elif has_curl:
            output, shell = run_bash(text, shell, tmp_path, block.where)
            printed = output.splitlines()
        else:
            continue
        ran[block.language] += 1
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following and following.language == "text" and "output" in following.flags:
            match_output(expected_lines(following), printed, ids, block.where)
    assert ran["python"] >= 7, ran
    assert ran["bash"] >= 14 or not has_curl, ran

    # What the examples kept for the evidence annex is what they say it is.
    release = namespace["release"]
    assert release["title"] == TITLE and release["caveat"] == CAVEAT
    assert namespace["cited"]["pinned_url"].startswith(release["sdmx_data_url"] + "?asOf=")
    if has_curl:
        turtle = rdflib.Graph().parse(tmp_path / "provenance.ttl", format="turtle")
        assert len(turtle) > 50
        assert (tmp_path / "provenance.provn").read_text().startswith("document")
        assert (tmp_path / "kenya.ris").read_text().startswith("TY  - DATA")
        assert (tmp_path / "kenya.csv").read_text().startswith("STRUCTURE,STRUCTURE_ID,ACTION")
    # The links the guide names without running answer too.
    api = f"{guide_server.url}/api/v1"
    for path in (
        f"/releases/{release['id']}/dcat",
        f"/releases/{release['id']}/schema-org",
        f"/releases/{release['id']}/datapackage.json",
        f"/releases/{release['id']}/citation?format=csl",
        f"/releases/{release['id']}/citation?format=datacite-json",
        f"/releases/{release['id']}/provenance?format=json",
        "/provenance/terms",
        f"/audit/checkpoints/{namespace['checkpoint']['number']}",
    ):
        answer = httpx.get(api + path)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
    contact = httpx.get(f"{api}/releases/{release['id']}/dcat").json()["dcat:contactPoint"]
    assert contact["vcard:fn"], contact
    # Every SDMX message the examples received is valid.
    kinds = validate_recorded(guide_server, guide_server.responses[mark:])
    assert "data-csv-2.0" in kinds, kinds
