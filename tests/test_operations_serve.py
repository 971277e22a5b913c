"""`checkin-bot serve` as a container runs it: secrets from files, --upgrade, JSON logs, probes and metrics."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from bot.emulator import SignedSlackClient
from storage.db import current_revision, head_revision, make_engine
from tests.cli_helpers import run_cli
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, real_process
from tests.test_serve import free_port


def wait_until_ready(url: str, process: subprocess.Popen, deadline_seconds: float = 60) -> dict:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                return json.loads(response.read())
        except (OSError, urllib.error.HTTPError):
            threading.Event().wait(0.1)  # a real process binding its port; an Event, not sleep (libfaketime)
    raise AssertionError("serve never became ready")


@real_process
def test_serve_reads_secrets_from_files_migrates_and_logs_each_request_as_json_without_secrets(
    db_kind, database_url, emulator, tmp_path
):
    url = f"sqlite:///{tmp_path}/fresh.db" if db_kind == "sqlite" else database_url  # sqlite: no schema yet
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name, value in (("token", BOT_TOKEN), ("signing", SIGNING_SECRET), ("database", url)):
        (secrets / name).write_text(value + "\n")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")},
        "SLACK_BOT_TOKEN_FILE": str(secrets / "token"),
        "SLACK_SIGNING_SECRET_FILE": str(secrets / "signing"),
        "DATABASE_URL_FILE": str(secrets / "database"),
        "SLACK_API_URL": emulator.api_url,
        "CHECKIN_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--upgrade", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_until_ready(base, process)
        assert ready["checks"] == {"database": "ok", "schema": "ok", "scheduler": "ok"}
        slack = SignedSlackClient(f"{base}/slack/events", SIGNING_SECRET, emulator=emulator)
        answer = slack.slash_command("UEMP1", "/goal", "help")
        assert answer.status == 200
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                       for family in text_string_to_metric_families(response.read().decode()) for s in family.samples}
        key = ("checkin_requests_total", (("kind", "command"), ("outcome", "ok"), ("surface", "slack")))
        assert samples[key] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM), stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # every line is one JSON object
    [request] = [line for line in lines if line.get("request_id") == answer.headers["x-request-id"]]
    assert request["kind"] == "command" and request["status"] == 200 and request["level"] == "INFO"
    assert any("stopped cleanly" in line["message"] for line in lines)
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr


def test_upgrade_on_start_migrates_before_serve_checks_its_slack_token(emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no developer's .env
    url = f"sqlite:///{tmp_path}/fresh.db"
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": "s",
           "SLACK_API_URL": emulator.api_url, "CHECKIN_UPGRADE_ON_START": "1"}
    status, _, err = run_cli("serve", "--port", "0", env=env)
    assert status == 1 and "invalid_auth" in err  # refused at Slack, after migrating
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_db_upgrade_that_cannot_reach_the_database_says_so_in_one_line_without_the_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = "postgresql+psycopg://checkin:hunter22@127.0.0.1:9/checkin?connect_timeout=2"
    status, _, err = run_cli("db", "upgrade", env={"DATABASE_URL": url})
    assert status == 1 and err.startswith("checkin-bot: cannot migrate the database: ")
    assert len(err.strip().splitlines()) == 1 and "hunter22" not in err
