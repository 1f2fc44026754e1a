"""Intake over HTTP on both stores: datasets, uploads in every format, the all-or-nothing rule,
limits, idempotency, submission and who may see what."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from fastapi.testclient import TestClient

from tests.conftest import Actor, Store, unique
from voicescount.app import create_app
from voicescount.intake.metadata import load_metadata_file
from voicescount.storage.blobs import BlobStore
from voicescount.types import OrgKind, Role

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

HEADER = "Indicator,County,Gender,Year,Value,Respondents\n"
GOOD_CSV = (
    HEADER
    + "SP_DYN_MRBF18,Mombasa County,Women,2023,23.5,120\n"
    + "SP_DYN_MRBF18,Mombasa County,Men,2023,5,110\n"
    + "SP_DYN_MRBF18,KE-30,F,2023,18.25,140\n"
)

#: The observations GOOD_CSV holds, as (REF_AREA, SEX, TIME_PERIOD, OBS_VALUE).
EXPECTED = {
    ("KE-28", "F", "2023", 23.5),
    ("KE-28", "M", "2023", 5.0),
    ("KE-30", "F", "2023", 18.25),
}


def kenya_metadata() -> dict[str, Any]:
    metadata = load_metadata_file(EXAMPLES / "kenya-dialogues.yaml")
    metadata["unit_of_measure"] = "PT"
    metadata["reference_period"] = {"start": "2023-01-01", "end": "2023-12-31"}
    return metadata


@pytest.fixture
def coalition(make_actor) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def draft(app_client: TestClient, coalition: Actor) -> str:
    response = app_client.post(
        "/api/v1/datasets",
        json={"title": "Child marriage in Mombasa", "metadata": kenya_metadata()},
        headers=coalition.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["dataset"]


def upload(
    client: TestClient,
    actor: Actor,
    uid: str,
    body: bytes,
    content_type: str = "text/csv",
    version: int = 1,
    headers: dict[str, str] | None = None,
    **params: str,
):
    return client.post(
        f"/api/v1/datasets/{uid}/versions/{version}/uploads",
        content=body,
        params=params,
        headers={**actor.headers, "Content-Type": content_type, **(headers or {})},
    )


def stored(client: TestClient, actor: Actor, uid: str, version: int = 1) -> set[tuple]:
    body = client.get(
        f"/api/v1/datasets/{uid}/versions/{version}/observations",
        params={"limit": 1000},
        headers=actor.headers,
    ).json()
    columns = body["columns"]
    rows = [dict(zip(columns, row, strict=True)) for row in body["data"]]
    return {(r["ref_area"], r["sex"], r["time_period"], r["obs_value"]) for r in rows}


# ------------------------------------------------------------------------------------------
# Formats


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Indicator", "County", "Gender", "Year", "Value", "Respondents"])
    sheet.append(["SP_DYN_MRBF18", "Mombasa County", "Women", 2023, 23.5, 120])
    sheet.append(["SP_DYN_MRBF18", "Mombasa County", "Men", 2023, 5, 110])
    sheet.append(["SP_DYN_MRBF18", "KE-30", "F", 2023, 18.25, 140])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _json() -> bytes:
    records = [
        {
            "Indicator": "SP_DYN_MRBF18",
            "County": "Mombasa County",
            "Gender": "Women",
            "Year": 2023,
            "Value": 23.5,
        },
        {
            "Indicator": "SP_DYN_MRBF18",
            "County": "Mombasa County",
            "Gender": "Men",
            "Year": 2023,
            "Value": 5,
        },
        {
            "Indicator": "SP_DYN_MRBF18",
            "County": "KE-30",
            "Gender": "F",
            "Year": 2023,
            "Value": 18.25,
        },
    ]
    return json.dumps({"observations": records}).encode()


DIMS = "FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,INCOME_WEALTH_QUANTILE,EDUCATION_LEV,OCCUPATION,CUST_BREAKDOWN,COMPOSITE_BREAKDOWN,DISABILITY_STATUS,ACTIVITY,PRODUCT"
TAIL = "_T,_T,_T,_T,_T,_T,_T,_T,_T,_T"


def _sdmx_csv_1() -> bytes:
    lines = [f"DATAFLOW,{DIMS},TIME_PERIOD,OBS_VALUE,UNIT_MEASURE"]
    for area, sex, value in (("KE-28", "F", "23.5"), ("KE-28", "M", "5"), ("KE-30", "F", "18.25")):
        lines.append(
            f"VOICES:DF_COMMUNITY(1.0.0),A,N,SP_DYN_MRBF18,{area},{sex},{TAIL},2023,{value},PT"
        )
    return ("\n".join(lines) + "\n").encode()


def _sdmx_csv_2() -> bytes:
    lines = [f"STRUCTURE,STRUCTURE_ID,ACTION,{DIMS},TIME_PERIOD,OBS_VALUE,UNIT_MEASURE"]
    for area, sex, value in (("KE-28", "F", "23.5"), ("KE-28", "M", "5"), ("KE-30", "F", "18.25")):
        lines.append(
            f"datastructure,VOICES:DSD_SDG_COMMUNITY(1.0.0),I,A,N,SP_DYN_MRBF18,{area},{sex},{TAIL},2023,{value},PT"
        )
    return ("\n".join(lines) + "\n").encode()


def _sdmx_ml_generic() -> bytes:
    dims = DIMS.split(",")
    series = []
    for area, sex, value in (("KE-28", "F", "23.5"), ("KE-28", "M", "5"), ("KE-30", "F", "18.25")):
        key = dict(zip(dims, ["A", "N", "SP_DYN_MRBF18", area, sex, *["_T"] * 10], strict=True))
        values = "".join(f'<gen:Value id="{k}" value="{v}"/>' for k, v in key.items())
        series.append(
            f"<gen:Series><gen:SeriesKey>{values}</gen:SeriesKey>"
            '<gen:Attributes><gen:Value id="UNIT_MEASURE" value="PT"/></gen:Attributes>'
            f'<gen:Obs><gen:ObsDimension value="2023"/><gen:ObsValue value="{value}"/></gen:Obs>'
            "</gen:Series>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<mes:GenericData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:gen="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        "<mes:Header><mes:ID>T1</mes:ID><mes:Test>true</mes:Test><mes:Prepared>2024-01-01T00:00:00Z"
        '</mes:Prepared><mes:Sender id="LNOB_KE"/><mes:Structure structureID="S1" '
        'dimensionAtObservation="TIME_PERIOD"><com:Structure><Ref agencyID="VOICES" '
        'id="DSD_SDG_COMMUNITY" version="1.0.0"/></com:Structure></mes:Structure></mes:Header>'
        f'<mes:DataSet structureRef="S1">{"".join(series)}</mes:DataSet></mes:GenericData>'
    ).encode()


FORMATS = {
    "csv": (GOOD_CSV.encode(), "text/csv", "data.csv"),
    "csv-bom": (b"\xef\xbb\xbf" + GOOD_CSV.encode(), "text/csv", "data.csv"),
    "csv-semicolon": (GOOD_CSV.replace(",", ";").encode(), "text/csv", "data.csv"),
    "xlsx": (
        _xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "data.xlsx",
    ),
    "json": (_json(), "application/json", "data.json"),
    "sdmx-csv-1": (_sdmx_csv_1(), "application/vnd.sdmx.data+csv;version=1.0.0", "data.csv"),
    "sdmx-csv-2": (_sdmx_csv_2(), "application/vnd.sdmx.data+csv;version=2.0.0", "data.csv"),
    "sdmx-ml": (_sdmx_ml_generic(), "application/vnd.sdmx.genericdata+xml;version=2.1", "d.xml"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_gives_the_same_observations(
    app_client: TestClient, coalition: Actor, draft: str, name: str
) -> None:
    body, content_type, filename = FORMATS[name]
    response = upload(app_client, coalition, draft, body, content_type, filename=filename)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["status"] == "accepted"
    assert result["rows_stored"] == 3
    assert result["sha256"] == hashlib.sha256(body).hexdigest()
    assert stored(app_client, coalition, draft) == EXPECTED


def test_a_declared_encoding_is_honoured(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    text = HEADER + "SP_DYN_MRBF18,Murang’a,Women,2023,12,50\n"
    response = upload(
        app_client, coalition, draft, text.encode("cp1252"), "text/csv; charset=windows-1252"
    )
    assert response.status_code == 201, response.text
    assert stored(app_client, coalition, draft) == {("KE-29", "F", "2023", 12.0)}
    assert response.json()["summary"]["automatic_mappings"]["REF_AREA"] == {"Murang’a": "KE-29"}


def test_undeclared_other_encoding_is_refused_clearly(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    text = HEADER + "SP_DYN_MRBF18,Murang’a,Women,2023,12,50\n"
    response = upload(app_client, coalition, draft, text.encode("cp1252"))
    assert response.status_code == 422
    assert "encoding" in json.dumps(response.json()).lower()


# ------------------------------------------------------------------------------------------
# Validation and the all-or-nothing rule


def test_one_bad_row_rejects_the_whole_upload_and_keeps_the_file(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    rows = [f"SP_DYN_MRBF18,KE-{n:02d},F,2023,{n},30\n" for n in range(1, 48) if n != 30]
    body = (HEADER + "".join(rows) + "Child marriage rate,Mombassa,Femal,2019,abc,x\n").encode()
    response = upload(app_client, coalition, draft, body, filename="counties.csv")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "upload-rejected"
    assert response.headers["content-type"] == "application/problem+json"
    by_component = {e["component"]: e for e in problem["errors"]}
    assert (
        f"{len(problem['errors'])} errors found in the {len(rows) + 1} rows read"
        in (problem["detail"])
    )
    last_row = len(rows) + 2
    assert {e["row"] for e in problem["errors"]} == {last_row}
    assert by_component["SERIES"]["issue"] == "unknown-code"
    assert "SP_DYN_MRBF18" in by_component["SERIES"]["suggestions"]
    assert by_component["REF_AREA"]["suggestions"][0] == "KE-28"
    assert by_component["SEX"]["suggestions"] == ["F"]
    assert by_component["TIME_PERIOD"]["issue"] == "period-outside-reference"
    assert by_component["OBS_VALUE"]["issue"] == "not-numeric"
    assert by_component["UNWEIGHTED_N"]["issue"] == "not-integer"
    # Nothing stored, but the bytes and the report are on record.
    assert stored(app_client, coalition, draft) == set()
    version = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
    ).json()
    assert version["observation_count"] == 0
    (record,) = version["uploads"]
    assert record["status"] == "rejected" and record["errors"] == 6
    raw = app_client.get(record["file_url"], headers=coalition.headers)
    assert raw.content == body
    report = app_client.get(record["report_url"], headers=coalition.headers)
    assert report.headers["content-type"].startswith("text/csv")
    assert report.text.splitlines()[0].startswith("row,column,component,value,severity,issue")
    assert len(report.text.splitlines()) == 7
    paged = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1/uploads/{record['id']}/report",
        params={"limit": 2, "offset": 1},
        headers=coalition.headers,
    ).json()
    assert paged["total"] == 6 and len(paged["issues"]) == 2


def test_duplicates_within_and_across_uploads(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    twice = (
        HEADER + "SP_DYN_MRBF18,KE-28,F,2023,1,30\nSP_DYN_MRBF18,Mombasa,Women,2023,2,30\n"
    ).encode()
    response = upload(app_client, coalition, draft, twice)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["issue"] == "duplicate-key" and error["row"] == 3
    assert "row 2 of this file" in error["message"]
    assert upload(app_client, coalition, draft, GOOD_CSV.encode()).status_code == 201
    again = upload(app_client, coalition, draft, GOOD_CSV.encode())
    assert again.status_code == 422
    assert {e["issue"] for e in again.json()["errors"]} == {"duplicate-key"}
    assert len(stored(app_client, coalition, draft)) == 3


def test_a_dry_run_stores_nothing(app_client: TestClient, coalition: Actor, draft: str) -> None:
    response = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/validation",
        content=(HEADER + "SP_DYN_MRBF18,KE-28,F,2023,101,30\n").encode(),
        headers={**coalition.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert response.json()["issues"][0]["issue"] == "percentage-out-of-range"
    good = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/validation",
        content=GOOD_CSV.encode(),
        headers={**coalition.headers, "Content-Type": "text/csv", "Accept": "text/csv"},
    )
    assert good.status_code == 200 and good.headers["content-type"].startswith("text/csv")
    version = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
    ).json()
    assert version["uploads"] == [] and version["observation_count"] == 0


def _reports(
    client: TestClient, actor: Actor, uid: str, upload_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """An upload's report as JSON issues and as the rows of its CSV download."""
    base = f"/api/v1/datasets/{uid}/versions/1/uploads/{upload_id}"
    as_json = client.get(f"{base}/report", headers=actor.headers)
    assert as_json.status_code == 200, as_json.text
    as_csv = client.get(f"{base}/report.csv", headers=actor.headers)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    return as_json.json()["issues"], list(csv.DictReader(io.StringIO(as_csv.text)))


def _nothing_stored(client: TestClient, actor: Actor, uid: str) -> dict[str, Any]:
    version = client.get(f"/api/v1/datasets/{uid}/versions/1", headers=actor.headers).json()
    assert version["observation_count"] == 0
    assert stored(client, actor, uid) == set()
    (record,) = version["uploads"]
    assert record["status"] == "rejected" and record["rows_stored"] == 0
    return record


def test_an_area_outside_the_stated_geography_rejects_the_upload(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    assert kenya_metadata()["geography"]["country"] == "KE"
    body = (
        b"SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE\n"
        b"SP_DYN_MRBF18,KE-28,F,2023,23.5\n"
        b"SP_DYN_MRBF18,IN-MH,F,2023,31\n"  # Maharashtra, India: not in Kenya
        b"SP_DYN_MRBF18,KE-30,F,2023,18\n"
    )
    response = upload(app_client, coalition, draft, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "upload-rejected"
    (error,) = problem["errors"]
    assert (error["row"], error["column"], error["component"]) == (3, "REF_AREA", "REF_AREA")
    assert (error["issue"], error["value"]) == ("area-outside-geography", "IN-MH")
    assert "outside the stated geography" in error["message"]
    record = _nothing_stored(app_client, coalition, draft)
    assert record["id"] == problem["upload"] and record["errors"] == 1
    issues, rows = _reports(app_client, coalition, draft, record["id"])
    assert [(i["row"], i["column"], i["issue"], i["value"]) for i in issues] == [
        (3, "REF_AREA", "area-outside-geography", "IN-MH")
    ]
    assert [(r["row"], r["column"], r["component"], r["issue"], r["value"]) for r in rows] == [
        ("3", "REF_AREA", "REF_AREA", "area-outside-geography", "IN-MH")
    ]
    assert "outside the stated geography" in rows[0]["message"]
    # Without the Indian row the same file is accepted: the geography was the only problem.
    fixed = b"\n".join(line for line in body.split(b"\n") if b"IN-MH" not in line)
    assert upload(app_client, coalition, draft, fixed).status_code == 201
    assert stored(app_client, coalition, draft) == {
        ("KE-28", "F", "2023", 23.5),
        ("KE-30", "F", "2023", 18.0),
    }


def _draft_without_unit(client: TestClient, coalition: Actor, title: str) -> str:
    """A draft whose metadata states no unit of measure."""
    metadata = kenya_metadata()
    del metadata["unit_of_measure"]
    created = client.post(
        "/api/v1/datasets", json={"title": title, "metadata": metadata}, headers=coalition.headers
    )
    assert created.status_code == 201, created.text
    return created.json()["dataset"]


def test_a_missing_mandatory_attribute_rejects_the_upload(
    app_client: TestClient, coalition: Actor
) -> None:
    uid = _draft_without_unit(app_client, coalition, "No unit stated")
    # No UNIT_MEASURE column, and none in the metadata: every row lacks it.
    response = upload(app_client, coalition, uid, GOOD_CSV.encode())
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["row"], e["column"], e["component"], e["issue"]) for e in errors] == [
        (row, None, "UNIT_MEASURE", "missing-mandatory-attribute") for row in (2, 3, 4)
    ]
    assert "UNIT_MEASURE is mandatory" in errors[0]["message"]
    record = _nothing_stored(app_client, coalition, uid)
    issues, rows = _reports(app_client, coalition, uid, record["id"])
    assert [(i["row"], i["column"], i["component"], i["issue"]) for i in issues] == [
        (row, None, "UNIT_MEASURE", "missing-mandatory-attribute") for row in (2, 3, 4)
    ]
    assert [(r["row"], r["column"], r["component"], r["issue"]) for r in rows] == [
        (str(row), "", "UNIT_MEASURE", "missing-mandatory-attribute") for row in (2, 3, 4)
    ]


def test_an_empty_unit_cell_without_a_metadata_unit_names_its_row_and_column(
    app_client: TestClient, coalition: Actor
) -> None:
    uid = _draft_without_unit(app_client, coalition, "One unit missing")
    body = (
        b"SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE\n"
        b"SP_DYN_MRBF18,KE-28,F,2023,23.5,PT\n"
        b"SP_DYN_MRBF18,KE-30,F,2023,18,\n"
    )
    response = upload(app_client, coalition, uid, body)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"], error["component"], error["issue"]) == (
        3,
        "UNIT_MEASURE",
        "UNIT_MEASURE",
        "missing-mandatory-attribute",
    )
    record = _nothing_stored(app_client, coalition, uid)
    issues, rows = _reports(app_client, coalition, uid, record["id"])
    assert [(i["row"], i["column"], i["issue"]) for i in issues] == [
        (3, "UNIT_MEASURE", "missing-mandatory-attribute")
    ]
    assert [(r["row"], r["column"], r["issue"]) for r in rows] == [
        ("3", "UNIT_MEASURE", "missing-mandatory-attribute")
    ]
    # Stating the unit in the metadata is the other way to satisfy the rule.
    with_unit = app_client.put(
        f"/api/v1/datasets/{uid}/versions/1/metadata",
        json={**kenya_metadata(), "unit_of_measure": "PT"},
        headers=coalition.headers,
    )
    assert with_unit.status_code == 200, with_unit.text
    assert upload(app_client, coalition, uid, GOOD_CSV.encode()).status_code == 201


def test_mapping_profiles_translate_a_coalitions_vocabulary(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    profile = {
        "columns": {
            "Kaunti": "REF_AREA",
            "Jinsia": "SEX",
            "Mwaka": "TIME_PERIOD",
            "Asilimia": "OBS_VALUE",
        },
        "values": {"SERIES": {"Ndoa za utotoni": "SP_DYN_MRBF18"}, "SEX": {"Wasichana": "F"}},
        "defaults": {"SERIES": "SP_DYN_MRBF18"},
    }
    saved = app_client.put(
        "/api/v1/mapping-profiles/kenya-swahili",
        content=yaml.safe_dump(profile, allow_unicode=True),
        headers={**coalition.headers, "Content-Type": "application/yaml"},
    )
    assert saved.status_code == 200, saved.text
    body = b"Kaunti,Jinsia,Mwaka,Asilimia\nMombasa,Wasichana,2023,30\n"
    response = upload(app_client, coalition, draft, body, profile="kenya-swahili")
    assert response.status_code == 201, response.text
    assert stored(app_client, coalition, draft) == {("KE-28", "F", "2023", 30.0)}
    missing = upload(app_client, coalition, draft, body, profile="no-such-profile")
    assert missing.status_code == 404


def test_inline_mapping_in_a_multipart_upload(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    response = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/uploads",
        files={
            "file": ("data.csv", b"Place,Sex,Year,Value\nMombasa,F,2023,11\n", "text/csv"),
            "mapping": (None, "columns: {Place: REF_AREA}\ndefaults: {SERIES: SP_DYN_MRBF18}\n"),
        },
        headers=coalition.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "data.csv"


def test_community_series_for_scorecard_items(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    code = f"{coalition.org.upper()}_SC01"
    created = app_client.post(
        "/api/v1/community-series",
        json={
            "code": code,
            "name": "Women feel safe using the ward office (scorecard item 1)",
            "sdg_target": "5.5",
            "unit_measure": "SCORE",
        },
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    bad = app_client.post(
        "/api/v1/community-series",
        json={"code": "SC01", "name": "x", "sdg_target": "5.99", "unit_measure": "NOPE"},
        headers=coalition.headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "sdg_target", "unit_measure"}
    body = (
        f"SERIES,REF_AREA,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE\n{code},KE-28,2023,3,SCORE\n".encode()
    )
    response = upload(app_client, coalition, draft, body)
    assert response.status_code == 201, response.text


def test_suggestions_for_one_label(app_client: TestClient, coalition: Actor) -> None:
    response = app_client.get(
        "/api/v1/suggestions",
        params={"component": "SERIES", "value": "Child marriage rate"},
        headers=coalition.headers,
    )
    body = response.json()
    assert body["code"] is None
    assert body["suggestions"][0]["code"] in {"SP_DYN_MRBF18", "SP_DYN_MRBF15"}
    women = app_client.get(
        "/api/v1/suggestions",
        params={"component": "SEX", "value": "महिला"},
        headers=coalition.headers,
    ).json()
    assert women["code"] == "F" and women["via"] == "label"


# ------------------------------------------------------------------------------------------
# Limits


def test_too_many_bytes_is_413_and_nothing_is_kept(
    store: Store, coalition: Actor, draft: str
) -> None:
    with TestClient(create_app(store.settings(max_upload_bytes=50))) as client:
        response = upload(client, coalition, draft, GOOD_CSV.encode())
        assert response.status_code == 413
        assert response.json()["code"] == "payload-too-large"
        version = client.get(
            f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
        ).json()
    assert version["uploads"] == []


def test_too_many_rows_is_413_and_the_upload_is_rejected(
    store: Store, coalition: Actor, draft: str
) -> None:
    with TestClient(create_app(store.settings(max_upload_rows=2))) as client:
        response = upload(client, coalition, draft, GOOD_CSV.encode())
        assert response.status_code == 413
        assert "more than 2 rows" in response.json()["detail"]
        version = client.get(
            f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
        ).json()
    assert version["observation_count"] == 0
    assert version["uploads"][0]["status"] == "rejected"


# ------------------------------------------------------------------------------------------
# Idempotency


def test_a_retried_upload_returns_the_first_result(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    key = {"Idempotency-Key": unique("upload")}
    first = upload(app_client, coalition, draft, GOOD_CSV.encode(), headers=key)
    second = upload(app_client, coalition, draft, GOOD_CSV.encode(), headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    version = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
    ).json()
    assert len(version["uploads"]) == 1 and version["observation_count"] == 3
    other = upload(app_client, coalition, draft, b"Indicator\nX\n", headers=key)
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]


def test_a_retried_rejection_is_replayed_too(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    key = {"Idempotency-Key": unique("upload")}
    body = (HEADER + "SP_DYN_MRBF18,KE-28,F,2023,abc,30\n").encode()
    first = upload(app_client, coalition, draft, body, headers=key)
    second = upload(app_client, coalition, draft, body, headers=key)
    assert first.status_code == second.status_code == 422
    assert first.json() == second.json()
    version = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1", headers=coalition.headers
    ).json()
    assert len(version["uploads"]) == 1


def test_a_retried_dataset_creation_creates_one_dataset(
    app_client: TestClient, coalition: Actor
) -> None:
    key = {"Idempotency-Key": unique("create"), **coalition.headers}
    first = app_client.post("/api/v1/datasets", json={"title": "Once"}, headers=key)
    second = app_client.post("/api/v1/datasets", json={"title": "Once"}, headers=key)
    assert first.json()["dataset"] == second.json()["dataset"]
    titles = [
        d["title"]
        for d in app_client.get("/api/v1/datasets", headers=coalition.headers).json()["data"]
    ]
    assert titles.count("Once") == 1


# ------------------------------------------------------------------------------------------
# Metadata, findings, submission and versions


def test_metadata_problems_are_reported_field_by_field(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    metadata = kenya_metadata()
    metadata["sampling"]["size_achieved"] = 10_000
    metadata["universe"]["population_size"] = 600
    metadata["collection_period"] = {"start": "2023-09-30", "end": "2023-08-01"}
    response = app_client.put(
        f"/api/v1/datasets/{draft}/versions/1/metadata", json=metadata, headers=coalition.headers
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"sampling.size_achieved", "collection_period.end"} <= fields
    incomplete = {"title": "Only a title"}
    response = app_client.put(
        f"/api/v1/datasets/{draft}/versions/1/metadata",
        content=yaml.safe_dump(incomplete),
        headers={**coalition.headers, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200
    issues = {i["field"]: i for i in response.json()["metadata_issues"]}
    assert "licence" in issues and issues["licence"]["severity"] == "error"


def test_findings_carry_qualitative_evidence(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    finding = {
        "statement": "Women with disabilities in the dialogues said the ward office has no ramp.",
        "method": "citizen_dialogue",
        "sdg_targets": ["10.2"],
        "areas": ["KE-28"],
        "target_groups": ["LNOB_PWD", "LNOB_WOMEN_GIRLS"],
        "evidence": "Dialogue 3, Mombasa (illustrative)",
    }
    response = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/findings", json=[finding], headers=coalition.headers
    )
    assert response.status_code == 201, response.text
    bad = {**finding, "sdg_targets": ["99.9"], "target_groups": ["MARTIANS"]}
    rejected = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/findings",
        json=[finding, bad],
        headers=coalition.headers,
    )
    assert rejected.status_code == 422
    assert {e["field"] for e in rejected.json()["errors"]} == {
        "findings.1.sdg_targets.0",
        "findings.1.target_groups.0",
    }
    listed = app_client.get(
        f"/api/v1/datasets/{draft}/versions/1/findings", headers=coalition.headers
    )
    assert len(listed.json()) == 1


def test_submission_freezes_and_a_change_is_a_new_version(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    empty = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/submit", headers=coalition.headers
    )
    assert empty.status_code == 422
    assert "observations" in {e["field"] for e in empty.json()["errors"]}
    assert upload(app_client, coalition, draft, GOOD_CSV.encode()).status_code == 201
    key = {"Idempotency-Key": unique("submit"), **coalition.headers}
    submitted = app_client.post(f"/api/v1/datasets/{draft}/versions/1/submit", headers=key)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["state"] == "under_review" and len(body["content_hash"]) == 64
    assert body["submitted_by"] == f"key:{coalition.key_id}"
    replay = app_client.post(f"/api/v1/datasets/{draft}/versions/1/submit", headers=key)
    assert replay.json() == body
    # Frozen: no more uploads, metadata or findings.
    assert upload(app_client, coalition, draft, GOOD_CSV.encode()).status_code == 409
    frozen = app_client.put(
        f"/api/v1/datasets/{draft}/versions/1/metadata",
        json={"title": "x"},
        headers=coalition.headers,
    )
    assert frozen.status_code == 409
    again = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/submit", headers=coalition.headers
    )
    assert again.status_code == 409
    # A new version starts from the old one.
    v2 = app_client.post(f"/api/v1/datasets/{draft}/versions", json={}, headers=coalition.headers)
    assert v2.status_code == 201
    assert v2.json()["number"] == 2 and v2.json()["state"] == "draft"
    assert v2.json()["previous_version"] == 1
    assert stored(app_client, coalition, draft, version=2) == EXPECTED
    assert (
        app_client.post(
            f"/api/v1/datasets/{draft}/versions", json={}, headers=coalition.headers
        ).status_code
        == 409
    )


def test_withdrawing_an_upload_from_a_draft(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    accepted = upload(app_client, coalition, draft, GOOD_CSV.encode()).json()
    response = app_client.delete(
        f"/api/v1/datasets/{draft}/versions/1/uploads/{accepted['id']}", headers=coalition.headers
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert stored(app_client, coalition, draft) == set()


def test_the_methodology_schema_is_published(app_client: TestClient) -> None:
    schema = app_client.get("/api/v1/schemas/methodology").json()
    assert schema["title"] == "MethodologyMetadata"
    assert "sampling" in schema["properties"]
    assert schema["$id"].endswith("/api/v1/schemas/methodology")


# ------------------------------------------------------------------------------------------
# Who may see and touch what


def test_another_coalition_never_sees_a_draft(
    app_client: TestClient, coalition: Actor, draft: str, make_actor
) -> None:
    accepted = upload(app_client, coalition, draft, GOOD_CSV.encode()).json()
    other = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    base = f"/api/v1/datasets/{draft}"
    for path in (
        base,
        f"{base}/versions/1",
        f"{base}/versions/1/observations",
        f"{base}/versions/1/findings",
        f"{base}/versions/1/uploads/{accepted['id']}",
        f"{base}/versions/1/uploads/{accepted['id']}/file",
    ):
        assert app_client.get(path, headers=other.headers).status_code == 404, path
    assert upload(app_client, other, draft, GOOD_CSV.encode()).status_code == 404
    assert app_client.post(f"{base}/versions/1/submit", headers=other.headers).status_code == 404
    assert (
        app_client.put(f"{base}/versions/1/metadata", json={}, headers=other.headers).status_code
        == 404
    )
    assert draft not in {
        d["id"] for d in app_client.get("/api/v1/datasets", headers=other.headers).json()["data"]
    }
    assert app_client.get(base).status_code == 401


def test_statistics_offices_see_submitted_versions_only(
    app_client: TestClient, coalition: Actor, draft: str, make_actor
) -> None:
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    assert app_client.get(f"/api/v1/datasets/{draft}", headers=reviewer.headers).status_code == 404
    assert upload(app_client, coalition, draft, GOOD_CSV.encode()).status_code == 201
    assert (
        app_client.post(
            f"/api/v1/datasets/{draft}/versions/1/submit", headers=coalition.headers
        ).status_code
        == 200
    )
    seen = app_client.get(f"/api/v1/datasets/{draft}/versions/1", headers=reviewer.headers)
    assert seen.status_code == 200 and seen.json()["editable"] is False
    assert draft in {
        d["id"] for d in app_client.get("/api/v1/datasets", headers=reviewer.headers).json()["data"]
    }
    app_client.post(f"/api/v1/datasets/{draft}/versions", json={}, headers=coalition.headers)
    assert (
        app_client.get(f"/api/v1/datasets/{draft}/versions/2", headers=reviewer.headers).status_code
        == 404
    )
    versions = app_client.get(f"/api/v1/datasets/{draft}", headers=reviewer.headers).json()[
        "versions"
    ]
    assert [v["number"] for v in versions] == [1]
    assert upload(app_client, reviewer, draft, GOOD_CSV.encode(), version=2).status_code == 404
    created = app_client.post("/api/v1/datasets", json={"title": "x"}, headers=reviewer.headers)
    assert created.status_code == 403


def test_a_file_and_its_metadata_are_checked_without_a_dataset(
    app_client: TestClient, coalition: Actor
) -> None:
    metadata = kenya_metadata()
    del metadata["licence"]
    response = app_client.post(
        "/api/v1/validation",
        files={
            "file": (
                "data.csv",
                (GOOD_CSV + "SP_DYN_MRBF18,KE-28,Women,2023,9,10\n").encode(),
                "text/csv",
            ),
            "metadata": (None, yaml.safe_dump(metadata)),
        },
        headers=coalition.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is False
    assert [i["issue"] for i in body["issues"]] == ["duplicate-key"]
    assert body["issues"][0]["row"] == 5
    assert "licence" in {i["field"] for i in body["metadata_issues"]}


def test_an_unknown_saved_profile_keeps_no_bytes(
    app_client: TestClient, coalition: Actor, draft: str, store: Store
) -> None:
    """The profile is looked up before the body is read: a refused upload leaves no kept file
    that no upload record links to."""
    body = (GOOD_CSV + f"SP_DYN_MRBF18,KE-01,F,2023,1.{uuid.uuid4().int % 1000},10\n").encode()
    response = upload(app_client, coalition, draft, body, profile="no-such-profile")
    assert response.status_code == 404, response.text
    assert "mapping profile" in response.json()["detail"]
    blobs = BlobStore(store.settings().resolved_blob_dir)
    assert not blobs.exists(hashlib.sha256(body).hexdigest())
