"""The assistant's model: any OpenAI-compatible chat-completions endpoint, through the official `openai` package."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, TextIO

import openai

from actions.assistant import TIMEOUT, UNAVAILABLE, Assistant, ModelError, Reply, calls, tokens_used
from bot.errors import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

MAX_RETRIES = 2
NO_KEY = "not-needed"  # a local vLLM or Ollama takes no key; the client insists on one


class OpenAIChat:
    """Chat completions at `base_url` (vLLM, Ollama, DeepSeek, Qwen, Azure OpenAI, OpenAI) asking for JSON."""

    def __init__(self, *, base_url: str, model: str, api_key: str | None, timeout: float,
                 max_retries: int = MAX_RETRIES):
        self.name = model
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or NO_KEY, timeout=timeout,
                                     max_retries=max_retries)

    def __call__(self, messages: list[dict], *, max_tokens: int) -> Reply:
        try:
            response = self._client.chat.completions.create(
                model=self.name, messages=messages, max_tokens=max_tokens, temperature=0.2,
                response_format={"type": "json_object"})
        except openai.APITimeoutError:
            log.warning("the assistant's model did not answer in time")
            raise ModelError(TIMEOUT) from None
        except openai.OpenAIError as error:  # the message may quote the request: log only what kind of failure
            log.warning("the assistant's model failed: %s", type(error).__name__)
            raise ModelError(UNAVAILABLE) from None
        text = response.choices[0].message.content if response.choices else None
        usage = response.usage
        prompt = usage.prompt_tokens if usage else _estimate(messages)
        completion = usage.completion_tokens if usage else len(text or "") // 4 + 1
        return Reply(text=text or "", prompt_tokens=prompt or 0, completion_tokens=completion or 0)


def _estimate(messages: list[dict]) -> int:
    """Tokens an endpoint that reports no usage was sent, roughly (4 characters each), for the budget."""
    return sum(len(str(m.get("content", ""))) for m in messages) // 4 + 1


def assistant_from(settings: Settings) -> Assistant:
    """The assistant as the settings configure it: a model when its endpoint is set, the features switched on."""
    model = None
    if settings.ai_configured:
        model = OpenAIChat(base_url=settings.ai_base_url, model=settings.ai_model, api_key=settings.ai_api_key,
                           timeout=settings.ai_timeout_seconds)
    return Assistant(model=model, daily_tokens=settings.ai_daily_tokens, features=settings.ai_features)


def ai_log(deps: Deps, *, since: str | None, out: TextIO) -> int:
    """Print the call log (who asked, feature, records sent, tokens, outcome) and today's tokens against the budget."""
    try:
        start = datetime.combine(date.fromisoformat(since), time.min, tzinfo=UTC) if since else None
    except ValueError as exc:
        raise CommandError(f"--since {since!r} is not a date like 2026-01-31") from exc
    settings = deps.settings
    today = deps.clock.now().astimezone(UTC).date()
    with deps.sessions() as session:
        used = tokens_used(session, day=today)
        rows = calls(session, since=start)
    where = f"{settings.ai_model} at {settings.ai_base_url}" if settings.ai_configured else \
        "no model configured (extractive fallback only)"
    features = ", ".join(sorted(settings.ai_features)) or "none"
    print(f"assistant: {where}; features: {features}", file=out)
    print(f"today ({today.isoformat()} UTC): {used} of {settings.ai_daily_tokens} tokens", file=out)
    print("at (UTC)\twho\tfeature\toutcome\tprompt\tcompletion\tdropped\trecords sent", file=out)
    for call, name in rows:
        print("\t".join([call.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), name or f"person {call.person_id}",
                         call.feature, call.outcome, str(call.prompt_tokens), str(call.completion_tokens),
                         str(call.dropped), " ".join(call.record_ids) or "-"]), file=out)
    if not rows:
        print("(no calls)", file=out)
    return 0
