"""Importing the org CSV: every bad line reported at once, all rows or none, a readable diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from storage.models import AuditEvent, Person, Team
from storage.org import OrgImportError, import_org_csv, parse_org_csv, plan_import

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HEADER = "slack_id,name,email,manager_slack_id,team,role,timezone,locale"
ORG = [
    "U01,Grace Hopper,grace@example.com,,Leadership,admin,America/New_York,en-US",
    "U02,Ada Lovelace,ada@example.com,U01,Platform,,Europe/London,en_GB",
    "U03,李华,li.hua@example.com,U01,Data,manager,Asia/Shanghai,zh-CN",
    "U04,Alan Turing,alan@example.com,U02,Platform,employee,Europe/London,",
    "U05,王芳,wang.fang@example.com,U03,Data,employee,Asia/Shanghai,zh_CN",
    "U06,Linus Chen,,U02,Platform,employee,,",
    "U07,张伟,zhang.wei@example.com,U03,Data,employee,Asia/Shanghai,zh-Hans",
    "U08,Helen Hunt,helen@example.com,U01,People,hr,Europe/Berlin,en",
]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def people(session: Session) -> dict[str, Person]:
    return {person.slack_id: person for person in session.exec(select(Person))}


def errors_of(session: Session, text: str) -> list[str]:
    with pytest.raises(OrgImportError) as raised:
        import_org_csv(session, text, now=NOW)
    return str(raised.value).splitlines()


def import_org(session: Session, *rows: str, now: datetime = NOW):
    plan = import_org_csv(session, csv_text(*rows), now=now)
    session.commit()
    return plan


def test_it_imports_a_whole_org_with_teams_managers_hr_and_chinese_names(session):
    plan = import_org(session, *ORG)

    assert [row.slack_id for row in plan.created] == [f"U0{n}" for n in range(1, 9)]
    stored = people(session)
    teams = {team.id: team.name for team in session.exec(select(Team))}
    assert sorted(teams.values()) == ["Data", "Leadership", "People", "Platform"]
    assert stored["U03"].name == "李华"
    assert [stored[slack_id].locale for slack_id in ("U03", "U05", "U07")] == ["zh-CN"] * 3
    assert stored["U02"].locale == "en" and stored["U04"].locale is None
    assert stored["U03"].timezone == "Asia/Shanghai" and stored["U06"].timezone is None
    assert teams[stored["U05"].team_id] == "Data"
    assert stored["U05"].manager_id == stored["U03"].id
    assert stored["U04"].manager_id == stored["U02"].id
    assert stored["U01"].manager_id is None
    assert {slack_id: person.role for slack_id, person in stored.items()} == {
        "U01": "admin",
        "U02": "manager",  # listed with no role, but has reports
        "U03": "manager",
        "U04": "employee",
        "U05": "employee",
        "U06": "employee",
        "U07": "employee",
        "U08": "hr",
    }
    assert stored["U06"].email is None and stored["U08"].email == "helen@example.com"
    assert all(person.created_at == NOW and person.updated_at == NOW for person in stored.values())
    assert all(person.active for person in stored.values())


def test_it_records_one_audit_event_with_the_counts(session):
    import_org(session, *ORG)

    (event,) = session.exec(select(AuditEvent)).all()
    assert event.action == "org.import"
    assert event.at == NOW
    assert event.detail == {"created": 8, "updated": 0, "unchanged": 0, "not_in_file": 0}


def test_it_describes_new_people_in_the_summary(session):
    plan = import_org(session, *ORG[:2])

    assert plan.summary_lines() == [
        "+ U01 Grace Hopper (admin, Leadership)",
        "+ U02 Ada Lovelace (employee, Platform)",
        "= 0 unchanged",
    ]


def test_it_makes_an_employee_with_reports_a_manager_but_keeps_hr_and_admin(session):
    import_org(
        session,
        "U01,Boss,,,,admin,,",
        "U02,Lead,,U01,,employee,,",
        "U03,People Partner,,U02,,hr,,",
        "U04,Report,,U03,,employee,,",
    )

    assert {slack_id: person.role for slack_id, person in people(session).items()} == {
        "U01": "admin",
        "U02": "manager",
        "U03": "hr",
        "U04": "employee",
    }


def test_it_tolerates_a_bom_crlf_and_whitespace_around_cells(session):
    grace = " U01 , Grace Hopper , grace@example.com ,, Leadership ,admin, UTC , en "
    text = "\ufeff" + "\r\n".join([HEADER, grace, "U02,李华,,U01,Data,,,zh-CN"]) + "\r\n"

    import_org_csv(session, text, now=NOW)

    stored = people(session)
    assert stored["U01"].name == "Grace Hopper" and stored["U01"].email == "grace@example.com"
    assert stored["U01"].timezone == "UTC" and stored["U01"].locale == "en"
    assert stored["U02"].name == "李华" and stored["U02"].manager_id == stored["U01"].id


def test_it_numbers_lines_physically_across_crlf_and_quoted_line_breaks(session):
    text = "\r\n".join([HEADER, 'U01,Grace,,,"Research\r\nand Development",,,', "U02,,,,,,,"]) + "\r\n"

    assert errors_of(session, text) == ["line 4: U02: missing name"]


def test_it_skips_blank_lines_but_keeps_physical_line_numbers(session):
    lines = errors_of(session, csv_text("U01,Grace,,,,,,", "", ",,,,,,,", "U02,,,,,,,"))

    assert lines == ["line 5: U02: missing name"]


def test_it_stores_the_optional_teams_id_column(session):
    text = csv_text("U01,Grace,,,,,,,29:abc", "U02,Ada,,,,,,,", header=HEADER + ",teams_id")

    import_org_csv(session, text, now=NOW)

    stored = people(session)
    assert stored["U01"].teams_id == "29:abc" and stored["U02"].teams_id is None


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (",Nobody,,,,,,", "line 3: missing slack_id"),
        ("U09,,,,,,,", "line 3: U09: missing name"),
        ("U09,Someone,,,,chief,,", "line 3: U09: unknown role 'chief' (use employee, manager, hr, admin)"),
        (
            "U09,Someone,,,,,Mars/Olympus,",
            "line 3: U09: unknown time zone 'Mars/Olympus' (use an IANA name like Asia/Shanghai)",
        ),
        ("U09,Someone,,,,,,fr-FR", "line 3: U09: unsupported locale 'fr-FR' (use en or zh-CN)"),
        ("U09,Someone,,U99,,,,", "line 3: U09: unknown manager U99"),
        ("U09,Someone,,U09,,,,", "line 3: U09: is their own manager"),
        ("U09,Someone,someone.example.com,,,,,", "line 3: U09: malformed e-mail 'someone.example.com'"),
        ("U09,Someone,a@b@example.com,,,,,", "line 3: U09: malformed e-mail 'a@b@example.com'"),
        ("U09,Someone,@example.com,,,,,", "line 3: U09: malformed e-mail '@example.com'"),
        ("U09," + "x" * 201 + ",,,,,,", "line 3: U09: name is longer than 200 characters"),
        ("U09,Someone,,," + "t" * 101 + ",,,", "line 3: U09: team is longer than 100 characters"),
        ("U09,Someone,,", "line 3: U09: expected 8 cells, found 4"),
        ("U01,Grace Again,,,,,,", "line 3: U01: duplicate slack_id U01 (first on line 2)"),
    ],
)
def test_it_rejects_a_bad_line_with_its_number_and_reason(session, row, error):
    assert errors_of(session, csv_text("U01,Grace Hopper,,,,admin,,", row)) == [error]


def test_it_rejects_a_missing_header_on_line_1(session):
    assert errors_of(session, "U01,Grace Hopper,,,,admin,,\n") == [
        "line 1: missing header: expected the header " + HEADER
    ]


def test_it_rejects_an_empty_file_on_line_1(session):
    assert errors_of(session, "") == ["line 1: missing header: expected the header " + HEADER]


def test_it_rejects_wrong_columns_on_line_1(session):
    header = "slack_id,name,mail,manager_slack_id,team,role,timezone,locale,extra"

    assert errors_of(session, csv_text("U01,Grace,,,,,,,", header=header)) == [
        f"line 1: wrong columns (missing email; unexpected mail, extra): expected the header {HEADER}"
    ]


def test_it_rejects_a_reporting_cycle_with_line_numbers_and_imports_nothing(session):
    lines = errors_of(
        session,
        csv_text(
            "U00,Top,,,,,,",
            "U01,One,,U02,,,,",
            "U02,Two,,U03,,,,",
            "U03,Three,,U01,,,,",
            "U04,Four,,U01,,,,",  # reports into the cycle, but is not part of it
        ),
    )

    assert lines == [
        "line 3: U01: reporting cycle U01 -> U02 -> U03 -> U01",
        "line 4: U02: reporting cycle U02 -> U03 -> U01 -> U02",
        "line 5: U03: reporting cycle U03 -> U01 -> U02 -> U03",
    ]
    assert people(session) == {}


def test_it_rejects_a_cycle_through_an_existing_person_not_in_the_file(session):
    import_org(session, *ORG)  # U04 reports to U02

    lines = errors_of(session, csv_text("U02,Ada Lovelace,,U04,Platform,,,"))

    assert lines == ["line 2: U02: reporting cycle U02 -> U04 -> U02"]
    assert people(session)["U02"].manager_id == people(session)["U01"].id


def test_it_rejects_a_manager_who_is_no_longer_active(session):
    import_org(session, *ORG)
    people(session)["U08"].active = False
    session.commit()

    assert errors_of(session, csv_text("U09,New Hire,,U08,,,,")) == ["line 2: U09: unknown manager U08"]


def test_it_accepts_an_existing_active_manager_not_in_the_file(session):
    import_org(session, *ORG)

    plan = import_org(session, "U09,New Hire,,U03,Data,,Asia/Shanghai,zh-CN")

    assert [row.slack_id for row in plan.created] == ["U09"]
    assert people(session)["U09"].manager_id == people(session)["U03"].id


def test_it_reports_every_bad_line_together(session):
    lines = errors_of(
        session,
        csv_text(
            "U01,Grace Hopper,,,,admin,,",
            "U02,,,U01,,,,",
            "U03,Alan,,U99,,boss,Nowhere/City,",
            "U04,Linus,linus@,U01,,,,de-DE",
            "U01,Grace Again,,,,,,",
        ),
    )

    assert lines == [
        "line 3: U02: missing name",
        "line 4: U03: unknown role 'boss' (use employee, manager, hr, admin)",
        "line 4: U03: unknown time zone 'Nowhere/City' (use an IANA name like Asia/Shanghai)",
        "line 4: U03: unknown manager U99",
        "line 5: U04: malformed e-mail 'linus@'",
        "line 5: U04: unsupported locale 'de-DE' (use en or zh-CN)",
        "line 6: U01: duplicate slack_id U01 (first on line 2)",
    ]


def test_it_does_not_call_the_manager_of_a_bad_line_unknown(session):
    lines = errors_of(session, csv_text("U01,Grace,,,,chief,,", "U02,Ada,,U01,,,,"))

    assert lines == ["line 2: U01: unknown role 'chief' (use employee, manager, hr, admin)"]


def test_it_keeps_the_error_list_on_the_exception(session):
    with pytest.raises(OrgImportError) as raised:
        parse_org_csv(csv_text("U01,,,,,,,", ",Nameless,,,,,,"))

    assert [(error.line, error.slack_id, error.reason) for error in raised.value.errors] == [
        (2, "U01", "missing name"),
        (3, None, "missing slack_id"),
    ]


def test_a_failing_import_writes_nothing(session, sessions):
    with pytest.raises(OrgImportError), sessions() as failing:
        import_org_csv(failing, csv_text(*ORG, "U09,Bad Zone,,U01,Data,,Mars/Olympus,"), now=NOW)

    assert session.exec(select(Person)).all() == []
    assert session.exec(select(Team)).all() == []
    assert session.exec(select(AuditEvent)).all() == []


def test_a_dry_run_writes_nothing_but_returns_the_diff(session):
    plan = import_org_csv(session, csv_text(*ORG), now=NOW, dry_run=True)
    session.commit()

    assert len(plan.created) == 8
    assert plan.summary_lines()[1] == "+ U02 Ada Lovelace (manager, Platform)"
    assert session.exec(select(Person)).all() == []
    assert session.exec(select(Team)).all() == []
    assert session.exec(select(AuditEvent)).all() == []


def test_reimporting_the_same_file_changes_nothing(session):
    import_org(session, *ORG)

    plan = import_org(session, *ORG, now=NOW + timedelta(days=1))

    assert plan.created == [] and plan.updated == [] and len(plan.unchanged) == 8
    assert plan.summary_lines() == ["= 8 unchanged"]
    assert all(person.updated_at == NOW for person in people(session).values())
    assert len(session.exec(select(AuditEvent)).all()) == 1


def test_reimporting_updates_changed_people_and_leaves_missing_ones_active(session):
    import_org(session, *ORG)
    later = NOW + timedelta(days=7)
    moved = "U04,Alan Turing,alan@example.com,U03,Data,employee,Europe/London,"
    without_linus = [row for row in ORG if not row.startswith(("U04", "U06"))]

    plan = import_org(session, *without_linus, moved, now=later)

    assert [(row.slack_id, changes) for row, changes in plan.updated] == [
        ("U04", {"team": ("Platform", "Data"), "manager": ("U02", "U03")})
    ]
    assert len(plan.unchanged) == 6
    assert plan.not_in_file == ["U06"]
    assert plan.summary_lines() == [
        "~ U04 team: Platform -> Data",
        "~ U04 manager: U02 -> U03",
        "= 6 unchanged",
        "! 1 person not in this file was left active: U06",
    ]
    stored = people(session)
    assert stored["U04"].manager_id == stored["U03"].id and stored["U04"].updated_at == later
    assert stored["U06"].active and stored["U06"].manager_id == stored["U02"].id
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[-1].detail == {"created": 0, "updated": 1, "unchanged": 6, "not_in_file": 1}


def test_reimporting_reactivates_a_person_who_had_left(session):
    import_org(session, *ORG)
    people(session)["U06"].active = False
    session.commit()

    plan = import_org(session, *ORG)

    assert [(row.slack_id, changes) for row, changes in plan.updated] == [("U06", {"active": (False, True)})]
    assert "~ U06 active: no -> yes" in plan.summary_lines()
    assert people(session)["U06"].active


def test_reimporting_with_empty_directory_cells_keeps_synced_values(session):
    import_org(session, "U01,Grace Hopper,grace@example.com,,,,Asia/Tokyo,en")

    plan = import_org(session, "U01,Grace Hopper,,,,,,")

    assert plan.updated == []
    stored = people(session)["U01"]
    assert (stored.email, stored.timezone, stored.locale) == ("grace@example.com", "Asia/Tokyo", "en")


def test_reimporting_moves_someone_to_the_top_and_out_of_a_team(session):
    import_org(session, *ORG)

    plan = import_org(session, "U04,Alan Turing,alan@example.com,,,employee,Europe/London,")

    assert plan.updated[0][1] == {"team": ("Platform", None), "manager": ("U02", None)}
    assert people(session)["U04"].manager_id is None and people(session)["U04"].team_id is None


def test_plan_import_checks_rows_against_the_stored_org(session):
    rows = parse_org_csv(csv_text("U01,Grace,,U77,,,,"))

    with pytest.raises(OrgImportError, match="line 2: U01: unknown manager U77"):
        plan_import(session, rows)


def test_it_rejects_a_teams_id_that_belongs_to_someone_else(session):
    header = HEADER + ",teams_id"
    import_org_csv(session, csv_text("U01,Grace,,,,,,,29:abc", header=header), now=NOW)

    lines = errors_of(session, csv_text("U02,Ada,,,,,,,29:abc", header=header))

    assert lines == ["line 2: U02: teams_id 29:abc already belongs to U01"]


def test_it_refuses_a_naive_now(session):
    with pytest.raises(ValueError, match="timezone-aware"):
        import_org_csv(session, csv_text(*ORG), now=datetime(2026, 11, 24, 9, 0))
