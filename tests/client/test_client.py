"""The Python client against a real uvicorn server on both stores: every intake method, the error
tree, streamed uploads with progress, inline mappings, and retries that never duplicate."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.api.test_intake import EXAMPLES, EXPECTED, GOOD_CSV, HEADER, kenya_metadata
from tests.conftest import Actor, Store, running_server, unique
from voicescount.app import create_app
from voicescount.client import (
    ApiError,
    AuthenticationError,
    Client,
    ClientError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    UploadRejected,
    ValidationError,
    VersionPublic,
)
from voicescount.types import OrgKind, Role

BAD_ROW = "Child marriage rate,Mombassa,Femal,2019,abc,x\n"


@pytest.fixture
def coalition(make_actor) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def client(live_server: str, coalition: Actor) -> Iterator[Client]:
    with Client(live_server, api_key=coalition.token, backoff=0) as c:
        yield c


@pytest.fixture
def methodology(tmp_path: Path) -> Path:
    path = tmp_path / "methodology.yaml"
    path.write_text(yaml.safe_dump(kenya_metadata(), allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def draft(client: Client) -> VersionPublic:
    return client.create_dataset("Child marriage in Mombasa", metadata=kenya_metadata())


def observed(client: Client, uid: str, n: int = 1) -> set[tuple]:
    return {
        (r["ref_area"], r["sex"], r["time_period"], r["obs_value"])
        for r in client.iter_observations(uid, n, page_size=2)
    }


def test_create_upload_and_submit_with_progress(
    client: Client, coalition: Actor, methodology: Path, tmp_path: Path
) -> None:
    assert client.whoami().organisation == coalition.org
    created = client.create_dataset("Child marriage in Mombasa")
    assert created.number == 1 and created.state == "draft" and created.editable
    uid = created.dataset
    with_metadata = client.set_metadata(uid, 1, methodology)
    assert with_metadata.metadata["unit_of_measure"] == "PT"
    assert not [i for i in with_metadata.metadata_issues if i.severity == "error"]

    # Big enough (about 850 kB) to be sent in several chunks, each reported to the callback.
    notes = "x" * 9000
    data = tmp_path / "households.csv"
    data.write_text(
        HEADER.rstrip("\n")
        + ",Notes\n"
        + "".join(
            f"SP_DYN_MRBF18,KE-{n:02d},{sex},2023,{n},30,{notes}\n"
            for n in range(1, 48)
            for sex in "FM"
        ),
        encoding="utf-8",
    )
    calls: list[tuple[int, int]] = []
    result = client.upload(uid, 1, data, progress=lambda sent, total: calls.append((sent, total)))
    size = data.stat().st_size
    assert result.status == "accepted" and result.rows_stored == 94
    assert result.summary["issues_by_kind"] == {"unknown-column": 1}
    assert result.filename == "households.csv"
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert len(calls) > 2 and all(total == size for _, total in calls)
    assert [sent for sent, _ in calls] == sorted(sent for sent, _ in calls)

    submitted = client.submit(uid, 1)
    assert submitted.state == "under_review" and len(submitted.content_hash or "") == 64
    assert submitted.screening is not None and submitted.screening["blocking"] == 0
    assert client.get_version(uid, 1).editable is False
    dataset = client.get_dataset(uid)
    assert [(v.number, v.state) for v in dataset.versions] == [(1, "under_review")]
    assert uid in {d.id for d in client.list_datasets()}
    assert client.observations(uid, 1, limit=5).total == 94


def test_reads_of_a_version_and_its_uploads(
    client: Client, draft: VersionPublic, tmp_path: Path
) -> None:
    uid = draft.dataset
    accepted = client.upload(uid, 1, GOOD_CSV.encode(), filename="good.csv")
    assert observed(client, uid) == EXPECTED
    assert client.get_upload(uid, 1, accepted.id).status == "accepted"
    saved = client.download_upload(uid, 1, accepted.id, tmp_path / "copy.csv")
    assert saved.read_bytes() == GOOD_CSV.encode()
    assert client.report(uid, 1, accepted.id).total == 0
    withdrawn = client.withdraw_upload(uid, 1, accepted.id)
    assert withdrawn.status == "withdrawn"
    assert client.observations(uid, 1).total == 0
    schema = client.methodology_schema()
    assert schema["title"] == "MethodologyMetadata"
    assert client.health()["status"] == "ok"


def test_a_rejected_upload_raises_with_issues_and_report(
    client: Client, draft: VersionPublic
) -> None:
    uid = draft.dataset
    body = (HEADER + "SP_DYN_MRBF18,KE-28,F,2023,23.5,120\n" + BAD_ROW).encode()
    with pytest.raises(UploadRejected) as caught:
        client.upload(uid, 1, body, filename="bad.csv")
    rejected = caught.value
    assert isinstance(rejected, ValidationError) and isinstance(rejected, ApiError)
    assert rejected.status == 422 and rejected.code == "upload-rejected"
    by_component = {i.component: i for i in rejected.issues}
    area = by_component["REF_AREA"]
    assert (area.row, area.column, area.value) == (3, "County", "Mombassa")
    assert area.suggestions[0] == "KE-28"
    assert by_component["SEX"].suggestions == ["F"]
    assert rejected.report_url is not None
    assert rejected.report_url.startswith(client.base_url + "/api/v1/datasets/")
    assert rejected.summary["errors"] == 6
    upload_id = rejected.upload_id
    assert upload_id is not None
    report = list(csv.DictReader(io.StringIO(client.report_csv(uid, 1, upload_id))))
    assert len(report) == 6 and {r["row"] for r in report} == {"3"}
    assert "KE-28" in next(r for r in report if r["component"] == "REF_AREA")["suggestions"]
    assert client.report(uid, 1, upload_id, limit=2, offset=1).total == 6
    assert client.get_upload(uid, 1, upload_id).status == "rejected"
    assert client.observations(uid, 1).total == 0


def test_metadata_files_keep_their_dates_and_codes(client: Client, tmp_path: Path) -> None:
    """YAML sent as text (PUT, the standalone check) and YAML the client reads itself (in
    create_dataset) keep 2023-08-01 and 16.10 as written, as the server reads files."""
    example = EXAMPLES / "kenya-dialogues.yaml"
    created = client.create_dataset("From the example file", metadata=example)
    assert created.metadata["collection_period"] == {"start": "2023-08-01", "end": "2023-09-30"}
    uid = created.dataset
    replaced = client.set_metadata(uid, 1, example)
    assert replaced.metadata == created.metadata
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        "title: Justice\nsdg_mappings:\n  - {goal: 16, target: 16.10, indicator: 16.10.2,"
        " relation: contextual}\nreference_period: {start: 2023-01-01, end: 2023-12-31}\n",
        encoding="utf-8",
    )
    (mapping,) = client.set_metadata(uid, 1, codes).metadata["sdg_mappings"]
    assert (mapping["goal"], mapping["target"]) == ("16", "16.10")
    as_json = tmp_path / "codes.json"
    as_json.write_text(json.dumps({"title": "JSON", "unit_of_measure": "PT"}), encoding="utf-8")
    assert client.set_metadata(uid, 1, as_json).metadata == {
        "title": "JSON",
        "unit_of_measure": "PT",
    }
    again = client.create_dataset("From YAML codes", metadata=codes)
    assert again.metadata["sdg_mappings"][0]["target"] == "16.10"
    checked = client.check(GOOD_CSV.encode(), metadata=example, filename="good.csv")
    assert "reference_period" not in {i.field for i in checked.metadata_issues}


def test_validate_and_check_store_nothing(
    client: Client, draft: VersionPublic, methodology: Path
) -> None:
    uid = draft.dataset
    dry = client.validate(uid, 1, (HEADER + BAD_ROW).encode(), filename="bad.csv")
    assert dry.valid is False and {i.row for i in dry.issues} == {2}
    assert client.validate(uid, 1, GOOD_CSV.encode()).valid is True
    assert client.get_version(uid, 1).uploads == []
    standalone = client.check(GOOD_CSV.encode(), metadata=methodology, filename="good.csv")
    assert standalone.valid is True and standalone.metadata_issues == []
    incomplete = client.check(GOOD_CSV.encode(), metadata={"title": "Only a title"})
    assert incomplete.valid is False
    assert "licence" in {i.field for i in incomplete.metadata_issues}


def test_an_inline_mapping_goes_as_multipart(
    client: Client, draft: VersionPublic, tmp_path: Path
) -> None:
    uid = draft.dataset
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns: {Kaunti: REF_AREA, Jinsia: SEX, Mwaka: TIME_PERIOD, Asilimia: OBS_VALUE}\n"
        "values: {SEX: {Wasichana: F}}\n"
        "defaults: {SERIES: SP_DYN_MRBF18}\n",
        encoding="utf-8",
    )
    data = tmp_path / "kaunti.csv"
    data.write_text("Kaunti,Jinsia,Mwaka,Asilimia\nMombasa,Wasichana,2023,30\n", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    result = client.upload(
        uid, 1, data, mapping=mapping, progress=lambda s, t: calls.append((s, t))
    )
    assert result.status == "accepted" and result.filename == "kaunti.csv"
    assert calls[-1] == (data.stat().st_size, data.stat().st_size)
    assert observed(client, uid) == {("KE-28", "F", "2023", 30.0)}
    # A dict works too, and so does a file given as bytes with a non-ASCII name.
    second = client.upload(
        uid,
        1,
        b"Place,Sex,Year,Value\nNairobi,F,2023,11\n",
        filename="maeneo ya “kaunti”.csv",
        mapping={"columns": {"Place": "REF_AREA"}, "defaults": {"SERIES": "SP_DYN_MRBF18"}},
    )
    assert second.filename == "maeneo ya “kaunti”.csv" and second.rows_stored == 1


def test_profiles_suggestions_findings_series_and_versions(
    client: Client, coalition: Actor, draft: VersionPublic
) -> None:
    uid = draft.dataset
    name = unique("swahili")
    saved = client.save_profile(
        name, {"columns": {"Kaunti": "REF_AREA"}, "defaults": {"SERIES": "SP_DYN_MRBF18"}}
    )
    assert saved.name == name and name in {p.name for p in client.list_profiles()}
    assert client.get_profile(name).profile["columns"] == {"Kaunti": "REF_AREA"}
    result = client.upload(
        uid, 1, b"Kaunti,SEX,TIME_PERIOD,OBS_VALUE\nMombasa,F,2023,4\n", profile=name
    )
    assert result.rows_stored == 1
    client.delete_profile(name)
    with pytest.raises(NotFoundError):
        client.get_profile(name)

    women = client.suggest("SEX", "महिला")
    assert women.code == "F" and women.via == "label"
    assert client.suggest("REF_AREA", "Mombassa", country="KE").suggestions[0]["code"] == "KE-28"

    finding = {
        "statement": "Women with disabilities said the ward office has no ramp.",
        "method": "citizen_dialogue",
        "sdg_targets": ["10.2"],
        "areas": ["KE-28"],
        "target_groups": ["LNOB_PWD"],
    }
    (added,) = client.add_findings(uid, 1, [finding])
    assert added.position >= 0 and len(client.list_findings(uid, 1)) == 1
    with pytest.raises(ValidationError) as invalid:
        client.add_findings(uid, 1, [{**finding, "sdg_targets": ["99.9"]}])
    assert {e["field"] for e in invalid.value.errors} == {"findings.0.sdg_targets.0"}
    client.delete_finding(uid, 1, added.position)
    assert client.list_findings(uid, 1) == []

    code = f"{coalition.org.upper()}_SC01"
    series = client.define_series(code, "Women feel safe at the ward office", "5.5", "SCORE")
    assert series.organisation == coalition.org
    assert code in {s.code for s in client.list_series()}

    client.submit(uid, 1)
    v2 = client.start_version(uid)
    assert (v2.number, v2.state, v2.previous_version) == (2, "draft", 1)
    assert v2.observation_count == 1
    with pytest.raises(ConflictError):
        client.start_version(uid)


def test_http_errors_map_to_the_error_tree(
    live_server: str, client: Client, draft: VersionPublic, make_actor
) -> None:
    with Client(live_server) as anonymous, pytest.raises(AuthenticationError) as caught:
        anonymous.list_datasets()
    assert caught.value.status == 401 and caught.value.code == "authentication-required"
    with Client(live_server, api_key="vck_nope_nope") as wrong, pytest.raises(AuthenticationError):
        wrong.whoami()
    steward = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    with Client(live_server, api_key=steward.token) as office:
        with pytest.raises(PermissionDeniedError) as forbidden:
            office.create_dataset("not ours to create")
        assert forbidden.value.status == 403
        # Another organisation's draft does not exist for it (404, not 403).
        with pytest.raises(NotFoundError):
            office.get_dataset(draft.dataset)
    with pytest.raises(NotFoundError) as missing:
        client.get_dataset("ds-0000000000")
    assert missing.value.status == 404 and "ds-0000000000" in missing.value.detail
    with pytest.raises(ValidationError) as malformed:
        client.set_metadata(
            draft.dataset, 1, {"collection_period": {"start": "2023-09-30", "end": "2023-08-01"}}
        )
    assert "collection_period.end" in {e["field"] for e in malformed.value.errors}
    client.upload(draft.dataset, 1, GOOD_CSV.encode())
    client.submit(draft.dataset, 1)
    with pytest.raises(ConflictError) as frozen:
        client.upload(draft.dataset, 1, GOOD_CSV.encode())
    assert frozen.value.status == 409
    nowhere = Client("http://127.0.0.1:9", retries=0)
    with nowhere, pytest.raises(TransportError) as unreachable:
        nowhere.whoami()
    assert isinstance(unreachable.value, ClientError)


def test_too_large_uploads_raise_payload_too_large(
    store: Store, coalition: Actor, draft: VersionPublic
) -> None:
    with running_server(create_app(store.settings(max_upload_bytes=50))) as url:
        with (
            Client(url, api_key=coalition.token) as small,
            pytest.raises(PayloadTooLargeError) as caught,
        ):
            small.upload(draft.dataset, 1, GOOD_CSV.encode())
        assert caught.value.status == 413 and caught.value.code == "payload-too-large"
    with running_server(create_app(store.settings(max_upload_rows=2))) as url:
        with (
            Client(url, api_key=coalition.token) as few,
            pytest.raises(PayloadTooLargeError) as rows,
        ):
            few.upload(draft.dataset, 1, GOOD_CSV.encode())
        assert "more than 2 rows" in rows.value.detail
        assert [i.issue for i in rows.value.issues] == ["too-many-rows"]


# ------------------------------------------------------------------------------------------
# Idempotency and retries


def test_the_same_idempotency_key_never_uploads_twice(client: Client, draft: VersionPublic) -> None:
    key = unique("households-upload")
    first = client.upload(draft.dataset, 1, GOOD_CSV.encode(), idempotency_key=key)
    second = client.upload(draft.dataset, 1, GOOD_CSV.encode(), idempotency_key=key)
    assert first == second
    version = client.get_version(draft.dataset, 1)
    assert len(version.uploads) == 1 and version.observation_count == 3
    # Without a key of the caller's, each call is a new request: the rows clash as duplicates.
    with pytest.raises(UploadRejected) as again:
        client.upload(draft.dataset, 1, GOOD_CSV.encode())
    assert {i.issue for i in again.value.issues} == {"duplicate-key"}
    with pytest.raises(ValidationError, match="different request"):
        client.upload(draft.dataset, 1, b"Indicator\nX\n", idempotency_key=key)


class LostAnswer(httpx.BaseTransport):
    """Forwards requests to the server, but loses the answer to the first one that matches."""

    def __init__(self, path_part: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.path_part = path_part
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.path_part in request.url.path:
            self.seen.append(request)
            if len(self.seen) == 1:
                response.read()
                response.close()
                raise httpx.ReadError("connection reset before the answer", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("step", ["create", "upload", "submit"])
def test_a_retry_after_a_lost_answer_has_no_second_effect(
    live_server: str, coalition: Actor, step: str, tmp_path: Path
) -> None:
    data = tmp_path / "households.csv"
    data.write_text(GOOD_CSV, encoding="utf-8")
    title = unique("Retried")
    with Client(live_server, api_key=coalition.token) as plain:
        uid = None if step == "create" else plain.create_dataset(title, kenya_metadata()).dataset
        if step == "submit":
            assert uid is not None
            plain.upload(uid, 1, data)
    part = {"create": "/datasets", "upload": "/uploads", "submit": "/submit"}[step]
    transport = LostAnswer(part)
    calls: list[tuple[int, int]] = []
    with Client(live_server, api_key=coalition.token, transport=transport, backoff=0) as flaky:
        if step == "create":
            uid = flaky.create_dataset(title).dataset
        elif step == "upload":
            assert uid is not None
            result = flaky.upload(uid, 1, data, progress=lambda s, t: calls.append((s, t)))
            assert result.rows_stored == 3
        else:
            assert uid is not None
            assert flaky.submit(uid, 1).state == "under_review"
    first, retry = transport.seen
    assert first.headers["Idempotency-Key"] == retry.headers["Idempotency-Key"]
    with Client(live_server, api_key=coalition.token) as plain:
        assert uid is not None
        if step == "create":
            assert [d.title for d in plain.list_datasets()].count(title) == 1
        elif step == "upload":
            version = plain.get_version(uid, 1)
            assert len(version.uploads) == 1 and version.observation_count == 3
            # The file was sent twice from its first byte; progress restarted with it.
            assert calls.count((0, data.stat().st_size)) == 2
        else:
            assert [v.state for v in plain.get_dataset(uid).versions] == ["under_review"]


def test_server_errors_are_retried_once_then_raised() -> None:
    attempts: list[httpx.Request] = []

    def always_failing(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(
            503,
            json={"title": "Service unavailable", "status": 503, "detail": "database down"},
        )

    with (
        Client("http://voices.test", transport=httpx.MockTransport(always_failing), backoff=0) as c,
        pytest.raises(ServerError) as caught,
    ):
        c.get_dataset("ds-1")
    assert len(attempts) == 2 and caught.value.detail == "database down"

    def proxy_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>not here</html>")

    proxied = Client("http://voices.test", transport=httpx.MockTransport(proxy_page))
    with proxied, pytest.raises(NotFoundError) as html:
        proxied.whoami()
    assert "not here" in html.value.detail and html.value.problem["status"] == 404

    sent: list[httpx.Request] = []

    def not_retried(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500, json={"detail": "boom"})

    once = Client("http://voices.test", transport=httpx.MockTransport(not_retried), backoff=0)
    with once, pytest.raises(ServerError):
        once.add_findings("ds-1", 1, [])
    # Findings carry no idempotency key: a blind retry could add them twice.
    assert len(sent) == 1
    assert json.loads(sent[0].content) == []
