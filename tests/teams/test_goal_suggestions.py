""""Suggest a measurable version" on the SMART coach's confirm step, from Slack's modal and Teams' dialog: the model's
version fills the form (nothing saved until the person submits), what is sent is the person's words and the goal
they support and nothing else, every call is in the call log; a model answering junk, or none at all, gives the
coach's recipe in the person's own words with what they typed kept."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from actions.assistant import Assistant
from bot.ai_client import OpenAIChat
from bot.emulator import SignedSlackClient
from prompts import goal_blocks, goal_cards
from prompts.render import label
from storage import goals
from storage.models import AiCall, CheckIn, Goal
from tests.builders import approved_goal, person
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import opened_view
from tests.teams.helpers import dialog_card, inputs
from tests.test_assistant_fakes import ModelServer

SURFACES = ("slack", "teams")
VAGUE = {"title": "Improve onboarding", "description": "New starters take too long to ship their first change",
         "due_date": "2027-06-30"}
MEASURABLE = {"title": "Cut time to first merged change from 15 to 5 days by 31 Mar 2027",
              "metric": "days to first merged change", "unit": "days", "start": 15, "target": 5,
              "due_date": "2027-03-31"}
OTHER_GOAL = "Li Lei's billing pages"
OTHER_CHECKIN = "Legal review is stuck"


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def team_goal(teams_people, sessions, clock) -> Goal:
    """Ada's team goal, which Alan's goal supports; and someone else's records, which must never be sent."""
    with sessions() as session:
        ada = person(session, "UMGR1")
        draft = goals.validate(session, ada, goals.GoalInput(level="team", title="Halve onboarding time", start="0",
                                                             target="50", unit="%", due_date="2027-06-30"),
                               today=clock.now().date()).draft
        goal = goals.create(session, ada, draft, now=clock.now())
        li = person(session, "UEMP2")
        session.add(CheckIn(person_id=li.id, week="2026-W47", submitted_at=clock.now(), updated_at=clock.now(),
                            confidence=3, highlights=OTHER_CHECKIN))
        session.commit()
    approved_goal(sessions, "UEMP2", now=clock.now(), title=OTHER_GOAL)
    return goal


@pytest.fixture
def assistant_on(deps, model):
    deps.assistant = Assistant(model=OpenAIChat(base_url=model.url, model="qwen2.5-7b-instruct", api_key=None,
                                                timeout=2, max_retries=0))
    return deps.assistant


@pytest.fixture
def slack(teams_server, emulator):
    """Slack's signed requests to the same server Teams talks to; Alan is on Slack too."""
    emulator.add_user("UEMP1", name="Alan Turing", email="alan@example.com", tz="Europe/London", locale="en-GB")
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


class SlackForm:
    """Alan's new-goal modal in Slack: submit a vague goal, click the coach's suggestion, submit what is shown."""

    def __init__(self, slack, emulator):
        self.slack, self.emulator = slack, emulator

    def coach(self, values: dict) -> None:
        self.slack.slash_command("UEMP1", "/goal")
        body = self.slack.view_submission("UEMP1", opened_view(self.emulator), values).json()
        assert body["response_action"] == "push", body
        # Slack keeps the view a response pushed; the emulator learns of it as through views.push.
        web = WebClient(token=BOT_TOKEN, base_url=self.emulator.api_url)
        self.confirm = web.views_push(trigger_id="1.2.pushed", view=body["view"])["view"]

    def suggest(self) -> tuple[dict, str]:
        [button] = [e for b in self.confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert button["text"]["text"] == label("goal_suggest_button", "en")
        assert self.slack.block_action("UEMP1", goal_blocks.SUGGEST_ACTION, view=self.confirm).status == 200
        self.form = self.emulator.calls_to("views.update")[-1].response["view"]
        assert self.form["callback_id"] == goal_blocks.NEW_GOAL_VIEW and self.form["id"] == self.confirm["id"]
        [notice] = [b for b in self.form["blocks"] if b.get("block_id") == goal_blocks.SUGGEST_NOTICE_BLOCK]
        return shown(self.form), notice["elements"][0]["text"]

    def submit(self, values: dict) -> bool:
        body = self.slack.view_submission("UEMP1", self.form, values).json()
        return body == {"response_action": "clear"}  # the suggested form and the one under it close


def shown(view: dict) -> dict:
    """What a Slack modal shows in each input, as the person would submit it."""
    values = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        given = element.get("initial_value") or element.get("initial_date") or \
            (element.get("initial_option") or {}).get("value")
        if block.get("type") == "input" and given:
            values[block["block_id"]] = given
    return values


class TeamsForm:
    """Alan's new-goal dialog in Teams: the same three steps."""

    def __init__(self, teams, user):
        self.teams, self.user = teams, user

    def coach(self, values: dict) -> None:
        self.confirm = dialog_card(self.teams.task_submit(self.user, {"action": goal_cards.SUBMIT_NEW_GOAL,
                                                                      **values}))

    def suggest(self) -> tuple[dict, str]:
        [button] = [a for a in self.confirm["actions"] if a["data"].get(goal_cards.SUGGEST)]
        assert button["title"] == label("goal_suggest_button", "en")
        card = dialog_card(self.teams.task_submit(self.user, button["data"]))
        [notice] = [b for b in card["body"] if b.get("id") == goal_blocks.SUGGEST_NOTICE_BLOCK]
        return {name: field["value"] for name, field in inputs(card).items() if field.get("value")}, notice["text"]

    def submit(self, values: dict) -> bool:
        answer = self.teams.task_submit(self.user, {"action": goal_cards.SUBMIT_NEW_GOAL, **values}).json()
        return answer["task"]["type"] == "message"


@pytest.fixture
def form(slack, emulator, teams, teams_people):
    teams.install(teams_people.alan)
    return {"slack": SlackForm(slack, emulator), "teams": TeamsForm(teams, teams_people.alan)}


def saved_goals(sessions) -> list[Goal]:
    with sessions() as session:
        alan = person(session, "UEMP1")
        return list(session.exec(select(Goal).where(Goal.owner_id == alan.id)))


def calls(sessions) -> list[AiCall]:
    with sessions() as session:
        return list(session.exec(select(AiCall).order_by(AiCall.id)))


@pytest.mark.parametrize("surface", SURFACES)
def test_a_vague_goal_gets_a_measurable_version_in_the_form_and_is_saved_only_when_submitted(
        surface, form, team_goal, assistant_on, model, sessions):
    model.replies = [{"content": json.dumps(MEASURABLE)}]
    surface_form = form[surface]
    surface_form.coach({**VAGUE, "parent_id": str(team_goal.id)})

    values, notice = surface_form.suggest()

    assert notice == label("goal_suggested", "en")
    assert values == {"title": MEASURABLE["title"], "metric": "days to first merged change", "unit": "days",
                      "start": "15", "target": "5", "due_date": "2027-03-31", "parent_id": str(team_goal.id),
                      "description": VAGUE["description"]} | ({"level": "individual"} if "level" in values else {})
    assert saved_goals(sessions) == []  # a suggestion is not a goal

    sent = model.sent()
    asked = model.user_message()
    assert (asked["title"], asked["description"], asked["supports"]) == (
        "Improve onboarding", VAGUE["description"], "Halve onboarding time")
    for never in ("Alan", "Turing", "alan@example.com", "Alan@Example.com", "Ada", OTHER_GOAL, OTHER_CHECKIN):
        assert never not in sent
    [call] = calls(sessions)
    assert (call.feature, call.outcome, call.record_ids) == ("goal_suggestions", "ok", [f"goal:{team_goal.id}"])
    assert call.prompt_tokens == 900 and call.person_id is not None

    assert surface_form.submit(values)
    [goal] = saved_goals(sessions)
    assert (goal.title, goal.start_value, goal.target_value, goal.unit, goal.parent_id) == (
        MEASURABLE["title"], 15, 5, "days", team_goal.id)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("junk", ["Sure! Here is a better goal: ship faster.",
                                  json.dumps({**MEASURABLE, "due_date": "2020-01-01"}),
                                  json.dumps({**MEASURABLE, "target": 15}),
                                  json.dumps({**MEASURABLE, "start": "lots"})])
def test_a_model_answering_junk_gives_the_coachs_recipe_and_keeps_what_was_typed(
        surface, junk, form, team_goal, assistant_on, model, sessions):
    model.replies = [{"content": junk}]
    surface_form = form[surface]
    typed = {**VAGUE, "metric": "days to first change", "parent_id": str(team_goal.id)}
    surface_form.coach(typed)

    values, notice = surface_form.suggest()

    assert {name: values.get(name) for name in typed} == typed
    assert notice.startswith(label("goal_suggest_unavailable", "en"))
    assert "“Increase days to first change from ‹start› to ‹target› by Jun 30, 2027”" in notice
    [call] = calls(sessions)
    assert (call.feature, call.outcome) == ("goal_suggestions", "junk")
    assert saved_goals(sessions) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_without_a_model_the_button_gives_the_recipe_in_their_own_words(surface, form, team_goal, deps, model,
                                                                         sessions):
    deps.assistant = Assistant(model=None)
    surface_form = form[surface]
    surface_form.coach({**VAGUE, "unit": "%"})

    values, notice = surface_form.suggest()

    assert notice == label("goal_suggest_guide", "en", verb="Increase", metric="onboarding", start="‹start›%",
                           target="‹target›%", due="Jun 30, 2027")
    assert (values["title"], values["unit"], values["due_date"]) == ("Improve onboarding", "%", "2027-06-30")
    assert "target" not in values
    assert model.requests == [] and calls(sessions) == []
    assert saved_goals(sessions) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_switched_off_the_button_still_gives_the_recipe_and_sends_nothing(surface, form, team_goal, deps, model,
                                                                          assistant_on, sessions):
    deps.assistant = Assistant(model=assistant_on.model, features=frozenset({"review_drafts"}))
    surface_form = form[surface]
    surface_form.coach({**VAGUE, "title": "Reduce support tickets"})

    _, notice = surface_form.suggest()

    assert "“Reduce support tickets from ‹start› to ‹target› by Jun 30, 2027”" in notice
    assert model.requests == [] and calls(sessions) == []


def test_a_goal_with_a_number_gets_no_suggestion_button(form, team_goal, assistant_on):
    teams_form = form["teams"]
    teams_form.coach({"title": "Onboard 10 pilots", "start": "0", "target": "10", "due_date": "2027-06-30"})
    assert [a["data"].get(goal_cards.SUGGEST) for a in teams_form.confirm["actions"]] == [None, None]
