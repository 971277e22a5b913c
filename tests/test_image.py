"""The container image, built and started for real: only with CHECKIN_TEST_IMAGE=1 (root, buildah, a few minutes)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import real_process

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(os.environ.get("CHECKIN_TEST_IMAGE") != "1",
                       reason="builds and starts the container image: set CHECKIN_TEST_IMAGE=1 (needs root or sudo, "
                              "buildah, podman and debootstrap from Debian; about 3 minutes from nothing)"),
    real_process,
]


def run_script(name: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / name)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_the_image_builds_and_serves_health_and_readiness_as_a_non_root_user():
    built = run_script("build-image", timeout=1200)
    assert built.returncode == 0, built.stderr[-4000:]
    smoked = run_script("smoke-image", timeout=300)
    assert smoked.returncode == 0, smoked.stderr[-4000:]
    for check in ("GET /healthz answers 200", "GET /readyz answers 200", "the image's HEALTHCHECK passes",
                  "runs as a non-root user", "charts find Noto Sans CJK", "SIGTERM stops serve cleanly"):
        assert f"ok   {check}" in smoked.stderr
