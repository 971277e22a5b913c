"""Custom check-in questions: who may set a team's or a plan's list, opening it to edit, and saving it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from actions.outcome import Asked, Outcome, Tell
from prompts import question_blocks
from storage import questions
from storage.models import Person, Team
from storage.permissions import is_hr

NOT_ALLOWED = "questions_not_allowed"
SCOPE_UNKNOWN = "questions_scope_unknown"
INVALID = "questions_invalid"


@dataclass(frozen=True)
class Editing:
    """A list opened to edit: whose, and its text as saved."""

    scope: questions.Scope
    source: str


def led_team_ids(session: Session, person: Person) -> set[int]:
    """The teams a manager leads: those of their active direct reports."""
    query = select(Person.team_id).where(Person.manager_id == person.id, Person.active,
                                         col(Person.team_id).is_not(None))
    return set(session.exec(query))


def may_edit(session: Session, person: Person, scope: questions.Scope) -> bool:
    """HR may set any team's or plan's list; a manager, the list of a team they lead."""
    if not person.active:
        return False
    return is_hr(person) or (scope.kind == "team" and scope.id in led_team_ids(session, person))


def _scope_asked(session: Session, person: Person, argument: str) -> questions.Scope | None:
    """`team NAME`, `plan NAME` or `NAME` (a team); nothing: the team the person leads, else their own."""
    words = argument.strip()
    kind, _, rest = words.partition(" ")
    try:
        if kind.lower() == "plan" and rest.strip():
            return questions.scope_named(session, plan=rest.strip())
        if kind.lower() == "team" and rest.strip():
            return questions.scope_named(session, team=rest.strip())
        if words:
            return questions.scope_named(session, team=words)
    except questions.QuestionScopeError:
        return None
    led = sorted(led_team_ids(session, person))
    team_id = led[0] if led else person.team_id
    team = session.get(Team, team_id) if team_id is not None else None
    return questions.Scope("team", team.id, team.name) if team is not None else None


def open_questions(session: Session, asked: Asked, *, argument: str = "", scope_key: str | None = None) -> Outcome:
    """Open a team's or plan's list to edit, for HR or the team's manager: the one `argument` names (a command's
    words), or `scope_key` (`team:3`, a button's)."""
    scope = questions.scope_of_key(session, scope_key) if scope_key is not None else \
        _scope_asked(session, asked.person, argument)
    if scope is None:
        return Outcome.refused({"questions": SCOPE_UNKNOWN})
    if not may_edit(session, asked.person, scope):
        return Outcome.refused({"questions": NOT_ALLOWED})
    row = questions.list_of(session, scope)
    source = row.source if row is not None else ""
    if len(source) > question_blocks.LIST_MAX:  # set from a file, notes and all: the questions alone fit the form
        source = questions.source_of(questions.questions_of(row))
    return Outcome.done(value=Editing(scope, source))


def save_questions(session: Session, asked: Asked, *, scope_key: str, text: str) -> Outcome:
    """Replace the list with the text as typed (empty: no questions); refused, with every line at fault, when wrong.

    Refused: errors {"questions": INVALID} and the value is the parser's errors, each with its line.
    """
    scope = questions.scope_of_key(session, scope_key)
    if scope is None:
        return Outcome.refused({"questions": SCOPE_UNKNOWN})
    if not may_edit(session, asked.person, scope):
        return Outcome.refused({"questions": NOT_ALLOWED})
    try:
        saved = questions.save(session, scope, text, actor=asked.person, now=asked.now)
    except questions.QuestionListError as error:
        return Outcome(errors={"questions": INVALID}, value=error.errors)
    reply = question_blocks.saved(count=len(saved), scope_kind=scope.kind, scope_name=scope.name,
                                  locale=asked.locale)
    return Outcome.done(reply=reply, tells=[Tell(asked.person, lambda _locale: reply, here=True,
                                                  locale=asked.locale)], value=saved)
