"""Fair reviews in storage: peers' comments reach the reviewed person only once the cycle's threshold of peers
answered (the manager chain and HR read them whatever the count), the threshold is checked where a cycle is opened
(also by the CLI), and calibration sets each manager's ratings beside the organisation's, marking those far from it.
Both surfaces' end-to-end checks are in tests/teams/test_fair_reviews_teams.py."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from prompts import calibration_blocks, cycle_blocks
from storage import calibration, cycles, peers, reviews
from storage.cycles import CycleError
from storage.models import Person, Review, ReviewCycle
from tests.builders import SMALL_ORG, load_org
from tests.cli_helpers import run_cli
from tests.slack_helpers import visible_text

DATES = {"period_start": "2026-07-01", "period_end": "2026-12-31", "self_due": "2026-12-04",
         "peer_due": "2026-12-11", "manager_due": "2026-12-18"}
CRITERIA = ("results", "quality", "collaboration", "ownership")
# Three more managers beside Ada (Platform): two rate like most of the organisation, one has too few reports to
# be compared. Ada is the lenient one in the calibration tests.
MORE_MANAGERS = [
    ["UMGR2", "Barbara Liskov", "barbara@example.com", "", "Data", "manager", "UTC", "en-GB"],
    ["UMGR3", "Edsger Dijkstra", "edsger@example.com", "", "Infra", "manager", "UTC", "en-GB"],
    ["UMGR4", "Donald Knuth", "don@example.com", "", "Books", "manager", "UTC", "en-US"],
    *[[f"UD{n}", f"Data {n}", "", "UMGR2", "Data", "employee", "UTC", "en-GB"] for n in (1, 2, 3)],
    *[[f"UI{n}", f"Infra {n}", "", "UMGR3", "Infra", "employee", "UTC", "en-GB"] for n in (1, 2, 3)],
    *[[f"UB{n}", f"Books {n}", "", "UMGR4", "Books", "employee", "UTC", "en-GB"] for n in (1, 2)],
]


@pytest.fixture
def people(sessions, session: Session, clock) -> dict[str, Person]:
    load_org(sessions, now=clock.now(), rows=SMALL_ORG + MORE_MANAGERS)
    return {person.slack_id: person for person in session.exec(select(Person))}


def open_cycle(session, clock, **overrides) -> ReviewCycle:
    return cycles.open_cycle(session, **({"name": "2026 H2", "team": "Platform", "now": clock.now(), **DATES}
                                         | overrides))


def peer_review(session, cycle, peer: Person, subject: Person) -> Review:
    return session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == "peer",
                                             Review.author_id == peer.id, Review.subject_id == subject.id)).one()


def alan_reviewed_by(session, people, cycle, clock, *, answered: int) -> Person:
    """Ada confirms three peers for Alan; the first `answered` of them write; the cycle is released."""
    alan = people["UEMP1"]
    asked = [people[slack_id] for slack_id in ("UEMP2", "UEMP3", "UHR1")]
    peers.confirm(session, people["UMGR1"], cycle.id, alan.id, [p.id for p in asked], now=clock.now())
    for number, peer in enumerate(asked[:answered], start=1):
        peers.submit_peer_review(session, peer, peer_review(session, cycle, peer, alan).id,
                                 ratings=dict.fromkeys(CRITERIA, "4"), comments={},
                                 strengths=f"Peer words #{number}", to_improve="Share plans earlier", now=clock.now())
    cycle.state = "released"
    session.flush()
    return alan


# --- the peer threshold ---------------------------------------------------------------------------------------


def test_it_withholds_peer_comments_from_the_person_with_two_of_three_answers_but_not_from_the_manager(
        session, people, clock):
    cycle = open_cycle(session, clock)
    alan = alan_reviewed_by(session, people, cycle, clock, answered=2)

    assert cycle.peer_threshold == cycles.PEER_THRESHOLD_DEFAULT == 3
    own = peers.comments_for(session, alan, alan, cycle)
    assert (own.feedback, own.withheld) == ([], True)  # nothing, not even how many wrote
    assert peers.feedback_for(session, alan, alan, cycle) == []
    for viewer in ("UMGR1", "UHR1"):
        seen = peers.comments_for(session, people[viewer], alan, cycle)
        assert [f.strengths for f in seen.feedback] == ["Peer words #1", "Peer words #2"] and seen.withheld


def test_it_shows_peer_comments_to_the_person_once_three_answered(session, people, clock):
    cycle = open_cycle(session, clock)
    alan = alan_reviewed_by(session, people, cycle, clock, answered=3)

    own = peers.comments_for(session, alan, alan, cycle)
    assert [f.strengths for f in own.feedback] == ["Peer words #1", "Peer words #2", "Peer words #3"]
    assert own.withheld is False and {f.author for f in own.feedback} == {None}


def test_a_cycle_opened_with_a_threshold_of_two_shows_the_comments_at_two(session, people, clock):
    cycle = open_cycle(session, clock, peer_threshold="2")
    alan = alan_reviewed_by(session, people, cycle, clock, answered=2)

    assert cycle.peer_threshold == 2
    assert [f.strengths for f in peers.feedback_for(session, alan, alan, cycle)] == ["Peer words #1",
                                                                                     "Peer words #2"]


def test_the_released_result_says_the_comments_are_withheld_without_a_count(session, people, clock):
    cycle = open_cycle(session, clock)
    alan = alan_reviewed_by(session, people, cycle, clock, answered=2)
    cycle.state = "open"
    for slack_id in ("UEMP1", "UEMP2", "UEMP3"):
        review = session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == "manager",
                                                   Review.subject_id == people[slack_id].id)).one()
        reviews.submit_manager_review(session, people["UMGR1"], review.id, ratings=dict.fromkeys(CRITERIA, "4"),
                                      comments={}, overall="4", strengths="Steady", to_improve="Write more",
                                      now=clock.now())
    cycles.release(session, cycle.name, now=clock.now())
    mine = session.exec(select(Review).where(Review.kind == "manager", Review.subject_id == alan.id)).one()

    result = calibration.result_for(session, alan, mine.id)
    assert (result.peer_feedback, result.peers_withheld) == ([], True)
    assert [f.strengths for f in calibration.result_for(session, people["UMGR1"], mine.id).peer_feedback] == [
        "Peer words #1", "Peer words #2"]


def test_nobody_is_told_of_withheld_comments_when_no_peer_was_asked(session, people, clock):
    cycle = open_cycle(session, clock)
    cycle.state = "released"
    session.flush()

    assert peers.comments_for(session, people["UEMP1"], people["UEMP1"], cycle) == peers.PeerComments([], False)


@pytest.mark.parametrize("given", [0, 11, "0", "11", "two", "2.5", "-1", " ", "٣", True])
def test_it_refuses_a_peer_threshold_outside_one_to_ten_and_writes_nothing(session, people, clock, given):
    if given == " ":  # blank reads as "not given": the default
        assert open_cycle(session, clock, peer_threshold=given).peer_threshold == 3
        return
    with pytest.raises(CycleError) as refused:
        open_cycle(session, clock, peer_threshold=given)

    assert refused.value.code == cycles.INVALID_PEER_THRESHOLD and "1 to 10" in str(refused.value)
    assert session.exec(select(ReviewCycle)).all() == []


@pytest.mark.parametrize(("given", "kept"), [(1, 1), (" 10 ", 10), (None, 3), ("", 3)])
def test_it_keeps_a_peer_threshold_from_one_to_ten(session, people, clock, given, kept):
    assert open_cycle(session, clock, peer_threshold=given).peer_threshold == kept


def test_the_open_cycle_form_prefills_the_default_threshold():
    modal = cycle_blocks.open_cycle_modal(["Platform"], locale="zh-CN")
    [field] = [b for b in modal["blocks"] if b["block_id"] == cycle_blocks.PEER_THRESHOLD_FIELD]
    assert field["element"]["initial_value"] == str(cycles.PEER_THRESHOLD_DEFAULT)
    assert field["label"]["text"] == "至少几位同事作答后，本人才能看到同事评语"


def test_the_cli_opens_a_cycle_with_a_peer_threshold_and_refuses_a_bad_one(database_url, sessions, clock):
    load_org(sessions, now=clock.now())
    env = {"DATABASE_URL": database_url}
    dates = ("--from", "2026-07-01", "--to", "2026-12-31", "--self-due", "2026-12-04", "--peer-due", "2026-12-09",
             "--manager-due", "2026-12-16")

    status, _, err = run_cli("cycles", "open", "Q4", *dates, "--peer-threshold", "11", env=env)
    assert status == 1 and err.strip().endswith("--peer-threshold must be a whole number from 1 to 10, not '11'")
    status, _, err = run_cli("cycles", "open", "2026-H2", *dates, "--peer-threshold", "2", env=env)
    assert status == 0, err
    with sessions() as session:
        assert [(c.name, c.peer_threshold) for c in session.exec(select(ReviewCycle))] == [("2026-H2", 2)]


# --- the ratings per manager in calibration -----------------------------------------------------------------------


RATINGS = {  # manager -> their reports' ratings
    "UMGR1": {"UEMP1": 5, "UEMP2": 5, "UEMP3": 5},  # lenient: every report at the top
    "UMGR2": {"UD1": 4, "UD2": 3, "UD3": 3},
    "UMGR3": {"UI1": 3, "UI2": 4, "UI3": 3},
    "UMGR4": {"UB1": 3, "UB2": 3},  # two rated reports: counted in the organisation, not compared
}


def test_calibration_sets_each_manager_beside_the_organisation_and_marks_the_lenient_one(session, people, clock):
    cycle = rated_cycle(session, people, clock)

    found = calibration.calibration(session, people["UHR1"], cycle.id)

    organisation = found.organisation
    assert organisation.rated == 11 and organisation.counts == {1: 0, 2: 0, 3: 6, 4: 2, 5: 3}
    assert organisation.mean == pytest.approx(41 / 11)
    shown = [(m.manager.name, m.spread.rated, round(m.spread.mean, 2), round(m.gap, 2), m.far)
             for m in found.managers]
    assert shown == [("Ada Lovelace", 3, 5.0, 1.27, True),  # far ones first
                     ("Barbara Liskov", 3, 3.33, -0.39, False), ("Edsger Dijkstra", 3, 3.33, -0.39, False)]
    assert found.managers[0].spread.share(5) == 1.0 and found.managers[1].spread.share(4) == pytest.approx(1 / 3)


def write_ratings(session, people, cycle, clock, ratings: dict[str, dict[str, int]]) -> None:
    for manager, theirs in ratings.items():
        for slack_id, rating in theirs.items():
            review = session.exec(select(Review).where(Review.cycle_id == cycle.id, Review.kind == "manager",
                                                       Review.subject_id == people[slack_id].id)).one()
            reviews.submit_manager_review(session, people[manager], review.id,
                                          ratings=dict.fromkeys(CRITERIA, str(rating)), comments={},
                                          overall=str(rating), strengths="Steady", to_improve="Write more",
                                          now=clock.now())


def rated_cycle(session, people, clock) -> ReviewCycle:
    cycle = open_cycle(session, clock, team=None)
    write_ratings(session, people, cycle, clock, RATINGS)
    return cycle


def test_a_manager_exactly_the_gap_below_the_organisation_is_marked(session, people, clock):
    cycle = open_cycle(session, clock, team=None)
    # 8 ratings summing to 30: the organisation's mean is 3.75, Barbara's 3.00 (exactly 0.75 below), Ada's 4.33.
    write_ratings(session, people, cycle, clock, {"UMGR1": {"UEMP1": 5, "UEMP2": 4, "UEMP3": 4},
                                                  "UMGR2": {"UD1": 3, "UD2": 3, "UD3": 3},
                                                  "UMGR4": {"UB1": 4, "UB2": 4}})  # Edsger has written none yet

    found = calibration.calibration(session, people["UHR1"], cycle.id)

    assert found.organisation.mean == 3.75 and found.missing == 3
    assert [(m.manager.name, m.gap, m.far) for m in found.managers] == [
        ("Barbara Liskov", -0.75, True), ("Ada Lovelace", pytest.approx(0.5833, abs=1e-4), False)]


def test_the_calibration_message_marks_the_lenient_manager_in_both_languages(session, people, clock):
    cycle = rated_cycle(session, people, clock)
    found = calibration.calibration(session, people["UHR1"], cycle.id)

    for locale, far_words in (("en", "far above the organisation"), ("zh-CN", "明显高于全组织")):
        text = visible_text(calibration_blocks.calibration_messages(found, locale=locale)[0])
        lines = {name: next(line for line in text.splitlines() if f"*{name}*" in line)
                 for name in ("Ada Lovelace", "Barbara Liskov", "Edsger Dijkstra")}
        assert lines["Ada Lovelace"].startswith("⚠️") and far_words in lines["Ada Lovelace"]
        assert not any("⚠️" in lines[name] for name in ("Barbara Liskov", "Edsger Dijkstra"))
        assert "Donald Knuth" not in text
    assert "5: 100% (org 27%)" in visible_text(calibration_blocks.calibration_messages(found, locale="en")[0])
    assert "0.75 points or more above or below" in visible_text(
        calibration_blocks.calibration_messages(found, locale="en")[0])
