"""Custom check-in questions are one set of rules (actions/questions.py, storage/questions.py) from either surface:
a manager sets the team's list in chat, a report is asked it in the check-in, an answer outside its type is an
inline error, and the answer given reaches the manager's agenda. Each behaviour is one test, run from Slack and
from Teams."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import coaching_blocks
from storage import coaching
from storage.models import CheckinAnswer
from tests.builders import SMALL_ORG, approved_goal, person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import last_dm_text, opened_view
from tests.teams.helpers import buttons, dialog_card, inputs

SURFACES = ("slack", "teams")
QUESTIONS = """mood | 1-5 | 1 | How was your week, 1 to 5? | 这周整体感觉如何（1-5）？
shipped | yes/no | 1 | Did you ship something this week? | 这周有上线吗？
"""
MISTAKES = "mood | 1-5 | 1 | How was it? | 怎么样？\nmood | stars | 1 | Again? | 再来？"
MISTAKE_LINES = ("line 2: the id 'mood' is already used on line 1\n"
                 "line 2: unknown answer type 'stars' (text, 1-5, yes/no)")


@pytest.fixture
def slack_client(teams_server, emulator) -> SignedSlackClient:
    """Slack, talking to the same server as Teams, with the small org in the workspace."""
    for slack_id, name, email, _manager, _team, _role, tz, locale in SMALL_ORG:
        emulator.add_user(slack_id, name=name, real_name=name, email=email, tz=tz, locale=locale or "en-US")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def ada(connector):
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


@pytest.fixture
def goal(teams_people, sessions, clock):
    return approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots", target="10")


def card_text(card: dict) -> str:
    return "\n".join(element.get("text", "") for element in card["body"] if element.get("type") == "TextBlock")


class Surface:
    """One person's chat on one surface: set the team's questions, open and submit the check-in."""

    def __init__(self, kind: str, *, slack: SignedSlackClient, emulator, teams, connector, user=None,
                 slack_id: str) -> None:
        self.kind, self.slack, self.emulator, self.teams, self.connector = kind, slack, emulator, teams, connector
        self.user, self.slack_id = user, slack_id
        self.form: dict = {}

    def set_questions(self, text: str) -> str | None:
        """Submit the list; return the errors shown under it, or None when it was saved."""
        if self.kind == "slack":
            self.slack.slash_command(self.slack_id, "/checkin", "questions")
            response = self.slack.view_submission(self.slack_id, opened_view(self.emulator), {"questions": text})
            return response.json()["errors"]["questions"] if response.body else None
        self.connector.reset()
        self.teams.message(self.user, "checkin questions")
        [reply] = self.connector.sent_to(self.user.personal_conversation_id)
        [button] = buttons(reply.cards[0])
        card = dialog_card(self.teams.task_fetch(self.user, button["data"]))
        response = self.teams.task_submit(self.user, {**card["actions"][0]["data"], "questions": text})
        task = response.json()["task"]
        if task["type"] == "message":
            return None
        shown = task["value"]["card"]["content"]
        assert inputs(shown)["questions"]["value"] == text  # the text is kept to correct
        return card_text(shown)

    def open_checkin(self) -> dict[str, dict]:
        """Open this week's check-in; return its custom questions by field, each as {label, kind, choices}."""
        if self.kind == "slack":
            self.slack.slash_command(self.slack_id, "/checkin")
            self.form = opened_view(self.emulator)
            return {block["block_id"]: {"label": block["label"]["text"],
                                        "choices": [o["value"] for o in block["element"].get("options", [])]}
                    for block in self.form["blocks"] if block.get("block_id", "").startswith("q:")}
        self.connector.reset()
        self.teams.message(self.user, "checkin")
        [reply] = self.connector.sent_to(self.user.personal_conversation_id)
        [button] = buttons(reply.cards[0])
        self.form = dialog_card(self.teams.task_fetch(self.user, button["data"]))
        return {field: {"label": element["label"], "choices": [c["value"] for c in element.get("choices", [])]}
                for field, element in inputs(self.form).items() if field.startswith("q:")}

    def submit_checkin(self, values: dict) -> str | None:
        """Submit the open check-in; return the errors shown, or None when it was filed."""
        if self.kind == "slack":
            forged = {key: {"text": {"type": "plain_text", "text": value}, "value": value}
                      if key.startswith("q:") else value for key, value in values.items()}
            response = self.slack.view_submission(self.slack_id, self.form, forged)
            return " ".join(response.json()["errors"].values()) if response.body else None
        fields = {key: element.get("value", "") for key, element in inputs(self.form).items()}
        response = self.teams.task_submit(self.user, {**self.form["actions"][0]["data"], **fields, **values})
        task = response.json()["task"]
        return None if task["type"] == "message" else card_text(task["value"]["card"]["content"])


@pytest.fixture
def on(teams, connector, slack_client, emulator, ada, teams_people):
    def surface(kind: str, who: str) -> Surface:
        user = {"UMGR1": ada, "UEMP1": teams_people.alan, "UEMP2": teams_people.li_lei}[who]
        if kind == "teams":
            teams.install(user)
        return Surface(kind, slack=slack_client, emulator=emulator, teams=teams, connector=connector, user=user,
                       slack_id=who)
    return surface


@pytest.mark.parametrize("surface", SURFACES)
def test_a_list_with_mistakes_is_refused_with_the_lines_at_fault(surface, on, goal, sessions):
    shown = on(surface, "UMGR1").set_questions(MISTAKES)
    assert MISTAKE_LINES in shown
    with sessions() as session:
        assert session.exec(select(CheckinAnswer)).all() == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_report_is_asked_the_teams_questions_and_an_out_of_type_answer_is_refused(surface, on, goal, sessions,
                                                                                    clock):
    assert on(surface, "UMGR1").set_questions(QUESTIONS) is None
    alan = on(surface, "UEMP1")
    asked = alan.open_checkin()
    assert asked == {"q:mood": {"label": "How was your week, 1 to 5?", "choices": ["1", "2", "3", "4", "5"]},
                     "q:shipped": {"label": "Did you ship something this week?", "choices": ["yes", "no"]}}
    assert "Choose 1 to 5." in alan.submit_checkin({"confidence": "4", "q:mood": "7", "q:shipped": "yes"})
    assert alan.submit_checkin({"confidence": "4", "q:mood": "4", "q:shipped": "yes"}) is None
    with sessions() as session:
        stored = {a.question_id: a.value for a in session.exec(select(CheckinAnswer))}
        manager = person(session, "UMGR1")
        agenda = coaching.agenda(session, manager, week="2026-W48", now=clock.now())
        text = coaching_blocks.nudge(agenda, locale="en")["text"]
    assert stored == {"mood": "4", "shipped": "yes"}
    assert "How was your week, 1 to 5? *4/5*" in text and "Did you ship something this week? *Yes*" in text


@pytest.mark.parametrize("surface", SURFACES)
def test_a_report_writing_chinese_is_asked_in_chinese(surface, on, goal):
    on(surface, "UMGR1").set_questions(QUESTIONS)
    asked = on(surface, "UEMP2").open_checkin()
    assert asked["q:mood"]["label"] == "这周整体感觉如何（1-5）？"
    assert asked["q:shipped"]["choices"] == ["yes", "no"]


def test_the_manager_is_told_the_list_is_saved_in_slack(on, goal, emulator):
    on("slack", "UMGR1").set_questions(QUESTIONS)
    assert "Saved: Questions for the team Platform, 2 questions" in last_dm_text(emulator, "UMGR1")
