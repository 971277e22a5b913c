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
    """One valid line of an org CSV, cleaned: empty cells are None, the locale normalised.

    A line names its person by `slack_id`, `teams_id` or both; `manager_slack_id` holds the manager's Slack id,
    Teams id or e-mail.
    """

    line: int
    slack_id: str | None
    name: str
    email: str | None
    manager_slack_id: str | None
    team: str | None
    role: str
    timezone: str | None
    locale: str | None
    teams_id: str | None = None

    @property
    def identity(self) -> str:
        """The id this person goes by in messages: their Slack id, else their Teams id."""
        return self.slack_id or self.teams_id or ""


@dataclass(frozen=True)
class RowError:
    line: int
    slack_id: str | None
    reason: str
    teams_id: str | None = None

    def __str__(self) -> str:
        who = self.slack_id or self.teams_id
        return f"line {self.line}: {who + ': ' if who else ''}{self.reason}"


class OrgImportError(ValueError):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(error) for error in self.errors))


class _Link(NamedTuple):
    """Who a line is and whom it reports to, kept even for invalid lines so graph errors show too."""

    line: int
    slack_id: str | None
    teams_id: str | None
    email: str | None
    manager: str | None  # the manager_slack_id cell: the manager's Slack id, Teams id or e-mail

    @property
    def identity(self) -> str:
        return self.slack_id or self.teams_id or ""

    def error(self, reason: str) -> RowError:
        return RowError(self.line, self.slack_id, reason, self.teams_id)


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
    teams_id = by_column.get("teams_id") or None
    problems = _duplicate_problems(line, by_column, first_lines)
    if complete:
        problems += _cell_problems(by_column)
    else:
        problems.append(f"expected {len(columns)} cells, found {len(cells)}")
    parsed.errors.extend(RowError(line, slack_id, problem, teams_id) for problem in problems)
    identity = ("slack_id", slack_id) if slack_id else ("teams_id", teams_id)
    if identity[1] and first_lines[identity] == line:
        # A line with missing cells still names someone, but its manager cell cannot be trusted.
        manager = (by_column["manager_slack_id"] or None) if complete else None
        parsed.links.append(_Link(line, slack_id, teams_id, by_column.get("email") or None, manager))
    if not problems:
        parsed.rows.append(_row(line, by_column))


def _cell_problems(cells: dict[str, str]) -> list[str]:
    """Return what is wrong with a line on its own, without the rest of the org."""
    slack_id, name, email, team = cells["slack_id"], cells["name"], cells["email"], cells["team"]
    role, zone, locale = cells["role"], cells["timezone"], cells["locale"]
    teams_id, manager = cells.get("teams_id", ""), cells["manager_slack_id"]
    ids = "slack_id or teams_id" if "teams_id" in cells else "slack_id"
    checks = [
        (not (slack_id or teams_id), f"missing {ids}"),
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
        (_names_self(manager, slack_id, teams_id, email), "is their own manager"),
        (len(teams_id) > TEAMS_ID_MAX, f"teams_id is longer than {TEAMS_ID_MAX} characters"),
    ]
    return [problem for failed, problem in checks if failed]


def _names_self(manager: str | None, slack_id: str | None, teams_id: str | None, email: str | None) -> bool:
    """Whether a line's manager cell holds that line's own Slack id, Teams id or e-mail."""
    if not manager:
        return False
    return manager in (slack_id, teams_id) or (bool(email) and manager.lower() == (email or "").lower())


def _duplicate_problems(
    line: int, cells: dict[str, str], first_lines: dict[tuple[str, str], int]
) -> list[str]:
    """Return a problem for each id an earlier line already used; remember the ids of this line.

    Someone only in Teams is also told apart by e-mail (it is how they are matched and may be named as a
    manager), so two such lines may not share one.
    """
    problems = []
    for column in ("slack_id", *OPTIONAL_COLUMNS):
        value = cells.get(column)
        if not value:
            continue
        first = first_lines.setdefault((column, value), line)
        if first != line:
            problems.append(f"duplicate {column} {value} (first on line {first})")
    email = cells.get("email")
    if email and cells.get("teams_id") and not cells.get("slack_id"):
        first = first_lines.setdefault(("email", email.lower()), line)
        if first != line:
            problems.append(f"duplicate email {email} among people without a slack_id (first on line {first})")
    return problems


def _row(line: int, cells: dict[str, str]) -> OrgRow:
    return OrgRow(
        line=line,
        slack_id=cells["slack_id"] or None,
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

# Someone in the reporting graph: ("person", Person.id) for someone stored, ("line", n) for a newcomer on line n.
Node = tuple[str, int | None]


@dataclass
class ImportPlan:
    """What an import changes, person by person."""

    created: list[OrgRow] = field(default_factory=list)
    updated: list[tuple[OrgRow, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    unchanged: list[OrgRow] = field(default_factory=list)
    # Active people missing from the file are left as they are: a partial file must never deactivate.
    not_in_file: list[str] = field(default_factory=list)
    # How to apply it: who each created or updated line is, and whom each line with a new manager reports to.
    nodes: dict[int, Node] = field(default_factory=dict, repr=False)
    managers: dict[int, Node | None] = field(default_factory=dict, repr=False)

    def summary_lines(self) -> list[str]:
        """Describe the diff for a person to read, one line per new person or changed field."""
        lines = [
            f"+ {row.identity} {row.name} ({', '.join(filter(None, [row.role, row.team]))})"
            for row in self.created
        ]
        lines += [
            f"~ {row.identity} {name}: {_show(old)} -> {_show(new)}"
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


def _stored(person: Person) -> Node:
    return ("person", person.id)


def _identity(person: Person) -> str:
    """The id a stored person goes by in messages: Slack id, else Teams id (erased people have neither)."""
    return person.slack_id or person.teams_id or person.name


@dataclass
class _Directory:
    """The people and teams already stored, read once per import."""

    people: list[Person]  # everyone, active or not
    by_slack_id: dict[str, Person]
    by_teams_id: dict[str, Person]
    by_email: dict[str, list[Person]]  # lower-cased
    team_names: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> _Directory:
        everyone = list(session.exec(select(Person).order_by(col(Person.id))))
        by_email: dict[str, list[Person]] = {}
        for person in everyone:
            if person.email:
                by_email.setdefault(person.email.lower(), []).append(person)
        return cls(
            people=everyone,
            by_slack_id={person.slack_id: person for person in everyone if person.slack_id},
            by_teams_id={person.teams_id: person for person in everyone if person.teams_id},
            by_email=by_email,
            team_names={team.id: team.name for team in session.exec(select(Team)) if team.id is not None},
        )

    def by_unique_email(self, email: str | None) -> Person | None:
        found = self.by_email.get(email.lower(), []) if email else []
        return found[0] if len(found) == 1 else None


@dataclass
class _Org:
    """The file laid over the stored org: who each line is, whom they report to, and what does not fit."""

    matched: dict[int, Person] = field(default_factory=dict)  # line -> the stored person that line is
    nodes: dict[int, Node] = field(default_factory=dict)  # line -> who that line is in the reporting graph
    managers: dict[int, Node | None] = field(default_factory=dict)  # line -> its manager, for names that resolve
    reporting: dict[Node, Node | None] = field(default_factory=dict)
    labels: dict[Node, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def label(self, node: Node | None) -> str | None:
        return self.labels.get(node) if node else None


def plan_import(session: Session, rows: list[OrgRow]) -> ImportPlan:
    """Check the rows against the stored org and return the diff; raise OrgImportError if they do not fit."""
    directory = _Directory.load(session)
    org = _resolve(directory, [_link(row) for row in rows])
    _raise_if_any(org.errors)
    return _diff(directory, org, rows)


def import_org_csv(session: Session, text: str, *, now: datetime, dry_run: bool = False) -> ImportPlan:
    """Parse, check and (unless a dry run) apply an org CSV, reporting every bad line together."""
    parsed = _parse(text)
    directory = _Directory.load(session)
    org = _resolve(directory, parsed.links)
    _raise_if_any(parsed.errors + org.errors)
    plan = _diff(directory, org, parsed.rows)
    if not dry_run:
        apply_import(session, plan, now=now)
    return plan


def _link(row: OrgRow) -> _Link:
    return _Link(row.line, row.slack_id, row.teams_id, row.email, row.manager_slack_id)


def _resolve(directory: _Directory, links: list[_Link]) -> _Org:
    """Match each line to a stored person, resolve its manager, and find what needs the whole org to see."""
    org = _Org()
    _match_people(directory, links, org)
    org.nodes = {
        link.line: _stored(org.matched[link.line]) if link.line in org.matched else ("line", link.line)
        for link in links
    }
    org.labels = {_stored(person): _identity(person) for person in directory.people}
    org.labels |= {org.nodes[link.line]: link.identity for link in links}
    _resolve_managers(directory, links, org)
    # The stored active org, overridden by the file.
    org.reporting = {
        _stored(person): ("person", person.manager_id) if person.manager_id else None
        for person in directory.people
        if person.active
    }
    org.reporting |= {org.nodes[link.line]: org.managers.get(link.line) for link in links}
    org.errors += _cycle_errors(org, links)
    return org


def _match_people(directory: _Directory, links: list[_Link], org: _Org) -> None:
    """Match lines to stored people by Slack id, else Teams id, else an e-mail only one stored person has.

    A line may add an id its person lacks but never replaces one, and two lines are never one person.
    """
    claimed: dict[int | None, int] = {}

    def claim(link: _Link, person: Person) -> None:
        first = claimed.setdefault(person.id, link.line)
        if first == link.line:
            org.matched[link.line] = person
        else:
            org.errors.append(link.error(
                f"is the same person as line {first} (one line may hold both a slack_id and a teams_id)"))

    by_email = []
    for link in links:
        by_slack = directory.by_slack_id.get(link.slack_id) if link.slack_id else None
        by_teams = directory.by_teams_id.get(link.teams_id) if link.teams_id else None
        if by_teams is not None and by_teams is not by_slack and (by_slack or (link.slack_id and by_teams.slack_id)):
            owner = by_teams.slack_id or by_teams.name
            org.errors.append(link.error(f"teams_id {link.teams_id} already belongs to {owner}"))
        elif person := by_slack or by_teams:
            claim(link, person)
        else:
            by_email.append(link)
    for link in by_email:
        person = directory.by_unique_email(link.email)
        if person is None or person.id in claimed:
            continue
        if not ((person.slack_id and link.slack_id) or (person.teams_id and link.teams_id)):
            claim(link, person)


def _resolve_managers(directory: _Directory, links: list[_Link], org: _Org) -> None:
    """Resolve each manager cell: a Slack id, Teams id or e-mail in the file, else of an active stored person."""
    in_file: dict[str, dict[str, Node]] = {"slack_id": {}, "teams_id": {}}
    emails: dict[str, dict[Node, int]] = {}
    for link in links:
        node = org.nodes[link.line]
        if link.slack_id:
            in_file["slack_id"].setdefault(link.slack_id, node)
        if link.teams_id:
            in_file["teams_id"].setdefault(link.teams_id, node)
        if link.email:
            emails.setdefault(link.email.lower(), {}).setdefault(node, link.line)
    listed = set(org.nodes.values())
    for link in links:
        ref = link.manager
        if not ref:
            org.managers[link.line] = None
            continue
        node = in_file["slack_id"].get(ref) or in_file["teams_id"].get(ref)
        lines = emails.get(ref.lower(), {})
        if node is None and len(lines) > 1:
            org.errors.append(link.error(f"ambiguous manager {ref}: the e-mail of lines {_and(lines.values())}"))
            continue
        if node is None and lines:
            (node,) = lines
        if node is None:
            node, problem = _stored_manager(directory, ref, listed)
            if problem:
                org.errors.append(link.error(problem))
                continue
        if node == org.nodes[link.line]:
            if not _names_self(ref, link.slack_id, link.teams_id, link.email):
                org.errors.append(link.error("is their own manager"))
            continue
        org.managers[link.line] = node


def _stored_manager(directory: _Directory, ref: str, listed: set[Node]) -> tuple[Node | None, str | None]:
    """Find a manager not named in the file among stored people who are active (or in the file)."""

    def known(person: Person) -> bool:
        return person.active or _stored(person) in listed

    person = directory.by_slack_id.get(ref) or directory.by_teams_id.get(ref)
    if person is None:
        found = [person for person in directory.by_email.get(ref.lower(), []) if known(person)]
        if len(found) > 1:
            return None, f"ambiguous manager {ref}: the e-mail of {len(found)} people"
        person = found[0] if found else None
    if person is None or not known(person):
        return None, f"unknown manager {ref}"
    return _stored(person), None


def _and(numbers: Iterable[int]) -> str:
    """`2`, `2 and 5`, `2, 5 and 7`."""
    words = [str(number) for number in sorted(numbers)]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _cycle_errors(org: _Org, links: list[_Link]) -> list[RowError]:
    """Report every line in a reporting cycle, with the cycle drawn from that line's person."""
    lines = {org.nodes[link.line]: link for link in links}
    errors = []
    for cycle in _cycles(org.reporting):
        for index, node in enumerate(cycle):
            if node in lines:
                path = cycle[index:] + cycle[: index + 1]
                drawn = " -> ".join(org.labels.get(step, "?") for step in path)
                errors.append(lines[node].error(f"reporting cycle {drawn}"))
    return errors


def _cycles(reporting: dict[Node, Node | None]) -> list[list[Node]]:
    """Return each cycle of two or more people once, in reporting order (self-managers are reported apart)."""
    visited: set[Node] = set()
    cycles = []
    for start in reporting:
        path: list[Node] = []
        position: dict[Node, int] = {}
        node: Node | None = start
        while node is not None and node not in visited and node not in position:
            position[node] = len(path)
            path.append(node)
            node = reporting.get(node)
        if node is not None and node in position and len(path) - position[node] > 1:
            cycles.append(path[position[node] :])
        visited.update(path)
    return cycles


def _diff(directory: _Directory, org: _Org, rows: list[OrgRow]) -> ImportPlan:
    plan = ImportPlan()
    for row in _with_manager_roles(rows, org):
        person = org.matched.get(row.line)
        if person is None:
            plan.created.append(row)
            plan.nodes[row.line] = org.nodes[row.line]
            plan.managers[row.line] = org.managers.get(row.line)
        elif changes := _changes(directory, org, person, row):
            plan.updated.append((row, changes))
            plan.nodes[row.line] = org.nodes[row.line]
            if "manager" in changes:
                plan.managers[row.line] = org.managers.get(row.line)
        else:
            plan.unchanged.append(row)
    in_file = {person.id for person in org.matched.values()}
    plan.not_in_file = sorted(
        _identity(person) for person in directory.people if person.active and person.id not in in_file
    )
    return plan


def _with_manager_roles(rows: list[OrgRow], org: _Org) -> list[OrgRow]:
    """Store anyone listed as an employee who has reports as a manager; hr and admin keep their role."""
    managers = set(org.reporting.values())
    return [
        replace(row, role=Role.MANAGER.value)
        if row.role == Role.EMPLOYEE and org.nodes[row.line] in managers
        else row
        for row in rows
    ]


def _changes(directory: _Directory, org: _Org, person: Person, row: OrgRow) -> dict[str, tuple[Any, Any]]:
    """Return field -> (stored, wanted) for each field the row changes; managers are shown by their ids."""
    stored = {
        "name": person.name,
        "role": person.role,
        "team": directory.team_names.get(person.team_id) if person.team_id else None,
        "manager": ("person", person.manager_id) if person.manager_id else None,
        "active": person.active,
        "email": person.email,
        "timezone": person.timezone,
        "locale": person.locale,
        "teams_id": person.teams_id,
        "slack_id": person.slack_id,
    }
    wanted: dict[str, Any] = {
        "name": row.name,
        "role": row.role,
        "team": row.team,
        "manager": org.managers.get(row.line),
        "active": True,
    }
    # Like the directory fields, a Slack id is only ever added: matching never pairs two different ones.
    wanted |= {name: value for name in (*DIRECTORY_FIELDS, "slack_id") if (value := getattr(row, name)) is not None}
    changes = {name: (stored[name], value) for name, value in wanted.items() if stored[name] != value}
    if "manager" in changes:
        old, new = changes["manager"]
        changes["manager"] = (org.label(old), org.label(new))
    return changes


# --- applying ----------------------------------------------------------------------------------


def apply_import(session: Session, plan: ImportPlan, *, now: datetime, actor_id: int | None = None) -> None:
    """Write the plan's people and teams and one `org.import` audit event; the caller commits."""
    _require_aware(now)
    if not (plan.created or plan.updated):
        return
    teams = _upsert_teams(session, _team_names(plan), now=now)
    stored = [node for node in (*plan.nodes.values(), *plan.managers.values()) if node and node[0] == "person"]
    people: dict[Node, Person] = {
        _stored(person): person
        for person in session.exec(select(Person).where(col(Person.id).in_({node[1] for node in stored})))
    }
    for row in plan.created:
        people[plan.nodes[row.line]] = _new_person(row, teams, now=now)
        session.add(people[plan.nodes[row.line]])
    for row, changes in plan.updated:
        _update_person(people[plan.nodes[row.line]], changes, teams, now=now)
    session.flush()  # new people need ids before anyone can report to them
    for line, manager in plan.managers.items():
        people[plan.nodes[line]].manager_id = people[manager].id if manager else None
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
