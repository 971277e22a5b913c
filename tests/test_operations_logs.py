"""Logs an operator can ship: text or one JSON object per line, with the request or job, and no secret ever."""

import io
import json
import logging
import urllib.request

import pytest

from bot import logs
from bot.settings import Settings
from scheduler import observe
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

DATABASE_URL = "postgresql+psycopg://checkin:pa55-w0rd@db.internal:5432/checkin"


@pytest.fixture
def log_stream():
    """Configure logging into a buffer, then put the root logger back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_and_message(log_stream):
    logs.configure("json", stream=log_stream)
    logging.getLogger("checkin.test").warning("%s people waiting", 3)
    [line] = lines(log_stream)
    assert line["level"] == "WARNING" and line["logger"] == "checkin.test" and line["message"] == "3 people waiting"
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_an_exception_is_one_string_in_the_same_json_line(log_stream):
    logs.configure("json", stream=log_stream)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("checkin.test").exception("the job failed")
    [line] = lines(log_stream)
    assert line["message"] == "the job failed"
    assert "RuntimeError: boom" in line["exception"] and "Traceback" in line["exception"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_slack_tokens_database_passwords_and_configured_secrets_are_masked_everywhere(log_stream, log_format):
    settings = Settings(database_url=DATABASE_URL, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        log_format=log_format)
    logs.configure(log_format, secrets=settings.secret_values, database_url=settings.database_url, stream=log_stream)
    log = logging.getLogger("checkin.test")
    log.info("calling Slack with %s", BOT_TOKEN)
    log.info("socket mode with xapp-1-A0123-4567-abcdef and a stranger's xoxp-99-88")
    log.info("connecting to %s", DATABASE_URL)
    log.info("checking a signature made with %s", SIGNING_SECRET)
    try:
        raise ValueError(f"refused {BOT_TOKEN} at {DATABASE_URL}")
    except ValueError:
        log.exception("it failed")
    written = log_stream.getvalue()
    for secret in (BOT_TOKEN, "xapp-1-A0123", "xoxp-99", "pa55-w0rd", SIGNING_SECRET):
        assert secret not in written
    assert "postgresql+psycopg://checkin:***@db.internal:5432/checkin" in written
    assert "calling Slack with ***" in written


def test_configuring_again_replaces_the_handler_instead_of_doubling_every_line(log_stream):
    logs.configure("json", stream=log_stream)
    logs.configure("json", stream=log_stream)
    logging.getLogger("checkin.test").info("once")
    assert len(lines(log_stream)) == 1


def test_a_line_written_while_a_job_runs_names_the_job(log_stream):
    logs.configure("json", stream=log_stream)
    observe.run_job("hr-digest", lambda _context: logging.getLogger("checkin.test").info("sending"), None)
    logging.getLogger("checkin.test").info("between jobs")
    during, after = lines(log_stream)
    assert during["job"] == "hr-digest"
    assert "job" not in after


def test_a_slack_request_is_one_json_line_with_its_request_id_and_no_secret(log_stream, slack):
    logs.configure("json", secrets=[BOT_TOKEN, SIGNING_SECRET], stream=log_stream)
    response = slack.slash_command("UEMP1", "/goal", "help")
    assert response.status == 200
    request_id = response.headers["x-request-id"]
    [line] = [line for line in lines(log_stream) if line.get("request_id") == request_id and "kind" in line]
    assert line["surface"] == "slack" and line["kind"] == "command" and line["status"] == 200
    assert line["logger"] == "bot.metrics" and isinstance(line["ack_ms"], float)
    written = log_stream.getvalue()
    assert BOT_TOKEN not in written and SIGNING_SECRET not in written
    assert "help" not in line["message"]  # what people type is never logged


def test_a_tame_request_id_from_the_proxy_is_kept_and_any_other_replaced(bot_server):
    def request_id(sent: str) -> str:
        request = urllib.request.Request(f"{bot_server.url}/livez", headers={"X-Request-Id": sent})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["x-request-id"]

    assert request_id("lb-7f3a.0001") == "lb-7f3a.0001"
    replaced = request_id("a b\tc" + "x" * 100)
    assert len(replaced) == 16 and " " not in replaced
