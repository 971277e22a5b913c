"""`checkin-bot dev`: the whole bot against the built-in Slack emulator, on a fresh SQLite file."""

from __future__ import annotations

import csv
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.app import build_bolt_app, slack_web_client
from bot.clock import FixedClock, SystemClock
from bot.deps import Deps, job_config
from bot.emulator import SignedSlackClient, SlackEmulator
from bot.executors import InlineExecutor
from bot.server import BackgroundServer, build_asgi
from bot.settings import Settings
from bot.transcript import Transcript
from scheduler import JobContext, find_job
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
                             config=job_config(self.deps.settings), worker="dev")
        report = job.run(context)
        self.transcript.say("scheduler", f"{self.clock.now():%a %d %b %H:%M} UTC: {name} ticks: {report.summary()}")
        self.transcript.collect()

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    def open_home(self, user_id: str) -> None:
        self.slack.event(user_id, {"type": "app_home_opened", "tab": "home", "channel": f"D{user_id}"})
        self.transcript.say(user_id, "> opens the App Home")
        self.transcript.collect(actor=user_id, show_home=True)


def monday_morning(now: datetime) -> datetime:
    """The scripted week starts on this week's Monday, 08:00 UTC, whatever day the try-out runs."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, time(8, 0), tzinfo=UTC)


def demo_people() -> list[dict]:
    with DEMO_ORG.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@contextmanager
def dev_world(workdir: Path) -> Iterator[DevWorld]:
    """Start the emulator and the bot on a fresh database loaded with the demo org."""
    people = demo_people()
    token, secret = "xoxb-dev-" + secrets.token_hex(8), secrets.token_hex(16)
    with SlackEmulator(token=token) as emulator:
        for row in people:
            emulator.add_user(row["slack_id"], name=row["name"], real_name=row["name"], email=row["email"],
                              tz=row["timezone"], locale=row["locale"])
        emulator.add_user(GUEST[0], name=GUEST[1], real_name=GUEST[1], tz="Europe/Berlin", locale="en-US")
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'checkin-dev.db'}",
            slack_bot_token=token,
            slack_signing_secret=secret,
            slack_api_url=emulator.api_url,
        )
        clock = FixedClock(monday_morning(SystemClock().now()))
        deps = Deps.from_settings(settings, clock=clock, sleep=lambda _seconds: None)
        upgrade(deps.engine)
        with deps.sessions() as session:
            org.import_org_csv(session, DEMO_ORG.read_text(encoding="utf-8"), now=clock.now())
        bolt_app = build_bolt_app(deps, listener_executor=InlineExecutor())
        with BackgroundServer(build_asgi(deps, bolt_app)) as server:
            names = {row["slack_id"]: f"{row['name']} ({row['role']}, {row['team']}, {row['timezone']}, "
                     f"{row['locale']})" for row in people}
            names[GUEST[0]] = f"{GUEST[1]} (in Slack, not in the org directory)"
            yield DevWorld(
                deps=deps,
                clock=clock,
                emulator=emulator,
                slack=SignedSlackClient(f"{server.url}/slack/events", secret, emulator=emulator),
                transcript=Transcript(emulator, names),
                server_url=server.url,
            )
        deps.engine.dispose()


def run_dev(*, stdout: TextIO) -> int:
    """Play the scripted week and print what each person saw."""
    from bot.dev_script import SCENES

    with tempfile.TemporaryDirectory(prefix="checkin-dev-") as workdir, dev_world(Path(workdir)) as world:
        print(f"checkin-bot dev: bot on {world.server_url}, Slack emulator on {world.emulator.base_url}, "
              f"SQLite in {workdir}", file=stdout)
        for scene in SCENES:
            print(f"\n### {scene.__doc__.strip()}", file=stdout)
            scene(world)
            print(world.transcript.render(), file=stdout)
            world.transcript.lines.clear()
    print("\ndone: every message above went through signed HTTP and the Slack emulator.", file=stdout)
    return 0
