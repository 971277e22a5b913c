"""Route Slack requests to our listeners by id: one Bolt listener per kind instead of one per button.

Bolt tries its listeners in turn, and trying one costs it a full build of the listener arguments; with sixty
listeners a modal registered late paid for sixty before its own ran, on every request. Here each kind (commands,
actions, views, options) is one Bolt listener whose pattern is every id registered for it, and a dictionary
finds the listener: the cost no longer grows with the number of features.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from handlers.payloads import guard

# By action_id, callback_id, command name and action_id; in this order, the most frequent first, since Bolt
# tries its listeners in turn.
ROUTED = ("action", "view", "command", "options")
# Events and middleware go to Bolt as they are: there are two events, and their matching is by type and fields.
PASSED_THROUGH = frozenset({"event", "message", "shortcut", "view_closed", "view_submission", "block_action"})


class Routes:
    """The listeners of one kind: exact ids in a dictionary, patterns in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.exact: dict[str, Callable] = {}
        self.patterns: list[tuple[re.Pattern, Callable]] = []

    def add(self, constraint: str | re.Pattern, listener: Callable) -> None:
        if isinstance(constraint, str):
            if constraint in self.exact:
                raise ValueError(f"two {self.kind} listeners for {constraint!r}")
            self.exact[constraint] = listener
        elif isinstance(constraint, re.Pattern):
            self.patterns.append((constraint, listener))
        else:
            raise TypeError(f"a {self.kind} listener needs a string or a compiled pattern, not {constraint!r}")

    def find(self, key: str | None) -> Callable | None:
        if key is None:
            return None
        found = self.exact.get(key)
        if found is None:
            found = next((listener for pattern, listener in self.patterns if pattern.search(key)), None)
        return found

    def pattern(self) -> re.Pattern:
        """One pattern matching exactly the ids registered, as Bolt matches each (equal, or the pattern found)."""
        alternatives = [f"^(?:{'|'.join(re.escape(key) for key in self.exact)})$"] if self.exact else []
        alternatives += [f"(?:{pattern.pattern})" for pattern, _ in self.patterns]
        return re.compile("|".join(alternatives))


class Router:
    """The Bolt app as a feature module sees it: listeners registered by id, each `guard`ed; `install` wires them."""

    def __init__(self, app) -> None:
        self._app = app
        self._routes = {kind: Routes(kind) for kind in ROUTED}
        self._passed: list[Callable[[], None]] = []  # registered after the routed kinds

    def __getattr__(self, name: str):
        if name in self._routes:
            routes = self._routes[name]

            def route(constraint):
                def register(listener: Callable) -> Callable:
                    routes.add(constraint, _Bound(guard(listener)))
                    return listener
                return register
            return route
        attribute = getattr(self._app, name)
        if name not in PASSED_THROUGH:
            return attribute

        def later(*args, **kwargs):
            def register(listener: Callable) -> Callable:
                self._passed.append(lambda: attribute(*args, **kwargs)(guard(listener)))
                return listener
            return register
        return later

    def install(self) -> None:
        """Register one Bolt listener per kind that has listeners, then the events."""
        for kind, routes in self._routes.items():
            if routes.exact or routes.patterns:
                getattr(self._app, kind)(routes.pattern())(_dispatcher(routes))
        for register in self._passed:
            register()


class _Bound:
    """A listener with the names of the arguments it takes, read once."""

    def __init__(self, listener: Callable) -> None:
        self.listener = listener
        self.names = tuple(inspect.signature(listener).parameters)

    def __call__(self, offered: dict[str, Any]):
        return self.listener(**{name: offered[name] for name in self.names})


def _dispatcher(routes: Routes) -> Callable:
    read_key = _KEYS[routes.kind]

    # Bolt passes each argument named here; the routed listener gets the ones it names.
    def dispatch(ack, body, context, client, action, view, command, options, payload, respond, say, logger):
        bound = routes.find(read_key(body))
        if bound is None:  # the pattern matched, so this cannot happen; answer as Bolt does for the unhandled
            return ack()
        return bound({"ack": ack, "body": body, "context": context, "client": client, "action": action,
                      "view": view, "command": command, "options": options, "payload": payload,
                      "respond": respond, "say": say, "logger": logger})

    return dispatch


def _action_id(body: dict) -> str | None:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0].get("action_id") or actions[0].get("callback_id") or body.get("callback_id")
    return body.get("callback_id")


def _callback_id(body: dict) -> str | None:
    view = body.get("view")
    return view.get("callback_id") if isinstance(view, dict) else None


_KEYS: dict[str, Callable[[dict], str | None]] = {
    "command": lambda body: body.get("command"),
    "action": _action_id,
    "view": _callback_id,
    "options": lambda body: body.get("action_id") or body.get("name"),
}
