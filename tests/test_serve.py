"""`checkin-bot serve` as an operator runs it: a real process, /healthz, signed Slack requests, SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from bot.emulator import SignedSlackClient
from tests.builders import load_org
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, real_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, deadline_seconds: float = 30) -> dict:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            # Waiting for a real process to bind its port, not for application time. An Event's wait, not
            # time.sleep: under libfaketime with a real monotonic clock, sleep fails with EINVAL.
            threading.Event().wait(0.1)
    raise AssertionError("serve did not become healthy")


@real_process
def test_serve_answers_slack_and_health_then_stops_cleanly_on_sigterm(
    database_url, sessions, clock, emulator, tmp_path
):
    load_org(sessions, now=clock.now(), emulator=emulator)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}/healthz", process)["status"] == "ok"
        slack = SignedSlackClient(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, emulator=emulator)
        assert "SMART" in slack.slash_command("UEMP1", "/goal", "help").json()["text"]
        unsigned = slack.send_raw(b"command=%2Fgoal", "application/x-www-form-urlencoded", drop_signature=True)
        assert unsigned.status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    # uvicorn shuts down, then re-raises SIGTERM so supervisors see the usual exit for it.
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "stopped cleanly" in stderr
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr
