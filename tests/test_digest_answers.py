"""The HR digest shows whether managers answer: check-ins reviewed, time to answer a blocker, blockers left waiting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack_client import make_web_client
from prompts import digest_blocks
from scheduler import JobConfig, JobContext, digest
from storage import analytics, attention, checkins, coaching
from storage.models import Person
from tests.builders import SMALL_ORG, load_org, person
from tests.conftest import BOT_TOKEN
from tests.queries import counting_queries
from tests.slack_helpers import dms_to, visible_text

HR = "UHR1"
WEEK = "2026-W48"
MONDAY_10AM_NEW_YORK = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # HR's digest of 2026-W48
# SMALL_ORG (Platform, managed by Ada; Grace alone in People) and a Data team of three whose manager reports to Ada.
ORG = [
    *SMALL_ORG,
    ["UDAT1", "Bob Noyce", "bob@example.com", "UMGR1", "Data", "manager", "Europe/London", "en-GB"],
    ["UDAT2", "Carol Shaw", "carol@example.com", "UDAT1", "Data", "employee", "Europe/London", "en-GB"],
    ["UDAT3", "Dennis Ritchie", "dmr@example.com", "UDAT1", "Data", "employee", "America/New_York", "en-US"],
]


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def check_in(session, slack_id: str, when: datetime, *, blocker: str | None = None):
    result = checkins.record(session, person(session, slack_id), checkins.CheckinInput(
        week=None, confidence="3", blockers=blocker), now=when, default_zone="UTC")
    return result.checkin


def alert(session, slack_id: str, when: datetime, *, answered: datetime | None = None):
    """File a check-in with a blocker at `when`, alert the person's manager, and have them answer at `answered`."""
    checkin = check_in(session, slack_id, when, blocker="私密内容: waiting on legal")
    subject = person(session, slack_id)
    attention.open_for(session, checkin=checkin, manager=session.get(Person, subject.manager_id), now=when)
    if answered is not None:
        attention.answer(session, checkin_id=checkin.id, now=answered)
    return checkin


def feedback(session, manager: str, subject: str, *, week: str, when: datetime) -> None:
    coaching.record_feedback(session, person(session, manager), person(session, subject).id,
                             coaching.FeedbackInput(went_well="Good week", assessment="on_track"),
                             week=week, now=when, default_zone="UTC")


@pytest.fixture
def org(sessions):
    """Known answers and waits; the figures each test expects are worked out beside them.

    Answered within the 4 weeks before the digest: Platform 2 h, 5 h, 30 h (median 5 h); Data 1 h, 4 h (two: hidden);
    the organisation 1, 2, 4, 5, 30 (median 4 h). Platform's 100 h answer in October is older than 4 weeks.
    Waiting at the digest: Carol 14 days, 李雷 5 days (seen), Dennis 3 days, Katherine 1 day.
    Reviewed: Ada gave feedback on Alan's and 李雷's 2026-W48 (2 of Platform's 4 check-ins), on Katherine's W47 only.
    """
    load_org(sessions, now=at(10, 1), rows=ORG)
    with sessions() as session:
        alert(session, "UEMP1", at(10, 21), answered=at(10, 25, 16))  # 100 h, before the window
        old = alert(session, "UEMP1", at(11, 11), answered=at(11, 11, 14))  # 2 h, then resolved: still counts
        attention.resolve(session, checkin_id=old.id, person=person(session, "UEMP1"), now=at(11, 12))
        alert(session, "UEMP1", at(11, 18), answered=at(11, 18, 17))  # 5 h
        alert(session, "UEMP3", at(11, 18), answered=at(11, 19, 18))  # 30 h
        alert(session, "UDAT2", at(11, 11), answered=at(11, 11, 13))  # 1 h
        alert(session, "UDAT3", at(11, 18), answered=at(11, 18, 16))  # 4 h
        alert(session, "UDAT2", at(11, 16))  # waiting since Monday of W47
        check_in(session, "UMGR1", at(11, 25))
        check_in(session, "UEMP1", at(11, 25))
        seen = alert(session, "UEMP2", at(11, 25))
        attention.see(session, checkin_id=seen.id, viewer=person(session, "UMGR1"), now=at(11, 26))
        alert(session, "UEMP3", at(11, 29))
        resolved = alert(session, "UDAT1", at(11, 25))  # resolved by Bob himself, never answered: in no figure
        attention.resolve(session, checkin_id=resolved.id, person=person(session, "UDAT1"), now=at(11, 26))
        check_in(session, "UDAT2", at(11, 25))
        alert(session, "UDAT3", at(11, 27))
        feedback(session, "UMGR1", "UEMP1", week=WEEK, when=at(11, 30, 9))
        feedback(session, "UMGR1", "UEMP2", week=WEEK, when=at(11, 30, 9))
        feedback(session, "UMGR1", "UEMP3", week="2026-W47", when=at(11, 23, 9))


@pytest.fixture
def run_digest(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    for slack_id, name, email, _manager, _team, _role, tz, locale in ORG:
        emulator.add_user(slack_id, name=name, real_name=name, email=email, tz=tz, locale=locale or "en-US")

    def run(*, hr_channel: str | None = None):
        config = JobConfig(hr_channel=hr_channel)
        return digest.run(JobContext(sessions=sessions, client=client, now=MONDAY_10AM_NEW_YORK, config=config))

    return run


def figures(session) -> tuple[analytics.Digest, dict[str, analytics.GroupFigures]]:
    result = analytics.digest(session, week=WEEK, now=MONDAY_10AM_NEW_YORK)
    return result, {team.name: team for team in result.teams}


def test_it_gives_each_team_its_reviewed_share_median_answer_time_and_waiting_blockers(org, session):
    result, teams = figures(session)
    platform, data, organisation = teams["Platform"], teams["Data"], result.organisation
    assert (platform.checked_in, platform.reviewed, platform.reviewed_share) == (4, 2, 0.5)
    assert (platform.answered, platform.answer_hours) == (3, pytest.approx(5.0))
    assert (platform.waiting, platform.waiting_days) == (2, 5)
    assert (data.checked_in, data.reviewed, data.reviewed_share) == (3, 0, 0.0)
    assert (data.waiting, data.waiting_days) == (2, 14)
    assert (organisation.checked_in, organisation.reviewed, organisation.reviewed_share) == (7, 2, pytest.approx(2 / 7))
    assert (organisation.answered, organisation.answer_hours) == (5, pytest.approx(4.0))
    assert (organisation.waiting, organisation.waiting_days) == (4, 14)


def test_it_lists_the_three_blockers_waiting_longest_across_the_organisation(org, session):
    result, _teams = figures(session)
    assert result.longest_waiting == [
        analytics.WaitingBlocker(team="Data", days=14, manager="Bob Noyce", person="Carol Shaw"),
        analytics.WaitingBlocker(team="Platform", days=5, manager="Ada Lovelace", person="李雷"),
        analytics.WaitingBlocker(team="Data", days=3, manager="Bob Noyce", person="Dennis Ritchie"),
    ]


def test_it_hides_a_median_over_fewer_than_three_answers_and_a_share_over_fewer_than_three_check_ins(org, session):
    _result, teams = figures(session)
    assert (teams["Data"].answered, teams["Data"].answer_hours) == (2, None)
    assert (teams["People"].checked_in, teams["People"].reviewed_share, teams["People"].answer_hours) == (0, None, None)
    data = digest_blocks.group_text(teams["Data"], locale="en", with_names=True)
    assert "median time to answer a blocker: — (fewer than 3 answered in 4 weeks)" in data
    assert "Manager feedback on 0% of check-ins (0 of 3)" in data
    people = digest_blocks.group_text(teams["People"], locale="en", with_names=True)
    assert "Manager feedback on — of check-ins (fewer than 3 checked in)" in people


def test_hr_reads_the_answer_figures_and_who_waits_on_whom_in_their_digest(org, run_digest, emulator):
    run_digest()
    [message] = [m for m in dms_to(emulator, HR) if "digest" in m.get("text", "")]
    text = visible_text(message)
    assert ("Blockers waiting longest for the manager's answer:* Data, 14 days (Bob Noyce → Carol Shaw); "
            "Platform, 5 days (Ada Lovelace → 李雷); Data, 3 days (Bob Noyce → Dennis Ritchie)") in text
    platform = text[text.index("*Platform* · 4 people"):]
    assert "Manager feedback on 50% of check-ins (2 of 4)" in platform
    assert "median time to answer a blocker: 5 hours (clock time, nights and weekends included" in platform
    assert "2 blockers waiting for an answer, the oldest for 5 days" in platform
    assert "私密内容" not in text  # never the words of anyone's check-in


def test_the_hr_channel_post_has_the_answer_figures_but_no_names(org, run_digest, emulator):
    run_digest(hr_channel="CHRCHANNEL")
    [post] = [m for m in emulator.messages if m["channel"] == "CHRCHANNEL"]
    text = visible_text(post)
    assert "Data, 14 days; Platform, 5 days; Data, 3 days" in text
    assert "Manager feedback on 50% of check-ins" in text and "median time to answer a blocker: 4 hours" in text
    assert not [name for _slack_id, name, *_rest in ORG if name in text]


def test_the_digest_reads_in_chinese_for_a_chinese_reader(org, session):
    result, _teams = figures(session)
    text = digest_blocks.digest_message(result, locale="zh-CN", with_names=False)["text"]
    assert "阻碍回复用时中位数 4 小时" in text and "经理反馈率 50%（4 份周进展中已反馈 2 份）" in text
    assert "等待经理回复最久的阻碍：*Data，已等 14 天；Platform，已等 5 天；Data，已等 3 天" in text


def test_it_reads_blocker_alerts_in_four_queries_whatever_the_number_of_teams(org, session, engine):
    with counting_queries(engine) as statements:
        analytics.digest(session, week=WEEK, now=MONDAY_10AM_NEW_YORK)
    # The answers of the last weeks and the waiting alerts grouped by team, and the oldest of each waiting state.
    assert len([statement for statement in statements if "attention" in statement.lower()]) == 4
