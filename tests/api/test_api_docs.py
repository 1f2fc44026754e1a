"""The interactive API documentation: ``/docs`` (Swagger UI) and ``/openapi.json``, on both stores.

No OpenAPI validator is among the dependencies, so the document is checked for what makes one
valid and usable: the version and info, well-formed paths and operations, unique operation ids,
declared path parameters, resolvable ``$ref``s, and component schemas that are JSON Schema
2020-12 (the dialect of OpenAPI 3.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from voicescount import __version__

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
#: Paths a client generator or a reader of the docs relies on; one per main area.
MAIN_PATHS = {
    "/health": "get",
    "/api/v1/sdg/indicators": "get",
    "/api/v1/sdg/indicators/{code}": "get",
    "/api/v1/datasets": "post",
    "/api/v1/datasets/{uid}/versions/{number}/uploads": "post",
    "/api/v1/releases/{release_id}": "get",
    "/sdmx/v1/data/{flow_ref}": "get",
    "/sdmx/v2/data/{context}/{agency}/{resource_id}/{version}/{key}": "get",
}


@pytest.fixture
def spec(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_docs_serve_swagger_ui_pointing_at_the_openapi_document(app_client: TestClient) -> None:
    response = app_client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>voicescount - Swagger UI</title>" in html
    assert "SwaggerUIBundle(" in html
    assert re.search(r"url:\s*'/openapi\.json'", html), html
    # The document it points at is served.
    assert app_client.get("/openapi.json").status_code == 200


def test_openapi_document_is_openapi_3_with_our_info(spec: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"]), spec["openapi"]
    assert spec["info"]["title"] == "voicescount"
    assert spec["info"]["version"] == __version__
    assert "application/problem+json" in spec["info"]["description"]


def test_openapi_document_has_the_main_paths(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    missing = {
        path: method for path, method in MAIN_PATHS.items() if method not in paths.get(path, {})
    }
    assert not missing, missing
    indicator = paths["/api/v1/sdg/indicators/{code}"]["get"]
    assert "200" in indicator["responses"]
    [code] = [p for p in indicator["parameters"] if p["name"] == "code"]
    assert code["in"] == "path" and code["required"] is True


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], list[Any]]]:
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation, shared + operation.get("parameters", [])


def test_openapi_operations_are_well_formed(spec: dict[str, Any]) -> None:
    operation_ids: list[str] = []
    problems: list[str] = []
    operations = list(_operations(spec))
    assert len(operations) > 50, "the check must not pass by finding no operations"
    for path, method, operation, parameters in operations:
        where = f"{method.upper()} {path}"
        if not path.startswith("/"):
            problems.append(f"{where}: path does not start with /")
        if not operation.get("responses"):
            problems.append(f"{where}: no responses")
        for status in operation.get("responses", {}):
            if not (status == "default" or re.fullmatch(r"[1-5](\d\d|XX)", status)):
                problems.append(f"{where}: response key {status!r}")
        operation_ids.append(operation.get("operationId", ""))
        declared = {(p.get("name"), p.get("in")) for p in parameters if "$ref" not in p}
        for name in re.findall(r"{([^}]+)}", path):
            if (name, "path") not in declared:
                problems.append(f"{where}: path parameter {name} not declared")
        for parameter in parameters:
            if parameter.get("in") == "path" and parameter.get("required") is not True:
                problems.append(f"{where}: path parameter {parameter['name']} not required")
    assert not problems, problems
    assert all(operation_ids), "an operation has no operationId"
    duplicates = {i for i in operation_ids if operation_ids.count(i) > 1}
    assert not duplicates, duplicates


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_references_resolve_and_schemas_are_json_schema(spec: dict[str, Any]) -> None:
    refs = set(_refs(spec))
    assert refs, "no $ref at all: the components are not used"
    unresolved = []
    for ref in refs:
        assert ref.startswith("#/"), f"external reference {ref}"
        node: Any = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                unresolved.append(ref)
                break
            node = node[part]
    assert not unresolved, unresolved
    schemas = spec["components"]["schemas"]
    assert schemas
    for name, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:  # pragma: no cover - the message names the broken schema
            pytest.fail(f"components.schemas.{name} is not valid JSON Schema: {exc}")
