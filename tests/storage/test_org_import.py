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


# --- people in Teams: a teams_id instead of (or beside) a slack_id ------------------------------

TEAMS_HEADER = HEADER + ",teams_id"
TEAMS_ORG = [
    ",Grace Hopper,grace@example.com,,Leadership,admin,America/New_York,en-US,aad-grace",
    ",Ada Lovelace,ada@example.com,aad-grace,Platform,,Europe/London,en-GB,aad-ada",
    ",Alan Turing,alan@example.com,ADA@Example.com,Platform,,Europe/London,,aad-alan",  # manager by e-mail
]


def teams_csv(*rows: str) -> str:
    return csv_text(*rows, header=TEAMS_HEADER)


def import_teams(session: Session, *rows: str, now: datetime = NOW, dry_run: bool = False):
    plan = import_org_csv(session, teams_csv(*rows), now=now, dry_run=dry_run)
    session.commit()
    return plan


def by_teams_id(session: Session) -> dict[str, Person]:
    return {person.teams_id: person for person in session.exec(select(Person)) if person.teams_id}


def test_it_imports_a_team_only_in_teams_with_managers_named_by_teams_id_and_e_mail(session):
    plan = import_teams(session, *TEAMS_ORG)

    assert plan.summary_lines() == [
        "+ aad-grace Grace Hopper (admin, Leadership)",
        "+ aad-ada Ada Lovelace (manager, Platform)",
        "+ aad-alan Alan Turing (employee, Platform)",
        "= 0 unchanged",
    ]
    stored = by_teams_id(session)
    assert all(person.slack_id is None for person in stored.values())
    assert stored["aad-ada"].manager_id == stored["aad-grace"].id and stored["aad-ada"].role == "manager"
    assert stored["aad-alan"].manager_id == stored["aad-ada"].id
    assert stored["aad-alan"].locale is None and stored["aad-ada"].locale == "en"

    again = import_teams(session, *TEAMS_ORG, now=NOW + timedelta(days=1))

    assert again.summary_lines() == ["= 3 unchanged"]


def test_it_imports_a_mixed_org_where_managers_are_named_by_any_of_their_ids(session):
    import_teams(
        session,
        "U01,Grace Hopper,grace@example.com,,Leadership,admin,,,",  # Slack only
        ",Ada Lovelace,ada@example.com,U01,Platform,,,,aad-ada",  # Teams only, under a Slack manager
        "U03,Alan Turing,alan@example.com,aad-ada,Platform,,,,aad-alan",  # both
        "U04,Linus Chen,,alan@example.com,Platform,,,,",  # Slack only, under someone on both, by e-mail
    )

    stored = {person.name: person for person in session.exec(select(Person))}
    grace, ada, alan, linus = (stored[name] for name in ("Grace Hopper", "Ada Lovelace", "Alan Turing", "Linus Chen"))
    assert (ada.slack_id, ada.teams_id, ada.manager_id) == (None, "aad-ada", grace.id)
    assert (alan.slack_id, alan.teams_id, alan.manager_id) == ("U03", "aad-alan", ada.id)
    assert (linus.teams_id, linus.manager_id) == (None, alan.id)
    assert [ada.role, alan.role] == ["manager", "manager"]


def test_adding_a_teams_id_to_someone_in_slack_keeps_the_same_person(session):
    import_org(session, *ORG)
    alan_id = people(session)["U04"].id

    plan = import_teams(session, "U04,Alan Turing,alan@example.com,U02,Platform,employee,Europe/London,,aad-alan")

    assert [(row.identity, changes) for row, changes in plan.updated] == [
        ("U04", {"teams_id": (None, "aad-alan")})
    ]
    alan = people(session)["U04"]
    assert (alan.id, alan.teams_id, alan.manager_id) == (alan_id, "aad-alan", people(session)["U02"].id)
    assert len(session.exec(select(Person)).all()) == 8


def test_someone_in_slack_listed_only_by_teams_id_is_matched_by_e_mail_and_keeps_their_slack_id(session):
    import_org(session, *ORG)
    before = {slack_id: person.id for slack_id, person in people(session).items()}

    # The org moved to Teams: the new file has no Slack ids, and names managers by Teams id.
    plan = import_teams(
        session,
        ",Grace Hopper,GRACE@example.com,,Leadership,admin,America/New_York,en-US,aad-grace",
        ",Ada Lovelace,ada@example.com,aad-grace,Platform,,Europe/London,en_GB,aad-ada",
        ",Alan Turing,alan@example.com,aad-ada,Platform,employee,Europe/London,,aad-alan",
    )

    assert plan.created == []
    assert {row.identity: changes for row, changes in plan.updated} == {
        "aad-grace": {"email": ("grace@example.com", "GRACE@example.com"), "teams_id": (None, "aad-grace")},
        "aad-ada": {"teams_id": (None, "aad-ada")},
        "aad-alan": {"teams_id": (None, "aad-alan")},
    }
    assert plan.not_in_file == ["U03", "U05", "U06", "U07", "U08"]
    after = people(session)
    assert {slack_id: person.id for slack_id, person in after.items()} == before
    assert (after["U04"].teams_id, after["U04"].manager_id) == ("aad-alan", after["U02"].id)


def test_someone_only_in_teams_gains_a_slack_id_by_teams_id_or_e_mail(session):
    import_teams(session, *TEAMS_ORG)
    before = {teams_id: person.id for teams_id, person in by_teams_id(session).items()}

    plan = import_teams(
        session,
        "U01,Grace Hopper,,,Leadership,admin,,,aad-grace",  # by Teams id
        "U02,Ada Lovelace,ada@example.com,U01,Platform,,,,",  # by e-mail, no Teams id in this file
    )

    assert [(row.identity, changes) for row, changes in plan.updated] == [
        ("U01", {"slack_id": (None, "U01")}),
        ("U02", {"slack_id": (None, "U02")}),
    ]
    assert plan.not_in_file == ["aad-alan"]
    after = by_teams_id(session)
    assert {teams_id: person.id for teams_id, person in after.items()} == before
    assert [after[teams_id].slack_id for teams_id in ("aad-grace", "aad-ada", "aad-alan")] == ["U01", "U02", None]


def test_an_e_mail_two_stored_people_share_matches_neither(session):
    import_org(session, "U01,Grace Hopper,team@example.com,,,,,", "U02,Grace Two,team@example.com,,,,,")

    plan = import_teams(session, ",Grace in Teams,team@example.com,,,,,,aad-grace")

    assert [row.identity for row in plan.created] == ["aad-grace"]
    assert by_teams_id(session)["aad-grace"].slack_id is None


def test_people_only_in_teams_missing_from_the_file_are_reported_and_left_active(session):
    import_teams(session, *TEAMS_ORG)

    plan = import_teams(session, *TEAMS_ORG[:2], now=NOW + timedelta(days=7))

    assert plan.not_in_file == ["aad-alan"]
    assert plan.summary_lines() == ["= 2 unchanged", "! 1 person not in this file was left active: aad-alan"]
    assert by_teams_id(session)["aad-alan"].active


def test_reimporting_reactivates_someone_only_in_teams(session):
    import_teams(session, *TEAMS_ORG)
    by_teams_id(session)["aad-alan"].active = False
    session.commit()

    plan = import_teams(session, *TEAMS_ORG)

    assert plan.summary_lines() == ["~ aad-alan active: no -> yes", "= 2 unchanged"]
    assert by_teams_id(session)["aad-alan"].active


def test_a_dry_run_shows_teams_ids_and_managers_by_their_ids(session):
    import_teams(session, *TEAMS_ORG)
    moved = ",Alan Turing,alan@example.com,grace@example.com,Platform,,Europe/London,,aad-alan"

    plan = import_teams(session, *TEAMS_ORG[:2], moved, ",Linus Chen,,aad-ada,Platform,,,,aad-linus", dry_run=True)

    assert plan.summary_lines() == [
        "+ aad-linus Linus Chen (employee, Platform)",
        "~ aad-alan manager: aad-ada -> aad-grace",
        "= 2 unchanged",
    ]
    assert by_teams_id(session)["aad-alan"].manager_id == by_teams_id(session)["aad-ada"].id


def test_a_manager_not_in_the_file_may_be_named_by_teams_id_or_e_mail(session):
    import_teams(session, *TEAMS_ORG)

    import_teams(
        session,
        ",Linus Chen,,aad-ada,Platform,,,,aad-linus",
        "U09,New Hire,,alan@EXAMPLE.com,Platform,,,,",
    )

    stored = by_teams_id(session)
    assert stored["aad-linus"].manager_id == stored["aad-ada"].id
    assert people(session)["U09"].manager_id == stored["aad-alan"].id


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([",Nobody,,,,,,,"], "line 3: missing slack_id or teams_id"),
        (["U02,Ada,,,,,,,aad-grace"], "line 3: U02: duplicate teams_id aad-grace (first on line 2)"),
        ([",Ada,,,,,,,aad-grace"], "line 3: aad-grace: duplicate teams_id aad-grace (first on line 2)"),
        (
            [",Ada,GRACE@example.com,,,,,,aad-ada"],
            "line 3: aad-ada: duplicate email GRACE@example.com among people without a slack_id (first on line 2)",
        ),
        ([",Ada,,aad-nobody,,,,,aad-ada"], "line 3: aad-ada: unknown manager aad-nobody"),
        ([",Ada,,nobody@example.com,,,,,aad-ada"], "line 3: aad-ada: unknown manager nobody@example.com"),
        ([",Ada,,aad-ada,,,,,aad-ada"], "line 3: aad-ada: is their own manager"),
        ([",Ada,ada@example.com,Ada@Example.com,,,,,aad-ada"], "line 3: aad-ada: is their own manager"),
        ([",Ada,,,,,,,aad-" + "x" * 61], "line 3: aad-" + "x" * 61 + ": teams_id is longer than 64 characters"),
        (
            [
                "U02,Ada,shared@example.com,,,,,,",
                "U03,Alan,shared@example.com,,,,,,",
                "U04,Linus,,shared@example.com,,,,,",
            ],
            "line 5: U04: ambiguous manager shared@example.com: the e-mail of lines 3 and 4",
        ),
    ],
)
def test_it_rejects_a_bad_teams_line_with_its_number_and_reason(session, rows, error):
    assert errors_of(session, teams_csv(",Grace Hopper,grace@example.com,,,admin,,,aad-grace", *rows)) == [error]


def test_slack_lines_may_share_an_e_mail(session):
    import_teams(session, "U01,Grace,shared@example.com,,,,,,", "U02,Ada,shared@example.com,,,,,,aad-ada")

    assert len(session.exec(select(Person)).all()) == 2


def test_it_rejects_a_reporting_cycle_named_by_teams_ids_and_e_mails(session):
    lines = errors_of(
        session,
        teams_csv(
            ",One,one@example.com,aad-two,,,,,aad-one",
            "U02,Two,,three@example.com,,,,,aad-two",
            ",Three,three@example.com,One@Example.com,,,,,aad-three",
            ",Four,,U02,,,,,aad-four",  # reports into the cycle, but is not part of it
        ),
    )

    assert lines == [
        "line 2: aad-one: reporting cycle aad-one -> U02 -> aad-three -> aad-one",
        "line 3: U02: reporting cycle U02 -> aad-three -> aad-one -> U02",
        "line 4: aad-three: reporting cycle aad-three -> aad-one -> U02 -> aad-three",
    ]
    assert people(session) == {}


def test_it_rejects_a_cycle_through_someone_stored_named_by_another_id(session):
    import_teams(session, *TEAMS_ORG)  # aad-alan reports to aad-ada

    lines = errors_of(session, teams_csv(",Ada Lovelace,,alan@example.com,Platform,,,,aad-ada"))

    assert lines == ["line 2: aad-ada: reporting cycle aad-ada -> aad-alan -> aad-ada"]


def test_it_rejects_two_lines_that_are_one_stored_person(session):
    import_teams(session, "U01,Grace Hopper,,,,admin,,,aad-grace")

    lines = errors_of(session, teams_csv("U01,Grace Hopper,,,,admin,,,", ",Grace in Teams,,,,,,,aad-grace"))

    assert lines == [
        "line 3: aad-grace: is the same person as line 2 (one line may hold both a slack_id and a teams_id)"
    ]


def test_it_never_replaces_a_stored_slack_or_teams_id(session):
    import_teams(session, "U01,Grace Hopper,,,,admin,,,aad-grace", ",Ada Lovelace,,,,,,,aad-ada")

    lines = errors_of(session, teams_csv("U09,Grace Again,,,,,,,aad-grace", "U01,Grace Hopper,,,,admin,,,aad-ada"))

    assert lines == [
        "line 2: U09: teams_id aad-grace already belongs to U01",
        "line 3: U01: teams_id aad-ada already belongs to Ada Lovelace",
    ]


def test_a_manager_e_mail_two_stored_people_share_is_ambiguous(session):
    import_org(session, "U01,Grace,team@example.com,,,,,", "U02,Ada,team@example.com,,,,,")

    lines = errors_of(session, teams_csv(",Alan,,TEAM@example.com,,,,,aad-alan"))

    assert lines == ["line 2: aad-alan: ambiguous manager TEAM@example.com: the e-mail of 2 people"]
