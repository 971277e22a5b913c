"""The Monday agenda in three lines: who needs attention and why, each line citing the check-ins it read.

For a manager with at least `MIN_REPORTS` active direct reports, the agenda starts with at most three lines. With
a model (and the `agenda_summary` feature on), the model writes them from this week's check-ins of the manager's
own reports, and a line is kept only when every source it cites is one of the check-ins sent (drafting's check).
Without a model, with the feature off, or when the model fails, the lines quote the reports' own words instead:
the three with an open blocker or a request for help first, then the lowest confidence.

What is sent is the minimum for the task: for each of the manager's own reports who checked in, the confidence,
highlights, blockers and help needed of the week, under a pseudonym ("Report 1", "Report 2", ...: never a name,
which the lines get back once the answer is checked). Never private coaching notes, feedback, peer reviews, goals
or anyone else.

The Monday job sends thousands of agendas: `Summariser` is one run's summaries, each call awaited at most
`seconds`, and after `FAILURES_IN_A_ROW` failures the rest of the run quotes without asking, so a model that is
down costs a run seconds, not hours.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from actions import assistant
from actions.assistant import AGENDA_SUMMARY, Assistant, Question
from actions.drafting import QUOTE_MAX, Source, checked_fields
from prompts.render import label
from storage.models import Person

MIN_REPORTS = 5  # fewer reports than this: the agenda is short enough to read whole
LINES_MAX = 3
LOW_CONFIDENCE = 3  # the extractive lines quote a report at this confidence or lower even without a blocker
AGENDA_MODEL_SECONDS = 10.0  # a job's call waits at most this long (or the configured timeout, if shorter)
FAILURES_IN_A_ROW = 3  # then the rest of the run quotes without asking the model
LINE_FIELDS = tuple(f"line{n}" for n in range(1, LINES_MAX + 1))
PSEUDONYM = "Report"  # the model reads "Report 1", "Report 2", ... where the agenda has names
# Not \b: in "Report 4被卡住了" a Chinese character counts as a word character.
_PSEUDONYM = re.compile(rf"(?<![A-Za-z0-9]){PSEUDONYM} [0-9]+(?![0-9])")

# Notes (label names) shown under the lines: written by the model, quoted, or quoted because the model failed.
WRITTEN, QUOTED, QUOTED_FAILED = "agenda_summary_written", "agenda_summary_quoted", "agenda_summary_failed"



@dataclass(frozen=True)
class Summary:
    """The agenda's opening lines (plain text, each ending with its citations) and the note saying how they came."""

    lines: tuple[str, ...]
    note: str
    extractive: bool


def sources_of(agenda: Any, locale: str, *, names: dict[int, str] | None = None) -> list[Source]:
    """This week's check-ins of the agenda's reports, one source each, cited `[check-in Li Lei 2026-W48]`, or with
    `names` (person id -> pseudonym) `[check-in Report 1 2026-W48]`."""
    found = []
    for report in agenda.reports:
        checkin = report.checkin
        if checkin is None:
            continue
        name = report.person.name if names is None else names[report.person.id]
        parts = [("person", name)]
        if checkin.confidence is not None:
            parts.append(("confidence", f"{checkin.confidence}/5"))
        parts += [(part, _clip(getattr(checkin, part))) for part in ("highlights", "blockers", "help_needed")
                  if (getattr(checkin, part) or "").strip()]
        found.append(Source(f"checkin:{checkin.id}", "checkin", f"{name} {checkin.week}", tuple(parts)))
    return found


def pseudonyms(agenda: Any) -> dict[int, str]:
    """What the model calls each report who checked in: "Report 1", "Report 2", ... in the agenda's order."""
    checked_in = (report.person.id for report in agenda.reports if report.checkin is not None)
    return {person_id: f"{PSEUDONYM} {number}" for number, person_id in enumerate(checked_in, start=1)}


def _named(line: str, agenda: Any, names: dict[int, str]) -> str:
    """The line with each pseudonym the model used (in its words and its citations) turned back into the name."""
    real = {names[report.person.id]: report.person.name for report in agenda.reports if report.person.id in names}
    return _PSEUDONYM.sub(lambda match: real.get(match[0], match[0]), line)


def summarise(session: Session, assistant_: Assistant | None, manager: Person, agenda: Any, *, locale: str,
              now: datetime, ask_model: bool = True) -> Summary | None:
    """The agenda's opening lines, or None for a manager with fewer than MIN_REPORTS reports or no check-ins.

    `ask_model` False quotes without asking (the run has seen the model fail): nothing is sent, nothing logged.
    """
    if len(agenda.reports) < MIN_REPORTS:
        return None
    sources = sources_of(agenda, locale)
    if not sources:
        return None
    if assistant_ is None or assistant_.model is None or not assistant_.on(AGENDA_SUMMARY):
        return Summary(extractive_lines(agenda, locale), QUOTED, True)
    if not ask_model:
        return Summary(extractive_lines(agenda, locale), QUOTED_FAILED, True)
    names = pseudonyms(agenda)
    sent = sources_of(agenda, locale, names=names)
    answer = assistant.ask(session, assistant_, manager, _question(agenda, sent, locale), now=now)
    if answer.outcome != assistant.OK:
        return Summary(extractive_lines(agenda, locale), QUOTED_FAILED, True)
    fields = {name: "" for name in LINE_FIELDS}
    kept, dropped = checked_fields(answer.text or "", fields, sent, locale)
    answer.call.dropped = dropped
    lines = tuple(_named(kept[name], agenda, names) for name in LINE_FIELDS if name in kept)
    if not lines:
        answer.call.outcome = assistant.JUNK
        return Summary(extractive_lines(agenda, locale), QUOTED_FAILED, True)
    return Summary(lines, WRITTEN, False)


def extractive_lines(agenda: Any, locale: str) -> tuple[str, ...]:
    """The reports' own words: open blockers and requests for help first, then the lowest confidence; at most 3."""
    flagged = []
    for report in agenda.reports:
        checkin = report.checkin
        if checkin is None:
            continue
        worry = (checkin.blockers or "").strip() or (checkin.help_needed or "").strip()
        low = checkin.confidence is not None and checkin.confidence <= LOW_CONFIDENCE
        if not worry and not low:
            continue
        flagged.append((not worry, checkin.confidence if checkin.confidence is not None else 6,
                        report.person.name.casefold(), report, worry or (checkin.highlights or "").strip()))
    flagged.sort(key=lambda row: row[:3])
    lines = []
    for _, _, _, report, words in flagged[:LINES_MAX]:
        checkin = report.checkin
        source = f"{label('ai_source_checkin', locale)} {report.person.name} {checkin.week}"
        lines.append(label("agenda_summary_quote", locale, name=report.person.name,
                           confidence="" if checkin.confidence is None else str(checkin.confidence),
                           words=_clip(words), source=source))
    return tuple(lines)


def _clip(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"


# ---- the question ---------------------------------------------------------------------------------------------

_INSTRUCTIONS = """You help a manager prepare this week's one-to-ones. From the check-ins of their direct reports \
given below, write at most three lines saying who needs attention and why, the most urgent first. Rules:
- The people are called Report 1, Report 2 and so on: call each exactly so, in any language.
- Each line names the person and ends with the source of every check-in it uses, in square brackets, exactly as \
given (for example [{example}]). A line without a source will be deleted.
- Use only what the check-ins say. Never invent facts. Never rate, rank or judge anyone's performance.
- Write {language}, plainly, one sentence a line. Leave lines out when fewer people need attention.
Answer with one JSON object whose keys are line1, line2 and line3, each value one line."""

_LANGUAGES = {"en": "in English", "zh-CN": "in Simplified Chinese (简体中文)"}


def _question(agenda: Any, sources: Sequence[Source], locale: str) -> Question:
    system = _INSTRUCTIONS.format(example=sources[0].cite(locale), language=_LANGUAGES.get(locale, "in English"))
    checkins = [{"source": f"[{source.cite(locale)}]", **dict(source.parts)} for source in sources]
    user = json.dumps({"week": agenda.week, "checkins": checkins}, ensure_ascii=False)
    return Question(feature=AGENDA_SUMMARY, record_ids=[source.ref for source in sources],
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])


# ---- one job run ----------------------------------------------------------------------------------------------


class Summariser:
    """One run's agenda summaries: each model call awaited at most `seconds`, none after FAILURES_IN_A_ROW failures.

    Safe to share between the run's delivery threads.
    """

    def __init__(self, assistant_: Assistant | None, *, seconds: float = AGENDA_MODEL_SECONDS) -> None:
        self.assistant = assistant_.within(seconds) if assistant_ is not None else None
        self._failures = 0
        self._lock = threading.Lock()

    def __call__(self, session: Session, manager: Person, agenda: Any, *, locale: str,
                 now: datetime) -> Summary | None:
        with self._lock:
            ask_model = self._failures < FAILURES_IN_A_ROW
        summary = summarise(session, self.assistant, manager, agenda, locale=locale, now=now, ask_model=ask_model)
        if summary is not None and ask_model and self.assistant is not None and self.assistant.model is not None \
                and self.assistant.on(AGENDA_SUMMARY):
            with self._lock:
                self._failures = self._failures + 1 if summary.note == QUOTED_FAILED else 0
        return summary
