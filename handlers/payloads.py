"""Read a Slack payload at the edge into typed values: a shape Slack never sends is refused, never a 500.

Two kinds of bad input, two answers. A value of the wrong *shape* (a dict where Slack sends a string, a user id
that is no Slack id, a form whose state is not dicts all the way down) raises `Malformed`; `guard` answers it
with a clear refusal in the form the payload expects. A well-shaped value that names nothing (a forged record
id, tampered private_metadata) reads as None, and the listener refuses it as "not found".
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from prompts import blocks, refusal_blocks
from prompts.render import label
from storage import parsing, people

log = logging.getLogger(__name__)

ID_MAX = parsing.ID_MAX
SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{1,31}")  # U012AB3CD, W..., B...; the people table holds 32 characters
_ISO_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")
VALUE_MAX = 2000  # Slack's limit on a button's or an option's value
TEXT_MAX = 3000  # Slack's limit on a text input; a longer form value was not typed into Slack
STATE_KEYS = ("value", "selected_date", "selected_time", "selected_user", "selected_conversation",
              "selected_channel")


class Malformed(ValueError):
    """A payload of a shape Slack never sends: refused with a clear answer, nothing read from it."""


# ---- values in a payload -------------------------------------------------------------------------------------


def caller_id(body: Mapping) -> str:
    """The Slack id of whoever sent an interactivity payload (body.user.id)."""
    user = body.get("user")
    return slack_id(user.get("id") if isinstance(user, dict) else None)


def command_caller(command: Mapping) -> str:
    """The Slack id of whoever typed a slash command."""
    return slack_id(command.get("user_id"))


def slack_id(raw: Any) -> str:
    """A Slack user id: a short string of capitals and digits."""
    if isinstance(raw, str) and SLACK_ID.fullmatch(raw):
        return raw
    raise Malformed("not a Slack user id")


def text(raw: Any, *, limit: int = TEXT_MAX) -> str | None:
    """A string Slack sent (None when absent); a non-string or an over-long one is malformed."""
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > limit:
        raise Malformed("not a string Slack would send")
    return raw


def command_text(command: Mapping) -> str:
    """The text after a slash command ("" when none)."""
    return text(command.get("text"), limit=TEXT_MAX) or ""


def action_value(action: Mapping) -> str | None:
    """A button's value, or a select's chosen option's value."""
    if not isinstance(action, Mapping):
        raise Malformed("the action is not an object")
    option = action.get("selected_option")
    if option is not None:
        if not isinstance(option, dict):
            raise Malformed("the selected option is not an object")
        return text(option.get("value"), limit=VALUE_MAX)
    return text(action.get("value"), limit=VALUE_MAX)


def record_id(raw: Any) -> int | None:
    """A record id from a button, a modal or a dialog (forgeable): a positive 32-bit integer, else None."""
    return parsing.record_id(raw)


def record_ids(raw: str | None, *, separator: str, count: int) -> tuple[int, ...] | None:
    """Exactly `count` record ids joined by `separator` ("12:34"), else None."""
    parts = (raw or "").split(separator)
    ids = tuple(record_id(part) for part in parts)
    return ids if len(ids) == count and None not in ids else None  # type: ignore[return-value]


def fields(raw: str | None, *, separator: str, count: int) -> list[str] | None:
    """Split a compound value ("12|2026-W48") into exactly `count` parts, else None."""
    parts = (raw or "").split(separator)
    return parts if raw and len(parts) == count else None


def trigger_id(body: Mapping) -> str:
    """The trigger_id a modal is opened with."""
    value = text(body.get("trigger_id"), limit=VALUE_MAX)
    if not value:
        raise Malformed("no trigger_id")
    return value


def message_ref(body: Mapping) -> dict[str, str]:
    """The message a clicked button sits in, to update it afterwards; {} when clicked in a modal or the home."""
    container, channel = body.get("container"), body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else channel
    if not isinstance(container, dict) or container.get("type") != "message":
        return {}
    ts = container.get("message_ts")
    return {"channel": channel_id, "ts": ts} if isinstance(channel_id, str) and isinstance(ts, str) else {}


def clicked_on_home(body: Mapping) -> bool:
    """Whether a block action came from the App Home tab (the person is looking at it)."""
    view = body.get("view")
    return isinstance(view, Mapping) and view.get("type") == "home"


def iso_week(raw: Any) -> str | None:
    """An ISO week as the bot writes it ("2026-W48"), else None."""
    return raw if isinstance(raw, str) and _ISO_WEEK.fullmatch(raw) else None


# ---- modals --------------------------------------------------------------------------------------------------


def form_values(view: Mapping) -> dict[str, str | None]:
    """Flatten view.state.values to {block_id: the entered value as text, or None}.

    Multi-selects and checkboxes give their values comma-separated.
    """
    state = _mapping(view.get("state") if isinstance(view, Mapping) else None, "view.state")
    values: dict[str, str | None] = {}
    for block_id, actions in _mapping(state.get("values"), "view.state.values").items():
        for entry in _mapping(actions, "a block's state").values():
            values[block_id] = _entry_value(_mapping(entry, "an input's state"))
    return values


def _entry_value(entry: Mapping) -> str | None:
    if "selected_options" in entry:
        return ",".join(_option_value(option) for option in _list(entry["selected_options"])) or None
    if "selected_users" in entry:
        return ",".join(slack_id(user) for user in _list(entry["selected_users"])) or None
    if entry.get("selected_option") is not None:
        return _option_value(entry["selected_option"])
    for key in STATE_KEYS:
        if entry.get(key) is not None:
            return text(entry[key])
    return None


def _option_value(option: Any) -> str:
    value = text(_mapping(option, "an option").get("value"), limit=VALUE_MAX)
    if value is None:
        raise Malformed("an option without a value")
    return value


def metadata(view: Mapping) -> dict:
    """The JSON object a view carries in private_metadata; tampered or broken JSON reads as empty."""
    raw = private_metadata(view)
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def metadata_strings(view: Mapping, keys: tuple[str, ...]) -> dict[str, str | None]:
    """The named fields of a view's JSON private_metadata, each a string or None; anything else is malformed."""
    data = metadata(view)
    return {key: text(data[key]) for key in keys if key in data}


def metadata_id(view: Mapping) -> int | None:
    """The record id a view carries in private_metadata, else None."""
    return record_id(private_metadata(view))


def private_metadata(view: Mapping) -> str | None:
    """A view's private_metadata: a string (Slack keeps up to 3,000 characters)."""
    return text(view.get("private_metadata") if isinstance(view, Mapping) else None)


def input_block_ids(view: Mapping) -> list[str]:
    """The block ids of a view's input blocks, in order: the only blocks Slack shows an error on."""
    blocks = view.get("blocks") if isinstance(view, Mapping) else None
    if not isinstance(blocks, list):
        return []
    return [block["block_id"] for block in blocks
            if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str)]


def block_ids(view: Mapping) -> set[str]:
    """Every block id a view has."""
    blocks = view.get("blocks") if isinstance(view, Mapping) else None
    if not isinstance(blocks, list):
        return set()
    return {block["block_id"] for block in blocks if isinstance(block, dict) and isinstance(block.get("block_id"), str)}


def _mapping(raw: Any, what: str) -> Mapping:
    if not isinstance(raw, dict):
        raise Malformed(f"{what} is not an object")
    return raw


def _list(raw: Any) -> list:
    if not isinstance(raw, list):
        raise Malformed("a list Slack sends is not a list")
    return raw


# ---- the envelope, before Bolt -------------------------------------------------------------------------------

_ID_HOLDER = {"id": str, "team_id": str}
# The fields Bolt reads before any listener runs, and the types it assumes (None is always allowed).
ENVELOPE: dict[str, Any] = {
    "type": str, "token": str, "team_id": str, "enterprise_id": str, "user_id": str, "channel_id": str,
    "command": str, "text": str, "trigger_id": str, "response_url": str, "api_app_id": str, "callback_id": str,
    "action_id": str, "block_id": str, "value": str, "challenge": str, "ssl_check": str, "thread_ts": str,
    "function_execution_id": str, "bot_access_token": str, "is_ext_shared_channel": bool,
    "is_enterprise_install": (bool, str),
    "team": (str, _ID_HOLDER), "enterprise": (str, _ID_HOLDER), "user": (str, _ID_HOLDER),
    "channel": (str, _ID_HOLDER), "container": {"type": str, "message_ts": str, "view_id": str},
    "actions": [{"action_id": str, "block_id": str, "type": str}],
    "view": {"id": str, "type": str, "callback_id": str, "team_id": str, "app_installed_team_id": str,
             "private_metadata": str, "state": dict, "blocks": list},
    "message": dict, "previous_message": dict, "item": dict, "assistant_thread": dict, "function_data": dict,
    "workflow_step": dict, "response_urls": [{"response_url": str}],
    "authorizations": [{"team_id": str, "enterprise_id": str, "user_id": str, "is_enterprise_install": bool}],
    "event": {"type": str, "subtype": str, "user": str, "channel": str, "channel_type": str, "tab": str,
              "team": str, "user_team": str, "thread_ts": str, "bot_id": str, "function_execution_id": str,
              "message": dict, "previous_message": dict, "item": dict, "assistant_thread": dict},
}
REQUIRED = {"block_actions": ("actions",), "view_submission": ("view",), "view_closed": ("view",)}


def envelope_problem(body: Any) -> str | None:
    """Say what in a parsed request Bolt would trip over before our listeners run; None when it is fine."""
    if not isinstance(body, dict):
        return "the body is not an object"
    problem = _shape_problem(body, ENVELOPE, "body")
    if problem:
        return problem
    urls = [body.get("response_url")] + [u.get("response_url") for u in body.get("response_urls") or ()]
    if any(url is not None and not url.startswith(("https://", "http://")) for url in urls):
        return "a response_url that is no web address"  # answering to it would fail after the work is done
    for key in REQUIRED.get(body.get("type"), ()):
        if not body.get(key):
            return f"a {body['type']} without {key}"
    if body.get("type") == "block_actions" and not all("action_id" in action for action in body["actions"]):
        return "an action without an action_id"
    if body.get("type") in REQUIRED and body.get("type") != "block_actions" and not (
            "callback_id" in body["view"] and "type" in body["view"]):  # Bolt reads both before any listener
        return "a view without a callback_id or a type"
    return None


def _shape_problem(value: Any, shape: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(shape, tuple):  # any one of these shapes
        problems = [_shape_problem(value, option, where) for option in shape]
        return None if None in problems else problems[-1]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where} is not an object"
        # Only the keys the value has (a request carries a few of the forty): the rest have nothing to check.
        return next(filter(None, (_shape_problem(value[key], inner, f"{where}.{key}")
                                  for key, inner in shape.items() if value.get(key) is not None)), None)
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where} is not a list"
        return next(filter(None, (_shape_problem(item, shape[0], f"{where}[]") for item in value)), None)
    return None if isinstance(value, shape) else f"{where} is not a {shape.__name__}"


def unstorable_text(body: Any) -> bool:
    """Whether any string in the body holds a NUL or a lone surrogate, which no database column can store."""
    try:  # one pass in C over what Slack sends (a click carries the whole view): almost always clean
        text = json.dumps(body, ensure_ascii=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return _any_unstorable(body)
    # A NUL is written \u0000 (so is a backslash followed by "u0000": the walk tells them apart); a lone surrogate
    # is written as it is, and does not encode.
    if "\\u0000" not in text and _encodes(text):
        return False
    return _any_unstorable(body)


def _any_unstorable(body: Any) -> bool:
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and ("\x00" in value or not value.isascii() and not _encodes(value)):
            return True
    return False


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---- answering a malformed payload ---------------------------------------------------------------------------


def guard(listener: Callable) -> Callable:
    """Wrap a listener so that a `Malformed` payload gets a clear refusal instead of Bolt's 500.

    Bolt reads the listener's argument names through `__wrapped__` and passes them all by keyword.
    """

    @functools.wraps(listener)
    def guarded(**kwargs):
        try:
            return listener(**kwargs)
        except Malformed as error:
            log.info("refused a malformed Slack payload in %s: %s", listener.__name__, error)
            body = kwargs.get("body") or kwargs.get("command") or {}  # a command listener may not ask for body
            refuse(kwargs.get("ack"), body, kwargs.get("context", {}), kwargs.get("client"))

    return guarded


def refuse(ack, body: Mapping, context, client) -> None:
    """Tell whoever sent a malformed payload that it could not be read, in the form the payload expects."""
    locale = _locale(context, body)
    words = label("error_malformed", locale)
    acked = ack is None or getattr(ack, "response", None) is not None
    answer = refusal_acknowledgement(body, words, locale=locale)
    if not acked:
        ack(answer) if answer else ack()
    if answer is None and body.get("type") in ("block_actions", None) and "event" not in body:
        answer_privately(body, client, words)


def refusal_acknowledgement(body: Mapping, words: str, *, locale: str) -> dict | None:
    """The acknowledgement that itself carries `words` in the form the payload expects; None for a button or an
    event, which are acknowledged empty and answered afterwards (`answer_privately`).

    A submission keeps its modal open with the words on its first input; one with no input is replaced by a modal
    that says them. Shared by the malformed-payload guard and the error handler.
    """
    kind = body.get("type")
    if kind == "view_submission":
        inputs = input_block_ids(body.get("view") or {})
        if inputs:
            return {"response_action": "errors", "errors": {inputs[0]: words}}
        return {"response_action": "update", "view": refusal_blocks.refusal_modal(words, locale=locale)}
    if kind == "block_suggestion":
        return {"options": []}
    if "command" in body:
        return {"response_type": "ephemeral", **blocks.markdown_message(words)}
    return None


def answer_privately(body: Mapping, client, words: str) -> None:
    """Answer under the message or command (response_url), else in the sender's DM; one that cannot be
    delivered is logged and dropped, so answering never fails in its turn."""
    urls = body.get("response_urls") if isinstance(body.get("response_urls"), list) else []
    url = body.get("response_url") or next(
        (u.get("response_url") for u in urls if isinstance(u, dict) and u.get("response_url")), None)
    try:
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            WebhookClient(url).send(response_type="ephemeral", replace_original=False,
                                    **blocks.markdown_message(words))
        elif client is not None:
            client.chat_postMessage(channel=caller_id(body), **blocks.markdown_message(words))
    except (Malformed, SlackApiError, OSError) as error:
        log.info("could not deliver an answer: %s", error)


def _locale(context, body: Mapping) -> str:
    """The sender's stored language when the payload names someone in the directory, else the default."""
    deps = context.get("deps") if isinstance(context, Mapping) else None
    default = deps.settings.default_locale if deps is not None else "en"
    user = body.get("user")
    raw = user.get("id") if isinstance(user, dict) else body.get("user_id")
    if deps is None or not (isinstance(raw, str) and SLACK_ID.fullmatch(raw)):
        return default
    with deps.sessions() as session:
        person = people.by_slack_id(session, raw)
        stored = person.locale if person else None
    return people.pick_locale(stored, default=default)
