"""A blocker alert moves open -> seen -> answered -> resolved, with the employee told at each step: one rule
(actions/checkins.py), so one test per behaviour, run from Slack and from Teams."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import checkin_blocks, checkin_cards
from prompts.render import render
from storage.models import Attention, CheckIn
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import button, dms_to, opened_view, visible_text
from tests.teams.helpers import buttons, dialog_card

BLOCKED = {"confidence": "2", "blockers": "Waiting on <legal> & procurement", "help_needed": "A nudge to legal"}
SURFACES = ("slack", "teams")
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 2026-W48
NEXT_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 2026-W49


def words(name: str, **context) -> str:
    return render(name, "en", **context)


class Surface:
    """Alan (employee) and Ada (his manager) on one surface: what they do, and what reaches Alan."""

    def __init__(self, kind, *, slack, emulator, teams, people, ada, connector, clock):
        self.kind, self.slack, self.emulator, self.teams = kind, slack, emulator, teams
        self.alan, self.katherine, self.ada, self.connector, self.clock = people.alan, people.katherine, ada, \
            connector, clock
        if kind == "slack":
            emulator.add_user("UEMP1", name="Alan Turing", email="alan@example.com", tz="Europe/London",
                              locale="en-GB")
            emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London",
                              locale="en-GB")
            emulator.add_user("UEMP3", name="Katherine Johnson", email="kj@example.com", tz="America/New_York",
                              locale="en-US")
        else:
            teams.install(ada)
            teams.install(people.alan)
            connector.reset()

    def check_in(self, **values) -> None:
        if self.kind == "slack":
            assert self.slack.slash_command("UEMP1", "/checkin").status == 200
            assert self.slack.view_submission("UEMP1", opened_view(self.emulator), values).status == 200
            return
        week = self.clock.now().strftime("%G-W%V")
        response = self.teams.task_submit(self.alan, {"action": checkin_cards.SUBMIT_CHECKIN, "week": week, **values})
        assert response.json()["task"]["type"] == "message", response.json()

    def open_alert(self) -> None:
        """Ada presses Respond on the alert she received; the reply dialog opens."""
        if self.kind == "slack":
            alert = dms_to(self.emulator, "UMGR1")[0]
            self.slack.block_action("UMGR1", checkin_blocks.RESPOND_ACTION, message=alert)
            assert opened_view(self.emulator)["callback_id"] == checkin_blocks.REPLY_VIEW
            return
        alert = self.connector.sent_to(self.ada.personal_conversation_id)[0]
        [respond] = buttons(alert.cards[0])
        self.dialog = dialog_card(self.teams.task_fetch(self.ada, respond["data"]))

    def reply(self, text: str) -> None:
        if self.kind == "slack":
            assert self.slack.view_submission("UMGR1", opened_view(self.emulator), {"reply": text}).status == 200
            return
        sent = self.teams.task_submit(self.ada, {**self.dialog["actions"][0]["data"], "reply": text})
        assert sent.status == 200 and not sent.body

    def press_resolved(self, who: str = "alan") -> None:
        """The employee (or, forged, a colleague) presses Resolved on the manager's reply."""
        if self.kind == "slack":
            reply = next(m for m in dms_to(self.emulator, "UEMP1") if m.get("blocks") and any(
                b.get("type") == "actions" for b in m["blocks"]))
            slack_id = {"alan": "UEMP1", "katherine": "UEMP3"}[who]
            assert button(reply, checkin_blocks.RESOLVE_ACTION)
            self.slack.block_action(slack_id, checkin_blocks.RESOLVE_ACTION, message=reply)
            return
        reply = next(p for p in self.connector.sent_to(self.alan.personal_conversation_id)
                     if any(b["data"].get("action") == checkin_blocks.RESOLVE_ACTION for b in buttons(p.cards[0])))
        [resolve] = [b for b in buttons(reply.cards[0]) if b["data"].get("action") == checkin_blocks.RESOLVE_ACTION]
        user = {"alan": self.alan, "katherine": self.katherine}[who]
        assert self.teams.card_submit(user, resolve["data"]).status == 200

    def texts_to(self, who: str) -> list[str]:
        """What reached Alan's or Ada's DM / chat, oldest first, as plain words."""
        if self.kind == "slack":
            return [visible_text(m) for m in dms_to(self.emulator, {"alan": "UEMP1", "ada": "UMGR1"}[who])]
        user = {"alan": self.alan, "ada": self.ada}[who]
        return [p.text for p in self.connector.sent_to(user.personal_conversation_id)]


@pytest.fixture
def surface_of(teams_server, emulator, teams, teams_people, connector, clock):
    slack = SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    clock.set(FRIDAY)

    def make(kind: str) -> Surface:
        return Surface(kind, slack=slack, emulator=emulator, teams=teams, people=teams_people, ada=ada,
                       connector=connector, clock=clock)

    return make


def attention(sessions) -> Attention:
    with sessions() as session:
        return session.exec(select(Attention)).one()


def contains(texts: list[str], words_: str) -> bool:
    return any(words_ in text for text in texts)


@pytest.mark.parametrize("kind", SURFACES)
def test_it_moves_a_blocker_from_open_to_seen_to_answered_to_resolved_telling_the_employee_each_step(
    kind, surface_of, sessions, clock
):
    surface = surface_of(kind)
    surface.check_in(**BLOCKED)
    record = attention(sessions)
    assert (record.state, record.opened_at) == ("open", FRIDAY)

    clock.set(datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
    surface.open_alert()
    record = attention(sessions)
    assert (record.state, record.seen_at) == ("seen", clock.now())
    seen = words("blocker_seen", manager="Ada Lovelace", week="2026-W48")
    assert contains(surface.texts_to("alan"), seen)

    surface.open_alert()  # opening it again tells no one again
    assert sum(seen in text for text in surface.texts_to("alan")) == 1

    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    surface.reply("I'll call legal today")
    record = attention(sessions)
    assert (record.state, record.answered_at) == ("answered", clock.now())
    assert contains(surface.texts_to("alan"), "I'll call legal today")

    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    surface.press_resolved()
    record = attention(sessions)
    assert (record.state, record.resolved_at) == ("resolved", clock.now())
    assert contains(surface.texts_to("alan"), "Marked as resolved")
    assert contains(surface.texts_to("ada"), "says the blocker in their check-in for the week of Nov 23 is resolved")

    surface.press_resolved()  # twice: the manager hears of it once
    assert sum("is resolved" in text for text in surface.texts_to("ada")) == 1


@pytest.mark.parametrize("kind", SURFACES)
def test_it_resolves_the_blocker_when_the_next_check_in_has_none(kind, surface_of, sessions, clock):
    surface = surface_of(kind)
    surface.check_in(**BLOCKED)
    assert attention(sessions).state == "open"
    clock.set(NEXT_MONDAY)
    surface.check_in(confidence="4", highlights="Legal signed off")
    record = attention(sessions)
    assert (record.state, record.resolved_at) == ("resolved", NEXT_MONDAY)
    with sessions() as session:
        assert len(session.exec(select(CheckIn)).all()) == 2


@pytest.mark.parametrize("kind", SURFACES)
def test_it_lets_only_the_employee_mark_their_blocker_resolved(kind, surface_of, sessions):
    surface = surface_of(kind)
    surface.check_in(**BLOCKED)
    surface.open_alert()
    surface.reply("On it")
    surface.press_resolved(who="katherine")
    assert attention(sessions).state == "answered"
    assert not contains(surface.texts_to("ada"), "is resolved")


@pytest.mark.parametrize("kind", SURFACES)
def test_editing_a_blocked_check_in_keeps_one_alert_record(kind, surface_of, sessions):
    surface = surface_of(kind)
    surface.check_in(**BLOCKED)
    surface.check_in(confidence="1", blockers="still stuck")
    with sessions() as session:
        assert len(session.exec(select(Attention)).all()) == 1
