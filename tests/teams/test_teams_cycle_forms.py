"""Review cycles in Teams: the buttons on the scheduler's cards open the self-review, peer review, decline,
acknowledge and manager review dialogs; each submit goes through the same action as Slack's (actions/), its field
errors shown beside their inputs with what was typed kept and nothing written, and a forged or foreign id refused
in Slack's words."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from prompts import adaptive, calibration_blocks, peer_blocks, review_blocks, review_cards
from prompts.goal_blocks import error_text
from prompts.render import label
from scheduler import JobContext
from scheduler.registry import find_job
from storage import calibration, cycles, peers, plans, reviews
from storage.models import Review, ReviewCycle, ReviewKind
from tests.builders import approved_goal, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to
from tests.teams.helpers import buttons, dialog_card, inputs, replies

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CRITERIA = ("results", "quality", "collaboration", "ownership")


@pytest.fixture
def ada(teams, connector):
    """The manager, in Teams and last active there."""
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(ada)
    teams.message(ada, "help")
    return ada


@pytest.fixture
def in_teams(teams, teams_people, ada, connector):
    """李雷, Alan and Katherine use Teams too: the scheduler's requests reach them there."""
    for user in (teams_people.li_lei, teams_people.alan, teams_people.katherine):
        teams.install(user)
        teams.message(user, "help")
    connector.reset()
    return teams_people


@pytest.fixture
def cycle(teams_people, sessions, clock):
    goal = approved_goal(sessions, "UEMP2", now=clock.now(), title="发布计费页面", target="4")
    with sessions() as session:
        cycle = cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                  self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                  team="Platform", now=clock.now())
    return SimpleNamespace(id=cycle.id, goal_id=goal.id)


def run(name: str, *, sessions, emulator, teams_server, waits) -> None:
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    find_job(name).run(JobContext(sessions=sessions, client=client, now=NOW, forced=True,
                                  teams=teams_server.api.state.teams_sender))


@pytest.fixture
def ask(sessions, emulator, teams_server, waits):
    """Run a job as the scheduler does, now, delivering to Teams."""
    return lambda name="review-reminders": run(name, sessions=sessions, emulator=emulator,
                                               teams_server=teams_server, waits=waits)


def scale(locale: str = "zh-CN") -> list[dict]:
    """The default plan's scale as a dialog's choices: Slack's option words."""
    return [{"title": o["text"]["text"], "value": o["value"]}
            for o in review_blocks.scale_options(plans.DEFAULT_PLAN, locale)]


def card_with(connector, user, action: str) -> dict:
    """The last card the bot sent `user` with a button for `action`."""
    found = [card for posted in connector.sent_to(user.personal_conversation_id) for card in posted.cards
             if any(b.get("data", {}).get("action") == action for b in buttons(card))]
    assert found, [p.text for p in connector.sent_to(user.personal_conversation_id)]
    return found[-1]


def button(card: dict, action: str) -> dict:
    return next(b for b in buttons(card) if b.get("data", {}).get("action") == action)


def review_of(sessions, kind: str, author: str, subject: str | None = None) -> Review:
    with sessions() as session:
        author_id = person(session, author).id
        subject_id = person(session, subject).id if subject else author_id
        return session.exec(select(Review).where(Review.kind == kind, Review.author_id == author_id,
                                                 Review.subject_id == subject_id)).one()


def states(sessions) -> dict[int, tuple[str, object]]:
    with sessions() as session:
        return {r.id: (r.state, r.answers) for r in session.exec(select(Review))}


def error_after(card: dict, field: str) -> str:
    body = card["body"]
    index = next(i for i, element in enumerate(body) if element.get("id") == field)
    return body[index + 1]["text"]


def texts(card: dict) -> str:
    return str(card["body"])


# ---- 1. the self-review ------------------------------------------------------------------------------


def test_the_self_review_request_opens_a_dialog_on_the_plans_scale_and_refuses_a_bad_rating(
        teams, in_teams, cycle, ask, connector, sessions, emulator):
    li_lei = in_teams.li_lei
    ask()
    request = card_with(connector, li_lei, review_blocks.OPEN_SELF_REVIEW_ACTION)
    review = review_of(sessions, ReviewKind.SELF, "UEMP2")
    opener = button(request, review_blocks.OPEN_SELF_REVIEW_ACTION)
    assert opener["data"] == {"msteams": {"type": "task/fetch"}, "action": review_blocks.OPEN_SELF_REVIEW_ACTION,
                              "value": str(review.id)}
    assert opener["title"] == label("write_self_review", "zh-CN")
    assert [m for m in dms_to(emulator, "UEMP2") if "review_self_open" in str(m.get("blocks"))] == []

    fetched = teams.task_fetch(li_lei, opener["data"])
    assert fetched.json()["task"]["value"]["title"] == label("self_review_title", "zh-CN")
    dialog = dialog_card(fetched)
    fields = inputs(dialog)
    evidence = f"evidence:{cycle.goal_id}"
    assert fields[evidence]["label"] == label("self_review_evidence", "zh-CN", title="发布计费页面")
    for key in CRITERIA:
        rating = fields[f"rating:{key}"]
        # Not marked required: the draft button sends a half-filled form; the submit is checked by the action.
        assert (rating["type"], rating["choices"], rating.get("isRequired")) == ("Input.ChoiceSet", scale(), None)
        assert fields[f"comment:{key}"]["isMultiline"] is True
    [submit] = dialog["actions"]
    assert submit["data"] == {"action": review_cards.SUBMIT_SELF_REVIEW, "review_id": review.id}
    assert submit["title"] == label("submit", "zh-CN")

    good = {f"rating:{key}": "4" for key in CRITERIA} | {"comment:results": "计费页面已上线 3 页",
                                                         evidence: "三个页面均已发布"}
    connector.reset()
    before = states(sessions)
    bad = dialog_card(teams.task_submit(li_lei, {**submit["data"], **good, "rating:results": "9",
                                                 "rating:quality": ""}))
    assert error_after(bad, "rating:results") == f"⚠️ {error_text('rating_invalid', 'zh-CN')}"
    assert error_after(bad, "rating:quality") == f"⚠️ {error_text('rating_missing', 'zh-CN')}"
    kept = inputs(bad)
    assert kept["comment:results"]["value"] == "计费页面已上线 3 页" and kept[evidence]["value"] == "三个页面均已发布"
    assert kept["rating:collaboration"]["value"] == "4" and "value" not in kept["rating:quality"]
    assert states(sessions) == before and connector.posted == []

    done = teams.task_submit(li_lei, {**submit["data"], **good})
    thanks = review_blocks.self_review_thanks(cycle="2026-H2", locale="zh-CN")["text"]
    assert done.json() == {"task": {"type": "message", "value": adaptive.plain_text(thanks)}}
    assert replies(connector, li_lei) == [adaptive.teams_markdown(thanks).strip()]
    stored = review_of(sessions, ReviewKind.SELF, "UEMP2")
    assert stored.state == "submitted"
    assert stored.answers["criteria"]["results"] == {"rating": 4, "comment": "计费页面已上线 3 页"}
    assert stored.answers["goals"] == {str(cycle.goal_id): {"evidence": "三个页面均已发布"}}

    again = dialog_card(teams.task_fetch(li_lei, opener["data"]))  # reopened: what was written, to change
    assert inputs(again)["rating:results"]["value"] == "4" and inputs(again)[evidence]["value"] == "三个页面均已发布"


@pytest.mark.parametrize("who, value", [
    ("alan", "{review}"),  # someone else's self-review
    ("li", "abc"), ("li", ""), ("li", "-1"), ("li", "1.0"), ("li", "99999999999"), ("li", "424242"),
])
def test_a_forged_or_someone_elses_self_review_is_refused_in_slacks_words_and_nothing_is_written(
        teams, in_teams, cycle, ask, connector, sessions, who, value):
    ask()
    review = review_of(sessions, ReviewKind.SELF, "UEMP2")
    user = {"alan": in_teams.alan, "li": in_teams.li_lei}[who]
    forged = value.format(review=review.id)
    refusal = error_text("not_found", "en" if who == "alan" else "zh-CN")
    before = states(sessions)
    connector.reset()

    opened = dialog_card(teams.task_fetch(user, {"action": review_blocks.OPEN_SELF_REVIEW_ACTION, "value": forged}))
    assert "rating:results" not in inputs(opened) and refusal in texts(opened)
    good = {f"rating:{key}": "4" for key in CRITERIA}
    submitted = dialog_card(teams.task_submit(user, {"action": review_cards.SUBMIT_SELF_REVIEW, "review_id": forged,
                                                     **good}))
    assert refusal in texts(submitted)
    assert states(sessions) == before and connector.posted == []


def test_a_forged_goal_or_a_field_that_is_not_text_writes_nothing(teams, in_teams, cycle, ask, connector, sessions):
    ask()
    review = review_of(sessions, ReviewKind.SELF, "UEMP2")
    good = {"action": review_cards.SUBMIT_SELF_REVIEW, "review_id": review.id} | \
        {f"rating:{key}": "4" for key in CRITERIA}
    before = states(sessions)
    connector.reset()
    foreign_goal = dialog_card(teams.task_submit(in_teams.li_lei, {**good, "evidence:424242": "not mine"}))
    assert error_text("not_found", "zh-CN") in texts(foreign_goal)
    not_text = dialog_card(teams.task_submit(in_teams.li_lei, {**good, "comment:results": {"x": 1}}))
    assert error_after(not_text, "comment:results") == f"⚠️ {error_text('invalid', 'zh-CN')}"
    assert inputs(not_text)["rating:results"]["value"] == "4"
    assert states(sessions) == before and connector.posted == []


def test_a_closed_cycle_is_refused_in_slacks_words(teams, in_teams, cycle, ask, connector, sessions):
    ask()
    review = review_of(sessions, ReviewKind.SELF, "UEMP2")
    with sessions() as session:
        session.get(ReviewCycle, cycle.id).state = "released"
    opened = dialog_card(teams.task_fetch(in_teams.li_lei, {"action": review_blocks.OPEN_SELF_REVIEW_ACTION,
                                                            "value": str(review.id)}))
    assert error_text(reviews.CLOSED, "zh-CN") in texts(opened)


# ---- 2. peer reviews: writing one, declining -----------------------------------------------------------


@pytest.fixture
def peers_asked(cycle, sessions, clock):
    """李雷 proposed Alan and Katherine as his peers; Ada confirmed them: both are asked for a peer review."""
    with sessions() as session:
        li_lei, ada = person(session, "UEMP2"), person(session, "UMGR1")
        chosen = [person(session, "UEMP1").id, person(session, "UEMP3").id]
        peers.propose(session, li_lei, cycle.id, chosen, now=clock.now())
        peers.confirm(session, ada, cycle.id, li_lei.id, chosen, now=clock.now())
    return cycle


def test_a_peer_writes_the_peer_review_from_the_request_card(teams, in_teams, peers_asked, ask, connector,
                                                             sessions):
    alan = in_teams.alan
    ask()
    request = card_with(connector, alan, peer_blocks.OPEN_PEER_REVIEW_ACTION)
    review = review_of(sessions, ReviewKind.PEER, "UEMP1", "UEMP2")
    opener = button(request, peer_blocks.OPEN_PEER_REVIEW_ACTION)
    decline = button(request, peer_blocks.DECLINE_PEER_REVIEW_ACTION)
    for pressed in (opener, decline):
        assert pressed["data"]["msteams"] == {"type": "task/fetch"} and pressed["data"]["value"] == str(review.id)

    fetched = teams.task_fetch(alan, opener["data"])
    assert fetched.json()["task"]["value"]["title"] == label("peer_review_title", "en")
    dialog = dialog_card(fetched)
    fields = inputs(dialog)
    assert "李雷" in texts(dialog)
    assert fields["rating:results"]["choices"] == scale("en")
    assert (fields["strengths"].get("isRequired"), fields["to_improve"].get("isRequired")) == (None, None)
    [submit] = dialog["actions"]
    assert submit["data"] == {"action": review_cards.SUBMIT_PEER_REVIEW, "review_id": review.id}

    ratings = {f"rating:{key}": "3" for key in CRITERIA}
    before = states(sessions)
    connector.reset()
    bad = dialog_card(teams.task_submit(alan, {**submit["data"], **ratings, "rating:ownership": "0",
                                               "strengths": "Ships billing pages fast", "to_improve": " "}))
    assert error_after(bad, "rating:ownership") == f"⚠️ {error_text('rating_invalid', 'en')}"
    assert error_after(bad, "to_improve") == f"⚠️ {error_text('summary_missing', 'en')}"
    assert inputs(bad)["strengths"]["value"] == "Ships billing pages fast"
    assert states(sessions) == before and connector.posted == []

    done = teams.task_submit(alan, {**submit["data"], **ratings, "strengths": "Ships billing pages fast",
                                    "to_improve": "Write the rollout notes earlier"})
    thanks = peer_blocks.peer_review_thanks(subject="李雷", declined=False, locale="en")["text"]
    assert done.json() == {"task": {"type": "message", "value": adaptive.plain_text(thanks)}}
    assert replies(connector, alan) == [adaptive.teams_markdown(thanks).strip()]
    stored = review_of(sessions, ReviewKind.PEER, "UEMP1", "UEMP2")
    assert (stored.state, stored.rating, stored.answers["to_improve"]) == (
        peers.SUBMITTED, 3, "Write the rollout notes earlier")
    # written: declining it now is refused, as on Slack
    refused = dialog_card(teams.task_fetch(alan, decline["data"]))
    assert error_text(peers.ALREADY_DONE, "en") in texts(refused)


def test_a_peer_declines_and_the_manager_hears_it_where_she_is_without_who(
        teams, in_teams, ada, peers_asked, ask, connector, sessions):
    katherine = in_teams.katherine  # no stored locale: Teams' zh-CN
    ask()
    decline = button(card_with(connector, katherine, peer_blocks.DECLINE_PEER_REVIEW_ACTION),
                     peer_blocks.DECLINE_PEER_REVIEW_ACTION)
    fetched = teams.task_fetch(katherine, decline["data"])
    assert fetched.json()["task"]["value"]["title"] == label("decline_title", "zh-CN")
    dialog = dialog_card(fetched)
    assert inputs(dialog)["reason"]["label"] == label("decline_reason", "zh-CN")
    [submit] = dialog["actions"]
    assert submit["title"] == label("decline_peer_review", "zh-CN")

    before = states(sessions)
    connector.reset()
    too_long = dialog_card(teams.task_submit(katherine, {**submit["data"], "reason": "x" * 3001}))
    assert error_after(too_long, "reason") == f"⚠️ {error_text('text_too_long', 'zh-CN')}"
    assert states(sessions) == before and connector.posted == []

    done = teams.task_submit(katherine, {**submit["data"], "reason": "Not enough overlap this half"})
    thanks = peer_blocks.peer_review_thanks(subject="李雷", declined=True, locale="zh-CN")["text"]
    assert done.json()["task"] == {"type": "message", "value": adaptive.plain_text(thanks)}
    assert replies(connector, katherine) == [adaptive.teams_markdown(thanks).strip()]
    [told] = replies(connector, ada)
    assert told.startswith(adaptive.teams_markdown(peer_blocks.peer_declined_to_manager(
        subject="李雷", value="x", locale="en")["text"]).strip())
    assert "Katherine" not in told
    stored = review_of(sessions, ReviewKind.PEER, "UEMP3", "UEMP2")
    assert (stored.state, stored.answers["decline_reason"]) == (peers.DECLINED, "Not enough overlap this half")


@pytest.mark.parametrize("action, submit", [
    (peer_blocks.OPEN_PEER_REVIEW_ACTION, review_cards.SUBMIT_PEER_REVIEW),
    (peer_blocks.DECLINE_PEER_REVIEW_ACTION, review_cards.SUBMIT_DECLINE_PEER_REVIEW),
])
def test_someone_elses_peer_review_is_refused_and_nothing_is_written(teams, in_teams, ada, peers_asked, ask,
                                                                     connector, sessions, action, submit):
    ask()
    review = review_of(sessions, ReviewKind.PEER, "UEMP1", "UEMP2")
    before = states(sessions)
    connector.reset()
    for user, locale in ((in_teams.li_lei, "zh-CN"), (ada, "en")):  # the subject, his manager
        opened = dialog_card(teams.task_fetch(user, {"action": action, "value": str(review.id)}))
        assert error_text("not_found", locale) in texts(opened) and inputs(opened) == {}
        data = {"action": submit, "review_id": review.id, "strengths": "s", "to_improve": "t", "reason": "r"}
        sent = dialog_card(teams.task_submit(user, data | {f"rating:{key}": "4" for key in CRITERIA}))
        assert error_text("not_found", locale) in texts(sent)
    assert states(sessions) == before and connector.posted == []


# ---- 3. acknowledging a released result --------------------------------------------------------------


@pytest.fixture
def released(cycle, sessions, clock):
    """Ada's review of 李雷 is written and the cycle released: his result is his to read and acknowledge."""
    review = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    with sessions() as session:
        reviews.submit_manager_review(session, person(session, "UMGR1"), review.id,
                                      ratings={key: "4" for key in CRITERIA}, comments={}, overall="4",
                                      strengths="Shipped billing", to_improve="Escalate sooner", now=clock.now())
        stored = session.get(ReviewCycle, cycle.id)
        stored.state, stored.released_at = "released", NOW
    return review


def test_the_released_result_is_acknowledged_in_a_dialog_and_the_manager_hears_it_where_she_is(
        teams, in_teams, ada, released, ask, connector, sessions, emulator):
    li_lei = in_teams.li_lei
    ask("review-results")
    result = card_with(connector, li_lei, review_blocks.ACKNOWLEDGE_ACTION)
    acknowledge = button(result, review_blocks.ACKNOWLEDGE_ACTION)
    assert acknowledge["data"] == {"msteams": {"type": "task/fetch"}, "action": review_blocks.ACKNOWLEDGE_ACTION,
                                   "value": str(released.id)}
    fetched = teams.task_fetch(li_lei, acknowledge["data"])
    assert fetched.json()["task"]["value"]["title"] == label("acknowledge_title", "zh-CN")
    dialog = dialog_card(fetched)
    assert inputs(dialog)["response"]["label"] == label("acknowledge_response", "zh-CN")
    [submit] = dialog["actions"]
    assert (submit["title"], submit["data"]) == (label("acknowledge", "zh-CN"),
                                                 {"action": review_cards.SUBMIT_ACKNOWLEDGE, "review_id": released.id})

    before = states(sessions)
    connector.reset()
    too_long = dialog_card(teams.task_submit(li_lei, {**submit["data"], "response": "很" * 3001}))
    assert error_after(too_long, "response") == f"⚠️ {error_text('text_too_long', 'zh-CN')}"
    assert states(sessions) == before and connector.posted == []

    done = teams.task_submit(li_lei, {**submit["data"], "response": "谢谢，下半年会更早升级问题"})
    own = review_blocks_ack(manager="Ada Lovelace", response="谢谢，下半年会更早升级问题", locale="zh-CN")
    assert done.json()["task"] == {"type": "message", "value": adaptive.plain_text(own)}
    assert replies(connector, li_lei) == [adaptive.teams_markdown(own).strip()]
    [told] = replies(connector, ada)
    assert "李雷" in told and "谢谢，下半年会更早升级问题" in told
    assert told == adaptive.teams_markdown(calibration_blocks.acknowledged_to_manager(
        subject="李雷", cycle="2026-H2", response="谢谢，下半年会更早升级问题", locale="en")["text"]).replace(
        "\n\n", "\n").strip()
    assert dms_to(emulator, "UMGR1") == []
    with sessions() as session:
        [reply] = session.exec(select(Review).where(Review.in_reply_to_id == released.id)).all()
        assert reply.text == "谢谢，下半年会更早升级问题"

    connector.reset()
    once = dialog_card(teams.task_fetch(li_lei, acknowledge["data"]))  # only once, as on Slack
    assert error_text(calibration.ALREADY_ACKNOWLEDGED, "zh-CN") in texts(once)
    twice = dialog_card(teams.task_submit(li_lei, {**submit["data"], "response": "again"}))
    assert error_text(calibration.ALREADY_ACKNOWLEDGED, "zh-CN") in texts(twice)
    assert connector.posted == []


def test_someone_elses_result_cannot_be_acknowledged(teams, in_teams, ada, released, connector, sessions):
    before = states(sessions)
    connector.reset()
    for user, locale in ((in_teams.alan, "en"), (ada, "en")):  # a colleague; the manager who wrote it
        opened = dialog_card(teams.task_fetch(user, {"action": review_blocks.ACKNOWLEDGE_ACTION,
                                                     "value": str(released.id)}))
        assert error_text("not_found", locale) in texts(opened) and inputs(opened) == {}
        sent = dialog_card(teams.task_submit(user, {"action": review_cards.SUBMIT_ACKNOWLEDGE,
                                                    "review_id": released.id}))
        assert error_text("not_found", locale) in texts(sent)
    assert states(sessions) == before and connector.posted == []


def review_blocks_ack(*, manager: str, response: str, locale: str) -> str:
    return calibration_blocks.acknowledged(manager=manager, response=response, locale=locale)["text"]


# ---- 4. the manager review ---------------------------------------------------------------------------


def test_the_manager_review_shows_the_evidence_on_top_and_needs_ratings_and_a_written_summary(
        teams, in_teams, ada, cycle, ask, connector, sessions, emulator):
    ask()
    requests = [card for posted in connector.sent_to(ada.personal_conversation_id) for card in posted.cards
                if "李雷" in str(card["body"]) and review_blocks.OPEN_MANAGER_REVIEW_ACTION in str(card)]
    review = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    opener = button(requests[-1], review_blocks.OPEN_MANAGER_REVIEW_ACTION)
    assert opener["data"]["msteams"] == {"type": "task/fetch"} and opener["data"]["value"] == str(review.id)
    assert dms_to(emulator, "UMGR1") == []

    fetched = teams.task_fetch(ada, opener["data"])
    assert fetched.json()["task"]["value"]["title"] == label("manager_review_title", "en")
    dialog = dialog_card(fetched)
    with sessions() as session:
        form = reviews.manager_review_form(session, person(session, "UMGR1"), review.id)
        evidence = review_blocks.evidence_text(form, locale="en", anonymous_peer=label("anonymous_peer", "en"))
    first_input = next(i for i, e in enumerate(dialog["body"]) if e.get("id"))
    assert dialog["body"][:first_input] == adaptive.text_blocks(evidence)  # the evidence on top, as on Slack
    assert "发布计费页面: 0%" in str(dialog["body"][:first_input])
    fields = inputs(dialog)
    assert fields["overall"]["choices"] == scale("en") and "isRequired" not in fields["overall"]
    [submit] = dialog["actions"]
    assert submit["data"] == {"action": review_cards.SUBMIT_MANAGER_REVIEW, "review_id": review.id}

    ratings = {f"rating:{key}": "4" for key in CRITERIA}
    before = states(sessions)
    connector.reset()
    bad = dialog_card(teams.task_submit(ada, {**submit["data"], **ratings, "rating:quality": "six", "overall": "4",
                                              "strengths": "Shipped billing", "to_improve": ""}))
    assert error_after(bad, "rating:quality") == f"⚠️ {error_text('rating_invalid', 'en')}"
    assert error_after(bad, "to_improve") == f"⚠️ {error_text('summary_missing', 'en')}"
    assert inputs(bad)["strengths"]["value"] == "Shipped billing" and inputs(bad)["overall"]["value"] == "4"
    assert dialog_card_texts_start(bad, evidence)
    assert states(sessions) == before and connector.posted == []

    done = teams.task_submit(ada, {**submit["data"], **ratings, "overall": "4", "strengths": "Shipped billing",
                                   "to_improve": "Escalate sooner"})
    with sessions() as session:
        shown = plans.rating_label(plans.plan_for(session, person(session, "UEMP2")), 4, "en")
    thanks = review_blocks.manager_review_thanks(subject="李雷", cycle="2026-H2", rating=f"4 · {shown}",
                                                 locale="en")["text"]
    assert done.json()["task"] == {"type": "message", "value": adaptive.plain_text(thanks)}
    assert replies(connector, ada) == [adaptive.teams_markdown(thanks).strip()]
    stored = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    assert (stored.state, stored.rating) == ("submitted", 4)
    assert replies(connector, in_teams.li_lei) == []  # nothing reaches him before the release


def dialog_card_texts_start(card: dict, evidence: str) -> bool:
    return card["body"][:len(adaptive.text_blocks(evidence))] == adaptive.text_blocks(evidence)


@pytest.mark.parametrize("who", ["alan", "li"])
def test_only_the_manager_asked_may_write_the_manager_review(teams, in_teams, ada, cycle, ask, connector, sessions,
                                                             who):
    ask()
    review = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    user, locale = {"alan": (in_teams.alan, "en"), "li": (in_teams.li_lei, "zh-CN")}[who]
    before = states(sessions)
    connector.reset()
    opened = dialog_card(teams.task_fetch(user, {"action": review_blocks.OPEN_MANAGER_REVIEW_ACTION,
                                                 "value": str(review.id)}))
    assert error_text("not_found", locale) in texts(opened) and inputs(opened) == {}
    data = {"action": review_cards.SUBMIT_MANAGER_REVIEW, "review_id": review.id, "overall": "4", "strengths": "s",
            "to_improve": "t"} | {f"rating:{key}": "4" for key in CRITERIA}
    assert error_text("not_found", locale) in texts(dialog_card(teams.task_submit(user, data)))
    assert states(sessions) == before and connector.posted == []
