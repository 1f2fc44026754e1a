from fastapi.testclient import TestClient

from voicescount.storage.migrate import head_revision


def test_health_reports_app_and_migrated_database(app_client: TestClient, store) -> None:
    response = app_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["backend"] == ("sqlite" if store.backend == "sqlite" else "postgresql")
    assert body["database"]["revision"] == head_revision()


def test_health_reports_an_unmigrated_database(tmp_path) -> None:
    from voicescount.app import create_app
    from voicescount.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "needs-migration"
    assert response.json()["database"]["revision"] is None


def test_health_reports_an_unreachable_database() -> None:
    from voicescount.app import create_app
    from voicescount.config import Settings

    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "unreachable"
