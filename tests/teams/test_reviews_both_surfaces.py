"""Writing a review follows one set of rules whichever surface the writer acts from: one action each
(actions/reviews.py), so one test per behaviour, run from Slack's modal and from Teams' dialog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from bot.slack_client import make_web_client
from prompts import adaptive, review_blocks, review_cards
from prompts.goal_blocks import error_text
from scheduler import JobContext
from scheduler.registry import find_job
from storage import cycles, notices
from storage.models import Delivery, Review, ReviewKind
from tests.builders import approved_goal, person
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_helpers import last_dm_text, opened_view
from tests.teams.helpers import dialog_card, replies

SURFACES = ("slack", "teams")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CRITERIA = ("results", "quality", "collaboration", "ownership")
RATED = {f"rating:{key}": "4" for key in CRITERIA}


@pytest.fixture
def slack(teams_server, emulator, teams_people):
    """Slack on the same server as Teams; the org's people are in the Slack workspace too."""
    for slack_id, name, email, locale in (("UMGR1", "Ada Lovelace", "ada@example.com", "en-GB"),
                                          ("UEMP1", "Alan Turing", "alan@example.com", "en-GB"),
                                          ("UEMP2", "李雷", "li.lei@example.com", "zh-CN")):
        emulator.add_user(slack_id, name=name, email=email, tz="Europe/London", locale=locale)
    return SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)


@pytest.fixture
def ada(teams, connector):
    user = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    teams.install(user)
    return user


@pytest.fixture
def asked(teams, teams_people, ada, sessions, emulator, teams_server, waits, clock):
    """A cycle open for Platform, and the review requests sent as the scheduler does."""
    for user in (teams_people.li_lei, teams_people.alan):
        teams.install(user)
    approved_goal(sessions, "UEMP2", now=clock.now(), title="发布计费页面", target="4")
    with sessions() as session:
        cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                          self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16", team="Platform",
                          now=clock.now())
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    find_job("review-reminders").run(JobContext(sessions=sessions, client=client, now=NOW, forced=True,
                                                teams=teams_server.api.state.teams_sender))
    return teams_people


def review_of(sessions, kind: str, author: str, subject: str | None = None) -> Review:
    with sessions() as session:
        author_id = person(session, author).id
        subject_id = person(session, subject).id if subject else author_id
        return session.exec(select(Review).where(Review.kind == kind, Review.author_id == author_id,
                                                 Review.subject_id == subject_id)).one()


def states(sessions) -> dict[int, tuple[str, object]]:
    with sessions() as session:
        return {r.id: (r.state, r.answers) for r in session.exec(select(Review))}


@pytest.fixture
def submit(slack, teams, asked, ada, emulator):
    """Submit a review form from Slack's modal or Teams' dialog; return the field errors shown (or {})."""
    users = {"UMGR1": ada, "UEMP1": asked.alan, "UEMP2": asked.li_lei}

    def submit_from(surface: str, slack_id: str, kind: str, review: Review, values: dict, *,
                    opened_by: str | None = None) -> dict[str, str]:
        opener, submitter = (review_blocks.OPEN_SELF_REVIEW_ACTION, review_cards.SUBMIT_SELF_REVIEW) \
            if kind == ReviewKind.SELF else \
            (review_blocks.OPEN_MANAGER_REVIEW_ACTION, review_cards.SUBMIT_MANAGER_REVIEW)
        if surface == "slack":
            slack.block_action(opened_by or slack_id, opener, str(review.id))
            response = slack.view_submission(slack_id, opened_view(emulator), values)
            body = response.json() if response.body else {}
            return body.get("errors", {}) if body.get("response_action") == "errors" else {}
        response = teams.task_submit(users[slack_id], {"action": submitter, "review_id": review.id, **values})
        if response.json()["task"]["type"] == "message":
            return {}
        card = dialog_card(response)
        shown = {}
        for index, element in enumerate(card["body"]):
            following = card["body"][index + 1] if index + 1 < len(card["body"]) else {}
            if element.get("id") and str(following.get("text", "")).startswith("⚠️ "):
                shown[element["id"]] = following["text"].removeprefix("⚠️ ")
        if not shown:
            shown["review"] = " ".join(str(e.get("text", "")) for e in card["body"])
        return shown

    return submit_from


@pytest.mark.parametrize("surface", SURFACES)
def test_a_self_review_missing_a_rating_is_refused_then_recorded_and_its_thanks_reaches_the_writer_once(
        surface, submit, asked, connector, emulator, sessions):
    review = review_of(sessions, ReviewKind.SELF, "UEMP2")
    before = states(sessions)
    errors = submit(surface, "UEMP2", ReviewKind.SELF, review, {**RATED, "rating:quality": None})
    assert errors == {"rating:quality": error_text("rating_missing", "zh-CN")}
    assert states(sessions) == before

    connector.reset()
    assert submit(surface, "UEMP2", ReviewKind.SELF, review, {**RATED, "comment:results": "计费页面已上线 3 页"}) == {}
    stored = review_of(sessions, ReviewKind.SELF, "UEMP2")
    assert stored.state == "submitted"
    assert stored.answers["criteria"]["results"] == {"rating": 4, "comment": "计费页面已上线 3 页"}
    thanks = review_blocks.self_review_thanks(cycle="2026-H2", locale="zh-CN")["text"]
    in_teams = replies(connector, asked.li_lei)
    if surface == "slack":
        assert last_dm_text(emulator, "UEMP2") == thanks and in_teams == []
    else:
        assert in_teams == [adaptive.teams_markdown(thanks).strip()]
    with sessions() as session:
        [delivery] = session.exec(select(Delivery).where(Delivery.job == notices.JOB,
                                                         Delivery.person_id == stored.author_id)).all()
    assert delivery.status == "sent"


@pytest.mark.parametrize("surface", SURFACES)
def test_only_the_manager_asked_may_submit_the_manager_review_and_nothing_is_written(
        surface, submit, asked, connector, sessions):
    review = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    before = states(sessions)
    connector.reset()
    values = {**RATED, "overall": "4", "strengths": "Shipped billing", "to_improve": "Escalate sooner"}
    errors = submit(surface, "UEMP1", ReviewKind.MANAGER, review, values, opened_by="UMGR1")
    assert list(errors.values()) and error_text("not_found", "en") in next(iter(errors.values()))
    assert states(sessions) == before and connector.posted == []


@pytest.mark.parametrize("surface", SURFACES)
def test_the_manager_review_needs_a_written_summary_then_thanks_the_manager_with_the_rating(
        surface, submit, asked, ada, connector, emulator, sessions):
    review = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    before = states(sessions)
    values = {**RATED, "overall": "4", "strengths": "Shipped billing"}
    assert submit(surface, "UMGR1", ReviewKind.MANAGER, review, values) == {
        "to_improve": error_text("summary_missing", "en")}
    assert states(sessions) == before

    connector.reset()
    assert submit(surface, "UMGR1", ReviewKind.MANAGER, review, {**values, "to_improve": "Escalate sooner"}) == {}
    stored = review_of(sessions, ReviewKind.MANAGER, "UMGR1", "UEMP2")
    assert (stored.state, stored.rating) == ("submitted", 4)
    said = last_dm_text(emulator, "UMGR1") if surface == "slack" else replies(connector, ada)[-1]
    assert "李雷" in said and "2026-H2" in said
    assert replies(connector, asked.li_lei) == []  # nothing reaches him before the release
