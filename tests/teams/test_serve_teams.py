"""`checkin-bot serve` with the TEAMS_* settings: Slack and Teams on one port, /healthz for both."""

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

from bot.emulator import SignedSlackClient
from tests.builders import load_org
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, real_process
from tests.test_serve import free_port, wait_for_health

TEAMS_SECRET = "teams-client-secret-value"


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def serve(database_url, emulator, tmp_path, port, **extra):
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop(process) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM), stderr
    return stderr


@real_process
def test_serve_mounts_teams_beside_slack_when_teams_is_configured(database_url, sessions, clock, emulator,
                                                                  tmp_path):
    load_org(sessions, now=clock.now(), emulator=emulator)
    port = free_port()
    process = serve(database_url, emulator, tmp_path, port, TEAMS_CLIENT_ID="app-id",
                    TEAMS_CLIENT_SECRET=TEAMS_SECRET, TEAMS_TENANT_ID="tenant-id")
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}/healthz", process)["status"] == "ok"
        slack = SignedSlackClient(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, emulator=emulator)
        assert "SMART" in slack.slash_command("UEMP1", "/goal", "help").json()["text"]
        activity = json.dumps({"type": "message", "text": "help", "serviceUrl": "https://smba.example/"}).encode()
        messages = f"http://127.0.0.1:{port}/api/messages"
        # Refused before any key is needed, so the test never reaches Microsoft.
        assert post(messages, activity, {"Content-Type": "application/json"}) == 401
        assert post(messages, activity, {"Content-Type": "application/json", "Authorization": "Basic eA=="}) == 401
    finally:
        stderr = stop(process)
    assert "stopped cleanly" in stderr
    assert TEAMS_SECRET not in stderr and BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr


@real_process
def test_serve_has_no_teams_endpoint_without_the_teams_settings(database_url, sessions, clock, emulator, tmp_path):
    load_org(sessions, now=clock.now(), emulator=emulator)
    port = free_port()
    process = serve(database_url, emulator, tmp_path, port)
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert post(f"http://127.0.0.1:{port}/api/messages", b"{}", {"Content-Type": "application/json"}) == 404
    finally:
        stop(process)
