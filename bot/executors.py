"""An executor that runs work where it is submitted, so scripted runs and tests are deterministic."""

from __future__ import annotations

from concurrent.futures import Executor, Future

from slack_bolt.context.ack import Ack


class InlineExecutor(Executor):
    """Run each listener to completion before the HTTP response returns (ack still comes first)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        _keep_acknowledgement(fn)
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a thread pool would
            future.set_exception(exc)
        return future


class _KeptAck(Ack):
    """An Ack whose answer, once given, stays given.

    When a listener fails after acknowledging, Bolt's runner clears the acknowledgement: with a thread pool the
    answer has long gone to Slack by then, so nothing changes. Run inline, the clearing would happen before the
    answer is read and turn it into a 404; keeping it makes a test see what Slack sees.
    """

    @property
    def response(self):
        return self.__dict__.get("_kept")

    @response.setter
    def response(self, value) -> None:
        if value is not None or self.__dict__.get("_kept") is None:
            self.__dict__["_kept"] = value


def _keep_acknowledgement(fn) -> None:
    """Make the Ack a Bolt listener task closes over keep its answer (see _KeptAck)."""
    names = getattr(getattr(fn, "__code__", None), "co_freevars", ())
    for name, cell in zip(names, getattr(fn, "__closure__", None) or (), strict=False):
        value = cell.cell_contents if name == "ack" else None
        if type(value) is Ack:
            given = value.__dict__.get("response")
            value.__class__ = _KeptAck
            value.__dict__["_kept"] = given
