"""Who is asking, in which language, and the shared dependencies of a request."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import make_transient_to_detached

from actions import perform
from actions.outcome import Asked, Outcome
from prompts import blocks
from storage import people, surfaces
from storage.db import BOOKKEEPING
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

# How Slack sends a mention in command text when the command sets should_escape.
MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Caller:
    slack_id: str
    person: Person | None
    locale: str


def deps_of(context) -> Deps:
    return context["deps"]


def asked_by(context, person: Person, locale: str) -> Asked:
    """The action's view of a Slack request: who, in which language, when, and the request's key."""
    deps = deps_of(context)
    return Asked(person=person, locale=locale, now=deps.clock.now(), surface=surfaces.SLACK,
                 request=context.get("request_key") or "", default_zone=deps.settings.default_timezone,
                 default_locale=deps.settings.default_locale)


def answer_of(context, action, person: Person, locale: str, /, **inputs) -> dict:
    """Run an action whose outcome is an answer shown at once; what it queued is delivered after."""
    outcome = perform.perform(deps_of(context), action, asked_by(context, person, locale), **inputs)
    deliver_after_ack(context, outcome)
    return outcome.reply


def deliver_after_ack(context, outcome: Outcome) -> None:
    """Deliver what an action queued: later on the app's own pool under `serve` (the ack is not kept waiting,
    and a burst is delivered in one pass), else now on this thread (tests and scripted runs)."""
    if not outcome.queued:
        return
    deps, later = deps_of(context), context.get("later")
    if later is not None and deps.drain_notices is not None:
        later.submit(("notices",), deps.drain_notices)
    else:
        perform.deliver(deps, outcome)


def identify(context, client: WebClient, slack_id: str) -> Caller:
    """Find the person behind a Slack id and the language to answer them in (from a short-lived cache if fresh)."""
    deps = deps_of(context)
    now = deps.clock.now()
    cached = _CALLERS.get(deps.engine, slack_id, now)
    if cached is not None:
        _remember_locale(slack_id, cached.locale)
        return cached
    before = people.generation()  # a write to a person from here on (noting the surface too) skips the cache
    with deps.sessions() as session:
        session.info[BOOKKEEPING] = True  # noting the surface is not the person's action: not "saved"
        person = people.by_slack_id(session, slack_id)
        if person is not None:
            surfaces.note_activity(session, person, surfaces.SLACK)  # scheduled messages follow them here
    stored_locale = person.locale if person else None
    platform_locale = None if stored_locale else _slack_locale(client, slack_id)
    locale = people.pick_locale(stored_locale, platform_locale, default=deps.settings.default_locale)
    _remember_locale(slack_id, locale)
    caller = Caller(slack_id=slack_id, person=person, locale=locale)
    _CALLERS.put(deps.engine, caller, now=now, generation=before)
    return caller


class CallerCache:
    """Recent callers per database, each kept for `ttl`, at most `max_size` per database (the oldest go first).

    An ack reads the caller's person row on every request; this saves the query (and the session) when the same
    person clicks again within seconds. An entry is dropped as soon as this process writes to any person
    (`people.generation()` moves on: an org import, `checkin here`, an erasure, a role change), so nothing this
    process did is served stale. Writes by another process (a CLI import while `serve` runs) are seen after
    `ttl` at most: a few seconds of an old name or locale, never longer. Permission decisions are not cached:
    each listener still asks storage with the person it gets, and the person's role and manager are at most
    `ttl` old. Each hit hands out a copy, so no two requests share one mutable row.
    """

    def __init__(self, *, ttl: timedelta, max_size: int):
        self.ttl, self.max_size = ttl, max_size
        self._entries: WeakKeyDictionary[object, OrderedDict[str, tuple[Caller, datetime, int]]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, database: object, slack_id: str, now: datetime) -> Caller | None:
        with self._lock:
            entries = self._entries.get(database)
            entry = entries.get(slack_id) if entries is not None and isinstance(slack_id, str) else None
            if entry is None:
                return None
            caller, expires, generation = entry
            if now >= expires or generation != people.generation():
                del entries[slack_id]
                return None
        return replace(caller, person=_detached_copy(caller.person)) if caller.person is not None else caller

    def put(self, database: object, caller: Caller, *, now: datetime, generation: int) -> None:
        if not isinstance(caller.slack_id, str) or generation != people.generation():
            return  # someone wrote to a person meanwhile: what was read may already be old
        person = _detached_copy(caller.person) if caller.person is not None else None
        with self._lock:
            entries = self._entries.setdefault(database, OrderedDict())
            entries[caller.slack_id] = (replace(caller, person=person), now + self.ttl, generation)
            entries.move_to_end(caller.slack_id)
            while len(entries) > self.max_size:
                entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _detached_copy(person: Person) -> Person:
    """A copy of a loaded row that behaves as the row did once its session closed (detached, not new).

    Built as SQLAlchemy builds a loaded row (values straight into the instance dict, no validation): a tenth of
    the cost of `Person(**values)`, which matters on a path that runs on every ack.
    """
    copy = Person._sa_class_manager.new_instance()
    for name in _PYDANTIC_SLOTS:
        value = object.__getattribute__(person, name)
        object.__setattr__(copy, name, value.copy() if isinstance(value, set | dict) else value)
    copy.__dict__.update({column: getattr(person, column) for column in _PERSON_COLUMNS})
    make_transient_to_detached(copy)
    return copy


_PYDANTIC_SLOTS = ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
_PERSON_COLUMNS = tuple(column.key for column in Person.__table__.columns)
# A few seconds: long enough that a burst of clicks by one person reads their row once, short enough that a change
# made by another process (see CallerCache) is not noticed as stale.
CALLER_TTL = timedelta(seconds=5)
_CALLERS = CallerCache(ttl=CALLER_TTL, max_size=10_000)


# The language each recent caller was answered in, so an answer can be given in it even when the database is
# down. Bounded: the oldest entries go first.
_RECENT_LOCALES: OrderedDict[str, str] = OrderedDict()
RECENT_LOCALES_MAX = 50_000
_recent_lock = threading.Lock()


def _remember_locale(slack_id: str, locale: str) -> None:
    with _recent_lock:
        _RECENT_LOCALES[slack_id] = locale
        _RECENT_LOCALES.move_to_end(slack_id)
        while len(_RECENT_LOCALES) > RECENT_LOCALES_MAX:
            _RECENT_LOCALES.popitem(last=False)


def recent_locale(slack_id: object) -> str | None:
    """Return the language a caller was last answered in by this process, if any."""
    with _recent_lock:
        return _RECENT_LOCALES.get(slack_id) if isinstance(slack_id, str) else None


def stranger_reply(context, caller: Caller) -> dict:
    """Build the reply for someone who is not in the org directory: who to ask."""
    with deps_of(context).sessions() as session:
        contacts = [p.name for p in people.hr_contacts(session)]
    return blocks.unknown_person(contacts, locale=caller.locale)


def _slack_locale(client: WebClient, slack_id: str) -> str | None:
    try:
        return client.users_info(user=slack_id, include_locale=True)["user"].get("locale")
    except SlackApiError as exc:
        log.warning("users.info for locale failed: %s", exc.response.get("error"))
        return None


def locale_of(context, person: Person) -> str:
    """Return the language to write to someone other than the caller in (their record, else the default)."""
    return people.pick_locale(person.locale, default=deps_of(context).settings.default_locale)


def today_for(context, person: Person):
    deps = deps_of(context)
    return people.local_today(person, now=deps.clock.now(), default_zone=deps.settings.default_timezone)


def tell(client: WebClient, body: dict, text: str) -> None:
    """Answer an action privately: under the message clicked (response_url), else in a DM (App Home)."""
    if body.get("response_url"):
        WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=body["user"]["id"], text=text)


def subcommand_of(command: dict) -> tuple[str, str]:
    """Split a slash command's text into its first word (lower-cased) and the rest."""
    first, _, rest = command.get("text", "").strip().partition(" ")
    return first.lower(), rest.strip()


def mentioned_slack_id(argument: str) -> str | None:
    """Return the Slack id of an escaped mention (`<@U123|name>`) that is the whole argument."""
    match = MENTION.match(argument.strip())
    return match.group(1) if match else None
