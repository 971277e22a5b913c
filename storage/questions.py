"""Custom check-in questions: a short list per team or plan, parsed from text, asked every N weeks, answered."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from storage import audit, plans
from storage.models import CheckIn, CheckinAnswer, PerformancePlan, Person, QuestionList, Team
from storage.weeks import week_monday, week_of

TYPES = ("text", "1-5", "yes/no")
MAX_QUESTIONS = 10
TEXT_MAX = 150  # each question's wording, per language
EVERY_MAX = 8  # weeks
ANSWER_MAX = 1000  # a text answer
FIELDS = ("id", "type", "every", "English text", "中文")
YES, NO = "yes", "no"
ID = re.compile(r"[a-z0-9_]{1,30}")
FIELD_PREFIX = "q:"  # a form field holding an answer is "q:<question id>"

# Answer errors: a surface turns each code into words beside the field.
ANSWER_SCALE_INVALID = "answer_scale_invalid"
ANSWER_YES_NO_INVALID = "answer_yes_no_invalid"
ANSWER_TOO_LONG = "text_too_long"


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # one of TYPES
    every: int  # asked every this many weeks
    en: str
    zh: str

    def text(self, locale: str | None) -> str:
        return self.zh if (locale or "").startswith("zh") else self.en

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class QuestionError:
    """One problem of a question list: its line (0: the list as a whole), a code that picks the words, details."""

    line: int
    code: str  # fields, id_missing, id_invalid, id_duplicate, type_unknown, every_invalid, no_text, text_too_long,
    #            too_many, empty
    detail: Mapping[str, object] = field(default_factory=dict)


class QuestionListError(ValueError):
    """The list is refused; `errors` says what is wrong on which line, all at once."""

    def __init__(self, errors: list[QuestionError]) -> None:
        super().__init__("; ".join(f"line {e.line}: {e.code}" for e in errors))
        self.errors = errors


class QuestionScopeError(LookupError):
    """No such team or plan."""


# --- parsing -----------------------------------------------------------------------------------


def parse(text: str) -> list[Question]:
    """Parse a question list, one `id | type | every | English | 中文` a line; `#` comments and blank lines skipped.

    Raises QuestionListError with every problem found, each with its line number. An empty list parses to [].
    """
    questions: list[Question] = []
    errors: list[QuestionError] = []
    seen: dict[str, int] = {}
    counted = 0
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        counted += 1
        if counted == MAX_QUESTIONS + 1:
            errors.append(QuestionError(number, "too_many", {"limit": MAX_QUESTIONS}))
        question, problems = _parse_line(number, line)
        if question is not None and question.id in seen:
            problems.insert(0, QuestionError(number, "id_duplicate", {"id": question.id, "first": seen[question.id]}))
        elif question is not None and question.id:
            seen[question.id] = number
        errors += problems
        if question is not None and not problems:
            questions.append(question)
    if errors:
        raise QuestionListError(errors)
    return questions


def _parse_line(number: int, line: str) -> tuple[Question | None, list[QuestionError]]:
    parts = [part.strip() for part in line.replace("｜", "|").split("|")]
    if len(parts) != len(FIELDS):
        return None, [QuestionError(number, "fields", {"found": len(parts), "expected": len(FIELDS)})]
    qid, kind, every_text, en, zh = parts
    errors: list[QuestionError] = []
    if not qid:
        errors.append(QuestionError(number, "id_missing"))
    elif not ID.fullmatch(qid):
        errors.append(QuestionError(number, "id_invalid", {"id": qid}))
    kind = kind.lower().replace(" ", "")
    if kind not in TYPES:
        errors.append(QuestionError(number, "type_unknown", {"type": parts[1], "types": ", ".join(TYPES)}))
    every = _every(every_text)
    if every is None:
        errors.append(QuestionError(number, "every_invalid", {"every": every_text, "limit": EVERY_MAX}))
    for language, words in (("English", en), ("中文", zh)):
        if not words:
            errors.append(QuestionError(number, "no_text", {"language": language}))
        elif len(words) > TEXT_MAX:
            errors.append(QuestionError(number, "text_too_long", {"language": language, "limit": TEXT_MAX}))
    return Question(id=qid, type=kind, every=every or 1, en=en, zh=zh), errors


def _every(text: str) -> int | None:
    folded = unicodedata.normalize("NFKC", text).strip()  # full-width digits from a Chinese input method
    if not folded.isdigit():
        return None
    every = int(folded)
    return every if 1 <= every <= EVERY_MAX else None


def source_of(questions: Iterable[Question]) -> str:
    """Write questions back as the text they parse from."""
    return "\n".join(f"{q.id} | {q.type} | {q.every} | {q.en} | {q.zh}" for q in questions)


# --- the lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose list: a team's or a plan's."""

    kind: str  # "team" or "plan"
    id: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def scope_named(session: Session, *, team: str | None = None, plan: str | None = None) -> Scope:
    """Return the team or plan called so; QuestionScopeError when there is none."""
    if team is not None:
        row = session.exec(select(Team).where(Team.name == team)).first()
        if row is None:
            raise QuestionScopeError(f"no team named {team!r}")
        return Scope("team", row.id, row.name)
    found = session.exec(select(PerformancePlan).where(PerformancePlan.name == plan)).first()
    if found is None:
        raise QuestionScopeError(f"no plan named {plan!r}")
    return Scope("plan", found.id, found.name)


def scope_of_key(session: Session, key: str) -> Scope | None:
    """Return the scope a form's `team:3` / `plan:2` names, or None (forged or gone)."""
    kind, _, raw_id = (key or "").partition(":")
    if kind not in ("team", "plan") or not raw_id.isdigit():
        return None
    row = session.get(Team if kind == "team" else PerformancePlan, int(raw_id))
    return Scope(kind, row.id, row.name) if row is not None else None


def list_of(session: Session, scope: Scope) -> QuestionList | None:
    column = QuestionList.team_id if scope.kind == "team" else QuestionList.plan_id
    return session.exec(select(QuestionList).where(column == scope.id)).first()


def questions_of(row: QuestionList | None) -> list[Question]:
    return [Question(**entry) for entry in row.questions] if row is not None else []


def save(session: Session, scope: Scope, text: str, *, actor: Person | None, now: datetime) -> list[Question]:
    """Replace the scope's list with the parsed text (an empty text removes it); audited. Answers given stay.

    Raises QuestionListError (nothing saved) when a line is wrong. Every-N-weeks counts from the week saved.
    """
    questions = parse(text)
    row = list_of(session, scope)
    if not questions:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = QuestionList(team_id=scope.id if scope.kind == "team" else None,
                               plan_id=scope.id if scope.kind == "plan" else None, created_at=now)
        row.questions = [q.as_dict() for q in questions]
        row.source = text.strip()
        row.anchor_week = week_of(now, UTC)
        row.updated_by_id = actor.id if actor else None
        row.updated_at = now
        session.add(row)
    session.flush()
    audit.record(session, action="questions.set" if questions else "questions.clear", entity=scope.kind,
                 entity_id=scope.id, actor_id=actor.id if actor else None, now=now,
                 detail={"ids": [q.id for q in questions]})
    session.flush()
    return questions


# --- asking ------------------------------------------------------------------------------------


def _week_index(week: str) -> int:
    return week_monday(week).toordinal() // 7


def due(row: QuestionList, week: str) -> list[Question]:
    """The list's questions asked in `week`: every=N ones in the weeks N, 2N, ... after the week it was saved."""
    since = _week_index(week) - _week_index(row.anchor_week)
    return [q for q in questions_of(row) if since % q.every == 0]


def asked_of(session: Session, person: Person, week: str) -> list[Question]:
    """The questions the person is asked in `week`: their plan's, then their team's (a repeated id once)."""
    rows: list[QuestionList] = []
    candidates = select(PerformancePlan).where(
        col(PerformancePlan.team_id).is_(None) | (PerformancePlan.team_id == person.team_id))
    plan = plans.applicable(list(session.exec(candidates.order_by(col(PerformancePlan.id)))), person)
    if plan is not None and (found := list_of(session, Scope("plan", plan.id, plan.name))) is not None:
        rows.append(found)
    if person.team_id is not None and (found := list_of(session, Scope("team", person.team_id, ""))) is not None:
        rows.append(found)
    asked: dict[str, Question] = {}
    for row in rows:
        for question in due(row, week):
            asked.setdefault(question.id, question)
    return list(asked.values())


# --- answering ---------------------------------------------------------------------------------


def field_name(question_id: str) -> str:
    return f"{FIELD_PREFIX}{question_id}"


def clean_answers(questions: list[Question], given: Mapping[str, str | None]) -> tuple[dict[str, str], dict[str, str]]:
    """Check each answer against its question's type: (question id -> value, field -> error code).

    Every answer is optional; an answer to a question not asked (a stale or forged form) is dropped.
    """
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = given.get(question.id)
        text = unicodedata.normalize("NFKC", raw).strip() if question.type != "text" and raw else (raw or "").strip()
        if not text:
            continue
        if question.type == "1-5" and text not in ("1", "2", "3", "4", "5"):
            errors[field_name(question.id)] = ANSWER_SCALE_INVALID
        elif question.type == "yes/no" and text.lower() not in (YES, NO):
            errors[field_name(question.id)] = ANSWER_YES_NO_INVALID
        elif question.type == "text" and len(text) > ANSWER_MAX:
            errors[field_name(question.id)] = ANSWER_TOO_LONG
        else:
            values[question.id] = text.lower() if question.type == "yes/no" else text
    return values, errors


def record_answers(session: Session, checkin: CheckIn, questions: list[Question], values: Mapping[str, str], *,
                   locale: str | None) -> None:
    """Store the check-in's answers with each question's words as asked; an edit replaces the week's answers."""
    kept = {row.question_id: row for row in session.exec(
        select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin.id))}
    for question in questions:
        row = kept.pop(question.id, None)
        if question.id not in values:
            if row is not None:
                session.delete(row)
            continue
        row = row or CheckinAnswer(checkin_id=checkin.id, question_id=question.id)
        row.answer_type = question.type
        row.question = question.text(locale)
        row.value = values[question.id]
        session.add(row)
    session.flush()


def answers_of(session: Session, checkin_ids: Iterable[int]) -> dict[int, list[CheckinAnswer]]:
    """Return the answers given in these check-ins, by check-in id, in the order they were asked."""
    ids = list(checkin_ids)
    if not ids:
        return {}
    by_checkin: dict[int, list[CheckinAnswer]] = defaultdict(list)
    query = select(CheckinAnswer).where(col(CheckinAnswer.checkin_id).in_(ids)).order_by(col(CheckinAnswer.id))
    for row in session.exec(query):
        by_checkin[row.checkin_id].append(row)
    return by_checkin


def asked_with_answers(session: Session, person: Person, week: str,
                       checkin: CheckIn | None) -> tuple[list[Question], dict[str, str]]:
    """The week's questions for the person, and what they answered already when the check-in is being edited."""
    asked = asked_of(session, person, week)
    given = answers_of(session, [checkin.id]).get(checkin.id, []) if checkin is not None and asked else []
    return asked, {answer.question_id: answer.value for answer in given}
