"""`checkin-bot dev`: the whole bot against the built-in Slack emulator, on a fresh SQLite file."""

from __future__ import annotations

import csv
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.app import build_bolt_app, slack_web_client
from bot.clock import Clock, FixedClock
from bot.deps import Deps, job_config
from bot.emulator import SignedSlackClient, SlackEmulator
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from bot.teams import TeamsOverrides
from bot.teams_emulator import BotConnector, KeyServer, TeamsClient, TeamsUser
from bot.transcript import Transcript
from scheduler import JobContext, find_job
from scheduler.context import TeamsSender
from storage import org
from storage.db import upgrade

DEMO_ORG = Path(__file__).parent / "demo" / "org.csv"
GUEST = ("U0GUEST001", "Guest Visitor")  # in Slack, not in the org directory


@dataclass
class DevWorld:
    """Everything a scripted scene needs: the bot's deps, the emulator, a signed client, the transcript."""

    deps: Deps
    clock: FixedClock
    emulator: SlackEmulator
    slack: SignedSlackClient
    transcript: Transcript
    server_url: str
    teams: TeamsClient | None = None  # Teams as its users see it: activities signed like the Bot Connector's
    teams_users: dict[str, TeamsUser] = field(default_factory=dict)  # org slack_id -> their Teams account
    teams_sender: TeamsSender | None = None

    def command(self, user_id: str, command: str, text: str = "") -> None:
        response = self.slack.slash_command(user_id, command, text)
        self.transcript.command(user_id, f"{command} {text}".strip(), response)

    def last_modal(self) -> dict:
        return self.emulator.calls_to("views.open")[-1].response["view"]

    def submit(self, user_id: str, what: str, values: dict, view: dict | None = None) -> dict:
        """Submit the modal the bot opened last (or `view`); return the bot's answer."""
        response = self.slack.view_submission(user_id, view or self.last_modal(), values)
        self.transcript.submission(user_id, what, response)
        return response.json() or {}

    def click(self, user_id: str, what: str, action_id: str, **where) -> None:
        self.slack.block_action(user_id, action_id, **where)
        self.transcript.action(user_id, what)

    def last_dm(self, user_id: str) -> dict:
        return [m for m in self.emulator.messages if m["channel"] == f"D{user_id}"][-1]

    def run_job(self, name: str) -> None:
        """Tick one scheduled job at the scripted moment, exactly as the scheduler would."""
        job = find_job(name)
        context = JobContext(sessions=self.deps.sessions, client=slack_web_client(self.deps), now=self.clock.now(),
                             config=job_config(self.deps.settings), worker="dev", teams=self.teams_sender)
        report = job.run(context)
        self.transcript.say("scheduler", f"{self.clock.now():%a %d %b %H:%M} UTC: {name} ticks: {report.summary()}")
        self.transcript.collect()

    def dm(self, user_id: str, text: str) -> None:
        """The person types to the bot in its Messages tab in Slack (a message.im event)."""
        self._dm_count = getattr(self, "_dm_count", 0) + 1
        self.slack.event(user_id, {"type": "message", "channel": f"D{user_id}", "channel_type": "im", "text": text,
                                   "ts": f"{self.clock.now().timestamp():.0f}.{self._dm_count:06d}"})
        self.transcript.say(user_id, f"> writes to the bot: {text}")
        self.transcript.collect(actor=user_id)

    def teams_install(self, user_id: str) -> None:
        """The app is installed for this person in Teams (an admin's policy, or they add it themselves)."""
        self.teams.install(self.teams_users[user_id])
        self.transcript.say(user_id, "> installs the app in Microsoft Teams")
        self.transcript.collect(actor=user_id)

    def teams_message(self, user_id: str, text: str) -> None:
        """The person types to the bot in their Teams 1:1 chat (or picks a command from its list)."""
        self.teams.message(self.teams_users[user_id], text)
        self.transcript.say(user_id, f"> types in Teams: {text}")
        self.transcript.collect(actor=user_id)

    def teams_button(self, user_id: str, action_id: str) -> dict:
        """The data of the latest button with this action on a card the bot posted to the person in Teams."""
        user = self.teams_users[user_id]
        for posted in reversed(self.teams.connector.sent_to(user.personal_conversation_id)):
            for card in posted.cards:
                for action in _card_actions(card):
                    if (action.get("data") or {}).get("action") == action_id:
                        return action["data"]
        raise LookupError(f"no {action_id} button in {user.name}'s Teams chat")

    def teams_dialog(self, user_id: str, what: str, data: dict) -> dict:
        """Press a Teams card button that opens a dialog; return the dialog's card."""
        response = self.teams.task_fetch(self.teams_users[user_id], data)
        self.transcript.say(user_id, f"> clicks {what} in Teams")
        card = (response.json() or {}).get("task", {}).get("value", {}).get("card", {}).get("content", {})
        self.transcript.teams_card(user_id, "Teams dialog", card)
        return card

    def teams_submit(self, user_id: str, what: str, data: dict) -> dict:
        """Submit a Teams dialog; errors come back in the dialog, success closes it with a message."""
        response = self.teams.task_submit(self.teams_users[user_id], data)
        self.transcript.say(user_id, f"> submits {what} in Teams")
        task = (response.json() or {}).get("task", {})
        if task.get("type") == "continue":
            self.transcript.teams_card(user_id, "Teams dialog", task.get("value", {}).get("card", {}).get(
                "content", {}))
        elif task.get("type") == "message":
            self.transcript.say(user_id, f"  bot (Teams dialog closes): {task.get('value')}")
        self.transcript.collect(actor=user_id)
        return task

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    def open_home(self, user_id: str) -> None:
        self.slack.event(user_id, {"type": "app_home_opened", "tab": "home", "channel": f"D{user_id}"})
        self.transcript.say(user_id, "> opens the App Home")
        self.transcript.collect(actor=user_id, show_home=True)


def _card_actions(element) -> list[dict]:
    if isinstance(element, list):
        return [action for item in element for action in _card_actions(item)]
    if not isinstance(element, dict):
        return []
    found = [element] if str(element.get("type", "")).startswith("Action.") else []
    for key in ("body", "items", "columns", "actions", "selectAction"):
        found += _card_actions(element.get(key))
    return found


def monday_morning(now: datetime) -> datetime:
    """The scripted week starts on this week's Monday, 08:00 UTC, whatever day the try-out runs."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, time(8, 0), tzinfo=UTC)


def demo_people() -> list[dict]:
    with DEMO_ORG.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@contextmanager
def dev_world(workdir: Path, *, today: datetime) -> Iterator[DevWorld]:
    """Start the Slack and Teams emulators and the bot on a fresh database loaded with the demo org.

    The scripted week starts on the Monday of `today`'s week, so the try-out shows this week's dates.
    """
    people = demo_people()
    token, secret = "xoxb-dev-" + secrets.token_hex(8), secrets.token_hex(16)
    teams_app_id = str(uuid.uuid4())
    with SlackEmulator(token=token) as emulator, KeyServer() as keys, \
            BotConnector(client_id=teams_app_id) as connector:
        for row in people:
            emulator.add_user(row["slack_id"], name=row["name"], real_name=row["name"], email=row["email"],
                              tz=row["timezone"], locale=row["locale"])
        emulator.add_user(GUEST[0], name=GUEST[1], real_name=GUEST[1], tz="Europe/Berlin", locale="en-US")
        teams_users = {row["slack_id"]: connector.add_user(row["teams_id"], name=row["name"], email=row["email"],
                                                            locale=row["locale"])
                       for row in people if row.get("teams_id")}
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'checkin-dev.db'}",
            slack_bot_token=token,
            slack_signing_secret=secret,
            slack_api_url=emulator.api_url,
            teams_client_id=teams_app_id,
            teams_client_secret=secrets.token_hex(16),  # unused: the emulator's connector issues the bot token
            teams_tenant_id=connector.tenant_id,
        )
        clock = FixedClock(monday_morning(today))
        deps = Deps.from_settings(settings, clock=clock, sleep=lambda _seconds: None)
        upgrade(deps.engine)
        with deps.sessions() as session:
            org.import_org_csv(session, DEMO_ORG.read_text(encoding="utf-8"), now=clock.now())
        bolt_app = build_bolt_app(deps, listener_executor=InlineExecutor())
        api = build_asgi(deps, bolt_app, teams=TeamsOverrides(openid_metadata_url=keys.openid_metadata_url,
                                                              token=connector.bot_token))
        with BackgroundServer(api) as server:
            names = {row["slack_id"]: f"{row['name']} ({row['role']}, {row['team']}, {row['timezone']}, "
                     f"{row['locale']}{', Slack and Teams' if row.get('teams_id') else ''})" for row in people}
            names[GUEST[0]] = f"{GUEST[1]} (in Slack, not in the org directory)"
            transcript = Transcript(emulator, names, teams_chats={user.personal_conversation_id: slack_id
                                                                  for slack_id, user in teams_users.items()},
                                    connector=connector)
            yield DevWorld(
                deps=deps,
                clock=clock,
                emulator=emulator,
                slack=SignedSlackClient(f"{server.url}/slack/events", secret, emulator=emulator),
                transcript=transcript,
                server_url=server.url,
                teams=TeamsClient(f"{server.url}/api/messages", keys=keys, connector=connector),
                teams_users=teams_users,
                teams_sender=api.state.teams_sender,
            )
        deps.engine.dispose()


def run_dev(*, stdout: TextIO, clock: Clock) -> int:
    """Play the scripted week, starting this week (by `clock`), and print what each person saw."""
    from bot.dev_script import SCENES

    with tempfile.TemporaryDirectory(prefix="checkin-dev-") as workdir, \
            dev_world(Path(workdir), today=clock.now()) as world:
        print(f"checkin-bot dev: bot on {world.server_url}, Slack emulator on {world.emulator.base_url}, "
              f"SQLite in {workdir}", file=stdout)
        for scene in SCENES:
            print(f"\n### {scene.__doc__.strip()}", file=stdout)
            scene(world)
            print(world.transcript.render(), file=stdout)
            world.transcript.lines.clear()
    print("\ndone: every message above went through signed HTTP and the Slack and Teams emulators.", file=stdout)
    return 0
