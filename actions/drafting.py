"""Draft a review's text fields from the period's records the writer may see, every sentence citing its record.

`draft_review` is the "Draft from my records" button of the self-, peer- and manager-review forms, on every
surface. It never rates and never saves: its outcome's value is a `Draft` the surface puts in the form's text
fields, for the person to edit and submit. With a model, each sentence the model writes is kept only when it ends
with the source of a record that was sent (`[check-in 2026-W41]`); without one (or with the feature's model
unset), the records themselves are quoted, each line with its source.

What is sent is the minimum for the task: the words of the records the writer may see (goals and results,
check-ins, feedback and reflections shown to the employee, kudos, action items), never private coaching notes,
never anyone's name (not the subject's, not a kudos giver's, not a peer's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from actions import assistant
from actions.assistant import Assistant, Question, json_object
from actions.outcome import Asked, Outcome
from prompts.render import label
from storage import goals, peers, permissions, reviews
from storage.models import (
    TEXT_MAX,
    ActionItem,
    CheckIn,
    Goal,
    Kudos,
    Person,
    Review,
    ReviewCycle,
    ReviewKind,
    Visibility,
)
from storage.weeks import week_key

SELF, PEER, MANAGER = "self", "peer", "manager"
KINDS = (SELF, PEER, MANAGER)
FIELD = "draft"  # what a refusal is about: the form as a whole

# Notices (label names) the surface shows above the form after a click.
DRAFTED, EXTRACTIVE, NOTHING = "ai_notice_drafted", "ai_notice_extractive", "ai_notice_nothing"
FAILED = {assistant.TIMEOUT: "ai_notice_timeout", assistant.UNAVAILABLE: "ai_notice_unavailable",
          assistant.JUNK: "ai_notice_junk", assistant.OVER_BUDGET: "ai_notice_over_budget"}
OFF = "assistant_off"

GOALS_MAX, CHECKINS_MAX, FEEDBACK_MAX, KUDOS_MAX, ACTIONS_MAX = 15, 13, 10, 10, 10
QUOTE_MAX = 500  # characters of one record's field sent or quoted
QUOTED_PER_FIELD = 3  # the fallback's lines of each kind in one field

# A source in brackets, as we write it or a model may (full-width brackets in Chinese).
_CITE = re.compile(r"[\[【]([^\[\]【】\n]{1,80})[\]】]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")


@dataclass(frozen=True)
class Source:
    """One record as the draft may use it: its id (for the call log), its citation, its words by part."""

    ref: str  # "checkin:12"
    kind: str  # goal, checkin, feedback, reflection, kudos, action
    key: str  # what the citation names: the week, the date, "#12"
    parts: tuple[tuple[str, str], ...]  # (part, text): ("highlights", "Pilot 5 live"), ...

    def cite(self, locale: str) -> str:
        return f"{label(f'ai_source_{self.kind}', locale)} {self.key}"


@dataclass(frozen=True)
class Draft:
    """Text per form field (never a rating), and the notice to show (a label name)."""

    fields: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    extractive: bool = False


@dataclass(frozen=True)
class _Target:
    kind: str
    subject: Person
    cycle: ReviewCycle
    fields: dict[str, str]  # field -> what it asks, in the writer's language


def draft_review(session: Session, asked: Asked, *, kind: str, review_id: int | None,
                 assistant_: Assistant | None) -> Outcome:
    """Draft the text fields of the writer's own review `review_id` of `kind`; save nothing but the call log."""
    if assistant_ is None or not assistant_.on(assistant.REVIEW_DRAFTS):
        return Outcome.refused({FIELD: OFF})
    try:
        if kind not in KINDS or review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        target = _target(session, asked.person, kind, review_id, asked.locale)
    except reviews.ReviewError as error:
        return Outcome.refused({FIELD: error.code})
    sources = gather(session, asked.person, target.subject, target.cycle)
    if not sources:
        return Outcome.done(value=Draft(notice=NOTHING))
    if assistant_.model is None:
        return Outcome.done(value=Draft(extractive_fields(target, sources, asked.locale), EXTRACTIVE, True))
    answer = assistant.ask(session, assistant_, asked.person, _question(target, sources, asked.locale),
                           now=asked.now)
    if answer.outcome != assistant.OK:
        return Outcome.done(value=Draft(notice=FAILED[answer.outcome]))
    fields, dropped = checked_fields(answer.text or "", target.fields, sources, asked.locale)
    answer.call.dropped = dropped
    if not fields:
        answer.call.outcome = assistant.JUNK
        return Outcome.done(value=Draft(notice=FAILED[assistant.JUNK]))
    return Outcome.done(value=Draft(fields, DRAFTED))


# ---- what the form asks, and whose records --------------------------------------------------------------


def _target(session: Session, writer: Person, kind: str, review_id: int, locale: str) -> _Target:
    """The review's subject, cycle and text fields; the storage verbs refuse anyone but the review's writer."""
    if kind == SELF:
        form = reviews.self_review_form(session, writer, review_id)
        asks = {f"evidence:{goal.id}": label("self_review_evidence", locale, title=goal.title)
                for goal in form.goals[:GOALS_MAX]}
        return _Target(kind, writer, form.cycle, asks | _criteria(form.plan, locale))
    form = (peers.peer_review_form if kind == PEER else reviews.manager_review_form)(session, writer, review_id)
    asks = _criteria(form.plan, locale) | {"strengths": label("manager_review_strengths", locale),
                                           "to_improve": label("manager_review_to_improve", locale)}
    return _Target(kind, form.subject, form.cycle, asks)


def _criteria(plan: dict, locale: str) -> dict[str, str]:
    asks = {}
    for criterion in plan["criteria"]:
        name = _localized(criterion["name"], locale)
        description = _localized(criterion.get("description"), locale)
        asks[f"comment:{criterion['key']}"] = label("self_review_comment", locale, name=name) + (
            f" ({description})" if description else "")
    return asks


def _localized(value: Any, locale: str) -> str:
    if isinstance(value, dict):
        return value.get(locale) or value.get("en") or next(iter(value.values()), "")
    return str(value or "")


def gather(session: Session, writer: Person, subject: Person, cycle: ReviewCycle) -> list[Source]:
    """The subject's records in the cycle's period that the writer may see, oldest first within each kind.

    Goals by goals.can_see; check-ins, feedback, reflections and action items only for the subject, their
    management chain and HR (a peer sees none of them); feedback only as shown to the employee (never the private
    notes, never what is kept for the manager or HR); kudos are public praise, without who gave them.
    """
    start = datetime.combine(cycle.period_start, time.min, tzinfo=UTC)
    end = datetime.combine(cycle.period_end, time.max, tzinfo=UTC)
    sources: list[Source] = []
    owned = list(session.exec(select(Goal).where(Goal.owner_id == subject.id, Goal.approval == "approved",
                                                 col(Goal.archived_at).is_(None), Goal.due_date >= cycle.period_start)
                              .order_by(Goal.due_date, Goal.id)))
    visible = [goal for goal in owned if goals.can_see(session, writer, goal)][:GOALS_MAX]
    progress = goals.progress_map(session, visible)
    for goal in visible:
        result = (f"{goals.format_value(goal.current_value)} / {goals.format_value(goal.target_value)}"
                  f"{' ' + goal.unit if goal.unit else ''} ({round(progress.get(goal.id, 0.0) * 100)}%)")
        sources.append(Source(f"goal:{goal.id}", "goal", f"#{goal.id}",
                              (("goal", _clip(goal.title)), ("result", result), ("status", goal.status))))
    if permissions.can_view_person(session, writer, subject):
        sources += _checkins(session, subject, cycle) + _feedback(session, subject, start, end)
        sources += _actions(session, subject, start, end)
    kudos = session.exec(select(Kudos).where(Kudos.receiver_id == subject.id, Kudos.created_at >= start,
                                             Kudos.created_at <= end)
                         .order_by(col(Kudos.created_at).desc(), col(Kudos.id).desc()).limit(KUDOS_MAX)).all()
    sources += [Source(f"kudos:{k.id}", "kudos", k.created_at.astimezone(UTC).date().isoformat(),
                       (("kudos", _clip(k.message)),)) for k in reversed(kudos)]
    return sources


def _checkins(session: Session, subject: Person, cycle: ReviewCycle) -> list[Source]:
    rows = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id,
                                              CheckIn.week >= week_key(cycle.period_start),
                                              CheckIn.week <= week_key(cycle.period_end))
                        .order_by(col(CheckIn.week).desc()).limit(CHECKINS_MAX)).all()
    found = []
    for checkin in reversed(rows):
        parts = tuple((part, _clip(getattr(checkin, part))) for part in ("highlights", "blockers", "help_needed")
                      if (getattr(checkin, part) or "").strip())
        if parts:
            found.append(Source(f"checkin:{checkin.id}", "checkin", checkin.week, parts))
    return found


def _feedback(session: Session, subject: Person, start: datetime, end: datetime) -> list[Source]:
    kinds = [ReviewKind.WEEKLY_FEEDBACK.value, ReviewKind.REFLECTION.value]
    rows = session.exec(select(Review).where(Review.subject_id == subject.id, col(Review.kind).in_(kinds),
                                             Review.visibility == Visibility.SUBJECT,
                                             col(Review.submitted_at).is_not(None), Review.submitted_at >= start,
                                             Review.submitted_at <= end)
                        .order_by(col(Review.submitted_at).desc(), col(Review.id).desc()).limit(FEEDBACK_MAX)).all()
    found = []
    for review in reversed(rows):
        answers = review.answers or {}
        reflection = review.kind == ReviewKind.REFLECTION
        names = ("will_do_differently", "support_needed") if reflection else ("went_well", "to_improve")
        parts = tuple((name, _clip(answers.get(name))) for name in names if (answers.get(name) or "").strip())
        if parts:  # answers only: the private notes are a column of their own and never read here
            week = review.period or week_key(review.submitted_at.astimezone(UTC).date())
            found.append(Source(f"review:{review.id}", "reflection" if reflection else "feedback", week, parts))
    return found


def _actions(session: Session, subject: Person, start: datetime, end: datetime) -> list[Source]:
    rows = session.exec(select(ActionItem).where(ActionItem.subject_id == subject.id, ActionItem.created_at >= start,
                                                 ActionItem.created_at <= end)
                        .order_by(col(ActionItem.created_at).desc()).limit(ACTIONS_MAX)).all()
    return [Source(f"action:{a.id}", "action", f"#{a.id}",
                   (("action", _clip(a.text)), ("state", "done" if a.done_at else "open"))) for a in reversed(rows)]


def _clip(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"


# ---- with a model: the question, and what of the answer is kept ---------------------------------------------

_INSTRUCTIONS = """You help someone write their part of a performance review. Draft the text fields listed, from \
the records given and nothing else. Rules:
- Every sentence ends with the source of the record it comes from, in square brackets, exactly as given \
(for example [{example}]). A sentence without a source will be deleted.
- Use only facts in the records. Never invent numbers, names or events. Never give or suggest a rating or score.
- Write {language}, plainly, in the first person for a self-review and about "they" otherwise.
- Leave out a field when the records say nothing about it.
Answer with one JSON object: each key one of the field names given, each value the field's text."""

_LANGUAGES = {"en": "in English", "zh-CN": "in Simplified Chinese (简体中文)"}


def _question(target: _Target, sources: Sequence[Source], locale: str) -> Question:
    example = sources[0].cite(locale)
    system = _INSTRUCTIONS.format(example=example, language=_LANGUAGES.get(locale, "in English"))
    records = [{"source": f"[{source.cite(locale)}]", **dict(source.parts)} for source in sources]
    user = json.dumps({"review": target.kind, "fields": target.fields, "records": records}, ensure_ascii=False)
    return Question(feature=assistant.REVIEW_DRAFTS, record_ids=[source.ref for source in sources],
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])


def _cite_key(text: str) -> str:
    return "".join(text.split()).casefold()


def checked_fields(text: str, fields: dict[str, str], sources: Sequence[Source],
                   locale: str) -> tuple[dict[str, str], int]:
    """The answer's known text fields, each keeping only sentences that cite records sent; and how many were dropped.

    A citation is recognised in either language (a model may keep the English form) and written back in the
    writer's; a sentence citing something that was not sent is dropped like one citing nothing.
    """
    known: dict[str, str] = {}
    for source in sources:
        for any_locale in ("en", "zh-CN"):
            known[_cite_key(source.cite(any_locale))] = source.cite(locale)
    answer = json_object(text)
    kept: dict[str, str] = {}
    dropped = 0
    for name, value in answer.items():
        if name not in fields or not isinstance(value, str):
            continue
        sentences = []
        for sentence in _sentences(value):
            cites = _CITE.findall(sentence)
            words = _CITE.sub("", sentence).strip(" \t.;,。；，")
            if not cites or not words or any(_cite_key(c) not in known for c in cites):
                dropped += 1
                continue
            sentences.append(_CITE.sub(lambda m: f"[{known[_cite_key(m[1])]}]", sentence).strip())
        joined = _joined(sentences, locale)
        if joined:
            kept[name] = joined
    return kept, dropped


def _sentences(text: str) -> list[str]:
    """Sentences, each with the citations that follow it (a citation after the full stop belongs to the sentence)."""
    merged: list[str] = []
    for piece in (p.strip() for p in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if merged and not _CITE.sub("", piece).strip(" .。"):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _joined(sentences: Sequence[str], locale: str) -> str:
    """The sentences as one field's text, as many as fit the field's limit."""
    glue = "" if locale == "zh-CN" else " "
    text = ""
    for sentence in sentences:
        longer = f"{text}{glue}{sentence}" if text else sentence
        if len(longer) > TEXT_MAX:
            break
        text = longer
    return text


# ---- without a model: the records themselves --------------------------------------------------------------


def extractive_fields(target: _Target, sources: Sequence[Source], locale: str) -> dict[str, str]:
    """Quote the records into the fields: goal results, the latest highlights and kudos, blockers; each cited."""
    by_kind: dict[str, list[Source]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source)

    def lines(kind: str, part: str, *, count: int = QUOTED_PER_FIELD) -> list[str]:
        found = [(source, dict(source.parts).get(part)) for source in by_kind.get(kind, [])]
        return [f"• {text} [{source.cite(locale)}]" for source, text in found if text][-count:]

    goal_lines = {source.ref: f"• {dict(source.parts)['goal']}: {dict(source.parts)['result']} "
                              f"[{source.cite(locale)}]" for source in by_kind.get("goal", [])}
    comments = [name for name in target.fields if name.startswith("comment:")]
    quoted: dict[str, list[str]] = {}
    if target.kind == SELF:
        for name in target.fields:
            if name.startswith("evidence:") and f"goal:{name.partition(':')[2]}" in goal_lines:
                quoted[name] = [goal_lines[f"goal:{name.partition(':')[2]}"]]
        if comments:
            quoted[comments[0]] = lines("checkin", "highlights") + lines("kudos", "kudos")
        if len(comments) > 1:
            quoted[comments[1]] = lines("checkin", "blockers") + lines("feedback", "to_improve")
    else:
        if comments:
            quoted[comments[0]] = list(goal_lines.values())[:QUOTED_PER_FIELD * 2]
        quoted["strengths"] = (lines("checkin", "highlights") + lines("kudos", "kudos")
                               + lines("feedback", "went_well", count=2))
        quoted["to_improve"] = (lines("checkin", "blockers") + lines("feedback", "to_improve", count=2)
                                + lines("action", "action"))
    return {name: _joined_lines(found) for name, found in quoted.items() if found}


def _joined_lines(found: list[str]) -> str:
    text = ""
    for line in found:
        longer = f"{text}\n{line}" if text else line
        if len(longer) > TEXT_MAX:
            break
        text = longer
    return text
