"""Teams at its edges: other tenants, app updates, a Bot Connector refusing the bot's replies."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from storage.models import Kudos
from tests.teams.helpers import people_rows, stored_conversation, written

OTHER_TENANT = "0b5e2c1a-0000-4000-8000-0000000f0e19"


@pytest.fixture
def outsider(connector):
    """Someone in another organisation that installed the app too, whose directory gives them Alan's address."""
    return connector.add_user("aad-outsider", name="Alan Turing", email="alan@example.com", tenant_id=OTHER_TENANT)


def warnings_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


FOREIGN_ACTIVITIES = {
    "message": lambda teams, user: teams.message(user, "goal list"),
    "dialog": lambda teams, user: teams.task_fetch(user, {"action": "goal_new"}),
    "install": lambda teams, user: teams.install(user),
    "bot added": lambda teams, user: teams.bot_added(user),
}


@pytest.mark.parametrize("kind", list(FOREIGN_ACTIVITIES))
def test_it_refuses_another_tenants_activity_with_403_and_writes_and_sends_nothing(
    kind, teams, teams_people, outsider, connector, sessions, caplog
):
    before, people_before = written(sessions), people_rows(sessions)
    caplog.set_level(logging.WARNING)
    assert FOREIGN_ACTIVITIES[kind](teams, outsider).status == 403
    assert written(sessions) == before
    assert people_rows(sessions) == people_before  # Alan keeps his Teams id (none) and everything else
    assert connector.posted == []  # not even a member look-up
    assert warnings_logged(caplog) == [f"Teams {_type(kind)} activity refused: tenant '{OTHER_TENANT}' is not ours"]


def _type(kind: str) -> str:
    return {"message": "message", "dialog": "invoke", "install": "installationUpdate",
            "bot added": "conversationUpdate"}[kind]


def test_a_linked_persons_activity_naming_another_tenant_is_refused_too(teams, teams_people, connector, sessions):
    activity = teams.activity(teams_people.li_lei, "message", text="goal list")
    activity["conversation"]["tenantId"] = activity["channelData"]["tenant"]["id"] = OTHER_TENANT
    assert teams.send(activity).status == 403
    assert stored_conversation(sessions, "UEMP2") is None
    assert connector.posted == []


@pytest.mark.parametrize("tenants", ["none", "only in the conversation", "only in the channel data", "two"])
def test_it_serves_an_activity_only_when_every_tenant_it_names_is_ours(tenants, teams, teams_people, connector):
    activity = teams.activity(teams_people.li_lei, "message", text="help")
    ours = connector.tenant_id
    conversation_tenant, channel_tenant = {"none": (None, None), "only in the conversation": (ours.upper(), None),
                                           "only in the channel data": (None, ours),
                                           "two": (ours, OTHER_TENANT)}[tenants]
    activity["conversation"]["tenantId"] = conversation_tenant
    activity["channelData"] = {"tenant": {"id": channel_tenant}} if channel_tenant else {}
    served = tenants.startswith("only")
    assert teams.send(activity).status == (200 if served else 403)
    assert len(connector.sent_to(teams_people.li_lei.personal_conversation_id)) == (1 if served else 0)


def test_another_tenants_activity_without_a_valid_token_is_unauthenticated_not_forbidden(teams, outsider, connector):
    assert teams.message(outsider, "help", signed=False).status == 401
    assert teams.message(outsider, "help", lifetime=None).status == 401
    assert connector.posted == []


def test_an_external_member_of_a_channel_is_never_matched_by_e_mail(teams, teams_people, outsider, connector,
                                                                    sessions):
    channel = "19:shared@thread.tacv2"
    connector.add_channel(channel, [teams_people.li_lei, outsider])
    bot = {"type": "mention", "text": "<at>checkin-bot</at>", "mentioned": teams.bot_account}
    mention = teams.mention(outsider)  # a guest from the other organisation, with Alan's address there
    activity = teams.activity(teams_people.li_lei, "message", text=f"<at>checkin-bot</at> kudos {mention} 谢谢!")
    activity["conversation"] = {"conversationType": "channel", "id": channel, "tenantId": connector.tenant_id}
    activity["entities"] += [bot, mention.entity]
    assert teams.send(activity).status == 200
    with sessions() as session:
        assert list(session.exec(select(Kudos))) == []
    assert "Alan Turing" not in connector.sent_to(channel)[0].text


def test_an_app_update_remembers_the_chat_without_greeting_everyone_again(teams, teams_people, connector,
                                                                          sessions):
    assert teams.install(teams_people.li_lei, upgrade=True).status == 200
    assert stored_conversation(sessions, "UEMP2").conversation_id == teams_people.li_lei.personal_conversation_id
    assert connector.sent_to(teams_people.li_lei.personal_conversation_id) == []


def test_an_app_update_links_a_colleague_by_e_mail_like_a_first_install(teams, teams_people, connector, sessions):
    assert teams.install(teams_people.alan, upgrade=True).status == 200
    assert stored_conversation(sessions, "UEMP1") is not None


def test_the_old_version_going_away_in_an_update_is_answered_200(teams, teams_people, connector, sessions):
    teams.install(teams_people.li_lei)
    connector.reset()
    before = written(sessions)
    assert teams.uninstall(teams_people.li_lei, upgrade=True).status == 200
    assert teams.uninstall(teams_people.li_lei).status == 200
    assert written(sessions) == before
    assert connector.posted == []


@pytest.mark.parametrize("status", [403, 404, 429])
def test_a_reply_the_bot_connector_refuses_ends_in_200_with_one_log_line(status, teams, teams_people, connector,
                                                                        caplog):
    connector.refuse_sends(status=status, times=2)  # the refusal lasts: an apology would be refused as well
    caplog.set_level(logging.WARNING)
    assert teams.message(teams_people.alan, "help").status == 200  # Alan's member look-up still answers
    assert warnings_logged(caplog) == [
        f"Teams reply to a message activity refused by the Bot Connector: HTTP {status}"]
    assert connector.sent_to(teams_people.alan.personal_conversation_id) == []
    assert [p.operation for p in connector.posted] == ["get_member", "failed"]


def test_an_install_whose_hello_is_refused_still_remembers_the_chat(teams, teams_people, connector, sessions):
    connector.refuse_sends(status=403)
    assert teams.install(teams_people.li_lei).status == 200
    assert stored_conversation(sessions, "UEMP2") is not None


def test_a_failed_reply_whose_apology_is_refused_too_ends_in_200(teams, teams_people, connector, caplog):
    connector.fail_next(status=503)  # the answer fails: the bot says sorry instead...
    connector.refuse_sends(status=403)  # ...and that is refused
    caplog.set_level(logging.WARNING)
    assert teams.message(teams_people.li_lei, "help").status == 200
    assert warnings_logged(caplog)[-1] == "Teams reply to a message activity refused by the Bot Connector: HTTP 403"
    assert [p.status for p in connector.posted] == [503, 403]


def test_the_bot_recovers_once_the_bot_connector_takes_its_replies_again(teams, teams_people, connector):
    connector.refuse_sends(status=429)
    assert teams.message(teams_people.li_lei, "help").status == 200
    assert teams.message(teams_people.li_lei, "help").status == 200
    assert len(connector.sent_to(teams_people.li_lei.personal_conversation_id)) == 1
