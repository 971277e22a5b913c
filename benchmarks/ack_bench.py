"""How fast the bot acks Slack (Slack gives up after 3 s): signed HTTP through the real server and thread pool.

    .venv/bin/python -m benchmarks.ack_bench [--requests 200]

Starts the Slack emulator and `serve`'s ASGI app with the production listener executor (a thread pool,
ack first, work after) on a fresh SQLite file with the demo org, then times the HTTP round trip of
slash commands and modal submissions as Slack would see it. Prints p50 / p95 / max and PASS/FAIL
against 3 s; no traffic leaves loopback.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_bolt_app
from bot.clock import SystemClock
from bot.deps import Deps
from bot.dev import DEMO_ORG, demo_people
from bot.emulator import SignedSlackClient, SlackEmulator
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from storage import org
from storage.db import upgrade

SLACK_DEADLINE = 3.0
TOKEN, SECRET = "xoxb-bench", "bench-secret"


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    assert response.status == 200, response.body
    return time.perf_counter() - started


def run(requests: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"/goal help": [], "/goal (opens a modal)": [], "check-in submission": []}
    with tempfile.TemporaryDirectory() as workdir, SlackEmulator(token=TOKEN) as emulator:
        for row in demo_people():
            emulator.add_user(row["slack_id"], name=row["name"], tz=row["timezone"], locale=row["locale"])
        settings = Settings(database_url=f"sqlite:///{Path(workdir) / 'bench.db'}", slack_bot_token=TOKEN,
                            slack_signing_secret=SECRET, slack_api_url=emulator.api_url)
        deps = Deps.from_settings(settings, clock=SystemClock())
        upgrade(deps.engine)
        with deps.sessions() as session:
            org.import_org_csv(session, DEMO_ORG.read_text(encoding="utf-8"), now=deps.clock.now())
        with BackgroundServer(build_asgi(deps, build_bolt_app(deps))) as server:  # the real thread pool
            slack = SignedSlackClient(f"{server.url}/slack/events", SECRET, emulator=emulator)
            user = demo_people()[3]["slack_id"]
            for _ in range(requests):
                figures["/goal help"].append(timed(lambda: slack.slash_command(user, "/goal", "help")))
                figures["/goal (opens a modal)"].append(timed(lambda: slack.slash_command(user, "/goal")))
            view = {"id": "VBENCH", "type": "modal", "callback_id": "checkin_submit", "private_metadata": "",
                    "blocks": [{"type": "input", "block_id": "confidence", "label": {"type": "plain_text", "text": "c"},
                                "element": {"type": "static_select", "action_id": "confidence", "options": [
                                    {"text": {"type": "plain_text", "text": "4"}, "value": "4"}]}}]}
            for _ in range(requests):
                figures["check-in submission"].append(
                    timed(lambda: slack.view_submission(user, view, {"confidence": "4"})))
        deps.engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    worst = 0.0
    for name, seconds in run(args.requests).items():
        quantiles = statistics.quantiles(seconds, n=20)
        worst = max(worst, max(seconds))
        print(f"{name:<24} n={len(seconds)}  p50 {statistics.median(seconds) * 1000:6.1f} ms  "
              f"p95 {quantiles[18] * 1000:6.1f} ms  max {max(seconds) * 1000:6.1f} ms")
    verdict = "PASS" if worst < SLACK_DEADLINE else "FAIL"
    print(f"{verdict}: slowest ack {worst * 1000:.0f} ms (Slack's limit: {SLACK_DEADLINE * 1000:.0f} ms)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
