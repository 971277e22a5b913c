"""SQLite writers in one process queue on one lock per file (storage.sqlite_writes), never on the busy handler."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from storage import sqlite_writes
from storage.db import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writes.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tally (id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE)"))
    yield engine
    engine.dispose()


def lock_of(engine) -> threading.Lock:
    return sqlite_writes.lock_for(engine.url.database)


def test_every_engine_on_one_file_shares_its_lock_and_another_file_has_its_own(engine, tmp_path):
    again = make_engine(f"sqlite:///{tmp_path}/./writes.db")
    assert lock_of(again) is lock_of(engine)
    assert sqlite_writes.lock_for(str(tmp_path / "other.db")) is not lock_of(engine)
    assert sqlite_writes.lock_for(":memory:") is not sqlite_writes.lock_for(":memory:")
    again.dispose()


def test_the_lock_is_held_from_the_first_write_to_the_commit_and_not_for_reads(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM tally"))
        assert not lock_of(engine).locked()  # a read takes nothing
        connection.execute(text("INSERT INTO tally (n) VALUES (1)"))
        assert lock_of(engine).locked()
        connection.commit()
        assert not lock_of(engine).locked()


def test_a_rollback_or_a_refused_write_gives_the_lock_back(engine):
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO tally (n) VALUES (1)"))
        connection.rollback()
        assert not lock_of(engine).locked()
        connection.execute(text("INSERT INTO tally (n) VALUES (2)"))
        connection.commit()
    with engine.connect() as connection, pytest.raises(Exception, match="UNIQUE"):
        connection.execute(text("INSERT INTO tally (n) VALUES (2)"))  # the session's rollback follows the error
    assert not lock_of(engine).locked()


def test_writers_on_many_threads_all_commit_without_database_is_locked(engine):
    """32 threads, each its own transaction of a read then two writes: every one lands, none waits for SQLite."""

    def write(n: int) -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT count(*) FROM tally")).scalar()
            connection.execute(text("INSERT INTO tally (n) VALUES (:n)"), {"n": n})
            connection.execute(text("UPDATE tally SET n = n + 1000 WHERE n = :n"), {"n": n})

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(write, range(200)))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*), min(n), max(n) FROM tally")).one() == (200, 1000, 1199)
    assert not lock_of(engine).locked()


def test_a_writer_waiting_past_the_timeout_hears_what_sqlite_would_say(tmp_path):
    factory = sqlite_writes.connect_args(str(tmp_path / "slow.db"), timeout=0.01)["factory"]
    holder = sqlite3.connect(tmp_path / "slow.db", factory=factory, timeout=0.01)
    waiter = sqlite3.connect(tmp_path / "slow.db", factory=factory, timeout=0.01)
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("INSERT INTO t VALUES (1)")  # holds the file's lock until its commit
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter.execute("INSERT INTO t VALUES (2)")
    holder.commit()
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.commit()
    assert holder.execute("SELECT count(*) FROM t").fetchone() == (2,)
    holder.close()
    waiter.close()
