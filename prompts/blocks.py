"""Block Kit builders: pure functions, data in, a message or view out (always with a text fallback)."""

from __future__ import annotations

from functools import lru_cache

from prompts.render import mrkdwn_escape, render

SECTION_TEXT_MAX = 3000


def sections(markdown: str) -> list[dict]:
    """Split mrkdwn into section blocks within Slack's 3000-character limit, on line breaks."""
    chunks: list[str] = []
    current = ""
    for line in markdown.splitlines():
        while len(line) > SECTION_TEXT_MAX:
            chunks, current = _flush(chunks, current)
            chunks.append(line[:SECTION_TEXT_MAX])
            line = line[SECTION_TEXT_MAX:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_TEXT_MAX:
            chunks, current = _flush(chunks, current)
            candidate = line
        current = candidate
    chunks, _ = _flush(chunks, current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _flush(chunks: list[str], current: str) -> tuple[list[str], str]:
    if current.strip():
        chunks.append(current)
    return chunks, ""


def markdown_message(markdown: str) -> dict:
    """Wrap rendered mrkdwn as a message: sections plus the same words as the fallback text."""
    return {"text": markdown, "blocks": sections(markdown)}


def help_message(template: str, *, locale: str) -> dict:
    return markdown_message(_static_words(template, locale))


@lru_cache(maxsize=256)
def _static_words(template: str, locale: str) -> str:
    """A template that takes nothing, rendered once per language: help texts are asked for all day."""
    return render(template, locale)


def unknown_subcommand(command: str, text: str, *, help_name: str, locale: str) -> dict:
    intro = render("unknown_subcommand", locale, command=command, text=text)
    return markdown_message(intro + "\n\n" + render(help_name, locale))


def unknown_person(hr_names: list[str], *, locale: str) -> dict:
    return markdown_message(render("unknown_person", locale, hr_names=hr_names))


def something_went_wrong(*, locale: str) -> dict:
    return markdown_message(render("something_went_wrong", locale))


__all__ = ["help_message", "markdown_message", "mrkdwn_escape", "sections", "unknown_person"]
