"""The playground's HTTP API: each click is a signed request to the real bot; the page shows what people see."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from bot.playground.app import build_app
from bot.playground.state import next_local
from tests.playground.conftest import GRACE, KATHERINE, LI_LEI, LINUS, WANG_FANG


def state(web, user: str) -> dict:
    return web.get(f"/api/state?as={user}").json()


def last_bot_message(web, user: str, containing: str = "") -> dict:
    return next(entry["message"] for entry in reversed(state(web, user)["slack"])
                if entry["kind"] == "bot" and containing in entry["message"].get("text", ""))


def button(message: dict, action_id: str, block_prefix: str = "") -> tuple[str, dict]:
    """The block_id and button with this action in a message (the first in a block whose id starts so)."""
    for block in message.get("blocks", []):
        if block.get("block_id", "").startswith(block_prefix):
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return block["block_id"], element
    raise LookupError(action_id)


def click(web, user: str, message: dict, action_id: str, block_prefix: str = ""):
    block_id, element = button(message, action_id, block_prefix)
    return web.post("/api/action", json={"user": user, "surface": "message", "ts": message["ts"],
                                         "action_id": action_id, "block_id": block_id, "value": element.get("value")})


def check_in_li_lei(web) -> dict:
    """Friday 15:00 in Shanghai: Li Lei opens the check-in from the reminder, is told what is missing, submits."""
    assert web.post("/api/clock", json={"user": LI_LEI, "move": "friday"}).status_code == 200
    assert click(web, LI_LEI, last_bot_message(web, LI_LEI, "该填写本周进展了"), "checkin_open").status_code == 200
    view_id = state(web, LI_LEI)["modal"]["view"]["id"]
    refused = web.post("/api/submit", json={"user": LI_LEI, "view_id": view_id,
                                            "values": {"confidence": "", "highlights": "两个大客户已续约"}}).json()
    accepted = web.post("/api/submit", json={"user": LI_LEI, "view_id": view_id, "values": {
        "confidence": "2", "highlights": "两个大客户已续约", "blockers": "法务审批合同需要两周"}}).json()
    return {"refused": refused, "accepted": accepted, "view_id": view_id}



def test_the_page_shows_a_persons_role_team_language_zone_and_their_dms(web):
    page = web.get(f"/?as={LI_LEI}")
    assert page.status_code == 200
    for shown in ("李雷", "employee", "team Growth", "中文 (zh-CN)", "Asia/Shanghai", "欢迎你，李雷"):
        assert shown in page.text
    assert 'src="/static/playground.js"' in page.text
    assert web.get("/static/playground.js").status_code == 200


def test_the_friday_reminder_opens_a_checkin_that_shows_the_bots_inline_error_then_thanks(web):
    flow = check_in_li_lei(web)
    assert flow["refused"]["reply"] == {"response_action": "errors",
                                        "errors": {"confidence": "请选择你的信心程度（1 到 5）。"}}
    assert flow["accepted"]["reply"] == {}
    seen = state(web, LI_LEI)
    assert seen["modal"] is None
    assert "谢谢，李雷" in seen["slack"][-1]["message"]["text"]
    assert seen["now"] == "2027-03-12T07:00:00+00:00"  # Friday 15:00 in Shanghai


def test_an_inline_error_is_drawn_under_its_field_with_what_was_typed_kept(web):
    web.post("/api/clock", json={"user": LI_LEI, "move": "friday"})
    click(web, LI_LEI, last_bot_message(web, LI_LEI, "该填写本周进展了"), "checkin_open")
    view_id = state(web, LI_LEI)["modal"]["view"]["id"]
    web.post("/api/submit", json={"user": LI_LEI, "view_id": view_id, "values": {"highlights": "两个大客户已续约"}})
    fragment = web.get(f"/fragment?as={LI_LEI}").text
    assert '<div class="bk-error" role="alert">请选择你的信心程度（1 到 5）。</div>' in fragment
    assert ">两个大客户已续约</textarea>" in fragment


def test_next_monday_brings_the_agenda_and_the_managers_feedback_reaches_the_employee_in_chinese(web):
    check_in_li_lei(web)
    moved = web.post("/api/clock", json={"user": WANG_FANG, "move": "monday"}).json()
    assert moved["now"] == "2027-03-15T09:00:00+08:00"
    assert any(note.startswith("manager-nudges: sent 1") for note in moved["happened"]["notes"])
    agenda = last_bot_message(web, WANG_FANG, "一对一议程")
    assert "*李雷* · 信心 2/5" in agenda["text"]
    li_lei_id = next(b["block_id"] for b in agenda["blocks"] if "李雷" in b.get("text", {}).get("text", ""))
    assert click(web, WANG_FANG, agenda, "coach_review", li_lei_id.replace("report", "coach")).status_code == 200
    review = state(web, WANG_FANG)["modal"]
    assert review is not None
    answer = web.post("/api/submit", json={"user": WANG_FANG, "view_id": review["view"]["id"], "values": {
        "acknowledged": ["yes"], "went_well": "主动把法务风险讲清楚了", "to_improve": "阻碍超过三天就请直接找我",
        "assessment": "needs_attention"}}).json()
    assert answer["reply"] == {}, answer
    feedback = state(web, LI_LEI)["slack"][-1]["message"]
    assert "主动把法务风险讲清楚了" in feedback["text"] and "王芳" in feedback["text"]


def test_a_slash_commands_reply_is_shown_only_to_the_person_who_typed_it(web):
    web.post("/api/command", json={"user": LI_LEI, "line": "/goal help"})
    reply = state(web, LI_LEI)["slack"][-1]
    assert reply["kind"] == "ephemeral" and "SMART" in reply["message"]["text"]
    assert reply not in state(web, WANG_FANG)["slack"]
    assert "Only visible to you" in web.get(f"/fragment?as={LI_LEI}").text


def test_typed_mentions_and_symbols_reach_the_bot_as_slack_sends_them(web):
    answer = web.post("/api/command", json={"user": LI_LEI, "line": "/kudos @Katherine thanks for the docs <3"}).json()
    [request] = answer["happened"]["requests"]
    assert request["kind"] == "slash_command"
    assert request["body"]["text"] == "<@U0EM000002|katherine> thanks for the docs &lt;3"
    assert any("thanks for the docs" in entry["message"].get("text", "")
               for entry in state(web, KATHERINE)["slack"] if entry["kind"] == "bot")


def test_a_message_to_the_bot_is_answered_in_the_dm_beside_what_was_typed(web):
    web.post("/api/command", json={"user": KATHERINE, "line": "help"})
    kinds = [entry["kind"] for entry in state(web, KATHERINE)["slack"]]
    assert kinds[-2:] == ["you", "bot"]


def test_what_just_happened_holds_only_the_last_clicks_requests_and_calls_with_a_builder_link(web):
    web.post("/api/command", json={"user": LI_LEI, "line": "/goal help"})
    answer = web.post("/api/clock", json={"user": LI_LEI, "move": "friday"}).json()
    happened = answer["happened"]
    assert happened["requests"] == []  # the scheduler sent these: nobody asked the bot anything
    posts = [call for call in happened["calls"] if call["method"] == "chat.postMessage"]
    assert {call["params"]["channel"] for call in posts} >= {LI_LEI, WANG_FANG}
    fragment = web.get(f"/fragment?as={LI_LEI}").text
    assert 'href="https://app.slack.com/block-kit-builder/#%7B%22blocks%22' in fragment
    assert "checkin-reminders: sent" in fragment


def test_the_app_home_is_the_one_last_published_and_its_overflow_menu_opens_a_modal(web, playground):
    web.post("/api/command", json={"user": LI_LEI, "line": "/goal"})
    goal_modal = state(web, LI_LEI)["modal"]["view"]
    answer = web.post("/api/submit", json={"user": LI_LEI, "view_id": goal_modal["id"], "values": {
        "title": "将续约率提高到 95%", "metric": "续约率", "start": "88", "target": "95", "unit": "%",
        "due_date": "2027-06-30"}}).json()
    assert answer["reply"]["response_action"] == "push"  # the bot asks, in a step on top, about aligning it
    aligned = state(web, LI_LEI)["modal"]["view"]
    assert aligned["id"] != goal_modal["id"]
    assert web.post("/api/submit", json={"user": LI_LEI, "view_id": aligned["id"], "values": {}}).json()["reply"] in (
        {}, {"response_action": "clear"})
    assert state(web, LI_LEI)["modal"] is None
    web.post("/api/home", json={"user": LI_LEI})
    home = state(web, LI_LEI)["home"]
    menu = next(block for block in home["blocks"] if block.get("accessory", {}).get("type") == "overflow")
    progress = next(o["value"] for o in menu["accessory"]["options"] if o["value"].startswith("progress:"))
    assert 'data-surface="home"' in web.get(f"/fragment?as={LI_LEI}").text
    web.post("/api/action", json={"user": LI_LEI, "surface": "home", "action_id": menu["accessory"]["action_id"],
                                  "block_id": menu["block_id"], "selected_option": progress})
    assert state(web, LI_LEI)["modal"] is not None


def test_a_teams_user_installs_the_app_and_checks_in_from_the_reminder_card_in_a_dialog(web):
    assert "Install the app in Teams" in web.get(f"/?as={LINUS}").text
    web.post("/api/teams/install", json={"user": LINUS})
    assert "Install the app in Teams" not in web.get(f"/?as={LINUS}").text
    web.post("/api/clock", json={"user": LINUS, "move": "friday"})
    reminder = state(web, LINUS)["teams"][-1]
    [card] = reminder["cards"]
    data = next(action["data"] for element in card["body"] if element.get("type") == "ActionSet"
                for action in element["actions"] if action.get("data", {}).get("action") == "checkin_open")
    web.post("/api/teams/press", json={"user": LINUS, "data": data, "index": reminder["index"]})
    dialog = state(web, LINUS)["teams_dialog"]
    submit = next(action["data"] for action in dialog["actions"] if action["type"] == "Action.Submit")
    web.post("/api/teams/press", json={"user": LINUS, "data": submit, "dialog": True, "inputs": {"confidence": ""}})
    assert "Choose how confident you are" in str(state(web, LINUS)["teams_dialog"])
    web.post("/api/teams/press", json={"user": LINUS, "data": submit, "dialog": True,
                                       "inputs": {"confidence": "4", "highlights": "Shipped the pilot dashboard"}})
    seen = state(web, LINUS)
    assert seen["teams_dialog"] is None
    assert seen["teams"][-1]["kind"] == "notice" and "Thanks, Linus Chen" in seen["teams"][-1]["message"]["text"]


def test_the_hr_digests_chart_is_served_by_the_playground(web):
    web.post("/api/clock", json={"user": GRACE, "move": "monday"})
    web.post("/api/clock", json={"user": GRACE, "move": "hour"})  # Monday 10:00 in New York: the digest
    chart = next(entry for entry in state(web, GRACE)["slack"] if entry["kind"] == "file" and entry["is_image"])
    image = web.get(f"/files/{chart['file_id']}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_it_replays_the_scripted_week_one_scene_at_a_time(web):
    answer = web.post("/api/replay").json()
    assert answer["scene"].startswith("Monday: the getting-started guide")
    teams = state(web, LINUS)["teams"]
    assert [entry["kind"] for entry in teams][:2] == ["bot", "you"]  # the app's welcome, then Linus types "help"
    assert teams[1]["message"]["text"] == "help" and teams[2]["kind"] == "bot"
    assert "Play scene 2/" in web.get(f"/?as={LINUS}").text


def test_it_answers_only_to_loopback_host_names_and_only_about_people_in_the_demo(playground, web):
    assert TestClient(build_app(playground)).get("/").status_code == 400  # Host: testserver
    assert TestClient(build_app(playground), base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert web.get("/?as=U0NOBODY").status_code == 404
    assert web.post("/api/clock", json={"user": LI_LEI, "move": "yesterday"}).status_code == 422


def test_friday_and_monday_are_the_next_such_wall_clock_moments_in_the_persons_zone():
    shanghai, new_york = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
    monday = datetime(2027, 3, 8, 8, 0, tzinfo=UTC)
    assert next_local(monday, shanghai, weekday=4, at=time(15)) == datetime(2027, 3, 12, 7, 0, tzinfo=UTC)
    assert next_local(monday, new_york, weekday=0, at=time(9)) == datetime(2027, 3, 8, 14, 0, tzinfo=UTC)
    # 09:00 stays 09:00 across the change to summer time in New York (14 March 2027)
    assert next_local(datetime(2027, 3, 8, 14, 0, tzinfo=UTC), new_york, weekday=0, at=time(9)) == \
        datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
