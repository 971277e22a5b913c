"""The org directory: import people and teams from an org CSV, refresh them from a chat directory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage import audit
from storage.models import Person, Role, Team

COLUMNS = ("slack_id", "name", "email", "manager_slack_id", "team", "role", "timezone", "locale")
OPTIONAL_COLUMNS = ("teams_id",)
ROLES = tuple(role.value for role in Role)


def _max_length(model: Any, column: str) -> int:
    return model.__table__.c[column].type.length


SLACK_ID_MAX = _max_length(Person, "slack_id")
TEAMS_ID_MAX = _max_length(Person, "teams_id")
NAME_MAX = _max_length(Person, "name")
EMAIL_MAX = _max_length(Person, "email")
TEAM_MAX = _max_length(Team, "name")

# Filled from the chat directory by `org sync`: an empty cell in the CSV keeps the stored value,
# so re-importing the same file after a sync changes nothing.
DIRECTORY_FIELDS = ("email", "timezone", "locale", "teams_id")


# --- locales and values ------------------------------------------------------------------------

# Simplified Chinese only: Traditional tags (zh-TW, zh-HK, zh-Hant) fall back to the default rather
# than being shown a script their readers did not choose.
_SIMPLIFIED_CHINESE = {"zh", "zh-cn", "zh-sg", "zh-hans", "zh-hans-cn", "zh-hans-sg"}


def normalize_locale(value: str | None) -> str | None:
    """Map a locale tag to one we ship (`en` or `zh-CN`), or None when unsupported.

    Accepts BCP 47 and POSIX spellings in any case: `en-US`, `en_GB`, `zh_CN.UTF-8`, `zh-Hans`.
    Every English variant is `en`; Simplified Chinese (`zh`, `zh-CN`, `zh-SG`, `zh-Hans`) is `zh-CN`.
    """
    if not value:
        return None
    tag = value.strip().split(".")[0].replace("_", "-").lower()
    if tag == "en" or tag.startswith("en-"):
        return "en"
    if tag in _SIMPLIFIED_CHINESE:
        return "zh-CN"
    return None


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError; "../x" a ValueError
        return False
    return True


def _valid_email(email: str) -> bool:
    local, _, domain = email.partition("@")
    has_space = any(char.isspace() for char in email)
    return bool(local and domain) and "@" not in domain and not has_space and len(email) <= EMAIL_MAX


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    """One valid line of an org CSV, cleaned: empty cells are None, the locale normalised."""

    line: int
    slack_id: str
    name: str
    email: str | None
    manager_slack_id: str | None
    team: str | None
    role: str
    timezone: str | None
    locale: str | None
    teams_id: str | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    slack_id: str | None
    reason: str

    def __str__(self) -> str:
        who = f"{self.slack_id}: " if self.slack_id else ""
        return f"line {self.line}: {who}{self.reason}"


class OrgImportError(ValueError):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(error) for error in self.errors))


class _Link(NamedTuple):
    """Who a line says someone reports to, kept even for invalid lines so graph errors show too."""

    line: int
    slack_id: str
    manager_slack_id: str | None


@dataclass
class _Parsed:
    rows: list[OrgRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    links: list[_Link] = field(default_factory=list)


def parse_org_csv(text: str) -> list[OrgRow]:
    """Parse an org CSV, raising OrgImportError with every bad line, not just the first."""
    parsed = _parse(text)
    _raise_if_any(parsed.errors)
    return parsed.rows


def _raise_if_any(errors: list[RowError]) -> None:
    if errors:
        raise OrgImportError(errors)


def _parse(text: str) -> _Parsed:
    parsed = _Parsed()
    records = _records(text)
    header = records[0][1] if records else []
    header_problem = _header_problem(header)
    if header_problem:
        parsed.errors.append(RowError(1, None, header_problem))
        return parsed
    columns = [name.lower() for name in header]
    first_lines: dict[tuple[str, str], int] = {}
    for line, cells in records[1:]:
        if any(cells):  # spreadsheets leave blank and all-comma lines behind
            _parse_record(parsed, line, columns, cells, first_lines)
    return parsed


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Return each CSV record with the physical line it starts on and its cells stripped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    records = []
    line = 1
    try:
        for cells in reader:
            records.append((line, [cell.strip() for cell in cells]))
            line = reader.line_num + 1  # a quoted cell may span lines
    except csv.Error as exc:
        raise OrgImportError([RowError(line, None, f"unreadable CSV: {exc}")]) from exc
    return records


def _header_problem(header: list[str]) -> str | None:
    expected = f"expected the header {','.join(COLUMNS)}"
    names = [name.lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    if len(missing) == len(COLUMNS):
        return f"missing header: {expected}"
    unexpected = [name for name in names if name not in COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not (missing or unexpected or repeated):
        return None
    found = [
        f"{label} {', '.join(columns)}"
        for label, columns in (("missing", missing), ("unexpected", unexpected), ("repeated", repeated))
        if columns
    ]
    return f"wrong columns ({'; '.join(found)}): {expected}"


def _parse_record(
    parsed: _Parsed, line: int, columns: list[str], cells: list[str], first_lines: dict[tuple[str, str], int]
) -> None:
    complete = len(cells) == len(columns)
    by_column = dict(zip(columns, cells, strict=False))
    slack_id = by_column.get("slack_id") or None
    problems = _duplicate_problems(line, by_column, first_lines)
    if complete:
        problems += _cell_problems(by_column)
    else:
        problems.append(f"expected {len(columns)} cells, found {len(cells)}")
    parsed.errors.extend(RowError(line, slack_id, problem) for problem in problems)
    if slack_id and first_lines[("slack_id", slack_id)] == line:
        # A line with missing cells still names someone, but its manager cell cannot be trusted.
        manager = (by_column["manager_slack_id"] or None) if complete else None
        parsed.links.append(_Link(line, slack_id, manager))
    if not problems:
        parsed.rows.append(_row(line, by_column))


def _cell_problems(cells: dict[str, str]) -> list[str]:
    """Return what is wrong with a line on its own, without the rest of the org."""
    slack_id, name, email, team = cells["slack_id"], cells["name"], cells["email"], cells["team"]
    role, zone, locale = cells["role"], cells["timezone"], cells["locale"]
    checks = [
        (not slack_id, "missing slack_id"),
        (len(slack_id) > SLACK_ID_MAX, f"slack_id is longer than {SLACK_ID_MAX} characters"),
        (not name, "missing name"),
        (len(name) > NAME_MAX, f"name is longer than {NAME_MAX} characters"),
        (bool(email) and not _valid_email(email), f"malformed e-mail '{email}'"),
        (len(team) > TEAM_MAX, f"team is longer than {TEAM_MAX} characters"),
        (role.lower() not in ("", *ROLES), f"unknown role '{role}' (use {', '.join(ROLES)})"),
        (
            bool(zone) and not _valid_zone(zone),
            f"unknown time zone '{zone}' (use an IANA name like Asia/Shanghai)",
        ),
        (bool(locale) and not normalize_locale(locale), f"unsupported locale '{locale}' (use en or zh-CN)"),
        (bool(slack_id) and cells["manager_slack_id"] == slack_id, "is their own manager"),
        (len(cells.get("teams_id", "")) > TEAMS_ID_MAX, f"teams_id is longer than {TEAMS_ID_MAX} characters"),
    ]
    return [problem for failed, problem in checks if failed]


def _duplicate_problems(
    line: int, cells: dict[str, str], first_lines: dict[tuple[str, str], int]
) -> list[str]:
    """Return a problem for each id an earlier line already used; remember the ids of this line."""
    problems = []
    for column in ("slack_id", *OPTIONAL_COLUMNS):
        value = cells.get(column)
        if not value:
            continue
        first = first_lines.setdefault((column, value), line)
        if first != line:
            problems.append(f"duplicate {column} {value} (first on line {first})")
    return problems


def _row(line: int, cells: dict[str, str]) -> OrgRow:
    return OrgRow(
        line=line,
        slack_id=cells["slack_id"],
        name=cells["name"],
        email=cells["email"] or None,
        manager_slack_id=cells["manager_slack_id"] or None,
        team=cells["team"] or None,
        role=cells["role"].lower() or Role.EMPLOYEE.value,
        timezone=cells["timezone"] or None,
        locale=normalize_locale(cells["locale"]),
        teams_id=cells.get("teams_id") or None,
    )


# --- planning ----------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import changes, person by person."""

    created: list[OrgRow] = field(default_factory=list)
    updated: list[tuple[OrgRow, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    unchanged: list[OrgRow] = field(default_factory=list)
    # Active people missing from the file are left as they are: a partial file must never deactivate.
    not_in_file: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """Describe the diff for a person to read, one line per new person or changed field."""
        lines = [
            f"+ {row.slack_id} {row.name} ({', '.join(filter(None, [row.role, row.team]))})"
            for row in self.created
        ]
        lines += [
            f"~ {row.slack_id} {name}: {_show(old)} -> {_show(new)}"
            for row, changes in self.updated
            for name, (old, new) in changes.items()
        ]
        lines.append(f"= {len(self.unchanged)} unchanged")
        if self.not_in_file:
            count = len(self.not_in_file)
            who = "1 person not in this file was" if count == 1 else f"{count} people not in this file were"
            lines.append(f"! {who} left active: {', '.join(self.not_in_file)}")
        return lines


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class _Directory:
    """The people and teams already stored, read once per import."""

    people: dict[str, Person]  # by Slack id, active or not
    slack_ids: dict[int, str | None]  # person id -> Slack id, to name managers
    team_names: dict[int, str]
    teams_id_owners: dict[str, str | None]  # Teams id -> Slack id of whoever holds it

    @classmethod
    def load(cls, session: Session) -> _Directory:
        everyone = list(session.exec(select(Person)))
        return cls(
            people={person.slack_id: person for person in everyone if person.slack_id},
            slack_ids={person.id: person.slack_id for person in everyone if person.id is not None},
            team_names={team.id: team.name for team in session.exec(select(Team)) if team.id is not None},
            teams_id_owners={person.teams_id: person.slack_id for person in everyone if person.teams_id},
        )

    def manager_of(self, person: Person) -> str | None:
        return self.slack_ids.get(person.manager_id) if person.manager_id else None


def plan_import(session: Session, rows: list[OrgRow]) -> ImportPlan:
    """Check the rows against the stored org and return the diff; raise OrgImportError if they do not fit."""
    directory = _Directory.load(session)
    _raise_if_any(_org_problems(directory, [_link(row) for row in rows], rows))
    return _diff(directory, rows)


def import_org_csv(session: Session, text: str, *, now: datetime, dry_run: bool = False) -> ImportPlan:
    """Parse, check and (unless a dry run) apply an org CSV, reporting every bad line together."""
    parsed = _parse(text)
    directory = _Directory.load(session)
    _raise_if_any(parsed.errors + _org_problems(directory, parsed.links, parsed.rows))
    plan = _diff(directory, parsed.rows)
    if not dry_run:
        apply_import(session, plan, now=now)
    return plan


def _link(row: OrgRow) -> _Link:
    return _Link(row.line, row.slack_id, row.manager_slack_id)


def _org_problems(directory: _Directory, links: list[_Link], rows: list[OrgRow]) -> list[RowError]:
    """Return the errors that need the whole org: unknown managers, cycles, Teams ids held by others."""
    cycles = _cycle_errors(_reporting_lines(directory, links), links)
    return _unknown_managers(directory, links) + cycles + _teams_id_clashes(directory, rows)


def _reporting_lines(directory: _Directory, links: list[_Link]) -> dict[str, str | None]:
    """Map each Slack id to its manager's: the stored active org, overridden by the file."""
    lines = {
        slack_id: directory.manager_of(person)
        for slack_id, person in directory.people.items()
        if person.active
    }
    lines.update({link.slack_id: link.manager_slack_id for link in links})
    return lines


def _unknown_managers(directory: _Directory, links: list[_Link]) -> list[RowError]:
    in_file = {link.slack_id for link in links}
    return [
        RowError(link.line, link.slack_id, f"unknown manager {link.manager_slack_id}")
        for link in links
        if link.manager_slack_id
        and link.manager_slack_id not in in_file
        and not _is_active(directory.people.get(link.manager_slack_id))
    ]


def _is_active(person: Person | None) -> bool:
    return person is not None and person.active


def _cycle_errors(reporting: dict[str, str | None], links: list[_Link]) -> list[RowError]:
    """Report every line in a reporting cycle, with the cycle drawn from that line's person."""
    lines = {link.slack_id: link.line for link in links}
    errors = []
    for cycle in _cycles(reporting):
        for index, slack_id in enumerate(cycle):
            if slack_id in lines:
                path = cycle[index:] + cycle[: index + 1]
                errors.append(RowError(lines[slack_id], slack_id, f"reporting cycle {' -> '.join(path)}"))
    return errors


def _cycles(reporting: dict[str, str | None]) -> list[list[str]]:
    """Return each cycle of two or more people once, in reporting order (self-managers are reported apart)."""
    visited: set[str] = set()
    cycles = []
    for start in reporting:
        path: list[str] = []
        position: dict[str, int] = {}
        node = start
        while node is not None and node not in visited and node not in position:
            position[node] = len(path)
            path.append(node)
            node = reporting.get(node)
        if node in position and len(path) - position[node] > 1:
            cycles.append(path[position[node] :])
        visited.update(path)
    return cycles


def _teams_id_clashes(directory: _Directory, rows: list[OrgRow]) -> list[RowError]:
    return [
        RowError(
            row.line, row.slack_id, f"teams_id {row.teams_id} already belongs to {owner or 'someone else'}"
        )
        for row in rows
        if row.teams_id
        and row.teams_id in directory.teams_id_owners
        and (owner := directory.teams_id_owners[row.teams_id]) != row.slack_id
    ]


def _diff(directory: _Directory, rows: list[OrgRow]) -> ImportPlan:
    plan = ImportPlan()
    for row in _with_manager_roles(rows, _reporting_lines(directory, [_link(row) for row in rows])):
        person = directory.people.get(row.slack_id)
        if person is None:
            plan.created.append(row)
        elif changes := _changes(directory, person, row):
            plan.updated.append((row, changes))
        else:
            plan.unchanged.append(row)
    in_file = {row.slack_id for row in rows}
    plan.not_in_file = sorted(
        slack_id for slack_id, person in directory.people.items() if person.active and slack_id not in in_file
    )
    return plan


def _with_manager_roles(rows: list[OrgRow], reporting: dict[str, str | None]) -> list[OrgRow]:
    """Store anyone listed as an employee who has reports as a manager; hr and admin keep their role."""
    managers = set(reporting.values())
    return [
        replace(row, role=Role.MANAGER.value)
        if row.role == Role.EMPLOYEE and row.slack_id in managers
        else row
        for row in rows
    ]


def _changes(directory: _Directory, person: Person, row: OrgRow) -> dict[str, tuple[Any, Any]]:
    """Return field -> (stored, wanted) for each field the row changes."""
    stored = {
        "name": person.name,
        "role": person.role,
        "team": directory.team_names.get(person.team_id) if person.team_id else None,
        "manager": directory.manager_of(person),
        "active": person.active,
        "email": person.email,
        "timezone": person.timezone,
        "locale": person.locale,
        "teams_id": person.teams_id,
    }
    wanted: dict[str, Any] = {
        "name": row.name,
        "role": row.role,
        "team": row.team,
        "manager": row.manager_slack_id,
        "active": True,
    }
    wanted |= {name: value for name in DIRECTORY_FIELDS if (value := getattr(row, name)) is not None}
    return {name: (stored[name], value) for name, value in wanted.items() if stored[name] != value}


# --- applying ----------------------------------------------------------------------------------


def apply_import(session: Session, plan: ImportPlan, *, now: datetime, actor_id: int | None = None) -> None:
    """Write the plan's people and teams and one `org.import` audit event; the caller commits."""
    _require_aware(now)
    if not (plan.created or plan.updated):
        return
    teams = _upsert_teams(session, _team_names(plan), now=now)
    people = _people_by_slack_id(session, [row.slack_id for row, _ in plan.updated])
    for row in plan.created:
        people[row.slack_id] = _new_person(row, teams, now=now)
        session.add(people[row.slack_id])
    for row, changes in plan.updated:
        _update_person(people[row.slack_id], changes, teams, now=now)
    session.flush()  # new people need ids before anyone can report to them
    _link_managers(session, plan, people)
    audit.record(
        session,
        action="org.import",
        entity="person",
        entity_id=None,
        actor_id=actor_id,
        now=now,
        detail={
            "created": len(plan.created),
            "updated": len(plan.updated),
            "unchanged": len(plan.unchanged),
            "not_in_file": len(plan.not_in_file),
        },
    )
    session.flush()


def _team_names(plan: ImportPlan) -> set[str]:
    names = {row.team for row in plan.created if row.team}
    names |= {changes["team"][1] for _, changes in plan.updated if "team" in changes and changes["team"][1]}
    return names


def _upsert_teams(session: Session, names: set[str], *, now: datetime) -> dict[str, Team]:
    """Return the named teams, creating the missing ones."""
    teams = {team.name: team for team in session.exec(select(Team).where(col(Team.name).in_(names)))}
    for name in names - teams.keys():
        teams[name] = Team(name=name, created_at=now)
        session.add(teams[name])
    session.flush()
    return teams


def _people_by_slack_id(session: Session, slack_ids: Iterable[str]) -> dict[str, Person]:
    people = session.exec(select(Person).where(col(Person.slack_id).in_(list(slack_ids))))
    return {person.slack_id: person for person in people if person.slack_id}


def _new_person(row: OrgRow, teams: dict[str, Team], *, now: datetime) -> Person:
    return Person(
        slack_id=row.slack_id,
        teams_id=row.teams_id,
        name=row.name,
        email=row.email,
        team_id=teams[row.team].id if row.team else None,
        role=row.role,
        timezone=row.timezone,
        locale=row.locale,
        active=True,
        created_at=now,
        updated_at=now,
    )


def _update_person(
    person: Person, changes: dict[str, tuple[Any, Any]], teams: dict[str, Team], *, now: datetime
) -> None:
    for name, (_, value) in changes.items():
        if name == "team":
            person.team_id = teams[value].id if value else None
        elif name != "manager":  # managers are linked once everyone has an id
            setattr(person, name, value)
    person.updated_at = now


def _link_managers(session: Session, plan: ImportPlan, people: dict[str, Person]) -> None:
    wanted = {row.slack_id: row.manager_slack_id for row in plan.created}
    wanted |= {row.slack_id: changes["manager"][1] for row, changes in plan.updated if "manager" in changes}
    managers = _people_by_slack_id(session, {manager for manager in wanted.values() if manager})
    for slack_id, manager in wanted.items():
        people[slack_id].manager_id = managers[manager].id if manager else None


# --- directory sync ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    """A chat-directory user in a neutral shape; the chat layer converts its platform's list into these."""

    slack_id: str
    name: str | None
    email: str | None
    timezone: str | None
    locale: str | None


@dataclass
class SyncResult:
    updated: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    # Directory users not in our org: reported, never created (the org CSV decides who is in).
    unknown: list[str] = field(default_factory=list)


def sync_directory(session: Session, entries: Iterable[DirectoryEntry], *, now: datetime) -> SyncResult:
    """Refresh name, e-mail, time zone and locale of known people from the chat directory.

    Empty, malformed and unsupported values are ignored, so a sparse profile never erases what we know.
    Erased people are left alone: their personal data must not come back.
    """
    _require_aware(now)
    entries = list(entries)
    people = _people_by_slack_id(session, [entry.slack_id for entry in entries])
    result = SyncResult()
    for entry in entries:
        person = people.get(entry.slack_id)
        if person is None:
            result.unknown.append(entry.slack_id)
        elif person.erased_at is None and (changes := _sync_changes(person, entry)):
            for name, (_, value) in changes.items():
                setattr(person, name, value)
            person.updated_at = now
            result.updated.append((entry.slack_id, changes))
    if result.updated:
        audit.record(
            session,
            action="org.sync",
            entity="person",
            entity_id=None,
            actor_id=None,
            now=now,
            detail={"updated": len(result.updated), "unknown": len(result.unknown)},
        )
        session.flush()
    return result


def _sync_changes(person: Person, entry: DirectoryEntry) -> dict[str, tuple[Any, Any]]:
    offered = {
        "name": _usable(entry.name, lambda name: len(name) <= NAME_MAX),
        "email": _usable(entry.email, _valid_email),
        "timezone": _usable(entry.timezone, _valid_zone),
        "locale": normalize_locale(entry.locale),
    }
    return {
        name: (getattr(person, name), value)
        for name, value in offered.items()
        if value is not None and getattr(person, name) != value
    }


def _usable(value: str | None, valid: Callable[[str], bool]) -> str | None:
    """Return the value stripped if it is non-empty and valid, else None."""
    value = (value or "").strip()
    return value if value and valid(value) else None


CADENCES = {"weekly": 1, "fortnightly": 2}


def set_team_cadence(session: Session, team_name: str, cadence: str, *, now: datetime) -> Team:
    """Set how often a team checks in (weekly or fortnightly); raise LookupError for an unknown team."""
    _require_aware(now)
    if cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)}")
    team = session.exec(select(Team).where(Team.name == team_name)).first()
    if team is None:
        raise LookupError(f"no team named {team_name!r}")
    if team.checkin_every_weeks != CADENCES[cadence]:
        audit.record(session, action="team.cadence", entity="team", entity_id=team.id, actor_id=None, now=now,
                     detail={"from": team.checkin_every_weeks, "to": CADENCES[cadence]})
        team.checkin_every_weeks = CADENCES[cadence]
        session.add(team)
    return team
