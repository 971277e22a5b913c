"""`db upgrade` on deploy: replicas and jobs started together take turns on PostgreSQL's advisory lock."""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text
from sqlmodel import SQLModel

from storage.db import MIGRATION_LOCK_KEY, current_revision, head_revision, make_engine
from tests.conftest import real_process


@pytest.fixture
def fresh_database(db_kind: str, template_database: str):
    """The URL of a new, empty PostgreSQL database on the test server, dropped afterwards."""
    if db_kind != "postgresql":
        pytest.skip("the migration lock is PostgreSQL's: SQLite serves one machine")
    name = f"checkin_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(template_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(template_database).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def db_upgrade(url: str, cwd) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "db", "upgrade"], env={**env, "DATABASE_URL": url},
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_migrated_once(url: str) -> None:
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    finally:
        engine.dispose()


@real_process
def test_two_db_upgrades_started_together_on_a_fresh_database_both_succeed_and_migrate_once(fresh_database, tmp_path):
    first, second = db_upgrade(fresh_database, tmp_path), db_upgrade(fresh_database, tmp_path)
    results = [process.communicate(timeout=120) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results
    assert all(out.strip() == "database is up to date" for out, _err in results)
    # Alembic names each migration it applies: one process applied them all, the other found nothing to do.
    assert [("Running upgrade" in err) for _out, err in results].count(True) == 1, results
    assert_migrated_once(fresh_database)


@real_process
def test_db_upgrade_waits_while_another_holds_the_migration_lock(fresh_database, tmp_path):
    holder = make_engine(fresh_database)
    with holder.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        waiting = db_upgrade(fresh_database, tmp_path)
        try:
            wait_until_blocked_on_the_lock(lock, waiting)
            assert current_revision(holder) is None  # nothing applied while it waits
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock.commit()
    out, err = waiting.communicate(timeout=120)
    holder.dispose()
    assert waiting.returncode == 0, err
    assert_migrated_once(fresh_database)


def wait_until_blocked_on_the_lock(connection, process: subprocess.Popen, deadline_seconds: float = 30) -> None:
    """Wait (in real time, for a real process) until a session of this database waits on an advisory lock."""
    deadline = time.monotonic() + deadline_seconds
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        connection.commit()  # a fresh snapshot of pg_stat_activity each time
        if connection.execute(query).scalar_one():
            return
        threading.Event().wait(0.05)
    raise AssertionError("db upgrade never waited for the migration lock")
