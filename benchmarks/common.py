"""What the benchmarks share: which database to use, and generating the organisation into it once."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

from sqlalchemy import inspect, make_url, text

from benchmarks.synthetic_org import generate
from storage.db import make_engine, upgrade

END_WEEK = "2026-W47"
DATA_DIR = Path(__file__).parent / ".data"
SQLITE_URL = f"sqlite:///{DATA_DIR / 'org.db'}"
POSTGRES_URL_VARIABLES = ("CHECKIN_BENCH_POSTGRES_URL", "CHECKIN_TEST_POSTGRES_URL")


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--url", help="database URL; SQLite defaults to benchmarks/.data/org.db, PostgreSQL to "
                        + " or ".join(POSTGRES_URL_VARIABLES))
    parser.add_argument("--reuse", action="store_true", help="reuse the organisation if it is already generated")


def prepare(args: argparse.Namespace) -> str:
    """Return the database URL, generating the organisation into it unless --reuse finds one there."""
    url = database_url(args.db, args.url)
    if not (args.reuse and populated(url)):
        generate(url, end_week=END_WEEK)
    else:  # an organisation generated before the latest migrations gets them, as `checkin-bot db upgrade` would
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    return url


def database_url(db: str, url: str | None) -> str:
    if url:
        return url
    if db == "sqlite":
        return SQLITE_URL
    for variable in POSTGRES_URL_VARIABLES:
        if os.environ.get(variable):
            return os.environ[variable]
    raise SystemExit(f"--db postgresql needs --url or one of {', '.join(POSTGRES_URL_VARIABLES)}")


def populated(url: str) -> bool:
    """Answer whether a generated organisation is already there to reuse."""
    if url.startswith("sqlite") and not Path(make_url(url).database or "").exists():
        return False  # connecting would create an empty file
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("checkin"):
            return False
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT EXISTS (SELECT 1 FROM checkin)")).scalar_one())
    finally:
        engine.dispose()


def free_port() -> int:
    """A loopback port nobody listens on now, for a server the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delivery_key(message: dict) -> str:
    """The delivery key a posted message carries in its metadata (job:person:period), or "" when none."""
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key", "")
