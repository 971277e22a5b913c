"""Liveness and readiness for orchestrators: GET /livez (the process answers) and GET /readyz (it can do its work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from storage.db import current_revision, head_revision, known_revisions

OK = "ok"


@dataclass
class Readiness:
    """What /readyz checks: the database and its schema always; the scheduler and Socket Mode once watched."""

    engine: Engine
    scheduler: object | None = field(default=None, repr=False)  # an APScheduler BackgroundScheduler
    socket_mode: object | None = field(default=None, repr=False)  # Bolt's SocketModeHandler

    def watch(self, *, scheduler: object | None = None, socket_mode: object | None = None) -> None:
        """Also require this scheduler's thread alive and this Socket Mode connection up (`serve` calls it)."""
        self.scheduler = scheduler
        self.socket_mode = socket_mode

    def check(self) -> dict[str, str]:
        """Run every check; each answers "ok" or a few words on what is wrong."""
        checks: dict[str, str] = {}
        try:
            current = current_revision(self.engine)
        except SQLAlchemyError:
            checks["database"] = "unreachable"
            checks["schema"] = "unknown"
        else:
            checks["database"] = OK
            head = _head()
            # A revision this code does not know is newer: a rolling deploy migrated ahead of this replica, which
            # still works (migrations only add), so it stays in the load balancer until it is replaced.
            ahead = current is not None and current not in _known()
            checks["schema"] = OK if current == head or ahead else \
                f"at {current or 'no schema'}, the code needs {head}"
        if self.scheduler is not None:
            checks["scheduler"] = OK if _scheduler_alive(self.scheduler) else "stopped"
        if self.socket_mode is not None:
            checks["socket_mode"] = OK if _socket_connected(self.socket_mode) else "disconnected"
        return checks


def mount(api: FastAPI, engine: Engine) -> Readiness:
    """Serve /livez and /readyz on `api`; the Readiness is also `api.state.readiness`, for `serve` to watch."""
    readiness = api.state.readiness = Readiness(engine)

    @api.get("/livez")
    async def livez() -> JSONResponse:
        return JSONResponse({"status": OK})  # no database: a database outage must not restart every replica

    @api.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await run_in_threadpool(readiness.check)
        failed = [name for name, state in checks.items() if state != OK]
        return JSONResponse({"status": "not ready" if failed else "ready", "failed": failed, "checks": checks},
                            status_code=503 if failed else 200)

    return readiness


@cache
def _known() -> frozenset[str]:
    return frozenset(known_revisions())


@cache
def _head() -> str:
    return head_revision()  # the code does not change while it runs: read the migrations folder once


def _scheduler_alive(scheduler) -> bool:
    thread = getattr(scheduler, "_thread", None)  # BackgroundScheduler's own thread, set while it runs
    return bool(getattr(scheduler, "running", False) and thread is not None and thread.is_alive())


def _socket_connected(handler) -> bool:
    client = getattr(handler, "client", handler)
    try:
        return bool(client.is_connected())
    except Exception:  # a client mid-reconnect may fail to say; not connected then
        return False
