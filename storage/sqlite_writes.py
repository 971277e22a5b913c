"""One writer at a time inside a process, for SQLite: threads queue on a lock instead of SQLite's busy handler.

SQLite lets one connection write at a time. When another holds the lock, its busy handler sleeps 1, 2, 5, 10 ...
up to 100 ms between tries, and keeps sleeping after the lock is free: under a burst of check-ins most of a
request's time went to those sleeps (p99 over a second). Here a thread about to open a write transaction first
takes a lock shared by every connection to the same file in this process, and gives it back when the transaction
ends, so the next writer starts the moment the last one commits. Other processes (a `checkin-bot jobs run` beside
`serve`) still meet SQLite's own lock and its busy timeout.

pysqlite opens its transaction just before the first INSERT, UPDATE, DELETE or REPLACE (reads before it run
outside any transaction), so that is where the lock is taken; commit, rollback and close give it back.
"""

from __future__ import annotations

import os
import sqlite3
import threading

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(database: str | None) -> threading.Lock:
    """The lock of one database file in this process (an in-memory database gets its own)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return threading.Lock()
    with _locks_guard:
        return _locks.setdefault(os.path.realpath(database), threading.Lock())


def connect_args(database: str | None, *, timeout: float) -> dict:
    """`sqlite3.connect` arguments giving every connection of one engine the file's write lock."""
    factory = type("WriteLockedConnection", (WriteLockedConnection,),
                   {"write_lock": lock_for(database), "lock_timeout": timeout})
    return {"factory": factory, "timeout": timeout, "check_same_thread": False}


class WriteLockedConnection(sqlite3.Connection):
    write_lock: threading.Lock
    lock_timeout: float
    holding = False

    def cursor(self, factory=None):  # noqa: ARG002 - the one cursor class that takes the lock
        return super().cursor(WriteLockedCursor)

    def take_write_lock(self) -> None:
        if not self.write_lock.acquire(timeout=self.lock_timeout):
            raise sqlite3.OperationalError("database is locked")  # what SQLite says after its busy timeout
        self.holding = True

    def give_back_write_lock(self) -> None:
        if self.holding:
            self.holding = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self.give_back_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_write_lock()


class WriteLockedCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        return self._locked(super().execute, sql, parameters)

    def executemany(self, sql, parameters, /):
        return self._locked(super().executemany, sql, parameters)

    def _locked(self, run, sql, parameters):
        connection = self.connection
        taking = not connection.in_transaction and not connection.holding and _writes(sql)
        if taking:
            connection.take_write_lock()
        try:
            return run(sql, parameters)
        finally:
            # A write that failed before its transaction began, or ran in autocommit, has nothing left to hold.
            if taking and not connection.in_transaction:
                connection.give_back_write_lock()


def _writes(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)
