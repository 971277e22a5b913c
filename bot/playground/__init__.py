"""`checkin-bot playground`: the try-out in the browser, on loopback; `checkin-bot screenshots DIR` pictures it."""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.errors import CommandError

HOST = "127.0.0.1"


@contextmanager
def playground_world(workdir: Path, *, today: datetime) -> Iterator:
    """The bot, its emulators and the demo organisation, wrapped for the browser, with one scheduler tick done."""
    from bot.dev import dev_world
    from bot.playground.state import Playground

    with dev_world(workdir, today=today) as world:
        playground = Playground(world)
        playground.tick()  # Monday 08:00: the welcome guides arrive, as they would on a first morning
        playground.begin()
        yield playground


def run_playground(*, port: int, stdout: TextIO, today: datetime) -> int:
    """Serve the playground on 127.0.0.1:`port` (0: a free port) until interrupted; print its URL first."""
    import uvicorn

    from bot.playground.app import build_app

    started = time.monotonic()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
        listener.listen(128)  # a browser opened at once waits in the backlog until uvicorn accepts
    except OSError as exc:
        listener.close()
        raise CommandError(f"cannot listen on {HOST}:{port} ({exc.strerror}); try --port 0 for a free port") from None
    with listener, tempfile.TemporaryDirectory(prefix="checkin-playground-") as workdir, \
            playground_world(Path(workdir), today=today) as playground:
        server = uvicorn.Server(uvicorn.Config(build_app(playground), log_level="warning", lifespan="off"))
        print(f"checkin-bot playground: http://{HOST}:{listener.getsockname()[1]}/ "
              f"(ready in {time.monotonic() - started:.1f} s; Ctrl+C stops it)", file=stdout, flush=True)
        with suppress(KeyboardInterrupt):  # uvicorn stops cleanly on Ctrl+C, then raises it again for the caller
            server.run(sockets=[listener])
    print("checkin-bot playground: stopped", file=stdout, flush=True)
    return 0


def run_screenshots(directory: Path, *, stdout: TextIO, today: datetime) -> int:
    from bot.playground.screenshots import take_screenshots

    for path in take_screenshots(directory, today=today):
        print(path, file=stdout)
    return 0
