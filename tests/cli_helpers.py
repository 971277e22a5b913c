"""Running the operator's command line in-process, with its environment and clock passed in."""

from __future__ import annotations

import io

from bot.cli import main
from bot.clock import Clock, FixedClock
from tests.conftest import MONDAY_MORNING


def run_cli(*argv: str, env: dict | None = None, clock: Clock | None = None, teams=None) -> tuple[int, str, str]:
    """Run `checkin-bot ARGV` as of `clock` (Monday 23 Nov 2026, 09:00 UTC unless given); return status, out, err."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), environ=env or {}, stdout=out, stderr=err, clock=clock or FixedClock(MONDAY_MORNING),
                  teams=teams)
    return status, out.getvalue(), err.getvalue()
