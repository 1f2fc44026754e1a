"""The error contract: every domain error maps to a status, and nothing escapes as a bare 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from voicescount import errors
from voicescount.api.errors import STATUS_BY_ERROR, _all_error_classes, problem_catalogue
from voicescount.app import create_app
from voicescount.config import Settings


def test_every_error_class_has_a_status_and_a_unique_code() -> None:
    classes = _all_error_classes()
    assert errors.StructureError in classes
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    for cls in classes:
        assert cls in STATUS_BY_ERROR, f"{cls.__name__} has no HTTP status"
        assert cls.description, f"{cls.__name__} has no description"


def test_an_unexpected_failure_is_a_500_problem(tmp_path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/internal-error"
    assert "secret internal detail" not in response.text
    assert body["instance"] == "/boom"


def test_problem_types_resolve(app_client: TestClient) -> None:
    listed = app_client.get("/problems").json()
    assert {p["code"] for p in listed["data"]} == set(problem_catalogue())
    response = app_client.get("/problems/invalid-structure")
    assert response.status_code == 200
    assert response.json()["status"] == 422
    missing = app_client.get("/problems/no-such-problem")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"


def test_a_missing_parameter_is_an_invalid_request_problem(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/sdg/search")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] in {"invalid-request", "invalid-input"}
    assert body["errors"]
