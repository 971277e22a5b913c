"""The migrations build exactly the schema the models describe, on every database."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage.db import current_revision, head_revision, require_migrated


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_the_database_is_at_the_head_revision(engine):
    assert current_revision(engine) == head_revision()
    require_migrated(engine)
