"""docs/review.md runs as written: after a coalition has submitted the walk-through's dataset, its
``bash`` and ``python`` examples are executed in document order against a live server, on both
stores, and what they did is checked on the server.

The fenced blocks are read as ``tests/test_coalition_guide.py`` reads the coalition guide (and
with its parser and output matching):

* ``csv file=NAME``, ``yaml file=NAME``: a file the examples use, written to the working
  directory first (``survey.csv`` is also what the coalition uploads before the examples run);
* ``python``: executed, all blocks in one namespace, as in one interactive session;
* ``bash``: run with ``bash -euo pipefail``, all blocks as in one shell session: the variables
  a block sets are there in the next ones. A following ``text output`` block is its expected
  output (lines matched in order; ``…`` stands for anything; dataset ids may differ).
  ``dataset=second``: the block runs with ``DATASET`` set to a second submitted dataset, so
  that an alternative path (returning a version) does not end the walk-through;
* anything else (``sh``, ``text``, ``json``) is shown, not run.

The guide is written for the coalition ``LNOB_KE``, the office ``NSO_KE`` and the dataset
``ds-7c1e5a9b20``; the test puts its own in their place, and exports ``VOICESCOUNT_SERVER``,
``REVIEWER_KEY``, ``APPROVER_KEY`` and ``DATASET``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from tests.api.test_intake import kenya_metadata
from tests.conftest import Actor, Store, running_server
from tests.test_coalition_guide import FENCE, Block, Ids, match_output
from voicescount.api.routers import releases, reviews, webhooks
from voicescount.app import create_app
from voicescount.notifications import service as notifications
from voicescount.notifications import signing
from voicescount.review.rubric import load_rubric
from voicescount.storage.tables import Webhook, WebhookDelivery
from voicescount.types import OrgKind, Role

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "review.md"
GUIDE_COALITION = "LNOB_KE"
GUIDE_OFFICE = "NSO_KE"
GUIDE_DATASET = "ds-7c1e5a9b20"
RUN = ("python", "bash")
VARIABLES = ("VOICESCOUNT_SERVER", "REVIEWER_KEY", "APPROVER_KEY", "DATASET")
TITLE = "Child marriage in three counties of Kenya, 2023"


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        language = words[0] if words else ""
        attributes = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        flags = {w for w in words[1:] if "=" not in w}
        line = text.count("\n", 0, match.start()) + 1
        block = Block(language, attributes, flags, match["body"], line)
        block.where = f"{GUIDE.name}:{line}"
        blocks.append(block)
    return blocks


def test_the_guide_has_examples_of_every_kind() -> None:
    blocks = guide_blocks()
    assert all(b.language for b in blocks), "every fenced block names its language"
    languages = {b.language for b in blocks}
    assert {"python", "bash", "text", "yaml", "csv"} <= languages
    bash = "\n".join(b.body for b in blocks if b.language == "bash")
    for variable in VARIABLES:
        assert f"${variable}" in bash, f"no bash example uses ${variable}"
    files = {b.attributes["file"] for b in blocks if "file" in b.attributes}
    assert {"rubric.yaml", "survey.csv"} <= files


def test_the_rubric_example_is_a_valid_rubric() -> None:
    (block,) = [b for b in guide_blocks() if b.attributes.get("file") == "rubric.yaml"]
    rubric = load_rubric(block.body)
    gates = [c for c in rubric.criteria if c.gating]
    assert len(gates) == 4 and rubric.values == [0, 1, 2, 3]
    # Every field of the rubric, a level and a criterion is in the field tables.
    text = GUIDE.read_text(encoding="utf-8")
    for model in (type(rubric), type(rubric.scale[0]), type(rubric.criteria[0])):
        for name in model.model_fields:
            assert f"| `{name}` |" in text, f"the rubric field {name} is not in the tables"


def _endpoints(text: str) -> set[str]:
    found = re.findall(r"`(GET|PUT|POST|PATCH|DELETE) (/[^`\s]*)`", text)
    return {f"{method} {re.sub(r'{[^}]*}', '{}', path)}" for method, path in found}


def test_the_reference_lists_every_review_endpoint() -> None:
    section = GUIDE.read_text(encoding="utf-8").split("## 15. API reference", 1)[1]
    documented = _endpoints(section)
    checked = 0
    for router in (reviews.router, releases.router, webhooks.router):
        for route in router.routes:
            path = re.sub(r"{[^}]*}", "{}", getattr(route, "path", ""))
            for method in sorted(set(getattr(route, "methods", ())) - {"HEAD"}):
                assert f"{method} {path}" in documented, f"{method} {path} is not in the reference"
                checked += 1
    assert checked >= 20


# ------------------------------------------------------------------------------------------
# Running the examples


@pytest.fixture(scope="module")
def guide_server(store: Store) -> Iterator[str]:
    """A live server whose public base URL is its own address (the guide follows the
    ``sdmx_data_url`` of a release)."""
    app: FastAPI = create_app(store.settings())
    with running_server(app) as url:
        app.state.settings = app.state.settings.model_copy(update={"base_url": url})
        yield url


def submit(server: str, coalition: Actor, title: str, data: bytes) -> str:
    """What the coalition does before the guide starts: create, describe, upload, submit."""
    metadata = kenya_metadata()
    metadata["title"] = title
    metadata["geography"] = {
        "country": "KE",
        "areas": ["KE-28", "KE-14", "KE-30"],
        "lowest_level": "county",
    }
    with httpx.Client(base_url=f"{server}/api/v1", headers=coalition.headers) as client:
        created = client.post("/datasets", json={"title": title, "metadata": metadata})
        assert created.status_code == 201, created.text
        uid: str = created.json()["dataset"]
        uploaded = client.post(
            f"/datasets/{uid}/versions/1/uploads",
            content=data,
            headers={"Content-Type": "text/csv"},
        )
        assert uploaded.status_code == 201, uploaded.text
        submitted = client.post(f"/datasets/{uid}/versions/1/submit")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "under_review", submitted.json()
    return uid


def run_bash(text: str, env: dict[str, str], cwd: Path, where: str) -> tuple[str, dict[str, str]]:
    """Run a block as the next commands of one shell session: its output, and the environment
    it leaves (``set -a`` exports what it sets)."""
    state = cwd / ".shell-state"
    script = f"set -a\n{text}\nenv -0 > '{state}'\n"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"
    after = dict(item.split("=", 1) for item in state.read_text().split("\0") if "=" in item)
    return result.stdout, after


def state_of(server: str, reviewer: Actor, uid: str) -> str:
    answer = httpx.get(
        f"{server}/api/v1/datasets/{uid}/versions/1/review", headers=reviewer.headers
    )
    assert answer.status_code == 200, answer.text
    state: str = answer.json()["state"]
    return state


def test_every_example_runs_against_a_live_server(
    guide_server: str,
    store: Store,
    make_actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.skip("the guide's shell examples need curl and jq")
    suffix = uuid.uuid4().hex[:6].upper()
    coalition = make_actor(
        OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=f"LNOB_{suffix}", country="KE"
    )
    approver = make_actor(OrgKind.STEWARD, Role.APPROVER, org=f"NSO_{suffix}", country="KE")
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER, org=approver.org, country="KE")

    blocks = guide_blocks()
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        if "file" in block.attributes:
            (tmp_path / block.attributes["file"]).write_text(block.body, encoding="utf-8")
    survey = (tmp_path / "survey.csv").read_bytes()
    dataset = submit(guide_server, coalition, TITLE, survey)
    second = submit(guide_server, coalition, f"{TITLE} (second dataset)", survey)

    for name, value in zip(
        VARIABLES, (guide_server, reviewer.token, approver.token, dataset), strict=True
    ):
        monkeypatch.setenv(name, value)
    shell = dict(os.environ)

    def ours(text: str) -> str:
        return text.replace(GUIDE_COALITION, coalition.org).replace(GUIDE_OFFICE, approver.org)

    namespace: dict[str, Any] = {"__name__": "review_guide"}
    ids = Ids()
    ids.real[GUIDE_DATASET] = dataset
    ran = dict.fromkeys(RUN, 0)
    states = [state_of(guide_server, reviewer, dataset)]
    for index, block in enumerate(blocks):
        if block.language not in RUN or "file" in block.attributes:
            continue
        text = ours(block.body)
        if block.language == "python":
            exec(compile(text, block.where, "exec"), namespace)
        else:
            if block.attributes.get("dataset") == "second":
                output, _ = run_bash(text, {**shell, "DATASET": second}, tmp_path, block.where)
            else:
                output, shell = run_bash(text, shell, tmp_path, block.where)
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following and following.language == "text" and "output" in following.flags:
                expected = ours(following.body).splitlines()
                match_output(expected, output.splitlines(), ids, block.where)
        ran[block.language] += 1
        state = state_of(guide_server, reviewer, dataset)
        if state != states[-1]:
            states.append(state)
    assert ran["python"] >= 3 and ran["bash"] >= 12, ran

    # The walk-through's version went the whole way, the other one was returned.
    assert states == ["under_review", "decided", "published", "withdrawn"]
    assert state_of(guide_server, reviewer, second) == "returned"
    api = f"{guide_server}/api/v1"
    case = httpx.get(f"{api}/datasets/{dataset}/versions/1/review", headers=approver.headers).json()
    assert case["steward"]["id"] == approver.org
    assert case["assessment"]["outcome"] == "MET_WITH_CONDITIONS"
    assert case["assessment"]["rubric_id"] == "nso-ke-cgd"
    assert case["decision"]["decision"] == "COMPLEMENTARY"
    assert case["decision"]["conditions"] and case["decision"]["caveat"]
    assert case["decision"]["decided_by"] == f"key:{approver.key_id}"
    assert case["disclosure"]["policy"]["reliability_threshold"] == 50
    release = httpx.get(f"{api}/releases/{dataset}-v1").json()
    assert release["status"] == "withdrawn" and release["withdrawn_reason"]
    assert release["caveat"].startswith(f"Citizen-generated data from {coalition.org}")

    # The office's settings: the thresholds changed, the rubric upload was accepted (and the
    # broken one refused without replacing it).
    settings = httpx.get(f"{api}/review-settings", headers=reviewer.headers).json()
    assert (settings["frequency_threshold"], settings["reliability_threshold"]) == (10, 50)
    assert not settings["rubric_is_default"]
    assert (settings["rubric"]["id"], len(settings["rubric"]["criteria"])) == ("nso-ke-cgd", 6)

    # What went out while it was published: the small cell and its partner without values.
    published = {(r["REF_AREA"], r["URBANISATION"]): r for r in namespace["published"]}
    assert published["KE-14", "U"]["CONF_STATUS"] == "A"
    assert published["KE-14", "R"]["CONF_STATUS"] == "D"
    assert published["KE-14", "U"]["OBS_VALUE"] in ("", "NaN")
    assert published["KE-30", "R"]["OBS_STATUS"] == "U"
    assert published["KE-28", "_T"]["OBS_VALUE"] == "26.8"

    check_webhook_deliveries(store, namespace)


def check_webhook_deliveries(store: Store, namespace: dict[str, Any]) -> None:
    """The guide's ``verify`` accepts what voicescount sends to the webhook it registered, and
    refuses a changed body or another secret."""
    verify, secret = namespace["verify"], namespace["secret"]
    received: list[dict[str, Any]] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        try:
            received.append(verify(secret, dict(request.headers), request.content))
        except ValueError:
            return httpx.Response(401)
        return httpx.Response(204)

    with store.session() as session:
        webhook = session.get(Webhook, namespace["hook"]["id"])
        assert webhook is not None and webhook.url == namespace["hook"]["url"]
        deliveries = session.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(col(WebhookDelivery.id))
        ).all()
        with httpx.Client(transport=httpx.MockTransport(receiver)) as client:
            for delivery in deliveries:
                outcome = notifications._attempt(client, webhook, delivery.event)
                assert outcome.delivered, outcome
    assert [event["type"] for event in received] == [
        "version.decided",
        "version.published",
        "version.withdrawn",
    ]
    body = b'{"type":"version.published"}'
    headers = signing.headers(secret, "msg_test", int(time.time()), body)
    assert verify(secret, headers, body)["type"] == "version.published"
    with pytest.raises(ValueError):
        verify(secret, headers, body.replace(b"published", b"withdrawn"))
    with pytest.raises(ValueError):
        verify(signing.new_secret(), headers, body)
    old = signing.headers(secret, "msg_test", int(time.time()) - 600, body)
    with pytest.raises(ValueError):
        verify(secret, old, body)
