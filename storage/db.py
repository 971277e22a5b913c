"""Engines, sessions and the migration gate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from storage import sqlite_writes

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The pg_advisory_lock key every `db upgrade` takes, whichever replica or job runs it: "ckinmigr" in ASCII.
MIGRATION_LOCK_KEY = 0x636B696E6D696772
CONNECT_TIMEOUT_SECONDS = 2
SQLITE_BUSY_SECONDS = 30  # how long a write waits for another writer before "database is locked"


class DatabaseNotMigrated(RuntimeError):
    """The schema is missing or behind the code."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and one writer at a time in this process
    (storage.sqlite_writes) on every connection."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        engine = create_engine(url, connect_args=sqlite_writes.connect_args(database, timeout=SQLITE_BUSY_SECONDS))
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    # A database that does not answer must not hold a request past Slack's 3 seconds: give up connecting after 2,
    # so the person hears "I can't reach my records" in time. A connect_timeout in the URL wins.
    connect_args = {} if "connect_timeout=" in url else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SessionFactory = Callable[[], "contextmanager[Session]"]


def session_factory(engine: Engine):
    """Return a context manager factory: commit on success, roll back on any error."""

    @contextmanager
    def sessions() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    return sessions


BOOKKEEPING = "bookkeeping"  # session.info flag: this session's writes are housekeeping, not someone's action


def noting_writes(sessions, on_write: Callable[[], None]):
    """Wrap a session factory so `on_write()` is called after each commit that changed rows.

    A request uses it to know whether it saved anything, so an error afterwards is never reported as
    "nothing was saved". A session whose `info[BOOKKEEPING]` is set (noting which surface someone used) is not
    counted.
    """

    @contextmanager
    def tracked() -> Iterator[Session]:
        changed: list[bool] = []
        with sessions() as session:
            session.info[_CHANGES] = changed  # filled by the two listeners below
            yield session
        if any(changed) and not session.info.get(BOOKKEEPING):
            on_write()

    return tracked


# Where a tracked session's writes are noted. The listeners are registered once for every session rather than on
# each tracked one: registering on an instance costs more than the session itself, on every request.
_CHANGES = "noted_changes"


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    changed = session.info.get(_CHANGES)
    if changed is not None:
        changed.append(bool(session.new or session.dirty or session.deleted))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    changed = state.session.info.get(_CHANGES)
    if changed is not None:
        changed.append(state.is_insert or state.is_update or state.is_delete)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, one process at a time.

    On PostgreSQL a session-level advisory lock is held around the upgrade, so replicas or jobs started together
    take turns: the second waits, then finds nothing left to do. SQLite serves one machine and needs none.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        lock.commit()  # the lock belongs to the session: no transaction left open for a migration to wait on
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def known_revisions() -> list[str]:
    """Every migration revision this code ships."""
    return [script.revision for script in ScriptDirectory.from_config(alembic_config(None)).walk_revisions()]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_migrated(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not at the code's head revision."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise DatabaseNotMigrated(f"cannot reach the database: {_short(exc)}") from exc
    head = head_revision()
    if current != head:
        found = "no schema" if current is None else f"schema revision {current}"
        raise DatabaseNotMigrated(
            f"the database has {found}, the code needs {head}: run `checkin-bot db upgrade` first"
        )


def ping(engine: Engine) -> bool:
    """Answer whether the database responds to a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def _short(exc: Exception) -> str:
    # The first line only: driver messages can run long, and never echo the URL (it may hold a password).
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]


def insert_unless_exists(session: Session, model: type, values: dict, *, unique: list[str]) -> bool:
    """INSERT a row unless one with the same unique key exists; return whether this call inserted it.

    ON CONFLICT DO NOTHING instead of catching an IntegrityError in a SAVEPOINT: pysqlite opens its
    transaction lazily, so a savepoint released before any other write would commit on its own.
    """
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(model.id)
    return session.execute(statement).first() is not None  # rowcount is unreliable here on psycopg
