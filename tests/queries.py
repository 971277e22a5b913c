"""Counting the SQL a block of code runs, for tests that bound the number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counting_queries(engine) -> Iterator[list[str]]:
    """Collect every statement the engine executes inside the block."""
    statements: list[str] = []

    def note(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
