"""Block Kit for refusing a request that could not be read."""

from __future__ import annotations

from prompts.render import label


def refusal_modal(words: str, *, locale: str) -> dict:
    """Replace a submitted modal that has no input to show the error on with one that says why."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": label("app_name", locale)},
        "close": {"type": "plain_text", "text": label("cancel", locale)},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": words}}],
    }
