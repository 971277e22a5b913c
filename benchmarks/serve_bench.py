"""What Microsoft Teams adds to `serve`: import time and memory, Slack only versus Slack and Teams.

    .venv/bin/python -m benchmarks.serve_bench [--runs 5]

Each run is a fresh interpreter that imports what `serve` imports and builds the ASGI app, once for Slack
only and once with Teams mounted (its SDK is imported only then), and reports the wall time and the peak
resident memory. Nothing listens and nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PROBE = """
import json, resource, time
started = time.perf_counter()
from bot.cli import main  # what `checkin-bot serve` loads before it starts
from bot.deps import Deps
from bot.server import build_asgi
from bot.settings import Settings
teams = {teams}
settings = Settings(database_url="sqlite://", slack_bot_token="xoxb-bench", slack_signing_secret="s",
                    teams_client_id="00000000-0000-4000-8000-000000000001" if teams else None,
                    teams_client_secret="bench" if teams else None,
                    teams_tenant_id="00000000-0000-4000-8000-000000000002" if teams else None)
build_asgi(Deps.from_settings(settings), None)
print(json.dumps({{"seconds": time.perf_counter() - started,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(*, teams: bool, runs: int) -> tuple[float, float]:
    seconds, rss = [], []
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-c", PROBE.format(teams=teams)], check=True, capture_output=True,
                                text=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        seconds.append(figures["seconds"])
        rss.append(figures["rss_mib"])
    return statistics.median(seconds), statistics.median(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    slack_s, slack_mib = measure(teams=False, runs=runs)
    teams_s, teams_mib = measure(teams=True, runs=runs)
    print(f"Slack only:      {slack_s:.2f} s to import and build the app, peak RSS {slack_mib:.0f} MiB "
          f"(median of {runs})")
    print(f"Slack and Teams: {teams_s:.2f} s, peak RSS {teams_mib:.0f} MiB")
    print(f"Teams adds:      {teams_s - slack_s:+.2f} s, {teams_mib - slack_mib:+.0f} MiB")


if __name__ == "__main__":
    main()
