"""The playground's world: the bot and its emulators, what each person has seen, and what just happened."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from bot.app import slack_web_client
from bot.deps import job_config
from bot.dev import GUEST, DevWorld, demo_people
from bot.emulator import BotResponse, SignedSlackClient
from bot.emulator.signed_client import build_state_values
from bot.teams_emulator import TeamsClient
from scheduler import JOBS, JobContext
from scheduler.runner import run_job

CLOCK_MOVES = ("friday", "monday", "hour", "day")
_MENTION = re.compile(r"@([^\s@<>&,.;:!?，。]+)")


@dataclass(frozen=True)
class Person:
    slack_id: str
    name: str
    role: str
    team: str
    timezone: str
    locale: str
    teams_id: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass
class Exchange:
    """One request the bot received (signed as Slack or Teams sends it), its answer, and the calls it caused."""

    platform: str  # "slack" or "teams"
    kind: str
    actor: str | None
    body: Any
    status: int
    response: Any
    calls: tuple[int, int]  # the emulator's calls (Slack) or the connector's posts (Teams) made meanwhile


@dataclass
class Modal:
    """A modal open for someone: its view, what they typed, the bot's inline errors, external selects' options."""

    view: dict
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[dict]] = field(default_factory=dict)


@dataclass
class Said:
    """Something shown in a person's chat that the emulators do not keep: their own words, ephemeral replies."""

    user: str
    order: float
    kind: str  # "you" (they wrote it), "ephemeral" (only they see it), "notice" (Teams closed a dialog with it)
    message: dict
    when: datetime | None = None


@dataclass
class Mark:
    """Where "what just happened" starts: counts of exchanges, Slack calls, Teams posts and notes."""

    exchanges: int = 0
    calls: int = 0
    posts: int = 0
    notes: int = 0


class RecordingSlackClient(SignedSlackClient):
    """The signed Slack client, telling the playground of every request it sends and who sent it."""

    def __init__(self, *args, on_exchange, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_exchange = on_exchange
        self._actor: str | None = None

    def slash_command(self, user_id: str, *args, **kwargs) -> BotResponse:
        self._actor = user_id
        return super().slash_command(user_id, *args, **kwargs)

    def block_action(self, user_id: str, *args, **kwargs) -> BotResponse:
        self._actor = user_id
        return super().block_action(user_id, *args, **kwargs)

    def view_submission(self, user_id: str, *args, **kwargs) -> BotResponse:
        self._actor = user_id
        return super().view_submission(user_id, *args, **kwargs)

    def view_closed(self, user_id: str, *args, **kwargs) -> BotResponse:
        self._actor = user_id
        return super().view_closed(user_id, *args, **kwargs)

    def event(self, user_id: str | None, *args, **kwargs) -> BotResponse:
        self._actor = user_id
        return super().event(user_id, *args, **kwargs)

    def block_suggestion(self, user_id: str, view: dict, action_id: str, block_id: str, value: str = "") -> BotResponse:
        """Ask for an external select's options as Slack does when the person opens it."""
        self._actor = user_id
        payload = {"type": "block_suggestion", **self._envelope(user_id), "container": {
            "type": "view", "view_id": view.get("id")}, "action_id": action_id, "block_id": block_id, "value": value,
            "view": view}
        return self._post_payload(payload)

    def send_raw(self, body: bytes, content_type: str, **kwargs) -> BotResponse:
        actor, self._actor = self._actor, None
        start = len(self.emulator.calls)
        response = super().send_raw(body, content_type, **kwargs)
        decoded = _decode_slack_body(body, content_type)
        kind = decoded.get("type") or ("slash_command" if "command" in decoded else "request")
        self._on_exchange(Exchange("slack", kind, actor, decoded, response.status,
                                   response.json() if response.json() is not None else response.body,
                                   (start, len(self.emulator.calls))))
        return response


class RecordingTeamsClient(TeamsClient):
    """The Teams client, telling the playground of every activity it posts to the bot."""

    def __init__(self, *args, on_exchange, actor_of, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_exchange = on_exchange
        self._actor_of = actor_of

    def send_raw(self, body: bytes, **kwargs) -> BotResponse:
        start = len(self.connector.posted)
        response = super().send_raw(body, **kwargs)
        try:
            activity = json.loads(body)
        except ValueError:
            activity = {"raw": body.decode("utf-8", "replace")}
        kind = activity.get("type", "?") + (f" {activity['name']}" if activity.get("name") else "")
        actor = self._actor_of((activity.get("from") or {}).get("aadObjectId"))
        self._on_exchange(Exchange("teams", kind, actor, activity, response.status,
                                   response.json() if response.json() is not None else response.body,
                                   (start, len(self.connector.posted))))
        return response


def _decode_slack_body(body: bytes, content_type: str) -> dict:
    text = body.decode("utf-8", "replace")
    if content_type.startswith("application/json"):
        try:
            return json.loads(text)
        except ValueError:
            return {"raw": text}
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        try:
            return json.loads(fields["payload"])
        except ValueError:
            return fields
    return fields


def slack_escape(text: str) -> str:
    """Encode what a person types as Slack sends it to apps: only &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Playground:
    """One demo organisation's world that a browser drives, one person and one click at a time."""

    def __init__(self, world: DevWorld) -> None:
        self.world = world
        self.lock = threading.RLock()
        rows = demo_people()
        self.people = [Person(r["slack_id"], r["name"], r["role"], r["team"], r["timezone"], r["locale"],
                              r.get("teams_id") or "") for r in rows]
        self.people.append(Person(GUEST[0], GUEST[1], "guest (not in the org directory)", "-", "Europe/Berlin",
                                  "en-US"))
        self.modals: dict[str, list[Modal]] = {}
        self.said: list[Said] = []
        self.teams_said: list[Said] = []
        self.teams_dialogs: dict[str, dict] = {}
        self.teams_installed: set[str] = set()
        self.exchanges: list[Exchange] = []
        self.notes: list[str] = []
        self.call_times: list[datetime] = []
        self.post_times: list[datetime] = []
        self.mark = Mark()
        self.scene = 0
        slack = world.slack
        world.slack = RecordingSlackClient(slack.events_url, world.deps.settings.slack_signing_secret, slack.emulator,
                                           on_exchange=self._slack_exchange)
        if world.teams is not None:
            by_object_id = {user.aad_object_id: slack_id for slack_id, user in world.teams_users.items()}
            teams = world.teams
            world.teams = RecordingTeamsClient(teams.messages_url, keys=teams.keys, connector=teams.connector,
                                               on_exchange=self._teams_exchange, actor_of=by_object_id.get)

    # ---- who is who -------------------------------------------------------------------------

    def person(self, slack_id: str) -> Person:
        for person in self.people:
            if person.slack_id == slack_id:
                return person
        raise KeyError(slack_id)

    @property
    def names(self) -> dict[str, str]:
        return {person.slack_id: person.name for person in self.people}

    def with_mentions(self, text: str) -> str:
        """Slack-encode typed text and turn `@Alan` (a first name, or a Slack id) into a mention."""
        by_name = {person.first_name.lower(): person for person in self.people}
        by_name.update({person.slack_id.lower(): person for person in self.people})

        def mention(match: re.Match) -> str:
            person = by_name.get(match[1].lower())
            return f"<@{person.slack_id}|{person.first_name.lower()}>" if person else match[0]

        return _MENTION.sub(mention, slack_escape(text))

    # ---- what people do in Slack --------------------------------------------------------------

    def begin(self) -> None:
        """A click starts: "what just happened" is what follows it."""
        self.mark = Mark(len(self.exchanges), len(self.world.emulator.calls), self._posts(), len(self.notes))

    def command(self, user: str, line: str) -> None:
        """Type a slash command, as in `/goal list`; anything else is a message to the bot."""
        with self.lock:
            self.begin()
            line = line.strip()
            if not line.startswith("/"):
                return self._dm(user, line)
            command, _, text = line.partition(" ")
            self.world.slack.slash_command(user, command, self.with_mentions(text.strip()), channel_id=f"D{user}")

    def dm(self, user: str, text: str) -> None:
        with self.lock:
            self.begin()
            self._dm(user, text)

    def _dm(self, user: str, text: str) -> None:
        self.world.dm(user, self.with_mentions(text))

    def act(self, user: str, *, surface: str, action_id: str, block_id: str | None = None, value: str | None = None,
            selected_option: str | None = None, selected_date: str | None = None, ts: str | None = None,
            view_id: str | None = None, values: dict | None = None) -> None:
        """Click a button, or choose from an overflow, a select or a date picker, in a message, home or modal."""
        with self.lock:
            self.begin()
            where: dict[str, Any] = {}
            if surface == "message":
                message = next((m for m in self.world.emulator.messages if m["ts"] == ts), None)
                if message is None:
                    raise LookupError(f"no message {ts}")
                where["message"] = message
            elif surface == "home":
                where["view"] = self.world.emulator.home_views[user]
            elif surface == "modal":
                modal = self._modal(user, view_id)
                if values is not None:
                    modal.values = values
                where["view"] = {**modal.view, "state": {"values": build_state_values(
                    modal.view, self._known_values(modal.view, modal.values))}}
            else:
                raise ValueError(f"unknown surface {surface!r}")
            if selected_date is not None:
                value = selected_date
            self.world.slack.block_action(user, action_id, value, block_id=block_id or None,
                                          selected_option=selected_option, **where)

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict:
        """Submit a modal with what the person filled in; return the bot's answer."""
        with self.lock:
            self.begin()
            modal = self._modal(user, view_id)
            modal.values = dict(values)
            response = self.world.slack.view_submission(user, modal.view, self._known_values(modal.view, values))
            return response.json() or {}

    def close(self, user: str, view_id: str) -> None:
        with self.lock:
            self.begin()
            modal = self._modal(user, view_id)
            if modal.view.get("notify_on_close"):
                self.world.slack.view_closed(user, modal.view)
            self._pop(user, view_id)

    def open_home(self, user: str) -> None:
        with self.lock:
            self.begin()
            self.world.slack.event(user, {"type": "app_home_opened", "tab": "home", "channel": f"D{user}"})

    def _modal(self, user: str, view_id: str | None) -> Modal:
        stack = self.modals.get(user) or []
        for modal in stack:
            if modal.view.get("id") == view_id or view_id is None:
                return modal
        raise LookupError(f"{user} has no open modal {view_id}")

    @staticmethod
    def _known_values(view: dict, values: dict[str, Any]) -> dict[str, Any]:
        """Keep the values of the view's input blocks; an empty field is sent as Slack sends it (nothing chosen)."""
        ids = {block.get("block_id") for block in view.get("blocks") or []}
        return {key: (None if value in ("", []) else value) for key, value in values.items() if key in ids}

    def _pop(self, user: str, view_id: str) -> None:
        stack = self.modals.get(user) or []
        index = next((i for i, modal in enumerate(stack) if modal.view.get("id") == view_id), None)
        if index is not None:
            del stack[index:]

    # ---- what people do in Teams --------------------------------------------------------------

    def teams_install(self, user: str) -> None:
        with self.lock:
            self.begin()
            self.world.teams.install(self.world.teams_users[user])

    def teams_message(self, user: str, text: str) -> None:
        with self.lock:
            self.begin()
            self.world.teams.message(self.world.teams_users[user], text)

    def teams_press(self, user: str, data: dict, *, index: int = -1, inputs: dict | None = None,
                    dialog: bool = False) -> None:
        """Press an Action.Submit: on a card in the chat (`index`: which activity) or in the open dialog."""
        with self.lock:
            self.begin()
            teams_user = self.world.teams_users[user]
            if dialog:
                self.world.teams.task_submit(teams_user, {**data, **(inputs or {})})
            elif (data.get("msteams") or {}).get("type") == "task/fetch":
                self.world.teams.task_fetch(teams_user, data)
            else:
                activity_ids = self._activity_ids()
                reply_to = activity_ids[index] if 0 <= index < len(activity_ids) else None
                self.world.teams.card_submit(teams_user, {**data, **(inputs or {})}, reply_to=reply_to)

    def teams_close(self, user: str) -> None:
        with self.lock:
            self.begin()
            self.teams_dialogs.pop(user, None)

    # ---- time ---------------------------------------------------------------------------------

    def move_clock(self, user: str, move: str) -> datetime:
        """Move the clock (to Friday 15:00 or Monday 09:00 in the person's zone, or on) and tick every job."""
        with self.lock:
            self.begin()
            now = self.world.clock.now()
            if move == "friday":
                target = next_local(now, self.person(user).zone, weekday=4, at=time(15, 0))
            elif move == "monday":
                target = next_local(now, self.person(user).zone, weekday=0, at=time(9, 0))
            elif move == "hour":
                target = now + timedelta(hours=1)
            elif move == "day":
                target = now + timedelta(days=1)
            else:
                raise ValueError(f"unknown clock move {move!r}")
            self.world.clock.set(target)
            self.tick()
            return target

    def tick(self) -> None:
        """Run every registered job once as of the clock, as the scheduler's tick would."""
        with self.lock:
            world = self.world
            context = JobContext(sessions=world.deps.sessions, client=slack_web_client(world.deps),
                                 now=world.clock.now(), config=job_config(world.deps.settings), worker="playground",
                                 teams=world.teams_sender)
            self.notes.append(f"clock: {world.clock.now():%a %d %b %Y %H:%M} UTC; the scheduler ticks")
            for job in JOBS:
                if not job.available:
                    continue
                report = run_job(job, context)
                if report is None:
                    self.notes.append(f"{job.name}: failed (see the log); the next tick retries")
                elif report.sent or report.failed or report.unreachable:
                    self.notes.append(f"{job.name}: {report.summary()}")
            self._stamp()

    def replay_next_scene(self) -> str | None:
        """Play the next scene of `checkin-bot dev`'s scripted week; return its title (None when all are played)."""
        from bot.dev_script import SCENES

        with self.lock:
            self.begin()
            if self.scene >= len(SCENES):
                return None
            scene = SCENES[self.scene]
            self.scene += 1
            title = (scene.__doc__ or scene.__name__).strip()
            self.notes.append(f"scripted week, scene {self.scene} of {len(SCENES)}: {title}")
            try:
                scene(self.world)
            except Exception as exc:  # a scene assumes the scripted history; a visitor may have changed it
                self.notes.append(f"the scene stopped early: {type(exc).__name__}: {exc}")
            self.world.transcript.lines.clear()
            self._stamp()
            return title

    def scenes(self) -> list[str]:
        from bot.dev_script import SCENES

        return [(scene.__doc__ or scene.__name__).strip() for scene in SCENES]

    # ---- what the emulators tell us ----------------------------------------------------------

    def _stamp(self) -> None:
        now = self.world.clock.now()
        self.call_times += [now] * (len(self.world.emulator.calls) - len(self.call_times))
        self.post_times += [now] * (self._posts() - len(self.post_times))

    def _posts(self) -> int:
        return len(self.world.teams.connector.posted) if self.world.teams is not None else 0

    def _slack_exchange(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        self._stamp()
        calls = self.world.emulator.calls
        actor = exchange.actor
        event = exchange.body.get("event") or {} if exchange.kind == "event_callback" else {}
        if event.get("type") == "message" and event.get("channel_type") == "im" and actor:
            self.said.append(Said(actor, exchange.calls[0] - 0.5, "you", {"text": event.get("text", "")},
                                  self.world.clock.now()))
        if exchange.kind == "slash_command" and exchange.status == 200 and exchange.response:
            reply = exchange.response if isinstance(exchange.response, dict) else {"text": str(exchange.response)}
            if reply.get("text") or reply.get("blocks"):
                self.said.append(Said(actor, exchange.calls[0] - 0.5, "ephemeral", reply, self.world.clock.now()))
        for index in range(*exchange.calls):
            call = calls[index]
            if call.status != 200 or not call.response.get("ok", False):
                continue
            if call.method == "views.open" and actor:
                self.modals[actor] = [self._with_options(actor, Modal(call.response["view"]))]
            elif call.method == "views.push" and actor:
                self.modals.setdefault(actor, []).append(self._with_options(actor, Modal(call.response["view"])))
            elif call.method == "views.update":
                self._replace_view(call.response["view"])
            elif call.method == "chat.postEphemeral":
                self.said.append(Said(call.params.get("user", ""), index, "ephemeral", call.params,
                                      self.world.clock.now()))
            elif call.method == "response_url" and actor and not call.params.get("delete_original"):
                self.said.append(Said(actor, index, "ephemeral", call.params, self.world.clock.now()))
        if exchange.kind == "view_submission" and actor:
            self._submitted(actor, exchange)

    def _submitted(self, actor: str, exchange: Exchange) -> None:
        view_id = exchange.body.get("view", {}).get("id")
        answer = exchange.response if isinstance(exchange.response, dict) else {}
        action = answer.get("response_action")
        stack = self.modals.get(actor) or []
        modal = next((m for m in stack if m.view.get("id") == view_id), None)
        if exchange.status != 200:
            return  # Slack keeps the modal open and says it could not reach the app
        if action == "errors" and modal is not None:
            modal.errors = dict(answer.get("errors") or {})
        elif action == "update" and modal is not None:
            modal.view = {**answer["view"], "id": view_id}
            modal.values, modal.errors = {}, {}
            self._with_options(actor, modal)
        elif action == "push":
            stack.append(self._with_options(actor, Modal({**answer["view"], "id": f"{view_id}-pushed-{len(stack)}"})))
        elif action == "clear":
            self.modals[actor] = []
        else:
            self._pop(actor, view_id)

    def _replace_view(self, view: dict) -> None:
        for user, stack in self.modals.items():
            for modal in stack:
                if modal.view.get("id") == view.get("id"):
                    modal.view, modal.errors = view, {}
                    self._with_options(user, modal)

    def _with_options(self, user: str, modal: Modal) -> Modal:
        """Ask the bot for each external select's options, as Slack does when the select is opened."""
        for block in modal.view.get("blocks") or []:
            element = block.get("element") or block.get("accessory") or {}
            if element.get("type") in ("external_select", "multi_external_select"):
                answer = self.world.slack.block_suggestion(user, modal.view, element.get("action_id", ""),
                                                           block.get("block_id", ""))
                body = answer.json() or {}
                options = list(body.get("options") or []) + [
                    option for group in body.get("option_groups") or [] for option in group.get("options", [])]
                modal.options[element.get("action_id", "")] = options
        return modal

    def _teams_exchange(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        self._stamp()
        actor = exchange.actor
        if actor is None:
            return
        if exchange.kind == "message" and exchange.body.get("text"):
            self.teams_said.append(Said(actor, exchange.calls[0] - 0.5, "you", {"text": exchange.body["text"]},
                                        self.world.clock.now()))
        if exchange.kind == "installationUpdate" and exchange.status < 300:
            self.teams_installed.add(actor)
        if not exchange.kind.startswith("invoke task/"):
            return
        task = (exchange.response or {}).get("task", {}) if isinstance(exchange.response, dict) else {}
        if task.get("type") == "continue":
            self.teams_dialogs[actor] = task.get("value", {}).get("card", {}).get("content", {})
        else:
            self.teams_dialogs.pop(actor, None)
            if task.get("type") == "message" and task.get("value"):
                self.teams_said.append(Said(actor, exchange.calls[1] - 0.25, "notice", {"text": task["value"]},
                                            self.world.clock.now()))

    def _activity_ids(self) -> list[str]:
        """The id the Bot Connector gave each post, by its index (updates keep the id they replace)."""
        ids, sent = [], 0
        for post in self.world.teams.connector.posted:
            if post.operation in ("send", "reply") and post.status < 300:
                sent += 1
                ids.append(f"1:{sent:06d}")
            else:
                ids.append(post.activity_id or "")
        return ids

    # ---- what a person sees -------------------------------------------------------------------

    def slack_chat(self, user: str) -> list[dict]:
        """Everything in the person's DM with the bot, oldest first: its messages (as they now read), files,
        their own words and the replies only they saw."""
        calls = self.world.emulator.calls
        posted_at = {call.response.get("ts"): index for index, call in enumerate(calls)
                     if call.method == "chat.postMessage" and call.response.get("ok")}
        entries = []
        for message in self.world.emulator.messages:
            if message["channel"] == f"D{user}":
                order = posted_at.get(message["ts"], len(calls))
                entries.append({"kind": "bot", "order": order, "message": message, "when": self._when(order)})
        uploads = self.world.emulator.uploaded_files
        for index, call in enumerate(calls):
            if call.method == "files.completeUploadExternal" and call.response.get("ok") and \
                    call.params.get("channel_id") == f"D{user}":
                for entry in call.params.get("files") or []:
                    upload = uploads.get(entry.get("id"))
                    entries.append({"kind": "file", "order": index, "file_id": entry.get("id"),
                                    "title": entry.get("title") or (upload.filename if upload else ""),
                                    "is_image": bool(upload and upload.filename.lower().endswith((".png", ".jpg"))),
                                    "comment": call.params.get("initial_comment") or "", "when": self._when(index)})
        for said in self.said:
            if said.user == user:
                entries.append({"kind": said.kind, "order": said.order, "message": said.message, "when": said.when})
        return sorted(entries, key=lambda entry: entry["order"])

    def teams_chat(self, user: str) -> list[dict]:
        """The person's Teams 1:1 chat: the bot's cards (updated ones replaced) and what they typed."""
        teams_user = self.world.teams_users.get(user)
        if teams_user is None:
            return []
        ids = self._activity_ids()
        by_id: dict[str, dict] = {}
        for index, post in enumerate(self.world.teams.connector.posted):
            if post.conversation_id != teams_user.personal_conversation_id or post.status >= 300:
                continue
            if post.operation in ("send", "reply"):
                by_id[ids[index]] = {"kind": "bot", "order": index, "index": index, "activity": post.activity,
                                     "cards": post.cards, "when": self._when(index, teams=True)}
            elif post.operation == "update" and post.activity_id in by_id:
                by_id[post.activity_id].update(activity=post.activity, cards=post.cards, index=index)
        entries = list(by_id.values())
        entries += [{"kind": said.kind, "order": said.order, "message": said.message, "when": said.when}
                    for said in self.teams_said if said.user == user]
        return sorted(entries, key=lambda entry: entry["order"])

    def home(self, user: str) -> dict | None:
        return self.world.emulator.home_views.get(user)

    def modal(self, user: str) -> Modal | None:
        stack = self.modals.get(user) or []
        return stack[-1] if stack else None

    def _when(self, order: int, *, teams: bool = False) -> datetime | None:
        times = self.post_times if teams else self.call_times
        return times[order] if 0 <= order < len(times) else None

    def happened(self) -> dict:
        """The requests the bot received and the calls it made since the last click, and the scheduler's notes."""
        calls = self.world.emulator.calls[self.mark.calls:]
        posts = self.world.teams.connector.posted[self.mark.posts:] if self.world.teams is not None else []
        return {
            "requests": [_exchange_json(exchange) for exchange in self.exchanges[self.mark.exchanges:]
                         if exchange.kind != "block_suggestion" or exchange.response],
            "calls": [{"platform": "slack", "method": call.method, "status": call.status,
                       "ok": bool(call.response.get("ok")), "params": call.params,
                       "blocks": _blocks_of(call.method, call.params)} for call in calls],
            "posts": [{"platform": "teams", "method": post.operation, "status": post.status,
                       "conversation": post.conversation_id, "activity": post.activity} for post in posts],
            "notes": self.notes[self.mark.notes:],
        }


def _blocks_of(method: str, params: dict) -> list | None:
    """The blocks of a message or view the bot sent, for a Block Kit Builder link."""
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        blocks = params.get("blocks")
    elif method.startswith("views."):
        blocks = (params.get("view") or {}).get("blocks")
    else:
        blocks = None
    return blocks if isinstance(blocks, list) and blocks else None


def _exchange_json(exchange: Exchange) -> dict:
    return {"platform": exchange.platform, "kind": exchange.kind, "actor": exchange.actor, "body": exchange.body,
            "status": exchange.status, "response": exchange.response}


def next_local(now: datetime, zone: ZoneInfo, *, weekday: int, at: time) -> datetime:
    """The next moment after `now` that is `weekday` at `at` on the wall clock in `zone`."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, at, tzinfo=zone)
    if candidate <= now:
        candidate = datetime.combine(day + timedelta(days=7), at, tzinfo=zone)
    return candidate
