"""The Monday agenda in three lines, from Slack and from Teams: a manager with five reports gets who needs attention
and why, each line citing the check-ins it read (a made-up citation dropped); the model is sent this week's
check-ins of her own reports and nothing else; a model that times out, is switched off or absent leaves quotes of
the reports' own words; a run stops asking a model that keeps failing; every call is in the call log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from actions import agenda_summary
from actions.assistant import AGENDA_SUMMARY, Assistant
from bot.ai_client import OpenAIChat
from bot.slack_client import make_web_client
from prompts import assistant_blocks
from prompts.render import label
from scheduler import JobConfig, JobContext, nudges
from storage import assistant_switches, coaching, org
from storage.models import AiCall, CheckIn, Review
from tests.builders import ORG_HEADER, SMALL_ORG, org_csv, person
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to
from tests.teams import conftest as teams_fixtures
from tests.test_assistant_fakes import ModelServer, answer

pytestmark = pytest.mark.filterwarnings(teams_fixtures.SDK_INTERNAL_WARNING)
# Teams' fixtures (tests/teams/conftest.py), for the tests run from both surfaces.
connector = teams_fixtures.connector
settings = teams_fixtures.settings
teams = teams_fixtures.teams
teams_keys = teams_fixtures.teams_keys
teams_overrides = teams_fixtures.teams_overrides
teams_people = teams_fixtures.teams_people
teams_server = teams_fixtures.teams_server

SURFACES = ("slack", "teams")
WEEK = "2026-W48"
MONDAY_9AM_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FILED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PRIVATE_NOTE = "Private: Alan seems stretched, watch his workload"
PEER_WORDS = "Peer view: Alan hoards the deploy keys"
PEER = ["UPEER1", "Hedy Lamarr", "hedy@example.com", "", "Data", "employee", "Europe/Vienna", "en-GB"]
MORE_REPORTS = [
    ["UEMP4", "Dorothy Vaughan", "dorothy@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
    ["UEMP5", "Mary Jackson", "mary@example.com", "UMGR1", "Platform", "employee", "Europe/London", "en-GB"],
]
# The model reads pseudonyms in the agenda's order of the reports who checked in (Alan Turing, Dorothy Vaughan,
# Katherine Johnson, 李雷: Report 1 to 4) and answers with them; the manager reads the names.
LI_SAID = "Report 4 is blocked on legal sign-off and asks for a faster answer [check-in Report 4 2026-W48]."
LI_LINE = "李雷 is blocked on legal sign-off and asks for a faster answer [check-in 李雷 2026-W48]."
KJ_SAID = "Report 3 is waiting for staging access [check-in Report 3 2026-W48]."
KJ_LINE = "Katherine Johnson is waiting for staging access [check-in Katherine Johnson 2026-W48]."
MADE_UP = "Report 5 is burning out [check-in Report 5 2026-W48]."  # Mary Jackson did not check in: nothing sent
REPORT_NAMES = ("Alan Turing", "Dorothy Vaughan", "Katherine Johnson", "李雷")


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def week(teams_people, sessions, clock) -> dict[str, int]:
    """Ada's five reports (Mary has not checked in), a private note and a peer's review of Alan: the check-in ids."""
    li_lei = teams_fixtures.LI_LEI_TEAMS_ID
    rows = [[*row, li_lei if row[0] == "UEMP2" else ""] for row in [*SMALL_ORG, *MORE_REPORTS, PEER]]
    with sessions() as session:
        org.import_org_csv(session, org_csv(rows, header=[*ORG_HEADER, "teams_id"]), now=clock.now())
    written = {"UEMP1": (4, "Shipped the pilot dashboard", None, None),
               "UEMP2": (2, "计费页面上线了 3 页", "法务审批卡住了", "需要法务尽快回复"),
               "UEMP3": (3, "Wrote the runbook", "Waiting on staging access", None),
               "UEMP4": (5, "Closed 12 tickets", None, None)}
    ids = {}
    with sessions() as session:
        for slack_id, (confidence, highlights, blockers, help_needed) in written.items():
            checkin = CheckIn(person_id=person(session, slack_id).id, week=WEEK, submitted_at=FILED, updated_at=FILED,
                              confidence=confidence, highlights=highlights, blockers=blockers,
                              help_needed=help_needed)
            session.add(checkin)
            session.flush()
            ids[slack_id] = checkin.id
        alan, ada, hedy = person(session, "UEMP1"), person(session, "UMGR1"), person(session, "UPEER1")
        session.add(Review(kind="weekly_feedback", author_id=ada.id, subject_id=alan.id, period="2026-W47",
                           private_notes=PRIVATE_NOTE, answers={"went_well": "Clear demo"}, submitted_at=FILED,
                           created_at=FILED))
        session.add(Review(kind="peer", author_id=hedy.id, subject_id=alan.id, state="submitted",
                           answers={"strengths": PEER_WORDS}, submitted_at=FILED, created_at=FILED))
    clock.set(MONDAY_9AM_LONDON)
    return ids


@pytest.fixture
def ada(teams, connector, emulator):
    """Ada, the manager, acting from one surface: in the Slack workspace, or with the Teams app installed."""
    user = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")

    def on(surface: str):
        if surface == "slack":
            emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London",
                              locale="en-GB")
        else:
            teams.install(user)
            teams.message(user, "help")  # linked to the org's record
        return user

    return on


def a_model(model: ModelServer, **assistant) -> Assistant:
    return Assistant(model=OpenAIChat(base_url=model.url, model="qwen2.5-7b-instruct", api_key=None, timeout=0.5,
                                      max_retries=0), **assistant)


def run_nudges(sessions, emulator, waits, teams_server, assistant: Assistant | None) -> None:
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    nudges.run(JobContext(sessions=sessions, client=client, now=MONDAY_9AM_LONDON,
                          config=JobConfig(assistant=assistant), teams=teams_server.api.state.teams_sender))


def agenda_text(surface: str, emulator, connector, user) -> str:
    """The agenda Ada received, as the words she reads."""
    if surface == "slack":
        [agenda] = [m for m in dms_to(emulator, "UMGR1") if "1:1 agenda" in m.get("text", "")]
        return str(agenda["blocks"])
    [sent] = [p for p in connector.sent_to(user.personal_conversation_id) if "1:1 agenda" in p.text]
    return str(sent.cards[0])


def calls(sessions) -> list[AiCall]:
    with sessions() as session:
        return list(session.exec(select(AiCall).order_by(AiCall.id)))


def quote(name: str, confidence: int, words: str) -> str:
    return label("agenda_summary_quote", "en", name=name, confidence=str(confidence), words=words,
                 source=f"check-in {name} {WEEK}")


@pytest.mark.parametrize("surface", SURFACES)
def test_it_opens_the_agenda_with_cited_lines_and_drops_a_made_up_citation(surface, ada, week, model, sessions,
                                                                            emulator, connector, waits, teams_server):
    user = ada(surface)
    connector.reset()
    model.replies = [answer({"line1": LI_SAID, "line2": KJ_SAID, "line3": MADE_UP})]
    run_nudges(sessions, emulator, waits, teams_server, a_model(model))

    shown = agenda_text(surface, emulator, connector, user)
    assert LI_LINE in shown and KJ_LINE in shown and "burning out" not in shown
    assert label("agenda_summary_title", "en").strip("*") in shown
    assert label("agenda_summary_written", "en") in shown
    assert shown.index(LI_LINE) < shown.index("Alan Turing")  # at the top, before the reports
    [call] = calls(sessions)
    with sessions() as session:
        ada_id = person(session, "UMGR1").id
    assert (call.person_id, call.feature, call.outcome, call.dropped) == (ada_id, "agenda_summary", "ok", 1)
    assert sorted(call.record_ids) == sorted(f"checkin:{i}" for i in week.values())


def test_the_model_is_sent_this_weeks_checkins_of_her_reports_and_nothing_private(ada, week, model, sessions,
                                                                                   emulator, waits, teams_server):
    ada("slack")
    model.replies = [answer({"line1": LI_SAID})]
    run_nudges(sessions, emulator, waits, teams_server, a_model(model))

    [request] = model.requests
    sent = model.sent()
    checkins = model.user_message()["checkins"]
    assert {c["source"] for c in checkins} == {f"[check-in Report {n} {WEEK}]" for n in range(1, 5)}
    assert {c["person"] for c in checkins} == {f"Report {n}" for n in range(1, 5)}
    assert not [name for name in (*REPORT_NAMES, "Ada Lovelace", "Alan", "Katherine") if name in sent]  # no names
    assert "法务审批卡住了" in sent and "需要法务尽快回复" in sent and "Waiting on staging access" in sent
    assert PRIVATE_NOTE not in sent and "Clear demo" not in sent  # no coaching notes, no feedback
    assert PEER_WORDS not in sent and "Hedy Lamarr" not in sent  # no peer reviews, no peers
    assert "Grace Hopper" not in sent and "Mary Jackson" not in sent  # nobody else, no one without a check-in
    assert "in English" in request["body"]["messages"][0]["content"]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_model_that_times_out_leaves_quotes_of_their_own_words(surface, ada, week, model, sessions, emulator,
                                                                 connector, waits, teams_server):
    user = ada(surface)
    connector.reset()
    model.replies = [{"delay": 2, **answer({"line1": LI_SAID})}]
    run_nudges(sessions, emulator, waits, teams_server, a_model(model))

    shown = agenda_text(surface, emulator, connector, user)
    li, kj = quote("李雷", 2, "法务审批卡住了"), quote("Katherine Johnson", 3, "Waiting on staging access")
    if surface == "teams":
        li, kj = li.replace("*", "**"), kj.replace("*", "**")  # Teams' bold
    assert li in shown and kj in shown and shown.index(li) < shown.index(kj)
    assert "Shipped the pilot dashboard" not in shown.split(label("agenda_summary_failed", "en"))[0].split(
        "1:1 agenda")[-1]  # confident and unblocked: not among the lines
    assert label("agenda_summary_failed", "en") in shown
    assert [c.outcome for c in calls(sessions)] == ["timeout"]


@pytest.mark.parametrize("assistant", ["no model", "feature off", "switched off by HR"])
def test_without_a_model_or_with_the_feature_off_the_lines_quote_and_nothing_is_sent(assistant, ada, week, model,
                                                                                       sessions, emulator, waits,
                                                                                       teams_server):
    ada("slack")
    configured = Assistant(model=None) if assistant == "no model" else \
        a_model(model, features=frozenset()) if assistant == "feature off" else a_model(model)
    if assistant == "switched off by HR":
        with sessions() as session:
            assistant_switches.switch(session, AGENDA_SUMMARY, False, by=None, now=MONDAY_9AM_LONDON)
    run_nudges(sessions, emulator, waits, teams_server, configured)

    shown = agenda_text("slack", emulator, None, None)
    assert quote("李雷", 2, "法务审批卡住了") in shown and label("agenda_summary_quoted", "en") in shown
    assert model.requests == [] and calls(sessions) == []


def test_over_the_budget_the_lines_quote_and_the_refusal_is_logged(ada, week, model, sessions, emulator, waits,
                                                                   teams_server):
    ada("slack")
    run_nudges(sessions, emulator, waits, teams_server, a_model(model, daily_tokens=0))
    assert label("agenda_summary_failed", "en") in agenda_text("slack", emulator, None, None)
    assert model.requests == []
    assert [(c.outcome, c.record_ids) for c in calls(sessions)] == [("over_budget", [])]


def test_a_manager_with_fewer_than_five_reports_gets_no_summary(ada, teams_people, model, sessions, emulator, waits,
                                                                teams_server, clock):
    ada("slack")
    with sessions() as session:
        session.add(CheckIn(person_id=person(session, "UEMP2").id, week=WEEK, submitted_at=FILED, updated_at=FILED,
                            confidence=1, blockers="法务审批卡住了"))
    clock.set(MONDAY_9AM_LONDON)
    run_nudges(sessions, emulator, waits, teams_server, a_model(model))
    shown = agenda_text("slack", emulator, None, None)
    assert assistant_blocks.SUMMARY_BLOCK not in shown and model.requests == []


def test_a_run_stops_asking_a_model_that_keeps_failing(week, model, sessions):
    model.replies = [{"status": 500}]
    summarise = agenda_summary.Summariser(a_model(model))
    notes = []
    with sessions() as session:
        ada = person(session, "UMGR1")
        agenda = coaching.agenda(session, ada, week=WEEK, now=MONDAY_9AM_LONDON)
        for _ in range(agenda_summary.FAILURES_IN_A_ROW + 2):
            notes.append(summarise(session, ada, agenda, locale="en", now=MONDAY_9AM_LONDON).note)
    assert len(model.requests) == agenda_summary.FAILURES_IN_A_ROW
    assert set(notes) == {agenda_summary.QUOTED_FAILED}
    assert [c.outcome for c in calls(sessions)] == ["unavailable"] * agenda_summary.FAILURES_IN_A_ROW


def test_a_chinese_manager_reads_the_lines_in_chinese_with_the_citations_in_chinese(week, model, sessions):
    model.replies = [answer({"line1": "Report 4被法务审批卡住了，需要帮助 [check-in Report 4 2026-W48]。"})]
    with sessions() as session:
        ada = person(session, "UMGR1")
        agenda = coaching.agenda(session, ada, week=WEEK, now=MONDAY_9AM_LONDON)
        summary = agenda_summary.summarise(session, a_model(model), ada, agenda, locale="zh-CN",
                                           now=MONDAY_9AM_LONDON)
    assert summary.lines == ("李雷被法务审批卡住了，需要帮助 [周进展 李雷 2026-W48]。",)
    assert "Simplified Chinese" in model.requests[0]["body"]["messages"][0]["content"]
    assert {c["source"] for c in model.user_message()["checkins"]} >= {"[周进展 Report 4 2026-W48]"}
    assert "李雷" not in model.sent()
