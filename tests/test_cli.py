"""The operator's command line, run in-process with its environment passed in."""


import pytest
from sqlmodel import select

from storage.models import Person
from tests.builders import SMALL_ORG, org_csv
from tests.cli_helpers import run_cli


@pytest.fixture(autouse=True)
def no_developer_dotenv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a developer's own .env must not leak into these runs


run = run_cli


def people(session) -> list[Person]:
    return list(session.exec(select(Person)))


def test_it_refuses_to_run_on_an_unmigrated_database_and_says_what_to_do(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"}
    status, _, err = run("jobs", "list", env=env)
    assert status == 1
    assert "checkin-bot db upgrade" in err and len(err.strip().splitlines()) == 1


def test_db_upgrade_makes_the_database_usable(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"}
    assert run("db", "upgrade", env=env)[0] == 0
    assert run("db", "upgrade", env=env)[0] == 0  # idempotent
    status, out, _ = run("jobs", "list", env=env)
    assert status == 0
    assert "checkin-reminders" in out and "manager-nudges" in out and "hr-digest" in out


def test_org_import_loads_people(database_url, tmp_path, session):
    path = tmp_path / "org.csv"
    path.write_text(org_csv(SMALL_ORG), encoding="utf-8")
    status, out, err = run("org", "import", str(path), env={"DATABASE_URL": database_url})
    assert status == 0, err
    assert {p.slack_id for p in people(session)} == {row[0] for row in SMALL_ORG}


def test_org_import_rejects_a_reporting_cycle_with_line_numbers_and_imports_nothing(database_url, tmp_path, session):
    rows = [
        ["U1", "One", "", "U3", "T", "employee", "UTC", "en"],
        ["U2", "Two", "", "U1", "T", "employee", "UTC", "en"],
        ["U3", "Three", "", "U2", "T", "employee", "UTC", "en"],
        ["U4", "Four", "", "", "T", "employee", "UTC", "en"],
    ]
    path = tmp_path / "org.csv"
    path.write_text(org_csv(rows), encoding="utf-8")
    status, _, err = run("org", "import", str(path), env={"DATABASE_URL": database_url})
    assert status == 1
    assert "nothing imported" in err
    for line in ("line 2", "line 3", "line 4"):
        assert line in err
    assert "line 5" not in err
    assert people(session) == []


def test_org_import_dry_run_shows_the_diff_and_writes_nothing(database_url, tmp_path, session):
    path = tmp_path / "org.csv"
    path.write_text(org_csv(SMALL_ORG), encoding="utf-8")
    status, out, _ = run("org", "import", str(path), "--dry-run", env={"DATABASE_URL": database_url})
    assert status == 0
    assert "Alan Turing" in out and "nothing was written" in out
    assert people(session) == []


def test_org_import_of_a_missing_file_is_one_clear_line(database_url, tmp_path):
    status, _, err = run("org", "import", str(tmp_path / "nope.csv"), env={"DATABASE_URL": database_url})
    assert status == 1 and "cannot read" in err


def test_serve_without_a_token_points_at_the_try_out():
    status, _, err = run("serve")
    assert status == 1 and "checkin-bot dev" in err


def test_serve_refuses_a_token_slack_rejects(emulator, tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.db",
        "SLACK_BOT_TOKEN": "xoxb-wrong",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": emulator.api_url,
    }
    assert run("db", "upgrade", env=env)[0] == 0
    status, _, err = run("serve", "--port", "0", env=env)
    assert status == 1 and "invalid_auth" in err and "xoxb-wrong" not in err


def test_jobs_run_names_the_jobs_when_the_name_is_unknown(database_url):
    status, _, err = run("jobs", "run", "nonsense", env={"DATABASE_URL": database_url})
    assert status == 1 and "checkin-reminders" in err


def test_jobs_run_needs_an_offset_on_at(database_url):
    with pytest.raises(SystemExit):
        run("jobs", "run", "hr-digest", "--at", "2026-11-27T15:00:00", env={"DATABASE_URL": database_url})


def test_org_sync_fills_zones_and_locales_from_every_page_of_users_list(database_url, sessions, session, clock):
    from bot.emulator import SlackEmulator
    from tests.builders import load_org

    rows = [[r[0], r[1], "", r[3], r[4], r[5], "", ""] for r in SMALL_ORG]
    with SlackEmulator(token="xoxb-sync", users_page_size=2) as slack:
        load_org(sessions, now=clock.now(), rows=rows)
        for slack_id, name, *_ in SMALL_ORG:
            slack.add_user(slack_id, name=name, email=f"{slack_id.lower()}@example.com", tz="Asia/Shanghai",
                           locale="zh-CN")
        slack.add_user("UOUTSIDER", name="Not in the org", tz="UTC")
        env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-sync", "SLACK_API_URL": slack.api_url}
        status, out, err = run("org", "sync", env=env)
        pages = len(slack.calls_to("users.list"))
    assert status == 0, err
    assert pages == 3
    assert "updated 5 people; 1 Slack users are not in the org" in out
    session.expire_all()
    assert {(p.timezone, p.locale) for p in people(session)} == {("Asia/Shanghai", "zh-CN")}



def test_jobs_run_twice_in_a_period_sends_nothing_twice(database_url, sessions, clock, emulator):
    from tests.builders import load_org

    load_org(sessions, now=clock.now(), emulator=emulator)
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": emulator.api_url}
    first = run("jobs", "run", "checkin-reminders", "--at", "2026-11-25T12:00:00+00:00", env=env)
    second = run("jobs", "run", "checkin-reminders", "--at", "2026-11-25T12:30:00+00:00", env=env)
    assert first[0] == 0 and "sent 5" in first[1]
    assert second[0] == 0 and "sent 0" in second[1]
    assert len(emulator.calls_to("chat.postMessage")) == 5
    status, out, _ = run("jobs", "list", "--at", "2026-11-25T13:00:00+00:00", env=env)
    assert "checkin-reminders" in out and "sent 5" in out and "next run:" in out
    a_fortnight_on = run("jobs", "list", "--at", "2026-12-09T13:00:00+00:00", env=env)[1]
    assert "sent 5" not in a_fortnight_on  # the 7 days are counted back from --at


def test_org_cadence_sets_a_team_to_fortnightly(database_url, sessions, clock):
    from tests.builders import load_org

    load_org(sessions, now=clock.now())
    env = {"DATABASE_URL": database_url}
    assert run("org", "cadence", "Platform", "fortnightly", env=env)[:2] == (0, "Platform checks in fortnightly\n")
    status, _, err = run("org", "cadence", "Nope", "weekly", env=env)
    assert status == 1 and "no team named 'Nope'" in err
