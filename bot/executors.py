"""An executor that runs work where it is submitted, so scripted runs and tests are deterministic."""

from __future__ import annotations

from concurrent.futures import Executor, Future


class InlineExecutor(Executor):
    """Run each listener to completion before the HTTP response returns (ack still comes first)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a thread pool would
            future.set_exception(exc)
        return future
