"""The bulk observation paths keep the integrity the table no longer enforces itself."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Store


def test_no_observation_lacks_its_version_or_upload(store: Store) -> None:
    # observation has no foreign keys (they slowed bulk storing 2-3x); this invariant replaces
    # them and holds whatever other tests have done to the shared store before.
    with store.engine.connect() as connection:
        orphans = connection.execute(
            text(
                "SELECT COUNT(*) FROM observation o "
                "LEFT JOIN dataset_version v ON v.id = o.version_id "
                "LEFT JOIN upload u ON u.id = o.upload_id "
                "WHERE v.id IS NULL OR (o.upload_id IS NOT NULL AND u.id IS NULL)"
            )
        ).scalar_one()
    assert orphans == 0
