"""`kudos @person message` in Teams: mentions as Teams sends them, Slack's refusals and words, praise where they are."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from prompts import adaptive
from prompts.goal_blocks import error_text
from prompts.render import render
from storage.models import Kudos
from tests.builders import person
from tests.slack_helpers import dms_to
from tests.teams.helpers import only_reply, replies

PRAISE = "thanks for the review & the <fast> turnaround"


@pytest.fixture
def ada(connector):
    return connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")


def words(template: str, locale: str, **context) -> str:
    return adaptive.teams_markdown(render(template, locale, **context)).replace("\n\n", "\n")


def stored(sessions) -> list[Kudos]:
    with sessions() as session:
        return list(session.exec(select(Kudos)))


def test_kudos_to_a_colleague_in_teams_is_kept_and_reaches_them_there(teams, teams_people, ada, connector, sessions,
                                                                     emulator):
    teams.install(ada)  # Ada has the app: linked, and her chat stored
    connector.reset()
    mention = teams.mention(ada)
    teams.message(teams_people.alan, f"kudos {mention} {PRAISE}", mentions=[mention])
    assert only_reply(connector, teams_people.alan) == words("kudos_sent", "en", receiver="Ada Lovelace", channel="")
    [praise] = replies(connector, ada)
    assert praise == words("kudos_post", "en", giver="Alan Turing", receiver="Ada Lovelace", message=PRAISE)
    assert PRAISE in praise  # as typed, not Slack-escaped
    [kudos] = stored(sessions)
    with sessions() as session:
        assert (kudos.giver_id, kudos.receiver_id, kudos.message) == (
            person(session, "UEMP1").id, person(session, "UMGR1").id, PRAISE)
    assert emulator.calls_to("chat.postMessage") == []


def test_kudos_to_someone_only_on_slack_is_a_slack_dm_in_their_language(teams, teams_people, connector, emulator,
                                                                        sessions):
    emulator.add_user("UEMP2", name="李雷", email="li.lei@example.com", tz="Asia/Shanghai", locale="zh-CN")
    mention = teams.mention(teams_people.li_lei, with_aad_object_id=True)  # his Teams id is in the org CSV
    teams.message(teams_people.alan, f"kudos {mention} 谢谢你的评审", mentions=[mention])
    assert only_reply(connector, teams_people.alan) == words("kudos_sent", "en", receiver="李雷", channel="")
    [dm] = dms_to(emulator, "UEMP2")
    assert dm["text"] == render("kudos_post", "zh-CN", giver="Alan Turing", receiver="李雷", message="谢谢你的评审")
    assert len(stored(sessions)) == 1


def test_with_a_kudos_channel_the_praise_is_posted_there_in_the_organisations_language(
    teams, teams_people, ada, connector, emulator, deps, sessions
):
    deps.settings = replace(deps.settings, kudos_channel="CKUDOS")
    teams.install(ada)
    connector.reset()
    mention = teams.mention(ada)
    teams.message(teams_people.li_lei, f"kudos {mention} 谢谢 <at>Alan Turing</at> 也是", mentions=[mention])
    reply = only_reply(connector, teams_people.li_lei)
    assert reply == words("kudos_sent", "zh-CN", receiver="Ada Lovelace", channel="CKUDOS")
    assert "#CKUDOS" in reply
    [post] = [m for m in emulator.messages if m["channel"] == "CKUDOS"]
    assert post["text"] == render("kudos_post", "en", giver="李雷", receiver="Ada Lovelace",
                                  message="谢谢 @Alan Turing 也是")
    assert replies(connector, ada) == []  # the channel is where it is read


@pytest.mark.parametrize("case", ["self", "stranger", "no entity", "nobody", "empty"])
def test_refused_kudos_say_why_in_slacks_words_and_nothing_is_kept(teams, teams_people, ada, connector, sessions,
                                                                   case):
    teams.install(ada)
    teams.message(teams_people.alan, "help")  # linked: his own mention names him
    connector.reset()
    alan = teams.mention(teams_people.alan, with_aad_object_id=True)
    stranger = teams.mention(teams_people.stranger, with_aad_object_id=True)
    sent, code = {
        "self": ((f"kudos {alan} great work by me", [alan]), "kudos_self"),
        "stranger": ((f"kudos {stranger} thanks", [stranger]), "kudos_unknown_person"),
        "no entity": (("kudos <at>Ada Lovelace</at> thanks", []), "kudos_unknown_person"),  # typed, not a mention
        "nobody": (("kudos thanks everyone", []), "kudos_unknown_person"),
        "empty": ((f"kudos {teams.mention(ada)}   ", [teams.mention(ada)]), "kudos_empty"),
    }[case]
    text, mentions = sent
    teams.message(teams_people.alan, text, mentions=mentions)
    assert only_reply(connector, teams_people.alan) == adaptive.teams_markdown(error_text(code, "en"))
    assert stored(sessions) == []
    assert replies(connector, ada) == [] and replies(connector, teams_people.stranger) == []


def test_kudos_too_long_is_refused(teams, teams_people, ada, connector, sessions):
    teams.install(ada)
    mention = teams.mention(ada)
    teams.message(teams_people.li_lei, f"kudos {mention} {'谢' * 1001}", mentions=[mention])
    assert replies(connector, teams_people.li_lei)[-1] == adaptive.teams_markdown(error_text("kudos_too_long", "zh-CN"))
    assert stored(sessions) == []


def test_a_stranger_cannot_give_kudos(teams, teams_people, ada, connector, sessions):
    teams.install(ada)
    mention = teams.mention(ada)
    teams.message(teams_people.stranger, f"kudos {mention} thanks", mentions=[mention])
    assert only_reply(connector, teams_people.stranger) == adaptive.plain_text(
        render("unknown_person", "en", hr_names=["Grace Hopper"]))
    assert stored(sessions) == []


def test_kudos_in_a_channel_names_the_colleague_by_the_members_e_mail(teams, teams_people, ada, connector, sessions):
    channel = "19:platform@thread.tacv2"
    connector.add_channel(channel, [ada, teams_people.alan])
    bot = {"type": "mention", "text": "<at>checkin-bot</at>", "mentioned": teams.bot_account}
    mention = teams.mention(ada)  # Ada has never used the bot: only her e-mail can say who she is
    activity = teams.activity(teams_people.alan, "message", text=f"<at>checkin-bot</at> kudos {mention} thanks!")
    activity["conversation"] = {"conversationType": "channel", "id": channel, "tenantId": connector.tenant_id}
    activity["entities"] += [bot, mention.entity]
    assert teams.send(activity).status == 200
    assert connector.sent_to(channel)[0].text == words("kudos_sent", "en", receiver="Ada Lovelace", channel="")
    [kudos] = stored(sessions)
    assert kudos.message == "thanks!"
