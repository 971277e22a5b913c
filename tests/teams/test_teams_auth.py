"""Every request to /api/messages is authenticated as the Teams SDK does it, against the loopback key server."""

import json

import pytest

from bot.teams_emulator import SigningKey
from tests.teams.conftest import CLIENT_ID
from tests.teams.helpers import only_reply, written


def test_a_signed_activity_is_validated_with_the_keys_from_the_loopback_key_server(
    teams, teams_people, teams_keys, connector
):
    assert teams.message(teams_people.alan, "help").status == 200
    assert "/v1/.well-known/keys" in teams_keys.fetches
    assert "goal list" in only_reply(connector, teams_people.alan)


BAD_TOKENS = {
    "missing": {"signed": False},
    "not a bearer token": {"authorization": "Basic YWxhbjpwYXNzd29yZA=="},
    "garbage": {"authorization": "Bearer not-a-jwt"},
    "signed with a key the server does not publish": {"key": SigningKey.generate("someone-elses-key")},
    "signed with another key under our key id": "forged",
    "for another bot (audience)": {"audience": "11111111-2222-3333-4444-555555555555"},
    "for another service URL": {"service_url_claim": "https://smba.trafficmanager.net/evil/"},
    "without a service URL claim": {"service_url_claim": None},
    "without an expiry (exp)": {"lifetime": None},
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_a_bad_token_gets_401_and_nothing_is_written_or_sent(kind, teams, teams_people, teams_keys, connector,
                                                             sessions):
    token = BAD_TOKENS[kind]
    options = {"key": teams_keys.forged_key()} if token == "forged" else token
    before = written(sessions)
    for send in (lambda: teams.install(teams_people.alan, **options),
                 lambda: teams.message(teams_people.li_lei, "goal list", **options),
                 lambda: teams.task_submit(teams_people.alan, {"action": "goal_new_submit", "title": "x"}, **options)):
        assert send().status == 401
    assert written(sessions) == before
    assert connector.posted == []


def test_an_expired_token_gets_401(teams, teams_people, teams_keys, connector, sessions):
    activity = teams.activity(teams_people.alan, "message", text="help")
    token = teams_keys.token(audience=CLIENT_ID, service_url=activity["serviceUrl"], lifetime=-600)
    assert teams.send(activity, authorization=f"Bearer {token}").status == 401
    assert connector.posted == []


def test_a_body_that_is_not_json_gets_401_without_a_token_and_400_with_one(teams, teams_people, teams_keys):
    token = teams_keys.token(audience=CLIENT_ID, service_url=teams.connector.service_url)
    assert teams.send_raw(b"command=goal").status == 401
    assert teams.send_raw(b"[1, 2]", authorization=f"Bearer {token}").status == 400


def test_the_activity_cannot_borrow_a_token_minted_for_another_service_url(teams, teams_people, teams_keys,
                                                                            connector, sessions):
    before = written(sessions)
    activity = teams.activity(teams_people.alan, "installationUpdate", action="add")
    token = teams_keys.token(audience=CLIENT_ID, service_url=activity["serviceUrl"])
    activity["serviceUrl"] = "https://attacker.example/teams"  # a valid token, replayed to redirect replies
    assert teams.send_raw(json.dumps(activity).encode(), authorization=f"Bearer {token}").status == 401
    assert written(sessions) == before
    assert connector.posted == []
