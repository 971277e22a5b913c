"""The assistant's model behind a small interface, its daily token budget and its call log (never the text).

A surface never calls the model: an action does, through `Assistant.ask`, which refuses once today's budget is
spent and records every call (who asked, the feature, the ids of the records sent, token counts, the outcome)
in the `ai_call` table. The model itself is injected (bot.ai_client builds one from the settings), so nothing
here imports the `openai` package or knows where the endpoint is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AiCall, Person

REVIEW_DRAFTS = "review_drafts"
GOAL_SUGGESTIONS = "goal_suggestions"
AGENDA_SUMMARY = "agenda_summary"
TRANSLATION = "translation"
FEATURES = frozenset({REVIEW_DRAFTS, GOAL_SUGGESTIONS, AGENDA_SUMMARY, TRANSLATION})
NOTHING_OFF: frozenset[str] = frozenset()

OK, TIMEOUT, UNAVAILABLE, JUNK, OVER_BUDGET = "ok", "timeout", "unavailable", "junk", "over_budget"
COMPLETION_MAX_TOKENS = 1500  # one draft's answer; the budget caps the day


@dataclass(frozen=True)
class Reply:
    """What the model answered, with the token counts its endpoint reported."""

    text: str
    prompt_tokens: int
    completion_tokens: int


class ModelError(Exception):
    """The model did not answer in time (`reason` TIMEOUT) or at all (UNAVAILABLE); the caller shows a notice."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChatModel(Protocol):
    """An OpenAI-compatible chat completion: messages in, a reply out, or ModelError."""

    name: str

    def __call__(self, messages: list[dict], *, max_tokens: int) -> Reply: ...


def nothing_off() -> frozenset[str]:
    """No feature switched off: an assistant not yet given HR's switches (bot.deps gives them)."""
    return NOTHING_OFF


@dataclass(frozen=True)
class Assistant:
    """The assistant as configured: the model (None: the extractive fallback only), the budget, the features the
    operator allows (`features`) and those HR has switched off since (`switched_off`, read before every use)."""

    model: ChatModel | None = None
    daily_tokens: int = 200_000
    features: frozenset[str] = field(default_factory=lambda: FEATURES)
    switched_off: Callable[[], frozenset[str]] = field(default=nothing_off, compare=False)  # HR's switches

    def on(self, feature: str) -> bool:
        """Answer whether the feature may be used now: the operator allows it and HR has not switched it off."""
        return feature in self.features and feature not in self.switched_off()

    def within(self, seconds: float) -> Assistant:
        """This assistant with its model's answer awaited at most `seconds` (a Teams invoke, a job run over
        thousands of managers); past it the call reads as TIMEOUT and its late answer is dropped."""
        if self.model is None:
            return self
        return replace(self, model=_InTime(self.model, seconds))


_CALLS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="model-call")


class _InTime:
    """A model whose answer is awaited at most `seconds`; later, ModelError(TIMEOUT)."""

    def __init__(self, model: ChatModel, seconds: float) -> None:
        self.name = model.name
        self._model = model
        self._seconds = seconds

    def __call__(self, messages: list[dict], *, max_tokens: int) -> Reply:
        call = _CALLS.submit(self._model, messages, max_tokens=max_tokens)
        try:
            return call.result(timeout=self._seconds)
        except FutureTimeout:
            call.cancel()  # still queued behind slow calls: never sent
            raise ModelError(TIMEOUT) from None


@dataclass(frozen=True)
class Question:
    """One question to the model: the messages, and the records they carry (kind:id) for the log."""

    feature: str
    messages: list[dict]
    record_ids: Sequence[str]


@dataclass(frozen=True)
class Answer:
    """The model's reply, or why there is none (`outcome` other than OK); `call` is the log row, to amend."""

    outcome: str
    call: AiCall
    text: str | None = None


def ask(session: Session, assistant: Assistant, person: Person, question: Question, *, now: datetime) -> Answer:
    """Ask the model within today's budget; record the call (or the refusal) in the call log, without the text."""
    model = assistant.model
    assert model is not None, "ask() needs a model; the fallback does not call one"
    used = tokens_used(session, day=now.astimezone(UTC).date())
    call = AiCall(at=now, person_id=person.id, feature=question.feature, model=model.name,
                  record_ids=list(question.record_ids), outcome=OVER_BUDGET)
    if used >= assistant.daily_tokens:
        call.record_ids = []  # nothing was sent
        session.add(call)
        return Answer(OVER_BUDGET, call)
    try:
        reply = model(question.messages, max_tokens=min(COMPLETION_MAX_TOKENS, assistant.daily_tokens - used))
    except ModelError as error:
        call.outcome = error.reason
        session.add(call)
        return Answer(error.reason, call)
    call.outcome, call.prompt_tokens, call.completion_tokens = OK, reply.prompt_tokens, reply.completion_tokens
    session.add(call)
    return Answer(OK, call, reply.text)


def json_object(text: str) -> dict:
    """The JSON object in a model's answer (fenced or not); {} when there is none."""
    first, last = text.find("{"), text.rfind("}")
    if first < 0 or last <= first:
        return {}
    try:
        data = json.loads(text[first:last + 1])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def tokens_used(session: Session, *, day: date) -> int:
    """Tokens the model was sent and answered on a UTC day, by every feature."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    end = datetime.combine(day, time.max, tzinfo=UTC)
    total = session.exec(select(func.coalesce(func.sum(AiCall.prompt_tokens + AiCall.completion_tokens), 0))
                         .where(AiCall.at >= start, AiCall.at <= end)).one()
    return int(total or 0)


def calls(session: Session, *, since: datetime | None = None, limit: int = 1000) -> list[tuple[AiCall, str | None]]:
    """The call log, newest first, with the name of who asked (None once erased)."""
    query = select(AiCall, Person.name).join(Person, col(AiCall.person_id) == Person.id, isouter=True)
    if since is not None:
        query = query.where(AiCall.at >= since)
    rows = session.exec(query.order_by(col(AiCall.at).desc(), col(AiCall.id).desc()).limit(limit)).all()
    return [(call, None if name is None else name) for call, name in rows]
