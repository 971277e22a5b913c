"""Reading across languages, from Slack and from Teams: feedback written in Chinese reaches an English reader with
a Translate button; clicking it shows the text in English, marked machine-translated, with the original one click
away; the model is sent that one text and nothing else, and the call is logged. A Chinese check-in in an English
manager's agenda gets the same button. With no model there is no button and nothing is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from actions import translation
from actions.assistant import Assistant
from bot.ai_client import OpenAIChat
from bot.emulator import SignedSlackClient
from bot.slack_client import make_web_client
from prompts import assistant_blocks, coaching_blocks, coaching_cards
from prompts.goal_blocks import error_text
from prompts.render import label
from scheduler import JobConfig, JobContext, nudges
from storage import org
from storage.models import AiCall, CheckIn, Review
from tests.builders import ORG_HEADER, SMALL_ORG, org_csv, person
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import dms_to, opened_view
from tests.teams import conftest as teams_fixtures
from tests.teams.helpers import buttons
from tests.test_assistant_fakes import ModelServer, answer

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
# Teams' fixtures (tests/teams/conftest.py), for the tests run from both surfaces.
connector = teams_fixtures.connector
settings = teams_fixtures.settings
teams = teams_fixtures.teams
teams_keys = teams_fixtures.teams_keys
teams_overrides = teams_fixtures.teams_overrides
teams_people = teams_fixtures.teams_people
teams_server = teams_fixtures.teams_server

SURFACES = ("slack", "teams")
WEEK = "2026-W48"
MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# 王芳 manages Tom, who reads English.
WANG = ["UMGR2", "王芳", "wang.fang@example.com", "", "Growth", "manager", "Asia/Shanghai", "zh-CN"]
TOM = ["UEMP6", "Tom Baker", "tom@example.com", "UMGR2", "Growth", "employee", "Europe/London", "en-GB"]
WENT_WELL, TO_IMPROVE = "方案写得很清楚，评审很顺利", "遇到阻碍要尽早上报"
PRIVATE = "私下：他最近压力很大"
IN_ENGLISH = {"went_well": "The plan was clearly written and the review went smoothly",
              "to_improve": "Raise blockers early"}
EMPTY_MESSAGE = {"channel": "DUMGR2", "blocks": [], "text": ""}


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


def a_model(model: ModelServer) -> Assistant:
    return Assistant(model=OpenAIChat(base_url=model.url, model="qwen2.5-7b-instruct", api_key=None, timeout=2,
                                      max_retries=0))


@pytest.fixture
def slack_client(teams_server, emulator) -> SignedSlackClient:
    """Slack, talking to the same server as Teams."""
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def org_with_wang(teams_people, sessions, clock):
    li_lei = teams_fixtures.LI_LEI_TEAMS_ID
    rows = [[*row, li_lei if row[0] == "UEMP2" else ""] for row in [*SMALL_ORG, WANG, TOM]]
    with sessions() as session:
        org.import_org_csv(session, org_csv(rows, header=[*ORG_HEADER, "teams_id"]), now=clock.now())


@pytest.fixture
def on(teams, connector, emulator, org_with_wang):
    """Someone acting from one surface: in the Slack workspace, or with the Teams app installed."""
    users = {}

    def where(surface: str, row: list[str]):
        slack_id, name, email, *_rest = row
        locale = row[7]
        user = users.get(slack_id) or connector.add_user(f"aad-{slack_id.lower()}", name=name, email=email,
                                                         locale=locale)
        users[slack_id] = user
        if surface == "slack":
            emulator.add_user(slack_id, name=name, email=email, tz=row[6], locale=locale)
        else:
            teams.install(user)
            teams.message(user, "help")  # linked to the org's record
        return user

    return where


def id_of(sessions, slack_id: str) -> int:
    with sessions() as session:
        return person(session, slack_id).id


def give_feedback(surface: str, slack, teams, emulator, wang, tom_id: int) -> None:
    """王芳 reviews Tom's week in Chinese, with a private note, from the surface."""
    values = {"went_well": WENT_WELL, "to_improve": TO_IMPROVE, "assessment": "on_track", "private_notes": PRIVATE}
    if surface == "slack":
        slack.block_action("UMGR2", coaching_blocks.REVIEW_ACTION, value=f"{tom_id}|{WEEK}", message=EMPTY_MESSAGE)
        assert slack.view_submission("UMGR2", opened_view(emulator), values).status == 200
        return
    answer_ = teams.task_submit(wang, {"action": coaching_cards.SUBMIT_REVIEW, "subject_id": tom_id, "week": WEEK,
                                       **values})
    assert answer_.json()["task"]["type"] == "message", answer_.json()


def feedback_buttons(surface: str, emulator, connector, tom) -> tuple[list[dict], dict | None]:
    """The buttons under the feedback Tom received (action id and value), and the Slack message itself."""
    if surface == "slack":
        [message] = [m for m in dms_to(emulator, "UEMP6") if WENT_WELL in m.get("text", "")]
        return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]], message
    [sent] = [p for p in connector.sent_to(tom.personal_conversation_id) if WENT_WELL in p.text]
    return [{"action_id": b["data"]["action"], "value": b["data"]["value"]} for b in buttons(sent.cards[0])], None


def press(surface: str, slack, teams, emulator, connector, user, slack_id: str, action: str, value: str,
          message: dict) -> dict:
    """Click a button from the surface; the answer shown, as {"text", "replaces"}."""
    if surface == "slack":
        slack.block_action(slack_id, action, value=value, message=message)
        hook = emulator.calls_to("response_url")[-1].params
        shown = {"channel": f"D{slack_id}", "text": hook.get("text"), "blocks": hook.get("blocks")}
        return {"text": f"{hook.get('text')}\n{hook.get('blocks')}", "replaces": bool(hook.get("replace_original")),
                "message": shown}
    connector.reset()
    teams.card_submit(user, {"action": action, "value": value}, reply_to="activity-1")
    [posted] = [p for p in connector.posted if p.conversation_id == user.personal_conversation_id]
    return {"text": str(posted.cards[0]), "replaces": posted.operation == "update", "message": None}


def calls(sessions) -> list[AiCall]:
    with sessions() as session:
        return list(session.exec(select(AiCall).order_by(AiCall.id)))


@pytest.mark.parametrize("surface", SURFACES)
def test_chinese_feedback_reaches_an_english_reader_with_translate_and_the_original_one_click_away(
    surface, on, deps, model, slack_client, teams, emulator, connector, sessions
):
    deps.assistant = a_model(model)
    wang, tom = on(surface, WANG), on(surface, TOM)
    give_feedback(surface, slack_client, teams, emulator, wang, id_of(sessions, "UEMP6"))
    with sessions() as session:
        feedback = session.exec(select(Review).where(Review.kind == "weekly_feedback")).one()
    found, message = feedback_buttons(surface, emulator, connector, tom)
    [translate] = [b for b in found if b["action_id"] == assistant_blocks.TRANSLATE_ACTION]
    assert translate["value"] == f"feedback:{feedback.id}"

    model.replies = [answer(IN_ENGLISH)]
    shown = press(surface, slack_client, teams, emulator, connector, tom, "UEMP6", translate["action_id"],
                  translate["value"], message)
    assert IN_ENGLISH["went_well"] in shown["text"] and IN_ENGLISH["to_improve"] in shown["text"]
    assert label("translation_marked", "en", name="王芳") in shown["text"]
    assert label("show_original_button", "en") in shown["text"] and not shown["replaces"]
    [request] = model.requests
    assert model.user_message() == {"went_well": WENT_WELL, "to_improve": TO_IMPROVE}  # that one text, no more
    assert PRIVATE not in model.sent() and "王芳" not in model.sent() and "Tom Baker" not in model.sent()
    assert "into English" in request["body"]["messages"][0]["content"]
    [call] = calls(sessions)
    assert (call.feature, call.outcome, call.record_ids, call.person_id) == (
        "translation", "ok", [f"review:{feedback.id}"], id_of(sessions, "UEMP6"))

    original = press(surface, slack_client, teams, emulator, connector, tom, "UEMP6", assistant_blocks.ORIGINAL_ACTION,
                     translate["value"], shown["message"])
    assert WENT_WELL in original["text"] and IN_ENGLISH["went_well"] not in original["text"]
    assert label("translation_original", "en", name="王芳") in original["text"]
    assert label("translate_button", "en") in original["text"] and original["replaces"]
    assert len(model.requests) == 1  # the original is ours: nothing was sent for it


@pytest.mark.parametrize("surface", SURFACES)
def test_with_no_model_the_feedback_has_no_translate_button_and_nothing_is_sent(surface, on, deps, model,
                                                                                 slack_client, teams, emulator,
                                                                                 connector, sessions):
    deps.assistant = Assistant(model=None)
    wang, tom = on(surface, WANG), on(surface, TOM)
    give_feedback(surface, slack_client, teams, emulator, wang, id_of(sessions, "UEMP6"))
    found, _ = feedback_buttons(surface, emulator, connector, tom)
    assert found and assistant_blocks.TRANSLATE_ACTION not in [b["action_id"] for b in found]
    assert model.requests == [] and calls(sessions) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_chinese_checkin_in_an_english_managers_agenda_can_be_translated(surface, on, deps, model, slack_client,
                                                                            teams, emulator, connector, sessions,
                                                                            clock, waits, teams_server):
    deps.assistant = a_model(model)
    ada_row = next(row for row in SMALL_ORG if row[0] == "UMGR1")
    ada = on(surface, ada_row)
    with sessions() as session:
        chinese = CheckIn(person_id=person(session, "UEMP2").id, week=WEEK, submitted_at=MONDAY_9AM_LONDON,
                          updated_at=MONDAY_9AM_LONDON, confidence=2, highlights="计费页面上线了 3 页",
                          blockers="法务审批卡住了")
        english = CheckIn(person_id=person(session, "UEMP1").id, week=WEEK, submitted_at=MONDAY_9AM_LONDON,
                          updated_at=MONDAY_9AM_LONDON, confidence=4, highlights="Shipped the dashboard")
        session.add_all([chinese, english])
    connector.reset()
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    nudges.run(JobContext(sessions=sessions, client=client, now=MONDAY_9AM_LONDON,
                          config=JobConfig(assistant=deps.assistant), teams=teams_server.api.state.teams_sender))
    if surface == "slack":
        [agenda] = [m for m in dms_to(emulator, "UMGR1") if "1:1 agenda" in m.get("text", "")]
        values = [e["value"] for b in agenda["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == assistant_blocks.TRANSLATE_ACTION]
    else:
        [sent] = [p for p in connector.sent_to(ada.personal_conversation_id) if "1:1 agenda" in p.text]
        agenda = None
        values = [b["data"]["value"] for b in buttons(sent.cards[0])
                  if b["data"]["action"] == assistant_blocks.TRANSLATE_ACTION]
    assert values == [f"checkin:{chinese.id}"]  # the English check-in needs none

    model.replies = [answer({"highlights": "3 billing pages are live", "blockers": "Stuck on legal approval"})]
    shown = press(surface, slack_client, teams, emulator, connector, ada, "UMGR1", assistant_blocks.TRANSLATE_ACTION,
                  values[0], agenda)
    assert "Stuck on legal approval" in shown["text"]
    assert label("translation_marked", "en", name="李雷") in shown["text"]
    assert model.user_message() == {"highlights": "计费页面上线了 3 页", "blockers": "法务审批卡住了"}
    assert [(c.feature, c.record_ids) for c in calls(sessions)] == [("translation", [f"checkin:{chinese.id}"])]


@pytest.mark.parametrize("surface", SURFACES)
def test_someone_who_may_not_see_the_checkin_gets_nothing_translated(surface, on, deps, model, slack_client, teams,
                                                                      emulator, connector, sessions):
    deps.assistant = a_model(model)
    tom = on(surface, TOM)  # not 李雷's manager
    with sessions() as session:
        checkin = CheckIn(person_id=person(session, "UEMP2").id, week=WEEK, submitted_at=MONDAY_9AM_LONDON,
                          updated_at=MONDAY_9AM_LONDON, confidence=2, blockers="法务审批卡住了")
        session.add(checkin)
    shown = press(surface, slack_client, teams, emulator, connector, tom, "UEMP6", assistant_blocks.TRANSLATE_ACTION,
                  translation.button_value(translation.CHECKIN, checkin.id), {**EMPTY_MESSAGE, "channel": "DUEMP6"})
    assert "法务审批卡住了" not in shown["text"] and error_text("not_found", "en") in shown["text"]
    assert model.requests == [] and calls(sessions) == []


def test_the_language_of_a_text_is_read_from_its_share_of_chinese_characters():
    assert translation.language_of("法务审批卡住了") == "zh-CN"
    assert translation.language_of("Waiting on 法务 sign-off for the pilot") == "en"
    assert translation.language_of("计费页面 billing 上线了") == "zh-CN"
    assert translation.language_of("42 / 7") is None
    assert translation.foreign(["法务审批卡住了", None], "en") and not translation.foreign(["Stuck"], "en")
