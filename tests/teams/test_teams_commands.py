"""Install, help and goal list in Teams, end to end: signed activities, the real SDK app, the Bot Connector."""

from prompts import render
from prompts.adaptive import plain_text, teams_markdown
from tests.builders import approved_goal
from tests.teams.helpers import only_reply, stored_conversation, written


def test_installing_the_app_stores_the_1_1_chat_and_says_hello_in_the_persons_language(
    teams, teams_people, connector, sessions
):
    assert teams.install(teams_people.li_lei).status == 200
    stored = stored_conversation(sessions, "UEMP2")
    assert stored is not None
    assert stored.conversation_id == teams_people.li_lei.personal_conversation_id
    assert stored.service_url == connector.service_url
    assert stored.user_id == teams_people.li_lei.id
    assert stored.bot_id == f"28:{connector.client_id}"
    assert stored.tenant_id == connector.tenant_id
    assert "目标" in only_reply(connector, teams_people.li_lei)


def test_the_bot_joining_the_chat_stores_it_without_a_second_hello(teams, teams_people, connector, sessions):
    assert teams.bot_added(teams_people.alan).status == 200
    assert stored_conversation(sessions, "UEMP1").conversation_id == teams_people.alan.personal_conversation_id
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []


def test_the_first_message_links_a_person_by_e_mail_and_later_ones_by_teams_id(teams, teams_people, connector,
                                                                              sessions):
    teams.message(teams_people.alan, "help")
    assert written(sessions)["linked"] == 2  # 李雷 from the CSV, Alan by e-mail (any case)
    assert stored_conversation(sessions, "UEMP1") is not None
    assert [p.operation for p in connector.posted] == ["get_member", "send"]
    connector.reset()
    teams.message(teams_people.alan, "help")
    assert [p.operation for p in connector.posted] == ["send"]


def test_help_answers_with_slacks_help_words_in_english(teams, teams_people, connector):
    teams.message(teams_people.alan, "help")
    reply = only_reply(connector, teams_people.alan)
    for words in (render("goal_help", "en"), render("checkin_help", "en")):
        assert plain_text(words).splitlines()[1] in reply
    assert "/goal" not in reply  # Teams commands have no slash


def test_help_answers_in_chinese_for_a_chinese_speaker(teams, teams_people, connector):
    teams.message(teams_people.li_lei, "help")
    reply = only_reply(connector, teams_people.li_lei)
    assert plain_text(render("goal_help", "zh-CN")).splitlines()[1] in reply
    assert plain_text(render("checkin_help", "zh-CN")).splitlines()[1] in reply


def test_without_a_stored_locale_teams_locale_decides(teams, teams_people, connector):
    teams.message(teams_people.katherine, "help")  # her CSV locale is empty; her Teams client is zh-CN
    assert plain_text(render("goal_help", "zh-CN")).splitlines()[1] in only_reply(connector, teams_people.katherine)


def test_goal_list_lists_the_persons_goals_through_the_same_verbs_and_words(teams, teams_people, connector,
                                                                           sessions, clock):
    approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots & partners")
    approved_goal(sessions, "UEMP2", now=clock.now(), title="完成 5 个试点")
    teams.message(teams_people.alan, "goal list")
    reply = only_reply(connector, teams_people.alan)
    assert teams_markdown(render("goal_list_header", "en", own=True, name="", count=1, shown=1)) in reply
    assert "Onboard 10 pilots & partners" in reply  # Slack's &amp; is decoded for Teams
    assert "完成 5 个试点" not in reply
    teams.message(teams_people.li_lei, "goal list")
    reply = only_reply(connector, teams_people.li_lei)
    assert teams_markdown(render("goal_list_header", "zh-CN", own=True, name="", count=1, shown=1)) in reply
    assert "完成 5 个试点" in reply


def test_goal_list_with_no_goals_says_how_to_add_one(teams, teams_people, connector):
    teams.message(teams_people.alan, "goal list")
    reply = only_reply(connector, teams_people.alan)
    assert teams_markdown(render("goal_list_header", "en", own=True, name="", count=0, shown=0)) in reply


def test_a_stranger_gets_the_unknown_person_words_and_nothing_is_stored(teams, teams_people, connector, sessions):
    before = written(sessions)
    teams.install(teams_people.stranger)
    teams.message(teams_people.stranger, "goal list")
    sent = connector.sent_to(teams_people.stranger.personal_conversation_id)
    expected = plain_text(render("unknown_person", "en", hr_names=["Grace Hopper"]))
    assert [s.text for s in sent] == [expected, expected]
    assert written(sessions) == before


def test_a_command_in_a_channel_with_the_bots_mention_is_understood(teams, teams_people, connector, sessions):
    activity = teams.activity(teams_people.alan, "message", text="<at>checkin-bot</at> help")
    activity["conversation"] = {"conversationType": "channel", "id": "19:channel@thread.tacv2",
                                "tenantId": connector.tenant_id}
    connector.add_channel("19:channel@thread.tacv2", [teams_people.alan])
    assert teams.send(activity).status == 200
    assert "goal list" in connector.sent_to("19:channel@thread.tacv2")[0].text
    assert stored_conversation(sessions, "UEMP1") is None  # only a 1:1 chat is where scheduled messages go


def test_an_unknown_command_says_so_and_shows_what_the_bot_can_do(teams, teams_people, connector):
    teams.message(teams_people.alan, "dance")
    reply = only_reply(connector, teams_people.alan)
    assert plain_text(render("unknown_subcommand", "en", command="dance", text="")) in reply
    assert "goal list" in reply


def test_a_failing_command_tells_the_person_something_went_wrong(teams, teams_people, connector, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("handlers.teams.goals.goal_list", broken)
    assert teams.message(teams_people.alan, "goal list").status == 200  # answered: Teams must not resend it
    assert only_reply(connector, teams_people.alan) == plain_text(render("something_went_wrong", "en"))


def test_naming_someone_else_in_goal_list_is_not_read_as_your_own_list(teams, teams_people, connector):
    teams.message(teams_people.alan, "goal list <at>Ada Lovelace</at>")
    assert only_reply(connector, teams_people.alan) == plain_text(render("goal_list_who", "en"))
