"""The HR digest end to end: figures for a known org, the chart upload, privacy, exports and erasure."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.slack_client import make_web_client
from scheduler import JobConfig, JobContext, digest
from storage import checkins
from storage.models import CheckIn, Person
from tests.builders import load_org, person
from tests.cli_helpers import run_cli
from tests.conftest import BOT_TOKEN
from tests.slack_helpers import dms_to, visible_text

HR, PLATFORM = "UHR1", ("UMGR1", "UEMP1", "UEMP2", "UEMP3")
MONDAY_10AM_NEW_YORK = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def week(sessions, clock, emulator):
    """2026-W48: three of Platform's four check in (confidence 4, 3, 2; one blocker); HR alone in People."""
    load_org(sessions, now=clock.now(), emulator=emulator)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    with sessions() as session:
        for slack_id, confidence, blockers in (("UMGR1", "4", None), ("UEMP1", "3", None),
                                               ("UEMP2", "2", "合同审批卡住了：私密内容")):
            checkins.record(session, person(session, slack_id), checkins.CheckinInput(
                week=None, confidence=confidence, blockers=blockers), now=clock.now(), default_zone="UTC")


@pytest.fixture
def run_digest(sessions, emulator, waits):
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)

    def run(at: datetime, *, hr_channel: str | None = None, forced: bool = False):
        config = JobConfig(hr_channel=hr_channel)
        return digest.run(JobContext(sessions=sessions, client=client, now=at, config=config, forced=forced))

    return run


def test_the_digest_shows_the_known_figures_to_hr(week, run_digest, emulator):
    run_digest(MONDAY_10AM_NEW_YORK)
    [message] = [m for m in dms_to(emulator, HR) if "digest" in m.get("text", "")]
    text = visible_text(message)
    assert "Check-in digest for the week of Nov 23" in text
    platform = text[text.index("*Platform* · 4 people"):]
    assert "Participation 75%" in platform and "3 checked in" in platform and "confidence 3.0" in platform
    assert "1 open blocker" in platform
    assert "Not checked in: Katherine Johnson" in platform
    assert "*People* · 1 person" in text and "Participation — (fewer than 3 people)" in text
    assert "私密内容" not in text  # never the words of anyone's check-in


def test_the_chart_is_uploaded_to_hr_through_slacks_upload_flow(week, run_digest, emulator):
    run_digest(MONDAY_10AM_NEW_YORK)
    [upload] = emulator.uploaded_files.values()
    assert upload.completed and upload.content.startswith(b"\x89PNG") and upload.channel_id == f"D{HR}"
    assert [c.method for c in emulator.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]


def test_it_is_sent_once_per_week_and_not_before_monday_10am_local(week, run_digest, emulator):
    run_digest(MONDAY_10AM_NEW_YORK.replace(hour=14, minute=59))
    assert dms_to(emulator, HR) == []
    run_digest(MONDAY_10AM_NEW_YORK)
    run_digest(MONDAY_10AM_NEW_YORK.replace(hour=16))
    assert len([m for m in dms_to(emulator, HR) if "digest" in m.get("text", "")]) == 1
    assert len(emulator.uploaded_files) == 1


def test_the_hr_channel_gets_figures_but_no_names(week, run_digest, emulator):
    run_digest(MONDAY_10AM_NEW_YORK, hr_channel="CHRCHANNEL", forced=True)
    [post] = [m for m in emulator.messages if m["channel"] == "CHRCHANNEL"]
    text = visible_text(post)
    assert "Participation 75%" in text
    assert "Katherine" not in text and "Not checked in" not in text


cli = run_cli


def test_the_checkins_export_round_trips_chinese_text(week, database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = cli("export", "checkins", "--format", "csv", "--team", "Platform",
                           env={"DATABASE_URL": database_url})
    assert status == 0, err
    assert out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert len(rows) == 3
    assert {row["person"] for row in rows} == {"Ada Lovelace", "Alan Turing", "李雷"}
    assert next(row for row in rows if row["person"] == "李雷")["blockers"] == "合同审批卡住了：私密内容"


def test_erasing_a_person_leaves_no_personal_text_behind(week, database_url, session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = cli("people", "erase", "UEMP2", env={"DATABASE_URL": database_url})
    assert status == 0, err
    session.expire_all()
    erased = session.exec(select(Person).where(Person.erased_at.is_not(None))).one()
    assert erased.name.startswith("Former colleague") and erased.slack_id is None and erased.email is None
    assert all(c.blockers is None for c in session.exec(select(CheckIn).where(CheckIn.person_id == erased.id)))
    status, exported, _ = cli("export", "checkins", env={"DATABASE_URL": database_url})
    assert "李雷" not in exported and "私密内容" not in exported
