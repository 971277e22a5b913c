"""`checkin-bot playground` as a newcomer runs it: a real process on loopback that prints where to point a browser."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import real_process

REPO = Path(__file__).resolve().parents[2]


@real_process
@pytest.mark.real_clock  # the child starts the week on the Monday of the real today
def test_playground_on_port_zero_prints_its_url_and_serves_the_page_until_interrupted(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "playground", "--port", "0"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line: list[str] = []
    printed = threading.Event()

    def read_first_line() -> None:
        first_line.append(process.stdout.readline())
        printed.set()

    threading.Thread(target=read_first_line, daemon=True).start()
    try:
        assert printed.wait(60), "the playground printed nothing within a minute"
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first_line[0])
        assert found, (first_line, process.stderr.read() if process.poll() is not None else "")
        assert "ready in" in first_line[0]
        with urllib.request.urlopen(found[0], timeout=10) as page:
            assert page.status == 200 and "checkin-bot playground" in page.read().decode()
        with urllib.request.urlopen(f"{found[0]}api/state?as=U0EM000004", timeout=10) as state:
            assert json.loads(state.read())["person"]["name"] == "李雷"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
