"""A private PostgreSQL server a test may stop and start (an outage), on a free loopback port."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


class PrivatePostgres:
    """initdb a cluster in `root`, owned by the postgres user when we run as root (initdb refuses root)."""

    def __init__(self):
        self.bindir = postgres_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/with-postgres installs it)")
        # Not under pytest's tmp_path: the postgres user cannot enter root's private temporary folders.
        root = Path(tempfile.mkdtemp(prefix="checkin-outage-pg."))
        self.root = root
        self.datadir = root / "pgdata"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.datadir.mkdir(mode=0o700)
        if self._as_postgres:
            shutil.chown(root, "postgres")
            shutil.chown(self.datadir, "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", "checkin", "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://checkin@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.datadir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.datadir / "server.log"), "-w", "-o", options,
                  "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as_postgres, str(self.bindir / program), *args], check=True, capture_output=True)
