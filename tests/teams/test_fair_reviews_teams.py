"""Fair reviews hold whichever surface people use: peers' comments reach the reviewed person only once the cycle's
threshold of peers answered (the manager's form shows them regardless), the threshold is set, or refused inline, on
the open-cycle form, and calibration sets each manager's ratings beside the organisation's. One rule each, in
storage and actions, so one test per behaviour run from Slack and from Teams (both databases)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from bot.slack_client import make_web_client
from prompts import adaptive, calibration_blocks, cycle_blocks, evaluation_cards, review_blocks
from prompts.goal_blocks import error_text
from scheduler import JobContext
from scheduler.registry import find_job
from storage import cycles, peers, reviews
from storage.models import Review, ReviewCycle
from tests.builders import load_org, person
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import dms_to, last_dm_text, opened_view, visible_text
from tests.teams.helpers import dialog_card, replies

SURFACES = ("slack", "teams")
CRITERIA = ("results", "quality", "collaboration", "ownership")
FORM = {"name": "2026 H2", "team": "Platform", "from": "2026-07-01", "to": "2026-12-31", "self_due": "2026-12-04",
        "peer_due": "2026-12-09", "manager_due": "2026-12-16"}
PEERS = ("UEMP2", "UEMP3", "UHR1")  # asked to review Alan
NO_MESSAGE = {"channel": "D0", "blocks": [], "text": ""}
WITHHELD = "Colleagues' comments reach you only once enough of them have answered"


@pytest.fixture
def slack(teams_server, emulator, teams_people):
    """Slack on the same server as Teams; the org's people are in the Slack workspace too."""
    for slack_id, name, email, locale in (("UHR1", "Grace Hopper", "grace@example.com", "en-US"),
                                          ("UMGR1", "Ada Lovelace", "ada@example.com", "en-GB"),
                                          ("UEMP1", "Alan Turing", "alan@example.com", "en-GB"),
                                          ("UEMP2", "李雷", "li.lei@example.com", "zh-CN"),
                                          ("UEMP3", "Katherine Johnson", "kj@example.com", "en-US")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale=locale)
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def users(teams, connector, teams_people):
    """Ada and Grace as Teams users (installed only when a test acts from Teams)."""
    return {"UMGR1": connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB"),
            "UHR1": connector.add_user("aad-grace", name="Grace Hopper", email="grace@example.com", locale="en-US"),
            "UEMP1": teams_people.alan}


def on(surface: str, teams, users, *slack_ids: str) -> None:
    """Put these people in Teams when the test runs from Teams: what they are sent reaches them there."""
    if surface == "teams":
        for slack_id in slack_ids:
            teams.install(users[slack_id])
            teams.message(users[slack_id], "help")


def open_cycle_on(surface: str, slack, teams, users, emulator, values: dict) -> dict[str, str]:
    """HR opens a cycle on the surface's form; returns the errors shown beside the fields (or {})."""
    if surface == "slack":
        slack.block_action("UHR1", cycle_blocks.OPEN_CYCLE_ACTION, message=NO_MESSAGE)
        response = slack.view_submission("UHR1", opened_view(emulator), values)
        body = response.json() if response.body else {}
        return body.get("errors", {}) if body.get("response_action") == "errors" else {}
    answer = teams.task_submit(users["UHR1"], {"action": evaluation_cards.SUBMIT_OPEN_CYCLE, **values})
    if answer.json()["task"]["type"] == "message":
        return {}
    body = dialog_card(answer)["body"]
    return {body[i]["id"]: body[i + 1]["text"].removeprefix("⚠️ ")
            for i in range(len(body) - 1) if body[i + 1].get("color") == "Attention"}


def ids(sessions, *slack_ids: str) -> list[int]:
    with sessions() as session:
        return [person(session, slack_id).id for slack_id in slack_ids]


def peers_write(sessions, clock, cycle_id: int, *, answered: int) -> None:
    """Ada confirms three peers for Alan; the first `answered` of them write."""
    alan, ada = ids(sessions, "UEMP1", "UMGR1")
    with sessions() as session:
        peers.confirm(session, session.get(type(person(session, "UMGR1")), ada), cycle_id, alan,
                      ids(sessions, *PEERS), now=clock.now())
    for number, slack_id in enumerate(PEERS[:answered], start=1):
        with sessions() as session:
            peer = person(session, slack_id)
            review = session.exec(select(Review).where(Review.cycle_id == cycle_id, Review.kind == "peer",
                                                       Review.author_id == peer.id, Review.subject_id == alan)).one()
            peers.submit_peer_review(session, peer, review.id, ratings=dict.fromkeys(CRITERIA, "4"), comments={},
                                     strengths=f"Peer words #{number}", to_improve="Share plans earlier",
                                     now=clock.now())


def manager_review_of(sessions, slack_id: str) -> int:
    with sessions() as session:
        return session.exec(select(Review).where(Review.kind == "manager",
                                                 Review.subject_id == person(session, slack_id).id)).one().id


def managers_form_text(surface: str, slack, teams, users, emulator, review_id: int) -> str:
    """What Ada reads on her review form for Alan: the evidence on top, the peers' words among it."""
    if surface == "slack":
        slack.block_action("UMGR1", review_blocks.OPEN_MANAGER_REVIEW_ACTION, str(review_id), message=NO_MESSAGE)
        return visible_text(opened_view(emulator))
    return str(dialog_card(teams.task_fetch(users["UMGR1"], {"action": review_blocks.OPEN_MANAGER_REVIEW_ACTION,
                                                              "value": str(review_id)}))["body"])


def release_and_deliver(sessions, clock, cycle_id: int, *, emulator, teams_server, waits) -> None:
    with sessions() as session:
        ada = person(session, "UMGR1")
        for review in session.exec(select(Review).where(Review.cycle_id == cycle_id, Review.kind == "manager")):
            reviews.submit_manager_review(session, ada, review.id, ratings=dict.fromkeys(CRITERIA, "4"), comments={},
                                          overall="4", strengths="Steady", to_improve="Write more", now=clock.now())
        cycles.release(session, session.get(ReviewCycle, cycle_id).name, now=clock.now())
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    find_job("review-results").run(JobContext(sessions=sessions, client=client, now=clock.now(), forced=True,
                                              teams=teams_server.api.state.teams_sender))


def alans_result(surface: str, emulator, connector, users) -> str:
    if surface == "slack":
        return last_dm_text(emulator, "UEMP1")
    [result] = [text for text in replies(connector, users["UEMP1"]) if "Your result for" in text]
    return result


def texts_of(element) -> list[str]:
    """Every text a card shows, in order (TextBlocks, fact titles and values, nested containers)."""
    if isinstance(element, list):
        return [text for item in element for text in texts_of(item)]
    if not isinstance(element, dict):
        return []
    own = [element[key] for key in ("text", "title", "value") if isinstance(element.get(key), str)]
    return own + [text for key in ("body", "items", "columns", "facts") for text in texts_of(element.get(key))]


def the_cycle(sessions) -> ReviewCycle:
    with sessions() as session:
        return session.exec(select(ReviewCycle)).one()


# --- peers' comments and the threshold --------------------------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("answered", [2, 3])
def test_peer_comments_reach_the_person_only_once_three_peers_answered_and_the_manager_sees_them_anyway(
        surface, answered, slack, teams, users, emulator, connector, sessions, clock, teams_server, waits):
    on(surface, teams, users, "UMGR1", "UHR1", "UEMP1")
    assert open_cycle_on(surface, slack, teams, users, emulator, FORM) == {}  # the threshold as prefilled: 3
    cycle = the_cycle(sessions)
    assert cycle.peer_threshold == 3
    peers_write(sessions, clock, cycle.id, answered=answered)

    form = managers_form_text(surface, slack, teams, users, emulator, manager_review_of(sessions, "UEMP1"))
    assert all(f"Peer words #{n}" in form for n in range(1, answered + 1))  # the manager reads every answer
    release_and_deliver(sessions, clock, cycle.id, emulator=emulator, teams_server=teams_server, waits=waits)

    result = alans_result(surface, emulator, connector, users)
    assert "Your result for" in result
    if answered == 2:
        assert "Peer words" not in result and WITHHELD in result
        assert "2" not in result.split(WITHHELD)[1].split("\n")[0]  # says nothing of how many answered
    else:
        assert all(f"Peer words #{n}" in result for n in (1, 2, 3)) and WITHHELD not in result
    assert "Li" not in result and "Katherine" not in result and "Grace" not in result  # never who wrote
    if surface == "teams":
        assert dms_to(emulator, "UEMP1") == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_cycle_opened_with_a_threshold_of_two_shows_the_comments_at_two(
        surface, slack, teams, users, emulator, connector, sessions, clock, teams_server, waits):
    on(surface, teams, users, "UMGR1", "UHR1", "UEMP1")
    assert open_cycle_on(surface, slack, teams, users, emulator,
                         {**FORM, cycle_blocks.PEER_THRESHOLD_FIELD: "2"}) == {}
    cycle = the_cycle(sessions)
    assert cycle.peer_threshold == 2
    peers_write(sessions, clock, cycle.id, answered=2)
    release_and_deliver(sessions, clock, cycle.id, emulator=emulator, teams_server=teams_server, waits=waits)

    result = alans_result(surface, emulator, connector, users)
    assert "Peer words #1" in result and "Peer words #2" in result and WITHHELD not in result


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("given", ["0", "11", "two"])
def test_a_peer_threshold_outside_one_to_ten_is_refused_beside_its_field(surface, given, slack, teams, users,
                                                                         emulator, sessions):
    on(surface, teams, users, "UHR1")

    errors = open_cycle_on(surface, slack, teams, users, emulator, {**FORM, cycle_blocks.PEER_THRESHOLD_FIELD: given})

    assert errors == {cycle_blocks.PEER_THRESHOLD_FIELD: error_text("invalid_peer_threshold", "en")}
    assert errors[cycle_blocks.PEER_THRESHOLD_FIELD] == "Enter a whole number from 1 to 10."
    with sessions() as session:
        assert session.exec(select(ReviewCycle)).all() == []


@pytest.mark.parametrize("surface", SURFACES)
def test_the_open_cycle_form_asks_for_the_threshold_prefilled_with_three(surface, slack, teams, users, emulator):
    on(surface, teams, users, "UHR1")
    if surface == "slack":
        slack.block_action("UHR1", cycle_blocks.OPEN_CYCLE_ACTION, message=NO_MESSAGE)
        [field] = [b for b in opened_view(emulator)["blocks"] if b["block_id"] == cycle_blocks.PEER_THRESHOLD_FIELD]
        label_text, value = field["label"]["text"], field["element"]["initial_value"]
    else:
        dialog = dialog_card(teams.task_fetch(users["UHR1"], adaptive.button_data(cycle_blocks.OPEN_CYCLE_ACTION,
                                                                                  "")))
        body = dialog["body"]
        [field] = [e for e in body if e.get("id") == cycle_blocks.PEER_THRESHOLD_FIELD]
        label_text, value = field.get("label", ""), field.get("value")
    assert label_text.startswith("Peers who must answer before the person reads their comments")
    assert value == "3"


# --- the ratings per manager in calibration -----------------------------------------------------------------------


MORE_MANAGERS = [
    ["UMGR2", "Barbara Liskov", "barbara@example.com", "", "Data", "manager", "UTC", "en-GB"],
    ["UMGR3", "Edsger Dijkstra", "edsger@example.com", "", "Infra", "manager", "UTC", "en-GB"],
    *[[f"UD{n}", f"Data {n}", "", "UMGR2", "Data", "employee", "UTC", "en-GB"] for n in (1, 2, 3)],
    *[[f"UI{n}", f"Infra {n}", "", "UMGR3", "Infra", "employee", "UTC", "en-GB"] for n in (1, 2, 3)],
]
RATINGS = {"UMGR1": {"UEMP1": 5, "UEMP2": 5, "UEMP3": 5},  # lenient
           "UMGR2": {"UD1": 4, "UD2": 3, "UD3": 3}, "UMGR3": {"UI1": 3, "UI2": 4, "UI3": 3}}


@pytest.mark.parametrize("surface", SURFACES)
def test_calibration_shows_each_managers_ratings_beside_the_organisation_with_the_lenient_one_marked(
        surface, slack, teams, users, emulator, connector, sessions, clock):
    on(surface, teams, users, "UHR1")
    load_org(sessions, now=clock.now(), rows=MORE_MANAGERS, emulator=emulator)
    with sessions() as session:
        cycle = cycles.open_cycle(session, name="2026 H2", team=None, now=clock.now(), period_start="2026-07-01",
                                  period_end="2026-12-31", self_due="2026-12-04", peer_due="2026-12-09",
                                  manager_due="2026-12-16")
        for manager, theirs in RATINGS.items():
            writer = person(session, manager)
            for slack_id, rating in theirs.items():
                review = session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == "manager",
                                                           Review.subject_id == person(session, slack_id).id)).one()
                reviews.submit_manager_review(session, writer, review.id, ratings=dict.fromkeys(CRITERIA, str(rating)),
                                              comments={}, overall=str(rating), strengths="Steady",
                                              to_improve="Write more", now=clock.now())
        cycle_id = cycle.id
    connector.reset()

    if surface == "slack":
        slack.block_action("UHR1", calibration_blocks.CALIBRATE_ACTION, str(cycle_id), message=NO_MESSAGE)
        text = "\n".join(visible_text(message) for message in dms_to(emulator, "UHR1"))
    else:
        teams.card_submit(users["UHR1"], adaptive.button_data(calibration_blocks.CALIBRATE_ACTION, str(cycle_id)))
        text = "\n".join(line for posted in connector.sent_to(users["UHR1"].personal_conversation_id)
                         for card in posted.cards for line in texts_of(card["body"]))

    assert "the organisation: 9 rated, average 3.89" in text
    lines = {name: [line for line in text.splitlines() if "rated · average" in line and name in line]
             for name in ("Ada Lovelace", "Barbara Liskov", "Edsger Dijkstra")}
    assert all(len(found) == 1 for found in lines.values()), lines
    assert "⚠️" in lines["Ada Lovelace"][0] and "far above the organisation" in lines["Ada Lovelace"][0]
    assert "average 5.00 (+1.11 against the organisation)" in lines["Ada Lovelace"][0]
    assert not any("⚠️" in lines[name][0] for name in ("Barbara Liskov", "Edsger Dijkstra"))
    assert "5: 100% (org 33%)" in text
