"""A playground on the demo organisation, as `checkin-bot playground` starts it, on a fixed Thursday."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bot.playground import playground_world
from bot.playground.app import build_app

A_THURSDAY = datetime(2027, 3, 11, 15, 30, tzinfo=UTC)  # the playground opens on Monday 8 March, 08:00 UTC
LI_LEI, WANG_FANG, LINUS, GRACE, KATHERINE = "U0EM000004", "U0MG000002", "U0EM000003", "U0HR000001", "U0EM000002"


@pytest.fixture
def playground(tmp_path):
    with playground_world(tmp_path, today=A_THURSDAY) as world:
        yield world


@pytest.fixture
def web(playground) -> TestClient:
    return TestClient(build_app(playground, allowed_hosts=("testserver",)))
